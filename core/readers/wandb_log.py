"""Decoding W&B's ``run-<id>.wandb`` transaction log: LevelDB-log framing, then ``Record``s.

File layout: a 7-byte header (``:W&B``, uint16 magic 0xBEE1, uint8 version 0), then 32 KiB
blocks counted from the start of the file. Each record chunk has a 7-byte header (uint32
little-endian CRC-32 of the type byte + data, uint16 length, uint8 type: 1 FULL, 2 FIRST,
3 MIDDLE, 4 LAST); a block tail shorter than 7 bytes is padding. Chunks are reassembled
into ``wandb_internal.Record`` protobufs, of which only history (2), run (17) and exit (18)
are decoded by hand. A live run's file ends mid-record or in zeros: decoding stops there.
A bad chunk header or checksum elsewhere skips to the next block (LevelDB's own recovery
rule) and says where and how many records were lost; a malformed record costs only itself.
"""

from __future__ import annotations

import os
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from curvelens.core.readers.bounded import parse_json
from curvelens.core.readers.protobuf import fields, signed
from curvelens.core.readers.textfile import Budget, next_data

MAGIC = b":W&B" + struct.pack("<HB", 0xBEE1, 0)
BLOCK = 32 * 1024
WINDOW = 512 * BLOCK
"""Bytes of a file held at a time (16 MiB of whole blocks)."""
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
    damage: list[str] = field(default_factory=list)
    """Each damaged place: where it is, what was wrong and how many records were lost."""
    end_offset: int = 0
    """File offset just past the last record decoded (where a later read resumes)."""

    @property
    def error(self) -> str | None:
        """Every damaged place in one message, or None for a clean file."""
        return "; ".join(self.damage) if self.damage else None


class _Source:
    """A W&B log's bytes from file offset ``base``: all in memory, or an open file read a
    window of whole 32 KiB blocks at a time (memory follows the window, not the file)."""

    def __init__(self, data: bytes, base: int, handle: BinaryIO | None = None) -> None:
        self.data, self.base, self.handle = data, base, handle
        self.size = os.fstat(handle.fileno()).st_size if handle else base + len(data)

    def at(self, pos: int, length: int) -> bytes:
        """The bytes at file offsets ``pos`` to ``pos + length`` (fewer at the end)."""
        inside = self.base <= pos and pos + length <= self.base + len(self.data)
        if self.handle is not None and not inside:
            start = pos - pos % BLOCK
            self.handle.seek(start)
            self.data, self.base = self.handle.read(max(WINDOW, pos + length - start)), start
        return self.data[pos - self.base : pos + length - self.base]

    def zeros_to_end(self, pos: int) -> bool:
        """Whether only NUL bytes follow ``pos`` (a file is scanned a window at a time)."""
        self.at(pos, 1)  # the window holds ``pos``
        rest = self.data[pos - self.base :]
        if rest.count(0) != len(rest):
            return False
        at = self.base + len(self.data)
        while self.handle is not None and (at := next_data(self.handle, at)) < self.size:
            self.handle.seek(at)  # holes of a sparse file are passed over at once
            block = self.handle.read(WINDOW)
            if not block or block.count(0) != len(block):
                return not block
            at += len(block)
        return True


@dataclass
class _Framing:
    """Walks the chunks of a LevelDB-log file, resynchronising at the next block on damage."""

    source: _Source
    damage: list[str]
    pos: int = len(MAGIC)
    """File offset of the next chunk."""

    def chunks(self) -> Iterator[tuple[int, bytes]]:
        """(type, data) of every intact chunk in file order; stops at the live end."""
        source, size = self.source, self.source.size
        while True:
            room = BLOCK - self.pos % BLOCK
            if room < _CHUNK.size:
                self.pos += room
                continue
            if self.pos + _CHUNK.size > size:
                return
            crc, length, kind = _CHUNK.unpack(source.at(self.pos, _CHUNK.size))
            start, end = self.pos + _CHUNK.size, self.pos + _CHUNK.size + length
            if end > size and kind in _KINDS and length <= room - _CHUNK.size:
                return  # a chunk still being written
            if kind == 0 and source.zeros_to_end(self.pos):
                return  # zeros to the end: space reserved by a live writer
            if kind not in _KINDS or length > room - _CHUNK.size:
                self._skip_block("bad chunk header")
                continue
            chunk = source.at(start, length)
            if zlib.crc32(chunk, zlib.crc32(bytes((kind,)))) != crc:
                self._skip_block("checksum mismatch")
                continue
            self.pos = end
            yield kind, chunk

    def _skip_block(self, what: str) -> None:
        """Record the damage at ``pos`` and move to the start of the next block."""
        next_block = (self.pos // BLOCK + 1) * BLOCK
        end = min(next_block, self.source.size)
        lost = _records_begun(self.source.at(self.pos, end - self.pos))
        self.damage.append(
            f"{what} at byte {self.pos}: rest of its 32 KiB block skipped "
            f"({lost} record{'s' if lost != 1 else ''} lost), read resumed at byte {next_block}"
        )
        self.pos = next_block


_KINDS = frozenset({_FULL, _FIRST, _MIDDLE, _LAST})


def _records_begun(data: bytes) -> int:
    """How many records start in ``data`` (the rest of a block), counted by hopping over
    plausible chunk headers (at least 1: the damaged chunk's own record)."""
    count, pos, end = 0, 0, len(data)
    while pos + _CHUNK.size <= end:
        _, length, kind = _CHUNK.unpack_from(data, pos)
        if kind not in _KINDS or pos + _CHUNK.size + length > end:
            break
        count += kind in (_FULL, _FIRST)
        pos += _CHUNK.size + length
    return max(count, 1)


def records(
    data: bytes | BinaryIO,
    damage: list[str] | None = None,
    offset: int = 0,
    ends: list[int] | None = None,
) -> Iterator[bytes]:
    """Reassembled record payloads. A damaged chunk (bad header or checksum) costs the rest
    of its 32 KiB block, described in ``damage``; the read resumes at the next block, where
    continuation chunks of a record begun before the damage are dropped. ``data`` holds the
    file's bytes from ``offset`` (0, or where a record ended: the live poller's appended
    bytes), or is the open file (read a window at a time); ``ends`` gets the file offset
    just past each record yielded.

    Raises ValueError when ``offset`` is 0 and the file does not start with the W&B header.
    """
    source = _Source(data, offset) if isinstance(data, bytes) else _Source(b"", 0, data)
    if offset == 0 and source.at(0, len(MAGIC)) != MAGIC:
        raise ValueError("not a W&B transaction log (bad file header)")
    ends = ends if ends is not None else []
    framing = _Framing(source, damage if damage is not None else [], offset or len(MAGIC))
    pending: bytearray | None = None
    skipped, broken, resynced = len(framing.damage), 0, False
    for kind, chunk in framing.chunks():
        if len(framing.damage) != skipped:  # a record cut by the damage is gone
            pending, skipped, resynced = None, len(framing.damage), True
        if kind in (_FULL, _FIRST):
            broken += pending is not None  # a record whose last chunk never came
            pending, resynced = (None if kind == _FULL else bytearray(chunk)), False
            if kind == _FULL:
                ends.append(framing.pos)
                yield chunk
        elif pending is None:
            broken += not resynced  # a continuation without its first chunk
        else:
            pending += chunk
            if kind == _LAST:
                ends.append(framing.pos)
                yield bytes(pending)
                pending = None
    if broken:
        framing.damage.append(f"{broken} records with missing chunks skipped")


def decode_log(data: bytes | BinaryIO, offset: int = 0, budget: Budget | None = None) -> WandbLog:
    """The history, run name, start time and exit code of a ``.wandb`` file's bytes (from
    ``offset``, see :func:`records`); each malformed record costs only itself (counted in
    :attr:`WandbLog.damage`)."""
    out, budget, ends = WandbLog(end_offset=offset), budget or Budget(), list[int]()
    bad, first_bad = 0, ""
    for number, payload in enumerate(records(data, out.damage, offset, ends), start=1):
        if budget.due(number):
            out.damage.append(f"record {number}: {budget.message('records')}")
            break
        try:
            _record(payload, out)
        except (ValueError, IndexError, struct.error, RecursionError, OverflowError) as exc:
            bad += 1
            first_bad = first_bad or f"record {number}: {exc}"
        out.end_offset = ends[-1]
    if bad:
        out.damage.append(f"{bad} malformed record{'s' if bad > 1 else ''} skipped ({first_bad})")
    return out


def _record(payload: bytes, out: WandbLog) -> None:
    """Decode one record's history, run or exit fields into ``out``."""
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
                row[name] = parse_json(raw.decode("utf-8", "replace"))
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
