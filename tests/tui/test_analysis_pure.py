"""The app's comparison adapter and export without widgets: what the engine is given (zoomed
steps, the baseline as reference), seed groups and tests against scipy, group bands, file
naming that never overwrites, and the run-folder and root guards."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest
from scipy import stats

from curvelens.tui.anomalies import find_anomalies
from curvelens.tui.catalog import Catalog
from curvelens.tui.comparer import compare_request, compared
from curvelens.tui.export import ExportView, export_dir, markdown, write_export
from curvelens.tui.runs import RunEntry
from curvelens.tui.series import Series
from curvelens.tui.state import View

STEPS = np.arange(10, dtype=np.float64)


def catalog(values: dict[str, np.ndarray], params: dict[str, dict[str, str]] | None = None):
    """A catalog holding one ``loss`` series per run."""
    cat = Catalog()
    for run_id, value in values.items():
        cat.store.add(run_id, {"loss": Series(STEPS, value, np.full(STEPS.size, np.nan))})
        entry_params = (params or {}).get(run_id, {})
        cat.entries[run_id] = RunEntry(
            run_id, run_id, run_id, "csv", "finished", params=entry_params, loaded=True
        )
    return cat


def test_the_engine_gets_the_zoomed_steps_and_the_baseline_as_reference() -> None:
    cat = catalog({"a": np.linspace(3, 1, 10), "b": np.linspace(3, 2, 10)})
    view = View(metric="loss", baseline="b", x_range=(2.0, 7.0))
    request = compare_request(cat, view, ["b", "a"], 80)
    assert request.options.reference == "b" and request.options.metrics == "^loss$"
    for run in request.runs:
        steps = run.points.get_column("step").to_list()
        assert steps == [2.0, 3.0, 4.0, 5.0, 6.0, 7.0]
    result = compared(request)
    m = result.metric
    assert m is not None and m.step == 7.0  # the last step both runs logged in view
    values = {r.run: r.value for r in m.runs}
    assert values == {"a": pytest.approx(np.linspace(3, 1, 10)[7]),
                      "b": pytest.approx(np.linspace(3, 2, 10)[7])}  # fmt: skip
    (pair,) = m.pairs
    assert pair.a == result.comparison.reference and "b" in result.comparison.groups[pair.a]


def test_seed_groups_tests_and_bands_come_from_the_engine() -> None:
    rng = np.random.default_rng(1)
    finals = {"x_seed0": 1.0, "x_seed1": 1.2, "x_seed2": 1.1, "y_seed0": 0.7, "y_seed1": 0.8}
    values = {k: np.append(rng.normal(3, 0.1, 9), v) for k, v in finals.items()}
    params = {k: {"lr": "0.1" if k[0] == "x" else "0.2", "seed": k[-1]} for k in finals}
    result = compared(compare_request(catalog(values, params), View(metric="loss", bands=True),
                                      list(finals), 80))  # fmt: skip
    m = result.metric
    assert m is not None
    assert sorted(len(g.runs) for g in m.groups) == [2, 3]
    (pair,) = m.pairs
    x = [finals[k] for k in finals if k[0] == "x"]
    y = [finals[k] for k in finals if k[0] == "y"]
    assert pair.test is not None
    assert pair.test.welch_p == pytest.approx(stats.ttest_ind(y, x, equal_var=False).pvalue)
    assert pair.test.prob_improvement == 1.0  # every y run ends lower
    x_group = next(g for g, runs in result.comparison.groups.items() if "x_seed0" in runs)
    band = next(b for b in result.bands if b.group == x_group)
    members = [values[k] for k in finals if k[0] == "x"]
    assert band.mean == pytest.approx(np.mean(members, axis=0).tolist())
    assert {b.group for b in result.bands} == {g.name for g in m.groups}


def test_anomalies_current_metric_first() -> None:
    steps = np.arange(40, dtype=np.float64)
    flat = np.linspace(2, 1, 40)
    spiky = flat.copy()
    spiky[20] = 9.0
    nan = flat.copy()
    nan[30:33] = np.nan
    found = find_anomalies({("r", "acc_loss"): (steps, nan), ("r", "loss"): (steps, spiky)}, "loss")
    # 9 is also > 3x the lowest earlier loss: an explosion as well as a spike
    assert [(f.metric, f.step, f.kind) for f in found] == [
        ("loss", 20.0, "explosion"),
        ("loss", 20.0, "spike"),
        ("acc_loss", 30.0, "nonfinite"),
    ]


def test_export_never_overwrites(tmp_path: Path) -> None:
    first = write_export("one", tmp_path, "eval/loss", 0.0)
    second = write_export("two", tmp_path, "eval/loss", 0.0)
    assert first != second and first.read_text() == "one" and second.read_text() == "two"
    assert first.name.startswith("curvelens-eval_loss-")


def test_export_dir_avoids_run_folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run = tmp_path / "runs" / "r1"
    (run / "logs").mkdir(parents=True)
    fallback = tmp_path / "fallback"
    monkeypatch.chdir(run / "logs")
    assert export_dir("", [run], fallback) == fallback
    assert export_dir(str(tmp_path), [run], fallback) == tmp_path
    assert export_dir(str(run), [run], fallback) == fallback


def test_export_never_goes_into_a_root_being_browsed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from curvelens.tui.export import export_now
    from curvelens.tui.panes import Looks

    root = tmp_path / "experiments"
    root.mkdir()
    monkeypatch.chdir(root)  # started from inside the root: exports go to the state dir
    text, ok = export_now(
        Catalog(), View(metric="loss"), Looks({}, {}, {}), pl.DataFrame(), None, None, 0.0,
        [str(root)],
    )  # fmt: skip
    assert ok and not list(root.iterdir())
    assert str(tmp_path / "state") in text


def test_markdown_names_the_runs_and_metric() -> None:
    summary = pl.DataFrame({"run": ["a"], "count": [3], "last": [1.5], "mean": [float("nan")]})
    view = ExportView("loss", {"a": "run-a"}, None, "step", "full", "off", summary, None)
    text = markdown(view, 0.0)
    assert "# curvelens summary: loss" in text
    assert "| run-a |" in text and "nan" in text and " 1.5 |" in text
