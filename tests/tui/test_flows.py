"""Pilot tests of the rebuilt app's flows, each through the keys and the widgets' messages:
pins, grouping, maximising, tab order, filter operators, hidden runs, odd names, loading."""

from __future__ import annotations

import json
from pathlib import Path

from textual.message import Message

from curvelens.tui.app import CurvelensApp, make_app
from curvelens.tui.messages import RunsLoaded
from curvelens.tui.screens.detail import DetailScreen
from curvelens.tui.screens.picker import Picker
from curvelens.tui.widgets.compare_table import CompareTable
from curvelens.tui.widgets.metric_plot import MetricPlot
from curvelens.tui.widgets.run_table import RunTable
from curvelens.tui.widgets.stats_table import StatsTable
from curvelens.tui.widgets.status_bar import StatusBar

from .conftest import FIXED_NOW, settle

SIZE = (120, 40)


def names(app: CurvelensApp) -> list[str]:
    return [row.entry.name for row in app.main.query_one(RunTable).rows_shown]


def plotted(app: CurvelensApp) -> list[str]:
    return [t.run_id for t in app.main.query_one(MetricPlot).spec.traces]


async def test_pin_keeps_a_run_at_the_top_whatever_the_sort(app: CurvelensApp) -> None:
    messages: list[Message] = []
    async with app.run_test(size=SIZE, message_hook=messages.append) as pilot:
        await settle(app, pilot)
        last = names(app)[-1]
        app.main.query_one(RunTable).move_cursor(row=len(names(app)) - 1)
        await pilot.press("p")
        assert any(isinstance(m, RunTable.PinToggled) for m in messages)
        assert names(app)[0] == last and app.main.view.pins
        await pilot.press("O")
        assert names(app)[0] == last
        row = app.main.query_one(RunTable).rows_shown[0]
        assert row.pinned


async def test_group_by_a_param_from_the_picker(app: CurvelensApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("t")
        assert isinstance(app.screen, Picker)
        await pilot.press(*"model.position_encoding", "enter")
        assert app.main.view.group_by == "model.position_encoding"
        rows = app.main.query_one(RunTable).rows_shown
        headings = [r.group for r in rows if r.group]
        assert len(headings) == 2  # two encodings, each heading shown once
        encodings = [r.entry.params["model.position_encoding"] for r in rows]
        assert encodings == sorted(encodings)
        assert "group" in app.main.query_one(RunTable).keys


async def test_tab_reaches_every_pane_and_f_maximises_the_focused_one(app: CurvelensApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        seen = []
        for _ in range(4):
            seen.append(type(app.focused).__name__)
            await pilot.press("tab")
        assert seen == ["RunTable", "MetricPlot", "StatsTable", "CompareTable"]
        app.main.query_one(StatsTable).focus()
        await pilot.press("f")
        await settle(app, pilot)
        assert app.main.view.maximised == "stats"
        stats = app.main.query_one(StatsTable)
        assert stats.size.width >= SIZE[0] - 4 and stats.size.height > 20
        assert not app.main.query_one("#top").display
        await pilot.press("escape")
        await settle(app, pilot)
        assert app.main.view.maximised is None and app.main.query_one("#top").display


async def test_compare_pane_scrolls_its_rows(app: CurvelensApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("a")
        await settle(app, pilot)
        compare = app.main.query_one(CompareTable)
        assert compare.comparison is not None and compare.comparison.groups
        compare.focus()
        assert compare.max_scroll_y > 0  # group rows below the fold are reachable
        await pilot.press("j", "j", "j")
        assert compare.scroll_y > 0


async def test_filter_operators_and_hidden_runs_leave_the_plot(app: CurvelensApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert len(plotted(app)) == 5
        await pilot.press("slash", *"learning_rate>6e-4", "enter")
        await settle(app, pilot)
        assert names(app) and all(n.startswith("rope") for n in names(app))
        shown = {row.entry.id for row in app.main.query_one(RunTable).rows_shown}
        assert set(plotted(app)) <= shown and len(plotted(app)) == 2
        bar = str(app.main.query_one(StatusBar).render())
        assert "3 hidden by the filter" in bar
        await pilot.press("slash", "ctrl+u", *"!rope has:learning_rate", "enter")
        assert names(app) and all(n.startswith("baseline") for n in names(app))
        await pilot.press("slash", "ctrl+u", *"status:running", "enter")
        assert names(app) == []
        assert "no run matches" in str(app.main.query_one(StatusBar).render())
        title = app.main.query_one("#runs-pane")._border_title
        assert title is not None and "no run matches" in title.plain


async def test_time_weighted_ema_and_a_logged_metric_as_x(app: CurvelensApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        raw = app.main.query_one(MetricPlot).spec.traces[0].y
        await pilot.press("s")
        ema = app.main.query_one(MetricPlot).spec.traces[0].y
        await pilot.press("s")
        assert app.main.view.smoothing == "time-ema"
        timed = app.main.query_one(MetricPlot).spec.traces[0].y
        assert raw != ema and timed != raw
        await pilot.press("x", "x", "x")
        assert app.main.view.x_axis == "epoch"
        spec = app.main.query_one(MetricPlot).spec
        assert spec.traces and max(spec.traces[0].x) < 100  # epochs, not steps


async def test_outliers_are_ignored_by_default(app: CurvelensApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert app.main.view.ignore_outliers
        assert app.main.query_one(MetricPlot).spec.ylim is not None
        await pilot.press("i")
        assert app.main.query_one(MetricPlot).spec.ylim is None


async def test_loading_fills_the_list_in_batches(demo_root: Path) -> None:
    messages: list[Message] = []
    app = make_app([str(demo_root)], clock=lambda: FIXED_NOW)
    async with app.run_test(size=SIZE, message_hook=messages.append) as pilot:
        await settle(app, pilot)
        batches = [m for m in messages if isinstance(m, RunsLoaded)]
        unique = list({id(m): m for m in batches}.values())
        assert unique and sum(len(m.runs) for m in unique) == 6
        assert len(names(app)) == 6


async def test_odd_metric_and_run_names_are_text_not_markup(tmp_path: Path) -> None:
    root = tmp_path / "odd"
    root.mkdir()
    rows = [{"step": s, "[/]loss": 1.0 / (s + 1), "[b]acc": s / 10} for s in range(10)]
    (root / "[red]run\x1b[2J.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    app = make_app([str(root)])
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert app.main.view.metric == "[/]loss"
        title = app.main.query_one("#plot-pane")._border_title  # what is drawn, not markup
        assert title is not None and title.plain == "[/]loss"
        (name,) = names(app)
        assert name.startswith("[red]run") and "\x1b" not in name
        await pilot.press("enter")
        assert isinstance(app.screen, DetailScreen)
        title = str(app.screen.query_one("#detail-title").render())
        assert "\x1b" not in title and "[red]run" in title


async def test_an_unreadable_run_is_marked_and_its_error_is_in_the_detail(
    demo_root: Path,
) -> None:
    bad = demo_root / "garbage_20250101_000000" / "logs"
    bad.mkdir(parents=True)
    (bad / "metrics.csv").write_bytes(bytes(range(256)) * 8)
    app = make_app([str(demo_root)], clock=lambda: FIXED_NOW)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        table = app.main.query_one(RunTable)
        (row,) = [r for r in table.rows_shown if r.entry.error]
        index = table.rows_shown.index(row)
        assert table.get_cell_at((index, 0)).plain == "✗"
        assert table.get_cell_at((index, table.keys.index("name"))).plain == row.entry.name
        table.move_cursor(row=index)
        await pilot.press("enter")
        assert isinstance(app.screen, DetailScreen)
        assert "error:" in str(app.screen.query_one("#detail-title").render())


async def test_mixed_root_names_are_unique_and_the_first_view_plots(mixed_root: Path) -> None:
    app = make_app([str(mixed_root)], clock=lambda: FIXED_NOW)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(app, pilot)
        shown = names(app)
        assert len(shown) == len(set(shown)) >= 10
        assert "runs/1" in shown
        assert any(n.endswith("lightning_logs/version_0") and "/" in n for n in shown)
        assert app.main.view.metric is not None and plotted(app)
        formats = {row.entry.format for row in app.main.query_one(RunTable).rows_shown}
        assert {"tensorboard", "csv", "sacred", "mlflow", "hf_trainer"} <= formats


async def test_palette_groups_by_parent_folder(mixed_root: Path) -> None:
    from textual.command import CommandPalette

    app = make_app([str(mixed_root)], clock=lambda: FIXED_NOW)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+p")
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"runs: group by parent")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.main.view.group_by == "parent"
        headings = [r.group for r in app.main.query_one(RunTable).rows_shown if r.group]
        assert "sacred/manuel-rhdt__ml-pws/runs" in headings
