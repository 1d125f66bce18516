"""Per-run values of one metric: divergence of a run, the compared step, value at a step.

Diverged run (policy): the first step from which the value stays NaN/inf to the end of the
run (a NaN that finite values follow is an anomaly, not a divergence), or where it
explodes: for a metric named lower-is-better (a loss, perplexity, error...), a value above
:data:`EXPLOSION` x the median of the up to :data:`WINDOW` preceding finite values (at
least 5, median > 0) after which every later finite value, at least :data:`MIN_STAY`
points, stays above :data:`STAYS` x that median (it never comes back). A diverged run is
a failure: it counts in its group's ``diverged`` and is never scored.

Compared step: ``common`` = the smallest last finite step over the runs that did not
diverge; ``best`` = best value up to that step; ``STEP`` = that step; ``last`` = each
run's own last finite value. A value at a step is the logged value there, else the linear
interpolation between the finite points around it; None outside the run's finite range.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

EXPLOSION = 10.0
STAYS = 3.0
WINDOW = 50
MIN_EARLIER = 5
MIN_STAY = 5


@dataclass(frozen=True, eq=False)
class Curve:
    """One run's raw curve of one metric, sorted by step."""

    run_id: str
    steps: np.ndarray
    values: np.ndarray


def divergence_of(curve: Curve, explodes: bool) -> tuple[float | None, str | None]:
    """(step, reason) of the run's divergence by the policy above, or (None, None);
    ``explodes``: the metric is lower-is-better by name (losses), so explosions count."""
    s, v = curve.steps, curve.values
    finite = np.flatnonzero(np.isfinite(v))
    first_bad = int(finite[-1]) + 1 if finite.size else 0  # the NaN/inf tail starts here
    step = float(s[first_bad]) if first_bad < v.size else None
    reason = "not finite from here on" if step is not None else None
    if not explodes or first_bad < MIN_EARLIER + 1:
        return step, reason
    fv, fs = v[:first_bad], s[:first_bad]
    median = (
        pl.Series(fv).rolling_median(WINDOW, min_samples=MIN_EARLIER).shift(1).to_numpy()
    ).astype(np.float64)
    later_min = np.minimum.accumulate(fv[::-1])[::-1]
    with np.errstate(invalid="ignore"):
        exploded = (median > 0) & (fv > EXPLOSION * median) & (later_min > STAYS * median)
    exploded[max(0, fv.size - MIN_STAY + 1) :] = False  # too few points to tell it stays
    if exploded.any():
        i = int(np.argmax(exploded))
        return float(fs[i]), f"exploded: {fv[i] / median[i]:.3g}x the running median"
    return step, reason


def value_at(curve: Curve, step: float) -> float | None:
    """The value at ``step`` (logged, else interpolated between finite points); None
    outside the run's finite range."""
    keep = np.isfinite(curve.values)
    s, v = curve.steps[keep], curve.values[keep]
    if not s.size or step < s[0] or step > s[-1]:
        return None
    return float(np.interp(step, s, v))


def best_until(curve: Curve, step: float | None, higher_is_better: bool) -> float | None:
    """The best finite value at steps up to ``step`` (all steps when None)."""
    keep = np.isfinite(curve.values)
    if step is not None:
        keep &= curve.steps <= step
    v = curve.values[keep]
    if not v.size:
        return None
    return float(v.max() if higher_is_better else v.min())


def last_finite(curve: Curve) -> tuple[float | None, float | None]:
    """(step, value) of the last finite point, Nones when there is none."""
    keep = np.flatnonzero(np.isfinite(curve.values))
    if not keep.size:
        return None, None
    return float(curve.steps[keep[-1]]), float(curve.values[keep[-1]])


def common_horizon(curves: Sequence[Curve], diverged: set[str]) -> float | None:
    """The smallest last finite step over the curves whose run did not diverge."""
    ends = [last_finite(c)[0] for c in curves if c.run_id not in diverged]
    found = [e for e in ends if e is not None]
    return min(found) if found else None
