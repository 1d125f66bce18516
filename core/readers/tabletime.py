"""Which column of a table holds the absolute wall time (rules in
:mod:`curvelens.core.readers.table`), decided over every chunk of a streamed table."""

from __future__ import annotations

import polars as pl

from curvelens.core.readers.tablecells import parse_datetimes

_UNIX_SECONDS_MIN = 1e8
_UNIX_MILLIS_MIN = 1e11


class TimeColumns:
    """The candidate time columns' cells, chunk by chunk, until :meth:`choose` decides."""

    def __init__(self, names: list[str]) -> None:
        self.names = names
        """Candidate columns present, in :data:`~curvelens.core.readers.table.TIME_COLUMNS`
        order."""
        self._raw: dict[str, list[pl.Series]] = {name: [] for name in names}
        self._numbers: dict[str, list[pl.Series]] = {name: [] for name in names}

    def add(self, raw: pl.DataFrame, numbers: pl.DataFrame) -> None:
        """Keep one chunk's cells (``raw``) and their float casts (``numbers``)."""
        for name in self.names:
            self._raw[name].append(raw.get_column(name))
            self._numbers[name].append(numbers.get_column(name))

    def choose(self) -> tuple[str | None, list[pl.Series] | None]:
        """The absolute time column and its unix seconds per chunk, or (None, None)."""
        for name in self.names:
            raw, numbers = self._raw[name], self._numbers[name]
            if not raw:
                continue
            every = all(n.null_count() == r.null_count() for n, r in zip(raw, numbers))
            if every and any(n.len() > r.null_count() for n, r in zip(numbers, raw)):
                middle = pl.concat(numbers).median()
                if isinstance(middle, float) and middle >= _UNIX_MILLIS_MIN:
                    return name, [(n / 1000.0).alias("wall_time") for n in numbers]
                if isinstance(middle, float) and middle >= _UNIX_SECONDS_MIN:
                    return name, [n.alias("wall_time") for n in numbers]
                continue
            parsed = [parse_datetimes(r).alias("wall_time") for r in raw]
            if any(p.null_count() < p.len() for p in parsed):
                return name, parsed
        return None, None
