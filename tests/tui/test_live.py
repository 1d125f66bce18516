"""Pilot tests of live runs: rows appended to files of a running app reach its widgets."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from curvelens.tui.app import CurvelensApp, make_app
from curvelens.tui.widgets.status_bar import StatusBar
from tests.tui.conftest import FIXED_NOW, settle


def _run(root: Path, name: str, steps: range) -> Path:
    log = root / f"{name}_20250301_090000" / "logs" / "metrics.csv"
    log.parent.mkdir(parents=True)
    log.write_text("step,train_loss\n" + "".join(f"{s},{10 / s}\n" for s in steps))
    return log


def _append(log: Path, steps: range) -> None:
    with log.open("a") as handle:
        handle.write("".join(f"{s},{10 / s}\n" for s in steps))


async def _reload(app: CurvelensApp, pilot: object) -> None:
    await pilot.press("R")  # type: ignore[attr-defined]
    await settle(app, pilot)


async def test_appended_rows_redraw_and_keep_the_view(tmp_path: Path) -> None:
    log = _run(tmp_path, "a", range(1, 21))
    app = make_app([str(tmp_path)], clock=lambda: FIXED_NOW)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(app, pilot)
        main = app.main
        (run_id,) = main.catalog.entries
        main.view = replace(
            main.view, selected=(run_id,), pins=(run_id,), x_range=(5.0, 10.0), cursor=7.0
        )
        before = main.view
        _append(log, range(21, 31))
        await _reload(app, pilot)
        series = main.catalog.store.get(run_id, "train_loss")
        assert series is not None and series.step[-1] == 30 and series.step.size == 30
        assert main.view == before  # zoom, cursor, selection and pins kept
        bar = str(main.query_one(StatusBar).render())
        assert "polled" in bar and "1 run changed (+30 points)" in bar  # first change: whole
        assert main.catalog.loaded == 1 and main.catalog.total == 1
        await pilot.press("F")
        assert main.view.follow
        _append(log, range(31, 41))
        await _reload(app, pilot)
        assert main.view.x_range == (35.0, 40.0)  # slid to the newest step, same width
        assert "1 run changed (+10 points)" in str(main.query_one(StatusBar).render())
        assert main.catalog.store.get(run_id, "train_loss").step[-1] == 40  # type: ignore[union-attr]


async def test_a_run_written_while_the_app_is_open_appears(tmp_path: Path) -> None:
    _run(tmp_path, "a", range(1, 5))
    app = make_app([str(tmp_path)], clock=lambda: FIXED_NOW)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(app, pilot)
        main = app.main
        assert main.live is not None
        main.live.poller.rediscover_every = 0.0  # discover the roots at the next poll
        _run(tmp_path, "b", range(1, 8))
        await _reload(app, pilot)
        assert main.catalog.total == 2 and main.catalog.loaded == 2
        new_id = next(i for i in main.catalog.entries if i.startswith("b_"))
        assert main.catalog.entries[new_id].loaded
        assert main.catalog.store.get(new_id, "train_loss").step[-1] == 7  # type: ignore[union-attr]
        assert "1 new" in str(main.query_one(StatusBar).render())


async def test_no_change_polls_leave_the_widgets_alone(tmp_path: Path) -> None:
    _run(tmp_path, "a", range(1, 5))
    app = make_app([str(tmp_path)], clock=lambda: FIXED_NOW)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(app, pilot)
        generation = app.main.catalog.generation
        await _reload(app, pilot)
        assert app.main.catalog.generation == generation
        assert "no change" in str(app.main.query_one(StatusBar).render())
