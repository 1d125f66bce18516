"""Loading discovered runs into :class:`RunData`, in parallel, never raising on bad data.

Status rules: ``error`` when the run could not be read; ``finished``/``failed`` when the
format records it; ``running`` when the newest log file changed within
:data:`RUNNING_WINDOW_S` seconds; else ``unknown``. ``updated`` is that newest log file's
mtime (UTC). A reader's ``pending`` issues (a last line cut mid-write) join the run's issues
unless it is ``running``. ``RunData.ref`` is the discovered ref, with ``name`` replaced by
the name the log records when it has one (``ReadResult.name``); id, path and format stay.
Reading only opens files for reading: nothing is written under run folders.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import polars as pl

from curvelens.core.readers import ReadError, ReadResult, get_reader
from curvelens.core.schema import RUN_POINTS, RunData, RunRef, empty_points

RUNNING_WINDOW_S = 300.0
"""A run whose newest log file changed less than this many seconds ago is ``running``."""
MAX_WORKERS = 4


def load_run(ref: RunRef) -> RunData:
    """Read one run; any failure becomes ``RunData.error`` (with the file path), never raised."""
    try:
        result = get_reader(ref.format).read(ref.path)
    except ReadError as exc:
        return _failed(ref, str(exc))
    except KeyError:
        return _failed(ref, f"{ref.path}: no reader for format {ref.format!r}")
    except Exception as exc:  # a reader bug must not take the other runs down
        return _failed(ref, f"{ref.path}: unexpected {type(exc).__name__}: {exc}")
    updated = _newest_mtime(result.files)
    status = _status(result, updated)
    return RunData(
        ref=replace(ref, name=result.name) if result.name else ref,
        points=result.points,
        params=result.params,
        status=status,
        started=result.started,
        updated=updated,
        resumed=result.resumed,
        issues=result.issues if status == "running" else result.issues + result.pending,
    )


def load_runs(
    refs: Sequence[RunRef], on_progress: Callable[[int, int], None] | None = None
) -> list[RunData]:
    """Load ``refs`` in a small thread pool; results keep the order of ``refs``.

    ``on_progress(done, total)`` is called from the calling thread after each run.
    """
    total = len(refs)
    results: list[RunData | None] = [None] * total
    workers = max(1, min(MAX_WORKERS, os.cpu_count() or 1, total))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = {pool.submit(load_run, ref): index for index, ref in enumerate(refs)}
        for done, future in enumerate(as_completed(futures), start=1):
            results[futures[future]] = future.result()
            if on_progress is not None:
                on_progress(done, total)
    return [run for run in results if run is not None]


def stack_points(runs: Sequence[RunData]) -> pl.DataFrame:
    """All runs' points in one ``RUN_POINTS`` frame (``run`` = ``RunRef.id``)."""
    frames = [
        run.points.select(pl.lit(run.ref.id, dtype=pl.String()).alias("run"), pl.all())
        for run in runs
        if run.points.height
    ]
    if not frames:
        return pl.DataFrame(schema=dict(RUN_POINTS))
    return pl.concat(frames, how="vertical")


def _failed(ref: RunRef, message: str) -> RunData:
    """A RunData for a run that could not be read."""
    return RunData(ref=ref, points=empty_points(), status="error", error=message)


def _newest_mtime(files: Sequence[Path]) -> datetime | None:
    """The newest modification time among ``files`` (UTC), None if none can be stat'ed."""
    times = []
    for path in files:
        try:
            times.append(path.stat().st_mtime)
        except OSError:
            continue
    return datetime.fromtimestamp(max(times), tz=timezone.utc) if times else None


def _status(result: ReadResult, updated: datetime | None) -> str:
    """Apply the status rules of the module docstring to a successful read."""
    if result.status in ("finished", "failed", "running"):
        return result.status
    if updated is not None and time.time() - updated.timestamp() < RUNNING_WINDOW_S:
        return "running"
    return "unknown"
