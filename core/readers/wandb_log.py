"""Decoding W&B's ``run-<id>.wandb`` transaction log: LevelDB-log framing, then ``Record``s.

File layout: a 7-byte header (``:W&B``, uint16 magic 0xBEE1, uint8 version 0), then 32 KiB
blocks counted from the start of the file. Each record chunk has a 7-byte header (uint32
little-endian CRC-32 of the type byte + data, uint16 length, uint8 type: 1 FULL, 2 FIRST,
3 MIDDLE, 4 LAST); a block tail shorter than 7 bytes is padding. Chunks are reassembled
into ``wandb_internal.Record`` protobufs, of which only history (2), run (17) and exit (18)
are decoded by hand. A live run's file ends mid-record or in zeros: decoding stops there.
"""

from __future__ import annotations

import json
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field

from curvelens.core.readers.protobuf import fields, signed

MAGIC = b":W&B" + struct.pack("<HB", 0xBEE1, 0)
BLOCK = 32 * 1024
_CHUNK = struct.Struct("<IHB")
_FULL, _FIRST, _MIDDLE, _LAST = 1, 2, 3, 4
# wandb_internal.proto field numbers (Record, HistoryRecord, HistoryItem, RunRecord ...).
_REC_HISTORY, _REC_RUN, _REC_EXIT = 2, 17, 18
_HIST_ITEM, _HIST_STEP = 1, 2
_ITEM_KEY, _ITEM_NESTED, _ITEM_JSON = 1, 2, 16
_RUN_DISPLAY_NAME, _RUN_START_TIME = 8, 17


@dataclass
class WandbLog:
    """What a ``.wandb`` file holds that curvelens uses."""

    history: list[dict[str, object]] = field(default_factory=list)
    """One dict per history record: item key (nested keys joined by ``.``) -> decoded JSON."""
    display_name: str | None = None
    start_time: float | None = None
    """Run start, unix seconds, from the run record."""
    exit_code: int | None = None
    """Set when the run ended (an exit record was written)."""
    error: str | None = None
    """Why decoding stopped before the end of the file, when it was not a clean end."""
    end_offset: int = 0
    """File offset just past the last complete record decoded."""


def records(data: bytes) -> Iterator[bytes]:
    """Reassembled record payloads; stops at the first incomplete or corrupt chunk.

    Raises ValueError when the file does not start with the W&B header.
    """
    return (payload for payload, _ in framed(data))


def framed(data: bytes, offset: int = 0) -> Iterator[tuple[bytes, int]]:
    """:func:`records` with the file offset just past each record; ``data`` holds the
    file's bytes from ``offset`` (0, or where a record ended: the live poller's appended
    bytes). Raises ValueError when ``offset`` is 0 and the W&B header is missing."""
    if offset == 0 and not data.startswith(MAGIC):
        raise ValueError("not a W&B transaction log (bad file header)")
    pos, pending = offset or len(MAGIC), bytearray()
    size = offset + len(data)
    while True:
        room = BLOCK - pos % BLOCK
        if room < _CHUNK.size:
            pos += room
            continue
        if pos + _CHUNK.size > size:
            return
        crc, length, kind = _CHUNK.unpack_from(data, pos - offset)
        start, end = pos + _CHUNK.size, pos + _CHUNK.size + length
        if kind == 0 or end > size or length > room - _CHUNK.size:
            return  # zero padding or a chunk still being written
        chunk = data[start - offset : end - offset]
        if zlib.crc32(chunk, zlib.crc32(bytes((kind,)))) != crc:
            raise _Corrupt(pos)
        pos = end
        if kind == _FULL:
            yield chunk, pos
        elif kind == _FIRST:
            pending = bytearray(chunk)
        elif kind in (_MIDDLE, _LAST) and pending:
            pending += chunk
            if kind == _LAST:
                yield bytes(pending), pos
                pending = bytearray()


class _Corrupt(Exception):
    """A chunk whose checksum does not match (offset in ``args[0]``)."""


def decode_log(data: bytes, offset: int = 0) -> WandbLog:
    """The history, run name, start time and exit code of a ``.wandb`` file's bytes (from
    ``offset``, see :func:`framed`)."""
    out = WandbLog(end_offset=offset)
    try:
        for payload, end in framed(data, offset):
            _record(payload, out)
            out.end_offset = end
    except _Corrupt as exc:
        out.error = f"corrupt record at byte {exc.args[0]}; later records skipped"
    except (IndexError, struct.error) as exc:
        out.error = f"undecodable record ({exc}); later records skipped"
    return out


def _record(payload: bytes, out: WandbLog) -> None:
    for number, _, value in fields(payload):
        if not isinstance(value, bytes):
            continue
        if number == _REC_HISTORY:
            out.history.append(_history(value))
        elif number == _REC_RUN:
            _run(value, out)
        elif number == _REC_EXIT:
            out.exit_code = next(
                (signed(v) for n, _, v in fields(value) if n == 1 and isinstance(v, int)), 0
            )


def _history(payload: bytes) -> dict[str, object]:
    row: dict[str, object] = {}
    step: int | None = None
    for number, _, value in fields(payload):
        if number == _HIST_ITEM and isinstance(value, bytes):
            key, parts, raw = "", [], b""
            for sub, _, sub_value in fields(value):
                if not isinstance(sub_value, bytes):
                    continue
                if sub == _ITEM_KEY:
                    key = sub_value.decode("utf-8", "replace")
                elif sub == _ITEM_NESTED:
                    parts.append(sub_value.decode("utf-8", "replace"))
                elif sub == _ITEM_JSON:
                    raw = sub_value
            name = key or ".".join(parts)
            try:
                row[name] = json.loads(raw)
            except ValueError:
                continue
        elif number == _HIST_STEP and isinstance(value, bytes):
            step = next((v for n, _, v in fields(value) if n == 1 and isinstance(v, int)), 0)
    if "_step" not in row and step is not None:
        row["_step"] = step
    return row


def _run(payload: bytes, out: WandbLog) -> None:
    for number, _, value in fields(payload):
        if number == _RUN_DISPLAY_NAME and isinstance(value, bytes) and value:
            out.display_name = value.decode("utf-8", "replace")
        elif number == _RUN_START_TIME and isinstance(value, bytes):
            seconds = next((v for n, _, v in fields(value) if n == 1 and isinstance(v, int)), 0)
            out.start_time = float(seconds) if seconds else None
