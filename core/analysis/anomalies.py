"""Anomalies in one run's curve: spikes, level shifts, NaN/inf, loss explosions, grad blow-ups.

Rules (thresholds in :class:`Thresholds`); every anomaly has a score and a reason:

- ``spike`` / ``drop`` (a point): the curve is detrended locally: each point minus the
  straight line through its two neighbours at their steps (end points: the line through
  the two before or after, rescaled for its larger variance); a residual's robust z is
  residual / (1.4826 x the rolling median of the absolute residuals over
  ``scale_window``), the series-wide MAD (then 1.2533 x the mean absolute deviation) where
  that is 0; |z| > ``z_score`` is flagged,
  except the neighbours of a stronger opposite outlier (its echo).
- ``shift`` (a level change): the median of the ``shift_points`` points after a step minus
  the median of those before it, minus the mean of the same change ``shift_points`` earlier
  and later (what a trend would explain), over its noise (1.2533 x sigma x sqrt(2 / shift_points),
  the standard error of a difference of two medians, x sqrt 1.5 for the trend removed;
  sigma = the residual scale / sqrt 1.5); |z| > ``z_score`` and the largest |z| within
  2 ``shift_points`` either side (its echoes are weaker), reported at the step nearby where
  the change of the mean level peaks; the two points around it are no spike.
- Only the bad way is reported (a loss going up, an accuracy going down); pass ``higher``
  (the metric's direction); without it, known names decide and unknown names report both.
- ``nonfinite``: a stretch of NaN/inf values, once at its first step; score = its length.
- ``explosion`` (loss, perplexity, nll) and ``grad_blowup`` (grad norms): a value above
  ``explosion`` (``grad_blowup``) x the median of the ``ratio_window`` earlier finite values,
  and above that median by more than ``z_score`` sigma; once per excursion; score = ratio.

Spikes and shifts are scanned on ``log(value)`` for positive curves spanning more than a
decade (perplexity: multiplicative noise), and never at the first point (no trend before
it). Schedules, counters, timers and throughput (:mod:`.kinds`) are not scanned for spikes
or shifts. Needs ``min_points`` finite points for spikes and shifts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl
from numpy.typing import ArrayLike, NDArray

from curvelens.core.analysis.direction import higher_is_better, quantity
from curvelens.core.analysis.kinds import DIAGNOSTICS, NOT_SCANNED, metric_kind, names

#: Kinds of anomaly, in the order used to break ties at one step.
KINDS = ("nonfinite", "explosion", "grad_blowup", "spike", "drop", "shift")
_LOSS_LIKE = frozenset({"loss", "perplexity", "nll"})
Array = NDArray[np.float64]


@dataclass(frozen=True)
class Anomaly:
    """One suspicious point of one metric."""

    metric: str
    step: float
    value: float
    score: float
    """Robust z (spike, drop, shift), ratio to the earlier median (explosion, grad_blowup),
    or stretch length (nonfinite)."""
    kind: str
    """One of :data:`KINDS`."""


@dataclass(frozen=True)
class Thresholds:
    """Detection thresholds; the rules are in the module docstring."""

    z_score: float = 10.0
    scale_window: int = 201
    shift_points: int = 10
    explosion: float = 5.0
    grad_blowup: float = 5.0
    ratio_window: int = 50
    min_points: int = 8


def is_grad_norm(metric: str) -> bool:
    """True for metric names like ``grad_norm``, ``train/gradient_norm``, ``gnorm``."""
    return bool(names(metric) & (DIAGNOSTICS - {"grad", "param_norm", "weight_norm"}))


def is_schedule(metric: str) -> bool:
    """True for schedules, counters, timers and throughput (never scanned for spikes)."""
    return metric_kind(metric) in NOT_SCANNED


def reason(a: Anomaly) -> str:
    """One line saying why ``a`` was flagged."""
    if a.kind == "nonfinite":
        return f"NaN/inf for {a.score:g} point(s)"
    if a.kind in ("explosion", "grad_blowup"):
        return f"{a.score:.3g}x the median of the earlier values"
    what = "level shift" if a.kind == "shift" else "point"
    return f"{what} {abs(a.score):.3g} robust z {'above' if a.score > 0 else 'below'} the curve"


def _rolling_median(x: Array, window: int) -> Array:
    """Centred rolling median, the window shrinking at the ends."""
    rolled = pl.Series(x).rolling_median(window, min_samples=1, center=True)
    return rolled.to_numpy().astype(np.float64)


def _scale(resid: Array, window: int) -> Array:
    """Local robust scale of residuals, with the series-wide fallbacks of the docstring."""
    local = 1.4826 * _rolling_median(np.abs(resid), window)
    fallback = 1.4826 * float(np.median(np.abs(resid - np.median(resid))))
    if not fallback > 0:
        fallback = 1.2533 * float(np.mean(np.abs(resid - np.median(resid))))
    return np.where(local > 0, local, fallback)


def _z(x: Array, scale: Array) -> Array:
    """x / scale, 0 where the scale is 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(scale > 0, x / scale, 0.0)


def _bad(z: Array, higher: bool | None) -> NDArray[np.bool_]:
    """Which signs are worth reporting for a metric of direction ``higher``."""
    if higher is None:
        return np.ones(z.shape, dtype=bool)
    return z < 0 if higher else z > 0


def _starts(flag: NDArray[np.bool_]) -> NDArray[np.intp]:
    """Indices where a run of True values in ``flag`` begins."""
    return np.flatnonzero(flag & ~np.concatenate(([False], flag[:-1])))


def _residuals(s: Array, v: Array) -> tuple[Array, Array]:
    """Each point minus the straight line through its neighbours at their steps (the local
    linear trend; the last point against the line through the two before it, the first
    against the two after), and the factor that puts the end points' residuals on the scale
    of the inner ones."""
    with np.errstate(divide="ignore", invalid="ignore"):
        w = (s[1:-1] - s[:-2]) / (s[2:] - s[:-2])
        last = (s[-1] - s[-2]) / (s[-2] - s[-3])
        first = (s[1] - s[0]) / (s[2] - s[1])
    resid = np.empty(v.size)
    resid[1:-1] = v[1:-1] - (v[:-2] + np.nan_to_num(w, nan=0.5) * (v[2:] - v[:-2]))
    resid[0] = v[0] - (v[1] - np.nan_to_num(first, nan=1.0) * (v[2] - v[1]))
    resid[-1] = v[-1] - (v[-2] + np.nan_to_num(last, nan=1.0) * (v[-2] - v[-3]))
    factor = np.ones(v.size)
    factor[[0, -1]] = np.sqrt(1.5 / 6.0)  # var 6 sigma^2 at the ends, 1.5 sigma^2 inside
    return resid, factor


def _points(metric: str, s: Array, v: Array, higher: bool | None, t: Thresholds) -> list[Anomaly]:
    """Spikes and drops: residuals from the local trend beyond ``z_score``; the neighbours
    of a stronger opposite outlier (its echo in their residuals) are not reported."""
    resid, factor = _residuals(s, v)
    z = _z(resid, _scale(resid, t.scale_window)) * factor
    strong = np.abs(z) > t.z_score
    echo = np.zeros(v.size, dtype=bool)
    for side in (1, -1):
        other = np.roll(z, side)
        echo |= (np.sign(other) == -np.sign(z)) & (np.abs(other) > np.abs(z))
    echo[0] &= abs(z[1]) > abs(z[0])
    hit = np.flatnonzero(strong & ~echo & _bad(z, higher))
    return [
        Anomaly(metric, float(s[i]), float(v[i]), float(z[i]), "spike" if z[i] > 0 else "drop")
        for i in hit
    ]


def _window_stat(v: Array, k: int, how: str) -> tuple[Array, Array]:
    """Per index i: the median (or mean) of v[i-k .. i-1] and of v[i .. i+k-1] (NaN where
    a window does not fit)."""
    series_ = pl.Series(v)
    if how == "median":
        before = series_.rolling_median(k).shift(1)
        after = series_.reverse().rolling_median(k).reverse()
    else:
        before = series_.rolling_mean(k).shift(1)
        after = series_.reverse().rolling_mean(k).reverse()
    return (
        before.fill_null(np.nan).to_numpy().astype(np.float64),
        after.fill_null(np.nan).to_numpy().astype(np.float64),
    )


def _shifts(metric: str, s: Array, v: Array, higher: bool | None, t: Thresholds) -> list[Anomaly]:
    """Level shifts: the change of the median level at a step beyond what the trend around
    it explains (the changes ``shift_points`` earlier and later), once per stretch, at the
    step where the change of the mean level peaks."""
    k = t.shift_points
    if v.size < 4 * k + 1:
        return []
    before, after = _window_stat(v, k, "median")
    delta = after - before
    trend = 0.5 * (np.roll(delta, k) + np.roll(delta, -k))
    trend[:k] = trend[-k:] = np.nan
    sigma = _scale(_residuals(s, v)[0], t.scale_window) / np.sqrt(1.5)
    noise = 1.2533 * sigma * np.sqrt(2 / k) * np.sqrt(1.5)
    z = np.nan_to_num(_z(delta - trend, noise))
    peak = pl.Series(np.abs(z)).rolling_max(4 * k + 1, min_samples=1, center=True).to_numpy()
    flag = (np.abs(z) > t.z_score) & (np.abs(z) >= peak)  # the strongest around: no echoes
    mean_before, mean_after = _window_stat(v, k, "mean")
    sharp = np.nan_to_num(np.abs(mean_after - mean_before))
    found: list[Anomaly] = []
    last = -(4 * k)
    for i in np.flatnonzero(flag & _bad(z, higher)):
        if i - last <= 2 * k:  # ties on a flat stretch: one shift
            continue
        last = int(i)
        lo = max(0, int(i) - k)
        j = lo + int(np.argmax(sharp[lo : int(i) + k + 1]))
        found.append(Anomaly(metric, float(s[j]), float(v[j]), float(z[i]), "shift"))
    return found


def _nonfinite(metric: str, s: Array, v: Array) -> list[Anomaly]:
    """One anomaly per stretch of consecutive non-finite values."""
    bad = ~np.isfinite(v)
    starts = _starts(bad)
    ends = np.sort(v.size - _starts(bad[::-1]))  # one past each stretch's end
    return [
        Anomaly(metric, float(s[i]), float(v[i]), float(n), "nonfinite")
        for i, n in zip(starts, ends - starts, strict=True)
    ]


def _ratios(
    metric: str, s: Array, v: Array, limit: float, kind: str, t: Thresholds
) -> list[Anomaly]:
    """First point of each stretch above ``limit`` x the earlier median and ``z_score``."""
    median = (
        pl.Series(v).rolling_median(t.ratio_window, min_samples=min(t.ratio_window, 5))
        .shift(1).fill_null(np.nan).to_numpy().astype(np.float64)
    )  # fmt: skip
    scale = _scale(_residuals(s, v)[0], t.scale_window) / np.sqrt(1.5)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(median > 0, v / median, np.nan)
        above = (ratio > limit) & ((v - median) > t.z_score * scale)
    return [
        Anomaly(metric, float(s[i]), float(v[i]), float(ratio[i]), kind) for i in _starts(above)
    ]


def _scan_scale(v: Array) -> Array:
    """``log(v)`` for positive curves spanning more than a decade (perplexities: their noise
    is multiplicative), else ``v``."""
    if v.size and float(v.min()) > 0 and float(v.max()) > 10 * float(v.min()):
        return np.asarray(np.log(v), dtype=np.float64)
    return v


def _raw(a: Anomaly, values: Array, steps: Array) -> Anomaly:
    """The anomaly with the raw value at its step (scanning may use the log scale)."""
    i = int(np.searchsorted(steps, a.step))
    return Anomaly(a.metric, a.step, float(values[i]), a.score, a.kind)


def detect(
    metric: str,
    steps: ArrayLike,
    values: ArrayLike,
    thresholds: Thresholds | None = None,
    *,
    higher: bool | None = None,
) -> list[Anomaly]:
    """All anomalies of one series (``steps`` ascending), sorted by step then kind."""
    t = thresholds or Thresholds()
    s = np.asarray(steps, dtype=np.float64)
    v = np.asarray(values, dtype=np.float64)
    found = _nonfinite(metric, s, v)
    if is_schedule(metric):
        return found
    if higher is None and quantity(metric) is not None:
        higher = higher_is_better(metric)
    grad = is_grad_norm(metric)
    if grad:
        higher = False
    finite = np.isfinite(v)
    fs, fv = s[finite], v[finite]
    if fv.size >= t.min_points:
        scanned = _scan_scale(fv)
        shifts = _shifts(metric, fs, scanned, higher, t)
        at = np.searchsorted(fs, [a.step for a in shifts])
        near = {float(fs[j]) for i in at for j in (i - 1, i) if 0 <= j < fs.size}
        near.add(float(fs[0]))  # the first point has no trend before it to be judged by
        points = _points(metric, fs, scanned, higher, t)
        found += [_raw(a, fv, fs) for a in shifts + [a for a in points if a.step not in near]]
        if quantity(metric) in _LOSS_LIKE:
            found += _ratios(metric, fs, fv, t.explosion, "explosion", t)
        if grad:
            found += _ratios(metric, fs, fv, t.grad_blowup, "grad_blowup", t)
    return sorted(found, key=lambda a: (a.step, KINDS.index(a.kind)))
