"""Vectorised decoding of the common scalar event, all records of a file at once with numpy.

torch's ``SummaryWriter``, tensorboardX, SB3 and Lightning write one scalar per event in one
fixed layout: ``wall_time`` (field 1), ``step`` (field 2, optional when 0), a ``summary``
(field 5) holding one value with just a ``tag`` and a ``simple_value``. Every record is
checked against that layout byte by byte with array operations; those that match are
decoded without a Python loop, and the others (tensor scalars, several values, session
logs, graphs) are left to the field-by-field decoder. Tags are grouped by a hash of their
bytes, checked for collisions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

_MAX_VARINT = 10
_PAD = b"\x00" * 160
_HASH_MUL = np.uint64(0x9E3779B97F4A7C15)


@dataclass(frozen=True)
class FastScalars:
    """The records that matched the layout and their scalars (parallel arrays)."""

    matched: np.ndarray
    """Bool per record: decoded here."""
    steps: np.ndarray
    values: np.ndarray
    wall_times: np.ndarray
    codes: np.ndarray
    """Index into ``names`` per matched record."""
    names: list[str]


def _gather(raw: np.ndarray, at: np.ndarray, width: int) -> np.ndarray:
    """The ``width`` bytes at each offset ``at`` as rows (a window view: no index matrix)."""
    rows: np.ndarray = np.lib.stride_tricks.sliding_window_view(raw, width)[at]
    return rows


def _varints(raw: np.ndarray, at: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The varints starting at ``at``: values (int64), byte counts and validity. One pass
    per byte position, only while some varint goes on (steps take 1-4 bytes)."""
    byte = raw[at].astype(np.uint64)
    value = byte & np.uint64(0x7F)
    count = np.ones(len(at), dtype=np.int64)
    more = byte >= 0x80
    for shift in range(1, _MAX_VARINT):
        if not more.any():
            break
        rows = np.flatnonzero(more)
        byte = raw[at[rows] + shift].astype(np.uint64)
        value[rows] |= (byte & np.uint64(0x7F)) << np.uint64(7 * shift)
        count[rows] += 1
        more[rows] = byte >= 0x80
    return value.view(np.int64), count, ~more


def fast_scalars(data: bytes, starts: np.ndarray, lengths: np.ndarray) -> FastScalars:
    """Decode the records (payload ``starts``/``lengths``) that have the common layout."""
    raw = np.frombuffer(data + _PAD, dtype=np.uint8)
    ok = (lengths >= 20) & (raw[starts] == 0x09)
    wall = _gather(raw, starts + 1, 8).copy().view("<f8").ravel()
    at = starts + 9
    has_step = raw[at] == 0x10
    step, count, valid = _varints(raw, at + 1)
    ok &= valid | ~has_step
    at = np.where(has_step, at + 1 + count, at)
    head = _gather(raw, at, 6).astype(np.int16)
    size = head[:, 1]
    tag_len = head[:, 5]
    ok &= (head[:, 0] == 0x2A) & (size < 0x80) & (head[:, 2] == 0x0A) & (head[:, 4] == 0x0A)
    ok &= (head[:, 3] == size - 2) & (tag_len == size - 9) & (at + 2 + size == starts + lengths)
    tag_len = tag_len.astype(np.int64)
    ok &= raw[np.minimum(at + 6 + np.clip(tag_len, 0, 127), len(raw) - 1)] == 0x15
    index = np.flatnonzero(ok)
    at, tag_len = at[index], tag_len[index]
    values = _gather(raw, at + 7 + tag_len, 4).copy().view("<f4").ravel().astype(np.float64)
    codes, names = _tags(raw, at + 6, tag_len)
    steps = np.where(has_step[index], step[index], 0)
    return FastScalars(ok, steps.astype(np.float64), values, wall[index], codes, names)


def _tags(raw: np.ndarray, at: np.ndarray, length: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Codes and names of the tags at ``at`` (``length`` bytes each)."""
    if not len(at):
        return np.zeros(0, dtype=np.int64), []
    width = max(8, -(-int(length.max()) // 8) * 8)
    block = _gather(raw, at, width) * (np.arange(width) < length[:, None])
    words = block.astype(np.uint8).view(np.uint64)
    key = length.astype(np.uint64)
    for column in range(words.shape[1]):
        key = (key * _HASH_MUL) ^ words[:, column]
    _, first, codes = np.unique(key, return_index=True, return_inverse=True)
    codes = codes.ravel()
    same = (block == block[first][codes]).all() and (length == length[first][codes]).all()
    if not same:  # a hash collision: group by the bytes themselves
        rows = np.concatenate([block.astype(np.uint8), length[:, None].astype(np.uint8)], axis=1)
        _, first, codes = np.unique(rows, axis=0, return_index=True, return_inverse=True)
        codes = codes.ravel()
    names = [raw[at[i] : at[i] + length[i]].tobytes().decode("utf-8", "replace") for i in first]
    return codes, names
