"""Pilot tests of the analysis features on the demo runs: anomalies list and jump, comparison
rows and divergence marker against the engine, seed groups, bands and export."""

from __future__ import annotations

from pathlib import Path

import pytest

from curvelens.core.comparison import CompareOptions, build_comparison
from curvelens.core.demo import (
    DEMO_DIVERGENCE_STEP,
    DEMO_NAN_RUN,
    DEMO_NAN_STEP,
    DEMO_SPIKE_RUN,
    DEMO_SPIKE_STEP,
    demo_run_names,
)
from curvelens.core.discovery import discover
from curvelens.core.loading import load_run
from curvelens.tui.app import CurvelensApp
from curvelens.tui.screens.anomalies import AnomaliesScreen
from curvelens.tui.settings import state_dir
from curvelens.tui.widgets.compare_table import CompareTable, group_rows, pair_lines
from curvelens.tui.widgets.metric_plot import MetricPlot
from curvelens.tui.widgets.run_table import RunTable

from .conftest import settle

SIZE = (160, 48)


def run_id(app: CurvelensApp, prefix: str) -> str:
    return next(i for i, e in app.main.catalog.entries.items() if e.name.startswith(prefix))


async def move_to(app: CurvelensApp, pilot: object, prefix: str) -> None:
    """Put the run list's cursor on the run whose name starts with ``prefix``."""
    table = app.main.query_one(RunTable)
    names = [row.entry.name for row in table.rows_shown]
    table.move_cursor(row=next(i for i, n in enumerate(names) if n.startswith(prefix)))
    await pilot.pause()  # type: ignore[attr-defined]


async def analysed(app: CurvelensApp, pilot: object) -> None:
    """Wait for the analysis worker (and the one it starts for a newer view) and the redraw
    its result triggers."""
    for _ in range(20):
        await app.workers.wait_for_complete()
        await pilot.pause()  # type: ignore[attr-defined]
        if not app.main.comparer.busy:
            break
    await pilot.pause()  # type: ignore[attr-defined]


async def test_anomalies_list_the_spike_and_jump_to_it(app: CurvelensApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("a", "A")
        await analysed(app, pilot)
        screen = app.screen
        assert isinstance(screen, AnomaliesScreen)
        spike = run_id(app, DEMO_SPIKE_RUN)
        found = [(f.run_id, f.metric, f.step, f.kind) for f in screen.found]
        assert (spike, "train_loss", DEMO_SPIKE_STEP, "spike") in found
        nan_run = run_id(app, DEMO_NAN_RUN)
        assert (nan_run, "train_loss", DEMO_NAN_STEP, "nonfinite") in found
        current = [f.metric == "train_loss" for f in screen.found]
        assert current == sorted(current, reverse=True)  # the current metric's first
        index = found.index((spike, "train_loss", DEMO_SPIKE_STEP, "spike"))
        screen.query_one("#anomalies-table").move_cursor(row=index)  # type: ignore[attr-defined]
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is app.main
        assert app.main.view.cursor == DEMO_SPIKE_STEP
        assert str(DEMO_SPIKE_STEP) in str(app.main.query_one("#readout").render())


async def test_anomaly_of_another_metric_switches_metric(app: CurvelensApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("a", "A")
        await analysed(app, pilot)
        screen = app.screen
        assert isinstance(screen, AnomaliesScreen)
        index = next(i for i, f in enumerate(screen.found) if f.metric == "grad_norm")
        screen.query_one("#anomalies-table").move_cursor(row=index)  # type: ignore[attr-defined]
        await pilot.press("enter")
        await pilot.pause()
        assert app.main.view.metric == "grad_norm"
        assert app.main.view.cursor == screen.found[index].step


def engine_divergence(demo_root: Path, base: str, other: str) -> float | None:
    """The divergence step of ``other`` from ``base`` on train_loss, straight from the engine."""
    refs = {r.name: r for r in discover([str(demo_root)]).runs}
    runs = [load_run(next(r for n, r in refs.items() if n.startswith(p))) for p in (base, other)]
    options = CompareOptions(metrics="^train_loss$", reference=runs[0].ref.id, anomalies=False)
    metric = build_comparison(runs, options).metric("train_loss")
    assert metric is not None
    return metric.pairs[0].divergence.step


async def test_divergence_vs_baseline_matches_the_engine(
    demo_root: Path, app: CurvelensApp
) -> None:
    base, other = "baseline_lr5e-4_seed0", "rope_lr1e-3_seed0"
    expected = engine_divergence(demo_root, base, other)
    assert expected is not None and abs(expected - DEMO_DIVERGENCE_STEP) <= 200
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("n")
        await move_to(app, pilot, base)
        await pilot.press("b")
        await move_to(app, pilot, other)
        await pilot.press("space")
        await analysed(app, pilot)
        table = app.main.query_one(CompareTable)
        assert table.comparison is not None and table.metric is not None
        assert table.comparison.run_ids[table.metric.runs[0].run] == run_id(app, base)
        (pair,) = table.metric.pairs
        assert pair.divergence.step == expected
        assert f"diverges @ {int(expected)}" in str(app.main.query_one("#readout").render())
        marker = [t for t in app.main.query_one(MetricPlot).spec.traces if t.run_id[:4] == "div:"]
        assert [t.x for t in marker] == [[expected, expected]]
        assert any(f"diverges @ {int(expected)}" in line for line in pair_lines(table.metric))


async def test_all_demo_runs_form_two_groups_of_three(app: CurvelensApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("a")
        await analysed(app, pilot)
        metric = app.main.query_one(CompareTable).metric
        assert metric is not None
        assert [len(g.runs) for g in metric.groups] == [3, 3]
        assert [g.name for g in metric.groups] == ["baseline_lr5e-4", "rope_lr1e-3"]
        # seed 2 of the baseline turns NaN: a failure, never scored by its earlier values
        assert [row[1] for row in group_rows(metric)] == ["2/3", "3/3"]
        (pair,) = metric.pairs
        assert pair.test is not None and pair.test.welch_p is not None
        assert 0 <= pair.test.welch_p <= 1
        # rope ends lower in loss in all 9 pairs of seeds
        assert pair.test.prob_improvement == 1.0
        await pilot.press("G")
        await analysed(app, pilot)
        ids = [t.run_id for t in app.main.query_one(MetricPlot).spec.traces]
        assert sum(i.startswith("group:") and i.count(":") == 1 for i in ids) == 2


async def test_export_writes_outside_runs_and_never_overwrites(
    demo_root: Path, app: CurvelensApp, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    monkeypatch.chdir(out)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("a")
        await analysed(app, pilot)
        await pilot.press("e")
        await pilot.pause()
        (first,) = out.iterdir()
        text = first.read_text()
        await pilot.press("e")
        await pilot.pause()
        files = sorted(out.iterdir())
        assert len(files) == 2 and first.read_text() == text
        assert any(str(first) in n.message for n in app._notifications)
    assert "train_loss" in first.name and "train_loss" in text
    assert all(name in text for name in demo_run_names())
    assert not any(demo_root in f.parents for f in files)


async def test_export_inside_a_run_folder_goes_elsewhere(
    demo_root: Path, app: CurvelensApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = next(p for p in demo_root.iterdir() if p.is_dir())
    before = sorted(folder.rglob("*"))
    monkeypatch.chdir(folder)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("e")
        await pilot.pause()
    assert sorted(folder.rglob("*")) == before
    assert len(list((state_dir() / "exports").iterdir())) == 1
