"""Two runs, one metric: the descriptive paired comparison of their aligned points.

Input: an aligned frame ``step, a, b, finite`` (the engine's two curves on their shared grid,
``finite`` True where both values are finite). Differences are ``b - a``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from curvelens.core.analysis.bootstrap import (
    DEFAULT_REPS,
    block_bootstrap_means,
    default_block_length,
    percentile_interval,
)

#: Label carried by every :class:`PairedComparison`.
DESCRIPTIVE = (
    "descriptive only: points along one run are not independent samples, so the interval "
    "and p-value describe this pair of curves, not a population of runs"
)


@dataclass(frozen=True)
class PairedComparison:
    """Paired differences ``b - a`` over the aligned steps. DESCRIPTIVE, not inference:
    successive points of a curve are autocorrelated, not independent samples."""

    n: int
    """Aligned points where both values are finite (the ones used)."""
    mean_diff: float | None
    """Mean of ``b - a`` over those points."""
    mean_diff_ci: tuple[float, float] | None
    """Moving-block bootstrap percentile interval of ``mean_diff`` (needs n >= 2)."""
    block: int | None
    """Block length used by the moving-block bootstrap."""
    wilcoxon_stat: float | None
    """Wilcoxon signed-rank statistic (scipy); None when all differences are 0."""
    wilcoxon_p: float | None
    """Two-sided Wilcoxon p-value, descriptive only (see ``caveat``)."""
    level: float
    """Confidence level of ``mean_diff_ci``."""
    caveat: str = DESCRIPTIVE
    """Why these numbers are descriptive."""
    notes: tuple[str, ...] = ()
    """Why a statistic is missing."""


def _wilcoxon(diffs: np.ndarray, notes: list[str]) -> tuple[float | None, float | None]:
    """Wilcoxon signed-rank statistic and p, or Nones with a note when undefined."""
    if not np.any(diffs != 0):
        notes.append("wilcoxon: no non-zero difference")
        return None, None
    from scipy import stats

    res = stats.wilcoxon(diffs)
    return float(res.statistic), float(res.pvalue)


def paired_comparison(
    aligned: pl.DataFrame,
    *,
    rng: np.random.Generator,
    reps: int = DEFAULT_REPS,
    block: int | None = None,
    level: float = 0.95,
) -> PairedComparison:
    """Describe ``b - a`` over the finite points of an aligned frame (never raises).

    ``block`` defaults to ``round(n ** (1/3))``; non-finite points are skipped, so a block
    may straddle such a gap.
    """
    used = aligned.filter(pl.col("finite"))
    diffs = (used.get_column("b") - used.get_column("a")).to_numpy().astype(np.float64)
    notes: list[str] = []
    if diffs.size == 0:
        notes.append("no aligned point where both values are finite")
        return PairedComparison(0, None, None, None, None, None, level, notes=tuple(notes))
    length = min(diffs.size, block if block is not None else default_block_length(diffs.size))
    ci = None
    if diffs.size >= 2:
        ci = percentile_interval(block_bootstrap_means(diffs, rng, reps, length), level)
    else:
        notes.append("mean difference interval: needs at least 2 aligned points")
    stat, p = _wilcoxon(diffs, notes)
    return PairedComparison(
        n=int(diffs.size),
        mean_diff=float(diffs.mean()),
        mean_diff_ci=ci,
        block=length,
        wilcoxon_stat=stat,
        wilcoxon_p=p,
        level=level,
        notes=tuple(notes),
    )
