"""How the main screen's view turns into what the panes show: plot or grid specs, the
cursor readout, the stats of the visible range and the status bar."""

from __future__ import annotations

import time

from rich.text import Text
from textual import on, work
from textual.screen import Screen
from textual.widgets import Static

from curvelens.core.schema import Issue
from curvelens.tui import plotdata
from curvelens.tui.messages import StatsReady
from curvelens.tui.plotdata import ViewOptions, Visible
from curvelens.tui.runlist import RunEntry
from curvelens.tui.series import SeriesStore
from curvelens.tui.text import clean, fmt_num, fmt_step, shorten_name
from curvelens.tui.widgets.metric_plot import MetricPlot, PlotSpec
from curvelens.tui.widgets.plot_grid import PlotGrid
from curvelens.tui.widgets.run_table import RunTable
from curvelens.tui.widgets.stats_table import StatsTable
from curvelens.tui.widgets.status_bar import Status, StatusBar

RGB = tuple[int, int, int]
LabelMap = dict[str, str]
MIN_READOUT_NAME = 10
"""Narrower names are left out of the readout (the dot's colour matches the run list)."""


class Drawing(Screen[None]):
    """Drawing of the main screen's panes from its state (set by the subclasses)."""

    store: SeriesStore
    entries: dict[str, RunEntry]
    issues: list[tuple[str, Issue]]
    total: int | None
    loaded: int
    opts: ViewOptions
    cursor: float | None
    grid: bool
    metric_filter: str
    _stats_key: tuple[object, ...] | None = None
    """Regex the grid's metrics must match (typed in the metric picker in grid mode)."""
    selected: list[str]
    baseline: str | None

    def plotted(self) -> list[str]:
        """Runs drawn (defined by the subclass)."""
        raise NotImplementedError

    def run_colors(self) -> dict[str, RGB]:
        """Plot colour of every plotted run (defined by the subclass)."""
        raise NotImplementedError

    def labels(self) -> LabelMap:
        """Legend label of every plotted run (defined by the subclass)."""
        raise NotImplementedError

    def update_status(self) -> None:
        """Refresh the status bar (defined by the screen)."""
        raise NotImplementedError

    def redraw(self) -> None:
        """Recompute and draw the plot (or grid), the cursor readout and the stats."""
        plotted, colors, labels = self.plotted(), self.run_colors(), self.labels()
        views = plotdata.compute(self.store, plotted, self.opts)
        if self.grid:
            title = self._draw_grid(plotted, colors, labels)
        else:
            plot = self.query_one(MetricPlot)
            plot.draw(self._spec(views, colors, labels, plot.size.width, self.opts))
            title = clean(self.opts.metric or "no metric")
        self.query_one("#plot-pane").border_title = title
        self.query_one("#readout").display = not self.grid
        self._readout(views, colors, labels)
        self._stats(views, colors, labels)
        self.update_status()

    def _spec(
        self, views: list[Visible], colors: dict[str, tuple[int, int, int]], labels: LabelMap,
        width: int, opts: ViewOptions, small: bool = False,
    ) -> PlotSpec:  # fmt: skip
        """The plot spec of ``views``."""
        empty = "select runs (space) to plot them" if not self.selected else "no data here"
        if opts.x_axis != "step" and not views:
            empty = "these runs log no wall time"
        return PlotSpec(
            traces=plotdata.traces(views, opts, max(width, 10), self.store),
            colors=colors,
            labels=labels,
            x_axis=opts.x_axis,
            log_y=opts.log_y,
            xlim=opts.x_range,
            ylim=plotdata.y_limits(views, opts),
            cursor=None if small else self.cursor,
            title=clean(opts.metric or "") if small else "",
            legend=False,  # the readout under the plot names each run with its colour
            empty=empty,
        )

    def grid_metrics(self) -> list[str]:
        """Metrics of the plotted runs the grid shows: those matching the metric filter."""
        from curvelens.tui.screens.metric_picker import matching

        metrics = self.store.metrics(self.plotted() or None)
        return matching(metrics, self.metric_filter) or metrics

    def _draw_grid(
        self, plotted: list[str], colors: dict[str, tuple[int, int, int]], labels: LabelMap
    ) -> str:
        """Fill the grid with the page of metrics holding the current one; returns the pane
        title (page and filter)."""
        grid = self.query_one(PlotGrid)
        metrics = self.grid_metrics()
        columns, rows = grid.shape(len(metrics))
        size = columns * rows
        index = metrics.index(self.opts.metric) if self.opts.metric in metrics else 0
        page = index // size
        width = max(10, (grid.size.width - columns + 1) // columns)
        specs = []
        for metric in metrics[page * size : page * size + size]:
            opts = self.opts.with_(metric=metric)
            views = plotdata.compute(self.store, plotted, opts)
            specs.append(self._spec(views, colors, labels, width, opts, small=True))
        grid.show(specs, columns, rows)
        pages = max(1, -(-len(metrics) // size))
        title = f"{len(metrics)} metrics" + (
            f" matching /{self.metric_filter}/" * bool(self.metric_filter)
        )
        return f"{clean(title)} · page {page + 1}/{pages}" + (" · [ ] pages" if pages > 1 else "")

    def _readout(
        self, views: list[Visible], colors: dict[str, tuple[int, int, int]], labels: LabelMap
    ) -> None:
        """The plot's legend: every plotted run's colour, name and value at the cursor (the
        last visible value without one), wrapped onto a second line when the pane is narrow."""
        readout = self.query_one("#readout", Static)
        if not views:
            readout.update(Text("h/l ←/→ cursor · +/- zoom · </> pan · r reset", style="dim"))
            return
        at = self._x_label(self.cursor) if self.cursor is not None else "last"
        values = self._values_at(views)
        width = max(20, self.query_one("#readout").size.width)
        per_line = -(-len(values) // 2) if len(values) > 2 else len(values)
        room = (width - len(at) - 1) // max(per_line, 1) - 5
        text = Text(at + " ", style="bold")
        for index, (run_id, value) in enumerate(values.items()):
            if index == per_line:
                text.append("\n" + " " * (len(at) + 1))
            r, g, b = colors.get(run_id, (200, 200, 200))
            text.append("● ", style=f"rgb({r},{g},{b})")
            if room - len(value) >= MIN_READOUT_NAME:  # else the colour alone names the run
                text.append(shorten_name(labels.get(run_id, run_id), room - len(value)) + " ")
            text.append(value, style="bold")
            text.append("  ")
        readout.update(text)

    def _values_at(self, views: list[Visible]) -> dict[str, str]:
        """Each run's value at the cursor, or its last visible value without a cursor."""
        out = {}
        for view in views:
            if self.cursor is None:
                at: tuple[float, float] | None = (float(view.step[-1]), float(view.y[-1]))
            else:
                at = plotdata.value_at(view, self.cursor)
            out[view.run_id] = fmt_num(at[1]) if at else "-"
        return out

    def _x_label(self, x: float) -> str:
        """The cursor position in the x axis's units."""
        if self.opts.x_axis == "step":
            return f"step {fmt_step(x)}"
        if self.opts.x_axis == "wall":
            return time.strftime("%m-%d %H:%M:%S", time.localtime(x))
        return f"+{x / 3600:.2f}h"

    def _stats(
        self, views: list[Visible], colors: dict[str, tuple[int, int, int]], labels: LabelMap
    ) -> None:
        """Summary of the visible range: shown at once when known, else computed by a thread
        worker so the plot's frame does not wait for it."""
        o, store = self.opts, self.store
        key = ("stats", store.generation, tuple(v.run_id for v in views), o.metric, o.x_axis,
               o.x_range, o.smoothing, o.weight if o.smoothing else None)  # fmt: skip
        self._stats_key = key
        summary = store.cached(key)
        if summary is not None:  # after the plot's frame: a table repaint is slower
            table = self.query_one(StatsTable)
            self.call_after_refresh(table.show, summary, labels, colors, self.baseline)
        else:
            self.summarize(key, views, o.metric or "")

    @work(thread=True, group="stats", exit_on_error=False, description="stats")
    def summarize(self, key: tuple[object, ...], views: list[Visible], metric: str) -> None:
        """Summarize the visible points off the UI thread (polars releases the GIL)."""
        import polars as pl

        from curvelens.core.analysis.summary import summarize

        frame = plotdata.stats_frame(views, metric)
        self.post_message(StatsReady(key, summarize(frame) if frame.height else pl.DataFrame()))

    @on(StatsReady)
    def _stats_ready(self, message: StatsReady) -> None:
        self.store.remember(message.key, message.summary)
        if message.key == self._stats_key:
            table = self.query_one(StatsTable)
            table.show(message.summary, self.labels(), self.run_colors(), self.baseline)

    def status_bar(self, bar: StatusBar) -> None:
        """Fill the status bar."""
        o = self.opts
        flags = [f"smooth {o.weight:.2f}" if o.smoothing else "raw"]
        flags += ["log y"] if o.log_y else []
        flags += [f"x {o.x_axis}"] + (["no outliers"] if o.ignore_outliers else [])
        flags += ["zoom"] if o.x_range else []
        flags += ["grid"] if self.grid else []
        current = self.query_one(RunTable).current_run()
        entry = self.entries.get(current or "")
        hint = entry.name if entry else ""
        bar.set_status(
            Status(
                loaded=self.loaded,
                total=self.total,
                shown=len(self.query_one(RunTable).rows_shown),
                selected=len(self.selected),
                warnings=len(self.issues),
                view=" · ".join(flags),
                hint=hint,
                error=(entry.error or "") if entry else "",
            )
        )
