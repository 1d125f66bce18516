"""Decode scalar summaries from TensorBoard event files, without TensorFlow or tensorboard.

An event file is a sequence of TFRecords (8-byte little-endian length, 4-byte masked CRC32C
of the length, payload, 4-byte masked CRC32C of the payload); each payload is an ``Event``
protobuf. Only the handful of fields that carry scalars are decoded by hand: this is about
40 times faster than tensorboard's own reader, which matters for runs with a million points.

Scalars come in two styles: old ``simple_value`` (torch, tensorboardX, TF1, Lightning) and
new 0-d ``tensor`` values tagged with the ``scalars`` plugin (TF2/Keras). The plugin name may
only be sent with a tag's first value, so it is remembered per tag. Other plugins
(histograms, images, text, hparams) and graph records are skipped.

A live file usually ends in a half-written record: decoding stops at the last complete one
and reports its end offset. Record CRCs are checked only where it tells garbage from a cut
record (the first and the last record), since a Python CRC of every record costs seconds.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path

from curvelens.core.readers.protobuf import fields, signed, varint
from curvelens.core.readers.textfile import read_regular

_HEADER = struct.Struct("<QI")
_DOUBLE = struct.Struct("<d")
_FLOAT = struct.Struct("<f")
_HALF = struct.Struct("<e")

# TensorProto dtypes that can hold a scalar, mapped to (struct for tensor_content, size).
_DT_FLOAT, _DT_DOUBLE, _DT_INT32, _DT_INT64, _DT_BFLOAT16, _DT_HALF = 1, 2, 3, 9, 14, 19


@dataclass
class EventScalars:
    """Scalars decoded from one event file, as parallel lists in file order."""

    tags: list[str] = field(default_factory=list)
    steps: list[int] = field(default_factory=list)
    values: list[float] = field(default_factory=list)
    wall_times: list[float] = field(default_factory=list)
    restarts: int = 0
    """SessionLog START records after the first event, and a tag's step going backwards."""
    end_offset: int = 0
    """Byte offset just past the last complete record (where a later poll resumes)."""
    error: str | None = None
    """Why the file is not a readable event file (e.g. a Git LFS pointer), if it is not."""


def _crc32c_table() -> list[int]:
    table = []
    for n in range(256):
        crc = n
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
        table.append(crc)
    return table


_CRC_TABLE = _crc32c_table()


def masked_crc32c(data: bytes) -> int:
    """TFRecord's masked CRC32C (Castagnoli) of ``data``."""
    crc = 0xFFFFFFFF
    for byte in data:
        crc = _CRC_TABLE[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    crc ^= 0xFFFFFFFF
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def _plugin_name(metadata: bytes) -> str | None:
    for number, _, value in fields(metadata):
        if number == 1 and isinstance(value, bytes):
            for sub_number, _, sub_value in fields(value):
                if sub_number == 1 and isinstance(sub_value, bytes):
                    return sub_value.decode("utf-8", "replace")
    return None


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

    def __init__(self) -> None:
        self.out = EventScalars()
        self.plugins: dict[str, str | None] = {}
        self.last_step: dict[str, int] = {}
        self.tag_names: dict[bytes, str] = {}
        self.events = 0

    def event(self, payload: bytes) -> None:
        self.events += 1
        if not self._event_fast(payload):
            self._event_slow(payload)

    def _event_fast(self, payload: bytes) -> bool:
        """Decode the usual layout (wall_time, step, summary) without splitting fields."""
        if len(payload) < 11 or payload[0] != 0x09:
            return False
        wall_time = _DOUBLE.unpack_from(payload, 1)[0]
        step, pos = 0, 9
        if payload[pos] == 0x10:
            raw_step, pos = varint(payload, pos + 1)
            step = signed(raw_step)
        if pos >= len(payload) or payload[pos] != 0x2A:
            return False
        size, pos = varint(payload, pos + 1)
        if pos + size != len(payload):
            return False
        while pos < len(payload):
            if payload[pos] != 0x0A:
                return False
            size, pos = varint(payload, pos + 1)
            self._value(payload[pos : pos + size], step, wall_time)
            pos += size
        return True

    def _event_slow(self, payload: bytes) -> None:
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
        size = payload[1] if len(payload) > 1 else 0
        common = payload[:1] == b"\x0a" and size < 0x80 and len(payload) == size + 7
        if common and payload[size + 2] == 0x15:  # just a tag and a simple_value
            self._append(self._tag(payload[2 : size + 2]), step, wall_time, payload, size + 3)
            return
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
                self.plugins[tag] = _plugin_name(value)
        if scalar is None and tensor is not None and self.plugins.get(tag) == "scalars":
            scalar = _tensor_scalar(tensor)
        if scalar is None or not tag:
            return
        self._add(tag, step, wall_time, scalar)

    def _tag(self, raw: bytes) -> str:
        tag = self.tag_names.get(raw)
        if tag is None:
            tag = self.tag_names[raw] = raw.decode("utf-8", "replace")
        return tag

    def _append(self, tag: str, step: int, wall_time: float, payload: bytes, at: int) -> None:
        self._add(tag, step, wall_time, float(_FLOAT.unpack_from(payload, at)[0]))

    def _add(self, tag: str, step: int, wall_time: float, scalar: float) -> None:
        if step < self.last_step.get(tag, step):
            self.out.restarts += 1
        self.last_step[tag] = step
        self.out.tags.append(tag)
        self.out.steps.append(step)
        self.out.values.append(scalar)
        self.out.wall_times.append(wall_time)


def decode_events(data: bytes, plugins: dict[str, str | None] | None = None) -> EventScalars:
    """Decode every complete record of an event file's bytes into scalars. ``plugins``
    (tag -> plugin name, updated in place) carries what earlier records of the file said
    when ``data`` starts at a later record (the live poller's appended records)."""
    decoder = _Decoder()
    if plugins is not None:
        decoder.plugins = plugins
    pos, size = 0, len(data)
    while pos + _HEADER.size <= size:
        length, length_crc = _HEADER.unpack_from(data, pos)
        end = pos + _HEADER.size + length + 4
        if end > size or (pos == 0 and masked_crc32c(data[:8]) != length_crc):
            if masked_crc32c(data[pos : pos + 8]) != length_crc:
                decoder.out.error = _not_events_message(data, pos)
            break
        payload = data[pos + _HEADER.size : end - 4]
        try:
            decoder.event(payload)
        except (ValueError, IndexError, struct.error) as exc:
            decoder.out.error = f"record at byte {pos} is corrupt ({exc})"
            break
        pos = end
    decoder.out.end_offset = pos
    return decoder.out


def _not_events_message(data: bytes, pos: int) -> str:
    if data.startswith(b"version https://git-lfs"):
        return "a Git LFS pointer, not an event file (run `git lfs pull` to fetch it)"
    if pos == 0:
        return "not a TensorBoard event file (the first record's length check fails)"
    return f"corrupt record at byte {pos} (length check fails); later records skipped"


def read_event_file(path: Path) -> EventScalars:
    """Read and decode one event file (ReadError when it is not a readable regular file)."""
    return decode_events(read_regular(path))
