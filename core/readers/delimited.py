"""Reading CSV/TSV rows into polars frames of text or numbers, never inferring types.

Fast path: when every complete line has as many fields as the header and nothing is quoted,
polars reads the rows with the columns typed as given (numbers where the first rows show
numbers, the rest ``String``: type inference would drop eval columns that only start late
in a sparse file). Otherwise a line-by-line pass with :mod:`csv`
(:mod:`curvelens.core.readers.csvslow`) keeps the good rows and reports each malformed one
("line 57: expected 15 fields, found 7"). Every path reads the same rows: blank lines and
rows of blank cells only are none. :func:`read_delimited` reads a whole file,
:func:`read_chunk` one chunk of a streamed one. The unterminated last line is never data,
whatever its number of fields (``9.0`` may be ``9.0013`` being written): it is returned
as a pending :func:`cut_line` Issue.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from curvelens.core.readers.base import ReadError
from curvelens.core.readers.csvslow import read_slow
from curvelens.core.readers.textfile import blank, cut_line, decode, first_line, split_tail
from curvelens.core.schema import Issue

GUESS_BYTES = 16384
"""How much of the file :func:`number_columns` looks at to guess the number columns."""
_BLANK_LINES = re.compile(rb"^\r?\n", re.MULTILINE)
_REFUSED = re.compile(r"as dtype `f64` at column .* \(column number (\d+)\)")


def read_delimited(
    path: Path, data: bytes, sep: str, numbers: bool = False
) -> tuple[pl.DataFrame, list[Issue], Issue | None]:
    """Parse ``data`` (the bytes of ``path``) into String columns named by the header; also
    the problems, and the :func:`cut_line` Issue when an unterminated last line was dropped.

    With ``numbers``, columns of a well-formed file that polars can parse as numbers whole
    come back as Float64 instead (see :func:`_read_numbers`); the rest stay String.
    """
    body, tail = split_tail(data)
    if not body:
        body, tail = tail + b"\n", b""  # a lone unterminated line can only be a header
    end = header_end(body)
    names = column_names(decode(body[:end]), sep, path)
    rows, tail = body[end:], tail.rstrip(b"\r")
    cut = None if blank(tail) else cut_line(path, body)  # pending, whatever its width
    lines = body.count(b"\n", 0, end)
    frame, issues, _ = _read_rows(path, rows, sep, names, numbers, lines)
    return frame, issues, cut


def header_end(body: bytes) -> int:
    """Where the header record ends: its first newline outside quotes (a quoted name may
    hold a newline); the first newline when the quotes never close."""
    first = body.index(b"\n") + 1
    if body.count(b'"', 0, first) % 2 == 0:
        return first
    end = first
    while (end := body.find(b"\n", end) + 1) > 0:
        if body.count(b'"', 0, end) % 2 == 0:
            return end
    return first


@dataclass(frozen=True)
class Rows:
    """Some complete lines of a log parsed (:func:`read_chunk`)."""

    frame: pl.DataFrame
    """The rows of the header's width, String columns or Float64 ones (see
    :func:`_read_numbers`); rows of blank cells only are no rows."""
    issues: list[Issue]
    """The malformed lines."""
    rest: bytes = b""
    """The last lines when they hold the start of a quoted record that goes on in the next
    chunk (not parsed: read them again in front of it)."""
    lines: int = 0
    """How many lines (newlines) were read, :attr:`rest` excluded."""


def read_chunk(
    path: Path,
    rows: bytes,
    sep: str,
    names: list[str],
    guess: list[bool],
    line: int,
    first: bool = True,
    final: bool = True,
    columns: list[str] | None = None,
) -> Rows:
    """Parse ``rows``, complete lines of ``path`` after its first ``line`` lines (the header
    and earlier chunks): like :func:`read_delimited` on them, with ``guess`` (a column read
    as numbers, the schema of earlier chunks) tried first. ``first``: these are the first
    rows of the file (a byte-order mark there is dropped); ``final``: no more rows follow
    (else a quoted record cut by the end of ``rows`` comes back as :attr:`Rows.rest`).
    ``columns``: the columns needed (polars then parses only those when it can). A column
    of ``guess`` holding a cell polars refuses as a number is read as text and ``guess``
    updated for the next chunks."""
    if names and b'"' not in rows and not bare_cr(rows):
        schema: dict[str, pl.DataType] = {
            name: pl.Float64() if n else pl.String() for name, n in zip(names, guess)
        }
        typed = None
        if columns is not None and len(columns) < len(names):
            typed = _read_projected(rows, sep, names, schema, columns)
        typed = typed or _read_numbers(rows, sep, names, schema)
        if typed is not None:
            guess[:] = [schema[name] == pl.Float64() for name in names]  # what polars refused
            return Rows(typed[0], [], lines=typed[1])
    frame, issues, rest = _read_rows(path, rows, sep, names, True, line, first, final)
    return Rows(frame, issues, rest, rows.count(b"\n") - rest.count(b"\n"))


def bare_cr(rows: bytes) -> bool:
    """Whether ``rows`` hold a carriage return that does not end a line (the csv module
    ends a record there; polars keeps it in the cell): such rows take the line-by-line path."""
    return b"\r" in rows and rows.count(b"\r") != rows.count(b"\r\n")


def _read_rows(
    path: Path,
    rows: bytes,
    sep: str,
    names: list[str],
    numbers: bool,
    header_lines: int = 1,
    first: bool = True,
    final: bool = True,
) -> tuple[pl.DataFrame, list[Issue], bytes]:
    """The complete data ``rows`` as a frame (fast paths first), the malformed lines, and
    the :attr:`Rows.rest` of a quoted record left open (only when not ``final``).

    Blank lines are no rows (polars would read them as empty rows, or a blank first line
    as a file of one column); they are dropped before the fast paths.
    """
    if b'"' in rows or bare_cr(rows):
        text = _decode(rows, first)
        frame, issues, rest = read_slow(path, text, sep, names, header_lines, final)
        return frame, issues, rest.encode()
    dense = _drop_blank_lines(rows)
    found = _read_numbers(dense, sep, names) if numbers and names else None
    typed = found[0] if found is not None else None
    if typed is not None and not typed.get_column(names[-1]).has_nulls():
        return typed, [], b""  # polars refuses longer lines; a shorter one leaves a null there
    if fields_match(dense, sep, len(names)):
        return (_read_fast(dense, sep, names) if typed is None else typed), [], b""
    frame, issues, _ = read_slow(path, _decode(rows, first), sep, names, header_lines)
    return frame, issues, b""


def _decode(rows: bytes, first: bool) -> str:
    """Lossy UTF-8; a byte-order mark is dropped only at the start of the ``first`` rows."""
    return decode(rows) if first else rows.decode("utf-8", errors="replace")


def _drop_blank_lines(rows: bytes) -> bytes:
    """``rows`` without its empty lines (``\\n`` or ``\\r\\n``); no copy when it has none."""
    if rows.startswith((b"\n", b"\r\n")) or b"\n\n" in rows or b"\n\r\n" in rows:
        return _BLANK_LINES.sub(b"", rows)
    return rows


def column_names(header: str, sep: str, path: Path | None = None) -> list[str]:
    """Header fields, stripped, with empty names filled and duplicates suffixed (``a``, ``a_2``).

    Linear in the number of fields: each base name remembers the next suffix to try (names
    taken stay taken, so the smaller ones need no second look). A header the csv module
    refuses (a stray carriage return inside a name) is a ReadError naming ``path``.
    """
    try:
        fields = next(csv.reader([header.strip("\r\n")], delimiter=sep), [])
    except csv.Error as exc:
        raise ReadError(path or Path("<header>"), f"header not readable ({exc})") from None
    names: list[str] = []
    taken: set[str] = set()
    next_suffix: dict[str, int] = {}
    for index, raw in enumerate(fields):
        base = raw.strip() or f"column_{index + 1}"
        name, suffix = base, next_suffix.get(base, 2)
        if name in taken:
            name = f"{base}_{suffix}"
            while name in taken:
                suffix += 1
                name = f"{base}_{suffix}"
            next_suffix[base] = suffix + 1
        taken.add(name)
        names.append(name)
    return names


def fields_match(rows: bytes, sep: str, width: int) -> bool:
    """True when every non-blank line of ``rows`` has ``width - 1`` separators (vectorised)."""
    if not rows:
        return True
    raw = np.frombuffer(rows, dtype=np.uint8)
    ends = np.flatnonzero(raw == 10)
    seps = np.flatnonzero(raw == ord(sep))
    counts = np.diff(np.searchsorted(seps, ends), prepend=0)
    starts = np.concatenate(([0], ends[:-1] + 1))
    lengths = ends - starts
    empty = (lengths == 0) | ((lengths == 1) & (raw[np.maximum(ends - 1, 0)] == 13))
    return bool(np.all((counts == width - 1) | empty))


def _read_fast(rows: bytes, sep: str, names: list[str]) -> pl.DataFrame:
    """polars' CSV reader on well-formed rows, every column as String."""
    if blank(rows):
        return pl.DataFrame(schema=dict.fromkeys(names, pl.String()))
    frame = pl.read_csv(
        io.BytesIO(rows),
        has_header=False,
        new_columns=names,
        separator=sep,
        infer_schema=False,
        encoding="utf8-lossy",
        quote_char=None,
    )
    mask = content_mask(frame)
    return frame if mask is None else frame.filter(mask)


def _read_numbers(
    rows: bytes, sep: str, names: list[str], schema: Mapping[str, pl.DataType] | None = None
) -> tuple[pl.DataFrame, int] | None:
    """polars' CSV reader parsing numbers itself: faster than reading text and casting.

    A column whose first filled cell (in the first lines) is a number is read as Float64
    (or the columns ``schema`` says; then the lines are checked too: each must have the
    header's width, no blank line); if any cell of such a column is not a number polars
    refuses the file and None is returned (the caller reads text). polars parses exactly
    the cells the String cast accepts (leading spaces included); a constant column comes
    back as text, because whether it was written as integers decides if it is a param.
    Also how many lines polars read (blank rows included).
    """
    if blank(rows):
        return None
    checked = schema is not None
    if schema is None:
        guess = number_columns(rows[:GUESS_BYTES], sep, len(names))
        schema = {name: pl.Float64() if n else pl.String() for name, n in zip(names, guess)}
    frame = _typed_csv(rows, sep, schema, None, retries=len(names) if checked else 0)
    if frame is None:
        return None
    if checked and len(names) > 1 and count_byte(rows, sep) != (len(names) - 1) * frame.height:
        return None  # a short or blank line (polars refuses the longer ones)
    lines, mask = frame.height, content_mask(frame)
    if mask is not None:
        frame = frame.filter(mask)
    return _constants_as_text(frame, rows, sep, names, mask), lines


def _read_projected(
    rows: bytes, sep: str, names: list[str], schema: Mapping[str, pl.DataType], columns: list[str]
) -> tuple[pl.DataFrame, int] | None:
    """:func:`_read_numbers` parsing only ``columns``; None when it cannot tell the rows
    apart without the others (a line of another width, a row blank in all of ``columns``)."""
    frame = _typed_csv(rows, sep, schema, [names.index(name) for name in columns], len(names))
    if frame is None:
        return None
    if not lines_match(rows, sep, len(names), frame.height) or content_mask(frame) is not None:
        return None
    return _constants_as_text(frame, rows, sep, names, None), frame.height


def _typed_csv(
    rows: bytes,
    sep: str,
    schema: Mapping[str, pl.DataType],
    columns: list[int] | None,
    retries: int,
) -> pl.DataFrame | None:
    """polars' reader with ``schema`` (strict UTF-8: faster; a bad byte falls back to lossy
    text); a number column holding a cell polars refuses is made String in ``schema`` (a
    dict) and the read tried again, up to ``retries`` times; None when it still fails."""
    for _ in range(retries + 1):
        try:
            return pl.read_csv(
                rows,
                has_header=False,
                schema=schema,
                columns=columns,
                separator=sep,
                encoding="utf8",
                quote_char=None,
            )
        except pl.exceptions.PolarsError as exc:
            found = _REFUSED.search(str(exc))
            names = list(schema)
            index = int(found.group(1)) - 1 if found else -1
            if not 0 <= index < len(names) or schema[names[index]] != pl.Float64():
                return None
            if isinstance(schema, dict):
                schema[names[index]] = pl.String()
            else:
                return None
    return None


def count_byte(data: bytes, char: str) -> int:
    """How often the one-byte ``char`` occurs in ``data`` (numpy: 5x ``bytes.count``)."""
    return int(np.count_nonzero(np.frombuffer(data, dtype=np.uint8) == ord(char)))


def lines_match(rows: bytes, sep: str, width: int, height: int) -> bool:
    """Whether ``rows`` are ``height`` lines of exactly ``width - 1`` separators each."""
    raw = np.frombuffer(rows, dtype=np.uint8)
    ends = np.flatnonzero(raw == 10)
    seps = np.flatnonzero(raw == ord(sep))
    if len(ends) != height or len(seps) != (width - 1) * height:
        return False
    if width == 1 or not height:
        return True
    grid = seps.reshape(height, width - 1)
    return bool((grid[:, -1] < ends).all() and (grid[1:, 0] > ends[:-1]).all())


def _constants_as_text(
    frame: pl.DataFrame, rows: bytes, sep: str, names: list[str], mask: pl.Series | None
) -> pl.DataFrame:
    """``frame`` with its constant Float64 columns read again as text (``mask``: the rows
    of ``rows`` that ``frame`` kept)."""
    constant = [
        column.name
        for column in frame.get_columns()
        if column.dtype == pl.Float64() and _constant(column)
    ]
    if not constant:
        return frame
    text = pl.read_csv(
        io.BytesIO(rows),
        has_header=False,
        schema=dict.fromkeys(names, pl.String()),
        columns=[names.index(name) for name in constant],
        separator=sep,
        encoding="utf8-lossy",
        quote_char=None,
    )
    return frame.with_columns(text if mask is None else text.filter(mask))


def content_mask(frame: pl.DataFrame) -> pl.Series | None:
    """The rows of ``frame`` with a non-blank cell, or None when that is every row: a row
    of blank cells only is no row (as the line-by-line parse skips it)."""
    if not frame.height or any(
        column.dtype == pl.Float64() and not column.has_nulls() for column in frame.get_columns()
    ):
        return None
    filled = [
        pl.col(name).is_not_null()
        if dtype == pl.Float64()
        else pl.col(name).str.strip_chars().fill_null("") != ""
        for name, dtype in frame.schema.items()
    ]
    mask = frame.select(pl.any_horizontal(filled)).to_series()
    return None if mask.all() else mask


def _constant(column: pl.Series) -> bool:
    """A filled column holding one value."""
    if column.is_empty() or column.has_nulls():
        return False
    values = column.to_numpy()
    return bool(values[0] == values[-1] and (values == values[0]).all())


def number_columns(head: bytes, sep: str, width: int) -> list[bool]:
    """For each column, whether its first filled cell in ``head`` looks like a number."""
    found: list[bool | None] = [None] * width
    for line in decode(head).splitlines()[:-1]:  # the last line may be cut
        for index, cell in enumerate(line.split(sep)[:width]):
            if found[index] is None and cell.strip():
                found[index] = _is_number(cell)
        if None not in found:
            break
    return [yes is not False for yes in found]


def _is_number(cell: str) -> bool:
    """Whether Python reads ``cell`` as a float (a guess; polars decides in the end)."""
    try:
        float(cell)
    except ValueError:
        return False
    return True


def header_names(path: Path, sep: str) -> list[str]:
    """Column names from the first line of ``path`` only (for cheap descriptions)."""
    return column_names(first_line(path), sep, path)
