"""Seed parts of run names (what seed grouping removes) and a group's mean curve."""

from __future__ import annotations

import re

import polars as pl

#: The seed part of a run name: ``_seed3``, ``-seed-3``, ``seed_3``, ``/seed3``.
DEFAULT_NAME_PATTERN = r"[_-]?seed[_-]?\d+"
#: ``YYYYmmdd_HHMMSS`` timestamps (one or a resume chain of several) ending a name or path
#: component.
_TIMESTAMP = re.compile(r"(?:[_-]?\d{8}[_-]\d{6})+(?=/|$)")


def remove_seed(text: str, pattern: str = DEFAULT_NAME_PATTERN) -> str:
    """``text`` without the seed ``pattern`` (case-insensitive) and timestamps."""
    return _TIMESTAMP.sub("", re.sub(pattern, "", text, flags=re.IGNORECASE))


def strip_seed(name: str, pattern: str = DEFAULT_NAME_PATTERN) -> str:
    """Run id or name without its seed part and timestamps; ``"runs"`` if nothing is left."""
    return re.sub(r"/+", "/", remove_seed(name, pattern)).strip("/_-") or "runs"


def mean_by_step(points: pl.DataFrame) -> pl.DataFrame:
    """``step, value``: per step, the mean of the finite values of ``points`` (any runs of
    one metric), NaN where none is finite; sorted by step. A group's mean curve."""
    finite = pl.col("value").is_finite().fill_null(False)
    return (
        points.group_by("step")
        .agg(
            pl.when(finite.any())
            .then(pl.col("value").filter(finite).mean())
            .otherwise(float("nan"))
            .alias("value")
        )
        .sort("step")
    )
