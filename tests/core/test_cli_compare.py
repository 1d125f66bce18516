"""``compare`` and ``report`` on the demo root: grouping, pairs, health sections, JSON shape.

Expected numbers come from the demo's CSVs (read here with the csv module), scipy, and the
facts :mod:`curvelens.core.demo` records (divergence step, spike, NaN tail).
"""

from __future__ import annotations

import csv
import json
import statistics
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from scipy import stats

from curvelens.cli import cli
from curvelens.core import demo
from tests.core.demo_helpers import demo_folder

ROOT = Path(__file__).resolve().parents[2]
REAL = ROOT.parent / "shared" / "fixtures" / "real" / "custom_experiments"
NUM = (int, float)


@pytest.fixture(scope="module")
def root(demo_root: Path) -> Path:
    return demo_root


def _series(folder: Path, column: str) -> dict[float, float]:
    """step -> value of one column of a run's CSV (complete lines, last write wins)."""
    text = (folder / "logs" / "metrics.csv").read_text()
    text = text if text.endswith("\n") else text[: text.rindex("\n") + 1]
    return {
        float(r["step"]): float(r[column]) for r in csv.DictReader(text.splitlines()) if r[column]
    }


def _final(folder: Path, column: str) -> float:
    """Last finite value by step."""
    values = _series(folder, column)
    return next(values[s] for s in sorted(values, reverse=True) if np.isfinite(values[s]))


def _compare(*args: str) -> CliRunner:
    result = CliRunner().invoke(cli, ["compare", *args])
    assert result.exit_code == 0, result.output
    return result


def _json(*args: str) -> dict:
    text = _compare(*args, "--format", "json").stdout

    def refuse(name: str) -> None:
        raise AssertionError(f"non-strict JSON constant {name}")

    return json.loads(text, parse_constant=refuse)


def _metric(payload: dict, name: str) -> dict:
    return next(m for m in payload["metrics"] if m["metric"] == name)


def _within(step: float) -> bool:
    """A divergence found after the demo's change, within 15 % of the run length."""
    return demo.DEMO_DIVERGENCE_STEP < step <= demo.DEMO_DIVERGENCE_STEP + 0.15 * demo.DEMO_STEPS


def test_seeds_are_grouped_and_compared_at_the_common_horizon(root: Path) -> None:
    payload = _json(str(root), "--metric", "^train_loss$")
    baseline, rope = (name for name, _, _ in demo.DEMO_CONFIGS)
    assert list(payload["groups"]) == [baseline, rope] and payload["reference"] == baseline
    assert all(len(runs) == len(demo.DEMO_SEEDS) for runs in payload["groups"].values())
    assert payload["grouping"].startswith("seeds grouped")
    loss = _metric(payload, "train_loss")
    assert _within(loss["divergence"]["step"]) and loss["divergence"]["sign"] == -1
    # the half-written run ends first; the NaN run diverged and is never scored
    horizon = demo.DEMO_PARTIAL_LAST_STEP
    assert loss["step"] == horizon and loss["direction"] == "lower"
    assert loss["direction_from"] == "name"
    nan_name = demo_folder(root, demo.DEMO_NAN_RUN).name
    values = {
        config: [
            _series(folder, "train_loss")[horizon]
            for s in demo.DEMO_SEEDS
            if (folder := demo_folder(root, f"{config}_seed{s}")).name != nan_name
        ]
        for config in (baseline, rope)
    }
    runs = {r["name"]: r for r in loss["runs"]}
    assert runs[nan_name]["value"] is None
    assert runs[nan_name]["diverged_step"] == demo.DEMO_NAN_STEP
    assert runs[nan_name]["last_step"] == demo.DEMO_NAN_STEP - 1
    groups = {g["name"]: g for g in loss["groups"]}
    assert (groups[baseline]["n"], groups[baseline]["diverged"]) == (3, 1)
    assert groups[baseline]["final_mean"] == pytest.approx(statistics.fmean(values[baseline]))
    assert groups[rope]["final_std"] == pytest.approx(statistics.stdev(values[rope]))
    welch = stats.ttest_ind(values[rope], values[baseline], equal_var=False)
    test = loss["group_test"]
    assert (test["a"], test["b"]) == (baseline, rope)
    assert test["welch_t"] == pytest.approx(welch.statistic)
    assert test["welch_p"] == pytest.approx(welch.pvalue)
    low, high = welch.confidence_interval(0.95)
    assert test["mean_diff_ci"] == pytest.approx([low, high])
    assert test["prob_improvement"] == 1.0 and test["p_holm"] == pytest.approx(test["welch_p"])
    assert "diverged" in " ".join(payload["headline"])


def test_no_group_compares_every_run_against_the_first(root: Path) -> None:
    payload = _json(str(root), "--metric", "^train_loss$", "--no-group")
    names = sorted(p.name for p in root.iterdir() if p.is_dir())
    assert list(payload["groups"]) == names
    loss = _metric(payload, "train_loss")
    assert [d["b"] for d in loss["divergences"]] == names[1:]
    assert {d["a"] for d in loss["divergences"]} == {names[0]}
    assert loss["divergence"] == loss["divergences"][0]
    by_b = {d["b"]: d["step"] for d in loss["divergences"]}
    for seed in demo.DEMO_SEEDS:  # rope seed s diverges from baseline seed 0 only after 800
        assert _within(by_b[demo_folder(root, f"rope_lr1e-3_seed{seed}").name])


def test_json_has_the_required_shape(root: Path) -> None:
    payload = _json(str(root), "--metric", "loss$")
    assert payload["metrics"]
    for m in payload["metrics"]:
        assert isinstance(m["metric"], str)
        for r in m["runs"]:
            assert set(r) >= {"name", "group", "final", "final_step", "best", "best_step"}
            assert isinstance(r["name"], str) and isinstance(r["group"], str | None)
            assert all(r[k] is None or isinstance(r[k], NUM) for k in ("final", "best"))
        assert m["direction"] in ("higher", "lower") and m["direction_from"] == "name"
        assert isinstance(m["step"], int)
        for r in m["runs"]:
            assert set(r) >= {"value", "last", "last_step", "diverged_step"}
        d = m["divergence"]
        assert set(d) >= {"a", "b", "step", "threshold", "consecutive"}
        assert isinstance(d["consecutive"], int)
        assert d["step"] is None or isinstance(d["step"], NUM)
        for g in m["groups"]:
            assert set(g) >= {"name", "runs", "final_mean", "final_std", "iqm", "iqm_ci", "n"}
            assert isinstance(g["n"], int) and isinstance(g["diverged"], int)
            assert all(isinstance(r, str) for r in g["runs"])
            assert len(g["iqm_ci"]) == 2 and all(isinstance(x, NUM) for x in g["iqm_ci"])
        t = m["group_test"]
        keys = ("welch_t", "welch_p", "mannwhitney_u", "mannwhitney_p", "hedges_g")
        assert all(isinstance(t[k], NUM) for k in (*keys, "prob_improvement"))
        assert isinstance(t["a"], str) and isinstance(t["b"], str)
        assert isinstance(t["p_holm"], float) and len(t["mean_diff_ci"]) == 2
        assert len(t["hedges_g_ci"]) == 2
    assert payload["headline"] and payload["notes"]


def test_health_sections_find_the_demo_quirks(root: Path) -> None:
    payload = _json(str(root))
    spike = demo_folder(root, demo.DEMO_SPIKE_RUN).name
    nan_run = demo_folder(root, demo.DEMO_NAN_RUN).name
    found = {(a["run"], a["metric"], a["step"], a["kind"]) for a in payload["anomalies"]}
    assert (spike, "train_loss", demo.DEMO_SPIKE_STEP, "spike") in found
    assert (nan_run, "train_loss", demo.DEMO_NAN_STEP, "nonfinite") in found
    nan_stretch = next(
        a for a in payload["anomalies"] if a["run"] == nan_run and a["metric"] == "train_loss"
    )
    assert nan_stretch["score"] == demo.DEMO_STEPS - demo.DEMO_NAN_STEP + 1
    pairs = {(o["run"], o["train_metric"], o["eval_metric"]) for o in payload["overfitting"]}
    assert (spike, "train_loss", "mode1_loss") in pairs
    converged = _metric(payload, "train_loss")["convergence"]
    assert len(converged) == 6 and all(c["slope"] is not None for c in converged)
    old_keys = {"run", "points", "final", "band", "converged_step", "slope", "plateau"}
    assert all(set(c) >= old_keys | {"converged", "verdict"} for c in converged)
    assert all(
        set(o) >= {"best_step", "best_value", "last_value", "regression", "gap_last",
                   "gap_change", "train_improvement", "verdict", "eval_slope_ci"}
        for o in payload["overfitting"]
    )  # fmt: skip
    assert all(set(a) >= {"run", "metric", "step", "value", "kind", "score", "reason"}
               for a in payload["anomalies"])  # fmt: skip
    assert not _metric(payload, "learning_rate")["convergence"]  # a schedule
    text = _compare(str(root)).stdout
    assert "== Anomalies ==" in text and "== Overfitting ==" in text and "== Convergence ==" in text
    spike_line = next(ln for ln in text.splitlines() if "spike" in ln and "train_loss " in ln)
    assert str(demo.DEMO_SPIKE_STEP) in spike_line


def test_two_runs_get_the_descriptive_paired_comparison(root: Path) -> None:
    a, b = demo_folder(root, "baseline_lr5e-4_seed0"), demo_folder(root, "rope_lr1e-3_seed0")
    payload = _json(str(a), str(b), "--metric", "^mode1_loss$")
    (pair,) = _metric(payload, "mode1_loss")["comparisons"]
    sa, sb = _series(a, "mode1_loss"), _series(b, "mode1_loss")
    diffs = np.array([sb[s] - sa[s] for s in sorted(set(sa) & set(sb))])
    paired = pair["paired"]
    assert paired["descriptive"] is True and paired["n"] == diffs.size
    assert paired["mean_diff"] == pytest.approx(diffs.mean())
    assert paired["wilcoxon_p"] == pytest.approx(stats.wilcoxon(diffs).pvalue)
    low, high = paired["mean_diff_ci"]
    assert low < diffs.mean() < high
    rows = pair["progression"]
    assert rows[0]["step"] == demo.DEMO_EVAL_EVERY and rows[-1]["step"] == demo.DEMO_STEPS
    assert all(r["a"] is not None and r["b"] is not None for r in rows)
    text = _compare(str(a), str(b), "--metric", "^mode1_loss$").stdout
    assert "DESCRIPTIVE ONLY" in text


def test_text_fits_and_markdown_tables_are_valid(root: Path) -> None:
    text = _compare(str(root)).stdout
    assert max(len(line) for line in text.splitlines()) <= 120
    assert text.index("== Headline ==") < text.index("== Notes and caveats ==")
    assert text.index("== Notes and caveats ==") < text.index("== Compared values: train ==")
    values = text.split("== Compared values: train ==")[1].split("==")[0]
    assert "baseline_lr5e-4  2/3 (1 div.)" in values and "  diff" in values
    assert "  ratio" in values and f"  step {demo.DEMO_PARTIAL_LAST_STEP}".split()[1] in values
    markdown = _compare(str(root), "--format", "markdown").stdout
    blocks = [b for b in markdown.split("\n\n") if b.startswith("|")]
    assert blocks
    for block in blocks:
        lines = block.splitlines()
        assert set(lines[1].replace("|", "").split()) <= {"-" * n for n in range(3, 99)} | {
            "-" * n + ":" for n in range(2, 99)
        }
        assert len({line.replace("\\|", "").count("|") for line in lines}) == 1


def test_report_per_group_with_index(root: Path, tmp_path: Path) -> None:
    out = tmp_path / "rep"
    args = ["report", str(root), "--output", str(out), "--group-by", "model.position_encoding"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    folder = out / "model.position_encoding=rope"
    assert "Loss curves (mean of 3 runs)" in (folder / "plots.txt").read_text()
    assert (folder / "summary.md").read_text().count("### ") == 3
    index = (out / "README.md").read_text()
    listed = [line.split("`")[1] for line in index.splitlines() if line.startswith("| `")]
    written = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    assert sorted(listed) == written
    assert "model.position_encoding=learned/loss_curves.png" in listed
    assert (out / "comparison" / "train_loss_comparison.png").stat().st_size > 1000
    assert {"compare.txt", "compare.md", "compare.json"} <= set(listed)
    written_json = json.loads((out / "compare.json").read_text())
    assert list(written_json["groups"]) == [
        "model.position_encoding=learned", "model.position_encoding=rope"
    ]  # fmt: skip
    assert (out / "compare.txt").read_text().startswith("curvelens compare\n\n== Headline ==")
    again = CliRunner().invoke(cli, args)
    assert again.exit_code == 2 and "--force" in again.stderr


def test_real_runs_compare(tmp_path: Path) -> None:
    runs = sorted(REAL.glob("*/experiments/cond0-[24]0_*"))
    payload = _json(*map(str, runs), "--metric", "^(train_loss|mode3_loss)$")
    assert list(payload["groups"]) == [r.name for r in runs]
    loss = _metric(payload, "train_loss")
    for run, result in zip(runs, loss["runs"], strict=True):
        assert result["final"] == _final(run, "train_loss")
    pair = _metric(payload, "mode3_loss")["comparisons"][0]
    a, b = (_series(r, "mode3_loss") for r in runs)
    common = sorted(set(a) & set(b))
    assert [r["step"] for r in pair["progression"]][-1] == common[-1]
    assert pair["paired"]["n"] == len(common)


def test_the_engine_api_gives_the_numbers_compare_prints(root: Path) -> None:
    """What a front end gets from build_comparison is what `compare` writes."""
    from curvelens.core.comparison import CompareOptions, build_comparison
    from curvelens.core.discovery import discover
    from curvelens.core.loading import load_runs
    from curvelens.core.reports.grouping import order_by_paths

    payload = _json(str(root), "--metric", "^mode1_loss$")
    runs = order_by_paths(load_runs(discover([root]).runs), [root])
    c = build_comparison(runs, CompareOptions(metrics="^mode1_loss$"))
    m = c.metric("mode1_loss")
    shown = _metric(payload, "mode1_loss")
    t = m.pairs[0].test
    assert shown["group_test"]["welch_p"] == t.welch_p
    assert shown["group_test"]["prob_improvement_ci"] == list(t.prob_improvement_ci)
    assert [g["iqm_ci"] for g in shown["groups"]] == [list(g.iqm_ci) for g in m.groups]
    assert shown["divergence"]["step"] == m.pairs[0].divergence.step


def test_real_runs_with_long_names_fit_the_text_width() -> None:
    text = _compare(str(REAL)).stdout
    assert text.startswith("curvelens compare\n\n== Headline ==")
    assert max(len(line) for line in text.splitlines()) <= 120
