"""The grid of small multiples (shape from the pane, pages, titles and y ticks, metric
filter) and the metric picker (prefix groups of two or more, current metric highlighted)."""

from __future__ import annotations

from textual.widgets import OptionList

from curvelens.tui.app import CurvelensApp
from curvelens.tui.screens.picker import Picker, groups
from curvelens.tui.widgets.plot_grid import PlotGrid, grid_shape

from .conftest import settle


def test_grid_shape_fills_the_pane() -> None:
    assert grid_shape(90, 40, 15) == (3, 5)
    assert grid_shape(90, 40, 4) == (3, 2)
    assert grid_shape(65, 30, 15) == (2, 3)
    assert grid_shape(40, 9, 15) == (1, 1)
    assert grid_shape(90, 40, 1) == (1, 1)


def test_groups_need_two_metrics_sharing_a_prefix() -> None:
    metrics = ["epoch", "eval/acc", "grad_norm", "mode1_loss", "mode1_ppl", "train_loss"]
    assert groups(metrics) == [
        ("mode1_", ["mode1_loss", "mode1_ppl"]),
        ("other", ["epoch", "eval/acc", "grad_norm", "train_loss"]),
    ]


def grid_metrics(app: CurvelensApp) -> list[str]:
    from curvelens.tui import panes

    return panes.grid_metrics(app.main.catalog, app.main.view, app.main.plotted_ids())


def titles(app: CurvelensApp) -> list[str]:
    return [spec.title for spec in app.main.query_one(PlotGrid).specs]


async def test_grid_pages_titles_and_ticks(app: CurvelensApp) -> None:
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(app, pilot)
        await pilot.press("g")
        await settle(app, pilot)  # the tiles are sized once the grid is laid out
        grid = app.main.query_one(PlotGrid)
        metrics = grid_metrics(app)
        columns, rows = grid.shape(len(metrics))
        assert columns >= 2 and rows >= 2
        first = titles(app)
        assert app.main.view.metric in first and all(first)
        assert "page" in str(app.main.query_one("#plot-pane").border_title)
        for tile in grid.query("MetricPlot"):
            assert "┤" in tile.plain()  # type: ignore[attr-defined]
        await pilot.press("right_square_bracket")
        await pilot.pause()
        second = titles(app)
        assert second and not set(second) & set(first)
        await pilot.press("left_square_bracket")
        await pilot.pause()
        assert titles(app) == first


async def test_grid_respects_the_metric_filter(app: CurvelensApp) -> None:
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(app, pilot)
        await pilot.press("g", "m", *"ppl", "enter")
        await pilot.pause()
        assert titles(app) and all("ppl" in t for t in titles(app))
        assert len(grid_metrics(app)) == 5
        await pilot.press("escape")
        await pilot.pause()
        assert app.main.view.grid and app.main.view.metric_filter == ""
        await pilot.press("escape")
        assert not app.main.view.grid


async def test_picker_highlights_the_current_metric_and_filters(app: CurvelensApp) -> None:
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(app, pilot)
        await pilot.press("m")
        assert isinstance(app.screen, Picker)
        options = app.screen.query_one(OptionList)
        assert options.highlighted is not None
        assert options.get_option_at_index(options.highlighted).id == "train_loss"
        await pilot.press(*"mode2")
        ids = [options.get_option_at_index(i).id for i in range(options.option_count)]
        assert [i for i in ids if i] == ["mode2_loss", "mode2_ppl"]
        await pilot.press("down", "enter")
        assert app.main.view.metric == "mode2_ppl"
