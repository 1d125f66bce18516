"""View state and actions of the main screen (selection, sort, metric, smoothing, axes,
zoom, cursor) and how they turn into what the panes show; kept apart from loading."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from textual import on
from textual.widgets import ContentSwitcher

from curvelens.core.schema import Issue
from curvelens.tui import plotdata
from curvelens.tui.plotdata import X_AXES, ViewOptions
from curvelens.tui.runlist import PALETTE, SORT_COLUMNS, RunEntry, assign_colors, sort_key
from curvelens.tui.screens.main_draw import Drawing
from curvelens.tui.screens.metric_picker import MetricPicker
from curvelens.tui.series import SeriesStore
from curvelens.tui.settings import ViewState
from curvelens.tui.widgets.plot_grid import PlotGrid
from curvelens.tui.widgets.run_table import RunRow, RunTable

MAX_PLOTTED = 50
"""``select all`` stops here: more curves are a blur, and each one costs redraw time."""
CURSOR_STEPS = 60
"""Cursor key presses to cross the visible range."""
REFRESH_WHILE_LOADING = 1.0
"""Seconds between refreshes of the panes while runs are still loading."""
LabelMap = dict[str, str]


class ViewControls(Drawing):
    """The main screen's view: what is selected and how the current metric is drawn."""

    store: SeriesStore
    entries: dict[str, RunEntry]
    total: int | None
    loaded: int
    issues: list[tuple[str, Issue]]
    clock: Callable[[], float]

    def init_view(self, state: ViewState) -> None:
        """Start from a remembered (or default) view state."""
        self.filter_text = state.filter
        self.selected: list[str] = list(state.selected)
        self.baseline: str | None = state.baseline
        self.sort_column = state.sort if state.sort in SORT_COLUMNS else "name"
        self.sort_reverse = state.sort_reverse
        self.opts = ViewOptions(
            metric=state.metric, smoothing=state.smoothing, weight=state.weight,
            log_y=state.log_y, x_axis=state.x_axis, ignore_outliers=state.ignore_outliers,
        )  # fmt: skip
        self.cursor: float | None = None
        self.grid = False
        self.metric_filter = ""
        self.slots: dict[str, int] = {}
        self._had_selection = bool(state.selected)
        self._values: dict[str, tuple[float | None, float | None, float | None]] = {}
        self._refresh_pending = False
        self._refreshed = False

    def view_state(self) -> ViewState:
        """The view as it should be remembered."""
        o = self.opts
        return ViewState(
            self.filter_text, o.metric, o.smoothing, o.weight, o.x_axis, o.log_y,
            o.ignore_outliers, list(self.selected), self.baseline, self.sort_column,
            self.sort_reverse,
        )  # fmt: skip

    # data arriving ---------------------------------------------------------------------
    def on_runs_changed(self) -> None:
        """New runs loaded: refresh at once for the first and the last batch, else at most
        every :data:`REFRESH_WHILE_LOADING` seconds. Rebuilding the run list costs about
        0.25 ms a row on the UI thread, which also holds the GIL the loader needs: with a
        thousand runs, a refresh per batch made loading a hundred times slower."""
        loading = any(e.status == "loading" for e in self.entries.values())
        if self._refreshed and loading:
            if not self._refresh_pending:
                self._refresh_pending = True
                self.set_timer(REFRESH_WHILE_LOADING, self._deferred_refresh)
            return
        self._refresh_pending = False  # the last batch: refresh now, not when a timer fires
        self._apply_runs_changed()

    def _deferred_refresh(self) -> None:
        if self._refresh_pending:
            self._refresh_pending = False
            self._apply_runs_changed()

    def _apply_runs_changed(self) -> None:
        """Fix the selection and metric for the runs loaded so far, then refresh every pane."""
        self._refreshed = True
        loaded = [i for i, e in self.entries.items() if e.status not in ("loading", "error")]
        if not self._had_selection and loaded:
            self.selected = loaded[:AUTO_SELECT_COUNT]
            self._had_selection = len(loaded) >= AUTO_SELECT_COUNT or self.total == len(loaded)
        metrics = self.store.metrics(self.plotted())
        if self.opts.metric not in metrics and metrics:
            self.opts = self.opts.with_(metric=_default_metric(metrics))
        self._values = {}
        self.refresh_runs()
        self.redraw()

    def plotted(self) -> list[str]:
        """Runs drawn: the baseline first (always shown), then the selection."""
        ids = [self.baseline] if self.baseline in self.entries else []
        return ids + [i for i in self.selected if i != self.baseline and i in self.entries]

    def run_colors(self) -> dict[str, tuple[int, int, int]]:
        """Plot colour of every plotted run."""
        self.slots = assign_colors(self.plotted(), self.slots)
        return {run_id: PALETTE[slot % len(PALETTE)] for run_id, slot in self.slots.items()}

    def labels(self) -> LabelMap:
        """Legend label of every plotted run."""
        return {
            i: self.entries[i].name + (" (base)" if i == self.baseline else "")
            for i in self.plotted()
        }

    # run list --------------------------------------------------------------------------
    def metric_values(self) -> dict[str, tuple[float | None, float | None, float | None]]:
        """(last, best, last step) of the current metric for every run, cached per metric."""
        if self._values or not self.opts.metric:
            return self._values
        from curvelens.core.analysis.direction import higher_is_better

        up = higher_is_better(self.opts.metric)
        for run_id in self.entries:
            series = self.store.get(run_id, self.opts.metric)
            if series is None or not series.value.size:
                continue
            finite = series.value[np.isfinite(series.value)]
            best = (finite.max() if up else finite.min()) if finite.size else math.nan
            last = float(series.value[-1])
            self._values[run_id] = (last, float(best), float(series.step[-1]))
        return self._values

    def sorted_entries(self, entries: list[RunEntry]) -> list[RunEntry]:
        """``entries`` in the current sort order."""
        key = sort_key(self.sort_column, self.metric_values())
        return sorted(entries, key=key, reverse=self.sort_reverse)

    def refresh_runs(self) -> None:
        """Rebuild the run list."""
        values, colors = self.metric_values(), self.run_colors()
        rows = [
            RunRow(e, colors.get(e.id), e.id == self.baseline, *values.get(e.id, (None,) * 3))
            for e in self.visible_entries()
        ]
        table = self.query_one(RunTable)
        table.show(rows, self.clock())
        self.query_one(
            "#runs-pane"
        ).border_title = f"runs · sort {self.sort_column}{' ↓' if self.sort_reverse else ''}"
        self.update_status()

    def visible_entries(self) -> list[RunEntry]:
        """Runs passing the filter, sorted (defined by the screen)."""
        raise NotImplementedError

    def update_status(self) -> None:
        """Refresh the status bar (defined by the screen)."""
        raise NotImplementedError

    def selection_changed(self) -> None:
        """Selection or baseline changed: refresh list and plot."""
        metrics = self.store.metrics(self.plotted())
        if metrics and self.opts.metric not in metrics:
            self.opts = self.opts.with_(metric=_default_metric(metrics))
            self._values = {}
        self.refresh_runs()
        self.redraw()

    def action_toggle_select(self) -> None:
        """Select or unselect the run under the cursor."""
        run_id = self.query_one(RunTable).current_run()
        if run_id is None:
            return
        if run_id in self.selected:
            self.selected.remove(run_id)
        else:
            self.selected.append(run_id)
        self.selection_changed()

    def action_select_all(self) -> None:
        """Select every visible run (up to MAX_PLOTTED)."""
        ids = [e.id for e in self.visible_entries() if not e.error]
        if len(ids) > MAX_PLOTTED:
            self.notify(f"selected the first {MAX_PLOTTED} of {len(ids)} runs")
        self.selected = ids[:MAX_PLOTTED]
        self.selection_changed()

    def action_select_none(self) -> None:
        """Unselect every run."""
        self.selected = []
        self.selection_changed()

    def action_baseline(self) -> None:
        """Pin the run under the cursor as baseline (again to unpin)."""
        run_id = self.query_one(RunTable).current_run()
        self.baseline = None if run_id == self.baseline else run_id
        self.selection_changed()

    def action_sort(self) -> None:
        """Sort by the next column."""
        index = SORT_COLUMNS.index(self.sort_column)
        self.sort_column = SORT_COLUMNS[(index + 1) % len(SORT_COLUMNS)]
        self.refresh_runs()

    @on(RunTable.SortClicked)
    def _sort_clicked(self, event: RunTable.SortClicked) -> None:
        """A header click sorts by that column; a second click reverses the order."""
        if event.column not in SORT_COLUMNS:
            return
        if event.column == self.sort_column:
            self.sort_reverse = not self.sort_reverse
        else:
            self.sort_column, self.sort_reverse = event.column, False
        self.refresh_runs()

    def action_sort_reverse(self) -> None:
        """Reverse the sort order."""
        self.sort_reverse = not self.sort_reverse
        self.refresh_runs()

    # metric ----------------------------------------------------------------------------
    def set_metric(self, metric: str | None) -> None:
        """Show ``metric`` (the zoom and cursor stay: steps mean the same thing)."""
        if metric and metric != self.opts.metric:
            self.opts = self.opts.with_(metric=metric)
            self._values = {}
            self.redraw()
            # the run list's last/best columns follow in the next frame: the plot comes first
            self.call_after_refresh(self.refresh_runs)

    def action_pick_metric(self) -> None:
        """Open the metric picker; in the grid, its filter also narrows the grid's metrics."""
        metrics = self.store.metrics(self.plotted() or None)
        picker = MetricPicker(metrics, self.opts.metric)

        def picked(metric: str | None) -> None:
            """Show the picked metric; in the grid, keep the typed text as its filter."""
            if metric and self.grid and picker.filter_text != self.metric_filter:
                self.metric_filter = picker.filter_text
                self.opts = self.opts.with_(metric=None)
            self.set_metric(metric)

        self.app.push_screen(picker, picked)

    def action_metric(self, delta: int) -> None:
        """Previous/next metric; in the grid, previous/next page."""
        metrics = self.grid_metrics() if self.grid else self.store.metrics(self.plotted() or None)
        if not metrics:
            return
        index = metrics.index(self.opts.metric) if self.opts.metric in metrics else 0
        if self.grid:
            size = self.query_one(PlotGrid).page_size(len(metrics))
            pages = -(-len(metrics) // size)
            index = (index // size + delta) % pages * size
        else:
            index = (index + delta) % len(metrics)
        self.set_metric(metrics[index])

    def action_grid(self) -> None:
        """Toggle the grid of small plots of every metric."""
        self.grid = not self.grid
        self.query_one(ContentSwitcher).current = "grid" if self.grid else "plot"
        self.call_after_refresh(self.redraw)

    # plot options ------------------------------------------------------------------------
    def set_opts(self, **changes: object) -> None:
        """Change plot options and redraw."""
        self.opts = self.opts.with_(**changes)
        self.redraw()

    def action_smoothing(self) -> None:
        """Toggle smoothing."""
        self.set_opts(smoothing=not self.opts.smoothing)

    def action_weight(self, delta: int) -> None:
        """Change the smoothing weight by 0.05 (up to 0.99), turning smoothing on."""
        weight = min(0.99, max(0.0, round(self.opts.weight + 0.05 * delta, 2)))
        self.set_opts(weight=weight, smoothing=True)

    def action_log_y(self) -> None:
        """Toggle a log y axis."""
        self.set_opts(log_y=not self.opts.log_y)

    def action_outliers(self) -> None:
        """Toggle ignoring outliers in the y range."""
        self.set_opts(ignore_outliers=not self.opts.ignore_outliers)

    def action_x_axis(self) -> None:
        """Cycle the x axis; zoom and cursor reset (their units change)."""
        axis = X_AXES[(X_AXES.index(self.opts.x_axis) + 1) % len(X_AXES)]
        self.cursor = None
        self.set_opts(x_axis=axis, x_range=None)

    def full_extent(self) -> tuple[float, float] | None:
        """x extent of the plotted runs without zoom."""
        views = plotdata.compute(self.store, self.plotted(), self.opts.with_(x_range=None))
        return plotdata.x_extent(views)

    def current_range(self) -> tuple[float, float] | None:
        """The visible x range."""
        return self.opts.x_range or self.full_extent()

    def action_zoom(self, direction: int) -> None:
        """Zoom x in (1) or out (-1) by 2x around the cursor (or the centre)."""
        full, now = self.full_extent(), self.current_range()
        if full is None or now is None:
            return
        lo, hi = now
        centre = self.cursor if self.cursor is not None else (lo + hi) / 2
        half = (hi - lo) / 2 * (0.5 if direction > 0 else 2.0)
        lo, hi = max(full[0], centre - half), min(full[1], centre + half)
        whole = lo <= full[0] and hi >= full[1]
        self.set_opts(x_range=None if whole or hi <= lo else (lo, hi))

    def action_pan(self, direction: int) -> None:
        """Shift the zoomed x range by a quarter of its width."""
        full, now = self.full_extent(), self.opts.x_range
        if full is None or now is None:
            return
        shift = (now[1] - now[0]) / 4 * direction
        shift = min(max(shift, full[0] - now[0]), full[1] - now[1])
        self.set_opts(x_range=(now[0] + shift, now[1] + shift))

    def action_reset(self) -> None:
        """Show the full x range, drop the cursor."""
        self.cursor = None
        self.set_opts(x_range=None)

    def action_move_cursor(self, direction: int) -> None:
        """Move the cursor along x (it starts in the middle of the visible range)."""
        now = self.current_range()
        if now is None:
            return
        lo, hi = now
        if self.cursor is None or not lo <= self.cursor <= hi:
            self.cursor = (lo + hi) / 2
        else:
            self.cursor = min(hi, max(lo, self.cursor + (hi - lo) / CURSOR_STEPS * direction))
        self.redraw()


AUTO_SELECT_COUNT = 5
"""Runs selected on first open when nothing was remembered."""


def _default_metric(metrics: list[str]) -> str:
    """The metric to show first: a train loss if there is one, else any loss, else the first."""
    lower = [m.lower() for m in metrics]
    for wanted in (("loss", "train"), ("loss",)):
        for name, low in zip(metrics, lower, strict=True):
            if all(word in low for word in wanted):
                return name
    return metrics[0]
