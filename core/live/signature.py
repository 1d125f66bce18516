"""File signatures: what one ``stat`` tells about a watched file, to see that it changed.

An unchanged file costs exactly one :func:`os.stat` per poll. A file whose signature
changed is then read by its tailer, which also checks the file's first bytes and the bytes
just before its remembered offset (:class:`~.tailers.Position`) to tell an append from a
replacement or a rewrite.
"""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Signature:
    """Size, modification time and inode of a file or folder at one poll."""

    path: str
    size: int
    mtime_ns: int
    inode: int


def signature(path: str) -> Signature | None:
    """The signature of ``path`` (one ``stat``), None when it does not exist or can't be
    stat'ed."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return Signature(path, info.st_size, info.st_mtime_ns, info.st_ino)
