"""What the plot and stats panes show, computed without any UI: the visible part of each
selected run's series (axis, smoothing, zoom), downsampled traces, y limits, cursor values."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import numpy as np
import polars as pl

from curvelens.core.analysis.downsample import minmax_downsample
from curvelens.tui.quantiles import Keys, order_keys, percentiles
from curvelens.tui.series import Series, SeriesStore
from curvelens.tui.state import View

OUTLIER_PERCENTILES = (2.0, 98.0)
"""Percentile span kept on the y axis when outliers are ignored (like TensorBoard)."""


@dataclass(frozen=True)
class Visible:
    """One run's points of the current metric inside the visible x range, full resolution."""

    run_id: str
    x: np.ndarray
    y: np.ndarray
    """Smoothed values when smoothing is on, else raw."""
    raw: np.ndarray
    step: np.ndarray


@dataclass(frozen=True)
class Trace:
    """One curve handed to the plot: already downsampled to the pane's width."""

    run_id: str
    x: list[float]
    y: list[float]
    raw: tuple[list[float], list[float]] | None
    """(x, y) of the raw curve drawn faintly behind a smoothed one."""


def axis_values(series: Series, x_axis: str, axis: Series | None = None) -> np.ndarray:
    """x values of ``series`` on ``x_axis`` (time axes in seconds); for a metric used as x,
    ``axis`` is that metric's series and each point takes its last value at or before the
    point's step (NaN before the first)."""
    if x_axis == "step":
        return series.step
    if x_axis == "wall":
        return series.wall
    if x_axis == "relative":
        finite = series.wall[np.isfinite(series.wall)]
        start = finite.min() if finite.size else np.nan
        return series.wall - start
    if axis is None or not axis.step.size:
        return np.full(series.step.size, np.nan)
    index = np.searchsorted(axis.step, series.step, side="right") - 1
    out = axis.value[np.clip(index, 0, None)].astype(np.float64)
    out[index < 0] = np.nan
    return out


def visible(store: SeriesStore, run_id: str, opts: View) -> Visible | None:
    """The part of ``run_id``'s current metric to show, or None when there is nothing."""
    series = store.get(run_id, opts.metric) if opts.metric else None
    if series is None or not series.step.size:
        return None
    x = axis_values(series, opts.x_axis, store.get(run_id, opts.x_axis))
    y = series.value
    if opts.smoothing != "off":
        y = store.smoothed(run_id, opts.metric or "", opts.weight, opts.smoothing)
    keep = np.isfinite(x)
    if opts.x_range is not None:
        lo, hi = opts.x_range
        keep &= (x >= lo) & (x <= hi)
    if not keep.all():
        x, y, raw, step = x[keep], y[keep], series.value[keep], series.step[keep]
    else:
        raw, step = series.value, series.step
    if not x.size:
        return None
    if x.size > 1 and np.any(np.diff(x) < 0):
        order = np.argsort(x, kind="stable")
        x, y, raw, step = x[order], y[order], raw[order], step[order]
    return Visible(run_id, x, y, raw, step)


def compute(store: SeriesStore, run_ids: list[str], opts: View) -> list[Visible]:
    """:func:`visible` for each run that has something to show, in ``run_ids`` order
    (memoised: plot, readout, stats and compare all ask for the same view)."""
    weight = opts.weight if opts.smoothing != "off" else None
    view = (opts.metric, opts.x_axis, opts.x_range, opts.smoothing, weight)
    out = [
        store.memo(("visible", run_id, *view), partial(visible, store, run_id, opts))
        for run_id in run_ids
    ]  # memoised per run: new points in one run recompute that run only
    return [v for v in out if v is not None]


def _plottable(x: np.ndarray, y: np.ndarray, log_y: bool) -> tuple[np.ndarray, np.ndarray]:
    """Drop points the plot cannot draw: non-finite values, and values <= 0 on a log axis."""
    keep = np.isfinite(y)
    if log_y:
        keep &= y > 0
    return x[keep], y[keep]


def _down(x: np.ndarray, y: np.ndarray, buckets: int) -> tuple[list[float], list[float]]:
    """The curve reduced to ``buckets`` columns by core's one downsampler (spikes kept)."""
    xs, ys = minmax_downsample(x, y, buckets)
    return xs.tolist(), ys.tolist()


def traces(
    views: list[Visible], opts: View, width: int, store: SeriesStore | None = None
) -> list[Trace]:
    """Downsampled curves for ``views`` (``width`` cells: one bucket, so two points, per cell);
    with ``store``, results are memoised per (run, options, width)."""
    buckets = max(8, width)
    out = []
    for view in views:
        base = (view.run_id, opts.metric, opts.x_axis, opts.x_range, opts.log_y, buckets)
        smooth_key = (*base, opts.smoothing, opts.weight if opts.smoothing != "off" else None)

        def main(view: Visible = view) -> tuple[list[float], list[float]]:
            return _down(*_plottable(view.x, view.y, opts.log_y), buckets)

        def raw(view: Visible = view) -> tuple[list[float], list[float]]:
            return _down(*_plottable(view.x, view.raw, opts.log_y), buckets)

        memo = store.memo if store is not None else (lambda _key, fn: fn())
        x, y = memo(("trace", *smooth_key), main)
        faint = memo(("raw", *base), raw) if opts.smoothing != "off" else None
        out.append(Trace(view.run_id, x, y, faint))
    return out


def y_limits(
    views: list[Visible], opts: View, store: SeriesStore | None = None
) -> tuple[float, float] | None:
    """The y range to show when outliers are ignored (a percentile span plus a margin);
    each run's sorted values memoised in ``store`` when given (a poll re-sorts only the runs
    it changed)."""
    if not opts.ignore_outliers:
        return None
    weight = opts.weight if opts.smoothing != "off" else None

    def keys(view: Visible) -> Keys:
        return order_keys(view.y[view.y > 0] if opts.log_y else view.y)

    runs = [
        keys(v) if store is None else store.memo(
            ("sorted", v.run_id, opts.metric, opts.x_axis, opts.x_range, opts.smoothing,
             weight, opts.log_y), partial(keys, v))
        for v in views
    ]  # fmt: skip
    return _y_limits(runs, opts.log_y)


def _y_limits(runs: list[Keys], log_y: bool) -> tuple[float, float] | None:
    """The 2nd-98th percentile span of the runs' values, with a margin."""
    if sum(r.size for r in runs) < 2:
        return None
    span = percentiles(runs, OUTLIER_PERCENTILES)
    assert span is not None
    lo, hi = span
    if log_y:
        return float(lo) / 1.1, float(hi) * 1.1
    margin = 0.05 * (hi - lo) or abs(hi) * 0.05 or 1.0
    return float(lo - margin), float(hi + margin)


def x_extent(views: list[Visible]) -> tuple[float, float] | None:
    """Smallest and largest visible x over ``views``."""
    spans = [(float(v.x[0]), float(v.x[-1])) for v in views if v.x.size]
    if not spans:
        return None
    return min(s[0] for s in spans), max(s[1] for s in spans)


def value_at(view: Visible, cursor: float) -> tuple[float, float] | None:
    """(step, value) of the last point at or before x = ``cursor``, or None before the first."""
    index = int(np.searchsorted(view.x, cursor, side="right")) - 1
    if index < 0:
        return None
    return float(view.step[index]), float(view.y[index])


def stats_frame(views: list[Visible], metric: str) -> pl.DataFrame:
    """The visible points as a ``RUN_POINTS`` frame, the input of ``summarize``."""
    frames = [
        pl.DataFrame({"step": v.step, "value": v.y}).select(
            pl.lit(v.run_id, pl.String).alias("run"),
            pl.lit(metric, pl.String).alias("metric"),
            "step",
            "value",
            pl.lit(None, pl.Float64).alias("wall_time"),
        )
        for v in views
    ]
    if not frames:
        schema = {"run": pl.String, "metric": pl.String, "step": pl.Float64}
        return pl.DataFrame(schema={**schema, "value": pl.Float64, "wall_time": pl.Float64})
    return pl.concat(frames)
