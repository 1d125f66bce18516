"""Applying a poll to the loaded runs: new :class:`RunData` only for the runs that changed.

Appended points merge into the run's points with the last write winning per (metric,
step); a run re-read whole replaces the one held; a vanished run keeps its points with
status ``gone``. Statuses are evaluated again at ``now`` for every run (a running run
that stopped writing turns ``crashed`` or ``stopped``), and a run seen running that does
gets an Issue saying so, which the app's warnings and ``curvelens tail`` show.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import datetime

import polars as pl

from curvelens.core.live.poller import PollResult, RunChange
from curvelens.core.live.status import CRASH_AFTER_S, SILENT, run_status, silence_status
from curvelens.core.schema import Issue, RunData, compact_points


def merge_points(old: pl.DataFrame, new: pl.DataFrame) -> pl.DataFrame:
    """``old`` with ``new`` (``POINTS`` in write order) written after it: the last write
    per (metric, step) wins, sorted by metric then step."""
    if new.height == 0:
        return old
    old, new = compact_points(old), compact_points(new)  # loaded points are compact
    new = new.unique(subset=["metric", "step"], keep="last", maintain_order=True)
    kept = old.join(new.select("metric", "step"), on=["metric", "step"], how="anti")
    merged = pl.concat([kept, new], how="vertical_relaxed")  # times, Null or Float64
    return compact_points(merged.sort(["metric", "step"], maintain_order=True))


def apply_poll(
    runs: Mapping[str, RunData],
    result: PollResult,
    *,
    now: float | None = None,
    crash_after: float = CRASH_AFTER_S,
) -> dict[str, RunData]:
    """The new RunData (by run id) of the runs in ``runs`` (by id) that ``result``
    changed, plus runs new in ``result`` and runs whose status changed by time alone."""
    clock = time.time() if now is None else now
    out: dict[str, RunData] = {}
    for change in result.changes:
        old = runs.get(change.ref.id)
        run = _changed(old, change, clock, crash_after)
        out[change.ref.id] = _warn(old, run, crash_after)
    for ref in result.gone:
        old = runs.get(ref.id)
        if old is not None:
            issue = Issue(ref.path, "vanished while watched (folder or log file removed)")
            out[ref.id] = _copy(old, old.points, "gone", old.updated, (*old.issues, issue))
    for run_id, run in runs.items():
        if run_id in out or run.status != "running":
            continue
        status = silence_status(run.ref.format, run.updated, now=clock, crash_after=crash_after)
        if status != "running":
            out[run_id] = _warn(run, _copy(run, run.points, status, run.updated), crash_after)
    return out


def _changed(old: RunData | None, change: RunChange, now: float, crash_after: float) -> RunData:
    """The run after one change."""
    if change.run is not None:  # re-read whole: loading computed its status just now
        return change.run
    if old is None or change.appended is None:
        raise ValueError(f"appended points for a run not held: {change.ref.id}")
    points = merge_points(old.points, change.appended)
    marker = "finished" if old.status == "finished" else ""
    updated = change.updated or old.updated
    status = run_status(old.ref.format, marker, updated, points, now=now, crash_after=crash_after)
    issues = (*old.issues, *change.issues)
    run = _copy(old, points, status, updated, issues)
    return run if run.resumed or not _backwards(old.points, change.appended) else _resumed(run)


def _backwards(old: pl.DataFrame, new: pl.DataFrame) -> bool:
    """Whether a metric's appended step is below its last step so far (a resumed job)."""
    if new.height == 0 or old.height == 0:
        return False
    name = pl.col("metric").cast(pl.String)  # held names are Categorical, tailed ones not
    last = old.group_by(name).agg(pl.col("step").max().alias("last"))
    first = new.group_by(name).agg(pl.col("step").min().alias("first"))
    both = first.join(last, on="metric")
    return bool((both.get_column("first") < both.get_column("last")).any())


def _warn(old: RunData | None, run: RunData, crash_after: float) -> RunData:
    """``run`` with an Issue when it was running before and has stopped writing now."""
    if old is None or old.status != "running" or run.status not in SILENT:
        return run
    minutes = f"{crash_after / 60:g} min"
    why = "and no end marker" if run.status == "crashed" else "(the format records no end)"
    issue = Issue(run.ref.path, f"{run.status} while watched: no write for {minutes} {why}")
    return _copy(run, run.points, run.status, run.updated, (*run.issues, issue))


def _copy(
    run: RunData,
    points: pl.DataFrame,
    status: str,
    updated: datetime | None,
    issues: tuple[Issue, ...] | None = None,
) -> RunData:
    """``run`` with new points, status, update time and issues."""
    return RunData(
        ref=run.ref,
        points=points,
        params=run.params,
        status=status,
        started=run.started,
        updated=updated,
        resumed=run.resumed,
        issues=run.issues if issues is None else issues,
        error=run.error,
    )


def _resumed(run: RunData) -> RunData:
    """``run`` flagged as resumed."""
    return RunData(
        ref=run.ref,
        points=run.points,
        params=run.params,
        status=run.status,
        started=run.started,
        updated=run.updated,
        resumed=True,
        issues=run.issues,
        error=run.error,
    )
