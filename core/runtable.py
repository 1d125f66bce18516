"""The ``RUNS`` frame: one row per run with its status, times, counts and params.

Columns: ``id``, ``name``, ``path``, ``format``, ``status`` (String); ``started``,
``updated`` (Datetime[us, UTC]); ``resumed`` (Boolean); ``points``, ``warnings`` (Int64:
number of points held, only the asked metrics' in a partial run, and of issues); ``error``
(String, null when the run loaded); then one ``param.<key>`` String column per param key
found in any run, sorted by key (null where a run lacks it). Param values are rendered with
:func:`curvelens.core.params.format_param`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timezone

import polars as pl

from curvelens.core.params import format_param
from curvelens.core.schema import PARAM_PREFIX, RunData

_TIME = pl.Datetime("us", "UTC")
RUNS_SCHEMA: dict[str, pl.DataType] = {
    "id": pl.String(),
    "name": pl.String(),
    "path": pl.String(),
    "format": pl.String(),
    "status": pl.String(),
    "started": _TIME,
    "updated": _TIME,
    "resumed": pl.Boolean(),
    "points": pl.Int64(),
    "warnings": pl.Int64(),
    "error": pl.String(),
}
"""The fixed ``RUNS`` columns (``param.*`` columns follow)."""


def run_table(runs: Sequence[RunData]) -> pl.DataFrame:
    """One row per run, in the order given (see the module docstring for the columns)."""
    keys = sorted({key for run in runs for key in run.params})
    columns: dict[str, list[object]] = {name: [] for name in RUNS_SCHEMA}
    params: dict[str, list[str | None]] = {key: [] for key in keys}
    for run in runs:
        for name, value in _row(run).items():
            columns[name].append(value)
        for key in keys:
            params[key].append(format_param(run.params.get(key)))
    frame = pl.DataFrame(columns, schema=RUNS_SCHEMA)
    extra = [pl.Series(f"{PARAM_PREFIX}{key}", params[key], dtype=pl.String()) for key in keys]
    return frame.with_columns(extra) if extra else frame


def _row(run: RunData) -> dict[str, object]:
    """The fixed columns of one run."""
    return {
        "id": run.ref.id,
        "name": run.ref.name,
        "path": str(run.ref.path),
        "format": run.ref.format,
        "status": run.status,
        "started": _utc(run.started),
        "updated": _utc(run.updated),
        "resumed": run.resumed,
        "points": _points(run),
        "warnings": len(run.issues),
        "error": run.error,
    }


def _points(run: RunData) -> int:
    """How many points ``run`` holds: its summary's counts when loading made one (a cached
    run's points file is not read for the table), else its points' rows."""
    if run.summary is not None:
        return int(run.summary.get_column("count").sum())
    return run.points.height


def _utc(moment: datetime | None) -> datetime | None:
    """``moment`` as an aware UTC datetime (naive values are taken as local time)."""
    return None if moment is None else moment.astimezone(timezone.utc)
