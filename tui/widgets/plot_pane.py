"""The plot pane: the single plot or the grid of small plots, and the cursor readout under
them, drawn from the catalog and the View (the screen says when)."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import ContentSwitcher

from curvelens.core.printable import printable
from curvelens.tui import panes, plotdata
from curvelens.tui.catalog import Catalog
from curvelens.tui.comparer import Comparer
from curvelens.tui.state import View
from curvelens.tui.widgets.metric_plot import MetricPlot
from curvelens.tui.widgets.plot_grid import PlotGrid
from curvelens.tui.widgets.readout import Readout, readout_text


class PlotPane(Vertical):
    """Plot (or grid) over the readout; its title names the metric (or the grid page). On a
    resize of the plot or the grid it draws again what it was last asked to show."""

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self._last: tuple[Catalog, View, list[str], panes.Looks, Comparer] | None = None

    @on(MetricPlot.Resized)
    @on(PlotGrid.Resized)
    def _resized(self, event: Message) -> None:
        event.stop()
        if self._last is not None:
            self.show(*self._last)

    def compose(self) -> ComposeResult:
        """The switcher between plot and grid, then the readout."""
        with ContentSwitcher(initial="plot", id="switcher"):
            yield MetricPlot(id="plot")
            yield PlotGrid(id="grid")
        yield Readout(id="readout")

    def show(self, catalog: Catalog, view: View, ids: list[str], look: panes.Looks,
             comparer: Comparer) -> None:  # fmt: skip
        """Draw ``ids`` as ``view`` says, with the comparison's overlays."""
        self._last = (catalog, view, ids, look, comparer)
        plot, readout = self.query_one(MetricPlot), self.query_one(Readout)
        self.query_one(ContentSwitcher).current = "grid" if view.grid else "plot"
        if view.grid:
            grid = self.query_one(PlotGrid)
            columns, rows = grid.shape(len(panes.grid_metrics(catalog, view, ids)))
            width = max(10, (grid.size.width - columns + 1) // columns)
            specs, title = panes.grid_specs(catalog, view, ids, look, width, columns * rows)
            grid.show(specs, columns, rows)
        else:
            spec = panes.plot_spec(catalog, view, ids, look, plot.size.width)
            background = plot.background_colors[1].rgb
            plot.draw(comparer.overlay(spec, look, view.baseline, view.bands, background))
            title = printable(view.metric or "no metric")
        self.border_title = Text(title)
        readout.display = not view.grid
        views = plotdata.compute(catalog.store, ids, view)
        at, readings = panes.readings(views, view, look)
        note = comparer.divergence_note(look, view.baseline) + panes.nan_note(views)
        width = readout.size.width or 60
        readout.show(readout_text(at, readings, width, view.readout_by_value, note))

    def page_size(self, count: int) -> int:
        """Tiles one grid page holds for ``count`` metrics."""
        return self.query_one(PlotGrid).page_size(count)
