"""The headless CLI on the demo root and a real fixture, checked against the CSVs directly."""

from __future__ import annotations

import csv
import json
import math
import statistics
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import curvelens.cli as launcher
from curvelens.cli import cli
from curvelens.core import demo
from tests.core.demo_helpers import demo_folder

ROOT = Path(__file__).resolve().parents[2]
REAL = ROOT.parent / "shared" / "fixtures" / "real" / "custom_experiments"
STATS = {"count", "first_step", "last_step", "first", "last", "min", "min_step", "max",
         "max_step", "mean", "std", "nan_count"}  # fmt: skip


@pytest.fixture(scope="module")
def root(demo_root: Path) -> Path:
    return demo_root


def _series(csv_path: Path, column: str) -> dict[float, float]:
    """step -> value of one column, complete lines only, the last write of a step winning."""
    text = csv_path.read_text()
    text = text if text.endswith("\n") else text[: text.rindex("\n") + 1]
    out = {}
    for row in csv.DictReader(text.splitlines()):
        if row.get(column):
            out[float(row["step"])] = float(row[column])
    return out


def _summary_json(*args: str) -> dict:
    result = CliRunner().invoke(cli, ["summary", *args, "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_summary_numbers_match_the_csv(root: Path) -> None:
    runs = {r["name"]: r for r in _summary_json(str(root))["runs"]}
    for name in (demo.DEMO_RESUMED_RUN, "rope_lr1e-3_seed0"):
        folder = demo_folder(root, name)
        got = runs[folder.name]["metrics"]["train_loss"]
        want = _series(folder / "logs" / "metrics.csv", "train_loss")
        values = list(want.values())
        assert got["count"] == len(want) == demo.DEMO_STEPS
        assert (got["first_step"], got["last_step"]) == (1, demo.DEMO_STEPS)
        assert got["last"] == values[-1] and got["min"] == min(values)
        assert got["min_step"] == min(want, key=want.__getitem__)
        assert got["mean"] == pytest.approx(statistics.fmean(values), rel=1e-12)
        assert got["std"] == pytest.approx(statistics.stdev(values), rel=1e-9)
    resumed = demo_folder(root, demo.DEMO_RESUMED_RUN).name
    assert [n for n, r in runs.items() if r["resumed"]] == [resumed]


def test_summary_json_schema_and_nan_as_null(root: Path) -> None:
    payload = _summary_json(str(root), "--metrics", "^train_loss$|grad_norm")
    assert set(payload) == {"runs"} and len(payload["runs"]) == 6
    for run in payload["runs"]:
        assert set(run) == {
            "name",
            "path",
            "format",
            "params",
            "resumed",
            "status",
            "warnings",
            "metrics",
        }
        assert set(run["metrics"]) == {"train_loss", "grad_norm"}
        assert all(set(m) == STATS for m in run["metrics"].values())
        assert run["params"]["model.position_encoding"] in {"learned", "rope"}
    nan_run = next(r for r in payload["runs"] if r["name"].startswith(demo.DEMO_NAN_RUN))
    loss = nan_run["metrics"]["train_loss"]
    assert loss["last"] is None and loss["first"] is not None
    assert loss["nan_count"] == demo.DEMO_STEPS - demo.DEMO_NAN_STEP + 1
    assert nan_run["metrics"]["grad_norm"]["last"] is None
    assert nan_run["status"] == "diverged"  # its loss became NaN
    assert {r["status"] for r in payload["runs"] if r is not nan_run} <= {"running", "stopped"}


def test_half_written_run_loads(root: Path) -> None:
    runs = _summary_json(str(demo_folder(root, demo.DEMO_PARTIAL_RUN)))["runs"]
    assert runs[0]["metrics"]["train_loss"]["last_step"] == demo.DEMO_PARTIAL_LAST_STEP


def test_exit_codes(root: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(cli, ["summary", str(root)]).exit_code == 0
    empty = runner.invoke(cli, ["summary", str(tmp_path)])
    assert empty.exit_code == 1 and "no runs found" in empty.stderr
    assert runner.invoke(cli, ["summary", str(tmp_path / "missing")]).exit_code == 2
    assert runner.invoke(cli, ["summary", str(root), "--metrics", "("]).exit_code == 2
    assert runner.invoke(cli, ["summary", str(root), "--format", "xml"]).exit_code == 2
    both = ["compare", str(root), "--group-by", "seed", "--no-group"]
    assert runner.invoke(cli, both).exit_code == 2
    assert runner.invoke(cli, ["compare", str(root), "--at", "latest"]).exit_code == 2
    assert runner.invoke(cli, ["compare", str(root), "--consecutive", "0"]).exit_code == 2
    assert runner.invoke(cli, ["compare", str(root), "--higher", "("]).exit_code == 2


def test_compare_finds_the_injected_divergence(root: Path) -> None:
    a = demo_folder(root, "baseline_lr5e-4_seed0")
    b = demo_folder(root, "rope_lr1e-3_seed0")
    args = ["compare", str(a), str(b), "--metric", "^(train_loss|mode1_loss)$", "--format", "json"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    metrics = {m["metric"]: m for m in json.loads(result.stdout)["metrics"]}
    loss = metrics["train_loss"]
    assert set(loss) >= {"metric", "runs", "divergence", "groups", "group_test"}
    assert set(loss["divergence"]) >= {"a", "b", "step", "threshold", "consecutive"}
    assert loss["divergence"]["step"] == demo.DEMO_DIVERGENCE_STEP + 1
    first_eval_after = demo.DEMO_DIVERGENCE_STEP + demo.DEMO_EVAL_EVERY
    assert metrics["mode1_loss"]["divergence"]["step"] == first_eval_after
    final = _series(a / "logs" / "metrics.csv", "train_loss")[demo.DEMO_STEPS]
    first = loss["runs"][0]
    assert (first["name"], first["group"], first["final"]) == (a.name, a.name, final)
    assert first["final_step"] == demo.DEMO_STEPS


def test_compare_groups_by_param(root: Path) -> None:
    args = ["compare", str(root), "--group-by", "model.position_encoding", "--format", "json"]
    result = CliRunner().invoke(cli, [*args, "--metric", "^train_loss$"])
    (loss,) = json.loads(result.stdout)["metrics"]
    step = loss["divergence"]["step"]  # found within 15 % of the run after the change
    assert demo.DEMO_DIVERGENCE_STEP < step <= demo.DEMO_DIVERGENCE_STEP + 0.15 * demo.DEMO_STEPS
    assert loss["divergence"]["sign"] == -1
    groups = {g["name"]: g for g in loss["groups"]}
    assert len(groups["model.position_encoding=rope"]["runs"]) == 3
    nan_run = next(r for r in loss["runs"] if r["name"].startswith(demo.DEMO_NAN_RUN))
    assert nan_run["final_step"] == demo.DEMO_NAN_STEP - 1
    test = loss["group_test"]
    assert set(test) >= {"a", "b", "welch_t", "welch_p", "mannwhitney_u", "mannwhitney_p",
                         "hedges_g", "prob_improvement"}  # fmt: skip
    assert test["prob_improvement"] == 1.0 and test["welch_t"] < 0


def test_report_writes_and_refuses_to_overwrite(root: Path, tmp_path: Path) -> None:
    out = tmp_path / "report"
    run = demo_folder(root, "rope_lr1e-3_seed0")
    args = ["report", str(run), "--output", str(out), "--no-png"]
    assert CliRunner().invoke(cli, args).exit_code == 0
    plots = (out / run.name / "plots.txt").read_text()
    assert "Loss curves" in plots and "\x1b[" not in plots
    assert "train_loss" in (out / run.name / "summary.md").read_text()
    before = (out / "summary.txt").stat().st_mtime_ns
    again = CliRunner().invoke(cli, args)
    assert again.exit_code == 2 and "--force" in again.stderr
    assert (out / "summary.txt").stat().st_mtime_ns == before
    assert CliRunner().invoke(cli, [*args, "--force"]).exit_code == 0
    inside = CliRunner().invoke(cli, ["report", str(run), "--output", str(run / "rep")])
    assert inside.exit_code == 2 and not (run / "rep").exists()


def test_report_from_the_core_command_draws_text_plots(root: Path, tmp_path: Path) -> None:
    from curvelens.core.cli import report

    run = demo_folder(root, "baseline_lr5e-4_seed0")
    args = [str(run), "--output", str(tmp_path / "r"), "--no-png"]
    assert CliRunner().invoke(report, args).exit_code == 0
    plots = (tmp_path / "r" / run.name / "plots.txt").read_text()
    assert "Loss curves" in plots and "\x1b[" not in plots


def test_paths_named_like_subcommands_open_the_app(tmp_path: Path, monkeypatch) -> None:
    opened: list[list[str]] = []
    monkeypatch.setattr(launcher, "open_app", lambda paths, *_: opened.append(paths))
    (tmp_path / "summary").mkdir()
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    assert runner.invoke(cli, ["./summary"]).exit_code == 0
    assert runner.invoke(cli, ["open", "summary"]).exit_code == 0
    assert runner.invoke(cli, []).exit_code == 0
    assert opened == [["./summary"], ["summary"], ["."]]


def test_demo_command(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["demo", "--root", str(tmp_path / "d"), "--no-open"])
    assert result.exit_code == 0 and result.stdout.strip() == str(tmp_path / "d")
    assert len(list((tmp_path / "d").glob("*_seed*"))) == 6
    assert (
        CliRunner().invoke(cli, ["demo", "--root", str(tmp_path / "d"), "--no-open"]).exit_code == 0
    )
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "keep.txt").write_text("x")
    refused = CliRunner().invoke(cli, ["demo", "--root", str(tmp_path / "mine"), "--no-open"])
    assert refused.exit_code == 2 and (tmp_path / "mine" / "keep.txt").exists()


def test_installed_command_on_real_fixture() -> None:
    exe = Path(sys.executable).with_name("curvelens")
    cmd = [str(exe), "summary", str(REAL), "--metrics", "^train_loss$", "--format", "json"]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert "test_baseline_rope_20251230_002351/logs/metrics.csv" in done.stderr
    runs = {r["name"]: r for r in json.loads(done.stdout)["runs"]}
    name = "cond0-20_max_block_rope_distilgpt2_conditional_20251229_212429_20251230_052106"
    want = _series(REAL.glob(f"*/experiments/{name}/logs/metrics.csv").__next__(), "train_loss")
    got = runs[name]["metrics"]["train_loss"]
    assert got["last_step"] == max(want) and got["last"] == want[max(want)]
    assert got["count"] == len(want) and math.isclose(got["mean"], statistics.fmean(want.values()))
    module = subprocess.run([sys.executable, "-m", "curvelens", "--help"], capture_output=True)
    assert module.returncode == 0 and b"summary" in module.stdout


def test_names_and_warnings_cannot_drive_the_terminal(tmp_path: Path) -> None:
    run = tmp_path / "evil\x1b]0;pwned\x07\nname\u202e_20250101_000000"
    (run / "logs").mkdir(parents=True)
    (run / "logs" / "metrics.csv").write_text("step,lo\x1b[2Jss\n1,0.5\n2,n/a\n")
    for fmt in ("text", "markdown"):
        # color=True: click keeps escapes as on a real terminal instead of stripping them
        result = CliRunner().invoke(cli, ["summary", str(tmp_path), "--format", fmt], color=True)
        assert result.exit_code == 0, result.output
        for text in (result.stdout, result.stderr):
            assert not [ch for ch in text if not ch.isprintable() and ch != "\n"]
        assert "evil?]0;pwned??name?_20250101_000000" in result.stdout
        assert "lo?[2Jss" in result.stdout
        (warning,) = result.stderr.splitlines()
        assert warning.startswith("warning: ") and "non-numeric values ignored" in warning
    clean = tmp_path / "clean_20250101_000000"
    (clean / "logs").mkdir(parents=True)
    (clean / "logs" / "metrics.csv").write_text("step,lo\x1b[2Jss\n1,0.5\n2,0.25\n")
    result = CliRunner().invoke(cli, ["compare", str(run), str(clean)], color=True)
    assert result.exit_code == 0, result.output
    assert not [
        ch for ch in result.stdout + result.stderr if ch not in "\n" and not ch.isprintable()
    ]
