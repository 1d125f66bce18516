"""Event files read a buffer at a time: the same records, problems and offsets as a whole
read, whatever the buffer size; a time budget that stops with an Issue naming the byte."""

from __future__ import annotations

import os
import random
import struct
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from curvelens.core.readers import textfile, tfrecord
from curvelens.core.readers.tensorboard import TensorBoardReader
from curvelens.core.readers.tfevents import EventScalars, decode_events, read_event_file
from tests.core.tfevents_writer import event, record, simple_value, tensor_value


def _body(steps: range, tag: str = "loss") -> bytes:
    return b"".join(record(event(s, 1.0 + s, [simple_value(tag, s * 0.5)])) for s in steps)


def _damaged(kind: str) -> bytes:
    head = record(event(0, 1.0))
    if kind == "clean":
        return head + _body(range(60))
    if kind == "flip":
        data = bytearray(head + _body(range(60)))
        data[len(head) + 700] ^= 0x10
        return bytes(data)
    if kind == "length":
        data = bytearray(head + _body(range(60)))
        data[len(head) + 400 : len(head) + 408] = struct.pack("<Q", 2**40)
        return bytes(data)
    if kind == "hole":
        return head + _body(range(10)) + bytes(5000) + _body(range(10, 20))
    if kind == "garbage":
        return head + _body(range(5)) + random.Random(3).randbytes(3000) + _body(range(5, 9))
    if kind == "mixed":
        values = [record(event(s, 1.0, [tensor_value("b", -s)])) for s in range(30)]
        return head + _body(range(30)) + b"".join(values)
    if kind == "cut":
        return (head + _body(range(40)))[:-9]
    raise AssertionError(kind)


def _same(streamed: EventScalars, whole: EventScalars) -> None:
    assert streamed.points.equals(whole.points)
    assert streamed.problems == whole.problems
    assert (streamed.end_offset, streamed.cut_at) == (whole.end_offset, whole.cut_at)
    assert streamed.error == whole.error


@pytest.mark.parametrize("kind", ["clean", "flip", "length", "hole", "garbage", "mixed", "cut"])
@pytest.mark.parametrize("chunk", [16, 97, 1000, 1 << 20])
def test_any_buffer_size_reads_as_the_whole_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str, chunk: int
) -> None:
    data = _damaged(kind)
    path = tmp_path / "events.out.tfevents.1.host"
    path.write_bytes(data)
    monkeypatch.setattr(tfrecord, "CHUNK_BYTES", chunk)
    whole = decode_events(data)
    _same(read_event_file(path), whole)
    damaged = bool(whole.problems) or whole.cut_at is not None
    assert damaged == (kind not in ("clean", "mixed")) and whole.points.height


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 10**9), st.integers(1, 255)), min_size=1, max_size=5),
    st.integers(16, 600),
)
def test_flipped_bytes_read_the_same_streamed(flips: list[tuple[int, int]], chunk: int) -> None:
    data = bytearray(record(event(0, 1.0)) + _body(range(40)))
    for where, bits in flips:
        data[where % len(data)] ^= bits
    folder = Path(os.environ.get("TMPDIR", "/tmp")) / f"curvelens-stream-{os.getpid()}"
    folder.mkdir(exist_ok=True)
    path = folder / "events.out.tfevents.1.host"
    path.write_bytes(bytes(data))
    saved = tfrecord.CHUNK_BYTES
    tfrecord.CHUNK_BYTES = chunk
    try:
        _same(read_event_file(path), decode_events(bytes(data)))
    finally:
        tfrecord.CHUNK_BYTES = saved
        path.unlink()
        folder.rmdir()


def test_a_spent_budget_keeps_the_first_buffer_and_names_the_byte(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    head = record(event(0, 1.0))
    size = len(record(event(1, 2.0, [simple_value("loss", 0.5)])))
    (tmp_path / "events.out.tfevents.1.host").write_bytes(head + _body(range(100)))
    monkeypatch.setattr(tfrecord, "CHUNK_BYTES", len(head) + 10 * size)
    monkeypatch.setattr(textfile, "FILE_BUDGET_S", -1.0)
    result = TensorBoardReader().read(tmp_path)
    assert result.points.get_column("step").to_list() == [float(s) for s in range(10)]
    (issue,) = result.issues
    assert issue.message.startswith(f"byte {len(head) + 10 * size}: reading stopped after")
    assert "later records not read" in issue.message


def test_a_spent_budget_stops_the_search_through_a_hole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    head = record(event(0, 1.0))
    data = head + _body(range(3)) + random.Random(5).randbytes(5 << 20) + _body(range(3, 6))
    (tmp_path / "events.out.tfevents.1.host").write_bytes(data)
    monkeypatch.setattr(textfile, "FILE_BUDGET_S", -1.0)
    result = TensorBoardReader().read(tmp_path)
    assert result.points.get_column("step").to_list() == [0.0, 1.0, 2.0]
    assert any("reading stopped after" in issue.message for issue in result.issues)


def test_a_record_too_large_for_a_scalar_is_skipped_unread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    big = record(bytes(5000))  # framed correctly: a graph-sized payload
    data = record(event(0, 1.0)) + _body(range(3)) + big + _body(range(3, 6))
    (tmp_path / "events.out.tfevents.1.host").write_bytes(data)
    monkeypatch.setattr(tfrecord, "CHUNK_BYTES", 256)
    monkeypatch.setattr(tfrecord, "MAX_RECORD", 4096)
    result = TensorBoardReader().read(tmp_path)
    assert result.points.get_column("step").to_list() == [float(s) for s in range(6)]
    (issue,) = result.issues
    assert "record of 5,000 bytes skipped unread" in issue.message


def test_a_sparse_hole_between_records_is_passed_over(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    head = record(event(0, 1.0)) + _body(range(4))
    tail = _body(range(4, 8))
    path = tmp_path / "events.out.tfevents.1.host"
    with open(path, "wb") as handle:
        handle.write(head)
        handle.seek(len(head) + (8 << 20))  # a hole: never written
        handle.write(tail)
    monkeypatch.setattr(tfrecord, "CHUNK_BYTES", 1 << 20)
    streamed = read_event_file(path)
    assert streamed.steps == [float(s) for s in range(8)]
    assert streamed.problems == [(len(head), f"corrupt record length, {8 << 20} bytes skipped")]
    _same(streamed, decode_events(path.read_bytes()))


def test_events_of_several_values_decode_in_file_order() -> None:
    def values(step: int) -> list[bytes]:
        out = [simple_value(f"m{i}", step * 10 + i) for i in range(3)]
        if step % 4 == 3:  # a tensor among them: the record is decoded field by field
            out.insert(1, tensor_value("t", -step))
        return out

    data = record(event(0, 1.0)) + b"".join(record(event(s, 1.0 + s, values(s))) for s in range(12))
    out = decode_events(data)
    want = []
    for step in range(12):
        tags = ["m0", "t", "m1", "m2"] if step % 4 == 3 else ["m0", "m1", "m2"]
        want += [(tag, float(step)) for tag in tags]
    assert list(zip(out.tags, out.steps, strict=True)) == want
    by_tag = dict(zip(zip(out.tags, out.steps, strict=True), out.values, strict=True))
    assert by_tag[("m2", 5.0)] == 52.0 and by_tag[("t", 7.0)] == -7.0
    assert not out.problems
