"""Curves on a shared grid: alignment, progression rows and the divergence point.

Grid: the union of the steps the compared runs logged inside the overlap of their finite
ranges (runs that diverged are left out of the overlap), thinned to at most
:data:`MAX_GRID` evenly spaced points; each run is linearly interpolated onto it (NaN
outside its finite range).

Divergence point, groups (both with 2+ runs at a point): the gap of the group means beyond
``c * se`` with ``se = sqrt(sd_a^2/n_a + sd_b^2/n_b)`` over the runs there and ``c`` the
two-sided 99 % Student-t quantile with the Welch df. Two runs: the gap ``b - a`` is
smoothed by a trailing mean of the last ``w`` points (``w = max(5, grid/50)``, odd;
trailing, so the point found is never before the change); its noise: the gap's
first differences give its AR(1) coefficient ``r = 1 + 2 corr(d_t, d_t+1)`` (clipped to
[0, 0.95]) and its point noise ``sigma = 1.4826 x rolling MAD of d (5 w points) /
sqrt(2 (1 - r))``; the noise of the smoothed gap is ``sigma / sqrt(w)`` inflated by
``sqrt((1 + r) / (1 - r))`` for the
autocorrelation ``r``; beyond ``4 x`` that. Either way the gap must keep its sign and stay
beyond the noise for ``persist`` aligned points in a row; fewer than ``max(10, 2 persist)``
aligned points (or ``w + persist`` for two runs) gives "not enough aligned steps".
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import polars as pl

from curvelens.core.comparison.model import DivergencePoint
from curvelens.core.comparison.values import Curve

MAX_GRID = 2_000
Z_TWO_RUNS = 4.0
TAIL_GROUPS = 0.995


def shared_grid(curves: Sequence[Curve], diverged: set[str]) -> np.ndarray:
    """The grid of the module docstring (empty when the runs do not overlap)."""
    finite = [c.steps[np.isfinite(c.values)] for c in curves if c.run_id not in diverged]
    finite = [s for s in finite if s.size]
    if not finite:
        return np.empty(0)
    low, high = max(float(s[0]) for s in finite), min(float(s[-1]) for s in finite)
    steps = np.unique(np.concatenate(finite))
    grid = steps[(steps >= low) & (steps <= high)]
    if grid.size > MAX_GRID:
        grid = grid[np.unique(np.linspace(0, grid.size - 1, MAX_GRID).round().astype(np.int64))]
    return grid


def on_grid(curve: Curve, grid: np.ndarray) -> np.ndarray:
    """The curve linearly interpolated onto ``grid``; NaN outside its finite range."""
    keep = np.isfinite(curve.values)
    s, v = curve.steps[keep], curve.values[keep]
    if not s.size:
        return np.full(grid.size, np.nan)
    out: np.ndarray = np.interp(grid, s, v)
    out[(grid < s[0]) | (grid > s[-1])] = np.nan
    return out


def _moments(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per column: count of finite values, their mean and sample variance (NaN if < 2)."""
    finite = np.isfinite(rows)
    n = finite.sum(axis=0)
    clean = np.where(finite, rows, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = clean.sum(axis=0) / n
        sq = np.where(finite, (rows - mean) ** 2, 0.0).sum(axis=0)
        var = np.where(n > 1, sq / (n - 1), np.nan)
    return n, mean, var


def mean_curve(rows: np.ndarray) -> np.ndarray:
    """Per grid point, the mean of the finite values (NaN where none is)."""
    return _moments(rows)[1]


def _first_run(beyond: np.ndarray, sign: np.ndarray, persist: int) -> int | None:
    """Index of the first of ``persist`` points in a row beyond the noise with one sign."""
    count = 0
    for i in range(beyond.size):
        if not beyond[i]:
            count = 0
        elif count and sign[i] == sign[i - 1]:
            count += 1
        else:
            count = 1
        if count >= persist:
            return i - persist + 1
    return None


def _result(
    names: tuple[str, str],
    grid: np.ndarray,
    gap: np.ndarray,
    noise: np.ndarray,
    persist: int,
    rule: str,
    aligned: int,
) -> DivergencePoint:
    """The divergence point of a gap and its noise along the grid."""
    ok = np.isfinite(gap) & np.isfinite(noise)
    beyond = ok & (np.abs(gap) > noise)
    i = _first_run(beyond, np.sign(gap), persist)
    if i is None:
        return DivergencePoint(*names, None, 0, None, None, aligned, persist, "none", rule)
    return DivergencePoint(
        *names, float(grid[i]), int(np.sign(gap[i])), float(gap[i]), float(noise[i]),
        aligned, persist, "found", rule,
    )  # fmt: skip


def _too_few(names: tuple[str, str], aligned: int, persist: int, rule: str) -> DivergencePoint:
    """The answer when there are not enough aligned points to tell."""
    return DivergencePoint(
        *names, None, 0, None, None, aligned, persist, "not enough aligned steps", rule
    )


def group_divergence(
    names: tuple[str, str], grid: np.ndarray, a: np.ndarray, b: np.ndarray, persist: int
) -> DivergencePoint:
    """Group means beyond their seed spread (``a``, ``b``: runs x grid values)."""
    from scipy import stats

    rule = f"gap of group means beyond the 99% Welch t band of the seed spread, {persist} in a row"
    na, ma, va = _moments(a)
    nb, mb, vb = _moments(b)
    with np.errstate(invalid="ignore", divide="ignore"):
        se2 = va / na + vb / nb
        df = se2**2 / ((va / na) ** 2 / (na - 1) + (vb / nb) ** 2 / (nb - 1))
        scale = np.maximum(np.abs(ma), np.abs(mb))
        noise = stats.t.ppf(TAIL_GROUPS, np.where(df > 0, df, 1.0)) * np.sqrt(se2)
        noise = np.maximum(noise, 1e-12 * scale)
    gap = mb - ma
    aligned = int((np.isfinite(gap) & np.isfinite(noise)).sum())
    if aligned < max(10, 2 * persist):
        return _too_few(names, aligned, persist, rule)
    return _result(names, grid, gap, noise, persist, rule, aligned)


def _rolling(x: np.ndarray, window: int, how: str) -> np.ndarray:
    """Centred rolling mean or median over ``window`` points (shrinking at the ends)."""
    s = pl.Series(x)
    if how == "mean":
        out = s.rolling_mean(window, min_samples=1, center=True)
    else:
        out = s.rolling_median(window, min_samples=1, center=True)
    return out.to_numpy().astype(np.float64)


def run_divergence(
    names: tuple[str, str], grid: np.ndarray, a: np.ndarray, b: np.ndarray, persist: int
) -> DivergencePoint:
    """Two runs: smoothed gap beyond the residual noise (module docstring)."""
    ok = np.isfinite(a) & np.isfinite(b)
    steps, raw = grid[ok], (b - a)[ok]
    window = max(5, steps.size // 50) | 1
    rule = (
        f"smoothed gap (mean of the last {window} points) beyond {Z_TWO_RUNS:g}x its residual "
        f"noise, {persist} in a row"
    )
    if steps.size < max(10, 2 * persist, window + persist):
        return _too_few(names, int(steps.size), persist, rule)
    smooth = pl.Series(raw).rolling_mean(window).to_numpy().astype(np.float64)  # trailing
    diffs = np.diff(raw)
    r = 0.0
    if diffs.size > 2 and np.std(diffs) > 0:
        r = 1.0 + 2.0 * float(np.corrcoef(diffs[:-1], diffs[1:])[0, 1])  # AR(1) from diffs
    r = min(max(r if math.isfinite(r) else 0.0, 0.0), 0.95)
    spread = _rolling(np.abs(diffs - np.median(diffs)), 5 * window, "median")
    sigma = 1.4826 * np.concatenate(([spread[0]], spread)) / math.sqrt(2.0 * (1.0 - r))
    scale = max(float(np.max(np.abs(a[ok]))), float(np.max(np.abs(b[ok]))))
    noise = Z_TWO_RUNS * sigma / math.sqrt(window) * math.sqrt((1 + r) / (1 - r))
    noise = np.maximum(noise, 1e-12 * scale)
    return _result(names, steps, smooth, noise, persist, rule, int(steps.size))


def progression(grid: np.ndarray, a: np.ndarray, b: np.ndarray, max_rows: int) -> pl.DataFrame:
    """``step, a, b, diff, ratio`` of two aligned curves, ``max_rows`` evenly spaced rows
    (first and last included), rows where either is NaN left out."""
    keep = np.isfinite(a) & np.isfinite(b)
    table = pl.DataFrame({"step": grid[keep], "a": a[keep], "b": b[keep]}).with_columns(
        (pl.col("b") - pl.col("a")).alias("diff"),
        pl.when(pl.col("a") != 0).then(pl.col("b") / pl.col("a")).alias("ratio"),
    )
    if table.height <= max_rows:
        return table
    index = np.unique(np.linspace(0, table.height - 1, max(max_rows, 2)).round().astype(np.int64))
    return table.filter(pl.int_range(pl.len()).is_in(index.tolist()))
