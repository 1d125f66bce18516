"""The braille canvas and the plot pane: lines land on the right dots, gaps and clipping,
faint raw curves under smoothed ones, no legend over the curves, the cursor readout."""

from __future__ import annotations

import numpy as np

from curvelens.tui import plotdata
from curvelens.tui.app import CurvelensApp
from curvelens.tui.canvas import Canvas, rasterize
from curvelens.tui.widgets.metric_plot import MetricPlot, faint

from .conftest import settle


def test_horizontal_and_vertical_lines_hit_the_expected_dots() -> None:
    dots = rasterize(np.array([0.0, 9.0]), np.array([0.0, 0.0]), (0, 9), (0, 3), 10, 4)
    assert dots[3].all() and not dots[:3].any()  # y = 0 is the bottom dot row
    dots = rasterize(np.array([3.0, 3.0]), np.array([0.0, 3.0]), (0, 9), (0, 3), 10, 4)
    assert dots[:, 3].all() and dots.sum() == 4


def test_a_nan_breaks_the_line_and_outside_points_are_clipped() -> None:
    x = np.array([0.0, 1.0, 2.0, 3.0, 4.0])
    y = np.array([1.0, 1.0, np.nan, 1.0, 1.0])
    dots = rasterize(x, y, (0, 4), (0, 2), 5, 3)
    assert dots[1].tolist() == [True, True, False, True, True]
    spike = rasterize(np.array([0.0, 1.0, 2.0]), np.array([0.0, 100.0, 0.0]), (0, 2), (0, 2), 3, 3)
    # the steep flanks leave the canvas inside the first and last columns, up to the top edge
    assert spike[:, 0].all() and spike[:, 2].all() and not spike[:, 1].any()


def test_braille_cells_and_faint_lines_stay_under() -> None:
    canvas = Canvas(2, 1, (0.0, 3.0), (0.0, 3.0))
    canvas.line(np.array([0.0, 3.0]), np.array([3.0, 3.0]), (9, 9, 9), faint=True)
    assert canvas.chars() == ["⠉⠉"]  # top dots of both cells
    canvas.line(np.array([0.0, 1.0]), np.array([0.0, 0.0]), (200, 0, 0))
    assert canvas.chars()[0][0] == "⣀"  # the normal line replaced the faint dots in its cell
    assert canvas.colors[canvas.color[0, 0]] == (200, 0, 0)
    assert canvas.colors[canvas.color[0, 1]] == (9, 9, 9)
    assert faint((200, 0, 0), (0, 0, 0)) == (80, 0, 0)


def test_downsampling_uses_cores_downsampler_and_keeps_the_spike() -> None:
    n = 100_000
    x, y = np.arange(float(n)), np.zeros(n)
    y[54_321] = 9.0
    xs, ys = plotdata._down(x, y, 80)
    assert len(xs) <= 4 * 80 and max(ys) == 9.0 and xs == sorted(xs)


async def test_plot_has_no_legend_and_readout_names_every_run(app: CurvelensApp) -> None:
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(app, pilot)
        await pilot.press("s")
        plot = app.main.query_one(MetricPlot)
        drawn = plot.plain()
        assert "seed" not in drawn and "┤" in drawn and "└" in drawn
        assert all(t.raw is not None for t in plot.spec.traces)
        plot.focus()
        await pilot.press("l", "l", "l")
        cursor = app.main.view.cursor
        assert cursor is not None
        readout = str(app.main.query_one("#readout").render())
        views = plotdata.compute(app.main.catalog.store, app.main.plotted_ids(), app.main.view)
        assert len(views) == 5
        for view in views:
            at = plotdata.value_at(view, cursor)
            assert at is not None and f"{at[1]:.4g}" in readout
        assert readout.count("seed") == 5


async def test_a_key_draws_the_plot_once(app: CurvelensApp) -> None:
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(app, pilot)
        plot = app.main.query_one(MetricPlot)
        before = plot.renders
        await pilot.press("s")
        await settle(app, pilot)
        # the comparison arriving later may add its markers: at most one more drawing
        assert 1 <= plot.renders - before <= 2
        grid_before = plot.renders
        await pilot.press("g", "s")
        await settle(app, pilot)
        assert plot.renders == grid_before  # hidden behind the grid: not drawn


async def test_readout_sorted_by_value_names_runs_in_value_order(app: CurvelensApp) -> None:
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(app, pilot)
        await pilot.press("v")
        readout = str(app.main.query_one("#readout").render())
        views = plotdata.compute(app.main.catalog.store, app.main.plotted_ids(), app.main.view)
        finite = sorted(float(v.y[-1]) for v in views if np.isfinite(v.y[-1]))
        assert len(finite) >= 3
        positions = [readout.index(f" {value:.4g} ") for value in finite]
        assert positions == sorted(positions)
        if len(finite) < len(views):  # NaN last
            assert readout.rindex(" nan ") > positions[-1]


async def test_no_color_tells_runs_apart_by_marker_shape(
    demo_root: object, monkeypatch: object
) -> None:
    from curvelens.tui.app import make_app

    monkeypatch.setenv("NO_COLOR", "1")  # type: ignore[attr-defined]
    app = make_app([str(demo_root)])
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(app, pilot)
        plot = app.main.query_one(MetricPlot)
        drawn = plot.plain()
        shapes = set(plot.spec.markers.values())
        assert len(shapes) == 5 and all(shape in drawn for shape in shapes)
        readout = str(app.main.query_one("#readout").render())
        assert all(shape in readout for shape in shapes)
