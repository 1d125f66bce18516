"""trackio local project files: runs as trackio reads them, read-only, bad files."""

from __future__ import annotations

import gzip
import json
import math
import os
from pathlib import Path

import polars as pl

from curvelens.core.discovery import discover
from curvelens.core.loading import load_runs
from curvelens.core.params import flatten_config

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "trackio"
EXPECTED = json.loads((FIXTURES / "expected.json").read_text())


def _unpack(folder: Path) -> Path:
    (folder / "demo.db").write_bytes(gzip.decompress((FIXTURES / "demo.db.gz").read_bytes()))
    return folder


def test_runs_as_trackio_reads_them_and_nothing_written(tmp_path: Path) -> None:
    folder = _unpack(tmp_path)
    before = (sorted(os.listdir(folder)), folder.stat().st_mtime_ns)
    runs = {run.ref.name: run for run in load_runs(discover([folder]).runs)}
    assert (sorted(os.listdir(folder)), folder.stat().st_mtime_ns) == before
    assert sorted(runs) == sorted(EXPECTED)
    for name, expected in EXPECTED.items():
        run = runs[name]
        assert run.ref.format == "trackio" and run.error is None
        config = expected["config"]
        want = flatten_config({k: v for k, v in config.items() if not k.startswith("_")})
        if config["_Group"] is not None:
            want["trackio.group"] = config["_Group"]
        assert run.params == want
        for metric in ("loss", "acc"):
            rows = [r for r in expected["rows"] if metric in r]
            got = run.points.filter(pl.col("metric") == metric).select("step", "value").rows()
            assert [s for s, _ in got] == [float(r["step"]) for r in rows]
            for (_, value), row in zip(got, rows, strict=True):
                assert math.isnan(value) if row[metric] is None else value == row[metric]


def test_broken_project_files_do_not_stop_the_others(tmp_path: Path) -> None:
    folder = _unpack(tmp_path)
    data = (folder / "demo.db").read_bytes()
    (folder / "cut.db").write_bytes(data[: len(data) // 4])
    (folder / "junk.db").write_bytes(os.urandom(3000))
    (folder / "empty.db").write_bytes(b"")
    runs = load_runs(discover([folder]).runs)
    assert sorted(run.ref.name for run in runs if run.error is None) == sorted(EXPECTED)


def test_damaged_schema_bytes_are_reported_not_raised(tmp_path: Path) -> None:
    data = bytearray(gzip.decompress((FIXTURES / "demo.db.gz").read_bytes()))
    data[data.find(b"CREATE TABLE metrics") + 3] = 0xB8  # SQLite quotes it in its error
    (tmp_path / "demo.db").write_bytes(bytes(data))
    (tmp_path / "mlflow.db").write_bytes(bytes(data))  # a store named like MLflow's
    runs = load_runs(discover([tmp_path]).runs)
    assert [run.ref.path.name for run in runs] == ["mlflow.db"]
    assert runs[0].error is not None and "damaged schema" in runs[0].error
