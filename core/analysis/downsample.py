"""Min/max downsampling of a curve to the columns of a plot, keeping spikes visible.

The x range is cut into ``buckets`` equal columns; each column keeps its first and last point
and the points holding its smallest and largest finite y, in the original order, so at most
``4 * buckets`` points remain and no extreme is averaged away.

NaN handling: points whose x is NaN are dropped (they have no column). Non-finite y values
(NaN, +/-inf) never count as a column's min or max, but are kept when they are a column's
first or last point, so a stretch where a curve is NaN still shows as a gap.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

Array = NDArray[np.float64]
IntArray = NDArray[np.intp]


def _first_per_segment(hit: NDArray[np.bool_], segment: IntArray) -> IntArray:
    """Index of the first True of ``hit`` in each segment (segments ascend, each has one)."""
    where = np.flatnonzero(hit)
    seg = segment[where]
    keep = np.ones(where.size, dtype=bool)
    keep[1:] = seg[1:] != seg[:-1]
    return where[keep]


def _extreme_indices(y: Array, starts: IntArray, segment: IntArray) -> IntArray:
    """Indices of the first min and first max of the finite y in each segment."""
    finite = np.isfinite(y)
    low = np.where(finite, y, np.inf)
    high = np.where(finite, y, -np.inf)
    mins = np.minimum.reduceat(low, starts)
    maxs = np.maximum.reduceat(high, starts)
    return np.concatenate(
        (
            _first_per_segment(low == mins[segment], segment),
            _first_per_segment(high == maxs[segment], segment),
        )
    )


def minmax_downsample(x: ArrayLike, y: ArrayLike, buckets: int) -> tuple[Array, Array]:
    """Keep first, min, max and last point of each of ``buckets`` equal x columns.

    ``x`` should ascend (steps); if it does not, points are put in x order first (stable).
    Input with at most ``4 * buckets`` points comes back unchanged (as float64 arrays).
    """
    xs = np.asarray(x, dtype=np.float64)
    ys = np.asarray(y, dtype=np.float64)
    if xs.size <= 4 * max(buckets, 1):
        return xs, ys
    keep = ~np.isnan(xs)
    xs, ys = xs[keep], ys[keep]
    if np.any(xs[1:] < xs[:-1]):
        order = np.argsort(xs, kind="stable")
        xs, ys = xs[order], ys[order]
    span = xs[-1] - xs[0]
    if span > 0 and np.isfinite(span):
        column = np.minimum(((xs - xs[0]) / span * buckets).astype(np.intp), buckets - 1)
    else:
        column = np.zeros(xs.size, dtype=np.intp)
    boundary = np.concatenate(([True], column[1:] != column[:-1]))
    starts = np.flatnonzero(boundary)
    segment = np.cumsum(boundary) - 1
    ends = np.append(starts[1:], xs.size) - 1
    picked = np.unique(np.concatenate((starts, ends, _extreme_indices(ys, starts, segment))))
    return xs[picked], ys[picked]
