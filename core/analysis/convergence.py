"""When a curve settles: entry into a band around its final value, end slope, plateau.

Input: ``steps, values`` of one series (see the package docstring); non-finite points are
dropped first. Rules, with the defaults:

- final value: the last point of the EMA-smoothed curve (``smoothing`` = 0.6).
- band: ``tolerance`` (5 %) of |final|; when final is 0, 5 % of the smoothed curve's range.
- converged_step: the first step from which the smoothed curve stays inside the band.
- end slope: least-squares line through the RAW values of the last ``window`` (10 %) of the
  points (at least 3), with a ``confidence`` (95 %) interval from the t-distribution.
- plateau: the slope's interval contains 0, or the fitted line moves less than
  ``plateau_tolerance`` (1 %) of |final| (of the range when final is 0) across the window.
- converged: plateau AND the smoothed curve has stayed inside the band over the whole window
  (converged_step <= first step of the window). Fewer than 5 finite points: never converged.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from curvelens.core.analysis.smoothing import ema

MIN_POINTS = 5


@dataclass(frozen=True)
class Slope:
    """Least-squares slope of the end window, in value units per step."""

    value: float
    """Fitted slope."""
    low: float
    """Lower end of the confidence interval."""
    high: float
    """Upper end of the confidence interval."""
    start_step: float
    """First step of the window."""
    span: float
    """Last step minus first step of the window."""


@dataclass(frozen=True)
class Convergence:
    """How and whether one series converged; the rules are in the module docstring."""

    points: int
    """Finite points the analysis used."""
    final: float | None
    """Last value of the smoothed curve; None without finite points."""
    band: float
    """Half-width of the band around ``final``."""
    converged_step: float | None
    """First step from which the smoothed curve stays inside the band."""
    slope: Slope | None
    """End-window trend; None with fewer than 3 points or a window of one step."""
    plateau: bool
    """The end-window trend is flat (see the module docstring)."""
    converged: bool
    """The verdict: plateau and inside the band over the whole end window."""

    @property
    def verdict(self) -> str:
        """``converged``, ``not settled`` or ``insufficient`` (fewer than 5 finite points)."""
        if self.points < MIN_POINTS:
            return "insufficient"
        return "converged" if self.converged else "not settled"


def end_slope(steps: np.ndarray, values: np.ndarray, confidence: float = 0.95) -> Slope | None:
    """Least-squares slope of ``values`` over ``steps`` with a t-distribution interval."""
    from scipy import stats

    if steps.size < 3 or steps[-1] == steps[0]:
        return None
    dx = steps - steps.mean()
    dy = values - values.mean()
    sxx = float(dx @ dx)
    slope = float(dx @ dy) / sxx
    residual = dy - slope * dx
    stderr = math.sqrt(float(residual @ residual) / (steps.size - 2) / sxx)
    half = float(stats.t.ppf((1 + confidence) / 2, steps.size - 2)) * stderr
    return Slope(slope, slope - half, slope + half, float(steps[0]), float(steps[-1] - steps[0]))


def _entry_index(smoothed: np.ndarray, final: float, band: float) -> int:
    """Index of the first point after the last one outside ``final +/- band``."""
    outside = np.flatnonzero(np.abs(smoothed - final) > band)
    return int(outside[-1]) + 1 if outside.size else 0


def convergence(
    steps: ArrayLike,
    values: ArrayLike,
    *,
    tolerance: float = 0.05,
    window: float = 0.1,
    smoothing: float = 0.6,
    plateau_tolerance: float = 0.01,
    confidence: float = 0.95,
) -> Convergence:
    """Convergence analysis of one series; see the module docstring for every rule."""
    s = np.asarray(steps, dtype=np.float64)
    v = np.asarray(values, dtype=np.float64)
    keep = np.isfinite(s) & np.isfinite(v)
    s, v = s[keep], v[keep]
    if s.size == 0:
        return Convergence(0, None, 0.0, None, None, False, False)
    smoothed = ema(v, smoothing)
    final = float(smoothed[-1])
    scale = abs(final) if final != 0 else float(np.ptp(smoothed))
    band = tolerance * scale
    entry = _entry_index(smoothed, final, band)
    converged_step = float(s[entry])
    size = min(s.size, max(3, math.ceil(window * s.size)))
    slope = end_slope(s[-size:], v[-size:], confidence)
    plateau = slope is not None and (
        slope.low <= 0 <= slope.high or abs(slope.value * slope.span) < plateau_tolerance * scale
    )
    converged = (
        s.size >= MIN_POINTS
        and plateau
        and slope is not None
        and converged_step <= slope.start_step
    )
    return Convergence(int(s.size), final, band, converged_step, slope, plateau, converged)
