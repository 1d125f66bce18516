"""Bad-input sweep: one good run among runs that are each broken in one way.

Every broken run must come back with an error or issue naming its file and saying what is
wrong in plain words; the good run must load with the right numbers; nothing may raise,
hang or write under the root, and ``curvelens summary`` must still exit 0 with warnings.
"""

from __future__ import annotations

import json
import os
import random
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import polars as pl
import pytest
from click.testing import CliRunner

from curvelens.cli import cli
from curvelens.core.discovery import discover
from curvelens.core.loading import RUNNING_WINDOW_S, load_runs
from curvelens.core.readers import get_reader
from curvelens.core.schema import RunData

T = TypeVar("T")
RANDOM = random.Random(0)  # the same "random" bytes on every run
TS = "_20250101_000000"
ODD_NAME = "we ird ünï 实验\nline\x1b[31mred" + TS
WIDE_COLUMNS = 10_000

#: run folder -> (log file relative to the run, words the error or an issue must hold)
BAD: dict[str, tuple[str, str]] = {
    "truncated" + TS: ("logs/metrics.csv", "incomplete"),
    "header_only" + TS: ("logs/metrics.csv", "header only"),
    "all_nan" + TS: ("logs/metrics.csv", "no finite value"),
    "garbage" + TS: ("logs/metrics.csv", "binary content"),
    "zero_bytes" + TS: ("logs/metrics.csv", "empty file"),
    "dir_log" + TS: ("logs/metrics.csv", "is a directory"),
    "nul_byte" + TS: ("logs/metrics.csv", "NUL bytes"),
    "fifo" + TS: ("logs/metrics.csv", "not a regular file"),
    "jsonl_run": ("metrics.jsonl", "invalid JSON line skipped"),
    "hf_run": ("trainer_state.json", "invalid JSON"),
    "tb_run": ("events.out.tfevents.1700000000.host", "not a TensorBoard event file"),
}


def _write(path: Path, data: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)


def _reference(root: Path, name: str, log: str | bytes) -> Path:
    _write(root / name / "config.json", json.dumps({"lr": 0.1}))
    _write(root / name / "logs" / "metrics.csv", log)
    return root / name


def _build(root: Path) -> None:
    """The good run and one run per bad case (see :data:`BAD`)."""
    _reference(root, "good" + TS, "step,loss,acc\n1,0.5,0.1\n2,0.25,0.2\n3,0.125,0.3\n")
    cut = _reference(root, "truncated" + TS, "step,loss,acc\n1,0.5,0.1\n2,0.4,0.2\n3,0.3")
    old = time.time() - 10 * RUNNING_WINDOW_S  # the writer died long ago: not a live run
    os.utime(cut / "logs" / "metrics.csv", (old, old))
    _reference(root, "header_only" + TS, "step,loss\n")
    _reference(root, "all_nan" + TS, "step,loss,acc\n1,nan,0.5\n2,inf,0.6\n3,-inf,0.7\n")
    _reference(root, "garbage" + TS, RANDOM.randbytes(4096))
    _reference(root, "zero_bytes" + TS, b"")
    (root / ("dir_log" + TS) / "logs" / "metrics.csv").mkdir(parents=True)
    _reference(root, "utf16" + TS, "step,loss\n1,0.5\n2,0.25\n".encode("utf-16"))
    _reference(root, "nul_byte" + TS, b"step,loss\n1,0.5\n2,0.\x004\n3,0.125\n")
    header = ",".join(["step", *(f"layers/block_{i:05d}/m" for i in range(WIDE_COLUMNS - 1))])
    rows = [",".join([str(s), *(f"{s * i}.5" for i in range(WIDE_COLUMNS - 1))]) for s in (1, 2)]
    _reference(root, "wide" + TS, "\n".join([header, *rows]) + "\n")
    _reference(root, ODD_NAME, "step,loss\n1,2.0\n2,n/a\n")  # a warning names its path
    (root / ("fifo" + TS) / "logs").mkdir(parents=True)
    os.mkfifo(root / ("fifo" + TS) / "logs" / "metrics.csv")
    _write(root / "jsonl_run" / "metrics.jsonl", '{"step": 1, "loss": 1}\n{"step": 2, "lo\n')
    _write(root / "hf_run" / "trainer_state.json", '{"log_history": [{"step": 1, "loss": 0.')
    _write(root / "tb_run" / BAD["tb_run"][0], RANDOM.randbytes(2048))


def _snapshot(root: Path) -> dict[str, tuple[int, int]]:
    """Every path under ``root`` with its mtime (ns) and size, links not followed."""
    found = {}
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            info = os.lstat(os.path.join(folder, name))
            found[os.path.relpath(os.path.join(folder, name), root)] = (
                info.st_mtime_ns,
                info.st_size,
            )
    return found


def _finishes(call: Callable[[], T]) -> T:
    """``call()`` in a thread, failing instead of hanging (a FIFO read would block)."""
    done: list[T] = []
    worker = threading.Thread(target=lambda: done.append(call()), daemon=True)
    worker.start()
    worker.join(timeout=120)
    assert done, "hung"
    return done[0]


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("bad") / "root"
    _build(path)
    return path


@pytest.fixture(scope="module")
def loaded(root: Path) -> dict[str, RunData]:
    before = _snapshot(root)
    found = _finishes(lambda: discover([root]))
    assert found.issues == ()
    runs = _finishes(lambda: load_runs(found.runs))
    assert _snapshot(root) == before  # nothing written, touched or created under the root
    return {run.ref.id: run for run in runs}


def _series(run: RunData, metric: str) -> dict[float, float]:
    points = run.points.filter(pl.col("metric") == metric)
    return dict(points.select("step", "value").rows())


def test_every_run_is_found(loaded: dict[str, RunData]) -> None:
    expected = {*BAD, "good" + TS, "utf16" + TS, "wide" + TS, ODD_NAME}
    assert set(loaded) == expected


def test_the_good_run_loads_with_its_numbers(loaded: dict[str, RunData]) -> None:
    good = loaded["good" + TS]
    assert good.error is None and good.issues == ()
    assert _series(good, "loss") == {1.0: 0.5, 2.0: 0.25, 3.0: 0.125}
    assert _series(good, "acc") == {1.0: 0.1, 2.0: 0.2, 3.0: 0.3}
    assert good.params == {"lr": 0.1}


@pytest.mark.parametrize("name", sorted(BAD))
def test_each_bad_run_says_what_is_wrong_with_which_file(
    loaded: dict[str, RunData], root: Path, name: str
) -> None:
    log, words = BAD[name]
    run = loaded[name]
    messages = [run.error] if run.error is not None else []
    messages += [str(issue) for issue in run.issues]
    file = root / name / log
    assert any(words in m and file.name in m and name in m for m in messages), messages


def test_what_the_bad_runs_still_hold(loaded: dict[str, RunData]) -> None:
    assert _series(loaded["truncated" + TS], "loss") == {1.0: 0.5, 2.0: 0.4}
    assert _series(loaded["nul_byte" + TS], "loss") == {1.0: 0.5, 3.0: 0.125}
    assert _series(loaded["jsonl_run"], "loss") == {1.0: 1.0}
    nan = loaded["all_nan" + TS]
    assert [str(v) for v in _series(nan, "loss").values()] == ["nan", "inf", "-inf"]
    assert _series(nan, "acc") == {1.0: 0.5, 2.0: 0.6, 3.0: 0.7}


def test_utf16_wide_and_odd_names_load(loaded: dict[str, RunData], root: Path) -> None:
    utf16 = loaded["utf16" + TS]
    assert utf16.error is None and _series(utf16, "loss") == {1.0: 0.5, 2.0: 0.25}
    wide = loaded["wide" + TS]
    assert wide.error is None and wide.issues == ()
    assert len(wide.metrics) == WIDE_COLUMNS - 1
    assert _series(wide, "layers/block_09998/m") == {1.0: 9998.5, 2.0: 19996.5}
    described = get_reader("reference").describe(root / ("wide" + TS))
    assert len(described.metrics) == WIDE_COLUMNS - 1
    odd = loaded[ODD_NAME]
    assert odd.ref.name == ODD_NAME and _series(odd, "loss") == {1.0: 2.0}
    assert [i.message for i in odd.issues] == ["column 'loss': 1 non-numeric values ignored"]


def test_summary_cli_exits_0_with_warnings_and_no_terminal_escapes(root: Path) -> None:
    before = _snapshot(root)
    result = _finishes(lambda: CliRunner().invoke(cli, ["summary", str(root)], color=True))
    assert result.exit_code == 0, result.output
    assert _snapshot(root) == before
    for name, (log, words) in BAD.items():
        assert any(words in line and log.split("/")[-1] in line for line in
                   result.stderr.splitlines()), name  # fmt: skip
    assert "\x1b" not in result.stdout and "\x1b" not in result.stderr
    assert "loss" in result.stdout
