"""The comparison of the current view, kept apart from the screen: it builds the engine's
input from the View (the plotted runs' current metric, cut to the visible steps), runs
:func:`~curvelens.core.comparison.build_comparison` one request at a time
(:class:`~curvelens.tui.jobs.Latest`), keeps the result that belongs to the view on screen,
and adds its overlays (group bands, divergence markers and note) to what the plot shows."""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import polars as pl
from rich.text import Text

from curvelens.core.schema import RunData, RunRef
from curvelens.tui import jobs
from curvelens.tui.catalog import Catalog
from curvelens.tui.messages import AnalysisReady
from curvelens.tui.overlays import Band, band_traces, marker_trace, y_span
from curvelens.tui.panes import Looks
from curvelens.tui.state import View
from curvelens.tui.text import fmt_step, rgb_style
from curvelens.tui.widgets.metric_plot import PlotSpec

if TYPE_CHECKING:  # the engine is imported when a comparison is first computed
    from curvelens.core.comparison import CompareOptions, Comparison, MetricComparison

RGB = tuple[int, int, int]
RunWorker = Callable[[Callable[[], None]], object]
Later = Callable[[float, Callable[[], None]], object]
"""Call a function after some seconds (the screen's ``set_timer``)."""
LIVE_IDLE_FACTOR = 2.0
"""A comparison asked for by new points waits until the engine was idle this many times as
long as its last comparison took (at most a third of the CPU while runs are followed)."""


@dataclass(frozen=True)
class CompareRequest:
    """What one comparison needs, copied off the UI state (safe in a worker thread)."""

    key: tuple[object, ...]
    """Identifies the view the result belongs to (stale results are dropped)."""
    metric: str
    runs: tuple[RunData, ...]
    options: CompareOptions
    bands: bool
    """Also compute each group's mean ± std curve."""
    buckets: int


@dataclass(frozen=True)
class Compared:
    """The engine's comparison of one view, with the bands the plot draws."""

    key: tuple[object, ...]
    comparison: Comparison
    metric: MetricComparison | None
    bands: tuple[Band, ...] = ()


def _points(catalog: Catalog, run_id: str, metric: str, view: View) -> Callable[[], pl.DataFrame]:
    """One run's points of ``metric`` (on the step axis, only the zoomed steps), built when
    first read: in the comparison's worker, not on the UI thread (the arrays never change)."""
    series = catalog.store.get(run_id, metric)
    assert series is not None
    zoom = view.x_range if view.x_axis == "step" else None

    def build() -> pl.DataFrame:
        keep = np.ones(series.step.size, dtype=bool)
        if zoom is not None:
            keep = (series.step >= zoom[0]) & (series.step <= zoom[1])
        return pl.DataFrame(
            {"metric": metric, "step": series.step[keep], "value": series.value[keep],
             "wall_time": series.wall[keep]},
        )  # fmt: skip

    return build


def compare_request(catalog: Catalog, view: View, ids: list[str], width: int) -> CompareRequest:
    """The engine's input for ``view``: the plotted runs that logged the metric, named as the
    app names them, the baseline as reference."""
    metric = view.metric or ""
    have = [i for i in ids if catalog.store.get(i, metric) is not None]
    runs = []
    for run_id in have:
        entry = catalog.entries[run_id]
        ref = RunRef(run_id, entry.name, Path(entry.path), entry.format)
        load = _points(catalog, run_id, metric, view)
        runs.append(RunData(ref, params=dict(entry.params), load_points=load))
    smoothed = view.weight if view.smoothing == "ema" else None
    reference = view.baseline if view.baseline in have else None
    from curvelens.core.comparison import CompareOptions

    options = CompareOptions(metrics=f"^{re.escape(metric)}$", reference=reference,
                             smoothed=smoothed, anomalies=False)  # fmt: skip
    bands = view.bands and view.x_axis == "step"
    key = (catalog.generation, tuple(have), metric, view.x_axis, view.x_range, view.baseline,
           smoothed, bands, width if bands else 0)  # fmt: skip
    return CompareRequest(key, metric, tuple(runs), options, bands, max(20, width // 2))


class Comparer:
    """The latest comparison and the worker computing the next one. A comparison asked for
    only because new points arrived (a poll; the view is the same) waits until the engine
    has been idle :data:`LIVE_IDLE_FACTOR` times as long as the last comparison took, so
    following live runs leaves the UI most of the CPU; the last result of the same view
    stays on screen meanwhile."""

    def __init__(self, run_worker: RunWorker, post: jobs.Post, later: Later | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:  # fmt: skip
        self._latest = jobs.Latest(partial(_start, run_worker, post, self._started))
        self._later, self._clock = later, clock
        self._began = self._ended = -math.inf
        self._took = 0.0
        self._deferred: CompareRequest | None = None
        self.key: tuple[object, ...] | None = None
        """The view the pane should show."""
        self.result: Compared | None = None

    @property
    def busy(self) -> bool:
        """A comparison is being computed (or waits to be)."""
        return self._latest.busy or self._deferred is not None

    def request(self, request: CompareRequest) -> None:
        """Compare ``request`` unless it is the view already asked for."""
        if request.key == self.key:
            return
        data_only = self.key is not None and _same_view(request.key, self.key)
        self.key = request.key
        wait = LIVE_IDLE_FACTOR * self._took - (self._clock() - self._ended)
        if data_only and wait > 0 and self._later is not None:
            if self._deferred is None:
                self._later(wait, self._resume)
            self._deferred = request
            return
        self._deferred = None
        self._latest.submit(request)

    def _resume(self) -> None:
        """The wait is over: compare the newest data of the view, if still asked for."""
        request, self._deferred = self._deferred, None
        if request is not None and request.key == self.key:
            self._latest.submit(request)

    def _started(self) -> None:
        self._began = self._clock()

    def finished(self) -> None:
        """The worker ended (start the view asked for meanwhile)."""
        self._ended = self._clock()
        self._took = self._ended - self._began
        self._latest.finished()

    def accept(self, message: AnalysisReady) -> bool:
        """Keep ``message``'s result when it belongs to the view on screen (also when newer
        points arrived since)."""
        if message.result is None or self.key is None or not _same_view(message.key, self.key):
            return False
        self.result = message.result
        return True

    def current(self) -> Compared | None:
        """The comparison of the view on screen, or None while it is computed."""
        r = self.result
        return r if r is not None and self.key is not None and _same_view(r.key, self.key) else None

    def overlay(self, spec: PlotSpec, look: Looks, baseline: str | None, bands: bool,
                background: RGB) -> PlotSpec:  # fmt: skip
        """``spec`` with group bands and, with a baseline, divergence markers."""
        r = self.current()
        if r is None or r.metric is None or not spec.traces or spec.x_axis != "step":
            return spec
        traces, labels, colors = list(spec.traces), dict(spec.labels), dict(spec.colors)
        if bands and r.bands:
            group_colors = {b.group: self._group_color(r, b.group, look) for b in r.bands}
            traces, labels, colors = band_traces(r.bands, traces, colors, group_colors, background)
        span = y_span(traces, spec.ylim)
        if baseline is not None and span is not None:
            for pair in r.metric.pairs:
                if pair.divergence.step is not None:
                    trace_id = f"div:{pair.b}"
                    traces.append(marker_trace(trace_id, pair.divergence.step, span))
                    colors[trace_id] = self._group_color(r, pair.b, look)
        if traces == spec.traces:
            return spec
        return replace(spec, traces=traces, colors=colors, labels=labels,
                       legend=bool(bands and r.bands))  # fmt: skip

    @staticmethod
    def _group_color(r: Compared, group: str, look: Looks) -> RGB:
        """A group's colour: the colour of its first plotted run."""
        names = r.comparison.groups.get(group, ())
        ids = [r.comparison.run_ids.get(n, "") for n in names]
        return next((look.colors[i] for i in ids if i in look.colors), (200, 200, 200))

    def divergence_note(self, look: Looks, baseline: str | None) -> Text:
        """``diverges @ 801 ●● never ●``: where each group parts from the reference."""
        r, note = self.current(), Text()
        if r is None or r.metric is None or baseline is None or not r.metric.pairs:
            return note
        note.append("diverges @", style="dim")
        pairs = sorted(r.metric.pairs, key=lambda p: math.inf if p.divergence.step is None
                       else p.divergence.step)  # fmt: skip
        for pair in pairs:
            step = pair.divergence.step
            note.append(" " + (fmt_step(step) if step is not None else "never") + " ")
            note.append("●", style=rgb_style(self._group_color(r, pair.b, look)))
        return note.append("  ")


def _same_view(a: tuple[object, ...], b: tuple[object, ...]) -> bool:
    """Two request keys of the same view, perhaps of different data (the first item is the
    catalog's generation)."""
    return a[1:] == b[1:]


def _start(run_worker: RunWorker, post: jobs.Post, started: Callable[[], None],
           request: CompareRequest) -> object:  # fmt: skip
    """Run the comparison of ``request`` in a thread worker."""
    started()
    return run_worker(partial(analyse, request, post))


def analyse(request: CompareRequest, post: jobs.Post) -> None:
    """The worker: the comparison of ``request`` posted back (None when it failed; the
    app's worker handler reports the error)."""
    result = None
    try:
        result = compared(request)
    finally:
        post(AnalysisReady(request.key, result))


def compared(request: CompareRequest) -> Compared:
    """The engine's comparison of ``request``, and its group bands when asked for."""
    from curvelens.core.comparison import build_comparison

    comparison = build_comparison(request.runs, request.options)
    metric = comparison.metric(request.metric)
    bands = group_bands(comparison, request) if request.bands and metric is not None else ()
    return Compared(request.key, comparison, metric, bands)


def group_bands(c: Comparison, request: CompareRequest) -> tuple[Band, ...]:
    """Mean and mean ± std of each group of two or more runs, on the engine's shared grid
    (the alignment its divergence uses), thinned to ``request.buckets`` points."""
    from curvelens.core.analysis.smoothing import ema
    from curvelens.core.comparison.curves import on_grid, shared_grid
    from curvelens.core.comparison.values import Curve

    curves = {}
    for run in request.runs:
        steps = run.points.get_column("step").to_numpy()
        values = run.points.get_column("value").to_numpy()
        weight = request.options.smoothed
        curves[run.ref.id] = Curve(run.ref.id, steps, ema(values, weight) if weight else values)
    out = []
    for group, names in c.groups.items():
        members = [curves[i] for n in names if (i := c.run_ids.get(n, "")) in curves]
        grid = shared_grid(members, set()) if len(members) > 1 else np.empty(0)
        if not grid.size:
            continue
        rows = np.vstack([on_grid(m, grid) for m in members])
        with np.errstate(invalid="ignore"):
            mean, std = np.nanmean(rows, axis=0), np.nanstd(rows, axis=0, ddof=1)
        index = np.unique(np.linspace(0, grid.size - 1, request.buckets).round().astype(int))
        x, m, s = grid[index], mean[index], np.nan_to_num(std[index])
        out.append(Band(group, x.tolist(), m.tolist(), (m - s).tolist(), (m + s).tolist()))
    return tuple(out)
