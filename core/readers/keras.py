"""Keras ``CSVLogger`` files: one row per epoch, header ``epoch,<metric>,...``.

The file name is the user's (``training.log`` in Keras' docs, ``history.csv`` ...), so a
``*.log``, ``*.csv`` or ``*.tsv`` file in a folder that is not a run is a Keras run when its
first line's first field is ``epoch`` (the separator is ``,``, ``;`` or a tab, as
``CSVLogger(separator=...)`` allows). The ``epoch`` column is the step (0-based, continuing
after ``initial_epoch`` with ``append=True``); ``NA`` cells (a key that epoch did not log)
are no point; every other column follows the CSV rules (:mod:`curvelens.core.readers.table`).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from curvelens.core.readers.base import Description, Reader, ReadError, ReadResult
from curvelens.core.readers.bounded import stream_text
from curvelens.core.readers.csvlog import started_at
from curvelens.core.readers.delimited import column_names, read_delimited
from curvelens.core.readers.table import table_points
from curvelens.core.readers.textfile import blank, first_line
from curvelens.core.schema import Issue, empty_points

SUFFIXES = (".log", ".csv", ".tsv")
SEPARATORS = (",", ";", "\t")
EPOCH = "epoch"
MISSING = "NA"


def keras_separator(path: Path) -> str | None:
    """The separator of a CSVLogger file (its header starts with ``epoch``), else None."""
    try:
        header = first_line(path, limit=65536)
    except ReadError:
        return None
    for sep in SEPARATORS:
        first, found, _rest = header.partition(sep)
        if found and first.strip().strip('"') == EPOCH:
            return sep
    return None


class KerasCsvReader(Reader):
    """Keras ``CSVLogger`` files found in folders that are not runs."""

    name = "keras"
    file_patterns = ("training.log",)

    def detect(self, folder: Path, entry_names: frozenset[str]) -> bool:
        """Never a folder: each log file is a run (:meth:`file_runs`)."""
        return False

    def file_runs(self, folder: Path, entry_names: frozenset[str]) -> list[str]:
        """The folder's ``*.log``/``*.csv``/``*.tsv`` files whose header starts ``epoch``."""
        return sorted(
            name
            for name in entry_names
            if name.lower().endswith(SUFFIXES)
            and (folder / name).is_file()
            and keras_separator(folder / name) is not None
        )

    def describe(self, path: Path) -> Description:
        """The header's metric columns."""
        sep = keras_separator(path) or ","
        names = column_names(first_line(path), sep, path)
        return Description(metrics=tuple(sorted(n for n in names if n != EPOCH)))

    def read(self, path: Path) -> ReadResult:
        """One point per epoch and metric; the epoch column is the step."""
        sep = keras_separator(path)
        if sep is None:
            raise ReadError(path, "not a Keras CSVLogger file (no 'epoch' header)")
        data, streamed = stream_text(path)  # memory follows the lines kept, not the file
        if blank(data):
            return ReadResult(points=empty_points(), issues=(*streamed, Issue(path, "empty file")))
        frame, issues, cut = read_delimited(path, data, sep, numbers=True)
        issues[:0] = streamed
        if frame.height == 0 and not issues:
            issues.append(Issue(path, "header only, no epoch finished yet"))
        if "step" not in frame.columns:
            frame = frame.rename({EPOCH: "step"})
        frame = frame.with_columns(  # CSVLogger writes NA for a key an epoch did not log
            pl.when(pl.col(pl.String) != MISSING).then(pl.col(pl.String))
        )
        table = table_points(frame, path)
        return ReadResult(
            points=table.points,
            params=table.params,
            resumed=table.resumed,
            issues=tuple(issues + table.issues),
            pending=(cut,) if cut is not None else (),
            started=started_at(table.first_wall_time, (path,)),
            files=(path,),
        )
