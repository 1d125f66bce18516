"""HF Trainer output dirs: state, ``runs/`` event files and ``*_results.json`` in one run."""

from __future__ import annotations

import builtins
import json
import os
import shutil
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from curvelens.core.discovery import discover
from curvelens.core.loading import load_runs

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "hf_trainer"
EXPECTED = json.loads((FIXTURES / "expected.json").read_text())


def _series(points: pl.DataFrame, metric: str) -> dict[float, float]:
    return dict(points.filter(pl.col("metric") == metric).select("step", "value").rows())


def _load(root: Path) -> Any:
    (run,) = load_runs(discover([root]).runs)
    return run


def test_one_run_with_state_events_and_results() -> None:
    run = _load(FIXTURES)
    assert run.ref.format == "hf_trainer" and run.error is None and not run.issues
    final = float(EXPECTED["global_step"])
    results = EXPECTED["results"]
    history: dict[str, dict[float, float]] = {}
    for entry in EXPECTED["log_history"]:  # as transformers' TrainerState read it
        for key, value in entry.items():
            if key != "step" and isinstance(value, int | float):
                history.setdefault(key, {})[float(entry["step"])] = float(value)
    for key, values in history.items():
        want = {**values, **({final: results[key]} if key in results else {})}
        assert _series(run.points, key) == pytest.approx(want), key
    for tag, events in EXPECTED["events"].items():  # as tensorboard's accumulator read them
        want = {float(step): value for step, value in events}
        assert _series(run.points, tag) == want, tag
    for key, value in results.items():
        assert _series(run.points, key)[final] == value
    assert run.status == "finished"


def test_training_args_bin_is_never_opened(monkeypatch: pytest.MonkeyPatch) -> None:
    real_open, real_os_open = builtins.open, os.open

    def guard(path: Any, *args: Any, **kwargs: Any) -> Any:
        assert not str(path).endswith("training_args.bin"), "opened the pickle"
        return real_os_open(path, *args, **kwargs)

    def guard_open(path: Any, *args: Any, **kwargs: Any) -> Any:
        assert not str(path).endswith("training_args.bin"), "opened the pickle"
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", guard)
    monkeypatch.setattr(builtins, "open", guard_open)
    assert _load(FIXTURES).error is None


def test_bad_results_and_event_files_are_issues(tmp_path: Path) -> None:
    out = tmp_path / "tiny_bert"
    shutil.copytree(FIXTURES / "tiny_bert", out)
    (out / "all_results.json").write_text('{"train_loss": 0.69, "epo')  # cut mid-write
    (out / "runs" / "Dec01_bad" / "events.out.tfevents.1.host").parent.mkdir()
    (out / "runs" / "Dec01_bad" / "events.out.tfevents.1.host").write_bytes(b"\x07" * 300)
    run = _load(tmp_path)
    assert run.error is None
    messages = {issue.path.name: issue.message for issue in run.issues}
    assert "invalid JSON" in messages["all_results.json"]
    assert any("not a TensorBoard event file" in m for m in messages.values())
    assert _series(run.points, "train/loss") and _series(run.points, "loss")
