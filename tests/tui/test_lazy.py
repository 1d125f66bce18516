"""Lazy metrics in the app: the metric the first view shows loads first for every run, the
rest follows and replaces the partial runs with the view (selection, zoom, cursor, pins)
kept."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest

from curvelens.tui import loader
from curvelens.tui import state as st
from curvelens.tui.app import make_app
from curvelens.tui.messages import RunsCompleted, RunsLoaded
from tests.tui.conftest import FIXED_MTIME, settle

METRICS = ("acc", "grad_norm", "lr", "train_loss", "val_loss")


def _root(tmp_path: Path, runs: int = 3) -> Path:
    """``runs`` reference-layout runs logging :data:`METRICS` over 50 steps."""
    root = tmp_path / "root"
    for r in range(runs):
        logs = root / f"run{r}" / "logs"
        logs.mkdir(parents=True)
        rows = "".join(
            f"{s}," + ",".join(f"{(k + 1) / (s + r + 1):.6f}" for k in range(len(METRICS))) + "\n"
            for s in range(1, 51)
        )
        (logs / "metrics.csv").write_text("step," + ",".join(METRICS) + "\n" + rows)
        for path in (logs / "metrics.csv", logs, logs.parent):
            os.utime(path, (FIXED_MTIME, FIXED_MTIME))
    return root


def _points_of(messages: list[object]) -> list[tuple[str, bool, set[str]]]:
    """(message kind, partial, metrics with points) of every run the load worker posted."""
    out = []
    for m in {id(m): m for m in messages}.values():
        if isinstance(m, (RunsLoaded, RunsCompleted)):
            for run, _ in m.runs:
                metrics = set(run.points.get_column("metric").unique().to_list())
                out.append((type(m).__name__, run.partial, metrics))
    return out


async def test_the_first_metric_loads_first(tmp_path: Path) -> None:
    messages: list[object] = []
    app = make_app([str(_root(tmp_path))])
    async with app.run_test(size=(120, 36), message_hook=messages.append) as pilot:
        await settle(app, pilot)
        main = app.main
        assert main.view.metric == "val_loss"
        assert [main.catalog.run_metrics(i) for i in main.catalog.entries] == [set(METRICS)] * 3
        assert not main.catalog.partial
        plotted = main.plotted_ids()
        assert plotted and all(set(main.catalog.store.run_metrics(i)) == set(METRICS)
                               for i in plotted)  # fmt: skip
    # first only the shown metric, for every run; then every run whole
    assert (
        _points_of(messages)
        == [("RunsLoaded", True, {"val_loss"})] * 3 + [("RunsCompleted", False, set(METRICS))] * 3
    )


def test_a_remembered_metric_and_axis_load_first() -> None:
    view = st.View(metric="acc", x_axis="lr")
    assert loader.first_metrics(view, []) == frozenset({"acc", "lr"})
    assert loader.first_metrics(replace(view, grid=True), []) is None  # the grid shows all


async def test_completing_keeps_the_view(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    completed: list[object] = []
    load = loader.load

    def slow_second_pass(*args: object, **kwargs: object) -> None:
        post = args[2]

        def held(message: object) -> object:
            if type(message).__name__ == "RunsCompleted":
                completed.append(message)  # delivered by the test, after the view changed
                return None
            return post(message)  # type: ignore[operator]

        load(args[0], args[1], held, *args[3:], **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(loader, "load", slow_second_pass)
    app = make_app([str(_root(tmp_path))])
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        main = app.main
        assert main.catalog.partial and completed
        ids = list(main.catalog.entries)
        main.view = replace(main.view, selected=tuple(ids[:2]), pins=(ids[2],),
                            x_range=(10.0, 30.0), cursor=20.0, touched=True)  # fmt: skip
        before = main.view
        for message in completed:
            main.post_message(message)  # type: ignore[arg-type]
        await settle(app, pilot)
        assert main.view == before
        assert not main.catalog.partial
        assert set(main.catalog.store.run_metrics(ids[0])) == set(METRICS)
        assert "loading" not in main.query_one("#status").render().plain  # type: ignore[attr-defined]


def test_a_run_read_again_keeps_the_warnings_of_runs_named_like_it() -> None:
    from curvelens.core.schema import Issue, RunData, RunRef
    from curvelens.tui.catalog import Catalog

    refs = [RunRef(f"{d}/version_0", "version_0", Path(d) / "version_0", "csv") for d in "ab"]
    catalog = Catalog()
    catalog.discovered(tuple(refs), ())
    warned = RunData(refs[0], issues=(Issue(refs[0].path, "no scalars"),))
    catalog.add([(warned, {}), (RunData(refs[1], partial=True), None)])
    catalog.update([(RunData(refs[1]), None)], ())  # b read whole: its warnings replaced only
    assert [str(issue) for _, issue in catalog.issues] == [str(Issue(refs[0].path, "no scalars"))]
