"""Pilot tests of the run list: names get the free width, short status words, error runs
marked with their message, narrow layouts drop low-value columns, header clicks sort."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from textual import events

from curvelens.tui.app import CurvelensApp
from curvelens.tui.widgets.run_table import RunTable
from curvelens.tui.widgets.stats_table import StatsTable
from curvelens.tui.widgets.status_bar import StatusBar

from .conftest import settle


def name_cells(app: CurvelensApp) -> list[str]:
    table = app.main.query_one(RunTable)
    return [
        table.get_cell_at((row, table.keys.index("name"))).plain for row in range(table.row_count)
    ]


def column_cells(app: CurvelensApp, key: str) -> list[str]:
    table = app.main.query_one(RunTable)
    index = table.keys.index(key)
    return [table.get_cell_at((row, index)).plain for row in range(table.row_count)]


async def test_wide_terminal_shows_full_names(app: CurvelensApp) -> None:
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(app, pilot)
        names = [row.entry.name for row in app.main.query_one(RunTable).rows_shown]
        assert name_cells(app) == names
        assert any("seed1_20250301" in cell for cell in name_cells(app))
        stats = app.main.query_one(StatsTable)
        first = stats.get_cell_at((0, 0)).plain
        assert first in names
        for index, column in enumerate(stats.columns.values()):  # `n = 2000` is never `2`
            widest = max(stats.get_cell_at((r, index)).cell_len for r in range(stats.row_count))
            assert column.get_render_width(stats) >= widest + 1


async def test_80_columns_keep_status_last_best_and_the_seed(app: CurvelensApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        table = app.main.query_one(RunTable)
        assert {"status", "last", "best"} <= set(table.keys) and "updated" not in table.keys
        values = app.main.catalog.values("train_loss")
        for row, cell in zip(table.rows_shown, column_cells(app, "last"), strict=True):
            last = values[row.entry.id][0]
            assert cell == (f"{last:.4g}" if last == last else "nan")
        for index, column in enumerate(table.columns.values()):  # every cell fits its column
            widest = max(table.get_cell_at((r, index)).cell_len for r in range(table.row_count))
            assert column.get_render_width(table) >= widest + 1, table.keys[index]
        cells = name_cells(app)
        assert all("…" in cell for cell in cells)
        assert [c for c in cells if "seed1" in c] and [c for c in cells if "seed2" in c]
        total = sum(col.get_render_width(table) for col in table.columns.values())
        assert total <= table.size.width


async def test_resize_refits_the_name_column(app: CurvelensApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        narrow = app.main.query_one(RunTable).widths["name"]
        await pilot.resize_terminal(160, 48)
        await settle(app, pilot)
        assert app.main.query_one(RunTable).widths["name"] > narrow


async def test_status_words_and_error_runs(app: CurvelensApp) -> None:
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(app, pilot)
        # the demo CSVs record no end and their mtimes are old: stopped; the NaN run diverged
        assert set(column_cells(app, "status")) == {"stop", "diverged"}
        run_id, live, done = list(app.main.catalog.entries)[:3]
        entries = app.main.catalog.entries
        entries[live] = replace(entries[live], status="running")
        entries[done] = replace(entries[done], status="finished")
        entry = entries[run_id]
        entries[run_id] = replace(entry, status="error", error="metrics.csv: bad header")
        app.main.refresh_panes({"runs"})
        await pilot.pause()
        table = app.main.query_one(RunTable)
        row = table.get_row_index(run_id)
        assert table.get_cell_at((row, 0)).plain == "✗"
        assert column_cells(app, "status")[row] == "err"
        assert column_cells(app, "status")[table.get_row_index(live)] == "live"
        assert column_cells(app, "status")[table.get_row_index(done)] == "done"
        table.move_cursor(row=row)
        await pilot.pause()
        bar = str(app.main.query_one(StatusBar).render())
        assert entry.path in bar and "✗ metrics.csv: bad header" in bar
        name = table.get_cell_at((row, table.keys.index("name"))).plain
        assert "bad header" not in name  # errors are a mark and a message, never in the name


async def test_header_click_sorts_and_reverses(app: CurvelensApp) -> None:
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(app, pilot)
        table = app.main.query_one(RunTable)
        before = table.keys.index("last")
        x = sum(col.get_render_width(table) for col in list(table.columns.values())[:before]) + 2
        await pilot.click(RunTable, offset=(x, 0))
        await pilot.pause()
        assert app.main.view.sort == "last" and not app.main.view.sort_reverse
        lasts = [float(v) for v in column_cells(app, "last") if v != "nan"]
        assert lasts == sorted(lasts)
        await pilot.click(RunTable, offset=(x, 0))
        await pilot.pause()
        assert app.main.view.sort_reverse


async def test_mouse_wheel_scrolls_a_long_run_list(tmp_path: Path) -> None:
    from curvelens.core.demo import write_demo
    from curvelens.tui.app import make_app

    for name in ("a", "b", "c"):
        write_demo(tmp_path / "many" / name)
    app = make_app([str(tmp_path / "many")])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        table = app.main.query_one(RunTable)
        assert table.row_count == 18 and table.scroll_y == 0
        for _ in range(3):
            table.post_message(events.MouseScrollDown(table, 5, 5, 0, 1, 0, False, False, False))
        await pilot.pause(0.3)
        assert table.scroll_y > 0


def test_every_core_status_has_a_readable_word() -> None:
    from curvelens.core.schema import STATUSES
    from curvelens.tui.widgets.run_table import STATUS_WORDS

    assert set(STATUSES) <= set(STATUS_WORDS)
    assert STATUS_WORDS["diverged"] == "diverged"  # not "nan": it reads as a value
