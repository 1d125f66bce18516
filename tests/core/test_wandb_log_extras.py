"""W&B offline runs of a current SDK: config, summary, exit status and system metrics from
the ``.wandb`` log (their ``files/`` holds none), ``latest-run`` not counted twice."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import polars as pl

from curvelens.core.discovery import discover
from curvelens.core.loading import load_runs
from curvelens.core.params import flatten_config
from curvelens.core.readers.wandb import WandbReader
from tests.core.tfevents_writer import field
from tests.core.wandb_writer import frame

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "wandb"
EXPECTED = json.loads((FIXTURES / "expected.json").read_text())


def test_config_status_and_system_metrics_as_the_sdk_decodes_them() -> None:
    runs = {run.ref.name: run for run in load_runs(discover([FIXTURES]).runs)}
    assert sorted(runs) == sorted(EXPECTED)  # latest-run (a link) is not a third run
    for name, expected in EXPECTED.items():
        run = runs[name]
        config = flatten_config({k: v for k, v in expected["config"].items() if k != "_wandb"})
        assert {k: v for k, v in run.params.items() if k != "wandb.name"} == config
        assert run.status == ("finished" if expected["exit_code"] == 0 else "crashed")
        for when, key, value in expected["stats"]:
            rows = run.points.filter(
                (pl.col("metric") == f"system/{key}") & (pl.col("wall_time") == when)
            )
            assert rows.get_column("value").to_list() == [value]
        loss = run.points.filter(pl.col("metric") == "loss").sort("step")
        assert loss.get_column("value").to_list()[-1] == expected["summary"]["loss"]


def test_latest_run_copy_is_not_counted_twice(tmp_path: Path) -> None:
    root = tmp_path / "wandb"
    shutil.copytree(FIXTURES / "wandb", root, symlinks=True)
    (root / "latest-run").unlink()
    newest = sorted(p for p in root.iterdir())[-1]
    shutil.copytree(newest, root / "latest-run")  # a copied folder, as on some systems
    assert len(discover([tmp_path]).runs) == len(EXPECTED)


def test_summary_from_the_log_when_there_is_no_history(tmp_path: Path) -> None:
    item = field(1, 2, b"loss") + field(16, 2, b"0.25")
    step = field(1, 2, b"_step") + field(16, 2, b"7")
    summary = field(3, 2, field(1, 2, item) + field(1, 2, step))
    run = tmp_path / "offline-run-20250101_000000-abc"
    run.mkdir()
    (run / "run-abc.wandb").write_bytes(frame([summary]))
    result = WandbReader().read(run)
    assert result.points.select("metric", "step", "value").rows() == [("loss", 7.0, 0.25)]


def test_truncated_log_keeps_what_was_written(tmp_path: Path) -> None:
    root = tmp_path / "wandb"
    shutil.copytree(FIXTURES / "wandb", root, symlinks=True)
    run = sorted(p for p in root.iterdir() if not p.is_symlink())[0]
    log = next(run.glob("*.wandb"))
    log.write_bytes(log.read_bytes()[: log.stat().st_size // 2])
    result = WandbReader().read(run)
    assert result.params["lr"] == 0.01  # the config comes first in the log
    assert result.points.height and result.status == "unknown"  # no exit record yet


def test_describe_uses_the_log_when_files_is_empty() -> None:
    for name, expected in EXPECTED.items():
        run = FIXTURES / "wandb" / name
        description = WandbReader().describe(run)
        keys = {k for k in expected["summary"] if not k.startswith("_")}
        assert set(description.metrics) == keys
        assert description.params["lr"] == expected["config"]["lr"]
