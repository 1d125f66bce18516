"""The poller and apply_poll: what changed, new and vanished runs, exactly-once points."""

from __future__ import annotations

import random
import shutil
import sqlite3
import threading
import time
from pathlib import Path

import polars as pl

from curvelens.core.discovery import discover
from curvelens.core.live.apply import apply_poll
from curvelens.core.live.poller import Poller, next_interval
from curvelens.core.live.session import LiveRuns
from curvelens.core.loading import load_runs
from curvelens.core.schema import RunData
from tests.core import wandb_writer
from tests.core.tfevents_writer import event, record, simple_value


class Clock:
    """A hand-moved monotonic clock for rediscovery."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _reference(root: Path, name: str, rows: str) -> Path:
    folder = root / f"{name}_20250101_000000"
    (folder / "logs").mkdir(parents=True)
    (folder / "config.json").write_text('{"lr": 0.1}')
    (folder / "logs" / "metrics.csv").write_text("step,train_loss,num_tokens\n" + rows)
    return folder / "logs" / "metrics.csv"


def _append(path: Path, text: str | bytes) -> None:
    data = text.encode() if isinstance(text, str) else text
    with path.open("ab") as handle:
        handle.write(data)


def _loaded(root: Path, poller: Poller) -> dict[str, RunData]:
    """Discover and load ``root`` the way the app does: watch first, then load."""
    refs = discover([root]).runs
    poller.watch(refs)
    return {run.ref.id: run for run in load_runs(refs)}


def test_unchanged_runs_cost_one_stat_each_and_report_nothing(tmp_path: Path) -> None:
    for index in range(5):
        _reference(tmp_path, f"r{index}", "1,2.0,8\n2,1.5,8\n")
    poller = Poller([tmp_path])
    runs = _loaded(tmp_path, poller)
    result = poller.poll()
    assert result.changes == () and result.gone == () and result.stats == 5
    assert apply_poll(runs, result) == {}


def test_append_changes_only_that_run_and_merges_last_write_wins(tmp_path: Path) -> None:
    log = _reference(tmp_path, "a", "1,2.0,8\n2,1.5,8\n")
    _reference(tmp_path, "b", "1,3.0,8\n2,2.5,8\n")
    poller = Poller([tmp_path])
    runs = _loaded(tmp_path, poller)
    _append(log, "2,1.4,8\n3,1.2,8\n")
    changed = apply_poll(runs, poller.poll())
    assert list(changed) == ["a_20250101_000000"]
    run = changed["a_20250101_000000"]
    assert run.points.filter(pl.col("metric") == "train_loss").rows() == [
        ("train_loss", 1.0, 2.0, None),
        ("train_loss", 2.0, 1.4, None),
        ("train_loss", 3.0, 1.2, None),
    ]
    assert run.params["num_tokens"] == 8 and run.params["lr"] == 0.1
    runs.update(changed)
    _append(log, "4,1.1,8\n")  # second poll: now incremental from the remembered offset
    result = poller.poll()
    assert result.changes[0].appended is not None
    assert result.changes[0].appended.rows() == [("train_loss", 4.0, 1.1, None)]


def test_rewritten_log_replaces_the_points(tmp_path: Path) -> None:
    log = _reference(tmp_path, "a", "1,2.0,8\n2,1.5,8\n3,1.0,8\n")
    poller = Poller([tmp_path])
    runs = _loaded(tmp_path, poller)
    _append(log, "4,0.9,8\n")
    runs.update(apply_poll(runs, poller.poll()))
    log.write_text("step,train_loss,num_tokens\n1,2.0,8\n2,1.7,8\n")  # resumed: truncated
    result = poller.poll()
    assert result.changes[0].run is not None
    run = apply_poll(runs, result)["a_20250101_000000"]
    assert run.points.get_column("value").to_list() == [2.0, 1.7]


def test_new_and_vanished_runs(tmp_path: Path) -> None:
    _reference(tmp_path, "a", "1,2.0,8\n2,1.5,8\n")
    clock = Clock()
    poller = Poller([tmp_path], rediscover_every=10, clock=clock)
    runs = _loaded(tmp_path, poller)
    _reference(tmp_path, "b", "1,3.0,8\n")
    assert poller.poll().changes == ()  # not due yet
    clock.now = 10
    result = poller.poll()
    assert [(c.ref.name, c.new) for c in result.changes] == [("b_20250101_000000", True)]
    runs.update(apply_poll(runs, result))
    assert runs["b_20250101_000000"].points.height == 2  # one row: num_tokens is a metric
    shutil.rmtree(tmp_path / "a_20250101_000000")
    result = poller.poll()
    assert [ref.id for ref in result.gone] == ["a_20250101_000000"]
    gone = apply_poll(runs, result)["a_20250101_000000"]
    assert gone.status == "gone" and gone.points.height == 2
    assert "vanished" in gone.issues[-1].message
    assert all(ref.id != "a_20250101_000000" for ref in poller.refs)


def test_tensorboard_new_event_file_is_picked_up(tmp_path: Path) -> None:
    run = tmp_path / "tb"
    run.mkdir()
    first = run / "events.out.tfevents.100.host"
    first.write_bytes(record(event(0, 1.0)) + record(event(1, 2.0, [simple_value("loss", 1)])))
    poller = Poller([tmp_path])
    runs = _loaded(tmp_path, poller)
    _append(first, record(event(2, 3.0, [simple_value("loss", 0.5)])))
    runs.update(apply_poll(runs, poller.poll()))  # first change: re-read whole
    later = run / "events.out.tfevents.200.host"
    later.write_bytes(record(event(0, 4.0)) + record(event(3, 5.0, [simple_value("loss", 0.25)])))
    result = poller.poll()
    assert result.changes[0].appended is not None
    assert result.changes[0].appended.get_column("step").to_list() == [3.0]
    runs.update(apply_poll(runs, result))
    assert runs["tb"].points.get_column("value").to_list() == [1.0, 0.5, 0.25]


def test_mlflow_new_key_and_status_change(tmp_path: Path) -> None:
    run = tmp_path / "mlruns" / "0" / ("a" * 32)
    (run / "metrics").mkdir(parents=True)
    (tmp_path / "mlruns" / "0" / "meta.yaml").write_text("experiment_id: '0'\nname: exp\n")
    (run / "meta.yaml").write_text("run_id: x\nstatus: 1\nlifecycle_stage: active\n")
    (run / "metrics" / "loss").write_text("1000 0.5 1\n2000 0.4 2\n")
    poller = Poller([tmp_path])
    runs = _loaded(tmp_path, poller)
    (run_id,) = runs
    _append(run / "metrics" / "loss", "3000 0.3 3\n")
    runs.update(apply_poll(runs, poller.poll()))
    (run / "metrics" / "train").mkdir()
    (run / "metrics" / "train" / "acc").write_text("4000 0.9 3\n")
    _append(run / "metrics" / "loss", "4000 0.2 4\n")
    result = poller.poll()
    appended = result.changes[0].appended
    assert appended is not None and sorted(appended.rows()) == [
        ("loss", 4.0, 0.2, 4.0),
        ("train/acc", 3.0, 0.9, 4.0),
    ]
    runs.update(apply_poll(runs, result))
    (run / "meta.yaml").write_text("run_id: x\nstatus: 3\nend_time: 5\nlifecycle_stage: active\n")
    done = apply_poll(runs, poller.poll())[run_id]
    assert done.status == "finished" and done.points.height == 5


def test_whole_read_format_is_read_again_on_change(tmp_path: Path) -> None:
    run = tmp_path / "out"
    run.mkdir()
    state = run / "trainer_state.json"
    state.write_text('{"log_history": [{"step": 1, "loss": 2.0}], "global_step": 1}')
    poller = Poller([tmp_path])
    runs = _loaded(tmp_path, poller)
    time.sleep(0.01)
    state.write_text(
        '{"log_history": [{"step": 1, "loss": 2.0}, {"step": 2, "loss": 1.0}], "global_step": 2}'
    )
    changed = apply_poll(runs, poller.poll())
    assert changed["out"].points.get_column("value").to_list() == [2.0, 1.0]


def test_a_running_run_that_goes_silent_is_warned_about(tmp_path: Path) -> None:
    _reference(tmp_path, "a", "1,2.0,8\n2,1.5,8\n")
    poller = Poller([tmp_path])
    runs = _loaded(tmp_path, poller)
    (run,) = runs.values()
    assert run.status == "running"
    later = time.time() + 601
    changed = apply_poll(runs, poller.poll(), now=later)
    assert changed[run.ref.id].status == "stopped"
    assert "stopped while watched" in changed[run.ref.id].issues[-1].message
    assert apply_poll(changed, poller.poll(), now=later + 1) == {}


def test_interval_backs_off_when_a_poll_is_slow() -> None:
    assert next_interval(2.0, 0.01) == 2.0
    assert next_interval(2.0, 0.5) == 5.0
    assert next_interval(2.0, 100.0) == 60.0


def test_every_point_written_with_partial_flushes_is_seen_exactly_once(tmp_path: Path) -> None:
    """10,000 rows written in random pieces (lines cut anywhere) while the poller polls:
    the points it ends with are exactly the rows written, each once. After about half of
    the pieces the writer waits for one poll, so polls surely see cut lines (no timing)."""
    rows = 10_000
    content = "".join(f"{step},{step * 0.5},{step % 7}\n" for step in range(rows)).encode()
    log = _reference(tmp_path, "live", "")
    rng = random.Random(7)
    pieces, at = [], 0
    while at < len(content):
        size = rng.randint(1, 800)
        pieces.append((content[at : at + size], rng.random() < 0.5))
        at += size
    poller = Poller([tmp_path])
    poller.watch(discover([tmp_path]).runs, loaded=False)
    done, polled, abort = threading.Event(), threading.Event(), threading.Event()
    seen_cut = []

    def writer() -> None:
        with log.open("ab") as handle:
            for piece, wait in pieces:
                handle.write(piece)
                handle.flush()
                if wait:
                    polled.clear()
                    polled.wait()
                    if abort.is_set():
                        return
                    seen_cut.append(not piece.endswith(b"\n"))
        done.set()

    runs: dict[str, RunData] = {}
    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while not done.is_set():
            runs.update(apply_poll(runs, poller.poll()))
            polled.set()
    finally:  # a failing poll must not leave the writer waiting
        abort.set()
        polled.set()
        thread.join()
    runs.update(apply_poll(runs, poller.poll()))
    (run,) = runs.values()
    loss = run.points.filter(pl.col("metric") == "train_loss")
    assert loss.get_column("step").to_list() == [float(s) for s in range(rows)]
    assert loss.get_column("value").to_list() == [s * 0.5 for s in range(rows)]
    assert run.points.filter(pl.col("metric") == "num_tokens").height == rows
    assert sum(seen_cut) > 100  # polls ran while a line was cut


def test_live_runs_apply_polls_and_report_them(tmp_path: Path) -> None:
    log = _reference(tmp_path, "a", "1,2.0,8\n2,1.5,8\n")
    poller = Poller([tmp_path])
    refs = discover([tmp_path]).runs
    poller.watch(refs)
    live = LiveRuns(poller, interval=2.0)
    live.hold(load_runs(refs))
    quiet = live.poll()
    assert quiet.changed == {} and quiet.report.describe().endswith(": no change")
    _append(log, "3,1.2,8\n")
    live.poll()  # the first change re-reads the run whole
    _append(log, "4,1.1,8\n5,1.0,8\n")
    done = live.poll()
    assert done.report.changed == 1 and done.report.points == 2  # num_tokens is a param
    assert done.report.describe().endswith(": 1 run changed (+2 points)")
    before = done.before["a_20250101_000000"]
    assert before is not None and before.points.height == 3
    assert live.runs["a_20250101_000000"].points.height == 5
    assert live.interval == 2.0


def test_wandb_history_is_tailed_and_the_exit_record_finishes_the_run(tmp_path: Path) -> None:
    folder = tmp_path / "wandb" / "run-20250101_000000-abc"
    (folder / "files").mkdir(parents=True)
    log = folder / "run-abc.wandb"
    records = [wandb_writer.run(1_700_000_000, "r")]
    records += [wandb_writer.history({"_step": s, "loss": 1 / (s + 1)}) for s in range(3)]
    log.write_bytes(wandb_writer.frame(records))
    poller = Poller([tmp_path])
    runs = _loaded(tmp_path, poller)
    (run_id,) = runs
    for more in (5, 8):
        records += [wandb_writer.history({"_step": s, "loss": 1 / (s + 1)}) for s in range(3, more)]
        log.write_bytes(wandb_writer.frame(records))  # the SDK appends: same leading bytes
        result = poller.poll()
        runs.update(apply_poll(runs, result))
    assert result.changes[0].appended is not None  # the second change was read incrementally
    assert runs[run_id].points.get_column("step").to_list() == [float(s) for s in range(8)]
    log.write_bytes(wandb_writer.frame([*records, wandb_writer.exit_record(0)]))
    done = apply_poll(runs, poller.poll())[run_id]
    assert done.status == "finished" and done.points.height == 8


def test_mlflow_sqlite_runs_follow_their_store(tmp_path: Path) -> None:
    """A run inside a store file (``lab/mlflow.db/<run_uuid>``) is watched through the store
    and re-read whole when it changes; it is not gone."""
    from tests.core.test_mlflow_sqlite import _unpack

    lab = _unpack(tmp_path)
    poller = Poller([lab])
    runs = _loaded(lab, poller)
    run = next(r for r in runs.values() if r.ref.format == "mlflow-sqlite" and r.points.height)
    store, run_uuid = run.ref.path.parent, run.ref.path.name
    metric, step = run.points.row(0)[0], run.points.get_column("step").max() + 1
    with sqlite3.connect(store) as db:
        db.execute(
            "INSERT INTO metrics (key, value, timestamp, run_uuid, step, is_nan)"
            " VALUES (?, 0.5, 1700000000000, ?, ?, 0)",
            (metric, run_uuid, int(step)),
        )
    result = poller.poll()
    assert result.gone == ()
    changed = apply_poll(runs, result)
    assert step in changed[run.ref.id].points.filter(pl.col("metric") == metric)["step"]
