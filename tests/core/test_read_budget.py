"""The per-file time budget in every reader that loops: with a budget spent at once (the
clock looked at every 100 items), each reader keeps what it read before its first look and
says where it stopped and what was not read. No timing is measured."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from curvelens.core.readers import textfile
from curvelens.core.readers.base import ReadResult
from curvelens.core.readers.dvclive import DvcLiveReader
from curvelens.core.readers.hf_trainer import HfTrainerReader
from curvelens.core.readers.jsonl import JsonlReader
from curvelens.core.readers.mlflow import MlflowReader
from curvelens.core.readers.sacred import SacredReader
from curvelens.core.readers.wandb import WandbReader
from tests.core.hostile_binary import wandb_run

LINES = 300


@pytest.fixture(autouse=True)
def tiny_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(textfile, "FILE_BUDGET_S", -1.0)
    monkeypatch.setattr(textfile, "CHECK_EVERY", 100)


def _steps(result: ReadResult, metric: str) -> list[float]:
    return result.points.filter(pl.col("metric") == metric).get_column("step").to_list()


def _stopped(result: ReadResult) -> list[str]:
    return [issue.message for issue in result.issues if "reading stopped after" in issue.message]


def test_mlflow_stops_in_a_metric_file_and_before_the_next(tmp_path: Path) -> None:
    run = tmp_path / "mlruns" / "1" / "0123456789abcdef"
    (run / "metrics").mkdir(parents=True)
    (run.parent / "meta.yaml").write_text("name: exp\n")
    (run / "meta.yaml").write_text("run_id: 0123456789abcdef\nstatus: 3\n")
    for key in ("a_loss", "b_acc"):
        lines = "".join(f"{1_700_000_000_000 + s} {s * 0.5} {s}\n" for s in range(LINES))
        (run / "metrics" / key).write_text(lines)
    result = MlflowReader().read(run)
    assert _steps(result, "a_loss") == [float(s) for s in range(99)]
    assert _steps(result, "b_acc") == []
    by_file = {issue.path.name: issue for issue in result.issues}
    assert by_file["a_loss"].line == 100 and "later lines not read" in by_file["a_loss"].message
    assert "later metric files (1 of 2) not read" in by_file["b_acc"].message


def test_jsonl_keeps_the_lines_before_the_stop(tmp_path: Path) -> None:
    log = tmp_path / "metrics.jsonl"
    log.write_text("".join(json.dumps({"step": s, "loss": s / 2}) + "\n" for s in range(LINES)))
    result = JsonlReader().read(tmp_path)
    assert _steps(result, "loss") == [float(s) for s in range(99)]
    (message,) = _stopped(result)
    assert "later lines not read" in message


def test_dvclive_keeps_the_rows_before_the_stop(tmp_path: Path) -> None:
    (tmp_path / "plots" / "metrics").mkdir(parents=True)
    (tmp_path / "metrics.json").write_text("{}")
    rows = "".join(f"{s}\t{s * 0.25}\n" for s in range(LINES))
    (tmp_path / "plots" / "metrics" / "loss.tsv").write_text("step\tloss\n" + rows)
    (tmp_path / "plots" / "metrics" / "acc.tsv").write_text("step\tacc\n" + rows)
    result = DvcLiveReader().read(tmp_path)
    assert _steps(result, "acc") == [float(s) for s in range(98)]  # the header is line 1
    assert _steps(result, "loss") == []
    assert any("later metric files (1) not read" in m for m in _stopped(result))


def test_hf_trainer_keeps_the_history_before_the_stop(tmp_path: Path) -> None:
    history = [{"step": s, "loss": s / 4} for s in range(1, LINES + 1)]
    (tmp_path / "trainer_state.json").write_text(json.dumps({"log_history": history}))
    result = HfTrainerReader().read(tmp_path)
    assert _steps(result, "loss") == [float(s) for s in range(1, 101)]
    (message,) = _stopped(result)
    assert message.startswith("log_history entry 100: ") and "later entries" in message


def test_sacred_keeps_the_values_before_the_stop(tmp_path: Path) -> None:
    (tmp_path / "run.json").write_text(json.dumps({"status": "COMPLETED"}))
    series = {"steps": list(range(LINES)), "values": [s / 8 for s in range(LINES)]}
    (tmp_path / "metrics.json").write_text(json.dumps({"loss": series, "acc": series}))
    result = SacredReader().read(tmp_path)
    assert _steps(result, "loss") == [float(s) for s in range(100)]
    assert _steps(result, "acc") == []
    messages = _stopped(result)
    assert any(m.startswith("metric 'loss', value 100: ") for m in messages)
    assert any(m.startswith("metric 'acc': ") for m in messages)


def test_wandb_keeps_the_records_before_the_stop(tmp_path: Path) -> None:
    run = tmp_path / "wandb" / "run-20250101_000000-abc"
    run.mkdir(parents=True)
    wandb_run(run, {"loss": {float(s): s / 2 for s in range(LINES)}})
    result = WandbReader().read(run)
    assert _steps(result, "loss") == [float(s) for s in range(98)]  # record 1 is the run record
    assert any("record 100: reading stopped after" in issue.message for issue in result.issues)
