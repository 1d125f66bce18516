"""Bounded reads of text logs: memory follows what is kept, never the file size.

A document parsed whole (JSON, YAML) is refused unread, cheaply, when it is larger than its
limit or starts or ends in NUL bytes (a crash's hole: a 2 GiB sparse ``trainer_state.json``
is never read). A line log parsed whole by its reader (a DVCLive TSV) is streamed: lines
holding NUL bytes and over-long lines are emptied (line numbers kept) with an Issue, and
reading stops at the file's time budget with an Issue naming the line.
"""

from __future__ import annotations

from pathlib import Path

from curvelens.core.readers.base import ReadError
from curvelens.core.readers.textfile import (
    MAX_LINE_BYTES,
    NUL_EVERYWHERE,
    Budget,
    blank,
    check_document,
    log_lines,
    open_log,
    read_log_bytes,
)
from curvelens.core.schema import Issue


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
