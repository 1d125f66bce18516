"""Train/eval metric pairing and overfitting signs: generalisation gap, eval regression.

Pairing (:func:`pair_metrics`): a name is an EVAL metric when a token is ``val``, ``valid``,
``validation``, ``eval``, ``evaluation``, ``test``, ``dev`` or ``mode<N>`` (an eval split), a
TRAIN metric when a token is ``train``/``training``, and a BARE metric otherwise (HF Trainer's
``loss``). Both sides must measure a known quantity (:func:`.direction.quantity`). The key of a
name is its tokens without role tokens, spellings unified (``ppl`` = ``perplexity``); an eval
metric pairs with the train metric of the same key, else the bare one, else (for eval-split
names like ``eval_g0_loss``) the train then bare metric whose key is just the quantity.

Verdict (:func:`overfitting`), on eval points aligned with the (EMA-smoothed) train value at
the nearest preceding train step: with fewer than 3 aligned points, ``insufficient``; else, with
regression = how far the last eval value is from the best one in the bad direction, and
scale = |best| (the eval range when best is 0):

- ``overfitting``: regression > ``tolerance`` x scale and train improved since the best step;
- ``eval_worsening``: regression > ``tolerance`` x scale and train did not improve;
- ``ok``: otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import polars as pl
from numpy.typing import ArrayLike, NDArray

from curvelens.core.analysis.direction import higher_is_better, quantity, tokens
from curvelens.core.analysis.smoothing import ema
from curvelens.core.analysis.summary import series

Array = NDArray[np.float64]

EVAL_TOKENS = frozenset({"val", "valid", "validation", "eval", "evaluation", "test", "dev"})
TRAIN_TOKENS = frozenset({"train", "training"})
_EVAL_SPLIT = re.compile(r"^mode\d+$")
MIN_ALIGNED = 3


@dataclass(frozen=True)
class MetricPair:
    """A training metric and an evaluation metric of the same quantity."""

    train_metric: str
    eval_metric: str


def _role(parts: list[str]) -> str:
    """``eval``, ``train`` or ``bare`` for a name's tokens."""
    if any(p in EVAL_TOKENS or _EVAL_SPLIT.match(p) for p in parts):
        return "eval"
    return "train" if any(p in TRAIN_TOKENS for p in parts) else "bare"


def _key(parts: list[str]) -> str:
    """Tokens without role tokens, each known quantity spelled canonically."""
    kept = [p for p in parts if p not in EVAL_TOKENS | TRAIN_TOKENS and not _EVAL_SPLIT.match(p)]
    return "_".join(quantity(p) or p for p in kept)


def pair_metrics(metrics: Iterable[str]) -> list[MetricPair]:
    """Train/eval pairs among ``metrics`` (rules in the module docstring), sorted by eval name."""
    by_role: dict[str, dict[str, str]] = {"train": {}, "bare": {}}
    evals: list[str] = []
    for metric in sorted(set(metrics)):
        if quantity(metric) is None:
            continue
        parts = tokens(metric)
        role = _role(parts)
        if role == "eval":
            evals.append(metric)
        else:
            by_role[role].setdefault(_key(parts), metric)
    pairs = []
    for metric in evals:
        keys = (_key(tokens(metric)), quantity(metric) or "")
        found = [by_role[r][k] for k in keys for r in ("train", "bare") if k in by_role[r]]
        if found:
            pairs.append(MetricPair(found[0], metric))
    return pairs


@dataclass(frozen=True, eq=False)
class Overfitting:
    """Overfitting signs of one train/eval pair; the verdict rule is in the module docstring."""

    gap_steps: Array
    """Eval steps that have a train value at or before them."""
    gap: Array
    """Eval value minus the train value at the nearest preceding train step."""
    best_step: float | None
    """Step of the best eval value (earliest on ties)."""
    best_value: float | None
    last_value: float | None
    """Last eval value."""
    regression: float | None
    """How far the last eval value is from the best, in the bad direction (>= 0)."""
    train_improvement: float | None
    """How far train improved from the best eval step to the last one (> 0: improved)."""
    gap_change: float | None
    """Gap at the last eval step minus gap at the best step."""
    verdict: str
    """``overfitting``, ``eval_worsening``, ``ok`` or ``insufficient``."""


def _finite(steps: ArrayLike, values: ArrayLike) -> tuple[Array, Array]:
    """Float64 copies of the points whose step and value are finite."""
    s = np.asarray(steps, dtype=np.float64)
    v = np.asarray(values, dtype=np.float64)
    keep = np.isfinite(s) & np.isfinite(v)
    return s[keep], v[keep]


def _align(ts: Array, tv: Array, es: Array, ev: Array) -> tuple[Array, Array, Array]:
    """Eval steps, eval values and the train value at the nearest preceding train step."""
    index = np.searchsorted(ts, es, side="right") - 1
    keep = index >= 0
    return es[keep], ev[keep], tv[index[keep]]


def overfitting(
    train_steps: ArrayLike,
    train_values: ArrayLike,
    eval_steps: ArrayLike,
    eval_values: ArrayLike,
    *,
    higher_better: bool = False,
    tolerance: float = 0.02,
    train_smoothing: float = 0.9,
) -> Overfitting:
    """Gap series, best eval point, regression since it, and a verdict for one pair.

    Series are sorted by step; non-finite points are dropped. Per-batch train values are
    noisy, so they are EMA-smoothed with weight ``train_smoothing`` before alignment (0 = raw).
    """
    ts, tv = _finite(train_steps, train_values)
    es, ev, at = _align(ts, ema(tv, train_smoothing), *_finite(eval_steps, eval_values))
    gap = ev - at
    if es.size < MIN_ALIGNED:
        return Overfitting(es, gap, None, None, None, None, None, None, "insufficient")
    sign = -1.0 if higher_better else 1.0  # +1 when lower is better
    best = int(np.argmin(sign * ev))
    regression = float(sign * (ev[-1] - ev[best]))
    improvement = float(sign * (at[best] - at[-1]))
    scale = abs(float(ev[best])) or float(np.ptp(ev))
    worse = regression > tolerance * scale
    verdict = ("overfitting" if improvement > 0 else "eval_worsening") if worse else "ok"
    return Overfitting(
        es,
        gap,
        float(es[best]),
        float(ev[best]),
        float(ev[-1]),
        regression,
        improvement,
        float(gap[-1] - gap[best]),
        verdict,
    )


def overfitting_by_pair(
    points: pl.DataFrame, *, tolerance: float = 0.02, train_smoothing: float = 0.9
) -> list[tuple[MetricPair, Overfitting]]:
    """:func:`overfitting` for every pair found in one run's ``POINTS`` frame."""
    pairs = pair_metrics(points.get_column("metric").unique().to_list())
    return [
        (
            pair,
            overfitting(
                *series(points, pair.train_metric),
                *series(points, pair.eval_metric),
                higher_better=higher_is_better(pair.eval_metric),
                tolerance=tolerance,
                train_smoothing=train_smoothing,
            ),
        )
        for pair in pairs
    ]
