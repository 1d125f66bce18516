"""The demo root: layout, CSV shape and the quirks its constants promise."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import pytest

from curvelens.core import demo
from tests.core.demo_helpers import demo_folder


def _rows(folder: Path) -> list[dict[str, str]]:
    """Complete CSV rows of a run (the cut last line of the partial run dropped)."""
    text = (folder / "logs" / "metrics.csv").read_text()
    if not text.endswith("\n"):
        text = text[: text.rindex("\n") + 1]
    return list(csv.DictReader(text.splitlines()))


@pytest.fixture(scope="module")
def root(demo_root: Path) -> Path:
    return demo_root


def test_layout_and_configs(root: Path) -> None:
    folders = sorted(p.name for p in root.iterdir())
    assert len(folders) == 6
    for name in demo.demo_run_names():
        folder = demo_folder(root, name)
        assert (folder / "checkpoints").is_dir()
        config = json.loads((folder / "config.json").read_text())
        assert config["seed"] == int(name[-1])
        assert config["model"]["position_encoding"] in {"learned", "rope"}
        header = (folder / "logs" / "metrics.csv").read_text().splitlines()[0]
        assert header.split(",") == demo.HEADER


def test_eval_rows_are_separate_and_repeat_the_step(root: Path) -> None:
    rows = _rows(demo_folder(root, "baseline_lr5e-4_seed0"))
    evals = [r for r in rows if r["mode1_loss"]]
    assert [int(r["step"]) for r in evals] == list(range(100, 2001, 100))
    assert all(r["train_loss"] == "" and r["learning_rate"] == "" for r in evals)
    train_steps = [int(r["step"]) for r in rows if r["train_loss"]]
    assert train_steps == list(range(1, demo.DEMO_STEPS + 1))
    assert {r["ordering_mode"] for r in rows} == {"temporal"}


def test_divergence_between_configs(root: Path) -> None:
    a = {
        int(r["step"]): float(r["train_loss"])
        for r in _rows(demo_folder(root, "baseline_lr5e-4_seed0"))
        if r["train_loss"]
    }
    b = {
        int(r["step"]): float(r["train_loss"])
        for r in _rows(demo_folder(root, "rope_lr1e-3_seed0"))
        if r["train_loss"]
    }
    d = demo.DEMO_DIVERGENCE_STEP
    assert all(a[s] == b[s] for s in range(1, d + 1))
    assert all(b[s] < 0.96 * a[s] for s in range(d + 1, 2001) if s != demo.DEMO_SPIKE_STEP)


def test_quirks(root: Path) -> None:
    rows = _rows(demo_folder(root, demo.DEMO_RESUMED_RUN))
    first, last = demo.DEMO_RESUMED_STEPS
    steps = [int(r["step"]) for r in rows if r["train_loss"]]
    assert all(steps.count(s) == (2 if first <= s <= last else 1) for s in range(1, 2001))
    written = [r["train_loss"] for r in rows if r["train_loss"] and int(r["step"]) == first]
    assert written[0] != written[1]

    partial = demo_folder(root, demo.DEMO_PARTIAL_RUN) / "logs" / "metrics.csv"
    text = partial.read_text()
    assert not text.endswith("\n")
    assert int(text.splitlines()[-2].split(",")[0]) == demo.DEMO_PARTIAL_LAST_STEP

    nan_rows = _rows(demo_folder(root, demo.DEMO_NAN_RUN))
    tail = [r for r in nan_rows if r["train_loss"] and int(r["step"]) >= demo.DEMO_NAN_STEP]
    assert tail and all(math.isnan(float(r["train_loss"])) for r in tail)
    assert all(float(r["grad_norm"]) == math.inf for r in tail)

    spike = {
        int(r["step"]): float(r["train_loss"])
        for r in _rows(demo_folder(root, demo.DEMO_SPIKE_RUN))
        if r["train_loss"]
    }
    s = demo.DEMO_SPIKE_STEP
    assert spike[s] > 2.5 * max(spike[s - 1], spike[s + 1])


def test_deterministic(tmp_path: Path) -> None:
    a = demo.write_demo(tmp_path / "a", seed=3)
    b = demo.write_demo(tmp_path / "b", seed=3)
    c = demo.write_demo(tmp_path / "c", seed=4)
    read = lambda p: (p / "logs" / "metrics.csv").read_bytes()  # noqa: E731
    assert [read(p) for p in a] == [read(p) for p in b]
    assert read(a[0]) != read(c[0])
