"""Anomalies in one run's curves: spikes, drops, NaN/inf, loss explosions, grad-norm blow-ups.

Kinds and rules (thresholds in :class:`Thresholds`):

- ``spike`` / ``drop``: first differences d of the finite values get a robust z-score,
  z = 0.6745 * (d - median) / MAD, median and MAD taken over the ``window`` differences
  centred on d (noise shrinks as training goes on, so one series-wide MAD would flag every
  early wiggle); |z| > ``z_score`` is flagged, as a spike when z > 0 and a drop when z < 0,
  at the step the jump lands on. Where the local MAD is 0 (flat stretches) the series-wide
  mean absolute deviation is the scale (z = (d - median) / (1.2533 * MeanAD)); when that is
  0 too, nothing is flagged. A one-point outlier makes two opposite jumps (out
  and back): only the first counts. For metrics of a known direction (:mod:`.direction`)
  only jumps the bad way are reported (a loss spike, an accuracy drop; grad-norm metrics
  count as lower-is-better), so fast early
  progress is not an anomaly. Schedules and counters (lr, learning_rate, epoch, step, time,
  runtime, momentum, ...per_second) are not checked for jumps. Needs ``min_points`` points.
- ``nonfinite``: a stretch of consecutive NaN/inf values, reported once at its first step;
  score = length of the stretch.
- ``explosion`` (metrics measuring loss, perplexity or nll): value > ``explosion`` x the
  lowest earlier value (which must be > 0); score = that ratio.
- ``grad_blowup`` (metrics named like grad_norm, gradient_norm, gnorm): value >
  ``grad_blowup`` x the median of the ``grad_window`` earlier finite values; score = ratio.

Explosions and blow-ups are reported once per excursion, at the first point above threshold.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl
from numpy.typing import ArrayLike, NDArray

from curvelens.core.analysis.direction import higher_is_better, quantity, tokens
from curvelens.core.analysis.summary import series

#: Kinds of anomaly, in the order used to break ties at one step.
KINDS = ("nonfinite", "explosion", "grad_blowup", "spike", "drop")
_LOSS_LIKE = frozenset({"loss", "perplexity", "nll"})
_GRAD_NORM_NAMES = frozenset({"gnorm", "gradnorm", "grad_norm", "gradient_norm"})
_SCHEDULE_NAMES = frozenset(
    {"lr", "learning_rate", "epoch", "step", "steps", "global_step", "time", "timestamp"}
    | {"runtime", "momentum", "per_second"}
)


@dataclass(frozen=True)
class Anomaly:
    """One suspicious point of one metric."""

    metric: str
    step: float
    value: float
    score: float
    """Robust z (spike/drop), ratio to the reference (explosion/grad_blowup), or stretch
    length (nonfinite)."""
    kind: str
    """One of :data:`KINDS`."""


@dataclass(frozen=True)
class Thresholds:
    """Detection thresholds; the rules are in the module docstring."""

    z_score: float = 6.0
    window: int = 51
    explosion: float = 3.0
    grad_blowup: float = 5.0
    grad_window: int = 50
    min_points: int = 8


def _names(metric: str) -> set[str]:
    """A metric's tokens and its pairs of adjacent tokens joined by ``_``."""
    parts = tokens(metric)
    return set(parts) | {"_".join(parts[i : i + 2]) for i in range(len(parts) - 1)}


def is_grad_norm(metric: str) -> bool:
    """True for metric names like ``grad_norm``, ``train/gradient_norm``, ``gnorm``."""
    return bool(_names(metric) & _GRAD_NORM_NAMES)


def is_schedule(metric: str) -> bool:
    """True for schedules and counters (``lr``, ``epoch``, ``train_runtime`` ...)."""
    return bool(_names(metric) & _SCHEDULE_NAMES)


def _bad_way(metric: str, z: float) -> bool:
    """Whether a jump of sign ``z`` is worth reporting for ``metric``."""
    if is_grad_norm(metric):
        return z > 0
    if quantity(metric) is None:
        return True
    return (z < 0) if higher_is_better(metric) else (z > 0)


def _rolling_median(x: NDArray[np.float64], window: int) -> NDArray[np.float64]:
    """Centred rolling median, the window shrinking at the ends."""
    rolled = pl.Series(x).rolling_median(window, min_samples=1, center=True)
    return rolled.to_numpy().astype(np.float64)


def _robust_z(d: NDArray[np.float64], window: int) -> NDArray[np.float64]:
    """Robust z-scores of ``d`` against the median and MAD of the ``window`` around each point.

    Where the local MAD is 0, the series-wide mean absolute deviation is the scale instead;
    where that is 0 too, z is 0.
    """
    centred = d - _rolling_median(d, window)
    scale = _rolling_median(np.abs(centred), window) / 0.6745
    fallback = 1.2533 * float(np.mean(np.abs(d - np.median(d))))
    scale = np.where(scale > 0, scale, fallback)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(scale > 0, centred / scale, 0.0)


def _jumps(metric: str, s: np.ndarray, v: np.ndarray, t: Thresholds) -> list[Anomaly]:
    """Spikes and drops among the finite points ``s, v`` (see the module docstring)."""
    z = _robust_z(np.diff(v), t.window)
    limit = t.z_score
    found: list[Anomaly] = []
    previous = -2
    for i in np.flatnonzero(np.abs(z) > limit):
        if i == previous + 1 and np.sign(z[i]) != np.sign(z[previous]):
            previous = -2  # the way back from a one-point outlier
            continue
        previous = int(i)
        if _bad_way(metric, float(z[i])):
            kind = "spike" if z[i] > 0 else "drop"
            found.append(Anomaly(metric, float(s[i + 1]), float(v[i + 1]), float(z[i]), kind))
    return found


def _stretch_starts(flag: NDArray[np.bool_]) -> NDArray[np.intp]:
    """Indices where a run of True values in ``flag`` begins."""
    return np.flatnonzero(flag & ~np.concatenate(([False], flag[:-1])))


def _nonfinite(metric: str, s: np.ndarray, v: np.ndarray) -> list[Anomaly]:
    """One anomaly per stretch of consecutive non-finite values."""
    bad = ~np.isfinite(v)
    starts = _stretch_starts(bad)
    ends = np.sort(v.size - _stretch_starts(bad[::-1]))  # one past each stretch's end
    lengths = ends - starts
    return [
        Anomaly(metric, float(s[i]), float(v[i]), float(n), "nonfinite")
        for i, n in zip(starts, lengths, strict=True)
    ]


def _ratio_excursions(
    metric: str, s: np.ndarray, v: np.ndarray, ref: np.ndarray, limit: float, kind: str
) -> list[Anomaly]:
    """First point of each stretch where v / ref > limit (ref must be positive)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(ref > 0, v / ref, np.nan)
    above = ratio > limit
    return [
        Anomaly(metric, float(s[i]), float(v[i]), float(ratio[i]), kind)
        for i in _stretch_starts(above)
    ]


def _explosions(metric: str, s: np.ndarray, v: np.ndarray, limit: float) -> list[Anomaly]:
    """Values above ``limit`` times the running best (lowest) earlier value."""
    best = np.concatenate(([np.nan], np.minimum.accumulate(v)[:-1]))
    return _ratio_excursions(metric, s, v, best, limit, "explosion")


def _blowups(metric: str, s: np.ndarray, v: np.ndarray, t: Thresholds) -> list[Anomaly]:
    """Values above ``t.grad_blowup`` times the trailing median of earlier values."""
    median = (
        pl.Series(v)
        .rolling_median(t.grad_window, min_samples=min(t.grad_window, t.min_points))
        .shift(1)
        .fill_null(np.nan)
        .to_numpy()
    )
    return _ratio_excursions(metric, s, v, median, t.grad_blowup, "grad_blowup")


def detect(
    metric: str, steps: ArrayLike, values: ArrayLike, thresholds: Thresholds | None = None
) -> list[Anomaly]:
    """All anomalies of one series (``steps`` ascending), sorted by step then kind."""
    t = thresholds or Thresholds()
    s = np.asarray(steps, dtype=np.float64)
    v = np.asarray(values, dtype=np.float64)
    found = _nonfinite(metric, s, v)
    finite = np.isfinite(v)
    fs, fv = s[finite], v[finite]
    if fv.size >= t.min_points and not is_schedule(metric):
        found += _jumps(metric, fs, fv, t)
    if quantity(metric) in _LOSS_LIKE and fv.size > 1:
        found += _explosions(metric, fs, fv, t.explosion)
    if is_grad_norm(metric) and fv.size > 1:
        found += _blowups(metric, fs, fv, t)
    return sorted(found, key=lambda a: (a.step, KINDS.index(a.kind)))


def detect_all(points: pl.DataFrame, thresholds: Thresholds | None = None) -> list[Anomaly]:
    """Anomalies of every metric of one run's ``POINTS`` frame, sorted by step then metric."""
    found: list[Anomaly] = []
    for metric in sorted(points.get_column("metric").unique().to_list()):
        found += detect(metric, *series(points, metric), thresholds)
    return sorted(found, key=lambda a: (a.step, a.metric, KINDS.index(a.kind)))
