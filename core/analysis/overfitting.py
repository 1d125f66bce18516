"""Train/eval metric pairing and overfitting signs: generalisation gap, eval regression.

Pairing (:func:`pair_metrics`): a name is an EVAL metric when a token is ``val``, ``valid``,
``validation``, ``eval``, ``evaluation``, ``test``, ``dev`` or ``mode<N>`` (an eval split), a
TRAIN metric when a token is ``train``/``training``, and a BARE metric otherwise (HF Trainer's
``loss``). Both sides must measure a known quantity (:func:`.direction.quantity`). The key of a
name is its tokens without role tokens, spellings unified (``ppl`` = ``perplexity``); an eval
metric pairs with the train metric of the same key, else the bare one, else (for eval-split
names like ``eval_g0_loss``) the train then bare metric whose key is just the quantity.

Verdict (:func:`overfitting`), from trends, not from one noisy last point: the end window
is the last ``window`` (1/3, at least :data:`MIN_EVALS`) of the finite eval points; over its
step range, least-squares slopes with 95 % t intervals of the eval values and of the raw
train values (:func:`.convergence.end_slope`). With fewer than :data:`MIN_EVALS` eval points
(or fewer than 3 train points in the window for the train side), ``insufficient``. Else:

- ``overfitting``: the eval slope's interval lies wholly on the bad side of 0 (eval getting
  worse) AND the train slope's interval wholly on the good side (train still improving);
- ``eval_worsening``: eval getting worse and train not clearly improving;
- ``ok``: otherwise (eval improving or flat within its noise).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from curvelens.core.analysis.convergence import end_slope
from curvelens.core.analysis.direction import quantity, tokens
from curvelens.core.analysis.smoothing import ema

Array = NDArray[np.float64]

EVAL_TOKENS = frozenset({"val", "valid", "validation", "eval", "evaluation", "test", "dev"})
TRAIN_TOKENS = frozenset({"train", "training"})
_EVAL_SPLIT = re.compile(r"^mode\d+$")
MIN_EVALS = 5


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


@dataclass(frozen=True)
class Overfitting:
    """Overfitting signs of one train/eval pair; the verdict rule is in the module docstring."""

    evals: int
    """Eval points in the end window."""
    span: float | None
    """Steps the end window covers (last minus first eval step in it)."""
    eval_slope: float | None
    """Eval value change per step over the end window."""
    eval_slope_ci: tuple[float, float] | None
    train_slope: float | None
    """Raw train value change per step over the same steps."""
    train_slope_ci: tuple[float, float] | None
    best_step: float | None
    """Step of the best eval value (earliest on ties)."""
    best_value: float | None
    last_value: float | None
    gaps: Gaps
    """Descriptive numbers about the best eval point (not used by the verdict)."""
    verdict: str
    """``overfitting``, ``eval_worsening``, ``ok`` or ``insufficient``."""


@dataclass(frozen=True)
class Gaps:
    """Since the best eval point: how far eval moved the bad way (``regression`` >= 0), how
    far the EMA-smoothed (0.9) train value at the nearest preceding train step improved
    (``train_improvement``), the last gap eval - train and its change since the best step."""

    regression: float | None = None
    train_improvement: float | None = None
    gap_last: float | None = None
    gap_change: float | None = None


def _gaps(ts: Array, tv: Array, es: Array, ev: Array, sign: float) -> Gaps:
    """The :class:`Gaps` of one pair (empty without an eval point after a train point)."""
    index = np.searchsorted(ts, es, side="right") - 1
    keep = index >= 0
    if not keep.any():
        return Gaps()
    es, ev, at = es[keep], ev[keep], ema(tv, 0.9)[index[keep]]
    best = int(np.argmin(sign * ev))
    gap = ev - at
    return Gaps(
        float(sign * (ev[-1] - ev[best])),
        float(sign * (at[best] - at[-1])),
        float(gap[-1]),
        float(gap[-1] - gap[best]),
    )


def _finite(steps: ArrayLike, values: ArrayLike) -> tuple[Array, Array]:
    """Float64 copies of the points whose step and value are finite."""
    s = np.asarray(steps, dtype=np.float64)
    v = np.asarray(values, dtype=np.float64)
    keep = np.isfinite(s) & np.isfinite(v)
    return s[keep], v[keep]


def _slope(s: Array, v: Array) -> tuple[float | None, tuple[float, float] | None]:
    """Least-squares slope and its 95 % interval, Nones with fewer than 3 points."""
    found = end_slope(s, v) if s.size >= 3 else None
    return (None, None) if found is None else (found.value, (found.low, found.high))


def _verdict(
    eval_ci: tuple[float, float] | None, train_ci: tuple[float, float] | None, sign: float
) -> str:
    """The verdict from the two slope intervals (``sign`` = +1 when lower is better)."""
    if eval_ci is None:
        return "insufficient"
    worse = min(sign * eval_ci[0], sign * eval_ci[1]) > 0
    if not worse:
        return "ok"
    improving = train_ci is not None and max(sign * train_ci[0], sign * train_ci[1]) < 0
    return "overfitting" if improving else "eval_worsening"


def overfitting(
    train_steps: ArrayLike,
    train_values: ArrayLike,
    eval_steps: ArrayLike,
    eval_values: ArrayLike,
    *,
    higher_better: bool = False,
    window: float = 1 / 3,
) -> Overfitting:
    """End-window eval and train trends and the verdict for one pair (module docstring)."""
    ts, tv = _finite(train_steps, train_values)
    es, ev = _finite(eval_steps, eval_values)
    sign = -1.0 if higher_better else 1.0
    best = int(np.argmin(sign * ev)) if ev.size else None
    best_step = float(es[best]) if best is not None else None
    best_value = float(ev[best]) if best is not None else None
    last = float(ev[-1]) if ev.size else None
    gaps = _gaps(ts, tv, es, ev, sign)
    if es.size < MIN_EVALS:
        return Overfitting(int(es.size), None, None, None, None, None, best_step, best_value,
                           last, gaps, "insufficient")  # fmt: skip
    k = max(MIN_EVALS, math.ceil(window * es.size))
    ws, wv = es[-k:], ev[-k:]
    eval_slope, eval_ci = _slope(ws, wv)
    inside = (ts >= ws[0]) & (ts <= ws[-1])
    train_slope, train_ci = _slope(ts[inside], tv[inside])
    return Overfitting(
        k, float(ws[-1] - ws[0]), eval_slope, eval_ci, train_slope, train_ci, best_step,
        best_value, last, gaps, _verdict(eval_ci, train_ci, sign),
    )  # fmt: skip
