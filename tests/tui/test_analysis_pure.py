"""The app's analysis and export logic without widgets: hand-computed comparison rows, seed
groups against scipy, file naming that never overwrites, and the run-folder guard."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest
from scipy import stats

from curvelens.tui.analysis import AnalysisInput, RunInput, compare, find_anomalies
from curvelens.tui.export import ExportView, export_dir, markdown, write_export

STEPS = np.arange(10, dtype=np.float64)


def inp(
    values: dict[str, np.ndarray], params: dict[str, dict[str, str]] | None = None
) -> AnalysisInput:
    runs = tuple(RunInput(k, STEPS, v) for k, v in values.items())
    return AnalysisInput(("k",), "loss", runs, runs[0].run_id, params or {}, bands=True)


def test_final_best_and_divergence_against_the_reference() -> None:
    base = np.full(10, 2.0)
    other = base.copy()
    other[6:] = 1.0  # 50 % lower from step 6 on: 4 points beyond 5 %
    other[-1] = np.nan  # the last finite value is at step 8
    result = compare(inp({"a": base, "b": other}))
    a, b = result.runs
    assert a.last_diff is None and a.divergence is None
    assert b.last == 1.0 and b.last_diff == -1.0 and b.last_ratio == 0.5
    assert b.best == 1.0 and b.best_diff == -1.0  # loss: lower is better
    assert b.divergence == 6.0
    assert result.groups == ()  # no params, names without seeds: no group of two


def test_seed_groups_match_scipy() -> None:
    rng = np.random.default_rng(1)
    finals = {"x_seed0": 1.0, "x_seed1": 1.2, "x_seed2": 1.1, "y_seed0": 0.7, "y_seed1": 0.8}
    values = {k: np.append(rng.normal(3, 0.1, 9), v) for k, v in finals.items()}
    params = {k: {"lr": "0.1" if k[0] == "x" else "0.2", "seed": k[-1]} for k in finals}
    result = compare(inp(values, params))
    sizes = {g.name: len(g.runs) for g in result.groups}
    assert sorted(sizes.values()) == [2, 3]
    x = [finals[k] for k in finals if k[0] == "x"]
    y = [finals[k] for k in finals if k[0] == "y"]
    row = next(g for g in result.groups if len(g.runs) == 3)
    assert row.mean == pytest.approx(np.mean(x)) and row.std == pytest.approx(np.std(x, ddof=1))
    assert result.pair is not None
    welch = stats.ttest_ind(y, x, equal_var=False)
    assert result.pair.welch_p == pytest.approx(welch.pvalue)
    assert result.pair.prob_improvement == 1.0  # every y run ends lower
    assert {b.group for b in result.bands} == set(sizes)


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
    from curvelens.tui.catalog import Catalog
    from curvelens.tui.export import export_now
    from curvelens.tui.panes import Looks
    from curvelens.tui.state import View

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
