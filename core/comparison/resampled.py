"""Bootstrap intervals of the rliable statistics: a group's IQM, IQM difference, P(improvement).

Stratified bootstrap: each group is resampled on its own, keeping its size (rliable). The
interval method is ``percentile`` or ``bca`` (bias-corrected and accelerated, with a
jackknife over every observation); :func:`reliable` says where the measured coverage (README
METHODS, ``tools/measure_methods.py``) is poor.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from curvelens.core.analysis.bootstrap import (
    bca_interval,
    iqm_rows,
    jackknife_pair,
    percentile_interval,
    resample,
)

Interval = tuple[float, float]
#: The interval method the comparison uses.
METHOD = "bca"
#: Smallest group size at which the measured coverage of ``METHOD`` is at least 90 %: for
#: the two-group statistics (IQM difference, P(improvement)) and for one group's IQM.
RELIABLE_FROM = 5
RELIABLE_FROM_ONE = 7


def reliable(n_a: int, n_b: int | None = None) -> bool:
    """Whether intervals at these group sizes (one group: ``n_b`` None) have good measured
    coverage (README METHODS)."""
    if n_b is None:
        return n_a >= RELIABLE_FROM_ONE
    return min(n_a, n_b) >= RELIABLE_FROM


def improvement_rows(a: np.ndarray, b: np.ndarray, higher: bool) -> np.ndarray:
    """Row-wise P(b beats a) + 0.5 P(tie) (``a``: reps x n_a, ``b``: reps x n_b)."""
    x, y = b[..., :, None], a[..., None, :]
    wins = (x > y) if higher else (x < y)
    return np.asarray((wins + 0.5 * (x == y)).mean(axis=(-2, -1)), dtype=np.float64)


def improvement(a: np.ndarray, b: np.ndarray, higher: bool) -> float:
    """P(a run of b beats a run of a) + 0.5 P(tie), direction aware (rliable)."""
    return float(improvement_rows(a[None, :], b[None, :], higher)[0])


def _iqm_diff_rows(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise IQM(b) - IQM(a)."""
    return np.asarray(iqm_rows(b) - iqm_rows(a), dtype=np.float64)


def _interval(
    dist: np.ndarray, estimate: float, jack: np.ndarray, level: float, method: str
) -> Interval | None:
    """Percentile or BCa interval of a bootstrap distribution."""
    if method == "bca":
        found = bca_interval(dist, estimate, jack, level)
        return found if found is not None else percentile_interval(dist, level)
    return percentile_interval(dist, level)


def iqm_interval(
    x: np.ndarray, rng: np.random.Generator, reps: int, level: float, method: str = METHOD
) -> Interval | None:
    """Bootstrap interval of one group's IQM; None with fewer than 2 values."""
    if x.size < 2:
        return None
    dist = iqm_rows(resample(x, reps, rng))
    jack = iqm_rows(np.array([np.delete(x, i) for i in range(x.size)]))
    return _interval(dist, float(iqm_rows(x)), jack, level, method)


PairRows = Callable[[np.ndarray, np.ndarray], np.ndarray]
"""A two-group statistic computed row-wise over resamples (``reps x n_a``, ``reps x n_b``)."""


def _pair_interval(
    a: np.ndarray,
    b: np.ndarray,
    rows: PairRows,
    rng: np.random.Generator,
    reps: int,
    level: float,
    method: str,
) -> Interval | None:
    """Stratified bootstrap interval of a two-group statistic; None below 2 runs a group."""
    if a.size < 2 or b.size < 2:
        return None
    dist = rows(resample(a, reps, rng), resample(b, reps, rng))
    estimate = float(rows(a[None, :], b[None, :])[0])
    return _interval(dist, estimate, jackknife_pair(a, b, rows), level, method)


def iqm_diff_interval(
    a: np.ndarray,
    b: np.ndarray,
    rng: np.random.Generator,
    reps: int,
    level: float,
    method: str = METHOD,
) -> Interval | None:
    """Stratified bootstrap interval of IQM(b) - IQM(a); None below 2 runs per group."""
    return _pair_interval(a, b, _iqm_diff_rows, rng, reps, level, method)


def improvement_interval(
    a: np.ndarray,
    b: np.ndarray,
    higher: bool,
    rng: np.random.Generator,
    reps: int,
    level: float,
    method: str = METHOD,
) -> Interval | None:
    """Stratified bootstrap interval of P(improvement); None below 2 runs per group."""

    def rows(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        return improvement_rows(x, y, higher)

    return _pair_interval(a, b, rows, rng, reps, level, method)
