"""The line-by-line CSV/TSV parse (the :mod:`csv` module) for rows polars cannot take:
quoted fields, malformed lines, carriage returns inside lines.

Rows of the header's width are kept; others become Issues naming their line. A chunk of a
streamed read may end inside a quoted record (a quoted cell may hold newlines): a sentinel
line after the chunk shows it (the csv module swallows it into the open cell), and the
lines of that record are handed back to be read again with the next chunk.
"""

from __future__ import annotations

import csv
import io
import itertools
from pathlib import Path

import polars as pl

from curvelens.core.schema import Issue

_SENTINEL = "\ue000curvelens: end of chunk\ue000"


def read_slow(
    path: Path, text: str, sep: str, names: list[str], header_lines: int = 1, final: bool = True
) -> tuple[pl.DataFrame, list[Issue], str]:
    """Parse ``text`` (complete lines after the first ``header_lines`` lines of the file):
    the String frame, the malformed lines, and, unless ``final``, the lines of a quoted
    record the text ends inside (not parsed)."""
    lines = io.StringIO(text, newline="").readlines()
    reader = csv.reader(lines if final else itertools.chain(lines, [_SENTINEL]), delimiter=sep)
    columns: list[list[str | None]] = [[] for _ in names]
    issues: list[Issue] = []
    done, rest = 0, ""
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            if reader.line_num > len(lines):
                rest = "".join(lines[done:])
                break
            issues.append(Issue(path, f"unparsable line: {exc}", reader.line_num + header_lines))
            done = reader.line_num
            continue
        if reader.line_num > len(lines):  # the sentinel: alone, or inside an open record
            rest = "" if fields == [_SENTINEL] else "".join(lines[done:])
            break
        done = reader.line_num
        if not fields or all(not field.strip() for field in fields):
            continue
        if len(fields) != len(names):
            message = f"expected {len(names)} fields, found {len(fields)}"
            issues.append(Issue(path, message, reader.line_num + header_lines))
            continue
        for column, field in zip(columns, fields, strict=True):
            column.append(field if field != "" else None)
    frame = pl.DataFrame(
        {
            name: pl.Series(name, column, dtype=pl.String())
            for name, column in zip(names, columns, strict=True)
        }
    )
    return frame, issues, rest
