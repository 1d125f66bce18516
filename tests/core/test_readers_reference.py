"""The reference layout reader on the real Yinhan-Lu experiment folders, read in place."""

from __future__ import annotations

import csv
import math
from datetime import datetime
from pathlib import Path

import polars as pl
import pytest

from curvelens.core.readers import get_reader
from curvelens.core.readers.reference import name_timestamp

READER = get_reader("reference")


@pytest.fixture
def experiments(real: Path) -> Path:
    return real / "custom_experiments" / "Yinhan-Lu__Arbitrary-Probability-Model" / "experiments"


def _run(experiments: Path, prefix: str) -> Path:
    (match,) = [p for p in experiments.iterdir() if p.name.startswith(prefix)]
    return match


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def _series(points: pl.DataFrame, metric: str) -> dict[float, float]:
    rows = points.filter(pl.col("metric") == metric).select("step", "value").rows()
    return dict(rows)


def test_every_fixture_folder_is_detected(experiments: Path) -> None:
    for folder in experiments.iterdir():
        names = frozenset(p.name for p in folder.iterdir())
        assert READER.detect(folder, names), folder.name


def test_lightning_version_folder_is_not_reference(real: Path) -> None:
    folder = (
        real / "lightning_csv" / "NebusokuDev__mnist_lightning" / "lightning_logs" / "version_0"
    )
    assert not READER.detect(folder, frozenset(p.name for p in folder.iterdir()))


def test_sparse_eval_rows_become_their_own_points(experiments: Path) -> None:
    folder = _run(experiments, "cond0-20_max_block")
    result = READER.read(folder)
    rows = _rows(folder / "logs" / "metrics.csv")
    eval_steps = {float(r["step"]) for r in rows if r["mode2_loss"]}
    train_steps = {float(r["step"]) for r in rows if r["train_loss"]}
    mode2 = _series(result.points, "mode2_loss")
    assert mode2[200.0] == 5.945800149792854
    assert set(mode2) == eval_steps
    assert set(_series(result.points, "train_loss")) == train_steps
    assert not any(math.isnan(v) for v in mode2.values())
    assert result.resumed is False
    assert result.issues == ()


def test_points_are_sorted_and_unique(experiments: Path) -> None:
    points = READER.read(_run(experiments, "cond0-20_max_block")).points
    assert points.equals(points.sort("metric", "step"))
    assert points.select(pl.struct("metric", "step").is_unique().all()).item()


def test_constant_string_and_integer_columns_are_params(experiments: Path) -> None:
    result = READER.read(_run(experiments, "TEST_RESUME"))
    assert result.params == {
        "sigmagpt_mode": "fair",
        "ordering_mode": "temporal",
        "num_thinking_tokens": 102,
        "thinking_token_mode": "expectation",
    }
    metrics = set(result.points.get_column("metric"))
    assert {"learning_rate", "epoch", "train_loss"} <= metrics
    assert "num_thinking_tokens" not in metrics


def test_config_json_is_flattened_and_inf_nan_kept(experiments: Path) -> None:
    folder = _run(experiments, "distilgpt2_wikipedia_full")
    result = READER.read(folder)
    assert result.params["learning_rate"] == 0.0005
    assert result.params["fp16"] is True
    assert result.params["resume_from_checkpoint"] is None
    raw = {float(r["step"]): r["grad_norm"] for r in _rows(folder / "logs" / "metrics.csv")}
    grad = _series(result.points, "grad_norm")
    inf_steps = [s for s, v in raw.items() if v == "inf"]
    nan_steps = [s for s, v in raw.items() if v == "nan"]
    assert inf_steps and nan_steps
    assert all(math.isinf(grad[s]) for s in inf_steps)
    assert all(math.isnan(grad[s]) for s in nan_steps)


def test_invalid_config_is_an_issue_and_run_still_loads(experiments: Path) -> None:
    folder = _run(experiments, "cond0-40")
    result = READER.read(folder)
    assert result.points.height > 0
    (issue,) = result.issues
    assert issue.path == folder / "working_config.json"
    assert "invalid JSON" in issue.message


def test_header_only_log_loads_with_zero_points(experiments: Path) -> None:
    result = READER.read(_run(experiments, "test_baseline_rope"))
    assert result.points.height == 0
    assert [i.message for i in result.issues] == ["header only, no data rows yet"]


def test_older_training_log_name(experiments: Path) -> None:
    result = READER.read(experiments / "test_eval_mid_training")
    assert _series(result.points, "loss") == {5.0: 10.827896902383852}
    assert result.params["exp_name"] == "test_eval_mid_training"


def test_started_is_the_first_timestamp_of_a_resume_chain(experiments: Path) -> None:
    folder = _run(
        experiments,
        "cond0-60_max_block_rope_gpt2_conditional_20251227_070135_20251227_070158_20251227_204239_20251228_115938_",
    )
    assert READER.read(folder).started == datetime(2025, 12, 27, 7, 1, 35).astimezone()
    assert name_timestamp("no_stamp_here") is None


def test_describe_reads_headers_only(experiments: Path) -> None:
    description = READER.describe(_run(experiments, "TEST_RESUME"))
    assert "mode2_loss" in description.metrics and "step" not in description.metrics


def test_root_metrics_csv_with_config(tmp_path: Path) -> None:
    run = tmp_path / "plain"
    run.mkdir()
    (run / "config.json").write_text('{"model": {"layers": 2, "act": "gelu"}, "tags": [1, 2]}')
    (run / "metrics.csv").write_text("step,loss\n1,0.5\n2,0.25\n")
    assert READER.detect(run, frozenset({"config.json", "metrics.csv"}))
    result = READER.read(run)
    assert result.params == {"model.layers": 2, "model.act": "gelu", "tags": "[1, 2]"}
    assert _series(result.points, "loss") == {1.0: 0.5, 2.0: 0.25}
