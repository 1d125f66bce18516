"""The Hugging Face Trainer reader: log_history entries, checkpoints, params, status."""

from __future__ import annotations

import json
import math
from pathlib import Path

import polars as pl
import pytest

from curvelens.core.readers.base import ReadError
from curvelens.core.readers.hf_trainer import HfTrainerReader

REAL = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "real" / "hf_trainer"
READER = HfTrainerReader()


def _state(folder: Path, history: list[dict[str, object]], **top: object) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "trainer_state.json"
    path.write_text(json.dumps({"global_step": 0, "max_steps": 100, **top, "log_history": history}))
    return path


def _series(points: pl.DataFrame, metric: str) -> list[tuple[float, float]]:
    return points.filter(pl.col("metric") == metric).select("step", "value").rows()


def test_numeric_keys_become_metrics_strings_ignored_nan_kept(tmp_path: Path) -> None:
    path = tmp_path / "trainer_state.json"
    path.write_text(
        '{"global_step": 20, "max_steps": 100, "train_batch_size": 8, "log_history": ['
        '{"step": 10, "epoch": 0.5, "loss": 2.0, "remaining_time": "1h:00m"},'
        '{"step": 20, "epoch": 1.0, "loss": NaN, "eval_loss": Infinity, "flag": true}]}'
    )
    out = READER.read(tmp_path)
    assert sorted(set(out.points.get_column("metric"))) == ["epoch", "eval_loss", "loss"]
    assert _series(out.points, "epoch") == [(10.0, 0.5), (20.0, 1.0)]
    loss = _series(out.points, "loss")
    assert loss[0] == (10.0, 2.0) and math.isnan(loss[1][1])
    assert _series(out.points, "eval_loss") == [(20.0, math.inf)]
    assert out.points.get_column("wall_time").null_count() == out.points.height
    assert out.params == {"max_steps": 100, "train_batch_size": 8}
    assert out.status == "unknown"


def test_numerically_largest_checkpoint_is_read(tmp_path: Path) -> None:
    _state(tmp_path / "checkpoint-500", [{"step": 500, "loss": 1.0}], global_step=500)
    _state(tmp_path / "checkpoint-1000", [{"step": 1000, "loss": 0.5}], global_step=1000)
    names = frozenset({"checkpoint-500", "checkpoint-1000", "runs"})
    assert READER.detect(tmp_path, names)
    assert not READER.detect(tmp_path, frozenset({"runs", "checkpoint-x"}))
    out = READER.read(tmp_path)
    assert _series(out.points, "loss") == [(1000.0, 0.5)]
    assert out.files[0] == tmp_path / "checkpoint-1000" / "trainer_state.json"


def test_status_finished_by_max_steps_or_train_runtime(tmp_path: Path) -> None:
    _state(tmp_path / "a", [{"step": 100, "loss": 1.0}], global_step=100)
    _state(tmp_path / "b", [{"step": 5, "train_runtime": 3.5}], global_step=5)
    _state(tmp_path / "c", [{"step": 5, "loss": 1.0}], global_step=5)
    assert [READER.read(tmp_path / n).status for n in "abc"] == ["finished", "finished", "unknown"]


def test_model_config_params_and_resume(tmp_path: Path) -> None:
    _state(tmp_path, [{"step": 10, "loss": 1.0}, {"step": 5, "loss": 2.0}])
    (tmp_path / "config.json").write_text('{"hidden_size": 64, "attn": {"heads": 4}}')
    out = READER.read(tmp_path)
    assert out.params["model.hidden_size"] == 64 and out.params["model.attn.heads"] == 4
    assert out.resumed


def test_truncated_state_is_a_read_error(tmp_path: Path) -> None:
    (tmp_path / "trainer_state.json").write_text('{"log_history": [{"step": 1, "lo')
    with pytest.raises(ReadError, match="invalid JSON"):
        READER.read(tmp_path)


def test_real_whisper_run_prefers_output_dir_state_and_is_finished() -> None:
    run = REAL / "P4P4N1CK__whisper-large-v2-japanese-5k-steps"
    out = READER.read(run)
    assert out.files[0] == run / "trainer_state.json"
    assert out.status == "finished"
    assert _series(out.points, "train_runtime") == [(5000.0, 77350.9963)]
    history = json.loads((run / "trainer_state.json").read_text())["log_history"]
    evals = [(float(e["step"]), e["eval_wer"]) for e in history if "eval_wer" in e]
    assert _series(out.points, "eval_wer") == evals


def test_real_custom_trainer_with_strings_and_slash_keys() -> None:
    out = READER.read(REAL / "HangerYang__Star")
    metrics = set(out.points.get_column("metric"))
    assert {"lr", "train/acc_0", "train/ploss_6", "epoch"} <= metrics
    assert "remaining_time" not in metrics
    assert out.points.filter(pl.col("metric") == "loss").height == 2000
    assert out.status == "unknown" and out.params["max_steps"] == 252780


def test_real_multi_eval_sets_finish_at_max_steps() -> None:
    out = READER.read(REAL / "aigoncharov__trainer_state_viz")
    assert out.status == "finished"
    metrics = set(out.points.get_column("metric"))
    assert {f"eval_g{i}_accuracy" for i in range(6)} <= metrics
    assert _series(out.points, "eval_g0_accuracy")[0] == (0.0, 0.7082294264339152)
