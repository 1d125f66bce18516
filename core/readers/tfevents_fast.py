"""Vectorised decoding of the common scalar event, all records of a file at once with numpy.

torch's ``SummaryWriter``, tensorboardX, SB3 and Lightning write one scalar per event in one
fixed layout: ``wall_time`` (field 1), ``step`` (field 2, optional when 0), a ``summary``
(field 5) holding one value with just a ``tag`` and a ``simple_value``; TF1's merged
summaries hold several such values in one event (walked a value position at a time). Every record is
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
    """The records that matched the layout and their scalars (parallel arrays, one entry
    per scalar, in file order)."""

    matched: np.ndarray
    """Bool per record: decoded here."""
    records: np.ndarray
    """The record index of each scalar."""
    steps: np.ndarray
    values: np.ndarray
    wall_times: np.ndarray
    codes: np.ndarray
    """Index into ``names`` per scalar."""
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


def _summaries(
    raw: np.ndarray, starts: np.ndarray, lengths: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per record: whether it is ``wall_time``, ``step`` then a ``summary`` filling the
    rest; its step, wall time, and where the summary's values start and end."""
    ok = (lengths >= 12) & (raw[starts] == 0x09)
    wall = _gather(raw, starts + 1, 8).copy().view("<f8").ravel()
    at = starts + 9
    has_step = raw[at] == 0x10
    step, count, valid = _varints(raw, at + 1)
    ok &= valid | ~has_step
    at = np.where(has_step, at + 1 + count, at)
    ok &= raw[at] == 0x2A
    size, count, valid = _varints(raw, at + 1)
    first = at + 1 + count
    ok &= valid & (first + size == starts + lengths)
    return ok, np.where(has_step, step, 0), wall, first, first + size


def fast_scalars(data: bytes, starts: np.ndarray, lengths: np.ndarray) -> FastScalars:
    """Decode the records (payload ``starts``/``lengths``) that have the common layout: a
    summary of values that each hold just a ``tag`` (under 128 bytes) and a
    ``simple_value``, one value per event (torch) or several (TF1's merged summaries)."""
    raw = np.frombuffer(data + _PAD, dtype=np.uint8)
    ok, steps, wall, at, end = _summaries(raw, starts, lengths)
    live = np.flatnonzero(ok)
    at, end = at[live], end[live]
    found: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    while len(live):
        head = _gather(raw, at, 5).astype(np.int16)
        size, tag_len = head[:, 1].astype(np.int64), head[:, 3].astype(np.int64)
        good = (head[:, 0] == 0x0A) & (size < 0x80) & (head[:, 2] == 0x0A)
        good &= (tag_len == size - 7) & (at + 2 + size <= end)
        good &= raw[np.minimum(at + 4 + np.clip(tag_len, 0, 127), len(raw) - 1)] == 0x15
        ok[live[~good]] = False
        found.append((live[good], at[good] + 4, tag_len[good]))
        at = at + 2 + size
        more = good & (at < end)
        live, at, end = live[more], at[more], end[more]
    record = np.concatenate([r for r, _, _ in found]) if found else np.zeros(0, np.int64)
    tag_at = np.concatenate([t for _, t, _ in found]) if found else record
    tag_len = np.concatenate([n for _, _, n in found]) if found else record
    if len(found) > 1:  # file order: by record, then value (one pass is in order already)
        keep = np.flatnonzero(ok[record])
        order = keep[np.argsort(record[keep], kind="stable")]
        record, tag_at, tag_len = record[order], tag_at[order], tag_len[order]
    values = _gather(raw, tag_at + 1 + tag_len, 4).copy().view("<f4").ravel()
    codes, names = _tags(raw, tag_at, tag_len)
    return FastScalars(
        ok,
        record,
        steps[record].astype(np.float64),
        values.astype(np.float64),
        wall[record],
        codes,
        names,
    )


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
