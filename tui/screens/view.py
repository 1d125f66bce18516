"""The main screen's view actions: every key that replaces the View from the catalog (metric,
smoothing, axis, zoom, grouping, filter, layout, pickers, anomalies, export), kept apart from
the screen's composition, loading and refreshing (:mod:`curvelens.tui.screens.main`)."""

from __future__ import annotations

from collections.abc import Callable

from textual.reactive import reactive
from textual.screen import Screen

from curvelens.tui import panes, plotdata
from curvelens.tui import state as st
from curvelens.tui.anomalies import Found
from curvelens.tui.catalog import Catalog
from curvelens.tui.comparer import Comparer
from curvelens.tui.runs import axis_metrics
from curvelens.tui.screens.anomalies import AnomaliesScreen
from curvelens.tui.screens.picker import Picker
from curvelens.tui.widgets.plot_pane import PlotPane
from curvelens.tui.widgets.runs_pane import RunsPane
from curvelens.tui.widgets.stats_table import StatsTable


class ViewScreen(Screen[None]):
    """A screen holding one :class:`~curvelens.tui.state.View` over a :class:`Catalog`, with
    the actions that replace it; :class:`~curvelens.tui.screens.main.MainScreen` draws it."""

    view: reactive[st.View] = reactive(st.View, init=False, always_update=False)
    """What is shown; replaced (never mutated) by the actions."""
    catalog: Catalog
    comparer: Comparer
    slots: dict[str, int]
    """Palette slot of each plotted run."""
    no_color: bool
    paths: list[str]
    clock: Callable[[], float]

    def action_filter(self) -> None:
        """Show and focus the filter box."""
        self.query_one(RunsPane).show_filter(self.view.filter, focus=True)

    def action_escape(self) -> None:
        """Restore the layout, else clear the filter, else the grid's filter, else the grid."""
        self.view = st.escape(self.view)
        self.query_one(RunsPane).show_filter(self.view.filter)

    def action_maximise(self) -> None:
        """Maximise the pane holding the focus (again to restore)."""
        self.view = st.maximise(self.view, panes.pane_of(self.focused))

    def action_apply(self, name: str) -> None:
        """Apply the named transition (keys without an argument), see ``state.NAMED``."""
        self.view = st.NAMED[name](self.view)

    def action_select_all(self) -> None:
        """Select every visible loaded run (up to 50)."""
        ids = [e.id for e in self.catalog.shown(self.view) if e.loaded and not e.error]
        self.view = st.select_all(self.view, ids)

    def action_pick_metric(self) -> None:
        """Pick the metric (in the grid, the typed text also filters the grid)."""
        picker = Picker(self.catalog.metrics(self.plotted_ids() or None), self.view.metric)
        self.app.push_screen(picker, lambda m: self._picked(m, picker.filter_text))

    def _picked(self, metric: str | None, typed: str) -> None:
        view = st.set_metric_filter(self.view, typed) if self.view.grid else self.view
        self.view = st.set_metric(view, metric)

    def action_metric(self, delta: int) -> None:
        """Previous/next metric; in the grid, previous/next page."""
        metrics = panes.grid_metrics(self.catalog, self.view, self.plotted_ids(), self.view.grid)
        page = self.query_one(PlotPane).page_size(len(metrics)) if self.view.grid else 1
        self.view = st.step_metric(self.view, metrics, delta, page)

    def action_group_by(self) -> None:
        """Pick what to group the run list by: its parent folder or any param."""
        options = ["none", "parent", *self.catalog.param_keys()]
        current, hint = self.view.group_by or "none", "group runs by (parent folder, param)"
        self.app.push_screen(Picker(options, current, hint, grouped=False), self.set_group)

    def set_group(self, key: str | None) -> None:
        """Group the run list by ``key`` (``none`` lists runs flat; None keeps the view)."""
        self.view = st.group_by(self.view, None if key == "none" else key) if key else self.view

    def action_weight(self, delta: int) -> None:
        """Smoothing weight up or down."""
        self.view = st.change_weight(self.view, delta)

    def action_x_axis(self) -> None:
        """Cycle the x axis (step, wall, relative, then logged epoch/tokens/samples...)."""
        extra = axis_metrics(self.catalog.metrics(self.plotted_ids() or None))
        self.view = st.cycle_x_axis(self.view, extra)

    def action_zoom(self, direction: int) -> None:
        """Zoom x in (1) or out (-1) by 2x around the cursor."""
        self.view = st.zoom(self.view, 2.0 if direction > 0 else 0.5, self.full_extent())

    def action_pan(self, direction: int) -> None:
        """Pan the zoomed range."""
        self.view = st.pan(self.view, direction, self.full_extent())

    def action_anomalies(self) -> None:
        """List the anomalies of the plotted runs' metrics (found by the list's worker)."""
        series = panes.anomaly_series(self.catalog, self.plotted_ids())
        names = {i: e.name for i, e in self.catalog.entries.items()}
        self.app.push_screen(AnomaliesScreen(series, names, self.view.metric), self._jump)

    def _jump(self, found: Found | None) -> None:
        self.view = panes.jump_to(self.catalog, self.view, found) if found else self.view

    def action_export(self) -> None:
        """Write the view's stats and comparison to a Markdown file."""
        from curvelens.tui.export import export_now

        result = self.comparer.current()
        parts = (self.query_one(StatsTable).summary, result.comparison if result else None)
        config = getattr(self.app, "config", None)
        text, ok = export_now(
            self.catalog, self.view, self.looks(), *parts, config, self.clock(), self.paths
        )
        self.notify(text, title="export", severity="information" if ok else "error", markup=False)

    def plotted_ids(self) -> list[str]:
        """The plotted runs."""
        return panes.plotted(self.view, self.catalog.shown(self.view))

    def looks(self) -> panes.Looks:
        """Colour, marker and label of the plotted runs."""
        return panes.looks(self.catalog, self.plotted_ids(), self.slots, self.view, self.no_color)

    def full_extent(self) -> tuple[float, float] | None:
        """x extent of the plotted runs without zoom."""
        views = plotdata.compute(self.catalog.store, self.plotted_ids(), st.reset(self.view))
        return plotdata.x_extent(views)
