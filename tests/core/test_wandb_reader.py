"""The W&B reader: .wandb framing across blocks, history items, summary fallback, config."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import polars as pl
import pytest

from curvelens.core.readers.base import ReadError
from curvelens.core.readers.wandb import WandbReader
from curvelens.core.readers.wandb_log import decode_log
from tests.core.wandb_writer import exit_record, frame, history, run

REAL = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "real" / "wandb"
VST = REAL / "aorvieto__VerySimpleTransformer" / "wandb"
READER = WandbReader()


def _folder(root: Path, data: bytes | None, summary: object = None) -> Path:
    folder = root / "wandb" / "run-20240101_120000-abc123"
    (folder / "files").mkdir(parents=True)
    if data is not None:
        (folder / "run-abc123.wandb").write_bytes(data)
    if summary is not None:
        (folder / "files" / "wandb-summary.json").write_text(json.dumps(summary))
    return folder


def _series(points: pl.DataFrame, metric: str) -> list[tuple[float, float]]:
    return points.filter(pl.col("metric") == metric).select("step", "value").rows()


def test_history_across_blocks_with_nested_and_skipped_values(tmp_path: Path) -> None:
    pad = "x" * 40_000  # a string item makes each record span a block boundary
    rows = [
        history(
            {
                "_step": s,
                "_timestamp": 1.7e9 + s,
                "loss": 1.0 / (s + 1),
                "note": pad,
                "img": {"_type": "image-file", "size": 3},
                "flag": True,
            },
            nested={"eval.acc": s / 10},
        )
        for s in range(3)
    ]
    folder = _folder(tmp_path, frame([run(1_700_000_000, "sunny-1"), *rows, exit_record(0)]))
    out = READER.read(folder)
    assert sorted(set(out.points.get_column("metric"))) == ["eval.acc", "loss"]
    assert _series(out.points, "loss") == [(0.0, 1.0), (1.0, 0.5), (2.0, 1 / 3)]
    assert _series(out.points, "eval.acc") == [(0.0, 0.0), (1.0, 0.1), (2.0, 0.2)]
    assert out.points.get_column("wall_time").unique().sort().to_list() == [
        1.7e9,
        1.7e9 + 1,
        1.7e9 + 2,
    ]
    assert out.status == "finished" and out.params["wandb.name"] == "sunny-1"
    assert out.started is not None and out.started.timestamp() == 1_700_000_000
    assert out.issues == ()


def test_live_file_cut_mid_record_keeps_complete_records(tmp_path: Path) -> None:
    data = frame([history({"_step": s, "loss": float(s)}) for s in range(5)])
    folder = _folder(tmp_path, data[:-3], summary={"_step": 4, "loss": 4.0})
    out = READER.read(folder)
    assert _series(out.points, "loss") == [(float(s), float(s)) for s in range(4)]
    assert out.status == "unknown"
    assert "ends at step 3" in out.issues[0].message


def test_nan_json_values_and_failed_exit(tmp_path: Path) -> None:
    data = frame([history({"_step": 0, "loss": float("nan")}), exit_record(1)])
    out = READER.read(_folder(tmp_path, data))
    assert math.isnan(_series(out.points, "loss")[0][1])
    assert out.status == "failed"


def test_summary_fallback_and_unreadable_run(tmp_path: Path) -> None:
    folder = _folder(tmp_path / "a", frame([run(5)]), summary={"_step": 7, "acc": 0.9, "_x": 1})
    out = READER.read(folder)
    assert _series(out.points, "acc") == [(7.0, 0.9)]
    assert "last values only" in out.issues[0].message
    with pytest.raises(ReadError):
        READER.read(_folder(tmp_path / "b", b"garbage"))


def test_config_values_and_detection(tmp_path: Path) -> None:
    folder = _folder(tmp_path, frame([history({"_step": 0, "loss": 1.0})]))
    (folder / "files" / "config.yaml").write_text(
        "wandb_version: 1\n_wandb:\n  value: {cli_version: 0.14}\n"
        "lr:\n  desc: null\n  value: 0.001\nmodel:\n  value: {depth: 4}\n"
    )
    assert READER.read(folder).params == {"lr": 0.001, "model.depth": 4}
    assert READER.detect(folder, frozenset(os.listdir(folder)))
    wandb = tmp_path / "wandb"
    latest = wandb / "latest-run"
    assert READER.aliases(wandb, frozenset({folder.name})) == frozenset()
    latest.mkdir()
    assert READER.aliases(wandb, frozenset({folder.name, latest.name})) == {"latest-run"}
    (latest / "run-zzz999.wandb").write_bytes(b"")  # a copy of a run kept nowhere else
    assert READER.aliases(wandb, frozenset({folder.name, latest.name})) == frozenset()
    assert READER.detect(latest, frozenset({"files", "run-zzz999.wandb"}))


def test_real_live_run_history_and_summary_lag() -> None:
    folder = VST / "run-20230329_015319-r8mtbfdx"
    out = READER.read(folder)
    loss = _series(out.points, "train_loss_local")
    assert [s for s, _ in loss] == [float(s) for s in range(3957)]
    assert out.status == "unknown"
    assert any("62509" in issue.message for issue in out.issues)


def test_real_finished_run_matches_its_summary_file() -> None:
    folder = VST / "run-20230329_014920-xpeipnem"
    summary = json.loads((folder / "files" / "wandb-summary.json").read_text())
    log = decode_log((folder / "run-xpeipnem.wandb").read_bytes())
    assert log.exit_code == 1
    last = log.history[-1]
    assert {k: last[k] for k in ("lr", "train_loss_local", "_step", "_timestamp")} == {
        k: summary[k] for k in ("lr", "train_loss_local", "_step", "_timestamp")
    }
    out = READER.read(folder)
    assert out.status == "failed"
    assert out.params["optimizer.method"] == "adam_torch"


def test_real_offline_run_without_history() -> None:
    folder = next((REAL / "wandb__wandb").rglob("offline-run-*"))
    out = READER.read(folder)
    metrics = set(out.points.get_column("metric"))
    assert metrics and all(m.startswith("system/") for m in metrics)  # its stats records
    assert out.status == "finished"
    assert "last values only" in out.issues[0].message
