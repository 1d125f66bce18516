"""Decode scalar summaries from TensorBoard event files, without TensorFlow or tensorboard.

An event file is a sequence of TFRecords (:mod:`curvelens.core.readers.tfrecord`: every
length and payload checksum verified, corrupt records reported with their offset and the
rest read); each payload is an ``Event`` protobuf. Records in the common one-scalar layout
are decoded all at once (:mod:`curvelens.core.readers.tfevents_fast`); the others field by
field here, by hand: only the handful of fields that carry scalars.

Scalars come in two styles: old ``simple_value`` (torch, tensorboardX, TF1, Lightning) and
new 0-d ``tensor`` values tagged with the ``scalars`` plugin (TF2/Keras). The plugin name may
only be sent with a tag's first value, so it is remembered per tag. Other plugins
(histograms, images, text) and graph records are skipped; ``add_hparams`` values
(the ``hparams`` plugin's session-start info) are kept as :attr:`EventScalars.hparams`.

A live file usually ends in a half-written record: decoding stops at the last complete one
and reports its end offset and the cut record (:attr:`EventScalars.cut_at`).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import polars as pl

from curvelens.core.params import ParamValue
from curvelens.core.readers.protobuf import fields, signed, varint
from curvelens.core.readers.tbhparams import PLUGIN, session_hparams
from curvelens.core.readers.textfile import Budget, open_log
from curvelens.core.readers.tfevents_fast import FastScalars, fast_scalars
from curvelens.core.readers.tfrecord import Framer, frame, frames
from curvelens.core.schema import POINTS

_DOUBLE = struct.Struct("<d")
_FLOAT = struct.Struct("<f")
_HALF = struct.Struct("<e")

# TensorProto dtypes that can hold a scalar, mapped to (struct for tensor_content, size).
_DT_FLOAT, _DT_DOUBLE, _DT_INT32, _DT_INT64, _DT_BFLOAT16, _DT_HALF = 1, 2, 3, 9, 14, 19


@dataclass
class EventScalars:
    """Scalars decoded from one event file, in file order."""

    points: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=POINTS))
    """``POINTS`` in write order (not de-duplicated)."""
    hparams: dict[str, ParamValue] = field(default_factory=dict)
    """``add_hparams`` values (the hparams plugin's session start info)."""
    restarts: int = 0
    """SessionLog START records after the first event, and a tag's step going backwards."""
    end_offset: int = 0
    """Byte offset just past the last complete record (where a later poll resumes)."""
    cut_at: int | None = None
    """Offset of a last record cut short by the end of the file (a write in progress)."""
    deduped: bool = False
    """``points`` is already sorted by metric then step, steps rising (no write repeated)."""
    problems: list[tuple[int, str]] = field(default_factory=list)
    """(byte offset, what is wrong) for each corrupt record or stretch skipped."""
    error: str | None = None
    """Why the file is not a readable event file (e.g. a Git LFS pointer), if it is not."""

    @property
    def tags(self) -> list[str]:
        """The tag of each scalar, in file order."""
        return self.points.get_column("metric").to_list()

    @property
    def steps(self) -> list[float]:
        """The step of each scalar."""
        return self.points.get_column("step").to_list()

    @property
    def values(self) -> list[float]:
        """Each scalar's value."""
        return self.points.get_column("value").to_list()

    @property
    def wall_times(self) -> list[float]:
        """Each scalar's wall time (unix seconds)."""
        return self.points.get_column("wall_time").to_list()


def _plugin(metadata: bytes) -> tuple[str | None, bytes]:
    """The plugin name and content of a SummaryMetadata."""
    name: str | None = None
    content = b""
    for number, _, value in fields(metadata):
        if number == 1 and isinstance(value, bytes):
            for sub_number, _, sub_value in fields(value):
                if sub_number == 1 and isinstance(sub_value, bytes):
                    name = sub_value.decode("utf-8", "replace")
                elif sub_number == 2 and isinstance(sub_value, bytes):
                    content = sub_value
    return name, content


def _tensor_scalar(tensor: bytes) -> float | None:
    """The value of a 0-d numeric TensorProto, or None when it is not a scalar."""
    dtype = 0
    content = b""
    repeated: list[float] = []
    for number, wire, value in fields(tensor):
        if number == 1 and isinstance(value, int):
            dtype = value
        elif number == 2 and isinstance(value, bytes) and value:
            return None  # a shape with dimensions: not a scalar
        elif number == 4 and isinstance(value, bytes):
            content = value
        elif number in (5, 6, 7, 10, 13):
            repeated.extend(_repeated_numbers(number, wire, value))
    return _scalar_from(dtype, content, repeated)


def _repeated_numbers(number: int, wire: int, value: object) -> list[float]:
    if number == 5:  # float_val, packed (wire 2) or not (wire 5)
        raw = value if isinstance(value, bytes) else b""
        return [v for (v,) in _FLOAT.iter_unpack(raw[: len(raw) // 4 * 4])]
    if number == 6:  # double_val
        raw = value if isinstance(value, bytes) else b""
        return [v for (v,) in _DOUBLE.iter_unpack(raw[: len(raw) // 8 * 8])]
    if wire == 0 and isinstance(value, int):  # int_val, int64_val, half_val unpacked
        return [float(signed(value))] if number != 13 else [_half_bits(value)]
    values: list[float] = []
    if isinstance(value, bytes):
        pos = 0
        while pos < len(value):
            item, pos = varint(value, pos)
            values.append(_half_bits(item) if number == 13 else float(signed(item)))
    return values


def _half_bits(bits: int) -> float:
    return float(_HALF.unpack(struct.pack("<H", bits & 0xFFFF))[0])


def _scalar_from(dtype: int, content: bytes, repeated: list[float]) -> float | None:
    if content:
        if dtype == _DT_FLOAT and len(content) == 4:
            return float(_FLOAT.unpack(content)[0])
        if dtype == _DT_DOUBLE and len(content) == 8:
            return float(_DOUBLE.unpack(content)[0])
        if dtype == _DT_HALF and len(content) == 2:
            return float(_HALF.unpack(content)[0])
        if dtype == _DT_BFLOAT16 and len(content) == 2:
            return float(_FLOAT.unpack(b"\x00\x00" + content)[0])
        if dtype == _DT_INT32 and len(content) == 4:
            return float(struct.unpack("<i", content)[0])
        if dtype == _DT_INT64 and len(content) == 8:
            return float(struct.unpack("<q", content)[0])
        return None
    return repeated[0] if len(repeated) == 1 else None


class _Decoder:
    """Holds per-file decoding state: the plugin of each tag, the last step seen."""

    def __init__(self, out: EventScalars) -> None:
        self.out = out
        self.plugins: dict[str, str | None] = {}
        self.tags: list[str] = []
        self.steps: list[float] = []
        self.values: list[float] = []
        self.wall_times: list[float] = []
        self.records: list[int] = []
        self.record = 0
        self.events = 0

    def event(self, record: int, payload: bytes) -> None:
        self.events += 1
        self.record = record
        wall_time = 0.0
        step = 0
        summary: bytes | None = None
        for number, _, value in fields(payload):
            if number == 1 and isinstance(value, bytes):
                wall_time = _DOUBLE.unpack(value)[0]
            elif number == 2 and isinstance(value, int):
                step = signed(value)
            elif number == 5 and isinstance(value, bytes):
                summary = value
            elif number == 7 and isinstance(value, bytes):
                self._session_log(value)
        if summary is None:
            return
        for number, _, value in fields(summary):
            if number == 1 and isinstance(value, bytes):
                self._value(value, step, wall_time)

    def _session_log(self, payload: bytes) -> None:
        for number, _, value in fields(payload):
            if number == 1 and value == 1 and self.events > 1:
                self.out.restarts += 1

    def _value(self, payload: bytes, step: int, wall_time: float) -> None:
        tag = ""
        scalar: float | None = None
        tensor: bytes | None = None
        for number, _, value in fields(payload):
            if number == 1 and isinstance(value, bytes):
                tag = value.decode("utf-8", "replace")
            elif number == 2 and isinstance(value, bytes):
                scalar = float(_FLOAT.unpack(value)[0])
            elif number == 8 and isinstance(value, bytes):
                tensor = value
            elif number == 9 and isinstance(value, bytes):
                name, content = _plugin(value)
                self.plugins[tag] = name
                if name == PLUGIN:
                    self.out.hparams.update(session_hparams(content))
        if scalar is None and tensor is not None and self.plugins.get(tag) == "scalars":
            scalar = _tensor_scalar(tensor)
        if scalar is None or not tag:
            return
        self.tags.append(tag)
        self.steps.append(step)
        self.values.append(scalar)
        self.wall_times.append(wall_time)
        self.records.append(self.record)


class _Collector:
    """The scalars of a file's buffers as they are framed: fast-path arrays per buffer
    (tag codes into one name list) and the field-by-field decoder for the rest."""

    def __init__(self, out: EventScalars, plugins: dict[str, str | None] | None) -> None:
        self.out = out
        self.slow = _Decoder(out)
        if plugins is not None:
            self.slow.plugins = plugins
        self.parts: list[FastScalars] = []
        self.names: dict[str, int] = {}
        self.records = 0

    def add(self, data: bytes, base: int, starts: np.ndarray, lengths: np.ndarray) -> None:
        """Decode the good records of one buffer (payload ``starts``/``lengths`` in
        ``data``, the file's bytes from offset ``base``)."""
        if not len(starts):
            return
        fast = fast_scalars(data, starts, lengths)
        codes = [self.names.setdefault(name, len(self.names)) for name in fast.names]
        remap = np.asarray(codes, dtype=np.int64)
        codes_here = remap[fast.codes] if codes else fast.codes
        self.parts.append(replace(fast, codes=codes_here, records=fast.records + self.records))
        for index in np.flatnonzero(~fast.matched).tolist():
            start = int(starts[index])
            try:
                self.slow.event(self.records + index, data[start : start + int(lengths[index])])
            except (ValueError, IndexError, struct.error) as exc:
                problem = f"record does not decode as an Event ({exc})"
                self.out.problems.append((base + start - 12, problem))
        self.records += len(starts)

    def finish(self) -> None:
        """Combine what every buffer gave into the points."""
        parts = self.parts or [fast_scalars(b"", np.zeros(0, np.int64), np.zeros(0, np.int64))]
        joined = {name: np.concatenate([getattr(p, name) for p in parts]) for name in _ARRAYS}
        fast = FastScalars(**joined, names=list(self.names))
        self.out.points, self.out.deduped = _combine(fast, self.slow)
        if not self.out.deduped:
            restarts = pl.col("step").diff().over("metric") < 0
            backwards = self.out.points.select(restarts.sum()).item()
            self.out.restarts += int(backwards or 0)


_ARRAYS = ("matched", "records", "steps", "values", "wall_times", "codes")


def decode_events(data: bytes, plugins: dict[str, str | None] | None = None) -> EventScalars:
    """Decode every good record of an event file's bytes into scalars. ``plugins`` (tag ->
    plugin name, updated in place) carries what earlier records of the file said when
    ``data`` starts at a later record (the live poller's appended records)."""
    framer, records = frame(data)
    out = EventScalars()
    collector = _Collector(out, plugins)
    collector.add(data, 0, records.starts, records.lengths)
    return _finish(out, framer, collector, data[:64])


def _finish(out: EventScalars, framer: Framer, collector: _Collector, head: bytes) -> EventScalars:
    """``out`` completed with the framing results and the combined points."""
    out.end_offset, out.cut_at = framer.end_offset, framer.cut_at
    out.problems[:0] = framer.problems
    out.problems.sort(key=lambda problem: problem[0])
    if not collector.records and not framer.problems and framer.cut_at is None and head:
        out.error = _not_events_message(head)
        return out
    collector.finish()
    return out


def _combine(fast: FastScalars, slow: _Decoder) -> tuple[pl.DataFrame, bool]:
    """The scalars of both decoders as ``POINTS``, and whether they are already sorted by
    metric then step with rising steps (else they are in record order)."""
    if not slow.tags:
        return _sorted(fast)
    names = pl.Series("metric", fast.names, dtype=pl.String())
    frame = pl.DataFrame(
        {
            "metric": names.gather(fast.codes),
            "step": fast.steps,
            "value": fast.values,
            "wall_time": fast.wall_times,
        },
        schema=POINTS,
    )
    order = np.concatenate([fast.records, np.asarray(slow.records, dtype=np.int64)])
    more = pl.DataFrame(
        {
            "metric": slow.tags,
            "step": slow.steps,
            "value": slow.values,
            "wall_time": slow.wall_times,
        },
        schema=POINTS,
    )
    return pl.concat([frame, more])[np.argsort(order, kind="stable")], False


def _sorted(fast: FastScalars) -> tuple[pl.DataFrame, bool]:
    """The fast decoder's scalars sorted by metric (a radix sort of tag ranks) when every
    tag's steps rise in file order; else in file order."""
    by_name = np.argsort(np.array(fast.names, dtype=object)).astype(np.int64)
    rank = np.empty_like(by_name)
    rank[by_name] = np.arange(len(by_name))
    key = rank[fast.codes].astype(np.uint16 if len(rank) < 2**16 else np.int64)
    order = np.argsort(key, kind="stable")
    key, steps = key[order], fast.steps[order]
    rising = bool((np.diff(steps)[key[1:] == key[:-1]] > 0).all())
    if not rising:
        order = np.arange(len(fast.codes))
        key, steps = rank[fast.codes], fast.steps
    names = pl.Series("metric", sorted(fast.names), dtype=pl.String())
    frame = pl.DataFrame(
        {
            "metric": names.gather(key.astype(np.int64)),
            "step": steps,
            "value": fast.values[order],
            "wall_time": fast.wall_times[order],
        },
        schema=POINTS,
    )
    return frame, rising


def _not_events_message(data: bytes) -> str:
    if data.startswith(b"version https://git-lfs"):
        return "a Git LFS pointer, not an event file (run `git lfs pull` to fetch it)"
    return "not a TensorBoard event file (the first record's length check fails)"


def read_event_file(path: Path) -> EventScalars:
    """Read and decode one event file a buffer at a time (memory follows the points kept,
    not the file size), within the file's time budget; ReadError when it is not a readable
    regular file."""
    out = EventScalars()
    framer = Framer(budget=Budget())
    collector = _Collector(out, None)
    head = b""
    with open_log(path) as handle:
        for base, data, records in frames(handle, framer):
            head = head or data[:64]
            collector.add(data, base, records.starts, records.lengths)
    return _finish(out, framer, collector, head)
