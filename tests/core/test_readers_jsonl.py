"""The JSONL reader on the real CS336 logs and on generated files."""

from __future__ import annotations

import json
import math
from pathlib import Path

import polars as pl
import pytest

from curvelens.core.readers import get_reader

READER = get_reader("jsonl")


def _series(points: pl.DataFrame, metric: str) -> dict[float, float]:
    return dict(points.filter(pl.col("metric") == metric).select("step", "value").rows())


@pytest.fixture
def modal(real: Path) -> Path:
    return real / "jsonl" / "lenardst__cs_336_assignment1-basics" / "logs" / "modal"


def test_restarted_job_is_resumed_and_last_write_wins(modal: Path) -> None:
    log = modal / "lr_batch_token_matched" / "token-tango-b1-lr3e-2-327m.jsonl"
    records = [json.loads(line) for line in log.read_text().splitlines()]
    last = {r["step"]: r["val_loss"] for r in records}  # later lines overwrite earlier ones
    result = READER.read(log)
    assert result.resumed is True
    assert _series(result.points, "val_loss") == {float(k): v for k, v in last.items()}
    assert result.params["batch_size"] == 1
    assert result.params["run_name"] == "token-tango-b1-lr3e-2-327m"


def test_bare_nan_tokens_are_nan_points(modal: Path) -> None:
    log = modal / "q7" / "q7_layernorm_no_rmsnorm_lr0p0028_1777044469.jsonl"
    nan_lines = log.read_text().count('"train_loss": NaN')
    values = _series(READER.read(log).points, "train_loss").values()
    assert nan_lines > 0
    assert sum(math.isnan(v) for v in values) == nan_lines


def test_loose_jsonl_files_are_file_runs(modal: Path) -> None:
    names = frozenset(p.name for p in (modal / "q7").iterdir())
    assert not READER.detect(modal / "q7", names)
    assert len(READER.file_runs(modal / "q7", names)) == 2


def test_strings_nested_objects_and_partial_last_line(tmp_path: Path) -> None:
    log = tmp_path / "metrics.jsonl"
    log.write_text(
        '{"num_updates": "1", "loss": "16.5", "eval": {"acc": 0.1}, "ok": true, "note": "a"}\n'
        "this is not json\n"
        '{"num_updates": 2, "loss": Infinity, "eval": {"acc": null}, "ok": true, "note": "b"}\n'
        '{"num_updates": 3, "loss": 1'
    )
    result = READER.read(tmp_path)
    assert _series(result.points, "loss") == {1.0: 16.5, 2.0: math.inf}
    assert _series(result.points, "eval/acc") == {1.0: 0.1}
    assert result.params == {"ok": "true"}  # "note" differs between rows: ignored
    (issue,) = result.issues
    assert issue.line == 2 and issue.path == log


def test_describe_uses_first_line_keys(tmp_path: Path) -> None:
    log = tmp_path / "run.jsonl"
    log.write_text('{"step": 1, "loss": 2, "wall_time": 1700000000}\n')
    assert READER.describe(log).metrics == ("loss",)


def test_relative_wall_time_key_is_a_metric(tmp_path: Path) -> None:
    log = tmp_path / "run.jsonl"
    log.write_text(
        '{"step": 1, "loss": 2, "wall_time": 0.5}\n{"step": 2, "loss": 1, "wall_time": 9}\n'
    )
    points = READER.read(log).points
    assert _series(points, "wall_time") == {1.0: 0.5, 2.0: 9.0}
    assert _series(points, "loss") == {1.0: 2.0, 2.0: 1.0}
    assert points.get_column("wall_time").null_count() == points.height
