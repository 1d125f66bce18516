"""`curvelens tail` as a subprocess: points as written, new runs, SIGINT exits 0."""

from __future__ import annotations

import json
import queue
import signal
import subprocess
import sys
import threading
from pathlib import Path

WAIT_S = 60.0
"""How long to wait for an expected line before failing (a generous bound, not a timing)."""


def _start(*args: str) -> tuple[subprocess.Popen[str], queue.Queue[str]]:
    process = subprocess.Popen(
        [sys.executable, "-m", "curvelens", "tail", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line)

    threading.Thread(target=pump, daemon=True).start()
    return process, lines


def _next(lines: queue.Queue[str]) -> dict[str, object]:
    return json.loads(lines.get(timeout=WAIT_S))


def _stop(process: subprocess.Popen[str]) -> int:
    process.send_signal(signal.SIGINT)
    return process.wait(timeout=WAIT_S)


def _run(root: Path, name: str, rows: str) -> Path:
    folder = root / name
    folder.mkdir()
    (folder / "metrics.csv").write_text("step,loss,acc\n" + rows)
    return folder / "metrics.csv"


def test_tail_from_start_then_appends_then_new_run(tmp_path: Path) -> None:
    log = _run(tmp_path, "a", "1,0.5,\n2,0.4,0.1\n")
    process, lines = _start(str(tmp_path), "--from-start", "--format", "jsonl", "--interval", "0.1")
    try:
        assert [_next(lines) for _ in range(3)] == [
            {"run": "a", "metric": "loss", "step": 1, "value": 0.5, "wall_time": None},
            {"run": "a", "metric": "acc", "step": 2, "value": 0.1, "wall_time": None},
            {"run": "a", "metric": "loss", "step": 2, "value": 0.4, "wall_time": None},
        ]
        with log.open("a") as handle:
            handle.write("3,nan,0.")  # cut mid-line: nothing yet
            handle.flush()
            _run(tmp_path, "b\x1b[31m", "7,1.5,\n")  # a new run with an escape in its name
            handle.write("2\n")
        got = [_next(lines) for _ in range(3)]
        assert {"run": "a", "metric": "acc", "step": 3, "value": 0.2, "wall_time": None} in got
        assert {"run": "a", "metric": "loss", "step": 3, "value": None, "wall_time": None} in got
        assert {"run": "b?[31m", "metric": "loss", "step": 7, "value": 1.5, "wall_time": None} in (
            got
        )
    finally:
        code = _stop(process)
    assert code == 0
    assert lines.empty()  # nothing printed twice


def test_tail_from_now_skips_old_points_and_filters_metrics(tmp_path: Path) -> None:
    log = _run(tmp_path, "a", "1,0.5,0.9\n")
    process, lines = _start(str(tmp_path), "--metrics", "^loss$", "--interval", "0.1")
    try:
        step, text = 2, ""
        while not text:  # until the first poll has happened, every new row may be missed
            with log.open("a") as handle:
                handle.write(f"{step},0.25,0.8\n")
            step += 1
            try:
                text = lines.get(timeout=0.5)
            except queue.Empty:
                continue
        with log.open("a") as handle:
            handle.write(f"{step},0.125,0.7\n")
        seen = [text.split()]
        while seen[-1][3] != "0.125":
            seen.append(lines.get(timeout=WAIT_S).split())
        first = int(seen[0][2])
        assert first >= 2  # the row written before tail started is not printed
        assert seen == [
            ["a", "loss", str(s), "0.25" if s < step else "0.125"] for s in range(first, step + 1)
        ]
    finally:
        code = _stop(process)
    assert code == 0
