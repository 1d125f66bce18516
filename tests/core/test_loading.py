"""load_run/load_runs on bad inputs, progress, stacking, status, and read-only behaviour."""

from __future__ import annotations

import codecs
import os
import time
from pathlib import Path

import polars as pl
import pytest

from curvelens.core.discovery import discover
from curvelens.core.loading import RUNNING_WINDOW_S, load_run, load_runs, stack_points
from curvelens.core.schema import LOADED_POINTS, RUN_POINTS, RunRef

HEADER = "step,epoch,train_loss,val_loss\n"


def _ref(path: Path, fmt: str = "csv") -> RunRef:
    return RunRef(id=path.name, name=path.stem, path=path, format=fmt)


def _write(path: Path, data: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    path.write_bytes(data)
    return path


def test_malformed_middle_line_is_skipped_with_an_issue(tmp_path: Path) -> None:
    rows = [f"{s},1,{10 - s / 10},\n" for s in range(1, 60)]
    rows[55] = "56,1\n"  # file line 57
    run = load_run(_ref(_write(tmp_path / "metrics.csv", HEADER + "".join(rows))))
    assert run.error is None
    (issue,) = run.issues
    assert (issue.line, issue.message) == (57, "expected 4 fields, found 2")
    assert str(issue).endswith("metrics.csv:57: expected 4 fields, found 2")
    assert 56.0 not in run.points.filter(pl.col("metric") == "train_loss").get_column("step")
    assert run.points.filter(pl.col("metric") == "train_loss").height == 58


def test_half_written_last_line_is_silent(tmp_path: Path) -> None:
    run = load_run(_ref(_write(tmp_path / "metrics.csv", HEADER + "1,1,2.5,\n2,1,2.")))
    assert run.issues == ()
    assert run.points.filter(pl.col("metric") == "train_loss").get_column("step").to_list() == [1.0]


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("metrics.csv", HEADER + "1,1,2.5,\n2,1,2."),
        ("log.jsonl", '{"step": 1, "train_loss": 2.5}\n{"step": 2, "train_lo'),
    ],
)
def test_last_line_cut_in_a_run_no_longer_written_is_an_issue(
    tmp_path: Path, name: str, data: str
) -> None:
    log = _write(tmp_path / name, data)
    old = time.time() - 2 * RUNNING_WINDOW_S
    os.utime(log, (old, old))
    run = load_run(_ref(log, "jsonl" if name.endswith(".jsonl") else "csv"))
    assert [(i.path, i.line, i.message) for i in run.issues] == [
        (
            log,
            3 if name == "metrics.csv" else 2,
            "last line is incomplete (the writer stopped mid-line), not read",
        )
    ]
    assert run.points.filter(pl.col("metric") == "train_loss").get_column("step").to_list() == [1.0]


def test_non_utf8_bytes_do_not_stop_the_read(tmp_path: Path) -> None:
    data = b"step,loss,tag\n1,0.5,caf\xe9\n2,0.25,caf\xe9\n"
    run = load_run(_ref(_write(tmp_path / "metrics.csv", data)))
    assert run.error is None
    assert run.points.get_column("value").to_list() == [0.5, 0.25]
    assert run.params == {"tag": "caf\ufffd"}


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32"])
def test_utf16_and_utf32_logs_with_a_byte_order_mark_load(tmp_path: Path, encoding: str) -> None:
    text = "step,loss,note\n1,0.5,café\n2,0.25,café\n"  # PowerShell's > writes UTF-16
    data = text.encode(encoding)  # utf-16 and utf-32 start with a byte-order mark
    if encoding == "utf-16-be":
        data = codecs.BOM_UTF16_BE + data
    run = load_run(_ref(_write(tmp_path / "metrics.csv", data)))
    assert run.error is None and run.issues == ()
    assert run.points.get_column("value").to_list() == [0.5, 0.25]
    assert run.params == {"note": "café"}


@pytest.mark.parametrize(
    ("content", "expected"),
    [(b"", "empty"), (HEADER.encode(), "header only")],
)
def test_empty_and_header_only_load_with_a_message(
    tmp_path: Path, content: bytes, expected: str
) -> None:
    run = load_run(_ref(_write(tmp_path / "metrics.csv", content)))
    assert run.error is None and run.points.height == 0
    assert expected in run.issues[0].message


def test_lines_with_nul_bytes_are_skipped_with_an_issue(tmp_path: Path) -> None:
    data = b"step,loss\n1,0.5\n2,0.\x004\n3,0.125\n4,0.1\n" + b"\x00" * 4096  # crash damage
    log = _write(tmp_path / "metrics.csv", data)
    run = load_run(_ref(log))
    assert run.points.get_column("step").to_list() == [1.0, 3.0, 4.0]
    (issue,) = run.issues
    assert (issue.path, issue.line) == (log, 3)
    assert issue.message == "2 lines holding NUL bytes skipped (file damaged, e.g. by a crash)"


def test_jsonl_lines_with_nul_bytes_are_skipped(tmp_path: Path) -> None:
    log = _write(tmp_path / "log.jsonl", b'{"step": 1, "loss": 2}\n{"step": 2,\x00\n')
    run = load_run(_ref(log, "jsonl"))
    assert run.points.get_column("value").to_list() == [2.0]
    assert [(i.line, "NUL bytes" in i.message) for i in run.issues] == [(2, True)]


def test_text_with_nul_bytes_on_every_line_is_an_error(tmp_path: Path) -> None:
    log = _write(tmp_path / "metrics.csv", "step,loss\n1,0.5\n".encode("utf-16-le"))  # no BOM
    assert load_run(_ref(log)).error == (
        f"{log}: NUL bytes on every line, not a text log (UTF-16 without a byte-order mark?)"
    )


def test_binary_garbage_is_an_error_naming_the_file(tmp_path: Path) -> None:
    log = _write(tmp_path / "metrics.csv", bytes(range(256)) * 8)
    run = load_run(_ref(log))
    assert run.status == "error" and run.points.height == 0
    assert run.error == f"{log}: binary content, not a text log"


def test_directory_named_like_a_log_file(tmp_path: Path) -> None:
    (tmp_path / "run" / "logs" / "metrics.csv").mkdir(parents=True)
    run = load_run(_ref(tmp_path / "run", "reference"))
    assert run.error is not None and "is a directory" in run.error
    assert str(tmp_path / "run" / "logs" / "metrics.csv") in run.error


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read a chmod 000 file")
def test_unreadable_file(tmp_path: Path) -> None:
    log = _write(tmp_path / "metrics.csv", HEADER)
    log.chmod(0)
    try:
        run = load_run(_ref(log))
    finally:
        log.chmod(0o644)
    assert run.error == f"{log}: permission denied"


def test_permission_error_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log = _write(tmp_path / "metrics.csv", HEADER)

    real_open = os.open

    def deny(path: str | Path, flags: int, *args: int) -> int:
        if Path(path) == log:
            raise PermissionError(13, "Permission denied")
        return real_open(path, flags, *args)

    monkeypatch.setattr(os, "open", deny)
    assert load_run(_ref(log)).error == f"{log}: permission denied"


def test_bad_runs_do_not_stop_the_others(tmp_path: Path) -> None:
    good = _write(tmp_path / "good" / "metrics.csv", "step,loss\n1,2\n").parent
    _write(tmp_path / "bad" / "metrics.csv", b"\x00\x01\x02" * 100)
    (tmp_path / "gone" / "metrics.csv").mkdir(parents=True)
    progress: list[tuple[int, int]] = []
    runs = load_runs(discover([tmp_path]).runs, on_progress=lambda d, t: progress.append((d, t)))
    assert [r.ref.id for r in runs] == ["bad", "gone", "good"]
    assert [r.error is None for r in runs] == [False, False, True]
    assert progress == [(1, 3), (2, 3), (3, 3)]
    assert runs[2].ref.path == good


def test_stack_points_adds_the_run_id(tmp_path: Path) -> None:
    _write(tmp_path / "a" / "metrics.csv", "step,loss\n1,2\n2,1\n")
    _write(tmp_path / "b" / "metrics.csv", "step,loss\n1,3\n")
    stacked = stack_points(load_runs(discover([tmp_path]).runs))
    assert dict(stacked.schema) == {**RUN_POINTS, "wall_time": pl.Null()}  # no times: none held
    assert stacked.select("run", "step", "value").rows() == [("a", 1, 2), ("a", 2, 1), ("b", 1, 3)]
    assert stack_points([]).schema == pl.Schema(RUN_POINTS)
    _write(tmp_path / "c" / "metrics.csv", "step,loss,timestamp\n1,4,1700000000.5\n")
    stacked = stack_points(load_runs(discover([tmp_path]).runs))
    assert dict(stacked.schema) == dict(RUN_POINTS)
    assert stacked.get_column("wall_time").to_list() == [None, None, None, 1700000000.5]


def test_loaded_points_are_compact(tmp_path: Path) -> None:
    _write(tmp_path / "a" / "metrics.csv", "step,loss,acc\n1,2,0.5\n2,1,0.7\n")
    _write(tmp_path / "b" / "metrics.csv", "step,loss,timestamp\n1,3,1700000000\n")
    fresh = load_runs(discover([tmp_path]).runs, cache=False)
    cached = load_runs(discover([tmp_path]).runs)
    for runs in (fresh, cached):
        a, b = runs
        assert dict(a.points.schema) == {**LOADED_POINTS, "wall_time": pl.Null()}
        assert a.points.estimated_size() == 20 * a.points.height
        assert dict(b.points.schema) == dict(LOADED_POINTS)
        assert a.points.get_column("metric").to_list() == ["acc", "acc", "loss", "loss"]


def test_status_running_then_stopped_by_log_age(tmp_path: Path) -> None:
    log = _write(tmp_path / "metrics.csv", "step,loss\n1,2\n")
    assert load_run(_ref(log)).status == "running"
    old = time.time() - RUNNING_WINDOW_S - 60
    os.utime(log, (old, old))
    run = load_run(_ref(log))
    assert run.status == "stopped"
    assert run.updated is not None and abs(run.updated.timestamp() - old) < 1e-3


def _snapshot(root: Path) -> dict[str, tuple[int, int]]:
    return {
        str(p.relative_to(root)): (p.stat().st_mtime_ns, p.stat().st_size) for p in root.rglob("*")
    }


def test_reading_never_modifies_the_run_folders(real: Path) -> None:
    before = _snapshot(real)
    runs = load_runs(discover([real]).runs)
    assert runs
    assert _snapshot(real) == before


def _mlflow_run(root: Path, run_id: str, meta: str) -> None:
    _write(root / "mlruns" / "1" / "meta.yaml", "experiment_id: '1'\nname: exp\n")
    _write(root / "mlruns" / "1" / run_id / "meta.yaml", meta)
    _write(root / "mlruns" / "1" / run_id / "metrics" / "loss", "1700000000000 0.5 1\n")


def test_run_names_recorded_by_the_format_replace_folder_names(tmp_path: Path) -> None:
    from tests.core.wandb_writer import frame, history, run

    named, tagged = "a" * 32, "b" * 32
    _mlflow_run(tmp_path, named, f"run_id: {named}\nrun_name: salty-bear-997\nstatus: 3\n")
    _mlflow_run(tmp_path, tagged, f"run_id: {tagged}\nstatus: 3\n")
    _write(tmp_path / "mlruns" / "1" / tagged / "tags" / "mlflow.runName", "tagged-run")
    _mlflow_run(tmp_path, "c" * 32, "status: 3\n")
    wandb = tmp_path / "wandb"
    log = frame([run(1700000000, name="fiery-sun-12"), history({"_step": 0, "loss": 1.0})])
    _write(wandb / "run-20240101_120000-abc123" / "run-abc123.wandb", log)
    _write(wandb / "run-20240102_120000-def456" / "run-def456.wandb", frame([run(1)]))
    copy = frame([run(2), history({"_step": 0, "loss": 2.0})])
    _write(wandb / "latest-run" / "run-zzz999.wandb", copy)  # a run kept nowhere else
    refs = discover([tmp_path]).runs
    loaded = load_runs(refs)
    names = {run.ref.id: run.ref.name for run in loaded}
    assert names == {
        f"mlruns/1/{named}": "salty-bear-997",
        f"mlruns/1/{tagged}": "tagged-run",
        f"mlruns/1/{'c' * 32}": "c" * 32,  # no name recorded: the folder name stays
        "wandb/run-20240101_120000-abc123": "fiery-sun-12",
        "wandb/run-20240102_120000-def456": "run-20240102_120000-def456",
        "wandb/latest-run": "run-zzz999",
    }
    kept = [(run.ref.id, run.ref.path, run.ref.format) for run in loaded]
    assert kept == [(ref.id, ref.path, ref.format) for ref in refs]
