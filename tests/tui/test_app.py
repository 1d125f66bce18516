"""Pilot tests of the app's main flows on the demo runs: what the widgets hold after keys."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from textual.command import CommandPalette

from curvelens.core.demo import DEMO_STEPS
from curvelens.tui.app import CurvelensApp, make_app
from curvelens.tui.keys import ALL_BINDINGS
from curvelens.tui.screens.detail import DetailScreen
from curvelens.tui.screens.help import HelpScreen
from curvelens.tui.screens.warnings import WarningsScreen
from curvelens.tui.settings import state_dir
from curvelens.tui.widgets.metric_plot import MetricPlot
from curvelens.tui.widgets.run_table import RunTable
from curvelens.tui.widgets.stats_table import StatsTable

from .conftest import BAD_LINE, settle

SIZE = (120, 40)


def rows(app: CurvelensApp) -> list[str]:
    return [row.entry.name for row in app.main.query_one(RunTable).rows_shown]


def plot(app: CurvelensApp) -> MetricPlot:
    return app.main.query_one(MetricPlot)


async def test_first_open_lists_runs_and_plots_train_loss(app: CurvelensApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert len(rows(app)) == 6
        assert app.main.view.metric == "train_loss"
        assert len(plot(app).spec.traces) == 5


async def test_filter_narrows_rows_and_escape_clears(app: CurvelensApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("slash", *"rope", "enter")
        assert rows(app) and all(name.startswith("rope") for name in rows(app))
        assert len(rows(app)) == 3
        await pilot.press("escape")
        assert len(rows(app)) == 6


async def test_filter_on_params(app: CurvelensApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("slash", *"learning_rate=5e-4", "enter")
        assert len(rows(app)) == 3 and all(n.startswith("baseline") for n in rows(app))


async def test_select_adds_a_series(app: CurvelensApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("n")
        assert plot(app).spec.traces == []
        await pilot.press("j", "space")
        expected = app.main.query_one(RunTable).current_run()
        assert [t.run_id for t in plot(app).spec.traces] == [expected]
        await pilot.press("a")
        assert len(plot(app).spec.traces) == 6


async def test_metric_change_by_keys_and_picker(app: CurvelensApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        before = plot(app).spec.traces[0].y
        await pilot.press("right_square_bracket")
        assert app.main.view.metric == "train_perplexity"
        assert plot(app).spec.traces[0].y != before
        await pilot.press("m", *"mode2_lo", "enter")
        assert app.main.view.metric == "mode2_loss"
        # eval metrics are logged every 100 steps only
        assert len(plot(app).spec.traces[0].x) == DEMO_STEPS // 100


async def test_smoothing_changes_plotted_values(app: CurvelensApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        raw = np.array(plot(app).spec.traces[0].y)
        await pilot.press("s")
        trace = plot(app).spec.traces[0]
        smooth = np.array(trace.y)
        assert trace.raw is not None
        assert np.abs(np.diff(smooth)).mean() < np.abs(np.diff(raw)).mean()
        await pilot.press("full_stop", "full_stop")
        assert app.main.view.weight == 0.7
        assert plot(app).spec.traces[0].y != list(smooth)


async def test_log_y_and_x_axis(app: CurvelensApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("y")
        assert plot(app).spec.log_y
        await pilot.press("x")
        spec = plot(app).spec
        assert spec.x_axis == "wall"
        # the reference CSV logs no wall time: nothing to draw, and the plot says why
        assert spec.traces == [] and "no wall" in spec.empty


async def test_zoom_narrows_plot_and_stats(app: CurvelensApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        stats = app.main.query_one(StatsTable)
        assert stats.summary.get_column("count").max() == DEMO_STEPS
        await pilot.press("plus", "plus")
        await settle(app, pilot)  # the summary is computed by a worker
        lo, hi = app.main.view.x_range or (0, 0)
        assert hi - lo < DEMO_STEPS / 2
        assert all(lo <= x <= hi for t in plot(app).spec.traces for x in t.x)
        assert stats.summary.get_column("count").max() < DEMO_STEPS / 2
        await pilot.press("r")
        assert app.main.view.x_range is None


async def test_cursor_shows_each_runs_value(app: CurvelensApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        plot(app).focus()
        await pilot.press("l")
        cursor = app.main.view.cursor
        assert cursor is not None
        run_id = plot(app).spec.traces[0].run_id
        series = app.main.catalog.store.get(run_id, "train_loss")
        assert series is not None
        expected = series.value[series.step <= cursor][-1]
        text = str(app.main.query_one("#readout").render())
        assert f"{expected:.4g}" in text


async def test_help_lists_every_binding(app: CurvelensApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        table = app.screen.query_one("#help-table")
        count = sum(len(group) for group in ALL_BINDINGS.values())
        assert table.row_count == count  # type: ignore[attr-defined]


async def test_palette_runs_an_action(app: CurvelensApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+p")
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"plot: toggle log y")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await pilot.pause()
        assert app.main.view.log_y


async def test_detail_shows_differing_params(app: CurvelensApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("enter")
        assert isinstance(app.screen, DetailScreen)
        keys = app.screen.keys
        assert "learning_rate" in keys and "model.position_encoding" in keys
        assert "batch_size" not in keys and "max_steps" not in keys


async def test_warnings_screen_lists_the_bad_line(app: CurvelensApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("w")
        assert isinstance(app.screen, WarningsScreen)
        files = [str(issue.path) for _, issue in app.screen.issues]
        lines = [issue.line for _, issue in app.screen.issues]
        assert any(f.endswith("metrics.csv") for f in files) and 5 in lines
        assert BAD_LINE.count(",") == 3


async def test_unreadable_run_is_listed_and_its_error_is_a_warning(demo_root: Path) -> None:
    garbage = demo_root / "garbage_20250101_000000" / "logs"
    garbage.mkdir(parents=True)
    (garbage / "metrics.csv").write_bytes(bytes(range(256)) * 8)
    app = make_app([str(demo_root)])
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert "garbage_20250101_000000" in [
            entry.name for entry in app.main.catalog.entries.values()
        ]
        await pilot.press("w")
        assert isinstance(app.screen, WarningsScreen)
        errors = [issue for run, issue in app.screen.issues if run == "garbage_20250101_000000"]
        assert len(errors) == 1 and "not loaded" in errors[0].message
        assert "metrics.csv" in errors[0].message and "binary" in errors[0].message


async def test_quit_remembers_the_view(demo_root: Path, app: CurvelensApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("n", "space", "s", "right_square_bracket", "q")
    (state,) = state_dir().iterdir()
    saved = json.loads(state.read_text())
    assert saved["smoothing"] == "ema" and saved["metric"] == "train_perplexity"
    again = make_app([str(demo_root)])
    async with again.run_test(size=SIZE) as pilot:
        await settle(again, pilot)
        assert list(again.main.view.selected) == saved["selected"]
        assert again.main.view.metric == "train_perplexity"


async def test_config_remaps_a_key(demo_root: Path, tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text('[keys]\n"plot.log_y" = "ctrl+l"\n')
    app = make_app([str(demo_root)])
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+l")
        assert app.main.view.log_y


async def test_names_cannot_inject_markup(tmp_path: Path) -> None:
    from curvelens.core.demo import write_demo

    root = tmp_path / "odd"
    folder = write_demo(root)[0]
    folder.rename(root / "[red]evil\x1b[2J")
    app = make_app([str(root)])
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        names = rows(app)
        assert any(n.startswith("[red]evil") for n in names)
        assert not any("\x1b" in n for n in names)
