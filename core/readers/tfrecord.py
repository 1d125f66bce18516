"""TFRecord framing with every checksum verified, and resynchronisation after corruption.

A record is an 8-byte little-endian length, the masked CRC32C of those 8 bytes, the
payload and the masked CRC32C of the payload. The fast pass walks the lengths and takes the
CRC32C of every payload with the ``crc32c`` C extension (the pure-Python table is the
fallback when it is missing); the masks and comparisons are then done at once with numpy.
At the first failing record the slow path decides: a good length checksum means only the
payload is corrupt (that record is skipped, reported with its offset); a bad one means the
framing is lost, and the bytes are scanned for the next position where a length and both
checksums hold (the skipped bytes are reported). A last record that runs past the end is a
cut record (normal while a run writes) when its length checksum holds; a bad length there
(a "huge" length) is corruption and resynchronises like any other.
"""

from __future__ import annotations

import struct
from array import array
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

_LENGTH = struct.Struct("<Q")
_MASK_DELTA = 0xA282EAD8
MAX_RECOVERIES = 100
_SCAN_CHUNK = 1 << 20
"""After this many corrupt stretches in one file the rest is skipped (reported)."""


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
    """The good records of a file, in file order."""

    starts: list[np.ndarray] = field(default_factory=list)
    """Payload offsets (int64 arrays, one per stretch between corruptions)."""
    lengths: list[np.ndarray] = field(default_factory=list)
    """Payload lengths, parallel to ``starts``."""
    problems: list[tuple[int, str]] = field(default_factory=list)
    """(byte offset, what is wrong) for each corrupt stretch."""
    end_offset: int = 0
    """Byte offset just past the last good record (where a later poll resumes)."""
    cut_at: int | None = None
    """Offset of a last record cut short by the end of the data (a write in progress)."""


def _header_ok(data: bytes, pos: int) -> bool:
    stored: int = struct.unpack_from("<I", data, pos + 8)[0]
    return masked_crc32c(memoryview(data)[pos : pos + 8]) == stored


def _record_at(data: bytes, pos: int) -> int | None:
    """The end of a record starting at ``pos`` whose both checksums hold, else None."""
    if pos + 16 > len(data) or not _header_ok(data, pos):
        return None
    end = pos + 16 + _LENGTH.unpack_from(data, pos)[0]
    if end > len(data):
        return None
    stored = struct.unpack_from("<I", data, end - 4)[0]
    return end if masked_crc32c(memoryview(data)[pos + 12 : end - 4]) == stored else None


def _walk(data: bytes, pos: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Payload offsets, lengths and CRCs of the records from ``pos`` while they fit (the
    loop appends only what it must; consecutive records give the lengths)."""
    view, size, crc, unpack = memoryview(data), len(data), crc32c, _LENGTH.unpack_from
    starts, crcs = array("q"), array("q")
    add_start, add_crc = starts.append, crcs.append
    while pos + 16 <= size:
        (length,) = unpack(data, pos)
        end = pos + 16 + length
        if end > size:
            break
        add_start(pos + 12)
        add_crc(crc(view[pos + 12 : end - 4]))
        pos = end
    offsets = np.frombuffer(starts, np.int64) if starts else np.zeros(0, np.int64)
    lengths = np.diff(offsets, append=pos + 12) - 16
    return offsets, lengths, np.frombuffer(crcs, np.int64) if crcs else offsets, pos


def _first_bad(data: bytes, starts: np.ndarray, lengths: np.ndarray, crcs: np.ndarray) -> int:
    """Index of the first record whose payload checksum fails, or ``len(starts)``."""
    if not len(starts):
        return 0
    ends = starts + lengths
    raw = np.frombuffer(data, dtype=np.uint8)
    stored = raw[ends[:, None] + np.arange(4)].copy().view("<u4").ravel().astype(np.int64)
    masked = (((crcs >> 15) | (crcs << 17)) + _MASK_DELTA) & 0xFFFFFFFF
    bad = np.flatnonzero(masked != stored)
    return int(bad[0]) if len(bad) else len(starts)


def _resync(data: bytes, pos: int) -> int | None:
    """The next offset after ``pos`` where a whole valid record starts, or None. Only
    offsets whose length fits in 32 bits (4 zero high bytes) are checked, a chunk at once."""
    raw = np.frombuffer(data, dtype=np.uint8)
    for chunk in range(pos + 1, len(data) - 15, _SCAN_CHUNK):
        top = raw[chunk + 4 : min(chunk + _SCAN_CHUNK, len(data) - 15) + 8]
        high = top[:-4] | top[1:-3] | top[2:-2] | top[3:-1]
        for offset in np.flatnonzero(high == 0):
            if _record_at(data, chunk + int(offset)) is not None:
                return chunk + int(offset)
    return None


def frame(data: bytes) -> Records:
    """Split ``data`` into its good records (see the module docstring)."""
    out = Records()
    pos = 0
    while len(out.problems) <= MAX_RECOVERIES:
        s, n, crcs, stop = _walk(data, pos)
        bad = _first_bad(data, s, n, crcs)
        out.starts.append(s[:bad])
        out.lengths.append(n[:bad])
        if bad == len(s):
            out.end_offset = stop
            pos = stop
            if stop + 12 > len(data) or _header_ok(data, stop):
                if stop < len(data):
                    out.cut_at = stop
                return out
            if not out.problems and stop == 0:
                return out  # not an event file at all: the caller says so
        else:
            pos = int(s[bad]) - 12
            out.end_offset = pos
            if pos == 0 and not _header_ok(data, 0):
                return out  # not an event file at all: the caller says so
        next_pos = _skip(data, pos, out)
        if next_pos is None:
            return out
        pos = next_pos
    out.problems.append((pos, f"more than {MAX_RECOVERIES} corrupt stretches: rest skipped"))
    return out


def _skip(data: bytes, pos: int, out: Records) -> int | None:
    """Report the corrupt record at ``pos`` and return where reading goes on (or None)."""
    if _header_ok(data, pos):
        length: int = _LENGTH.unpack_from(data, pos)[0]
        out.problems.append((pos, "record payload checksum mismatch (corrupt), skipped"))
        return pos + 16 + length
    found = _resync(data, pos)
    if found is None:
        out.problems.append((pos, "corrupt record length, no valid record after it"))
        return None
    out.problems.append((pos, f"corrupt record length, {found - pos} bytes skipped"))
    return found
