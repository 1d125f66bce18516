"""Small multiples: one small plot per metric (a page of them), for scanning every metric
of the selected runs at once."""

from __future__ import annotations

from textual.containers import Grid

from curvelens.tui.widgets.metric_plot import MetricPlot, PlotSpec

TILE_WIDTH = 36
TILE_HEIGHT = 9


class PlotGrid(Grid):
    """A grid of :class:`MetricPlot` tiles sized to the pane."""

    def page_size(self) -> int:
        """How many tiles fit the pane."""
        return self.columns() * max(1, self.size.height // TILE_HEIGHT)

    def columns(self) -> int:
        """Tile columns that fit the pane."""
        return max(1, self.size.width // TILE_WIDTH)

    def show(self, specs: list[PlotSpec]) -> None:
        """Draw one tile per spec, reusing tiles already mounted."""
        tiles = list(self.query(MetricPlot))
        for extra in tiles[len(specs) :]:
            extra.remove()
        missing = [MetricPlot() for _ in range(len(specs) - len(tiles))]
        for tile in missing:
            tile.can_focus = False
        if missing:
            self.mount_all(missing)
        self.styles.grid_size_columns = self.columns()
        for tile, spec in zip([*tiles, *missing], specs, strict=False):
            tile.draw(spec)

    @property
    def specs(self) -> list[PlotSpec]:
        """What each tile draws (tests read it)."""
        return [tile.spec for tile in self.query(MetricPlot)]
