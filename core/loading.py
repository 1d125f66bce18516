"""Loading discovered runs into :class:`RunData` quickly, never raising on bad data.

Status rules: :mod:`curvelens.core.live.status` (``error`` when the run could not be
read). ``updated`` is the newest log file's mtime (UTC). A reader's ``pending`` issues (a
last line cut mid-write) join the run's issues unless it is ``running``. ``RunData.ref``
is the discovered ref, with ``name`` replaced by the name the log records when it has one
(``ReadResult.name``); id, path and format stay.
Params of a run inside a Hydra job folder include its saved config and overrides
(:mod:`curvelens.core.readers.hydra`), whatever the log format.
Reading only opens files for reading: nothing is written under run folders.
Formats whose reader batches (:meth:`~curvelens.core.readers.base.Reader.read_many`, e.g.
the reference layout's CSV logs) are read together first; the same results, fewer calls.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import polars as pl

from curvelens.core.live.status import CRASH_AFTER_S, run_status
from curvelens.core.readers import ReadError, ReadResult, get_reader
from curvelens.core.readers.hydra import hydra_params
from curvelens.core.readers.textfile import confined
from curvelens.core.schema import RUN_POINTS, RunData, RunRef, empty_points

RUNNING_WINDOW_S = CRASH_AFTER_S
"""A run whose newest log file changed less than this many seconds ago is ``running``."""
MAX_WORKERS = 4


def load_run(ref: RunRef) -> RunData:
    """Read one run; any failure becomes ``RunData.error`` (with the file path), never raised."""
    try:
        reader = get_reader(ref.format)
    except KeyError:
        return _failed(ref, f"{ref.path}: no reader for format {ref.format!r}")
    try:
        with confined([ref.path]):
            result = reader.read(ref.path)
    except ReadError as exc:
        return _failed(ref, str(exc))
    except Exception as exc:  # a reader bug must not take the other runs down
        return _failed(ref, f"{ref.path}: unexpected {type(exc).__name__}: {exc}")
    return _run_data(ref, result)


def _run_data(ref: RunRef, result: ReadResult) -> RunData:
    """The RunData of a successful read (status, updated time, pending issues)."""
    updated = _newest_mtime(result.files)
    status = run_status(ref.format, result.status, updated, result.points)
    hydra, hydra_issues = hydra_params(ref.path)  # Hydra's saved config, any format
    issues = result.issues + tuple(hydra_issues)
    return RunData(
        ref=replace(ref, name=result.name) if result.name else ref,
        points=result.points,
        params={**hydra, **result.params},
        status=status,
        started=result.started,
        updated=updated,
        resumed=result.resumed,
        issues=issues if status == "running" else issues + result.pending,
    )


def load_runs(
    refs: Sequence[RunRef], on_progress: Callable[[int, int], None] | None = None
) -> list[RunData]:
    """Load ``refs``; results keep the order of ``refs``.

    ``on_progress(done, total)`` is called from the calling thread after each batch.
    """
    results: list[RunData | None] = [None] * len(refs)
    done = 0
    for batch in iter_load(refs):
        for index, run in batch:
            results[index] = run
        done += len(batch)
        if on_progress is not None:
            on_progress(done, len(refs))
    return [run for run in results if run is not None]


def iter_load(refs: Sequence[RunRef]) -> Iterator[list[tuple[int, RunData]]]:
    """The one loading path: yield batches of ``(index into refs, RunData)`` as they load.

    Runs whose reader batches (:meth:`Reader.read_many`) come first, format by format; the
    rest are read one by one in a small thread pool and yielded as each finishes. Every
    ref is yielded exactly once. The app drains this in a worker; the CLI collects it.
    """
    seen: set[int] = set()
    for batch in _load_batched(refs):
        seen.update(index for index, _ in batch)
        yield batch
    rest = [index for index in range(len(refs)) if index not in seen]
    if not rest:
        return
    workers = max(1, min(MAX_WORKERS, os.cpu_count() or 1, len(rest)))
    pool = ThreadPoolExecutor(max_workers=workers)
    try:
        futures = {pool.submit(load_run, refs[index]): index for index in rest}
        for future in as_completed(futures):
            yield [(futures[future], future.result())]
    finally:  # a consumer that stops early (the app quitting) must not wait for the rest
        pool.shutdown(wait=False, cancel_futures=True)


def _load_batched(refs: Sequence[RunRef]) -> Iterator[list[tuple[int, RunData]]]:
    """Batches of (index, RunData) that each format's :meth:`Reader.read_many` read."""
    by_format: dict[str, list[int]] = {}
    for index, ref in enumerate(refs):
        by_format.setdefault(ref.format, []).append(index)
    for name, indices in by_format.items():
        try:
            paths = [refs[index].path for index in indices]
            with confined(paths):
                many = get_reader(name).read_many(paths)
        except Exception:  # unknown format, reader bug: load_run reports it run by run
            continue
        batch = [
            (index, _run_data(refs[index], result))
            for index, result in zip(indices, many, strict=True)
            if result is not None
        ]
        if batch:
            yield batch


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
