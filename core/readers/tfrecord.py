"""TFRecord framing with every checksum verified, resynchronisation after corruption, and a
file read a buffer at a time (memory follows the buffer, not the file size).

A record is an 8-byte little-endian length, the masked CRC32C of those 8 bytes, the
payload and the masked CRC32C of the payload. The fast pass finds the records at once with
numpy: every offset whose length fits in 32 bits and whose payload starts like an Event
(``wall_time``, key byte 0x09) is a candidate, and a run of candidates each ending where
the next starts is a run of records (offsets between runs are walked one record at a time).
The CRC32C of every payload is taken with the ``crc32c`` C extension (the pure-Python table
is the fallback when it is missing); masks and comparisons are done at once with numpy.
At the first failing record the slow path decides: a good length checksum means only the
payload is corrupt (that record is skipped, reported with its offset); a bad one means the
framing is lost, and the bytes are scanned for the next position where a length and both
checksums hold (the skipped bytes are reported; runs of NUL bytes, a crash's hole, can hold
no record and are passed over at once). A last record that runs past the end of the file is
a cut record (normal while a run writes) when its length checksum holds. Reading stops with
a problem at the file's time budget (:class:`~curvelens.core.readers.textfile.Budget`).
"""

from __future__ import annotations

import os
import struct
from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

import numpy as np

from curvelens.core.readers.textfile import Budget, next_data

_LENGTH = struct.Struct("<Q")
_MASK_DELTA = 0xA282EAD8
MAX_RECOVERIES = 100
"""After this many corrupt stretches in one file the rest is skipped (reported)."""
CHUNK_BYTES = 16 << 20
"""Bytes read from a file at a time."""
MAX_RECORD = 256 << 20
"""A longer record (never a scalar event: a graph or an image) is skipped unread."""
_SCAN_CHUNK = 1 << 20
_EVENT_KEY = 0x09


def _crc32c_table() -> list[int]:
    table = []
    for n in range(256):
        crc = n
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
        table.append(crc)
    return table


_CRC_TABLE = _crc32c_table()


def _python_crc32c(data: bytes | memoryview) -> int:
    """CRC32C (Castagnoli) by table: the fallback when the C extension is missing."""
    crc = 0xFFFFFFFF
    for byte in bytes(data):
        crc = _CRC_TABLE[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def _load_crc32c() -> Callable[[bytes | memoryview], int]:
    try:
        from crc32c import crc32c
    except ImportError:  # a platform without the wheel: correct, slower
        return _python_crc32c
    return crc32c


crc32c = _load_crc32c()


def mask(crc: int) -> int:
    """TFRecord's mask of a CRC32C: rotate right by 15 bits, add a constant."""
    return (((crc >> 15) | (crc << 17)) + _MASK_DELTA) & 0xFFFFFFFF


def masked_crc32c(data: bytes | memoryview) -> int:
    """TFRecord's masked CRC32C of ``data``."""
    return mask(crc32c(data))


@dataclass
class Records:
    """The good records of one buffer and where the next buffer starts."""

    starts: np.ndarray
    """Payload offsets in the buffer (int64), in file order."""
    lengths: np.ndarray
    """Payload lengths, parallel to ``starts``."""
    resume: int | None = None
    """Offset in the buffer where the next buffer starts (past its end: bytes skipped
    unread); None when the file is done."""
    need: int = 0
    """Bytes the next buffer must hold from ``resume`` (a record longer than a chunk)."""


def _header_ok(data: bytes, pos: int) -> bool:
    stored: int = struct.unpack_from("<I", data, pos + 8)[0]
    return masked_crc32c(data[pos : pos + 8]) == stored


def _u32(raw: np.ndarray, at: np.ndarray) -> np.ndarray:
    """The little-endian uint32 at each offset ``at``, as int64 (no index matrix)."""
    if len(raw) < 4:
        return np.zeros(len(at), np.int64)
    rows = np.lib.stride_tricks.sliding_window_view(raw, 4)[at]
    values: np.ndarray = rows.copy().view("<u4").ravel().astype(np.int64)
    return values


class _Heads:
    """The candidate record offsets of a buffer (module docstring) and their runs."""

    def __init__(self, raw: np.ndarray) -> None:
        found = np.flatnonzero(raw[12:] == _EVENT_KEY)
        found = found[found + 16 <= len(raw)]
        found = found[(raw[found + 4] | raw[found + 5] | raw[found + 6] | raw[found + 7]) == 0]
        self.offsets = found
        self.ends = found + 16 + _u32(raw, found)
        linked = np.append(self.ends[:-1] == self.offsets[1:], False)
        self.breaks = np.flatnonzero(~linked)

    def run(self, pos: int) -> tuple[int, int] | None:
        """(first, last) candidate index of the linked run starting at ``pos``, if any."""
        first = int(np.searchsorted(self.offsets, pos))
        if first == len(self.offsets) or self.offsets[first] != pos:
            return None
        return first, int(self.breaks[np.searchsorted(self.breaks, first)])


def _walk(data: bytes, pos: int, heads: _Heads) -> tuple[np.ndarray, int]:
    """Header offsets of the records from ``pos`` while they fit, and where they stop (a
    record outside the candidate runs must have a good length checksum)."""
    size, unpack = len(data), _LENGTH.unpack_from
    parts: list[np.ndarray] = []
    single = array("q")
    while pos + 16 <= size:
        run = heads.run(pos)
        if run is None:
            end = pos + 16 + unpack(data, pos)[0]
            if end > size or not _header_ok(data, pos):
                break
            single.append(pos)
            pos = end
            continue
        first, last = run
        parts.extend([np.frombuffer(single, np.int64).copy(), heads.offsets[first:last]])
        single = array("q")
        pos = int(heads.offsets[last])
        if heads.ends[last] > size:
            break
        single.append(pos)
        pos = int(heads.ends[last])
    parts.append(np.frombuffer(single, np.int64).copy())
    return np.concatenate(parts), pos


def _payload_crcs(data: bytes, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """The CRC32C of every payload (one C call each, no Python loop)."""
    slices = map(slice, starts.tolist(), ends.tolist())
    return np.fromiter(map(crc32c, map(data.__getitem__, slices)), np.int64, len(starts))


def _first_bad(raw: np.ndarray, heads: np.ndarray, lengths: np.ndarray, crcs: np.ndarray) -> int:
    """Index of the first record whose length or payload checksum fails, or ``len(heads)``
    (a length's checksum depends on the length alone: one CRC per distinct length)."""
    if not len(heads):
        return 0
    distinct, which = np.unique(lengths, return_inverse=True)
    sums = [masked_crc32c(struct.pack("<Q", length)) for length in distinct.tolist()]
    ends = heads + 12 + lengths.astype(np.int64)
    at = np.concatenate([heads + 8, ends])
    stored = _u32(raw, at)
    masked = (((crcs >> 15) | (crcs << 17)) + _MASK_DELTA) & 0xFFFFFFFF
    bad = (np.asarray(sums, np.int64)[which.ravel()] != stored[: len(heads)]) | (
        masked != stored[len(heads) :]
    )
    first = np.flatnonzero(bad)
    return int(first[0]) if len(first) else len(heads)


def _record_at(data: bytes, pos: int, final: bool) -> int | None:
    """The end of a record starting at ``pos`` whose both checksums hold; when not
    ``final``, ``-1`` for one whose length checksum holds but which runs past the buffer."""
    if not _header_ok(data, pos):
        return None
    length: int = _LENGTH.unpack_from(data, pos)[0]
    end = pos + 16 + length
    if end > len(data):
        return -1 if not final and length <= MAX_RECORD else None
    stored = struct.unpack_from("<I", data, end - 4)[0]
    return end if masked_crc32c(data[pos + 12 : end - 4]) == stored else None


def _scan(data: bytes, raw: np.ndarray, pos: int, final: bool, budget: Budget | None) -> int:
    """The first offset from ``pos`` where a record starts (:func:`_record_at`), or where
    scanning goes on in the next buffer (``-1 - offset``: not found yet). Only offsets whose
    length fits in 32 bits and whose first 12 bytes are not all NUL are checked."""
    last = len(data) - 15
    for chunk in range(pos, last, _SCAN_CHUNK):
        if budget is not None and chunk > pos and budget.spent():
            return -1 - chunk
        stop = min(chunk + _SCAN_CHUNK, last)
        top = raw[chunk : stop + 12]
        if not top.any():
            continue  # NUL bytes only (a crash's hole): no record starts here
        high = top[4:-8] | top[5:-7] | top[6:-6] | top[7:-5]
        low = top[:-12] | top[1:-11] | top[2:-10] | top[3:-9]
        crc = top[8:-4] | top[9:-3] | top[10:-2] | top[11:-1]
        for offset in np.flatnonzero((high == 0) & ((low | crc) != 0)).tolist():
            if _record_at(data, chunk + offset, final) is not None:
                return chunk + offset
    return -1 - max(pos, last)


@dataclass
class Framer:
    """Frames one file (or one buffer) a buffer at a time; holds what spans buffers."""

    budget: Budget | None = None
    problems: list[tuple[int, str]] = field(default_factory=list)
    """(byte offset, what is wrong) for each corrupt stretch, and where the budget ran out."""
    end_offset: int = 0
    """Byte offset just past the last good record (where a later poll resumes)."""
    cut_at: int | None = None
    """Offset of a last record cut short by the end of the data (a write in progress)."""
    lost_at: int | None = None
    """Where the framing was lost while the next record is searched for."""

    def feed(self, data: bytes, base: int, file_end: int) -> Records:
        """The good records of ``data`` (the file's bytes from offset ``base``; the file
        has ``file_end`` bytes) and where the next buffer starts."""
        raw = np.frombuffer(data, np.uint8)
        final = base + len(data) >= file_end
        heads: _Heads | None = None
        kept: list[tuple[np.ndarray, np.ndarray]] = []
        pos = 0
        while True:
            if self.lost_at is not None:
                found = _scan(data, raw, pos, final, self.budget)
                if found < 0:
                    if self.budget is not None and self.budget.spent():
                        self.stop(base - 1 - found)
                        return self._out(kept, None)
                    return self._out(kept, None if final else -1 - found, 16)
                if _record_at(data, found, final) == -1:
                    return self._out(kept, found, 16 + _LENGTH.unpack_from(data, found)[0])
                self.problems.append((self.lost_at, self._skipped(base + found)))
                self.lost_at, pos = None, found
            if len(self.problems) > MAX_RECOVERIES:
                message = f"more than {MAX_RECOVERIES} corrupt stretches: rest skipped"
                self.problems.append((base + pos, message))
                return self._out(kept, None)
            heads = heads or _Heads(raw)
            heads_at, stop = _walk(data, pos, heads)
            lengths = _u32(raw, heads_at)  # records that fit in the buffer: under 4 GiB
            starts, ends = heads_at + 12, heads_at + 12 + lengths
            bad = _first_bad(raw, heads_at, lengths, _payload_crcs(data, starts, ends))
            kept.append((starts[:bad], ends[:bad] - starts[:bad]))
            if bad == len(starts):
                self.end_offset = base + stop
                if stop + 12 > len(data) or _header_ok(data, stop):
                    return self._end(kept, data, stop, base, file_end)
                if base + stop == 0 and not self.problems:
                    return self._out(kept, None)  # not an event file at all: the caller says so
                pos = stop
            else:
                pos = int(heads_at[bad])
                self.end_offset = base + pos
                if base + pos == 0 and not _header_ok(data, 0):
                    return self._out(kept, None)  # not an event file at all: the caller says so
            if _header_ok(data, pos):
                message = "record payload checksum mismatch (corrupt), skipped"
                self.problems.append((base + pos, message))
                pos += 16 + _LENGTH.unpack_from(data, pos)[0]
            else:
                self.lost_at, pos = base + pos, pos + 1

    def _end(
        self,
        kept: list[tuple[np.ndarray, np.ndarray]],
        data: bytes,
        stop: int,
        base: int,
        file_end: int,
    ) -> Records:
        """The records of a buffer whose last record does not fit in it."""
        if stop + 12 > len(data):
            if base + len(data) >= file_end:
                self.cut_at = base + stop if stop < len(data) else None
                return self._out(kept, None)
            return self._out(kept, stop, 16)
        length: int = _LENGTH.unpack_from(data, stop)[0]
        if base + stop + 16 + length > file_end:
            self.cut_at = base + stop
            return self._out(kept, None)
        if length > MAX_RECORD:
            message = f"record of {length:,} bytes skipped unread (over {MAX_RECORD >> 20} MiB)"
            self.problems.append((base + stop, message))
            self.end_offset = base + stop + 16 + length
            return self._out(kept, stop + 16 + length)
        return self._out(kept, stop, 16 + length)

    def _skipped(self, found: int) -> str:
        return f"corrupt record length, {found - (self.lost_at or 0)} bytes skipped"

    def _out(
        self, kept: list[tuple[np.ndarray, np.ndarray]], resume: int | None, need: int = 0
    ) -> Records:
        starts = np.concatenate([s for s, _ in kept]) if kept else np.zeros(0, np.int64)
        lengths = np.concatenate([n for _, n in kept]) if kept else np.zeros(0, np.int64)
        return Records(starts, lengths, resume, need)

    def finish(self) -> None:
        """At the end of the data: a lost framing that found no record is reported."""
        if self.lost_at is not None:
            self.problems.append((self.lost_at, "corrupt record length, no valid record after it"))
            self.lost_at = None

    def stop(self, offset: int) -> None:
        """Reading stops at ``offset`` (the time budget is spent)."""
        later = "records" if self.lost_at is None else "bytes (searching for a good record)"
        assert self.budget is not None
        self.problems.append((offset, self.budget.message(later)))
        self.lost_at = None


def frame(data: bytes) -> tuple[Framer, Records]:
    """The records of ``data``, all of a file (or what the live poller read appended)."""
    framer = Framer()
    records = framer.feed(data, 0, len(data))
    framer.finish()
    return framer, records


def frames(handle: BinaryIO, framer: Framer) -> Iterator[tuple[int, bytes, Records]]:
    """Each buffer of an open file (its offset, its bytes) with its good records (offsets
    within the buffer), :data:`CHUNK_BYTES` at a time; stops at the framer's time budget."""
    file_end = os.fstat(handle.fileno()).st_size
    base, carry, need = 0, b"", CHUNK_BYTES
    while True:
        block = handle.read(max(CHUNK_BYTES, need - len(carry)))
        data = carry + block
        records = framer.feed(
            data, base, min(file_end, base + len(data)) if not block else file_end
        )
        yield base, data, records
        if records.resume is None or base + records.resume >= file_end:
            break
        if framer.budget is not None and framer.budget.spent():
            framer.stop(base + records.resume)
            return
        carry, base, need = data[records.resume :], base + records.resume, records.need
        after = next_data(handle, base) if framer.lost_at is not None else base
        if after > base or len(carry) == 0:  # a hole of a sparse file is passed over at once
            carry, base = b"", after
            handle.seek(base)
    framer.finish()
