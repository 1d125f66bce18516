"""Standardised effect sizes of group ``b`` against the baseline ``a``: Cohen's d and
Hedges' g (signed ``b - a``; NaN where undefined). The engine's group test uses them."""

from __future__ import annotations

import math

import numpy as np


def pooled_std(a: np.ndarray, b: np.ndarray) -> float:
    """Pooled standard deviation (ddof=1 in each group); NaN when df < 1."""
    df = a.size + b.size - 2
    if a.size < 1 or b.size < 1 or df < 1:
        return float("nan")
    ss = np.sum((a - a.mean()) ** 2) + np.sum((b - b.mean()) ** 2)
    return float(math.sqrt(ss / df))


def cohens_d(a: np.ndarray, b: np.ndarray) -> float:
    """``(mean(b) - mean(a)) / pooled_std``; NaN when undefined (df < 1 or zero spread)."""
    s = pooled_std(a, b)
    if not s > 0:
        return float("nan")
    return float((b.mean() - a.mean()) / s)


def hedges_correction(df: int) -> float:
    """Exact bias correction J(df) = Gamma(df/2) / (sqrt(df/2) Gamma((df-1)/2)), df >= 2."""
    return math.exp(math.lgamma(df / 2) - math.lgamma((df - 1) / 2)) / math.sqrt(df / 2)


def hedges_g(a: np.ndarray, b: np.ndarray) -> float:
    """Hedges' g: Cohen's d times :func:`hedges_correction`; NaN when df < 2 or zero spread."""
    df = a.size + b.size - 2
    d = cohens_d(a, b)
    if df < 2 or math.isnan(d):
        return float("nan")
    return d * hedges_correction(df)
