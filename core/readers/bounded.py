"""Bounded reads of text logs: memory follows what is kept, never the file size.

A document parsed whole (JSON by :func:`read_json`, YAML) is refused unread, cheaply, when it
is larger than its limit or starts or ends in NUL bytes (a crash's hole: a 2 GiB sparse
``trainer_state.json`` is never read). A line log parsed whole by its reader (a DVCLive TSV)
is streamed: lines holding NUL bytes and over-long lines are emptied (line numbers kept) with
an Issue, and reading stops at the file's time budget with an Issue naming the line.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from curvelens.core.readers.base import ReadError
from curvelens.core.readers.textfile import (
    MAX_LINE_BYTES,
    NUL_EVERYWHERE,
    SNIFF_BYTES,
    Budget,
    blank,
    decode,
    log_lines,
    looks_binary,
    misnamed,
    open_log,
    read_log_bytes,
    wide_codec,
)
from curvelens.core.schema import Issue

_LONG_INT_DIGITS = 300
_BLANK = b" \t\r\n"


MAX_DOCUMENT_BYTES = 512 << 20
"""A JSON document larger than this is refused unread (parsed, it would need several GB)."""


def _size_text(size: int) -> str:
    if size >= 2**30:
        return f"{size / 2**30:.1f} GiB"
    return f"{size / 2**20:.0f} MiB" if size >= 2**20 else f"{size:,} bytes"


def check_document(path: Path, limit: int | None = None) -> None:
    """ReadError, before anything is read, when the document ``path`` is larger than
    ``limit`` bytes (:data:`MAX_DOCUMENT_BYTES`) or starts or ends in NUL bytes (looking at
    its first and last bytes only)."""
    limit = MAX_DOCUMENT_BYTES if limit is None else limit
    with open_log(path) as handle:
        size = os.fstat(handle.fileno()).st_size
        if size > limit:
            message = f"{_size_text(size)}, over the {_size_text(limit)} a document may have"
            raise ReadError(path, f"{message}: not read")
        head = handle.read(SNIFF_BYTES)
        if wide_codec(head) or misnamed(head) or looks_binary(head):
            return  # converted, or refused with its own message, by read_log_bytes
        handle.seek(max(len(head), size - SNIFF_BYTES))
        tail = handle.read() or head
    damaged = "NUL bytes (a hole left by a crash?): not read"
    if head.lstrip(_BLANK)[:1] == b"\x00":
        raise ReadError(path, f"starts with {damaged}")
    if tail.rstrip(_BLANK)[-1:] == b"\x00":
        raise ReadError(path, f"ends in {damaged}")


def read_json(path: Path) -> Any:
    """The JSON content of a whole-file JSON log or config; ReadError when unreadable, and
    ValueError (never RecursionError or OverflowError) when the JSON is invalid or nested
    too deeply. Integers too long for a float become ``inf`` (they are values, not ids).
    Refused unread when too large or damaged by a hole (:func:`check_document`)."""
    check_document(path)
    return parse_json(decode(read_log_bytes(path)))


def parse_json(text: str) -> Any:
    """:func:`json.loads` with the guarantees of :func:`read_json`."""
    try:
        return json.loads(text, parse_int=_json_int)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None


def _json_int(text: str) -> int | float:
    """An integer literal: an int, or a float (``inf`` past 1e308) when it is too long."""
    return int(text) if len(text) < _LONG_INT_DIGITS else float(text)


def read_document(path: Path, limit: int | None = None) -> bytes:
    """The bytes of a document parsed whole (at most ``limit`` bytes, by default
    :data:`MAX_DOCUMENT_BYTES`), after :func:`check_document`."""
    check_document(path, limit)
    return read_log_bytes(path)


def stream_text(path: Path, budget: Budget | None = None) -> tuple[bytes, list[Issue]]:
    """The lines of a line log as one UTF-8 text, streamed: lines holding NUL bytes or
    longer than :data:`MAX_LINE_BYTES` are emptied (line numbers kept), reading stops at
    ``budget``; the Issues say what was left out."""
    budget = budget or Budget()
    kept: list[bytes] = []
    nul: list[int] = []
    issues: list[Issue] = []
    with open_log(path) as handle:
        for number, raw in enumerate(log_lines(path, handle), start=1):
            if budget.due(number):
                issues.append(budget.issue(path, number))
                break
            if raw is None:
                long = f"line longer than {MAX_LINE_BYTES >> 20} MiB skipped"
                issues.append(Issue(path, long, number))
            elif b"\x00" in raw:
                nul.append(number)
            else:
                kept.append(raw)
                continue
            kept.append(b"\n")
    if nul and all(blank(line) for line in kept):
        raise ReadError(path, NUL_EVERYWHERE)
    if nul:
        word = "line" if len(nul) == 1 else "lines"
        damage = f"{len(nul)} {word} holding NUL bytes skipped (file damaged, e.g. by a crash)"
        issues.insert(0, Issue(path, damage, nul[0]))
    return b"".join(kept), issues
