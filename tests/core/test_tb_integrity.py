"""TensorBoard: files written by torch's SummaryWriter as tensorboard reads them, every
checksum verified, corrupt records reported with their offset and the rest read."""

from __future__ import annotations

import importlib.util
import json
import os
import random
import shutil
import struct
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from curvelens.core.discovery import discover
from curvelens.core.loading import load_runs
from curvelens.core.readers import tfrecord
from curvelens.core.readers.tensorboard import TensorBoardReader
from curvelens.core.readers.tfevents import decode_events
from tests.core.tfevents_writer import event, record, simple_value, tensor_value

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "tensorboard"
EXPECTED = json.loads((FIXTURES / "expected.json").read_text())
READER = TensorBoardReader()


def _last_per_step(events: list[list[float]]) -> dict[float, float]:
    last: dict[float, float] = {}
    for step, value, _wall in events:
        last[float(step)] = value
    return last


def _series(points: pl.DataFrame, metric: str) -> dict[float, float]:
    return dict(points.filter(pl.col("metric") == metric).select("step", "value").rows())


def test_torch_files_read_as_tensorboard_reads_them() -> None:
    runs = {run.ref.id: run for run in load_runs(discover([FIXTURES]).runs)}
    assert sorted(runs) == ["run", "run/loss_train", "run/loss_val"]  # as TensorBoard lists
    for folder, scalars in EXPECTED["folders"].items():
        run = runs.get(folder, runs["run"])  # the add_hparams sub-folder belongs to run
        for tag, events in scalars.items():
            assert _series(run.points, tag) == _last_per_step(events)
    assert runs["run"].resumed  # the second file went back to step 3
    for key, value in EXPECTED["hparams"].items():
        assert runs["run"].params[key] == value


def _scalars_file(count: int) -> bytes:
    head = record(event(0, 1.0))
    body = [record(event(s, 1.0 + s, [simple_value("loss", s * 0.5)])) for s in range(count)]
    return head + b"".join(body)


def test_flipped_payload_byte_is_reported_and_the_rest_read() -> None:
    data = bytearray(_scalars_file(50))
    size = len(record(event(1, 2.0, [simple_value("loss", 0.5)])))
    offset = len(record(event(0, 1.0))) + 10 * size
    data[offset + 14] ^= 0x40  # inside record 10's payload (its wall time)
    out = decode_events(bytes(data))
    assert out.problems == [(offset, "record payload checksum mismatch (corrupt), skipped")]
    assert sorted(out.steps) == [float(s) for s in range(50) if s != 10]


def test_corrupt_length_resynchronises_and_reports_the_bytes_skipped() -> None:
    data = bytearray(_scalars_file(50))
    size = len(record(event(1, 2.0, [simple_value("loss", 0.5)])))
    offset = len(record(event(0, 1.0))) + 20 * size
    data[offset : offset + 8] = struct.pack("<Q", 2**40)  # a "huge" length, bad checksum
    out = decode_events(bytes(data))
    assert out.problems == [(offset, f"corrupt record length, {size} bytes skipped")]
    assert sorted(out.steps) == [float(s) for s in range(50) if s != 20]


def test_huge_length_in_the_last_record_is_not_a_silent_end() -> None:
    data = _scalars_file(5) + struct.pack("<QI", 2**40, 0) + b"garbage"
    out = decode_events(data)
    assert out.problems and "corrupt record length" in out.problems[0][1]
    assert len(out.steps) == 5 and out.cut_at is None


def test_cut_last_record_is_pending_while_the_rest_loads(tmp_path: Path) -> None:
    data = _scalars_file(5)
    (tmp_path / "events.out.tfevents.1.host").write_bytes(data[:-7])
    result = READER.read(tmp_path)
    assert len(result.points) == 4 and not result.issues
    assert [issue.message for issue in result.pending] == [
        f"byte {len(data) - len(record(event(4, 5.0, [simple_value('loss', 2.0)])))}: "
        "last record incomplete, not read"
    ]


def test_garbage_inside_a_file_between_good_records() -> None:
    noise = random.Random(1).randbytes(3000)
    data = _scalars_file(3) + noise + record(event(9, 10.0, [simple_value("loss", 4.5)]))
    out = decode_events(data)
    assert out.steps == [0.0, 1.0, 2.0, 9.0]
    assert len(out.problems) == 1 and "3000 bytes skipped" in out.problems[0][1]


def test_mixed_layouts_keep_file_order() -> None:
    data = record(event(0, 1.0)) + b"".join(
        record(event(s, 1.0, [simple_value("a", s), tensor_value("b", -s)])) for s in range(3)
    )
    data += record(event(5, 1.0, [simple_value("a", 5.0)]))
    out = decode_events(data)
    assert list(zip(out.tags, out.steps, strict=True)) == [
        ("a", 0.0),
        ("b", 0.0),
        ("a", 1.0),
        ("b", 1.0),
        ("a", 2.0),
        ("b", 2.0),
        ("a", 5.0),
    ]


def test_c_and_python_crc32c_agree() -> None:
    rng = random.Random(0)
    for size in (0, 1, 7, 8, 100, 4097):
        data = rng.randbytes(size)
        assert tfrecord._python_crc32c(data) == tfrecord.crc32c(data)
    assert tfrecord.crc32c(b"123456789") == 0xE3069283  # the CRC-32C check value


def test_bad_event_files_are_issues_not_crashes(tmp_path: Path) -> None:
    run = tmp_path / "run"
    shutil.copytree(FIXTURES / "run", run, ignore=shutil.ignore_patterns("1*"))
    (run / "events.out.tfevents.1.garbage").write_bytes(os.urandom(2000))
    (run / "events.out.tfevents.2.empty").write_bytes(b"")
    (run / "events.out.tfevents.3.truncated").write_bytes(_scalars_file(3)[:30])
    (run / "events.out.tfevents.4.dir").mkdir()
    result = READER.read(run)
    messages = {issue.path.name: issue.message for issue in (*result.issues, *result.pending)}
    assert "not a TensorBoard event file" in messages["events.out.tfevents.1.garbage"]
    assert "incomplete" in messages["events.out.tfevents.3.truncated"]
    assert _series(result.points, "lr")


@pytest.mark.skipif(importlib.util.find_spec("tensorboard") is None, reason="no tensorboard")
def test_agrees_with_event_accumulator_on_a_corrupt_free_file(tmp_path: Path) -> None:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    (tmp_path / "events.out.tfevents.1.host").write_bytes(_scalars_file(200))
    acc = EventAccumulator(str(tmp_path), size_guidance={"scalars": 0})
    acc.Reload()
    want = {float(e.step): e.value for e in acc.Scalars("loss")}
    assert _series(READER.read(tmp_path).points, "loss") == want


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 10**9), st.integers(1, 255)), min_size=1, max_size=6))
def test_any_flipped_bytes_lose_only_the_records_they_touch(flips: list[tuple[int, int]]) -> None:
    head = record(event(0, 1.0))
    bodies = [record(event(s, 1.0 + s, [simple_value("loss", s * 0.5)])) for s in range(40)]
    data = bytearray(head + b"".join(bodies))
    touched = set()
    for where, mask in flips:
        position = where % len(data)
        data[position] ^= mask
        touched.add(position)
    out = decode_events(bytes(data))
    start = len(head)
    intact = set()
    for step, body in enumerate(bodies):
        if not touched & set(range(start, start + len(body))):
            intact.add(float(step))
        start += len(body)
    if touched & set(range(len(head))):
        return  # the first record is what says "this is an event file"
    assert intact <= set(out.steps) <= {float(s) for s in range(40)}
    assert all(v == s * 0.5 for s, v in zip(out.steps, out.values, strict=True))
