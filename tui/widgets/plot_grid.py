"""Small multiples: one small plot per metric, laid out to fill the pane (columns and rows from
its size and the number of metrics), a page at a time, for scanning every metric at once."""

from __future__ import annotations

from textual.containers import Grid
from textual.message import Message

from curvelens.tui.widgets.metric_plot import MetricPlot, PlotSpec

TILE_MIN_WIDTH = 30
"""Narrowest tile: room for y tick labels and a readable curve."""
TILE_MIN_HEIGHT = 8
"""Lowest tile: title, a few canvas rows with two y ticks, the x axis and its labels."""
MAX_COLUMNS = 3


def grid_shape(width: int, height: int, count: int) -> tuple[int, int]:
    """(columns, rows) of tiles for ``count`` metrics in a ``width`` x ``height`` pane: as many
    columns as fit (at most 3), as many rows as fit, then no more rows than the metrics need."""
    columns = max(1, min(MAX_COLUMNS, width // TILE_MIN_WIDTH, max(count, 1)))
    rows = max(1, height // TILE_MIN_HEIGHT)
    return columns, max(1, min(rows, -(-count // columns)))


class PlotGrid(Grid):
    """A grid of :class:`MetricPlot` tiles that share the pane evenly."""

    DEFAULT_CSS = """
    PlotGrid {
        grid-gutter: 0 1;
        grid-rows: 1fr;
    }
    PlotGrid MetricPlot {
        height: 1fr;
    }
    """

    class Resized(Message):
        """The grid's size changed: its tiles are laid out for the old size."""

    def on_resize(self) -> None:
        """Ask for a new layout of the tiles."""
        self.post_message(self.Resized())

    def shape(self, count: int) -> tuple[int, int]:
        """(columns, rows) of tiles for ``count`` metrics at the current size."""
        return grid_shape(self.size.width, self.size.height, count)

    def page_size(self, count: int) -> int:
        """How many tiles one page holds for ``count`` metrics."""
        columns, rows = self.shape(count)
        return columns * rows

    def show(self, specs: list[PlotSpec], columns: int, rows: int) -> None:
        """Draw one tile per spec on a ``columns`` x ``rows`` grid, reusing mounted tiles."""
        tiles = list(self.query(MetricPlot))
        for extra in tiles[len(specs) :]:
            extra.remove()
        missing = [MetricPlot() for _ in range(len(specs) - len(tiles))]
        for tile in missing:
            tile.can_focus = False
        if missing:
            self.mount_all(missing)
        self.styles.grid_size_columns = columns
        self.styles.grid_size_rows = rows
        for tile, spec in zip([*tiles, *missing], specs, strict=False):
            tile.draw(spec)

    @property
    def specs(self) -> list[PlotSpec]:
        """What each tile draws (tests read it)."""
        return [tile.spec for tile in self.query(MetricPlot)]
