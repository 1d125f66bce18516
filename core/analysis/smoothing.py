"""Curve smoothing over a whole series: TensorBoard's debiased EMA, centred mean, gaussian.

All three take the full series (smooth before downsampling) and return an array of the same
length. Non-finite values (NaN, +/-inf) are passed through unchanged at their positions and
take no part in the smoothing of their neighbours.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

Array = NDArray[np.float64]

#: Largest exponent of 1/weight allowed inside one block of the scaled cumulative sum:
#: exp(300) keeps |x| * weight**-k far from float64 overflow for any |x| < 1e170.
_MAX_LOG_SCALE = 300.0
_MAX_BLOCK = 4096
#: A carry factor below this changes no float64 digit of values of comparable size.
_NEGLIGIBLE = 1e-18


def _block_size(weight: float) -> int:
    """Block length for which weight**-block stays below exp(_MAX_LOG_SCALE)."""
    return max(1, min(_MAX_BLOCK, int(_MAX_LOG_SCALE / -math.log(weight))))


def _iir(x: Array, weight: float) -> Array:
    """y[n] = weight * y[n-1] + (1 - weight) * x[n] with y[-1] = 0, for 0 < weight < 1.

    Vectorised by blocks: inside a block y is a scaled cumulative sum; the value carried from
    one block into the next obeys the same recurrence with weight**block, solved recursively.
    """
    n = x.size
    block = _block_size(weight)
    rows = -(-n // block)
    padded = np.zeros(rows * block)
    padded[:n] = x
    powers = weight ** np.arange(block, dtype=np.float64)
    local = (1 - weight) * powers * np.cumsum(padded.reshape(rows, block) / powers, axis=1)
    if rows > 1:
        outer = weight**block
        ends = local[:, -1]
        carried = ends if outer < _NEGLIGIBLE else _iir(ends / (1 - outer), outer)
        local[1:] += np.outer(carried[:-1], weight * powers)
    return local.reshape(-1)[:n]


def ema(values: ArrayLike, weight: float) -> Array:
    """TensorBoard's debiased exponential moving average with smoothing ``weight`` in [0, 1].

    As TensorBoard does: a constant series comes back unchanged; non-finite values pass
    through and are not accumulated; the average starts at 0 and is divided by
    ``1 - weight**n`` (n = finite points so far); a non-finite weight counts as 0, others are
    clipped to [0, 1]; weight 1 is not debiased, so every finite point becomes 0.
    """
    y = np.asarray(values, dtype=np.float64)
    w = min(max(weight, 0.0), 1.0) if math.isfinite(weight) else 0.0
    if y.size == 0 or bool(np.all(y == y[0])):
        return y.copy()
    out = y.copy()
    finite = np.isfinite(y)
    x = y[finite]
    if w == 0.0:
        return out
    if w == 1.0:
        out[finite] = 0.0
        return out
    out[finite] = _iir(x, w) / _debias(w, x.size)
    return out


def _debias(weight: float, n: int) -> Array:
    """``1 - weight**k`` for k = 1..n; past the point where weight**k < 2**-60 it rounds to
    exactly 1.0, so only that prefix is computed (the power of large k was most of the EMA)."""
    head = min(n, math.ceil(60 * math.log(2) / -math.log(weight)))
    out = np.ones(n)
    out[:head] = 1 - weight ** np.arange(1, head + 1, dtype=np.float64)
    return out


def _centred(signal: Array, kernel: Array) -> Array:
    """Convolution with an odd, symmetric kernel, aligned on and cut to the signal."""
    radius = kernel.size // 2
    return np.convolve(signal, kernel, mode="full")[radius : radius + signal.size]


def _normalised(y: Array, kernel: Array) -> Array:
    """At each finite point, the kernel-weighted mean of the finite points around it."""
    finite = np.isfinite(y)
    total = _centred(np.where(finite, y, 0.0), kernel)
    weight = _centred(finite.astype(np.float64), kernel)
    out = y.copy()
    out[finite] = total[finite] / weight[finite]
    return out


def rolling_mean(values: ArrayLike, window: int) -> Array:
    """Centred moving mean over ``window`` points (shrinking at the ends), finite values only.

    For an even window the extra point is taken after the centre.
    """
    y = np.asarray(values, dtype=np.float64)
    if window <= 1 or y.size == 0:
        return y.copy()
    window = min(window, 2 * y.size - 1)
    finite = np.isfinite(y)
    sums = np.concatenate(([0.0], np.cumsum(np.where(finite, y, 0.0))))
    counts = np.concatenate(([0], np.cumsum(finite)))
    idx = np.arange(y.size)
    lo = np.clip(idx - (window - 1) // 2, 0, y.size)
    hi = np.clip(idx + window // 2 + 1, 0, y.size)
    out = y.copy()
    out[finite] = ((sums[hi] - sums[lo]) / (counts[hi] - counts[lo]))[finite]
    return out


def gaussian(values: ArrayLike, sigma: float) -> Array:
    """Gaussian-weighted mean with standard deviation ``sigma`` in points, cut at 4 sigma.

    Near the ends and around non-finite points the weights are renormalised over the finite
    points the kernel covers, so the curve is not pulled towards zero.
    """
    y = np.asarray(values, dtype=np.float64)
    if sigma <= 0 or y.size == 0:
        return y.copy()
    radius = min(math.ceil(4 * sigma), y.size - 1)
    offsets = np.arange(-radius, radius + 1, dtype=np.float64)
    kernel = np.exp(-0.5 * (offsets / sigma) ** 2)
    return _normalised(y, kernel)


def time_weighted_ema(values: ArrayLike, x: ArrayLike, weight: float) -> Array:
    """Debiased EMA whose decay follows the gaps in ``x`` (steps or seconds), not the count.

    Over a gap ``dt`` the previous average keeps ``weight ** (dt / g)``, where ``g`` is the
    median gap between finite points, so evenly spaced points give exactly :func:`ema` and a
    long gap (a resumed job, sparse eval points) forgets more than a short one. Debiasing
    divides by the same recursion applied to ones. Non-finite values (and points whose x is
    not finite) pass through unchanged and take no part; ``weight`` is clipped to [0, 1).
    """
    y = np.asarray(values, dtype=np.float64)
    xs = np.asarray(x, dtype=np.float64)
    w = min(max(weight, 0.0), 1.0 - 1e-12) if math.isfinite(weight) else 0.0
    out = y.copy()
    ok = np.isfinite(y) & np.isfinite(xs)
    if w == 0.0 or ok.sum() < 2:
        return out
    gaps = np.diff(xs[ok])
    positive = gaps[gaps > 0]
    unit = float(np.median(positive)) if positive.size else 1.0
    decay = np.concatenate(([w], w ** (np.maximum(gaps, 0.0) / unit)))
    out[ok] = _varying_iir(y[ok], decay)
    return out


def _varying_iir(x: Array, decay: Array) -> Array:
    """s[n] = d[n] s[n-1] + (1 - d[n]) x[n], divided by the same recursion on ones.

    Vectorised by blocks: inside a block s is exp(L) times a cumulative sum scaled by
    exp(-L), L the block's cumulative log decay, kept below 2 * _MAX_LOG_SCALE so nothing
    overflows; one step forgets at most exp(-_MAX_LOG_SCALE) (already nothing).
    """
    with np.errstate(divide="ignore"):  # a decay that underflowed to 0 forgets everything
        log_decay = np.maximum(np.log(decay), -_MAX_LOG_SCALE)
    total = np.cumsum(log_decay)
    bounds = np.flatnonzero(np.diff(np.floor(-total / _MAX_LOG_SCALE))) + 1
    num, den = (1.0 - decay) * x, 1.0 - decay
    smoothed, weights = np.empty_like(x), np.empty_like(x)
    carry_s = carry_w = 0.0
    start_total = 0.0
    for lo, hi in zip(
        np.concatenate(([0], bounds)), np.concatenate((bounds, [x.size])), strict=True
    ):
        local = total[lo:hi] - start_total
        grow, shrink = np.exp(local), np.exp(-local)
        smoothed[lo:hi] = grow * (carry_s + np.cumsum(num[lo:hi] * shrink))
        weights[lo:hi] = grow * (carry_w + np.cumsum(den[lo:hi] * shrink))
        carry_s, carry_w, start_total = smoothed[hi - 1], weights[hi - 1], total[hi - 1]
    return smoothed / weights
