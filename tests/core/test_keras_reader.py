"""Keras CSVLogger files: epoch as step, resumed appends, custom separators, bad files."""

from __future__ import annotations

import json
import math
from pathlib import Path

import polars as pl

from curvelens.core.discovery import discover
from curvelens.core.loading import load_runs

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "keras"
EXPECTED = json.loads((FIXTURES / "expected.json").read_text())


def test_runs_equal_the_history_keras_returned() -> None:
    runs = {run.ref.path.name: run for run in load_runs(discover([FIXTURES]).runs)}
    assert sorted(runs) == sorted(EXPECTED)
    for name, expected in EXPECTED.items():
        run = runs[name]
        assert run.ref.format == "keras" and run.error is None
        assert "epoch" not in run.metrics
        for key, values in expected["history"].items():
            got = run.points.filter(pl.col("metric") == key).select("step", "value").rows()
            want = list(zip(map(float, expected["epochs"]), values, strict=True))
            assert [s for s, _ in got] == [s for s, _ in want], key
            assert all(math.isclose(a, b, rel_tol=1e-12) for (_, a), (_, b) in zip(got, want))
        assert not [m for m in run.metrics if m not in expected["history"]]  # NA: no point


def test_bad_keras_logs(tmp_path: Path) -> None:
    (tmp_path / "cut.log").write_text("epoch,loss\n0,0.5\n1")  # cut mid-row
    (tmp_path / "headonly.csv").write_text("epoch,loss,val_loss\n")
    (tmp_path / "words.log").write_text("epoch,loss\n0,abc\n1,0.25\n")
    (tmp_path / "notes.log").write_text("just some text\n")  # not Keras: not a run
    runs = {run.ref.path.name: run for run in load_runs(discover([tmp_path]).runs)}
    assert sorted(runs) == ["cut.log", "headonly.csv", "words.log"]
    assert runs["cut.log"].points.height == 1
    assert "header only" in runs["headonly.csv"].issues[0].message
    assert runs["words.log"].points.select("step", "value").rows() == [(1.0, 0.25)]
    assert runs["words.log"].issues


def test_header_with_a_stray_carriage_return_is_no_crash(tmp_path: Path) -> None:
    (tmp_path / "a.log").write_bytes(b"epo\rch,loss\n0,1\n")
    (tmp_path / "b.log").write_bytes(b"epoch,lo\rss\n0,1\n")
    assert [run.ref.path.name for run in load_runs(discover([tmp_path]).runs)] == ["b.log"]
    (run,) = [r for r in load_runs(discover([tmp_path]).runs) if r.ref.path.name == "b.log"]
    assert run.error is not None and "header not readable" in run.error
