"""Percentiles of the union of several runs' values without joining them: each run's values
are sorted once (memoised per run, so a poll that changes one run sorts that run only), and
the union's order statistics are found by bisection over the floats' order, counting with a
binary search in each run. Same linear interpolation as ``numpy.percentile``."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

Keys = NDArray[np.int64]
_FLIP = np.int64(0x7FFF_FFFF_FFFF_FFFF)


def order_keys(values: NDArray[np.float64]) -> Keys:
    """Sorted int64 keys of the finite ``values``, ordered as the floats are (negative
    floats' magnitude bits flipped, so larger magnitudes sort lower)."""
    finite = np.ascontiguousarray(values[np.isfinite(values)], dtype=np.float64)
    bits = finite.view(np.int64)
    return np.sort(np.where(bits < 0, bits ^ _FLIP, bits))


def _value(key: int) -> float:
    """The float a key stands for."""
    bits = np.int64(key)
    bits = bits ^ _FLIP if bits < 0 else bits
    return float(np.array([bits], dtype=np.int64).view(np.float64)[0])


def _kth(runs: Sequence[Keys], k: int) -> int:
    """The key of the ``k``-th smallest (0-based) value of the union of ``runs``."""
    lo = min(int(r[0]) for r in runs if r.size)
    hi = max(int(r[-1]) for r in runs if r.size)
    while lo < hi:  # the smallest key with more than k values at or below it
        mid = (lo + hi) // 2
        below = sum(int(np.searchsorted(r, np.int64(mid), side="right")) for r in runs)
        lo, hi = (mid + 1, hi) if below <= k else (lo, mid)
    return lo


def percentiles(runs: Sequence[Keys], qs: Sequence[float]) -> list[float] | None:
    """The ``qs`` percentiles (0-100) of the union of ``runs`` (each from :func:`order_keys`),
    interpolated linearly between order statistics; None when the union is empty."""
    n = sum(r.size for r in runs)
    if n == 0:
        return None
    out = []
    for q in qs:
        index = q / 100 * (n - 1)
        low = math.floor(index)
        a = _value(_kth(runs, low))
        b = _value(_kth(runs, low + 1)) if low + 1 < n else a
        out.append(a + (b - a) * (index - low))
    return out
