"""Reading one CSV/TSV log into points in bounded chunks (memory follows what is kept).

The file is read :data:`~curvelens.core.readers.linechunks.CHUNK_BYTES` at a time, cut at
line boundaries (:class:`~curvelens.core.readers.linechunks.LineChunks`); each chunk is
parsed (:func:`~curvelens.core.readers.delimited.read_chunk`: polars with the number
columns the first chunk shows, the line-by-line parse where it must) and turned into long
points at once (:class:`~curvelens.core.readers.table.TableStream`, which keeps what the
whole-file rules need: constant and text columns, step and time columns, the resume flag).
The result is what reading the whole file at once gives: lines holding NUL bytes skipped
and counted in one Issue, another separator than the name says, malformed lines reported
with their line numbers, quoted cells across chunk ends, the unterminated last line
pending (never data). A file that takes longer than its time budget
(:class:`~curvelens.core.readers.textfile.Budget`) stops with an Issue naming the line;
the points read so far are kept.

A projected read (``metrics``) parses, after the first chunk, only the step and time
columns, the asked metrics and the columns that may still be params: its points, params
and resume flag are those of a full read; its Issues about cells and values cover the
columns it read (a non-numeric cell of another column is not reported).
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path
from typing import BinaryIO

import polars as pl

from curvelens.core.readers.base import ReadError
from curvelens.core.readers.delimited import (
    GUESS_BYTES,
    column_names,
    header_end,
    number_columns,
    read_chunk,
)
from curvelens.core.readers.linechunks import CHUNK_BYTES, LineChunks, LongLine
from curvelens.core.readers.table import TIME_COLUMNS, TableResult, TableStream
from curvelens.core.readers.textfile import (
    CUT_LINE,
    MAX_LINE_BYTES,
    NUL_EVERYWHERE,
    Budget,
    blank,
    decode,
    open_log,
    other_separator,
)
from curvelens.core.schema import Issue, empty_points

MAX_HEADER_BYTES = 16 * 2**20
"""A header record (quoted names may hold newlines) longer than this ends at its first line."""
_LONG_HEADER = f"first line longer than {MAX_LINE_BYTES // 2**20} MiB, not a header"
_SEPARATOR_NAMES = {"\t": "tab", ";": "semicolon", "|": "pipe"}


def separator(path: Path) -> str:
    """Tab for ``.tsv`` files, comma otherwise."""
    return "\t" if path.suffix.lower() == ".tsv" else ","


def read_table_file(
    path: Path, metrics: Collection[str] | None = None, chunk_bytes: int = CHUNK_BYTES
) -> TableResult:
    """Read one CSV/TSV log into points (module docstring); only the points of ``metrics``
    when given. Empty and header-only files give zero points + Issue; ReadError for a file
    that cannot be read or a header the csv module refuses."""
    with open_log(path) as handle:
        return _Stream(path, handle, chunk_bytes, metrics).read()


class _Stream:
    """One streaming read: the chunks, the line count and what the Issues need."""

    def __init__(
        self, path: Path, handle: BinaryIO, chunk_bytes: int, metrics: Collection[str] | None
    ) -> None:
        self.path = path
        self.chunks = LineChunks(path, handle, chunk_bytes)
        self.metrics = metrics
        self.line = 0
        """Lines (newlines) read so far, the header's included."""
        self.cr_lines = 0
        """Extra line breaks the csv module counts in them (carriage returns in lines)."""
        self.nul_lines: list[int] = []
        self.good = False
        """Some line has content and no NUL byte."""
        self.filled = False
        """Some byte is not whitespace (else the file is empty)."""
        self.issues: list[Issue] = []
        self._held: LongLine | None = None

    def _pull(self, before: bytes) -> bytes | LongLine | None:
        """The next chunk with its NUL lines emptied (``before``: unread lines ahead of it)."""
        piece, self._held = self._held or self.chunks.next(), None
        if isinstance(piece, bytes):
            piece = self._clean(piece, before)
        return piece

    def _clean(self, piece: bytes, before: bytes) -> bytes:
        """``piece`` with the lines holding NUL bytes emptied (their numbers noted)."""
        self.filled = self.filled or not blank(piece)
        if b"\x00" not in piece:
            self.good = self.good or not blank(piece)
            return piece
        first = self.line + before.count(b"\n") + 1
        lines = piece.split(b"\n")
        for number, text in enumerate(lines, start=first):
            if b"\x00" in text:
                self.nul_lines.append(number)
                lines[number - first] = b""
            elif text.strip():
                self.good = True
        return b"\n".join(lines)

    def _header(self) -> tuple[bytes, bytes]:
        """(header record, the complete lines read after it)."""
        body = b""
        while True:
            piece = self._pull(body)
            if isinstance(piece, LongLine):
                if not body:
                    raise ReadError(self.path, _LONG_HEADER)
                self._held = piece  # after the rows read so far
                break
            if piece is None:
                break
            body += piece
            first = body.index(b"\n") + 1
            end = header_end(body)
            if end > first or body.count(b'"', 0, first) % 2 == 0:
                break  # found (a quoted name may hold newlines), or a plain first line
            if len(body) > MAX_HEADER_BYTES:
                break
        if not body:  # a lone unterminated line can only be a header
            tail = self.chunks.tail
            if isinstance(tail, LongLine):
                raise ReadError(self.path, _LONG_HEADER)
            body, self.chunks.tail = self._clean(tail + b"\n", b""), b""
        end = header_end(body)
        return body[:end], body[end:]

    def _long_line(self, piece: LongLine, before: bytes) -> None:
        """Note a skipped long line after ``before`` (unread lines)."""
        number = self.line + before.count(b"\n") + 1
        self.filled = True
        if piece.nul:
            self.nul_lines.append(number)
        else:
            self.good = True
            message = f"line longer than {MAX_LINE_BYTES // 2**20} MiB skipped (not read)"
            self.issues.append(Issue(self.path, message, number))

    def read(self) -> TableResult:
        """The whole read (class docstring)."""
        header, rows = self._header()
        sep = separator(self.path)
        front: list[Issue] = []
        if (other := other_separator(header + rows[:4096], sep)) is not None:
            message = f"{_SEPARATOR_NAMES[other]}-separated, not as its name says: read as such"
            front.append(Issue(self.path, message))
            sep = other
        names = column_names(decode(header), sep, self.path)
        self.line = header.count(b"\n")
        stream = TableStream(self.path, names, self.metrics)
        stopped = self._rows(rows, sep, names, stream)
        cut = None if stopped else self._tail()
        if not self.filled:
            return TableResult(
                empty_points(), {}, False, [Issue(self.path, "empty file, no data yet")], None
            )
        if self.nul_lines and not self.good:
            raise ReadError(self.path, NUL_EVERYWHERE)
        table = stream.finish()
        issues = [*self._nul_issue(), *front, *self.issues, *table.issues]
        if stream.height == 0 and not issues:
            issues.append(Issue(self.path, "header only, no data rows yet"))
        pending = [cut] if cut is not None else []
        return TableResult(
            table.points, table.params, table.resumed, issues, table.first_wall_time, pending
        )

    def _rows(self, rows: bytes, sep: str, names: list[str], stream: TableStream) -> bool:
        """Parse the data rows chunk by chunk into ``stream``; True when the time budget
        stopped the read."""
        budget, guess, first = Budget(), None, True
        while True:
            piece = self._pull(rows)
            final = not isinstance(piece, bytes)  # a long line ends the lines before it
            rows = (rows + piece if rows else piece) if isinstance(piece, bytes) else rows
            if rows:
                if guess is None:
                    guess = _guess(rows, sep, names)
                rows = self._chunk(rows, sep, names, guess, stream, first, final)
                first = False
            if isinstance(piece, LongLine):
                self._long_line(piece, b"")
                self.line += 1
            elif piece is None:
                return False
            if budget.spent():
                self.issues.append(budget.issue(self.path, self.line + 1))
                return True

    def _chunk(
        self,
        rows: bytes,
        sep: str,
        names: list[str],
        guess: list[bool],
        stream: TableStream,
        first: bool,
        final: bool,
    ) -> bytes:
        """Parse one chunk of complete lines into ``stream``; the lines left for the next."""
        wanted = stream.wanted() or names[:1]
        line = self.line + self.cr_lines
        parsed = read_chunk(self.path, rows, sep, names, guess, line, first, final, wanted)
        if len(parsed.rest) > MAX_HEADER_BYTES:  # an open quote: read it as the csv module does
            parsed = read_chunk(self.path, rows, sep, names, guess, line, first, columns=wanted)
        frame = parsed.frame
        if frame.width and wanted != frame.columns:
            frame = pl.DataFrame([frame.get_column(name) for name in wanted])
        stream.add(frame)
        self.issues.extend(parsed.issues)
        self.line += parsed.lines
        if b"\r" in rows:
            done = rows[: len(rows) - len(parsed.rest)]
            self.cr_lines += done.count(b"\r") - done.count(b"\r\n")
        return parsed.rest

    def _tail(self) -> Issue | None:
        """The pending Issue of the unterminated last line (a NUL line is counted instead)."""
        tail = self.chunks.tail
        if isinstance(tail, LongLine):
            self.filled = True
            if not tail.nul:
                return Issue(self.path, CUT_LINE, self.line + 1)
            self.nul_lines.append(self.line + 1)
            return None
        self.filled = self.filled or not blank(tail)
        if b"\x00" in tail:
            self.nul_lines.append(self.line + 1)
            return None
        self.good = self.good or not blank(tail)
        return None if blank(tail.rstrip(b"\r")) else Issue(self.path, CUT_LINE, self.line + 1)

    def _nul_issue(self) -> list[Issue]:
        """The one Issue counting the lines holding NUL bytes, at the first of them."""
        if not self.nul_lines:
            return []
        count = len(self.nul_lines)
        lines_word = "line" if count == 1 else "lines"
        message = f"{count} {lines_word} holding NUL bytes skipped (file damaged, e.g. by a crash)"
        return [Issue(self.path, message, min(self.nul_lines))]


def _guess(rows: bytes, sep: str, names: list[str]) -> list[bool]:
    """The columns to read as numbers: those whose first filled cell in the first rows is a
    number (:func:`number_columns`), time columns excepted (their text decides)."""
    found = number_columns(rows[:GUESS_BYTES], sep, len(names))
    return [n and name not in TIME_COLUMNS for n, name in zip(found, names)]
