"""Vectorised resampling: IQM, i.i.d. resamples and moving-block bootstrap intervals.

Every function that draws takes an explicit ``rng: np.random.Generator`` and never touches
numpy's global state. All resamples are drawn as one index matrix of shape
``(reps, n)`` and reduced along the last axis: no Python loop over resamples.
Intervals are percentile intervals, as in rliable (Agarwal et al., NeurIPS 2021).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np

#: A two-group statistic: maps ``(reps, n_a)`` and ``(reps, n_b)`` to ``(reps,)``.
PairStatistic = Callable[[np.ndarray, np.ndarray], np.ndarray]

#: Default number of bootstrap resamples.
DEFAULT_REPS = 10_000

#: Cap on elements drawn at once by the block bootstrap, to bound memory on long series.
_CHUNK_ELEMENTS = 1 << 22


def iqm_rows(samples: np.ndarray) -> np.ndarray:
    """Interquartile mean along the last axis: drop the ``floor(n/4)`` lowest and highest values.

    Same definition as ``scipy.stats.trim_mean(x, 0.25)`` (and rliable's IQM); for n < 4 it
    is the plain mean. Input must be finite.
    """
    x = np.sort(np.asarray(samples, dtype=np.float64), axis=-1)
    n = x.shape[-1]
    cut = n // 4
    return np.asarray(x[..., cut : n - cut].mean(axis=-1), dtype=np.float64)


def iqm(values: Sequence[float] | np.ndarray) -> float:
    """Interquartile mean of a 1-D sample (see :func:`iqm_rows`); NaN when empty."""
    x = np.asarray(values, dtype=np.float64)
    return float(iqm_rows(x)) if x.size else float("nan")


def resample(values: np.ndarray, reps: int, rng: np.random.Generator) -> np.ndarray:
    """``reps`` i.i.d. resamples with replacement of a 1-D array, shape ``(reps, n)``."""
    x = np.asarray(values, dtype=np.float64)
    return x[rng.integers(0, x.size, size=(reps, x.size))]


def percentile_interval(distribution: np.ndarray, level: float = 0.95) -> tuple[float, float]:
    """Central ``level`` percentile interval of a bootstrap distribution."""
    tail = (1.0 - level) / 2.0
    low, high = np.quantile(np.asarray(distribution, dtype=np.float64), [tail, 1.0 - tail])
    return float(low), float(high)


def default_block_length(n: int) -> int:
    """Moving-block length ``round(n ** (1/3))``, at least 1: the usual rate for the mean."""
    root: float = n ** (1.0 / 3.0)
    return max(1, round(root))


def block_bootstrap_means(
    values: np.ndarray,
    rng: np.random.Generator,
    reps: int = DEFAULT_REPS,
    block: int | None = None,
) -> np.ndarray:
    """Moving-block bootstrap distribution of the mean of a dependent series, shape ``(reps,)``.

    Each resample joins ``ceil(n / block)`` blocks of consecutive points with uniformly drawn
    starts, cut to ``n`` points. Block sums come from prefix sums, so the cost is
    ``reps * n / block``; resamples are drawn in chunks to bound memory on long series.
    """
    x = np.asarray(values, dtype=np.float64)
    n = x.size
    length = min(n, block if block is not None else default_block_length(n))
    blocks = -(-n // length)
    last = n - (blocks - 1) * length
    prefix = np.concatenate(([0.0], np.cumsum(x)))
    starts_max = n - length + 1
    full_sums = prefix[length : length + starts_max] - prefix[:starts_max]
    last_sums = prefix[last : last + starts_max] - prefix[:starts_max]
    chunk = max(1, _CHUNK_ELEMENTS // blocks)
    out = np.empty(reps, dtype=np.float64)
    for begin in range(0, reps, chunk):
        size = min(chunk, reps - begin)
        starts = rng.integers(0, starts_max, size=(size, blocks))
        totals = full_sums[starts[:, :-1]].sum(axis=1) + last_sums[starts[:, -1]]
        out[begin : begin + size] = totals / n
    return out


def jackknife_pair(a: np.ndarray, b: np.ndarray, statistic: PairStatistic) -> np.ndarray:
    """Leave-one-out values of a two-group statistic (each observation of either group)."""
    rows = []
    for x, other, first in ((a, b, True), (b, a, False)):
        if x.size < 2:
            continue
        loo = np.array([np.delete(x, i) for i in range(x.size)])
        rest = np.broadcast_to(other, (x.size, other.size))
        rows.append(statistic(loo, rest) if first else statistic(rest, loo))
    return np.concatenate(rows) if rows else np.empty(0)


def bca_interval(
    distribution: np.ndarray, estimate: float, jackknife: np.ndarray, level: float = 0.95
) -> tuple[float, float] | None:
    """Bias-corrected and accelerated interval (Efron 1987); None when the bias correction
    is infinite (every resample on one side of the estimate) or the jackknife overflows."""
    from statistics import NormalDist

    dist = np.asarray(distribution, dtype=np.float64)
    below = (
        np.count_nonzero(dist < estimate) + 0.5 * np.count_nonzero(dist == estimate)
    ) / dist.size
    if not 0 < below < 1:
        return None
    normal = NormalDist()
    z0 = normal.inv_cdf(below)
    dev = jackknife.mean() - jackknife
    with np.errstate(over="ignore", invalid="ignore"):
        denom = 6.0 * np.power(np.sum(dev**2), 1.5)
        accel = float(np.sum(dev**3) / denom) if denom > 0 else 0.0
    if not math.isfinite(accel):
        return None
    probs = []
    for z in (normal.inv_cdf((1 - level) / 2), normal.inv_cdf((1 + level) / 2)):
        shifted = z0 + (z0 + z) / (1 - accel * (z0 + z))
        if not math.isfinite(shifted):  # overflowing jackknife: no BCa
            return None
        probs.append(min(max(normal.cdf(shifted), 0.0), 1.0))
    low, high = np.quantile(dist, probs)
    return float(low), float(high)
