"""SB3 folders: progress.csv as the source, Monitor episode files, bad Monitor files."""

from __future__ import annotations

import importlib.util
import json
import math
import os
import shutil
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from curvelens.core.discovery import discover
from curvelens.core.loading import load_runs
from curvelens.core.readers.sb3 import Sb3Reader

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "sb3"
GENERATOR = Path(__file__).resolve().parents[1] / "fixtures" / "generate" / "sb3.py"
REAL = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "real" / "sb3"
EXPECTED = json.loads((FIXTURES / "expected.json").read_text())
READER = Sb3Reader()


def _series(points: pl.DataFrame, metric: str) -> dict[float, float]:
    rows = points.filter(pl.col("metric") == metric).select("step", "value").rows()
    return dict(rows)


def _assert_progress(points: pl.DataFrame, params: Mapping, expected: dict) -> None:
    """Every progress.csv cell SB3 wrote is a point with exactly that decimal's value (an
    integer column equal on every row is a param, as for every CSV log)."""
    columns = expected["progress"]
    steps = [float(text) for text in columns["time/total_timesteps"]]
    for name in expected["progress_columns"]:
        if name == "time/total_timesteps":
            continue
        want = {s: float(t) for s, t in zip(steps, columns[name], strict=True) if t}
        if name in params:
            assert len(set(columns[name])) == 1 and params[name] == int(columns[name][0])
            continue
        got = _series(points, name)
        assert got.keys() == want.keys(), name
        for step, value in want.items():
            assert got[step] == value or (math.isnan(value) and math.isnan(got[step]))


def _assert_monitors(points: pl.DataFrame, expected: dict) -> None:
    files = sorted(expected["monitors"])
    prefixes = ["monitor"] if len(files) == 1 else [f[: -len(".csv")] for f in files]
    total = 0.0
    for file, prefix in zip(files, prefixes, strict=True):
        monitor = expected["monitors"][file]
        rows = [[float(cell) for cell in row] for row in monitor["rows"]]
        steps = np.cumsum([row[1] for row in rows]).tolist()
        for column, index in (("r", 0), ("l", 1), ("t", 2)):
            assert _series(points, f"{prefix}/{column}") == {
                s: row[index] for s, row in zip(steps, rows, strict=True)
            }
        walls = points.filter(pl.col("metric") == f"{prefix}/t").get_column("wall_time")
        t_start = monitor["header"]["t_start"]
        assert walls.to_list() == pytest.approx([t_start + row[2] for row in rows])
        total += sum(row[0] for row in rows)
    assert total == expected["reward_sum"]  # SB3's load_results over the whole folder


def test_generated_runs_read_as_sb3_wrote_them(tmp_path: Path) -> None:
    found = discover([FIXTURES])
    assert sorted((r.id, r.format) for r in found.runs) == [
        ("a2c_not_logged", "sb3"),
        ("a2c_one_env", "sb3"),
        ("ppo_two_envs", "sb3"),  # its event file is no second run
    ]
    for run in load_runs(found.runs):
        expected = EXPECTED[run.ref.id]
        assert run.error is None
        if expected["progress_columns"]:
            _assert_progress(run.points, run.params, expected)
        _assert_monitors(run.points, expected)
        assert run.params.get("monitor.env_id", run.params.get("0.monitor.env_id")) == (
            "CartPole-v1"
        )


def test_csv_values_exact_and_csv_only_columns_present() -> None:
    points = READER.read(FIXTURES / "ppo_two_envs").points
    assert set(_series(points, "train/learning_rate").values()) == {0.0003}  # not float32
    assert _series(points, "time/iterations") and _series(points, "train/n_updates")
    real = READER.read(REAL / "reddyn12__Sb3Test" / "logs").points
    assert set(_series(real, "train/learning_rate").values()) == {0.0003}
    assert "time/total_timesteps" not in set(real.get_column("metric"))


def test_zero_byte_progress_is_reported_and_monitors_still_load() -> None:
    result = READER.read(FIXTURES / "a2c_not_logged")
    assert any("empty" in issue.message for issue in result.issues)
    assert _series(result.points, "monitor/r")


def test_real_windows_monitors_and_header_only_file() -> None:
    logs = READER.read(REAL / "BoogaQ__PPO-exploration" / "logs")
    assert "empty" in logs.issues[0].message  # the 0-byte progress.csv
    raw = (REAL / "BoogaQ__PPO-exploration/logs/monitors/0.monitor.csv").read_bytes()
    rows = [line.split(b",") for line in raw.replace(b"\r", b"").split(b"\n")[2:] if line]
    rewards = _series(logs.points, "0.monitor/r")
    assert list(rewards.values()) == [float(row[0]) for row in rows]
    assert list(rewards) == np.cumsum([float(row[1]) for row in rows]).tolist()
    assert _series(logs.points, "1.monitor/l")
    empty = READER.read(REAL / "BoogaQ__PPO-exploration" / "log" / "monitors")
    assert empty.points.height == 0 and "header only" in empty.issues[0].message


def test_bad_monitor_files_are_issues_not_fatal(tmp_path: Path) -> None:
    run = tmp_path / "run"
    shutil.copytree(FIXTURES / "ppo_two_envs", run)
    good = (run / "0.monitor.csv").read_text()
    (run / "0.monitor.csv").write_text(good.rsplit(",", 1)[0])  # cut mid-row
    (run / "1.monitor.csv").write_bytes(bytes(range(256)) * 8)  # garbage
    (run / "2.monitor.csv").write_text("")  # empty
    (run / "3.monitor.csv").write_text('#{"t_start": 17\nr,l,t\n1.0,5,0.1\n')  # bad JSON
    (run / "4.monitor.csv").mkdir()  # wrong type: not read
    (run / "5.monitor.csv").write_text("r,t\n1.0,0.5\n2.0,0.9\n")  # no length column
    for file in run.iterdir():  # the writer died long ago: a cut row is a problem
        os.utime(file, (1e9, 1e9))
    (run,) = load_runs(discover([run]).runs)
    assert run.error is None
    messages = {issue.path.name: issue.message for issue in run.issues}
    assert "binary content" in messages["1.monitor.csv"]
    assert "empty" in messages["2.monitor.csv"]
    assert "JSON header" in messages["3.monitor.csv"]
    assert "incomplete" in messages["0.monitor.csv"]
    assert "'l'" in messages["5.monitor.csv"]
    rows = good.splitlines()[2:]
    assert len(_series(run.points, "0.monitor/r")) == len(rows) - 1
    assert _series(run.points, "3.monitor/r") == {5.0: 1.0}
    assert _series(run.points, "5.monitor/r") == {1.0: 1.0, 2.0: 2.0}
    assert _series(run.points, "train/learning_rate")  # progress.csv unaffected


@pytest.mark.skipif(
    importlib.util.find_spec("stable_baselines3") is None, reason="SB3 not installed"
)
def test_a_fresh_run_written_by_sb3(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("gen_sb3", GENERATOR)
    assert spec is not None and spec.loader is not None
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    generator._ppo(tmp_path / "ppo")
    (run,) = load_runs(discover([tmp_path / "ppo"]).runs)
    expected = generator._expected(tmp_path / "ppo")
    _assert_progress(run.points, run.params, expected)
    _assert_monitors(run.points, expected)


def test_header_with_a_stray_carriage_return(tmp_path: Path) -> None:
    (tmp_path / "progress.csv").write_text("time/total_timesteps,loss\n10,0.5\n")
    (tmp_path / "0.monitor.csv").write_bytes(b'#{"t_start": 1}\nr,l\r,t\n1.0,5,0.1\n')
    (tmp_path / "1.monitor.csv").write_bytes(b'#{"t_start": 1}\nr,l,t\n2.0,5,0.1\n')
    result = READER.read(tmp_path)
    assert "header not readable" in result.issues[0].message
    assert _series(result.points, "1.monitor/r") == {5.0: 2.0}
    assert _series(result.points, "loss") == {10.0: 0.5}
