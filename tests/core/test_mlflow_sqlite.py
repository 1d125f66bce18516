"""MLflow SQLite stores: runs as MLflow's own client reads them, read-only, bad stores."""

from __future__ import annotations

import gzip
import hashlib
import importlib.util
import json
import math
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from curvelens.core.discovery import discover
from curvelens.core.live.status import diverged
from curvelens.core.loading import load_runs
from curvelens.core.readers import ReadError
from curvelens.core.readers.mlflow_sqlite import MlflowSqliteReader
from curvelens.core.schema import RunData

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "mlflow_sqlite"
GENERATOR = Path(__file__).resolve().parents[1] / "fixtures" / "generate" / "mlflow_sqlite.py"
EXPECTED = json.loads((FIXTURES / "expected.json").read_text())
READER = MlflowSqliteReader()


def _unpack(root: Path) -> Path:
    """The gzipped sample stores written out under ``root`` (``lab/mlflow.db`` ...)."""
    for packed in FIXTURES.rglob("*.db.gz"):
        target = root / packed.relative_to(FIXTURES).with_suffix("")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(gzip.decompress(packed.read_bytes()))
    return root / "lab"


def _by_store(runs: list[RunData], base: Path) -> dict[str, dict[str, RunData]]:
    """Runs by store path relative to ``base`` (``lab/mlflow.db``), then by run id."""
    grouped: dict[str, dict[str, RunData]] = {}
    for run in runs:
        store = run.ref.path.parent.relative_to(base).as_posix()
        grouped.setdefault(store, {})[run.ref.path.name] = run
    return grouped


def _assert_like_mlflow(run: RunData, expected: dict) -> None:
    """``run`` as curvelens read it equals what MLflow's client read (``expected``)."""
    assert run.error is None and run.ref.name == expected["run_name"]
    assert run.params["mlflow.experiment"] == expected["experiment"]
    for key, value in expected["params"].items():
        assert run.params[key] == value
    user_tags = {k: v for k, v in expected["tags"].items() if not k.startswith("mlflow.")}
    assert {k[5:]: v for k, v in run.params.items() if k.startswith("tags.")} == user_tags
    status = {"FINISHED": "finished", "FAILED": "crashed", "KILLED": "crashed"}
    if expected["status"] in status:  # a loss that went NaN says more (core.live.status)
        assert run.status == ("diverged" if diverged(run.points) else status[expected["status"]])
    assert run.started is not None
    assert run.started.timestamp() * 1000 == pytest.approx(expected["start_time"])
    assert sorted(run.metrics) == sorted(expected["metrics"])
    for metric, history in expected["metrics"].items():
        last: dict[float, tuple[float | None, float]] = {}
        for step, value, stamp in history:  # MLflow returns every write; the last one wins
            last[float(step)] = (value, stamp / 1000)
        got = run.points.filter(run.points["metric"] == metric).select("step", "value", "wall_time")
        assert got["step"].to_list() == sorted(last)
        for step, value, wall in got.rows():
            want, want_wall = last[step]
            assert wall == want_wall
            if want is None:
                assert math.isnan(value)
            elif abs(want) == sys.float_info.max:  # MLflow's stand-in for infinity
                assert value == math.copysign(math.inf, want)
            else:
                assert value == want


def test_runs_read_as_mlflow_reads_them(tmp_path: Path) -> None:
    root = _unpack(tmp_path)
    found = discover([root])
    assert {ref.format for ref in found.runs} == {"mlflow-sqlite"} and not found.issues
    grouped = _by_store(load_runs(found.runs), tmp_path)
    for store, expected_runs in EXPECTED.items():
        runs = grouped[store]
        assert sorted(runs) == sorted(r["run_id"] for r in expected_runs)  # deleted hidden
        for expected in expected_runs:
            _assert_like_mlflow(runs[expected["run_id"]], expected)
    assert len(found.runs) == sum(len(v) for v in EXPECTED.values())


def test_single_reads_equal_batched_reads(tmp_path: Path) -> None:
    refs = discover([_unpack(tmp_path)]).runs
    batched = READER.read_many([ref.path for ref in refs])
    for ref, many in zip(refs, batched, strict=True):
        one = READER.read(ref.path)
        assert many is not None and one.points.equals(many.points)
        assert one.params == many.params and one.status == many.status


def test_repeated_step_keeps_last_write_and_flags_resume(tmp_path: Path) -> None:
    root = _unpack(tmp_path)
    (fluent,) = [r for r in load_runs(discover([root / "other"]).runs)]
    loss = fluent.points.filter(fluent.points["metric"] == "loss")
    assert loss.select("step", "value").rows() == [(0.0, 1.5), (1.0, 1.0)]


def _snapshot(folder: Path) -> tuple[int, dict[str, tuple[int, int, str]]]:
    """The folder's mtime and every entry's (size, mtime, sha1): a created-and-removed
    file changes the folder's mtime, so this also catches files that came and went."""
    entries = {}
    for entry in sorted(folder.iterdir()):
        info = entry.stat()
        digest = hashlib.sha1(entry.read_bytes()).hexdigest() if entry.is_file() else ""
        entries[entry.name] = (info.st_size, info.st_mtime_ns, digest)
    return folder.stat().st_mtime_ns, entries


def test_reading_creates_no_file_beside_the_store(tmp_path: Path) -> None:
    lab = _unpack(tmp_path)
    before = _snapshot(lab)
    runs = load_runs(discover([lab]).runs)
    assert runs and all(run.error is None for run in runs)
    assert _snapshot(lab) == before
    assert not any(name.endswith(("-journal", "-wal", "-shm")) for name in os.listdir(lab))


_WAL_WRITER = """
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("PRAGMA journal_mode=WAL")
db.execute("PRAGMA wal_autocheckpoint=0")
run = db.execute("SELECT run_uuid FROM runs WHERE name = 'fluent'").fetchone()[0]
db.execute("INSERT INTO metrics VALUES ('from_wal', 7.5, 1700000009000, ?, 3, 0)", (run,))
print("ready", flush=True)
sys.stdin.readline()
"""


def test_store_held_open_in_wal_mode_is_read_without_new_files(tmp_path: Path) -> None:
    lab = _unpack(tmp_path)
    store = lab / "other" / "mlflow.db"
    writer = subprocess.Popen(
        [sys.executable, "-c", _WAL_WRITER, str(store)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert writer.stdout is not None and writer.stdout.readline().strip() == "ready"
        names = set(os.listdir(store.parent))
        assert {"mlflow.db-wal", "mlflow.db-shm"} <= names  # the writer's, not ours
        folder_mtime = store.parent.stat().st_mtime_ns
        db_before = hashlib.sha1(store.read_bytes()).hexdigest()
        (run,) = load_runs(discover([store.parent]).runs)
        assert run.error is None
        wal = run.points.filter(run.points["metric"] == "from_wal").rows()
        assert wal == [("from_wal", 3.0, 7.5, 1700000009.0)]  # committed WAL content seen
        assert set(os.listdir(store.parent)) == names
        assert store.parent.stat().st_mtime_ns == folder_mtime
        assert hashlib.sha1(store.read_bytes()).hexdigest() == db_before
    finally:
        if writer.stdin is not None:
            writer.stdin.close()
        writer.wait(timeout=30)


def test_mixed_root_lists_every_store_and_other_runs(tmp_path: Path) -> None:
    lab = _unpack(tmp_path)
    (lab / "csv_run").mkdir()
    (lab / "csv_run" / "metrics.csv").write_text("step,loss\n1,0.5\n2,0.25\n")
    shutil.copytree(lab / "other", lab / "more" / "deep")
    found = discover([lab])
    formats = sorted(ref.format for ref in found.runs)
    stores = {ref.path.parent for ref in found.runs if ref.format == "mlflow-sqlite"}
    assert formats.count("csv") == 1 and len(stores) == 3
    ids = [ref.id for ref in found.runs]
    assert len(set(ids)) == len(ids)


def test_bad_stores_are_reported_never_skipped(tmp_path: Path) -> None:
    lab = _unpack(tmp_path)
    good = (lab / "other" / "mlflow.db").read_bytes()
    cases = {
        "empty": b"",
        "garbage": bytes(range(256)) * 40,
        "truncated": good[: len(good) // 3],
    }
    for name, data in cases.items():
        (tmp_path / name).mkdir()
        (tmp_path / name / "mlflow.db").write_bytes(data)
    (tmp_path / "wrongtype").mkdir()
    with sqlite3.connect(tmp_path / "wrongtype" / "mlflow.db") as other:
        other.execute("CREATE TABLE notes (text)")
    loaded = load_runs(discover([tmp_path]).runs)
    runs = {r.ref.id: r for r in loaded}
    runs.update({r.ref.path.parent.name: r for r in loaded if r.error})
    for name in (*cases, "wrongtype"):
        run = runs[name]
        assert run.status == "error" and run.error is not None
        assert str(tmp_path / name / "mlflow.db") in run.error
    assert "not a SQLite database" in runs["empty"].error  # type: ignore[operator]
    assert "not an MLflow store" in runs["wrongtype"].error  # type: ignore[operator]
    good_runs = [run for run in runs.values() if run.error is None]
    assert len(good_runs) == sum(len(v) for v in EXPECTED.values())


def test_a_store_given_directly_says_how_to_see_its_runs(tmp_path: Path) -> None:
    store = _unpack(tmp_path) / "mlflow.db"
    (ref,) = discover([store]).runs
    with pytest.raises(ReadError, match="store of 3 runs: give the folder"):
        READER.read(ref.path)


def test_other_sqlite_files_are_left_alone(tmp_path: Path) -> None:
    with sqlite3.connect(tmp_path / "cache.db") as other:
        other.execute("CREATE TABLE notes (text)")
    (tmp_path / "random.sqlite").write_bytes(b"not sqlite at all")
    assert discover([tmp_path]).runs == ()


@pytest.mark.skipif(importlib.util.find_spec("mlflow") is None, reason="mlflow not installed")
def test_a_fresh_store_written_by_mlflow(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("gen_mlflow_sqlite", GENERATOR)
    assert spec is not None and spec.loader is not None
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    from mlflow.tracking import MlflowClient

    client = MlflowClient(f"sqlite:///{tmp_path / 'mlflow.db'}")
    generator._store_a(client)
    expected = {r["run_id"]: r for r in generator._expected(client)}
    runs = load_runs(discover([tmp_path]).runs)
    assert sorted(r.ref.path.name for r in runs) == sorted(expected)
    for run in runs:
        _assert_like_mlflow(run, expected[run.ref.path.name])
