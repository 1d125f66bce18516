"""A text log read in bounded chunks of complete lines (streaming CSV/TSV reads).

:class:`LineChunks` reads a file :data:`CHUNK_BYTES` at a time and hands out chunks that
end at a newline; the unterminated rest waits for the next read and, at the end of the
file, is the :attr:`LineChunks.tail` (a line being written, never data). UTF-16/32 logs
with a byte-order mark are converted to UTF-8 on the way; a file of another kind under a
log's name, or binary content, is a :class:`ReadError` from the first block, as
:func:`~curvelens.core.readers.textfile.read_log_bytes` says. A line longer than
:data:`~curvelens.core.readers.textfile.MAX_LINE_BYTES` is never held: it is skipped
(:class:`LongLine`), and only whether it held NUL bytes is kept; the hole of a sparse file
in it is passed over unread. Memory: about one chunk plus one line.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from curvelens.core.readers.base import ReadError
from curvelens.core.readers.textfile import (
    MAX_LINE_BYTES,
    SNIFF_BYTES,
    looks_binary,
    misnamed,
    next_data,
    wide_codec,
)

CHUNK_BYTES = 4 * 2**20
"""Bytes read at a time: bounds the rows parsed at once (a wide frame takes about 9 bytes
per byte of a sparse chunk, an empty cell being one separator)."""


@dataclass(frozen=True)
class LongLine:
    """A line longer than :data:`MAX_LINE_BYTES`, skipped."""

    nul: bool
    """It held NUL bytes (crash damage)."""


class LineChunks:
    """Chunks of complete lines of an open log file (module docstring)."""

    def __init__(self, path: Path, handle: BinaryIO, chunk_bytes: int = CHUNK_BYTES) -> None:
        self.path = path
        self.size = max(1, chunk_bytes)
        self._handle = handle
        self._pending = b""
        self._eof = False
        self.tail: bytes | LongLine = b""
        """After the last chunk: the unterminated last line (or a skipped long one)."""
        head = handle.read(max(self.size, SNIFF_BYTES))
        codec = wide_codec(head)
        self._decoder = codecs.getincrementaldecoder(codec)("replace") if codec else None
        if self._decoder is None:
            what = misnamed(head)
            if what is not None:
                raise ReadError(path, what)
            if looks_binary(head):
                raise ReadError(path, "binary content, not a text log")
        self._pending = self._convert(head, final=not head)
        self._eof = not head

    def _convert(self, block: bytes, final: bool) -> bytes:
        """``block`` as UTF-8 (wide logs decoded, incrementally)."""
        if self._decoder is None:
            return block
        return self._decoder.decode(block, final).encode()

    def _read(self) -> bytes:
        block = self._handle.read(self.size)
        self._eof = not block
        return self._convert(block, final=self._eof)

    def next(self) -> bytes | LongLine | None:
        """The next chunk of complete lines (about ``chunk_bytes``), a skipped long line,
        or None at the end of the file (then :attr:`tail` holds the rest)."""
        while True:
            pending = self._pending
            cut = pending.rfind(b"\n", 0, self.size) + 1
            if not cut and len(pending) > self.size:
                cut = pending.find(b"\n", self.size) + 1
                if cut > MAX_LINE_BYTES:  # one line, already held whole (the first read)
                    self._pending = pending[cut:]
                    return LongLine(b"\x00" in pending[:cut])
            if cut:
                self._pending = pending[cut:]
                return pending[:cut] if cut < len(pending) else pending
            if self._eof:
                self.tail, self._pending = pending, b""
                return None
            if len(pending) > MAX_LINE_BYTES:
                return self._skip_line()
            block = self._read()
            cut = block.rfind(b"\n") + 1
            if cut and len(pending) + cut <= 2 * self.size:  # one copy: the lines, then the rest
                self._pending = block[cut:]
                return (
                    pending + block[:cut] if pending else block[:cut] if cut < len(block) else block
                )
            self._pending = pending + block

    def _skip_line(self) -> LongLine | None:
        """Drop the long line held so far and the rest of it up to its newline."""
        nul = b"\x00" in self._pending
        self._pending = b""
        while not self._eof:
            block = self._read()
            end = block.find(b"\n")
            nul = nul or b"\x00" in (block if end < 0 else block[:end])
            if end < 0 and self._decoder is None and block.count(0) == len(block):
                self._handle.seek(next_data(self._handle, self._handle.tell()))  # a hole
            if end >= 0:
                self._pending = block[end + 1 :]
                return LongLine(nul)
        self.tail = LongLine(nul)
        return None
