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


def _kth(runs: Sequence[Keys], ks: list[int]) -> list[int]:
    """The keys of the ``ks``-th smallest (0-based) values of the union of ``runs``, found
    together: one binary search per run and step serves every k."""
    lo = np.full(len(ks), min(int(r[0]) for r in runs if r.size), dtype=np.int64)
    hi = np.full(len(ks), max(int(r[-1]) for r in runs if r.size), dtype=np.int64)
    want = np.asarray(ks, dtype=np.int64)
    while bool(np.any(lo < hi)):  # the smallest key with more than k values at or below it
        mid = lo // 2 + hi // 2 + (lo % 2 + hi % 2) // 2  # no int64 overflow
        below = sum(np.searchsorted(r, mid, side="right") for r in runs)
        more = below > want
        lo, hi = np.where(more, lo, np.minimum(mid + 1, hi)), np.where(more, mid, hi)
    return [int(k) for k in lo]


def percentiles(runs: Sequence[Keys], qs: Sequence[float]) -> list[float] | None:
    """The ``qs`` percentiles (0-100) of the union of ``runs`` (each from :func:`order_keys`),
    interpolated linearly between order statistics; None when the union is empty."""
    n = sum(r.size for r in runs)
    if n == 0:
        return None
    indexes = [q / 100 * (n - 1) for q in qs]
    lows = [math.floor(index) for index in indexes]
    keys = _kth(runs, [k for low in lows for k in (low, min(low + 1, n - 1))])
    out = []
    for i, (index, low) in enumerate(zip(indexes, lows, strict=True)):
        a, b = _value(keys[2 * i]), _value(keys[2 * i + 1])
        out.append(a + (b - a) * (index - low))
    return out
