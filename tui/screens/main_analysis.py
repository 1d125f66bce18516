"""Analysis on the main screen: comparison rows computed in a thread worker after each redraw
whose inputs changed, divergence markers and group bands on the plot, NaN/inf steps in the
readout, the anomalies list and the export of the current view."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from rich.text import Text
from textual import on, work
from textual.color import Color
from textual.message import Message
from textual.widgets import Static
from textual.worker import Worker

from curvelens.tui.analysis import (
    AnalysisInput,
    Comparison,
    Found,
    RunInput,
    SeriesMap,
    compare,
    find_anomalies,
)
from curvelens.tui.messages import RunsDiscovered
from curvelens.tui.overlays import band_traces, marker_trace, nonfinite_steps, y_span
from curvelens.tui.plotdata import Visible, axis_values
from curvelens.tui.screens.anomalies import AnomaliesScreen
from curvelens.tui.screens.main_draw import Drawing
from curvelens.tui.text import fmt_step
from curvelens.tui.widgets.compare_table import CompareTable
from curvelens.tui.widgets.metric_plot import MetricPlot, PlotSpec
from curvelens.tui.widgets.stats_table import StatsTable

RGB = tuple[int, int, int]


@dataclass
class AnalysisReady(Message):
    """The analysis worker finished the view ``key`` (``comparison`` is None if it failed)."""

    key: tuple[object, ...]
    comparison: Comparison | None


@dataclass
class AnomaliesReady(Message):
    """The anomalies worker finished; the list opens."""

    found: list[Found]


class AnalysisControls(Drawing):
    """Comparison rows, plot overlays, anomalies and export (mixed into the main screen)."""

    clock: Callable[[], float]

    set_metric: Callable[[str | None], None]
    """Show a metric (defined by the view controls)."""

    def init_analysis(self) -> None:
        """Nothing computed yet, groups off."""
        self.comparison: Comparison | None = None
        """The latest comparison of the current view (None until computed)."""
        self.groups_on = False
        self.run_folders: list[Path] = []
        """Every discovered run's path: exports never go inside one."""
        self._analysis_key: tuple[object, ...] | None = None
        self._analysis_busy = False
        self._analysis_next: AnalysisInput | None = None
        """The latest view asked for while the worker was busy: started when it is done, so
        a worker is never cancelled half-way (thread workers cannot be interrupted)."""

    @on(RunsDiscovered)
    def _remember_folders(self, message: RunsDiscovered) -> None:
        self.run_folders.extend(ref.path for ref in message.runs)

    # drawing ---------------------------------------------------------------------------
    def redraw(self) -> None:
        """Draw as usual, then add the overlays and start the comparison if needed."""
        super().redraw()
        views = self._views()
        if not self.grid:
            plot = self.query_one(MetricPlot)
            spec = self._overlay(plot.spec)
            if spec is not plot.spec:
                plot.draw(spec)
        self._readout_note(views)
        self._request(views)

    def _views(self) -> list[Visible]:
        """The visible part of each plotted run (memoised by the store's caches)."""
        from curvelens.tui import plotdata

        return plotdata.compute(self.store, self.plotted(), self.opts)

    def _current(self) -> Comparison | None:
        """The comparison when it belongs to the view on screen."""
        c = self.comparison
        return c if c is not None and c.key == self._analysis_key else None

    def _overlay(self, spec: PlotSpec) -> PlotSpec:
        """``spec`` with group bands and, with a baseline pinned, divergence markers."""
        if not spec.traces or self.opts.x_axis != "step":
            return spec
        c = self._current()
        traces, labels, colors = list(spec.traces), dict(spec.labels), dict(spec.colors)
        if c is not None and self.groups_on and c.bands:
            background = Color.parse(self.app.theme_variables.get("surface", "#1e1e1e")).rgb
            traces, labels, colors = band_traces(
                c, traces, colors, self._group_colors(c), background
            )
        span = y_span(traces, spec.ylim)
        if c is not None and c.reference == self.baseline and span is not None:
            for run in c.runs:
                if run.divergence is not None and run.run_id in spec.colors:
                    traces.append(marker_trace(f"div:{run.run_id}", run.divergence, span))
                    colors[f"div:{run.run_id}"] = spec.colors[run.run_id]
        if traces == spec.traces:
            return spec
        return replace(
            spec,
            traces=traces,
            colors=colors,
            labels=labels,
            legend=bool(c and c.bands and self.groups_on),
        )

    def _group_colors(self, c: Comparison) -> dict[str, RGB]:
        """A group's colour is the colour of its first plotted run."""
        colors = self.run_colors()
        return {g.name: colors.get(g.runs[0], (200, 200, 200)) for g in c.groups}

    def _readout_note(self, views: list[Visible]) -> None:
        """Append the divergence steps (baseline pinned) and NaN/inf steps to the readout."""
        note = self._divergence_note()
        bad = sorted({s for view in views for s in nonfinite_steps(view)})
        if bad:
            steps = ", ".join(fmt_step(s) for s in bad[:4])
            note.append(f"│ NaN/inf @ {steps}", style="bold yellow")
        if note.plain:
            readout = self.query_one("#readout", Static)
            content = readout.content
            text = content.copy() if isinstance(content, Text) else Text(str(content))
            readout.update(text + Text("  ") + note)

    def _divergence_note(self) -> Text:
        """``│ diverges @ 801 ●● never ●``: each run's divergence step from the baseline."""
        c, colors, note = self._current(), self.run_colors(), Text()
        if c is None or c.reference != self.baseline:
            return note
        by_step: dict[float | None, list[str]] = {}
        for run in c.runs:
            if run.run_id != c.reference:
                by_step.setdefault(run.divergence, []).append(run.run_id)
        if not by_step:
            return note
        note.append("│ diverges @", style="dim")
        for step in sorted(by_step, key=lambda s: math.inf if s is None else s):
            note.append(" " + (fmt_step(step) if step is not None else "never") + " ")
            for run_id in by_step[step]:
                r, g, b = colors.get(run_id, (200, 200, 200))
                note.append("●", style=f"rgb({r},{g},{b})")
        return note.append(" ")

    # the worker ------------------------------------------------------------------------
    def _request(self, views: list[Visible]) -> None:
        """Start the comparison of the current view unless it is already under way or done."""
        o, width = self.opts, self.query_one(MetricPlot).size.width
        bands = self.groups_on and o.x_axis == "step"
        weight = o.weight if o.smoothing else None
        key = (tuple(v.run_id for v in views), self.baseline, o.metric, o.x_axis, o.x_range,
               weight, bands, width if bands else 0)  # fmt: skip
        if key == self._analysis_key:
            return
        self._analysis_key = key
        inp = self._input(views, bands, width, key)
        if self._analysis_busy:
            self._analysis_next = inp
        else:
            self._analysis_busy = True
            self.analyse(inp)

    def _input(
        self, views: list[Visible], bands: bool, width: int = 0, key: tuple[object, ...] = ()
    ) -> AnalysisInput:
        """The worker's input: copies of what it reads from the screen."""
        ids = [v.run_id for v in views]
        reference = self.baseline if self.baseline in ids else (ids[0] if ids else None)
        return AnalysisInput(
            key, self.opts.metric or "", tuple(RunInput(v.run_id, v.step, v.y) for v in views),
            reference, {i: self.entries[i].params for i in ids if i in self.entries},
            bands=bands, buckets=max(20, width // 2),
        )  # fmt: skip

    @work(thread=True, exclusive=True, group="analysis", exit_on_error=False)
    def analyse(self, inp: AnalysisInput) -> None:
        """Compare the runs off the UI thread; the result comes back as a message."""
        result = None
        try:
            result = compare(inp)
        finally:
            self.post_message(AnalysisReady(inp.key, result))

    @on(AnalysisReady)
    def _analysed(self, message: AnalysisReady) -> None:
        if message.comparison is None or message.key != self._analysis_key:
            return
        self.comparison = message.comparison
        self.query_one(CompareTable).show(message.comparison, self.labels(), self.run_colors())
        if self.groups_on and not message.comparison.groups:
            self.notify("the plotted runs form no seed group (runs differing only by seed)")
        self.redraw()

    @on(Worker.StateChanged)
    def _analysis_finished(self, event: Worker.StateChanged) -> None:
        """The worker is done: start the view asked for meanwhile (never cancel a running one)."""
        if event.worker.group != "analysis" or not event.worker.is_finished:
            return
        self._analysis_busy = False
        if self._analysis_next is not None:
            self._analysis_busy, inp, self._analysis_next = True, self._analysis_next, None
            self.analyse(inp)

    # actions ---------------------------------------------------------------------------
    def action_groups(self) -> None:
        """Toggle drawing seed groups as mean curves with mean ± std bands."""
        self.groups_on = not self.groups_on
        if self.groups_on and self.opts.x_axis != "step":
            self.notify("group bands are drawn on the step axis (x)")
        self.redraw()

    def action_anomalies(self) -> None:
        """Find the anomalies of every metric of the plotted runs, then list them."""
        series: SeriesMap = {
            (run_id, metric): (s.step, s.value)
            for run_id in self.plotted()
            for metric in self.store.metrics([run_id])
            if (s := self.store.get(run_id, metric)) is not None
        }
        self.find_anomalies(series)

    @work(thread=True, exclusive=True, group="anomalies", exit_on_error=False)
    def find_anomalies(self, series: SeriesMap) -> None:
        """Run the detectors off the UI thread."""
        self.post_message(AnomaliesReady(find_anomalies(series, self.opts.metric)))

    @on(AnomaliesReady)
    def _anomalies_found(self, message: AnomaliesReady) -> None:
        names = {i: e.name for i, e in self.entries.items()}
        screen = AnomaliesScreen(message.found, names, self.opts.metric)
        self.app.push_screen(screen, self.jump_to)

    def jump_to(self, found: Found | None) -> None:
        """Show ``found``'s metric and put the cursor on its step (zoom kept if it is in)."""
        if found is None:
            return
        series = self.store.get(found.run_id, found.metric)
        if series is None:
            return
        index = min(int(np.searchsorted(series.step, found.step)), series.step.size - 1)
        x = float(axis_values(series, self.opts.x_axis)[index])
        if not np.isfinite(x):
            self.notify("this run logs no time at that step; showing steps")
            self.opts = self.opts.with_(x_axis="step", x_range=None)
            x = found.step
        rng = self.opts.x_range
        if rng is not None and not rng[0] <= x <= rng[1]:
            self.opts = self.opts.with_(x_range=None)
        self.cursor = x
        if found.metric != self.opts.metric:
            self.set_metric(found.metric)
        else:
            self.redraw()

    def action_export(self) -> None:
        """Write the current view's summary to a Markdown file and show its path."""
        from curvelens.tui.export import ExportView, export_dir, markdown, write_export
        from curvelens.tui.settings import state_dir

        o, metric = self.opts, self.opts.metric or ""
        if not metric:
            self.notify("nothing to export: no metric shown", severity="warning")
            return
        comparison = self._current() or compare(self._input(self._views(), False))
        span = f"{fmt_step(o.x_range[0])} .. {fmt_step(o.x_range[1])}" if o.x_range else "full"
        view = ExportView(
            metric, self.labels(), self.baseline, o.x_axis, span,
            f"EMA weight {o.weight:.2f}" if o.smoothing else "off",
            self.query_one(StatsTable).summary, comparison,
        )  # fmt: skip
        configured = getattr(self.app, "config", None)
        directory = export_dir(
            getattr(configured, "export_dir", ""),
            [*self.run_folders, *map(Path, getattr(self, "paths", []))],
            state_dir() / "exports",
        )
        try:
            path = write_export(markdown(view, self.clock()), directory, metric, self.clock())
        except OSError as exc:
            self.notify(f"export failed: {exc}", severity="error")
            return
        self.notify(f"exported to {path}", title="export", timeout=10)
