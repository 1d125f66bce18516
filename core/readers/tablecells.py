"""Cell-level helpers of the table rules (:mod:`curvelens.core.readers.table`): casting text
cells to numbers and times, counting rows with content, flagging never-finite metrics."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import numpy as np
import polars as pl

from curvelens.core.schema import Issue


def blank_as_null(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with its whitespace-only text cells empty (null), as a reader parsing
    numbers itself gives them: a blank cell is an empty one, whichever path read it."""
    texts = [name for name, dtype in frame.schema.items() if dtype == pl.String()]
    if not texts:
        return frame
    return frame.with_columns(
        pl.when(pl.col(name).str.strip_chars() != "").then(pl.col(name)).alias(name)
        for name in texts
    )


def to_float(raw: pl.Series) -> pl.Series:
    """Strict-free float cast; whitespace around numbers is tolerated, blank cells are null,
    ``true``/``false`` (any case) are 1.0/0.0."""
    if raw.dtype == pl.Float64():
        return raw
    values = raw.cast(pl.Float64(), strict=False)
    if values.null_count() == raw.null_count():
        return values
    stripped = raw.str.strip_chars()
    stripped = pl.select(
        pl.when(stripped == "").then(None).otherwise(stripped).alias(raw.name)
    ).to_series()
    values = stripped.cast(pl.Float64(), strict=False)
    if values.null_count() == raw.null_count():
        return values
    return values.fill_null(_booleans(stripped))


def _booleans(text: pl.Series) -> pl.Series:
    """``true``/``false`` cells (any case, stripped) as 1.0/0.0, every other cell null."""
    lowered = text.str.to_lowercase()
    return pl.select(
        pl.when(lowered == "true").then(1.0).when(lowered == "false").then(0.0).alias(text.name)
    ).to_series()


def to_floats(raw: pl.DataFrame) -> pl.DataFrame:
    """:func:`to_float` on every column, in one cast when no cell needs stripping."""
    if all(dtype == pl.Float64() for dtype in raw.dtypes):
        return raw
    values = raw.cast(pl.Float64(), strict=False)
    before, after = raw.null_count().row(0), values.null_count().row(0)
    redo = [to_float(raw.get_column(n)) for n, b, a in zip(raw.columns, before, after) if a > b]
    return values.with_columns(redo) if redo else values


def parse_datetimes(raw: pl.Series) -> pl.Series:
    """ISO datetime strings to unix seconds (naive = local time); unparsable cells are null."""
    seconds: dict[str, float] = {}
    if raw.dtype == pl.String():
        for text in raw.drop_nulls().unique().to_list():
            try:
                seconds[text] = datetime.fromisoformat(text.strip()).timestamp()
            except ValueError:
                continue
    if not seconds:
        return nulls(raw.len(), raw.name)
    return raw.replace_strict(seconds, default=None, return_dtype=pl.Float64())


def nulls(length: int, name: str = "wall_time") -> pl.Series:
    """An all-null Float64 column (``Series.clear`` runs a whole query, this does not)."""
    return pl.Series(name, [None], dtype=pl.Float64()).new_from_index(0, length)


def content_rows(frame: pl.DataFrame, mask: np.ndarray) -> int:
    """How many rows selected by ``mask`` have at least one filled cell."""
    if not mask.any() or not frame.width:
        return 0
    has_content = frame.select(pl.any_horizontal(pl.all().is_not_null())).to_series()
    return int((pl.Series(mask) & has_content).sum())


def never_finite(points: pl.DataFrame, path: Path) -> list[Issue]:
    """An Issue naming the metrics with no finite value at all (one numpy pass when all are)."""
    if bool(np.isfinite(points.get_column("value").to_numpy()).all()):
        return []
    finite = points.group_by("metric").agg(pl.col("value").is_finite().any())
    names = sorted(finite.filter(~pl.col("value")).get_column("metric").to_list())
    if not names:
        return []
    shown = ", ".join(repr(name) for name in names[:5])
    more = f" and {len(names) - 5} more" if len(names) > 5 else ""
    return [Issue(path, f"no finite value (only NaN/inf) in column(s) {shown}{more}")]
