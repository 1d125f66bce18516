"""Loading discovered runs into :class:`RunData` quickly, never raising on bad data.

Status rules: :mod:`curvelens.core.live.status` (``error`` when the run could not be
read). ``updated`` is the newest log file's mtime (UTC). A reader's ``pending`` issues (a
last line cut mid-write) join the run's issues unless it is ``running``. ``RunData.ref``
is the discovered ref, with ``name`` replaced by the name the log records when it has one
(``ReadResult.name``); id, path and format stay.
Params of a run inside a Hydra job folder include its saved config and overrides
(:mod:`curvelens.core.readers.hydra`), whatever the log format.
Reading only opens files for reading: nothing is written under run folders.
Runs the parse cache (:mod:`curvelens.core.cache`) holds unchanged are not parsed again.
Formats whose reader batches (:meth:`~curvelens.core.readers.base.Reader.read_many`, e.g.
the reference layout's CSV logs) are read together first; the same results, fewer calls.
Lazy metrics (``metrics=``, :mod:`curvelens.core.selection`): a fresh cache entry is
narrowed to them, and so is what a batching reader's ``read_many`` read (every metric,
cached whole). A run read alone by a reader that reads less for fewer metrics (it overrides
:meth:`~curvelens.core.readers.base.Reader.read_metrics`: a large CSV log) is asked for them
after its header pass (:meth:`~curvelens.core.readers.base.Reader.describe`), and that
partial result is never cached; any other reader reads everything (cached whole), narrowed.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import polars as pl

from curvelens.core.cache import Entry, ParseCache, open_cache
from curvelens.core.cachecodec import summary_frames
from curvelens.core.live.status import CRASH_AFTER_S, run_status
from curvelens.core.readers import ReadError, ReadResult, get_reader
from curvelens.core.readers.base import Reader
from curvelens.core.readers.hydra import hydra_params
from curvelens.core.readers.textfile import confined
from curvelens.core.schema import (
    RUN_POINTS,
    RunData,
    RunRef,
    compact_points,
    empty_points,
    is_loaded_points,
)
from curvelens.core.selection import Metrics, Pick, described, narrow, picker

RUNNING_WINDOW_S = CRASH_AFTER_S
"""A run whose newest log file changed less than this many seconds ago is ``running``."""
MAX_WORKERS = 4
CACHE_BATCH = 200
"""Runs per batch yielded from the cache (the app shows them as they come)."""
FIRST_READ_BATCH = 64
"""Runs in a format's first :meth:`Reader.read_many` call; each next call takes twice as
many, so the app shows values within a fraction of a cold read (one call for 1,000 runs kept
them all off screen for seconds) while a large root still needs few calls."""


def load_run(
    ref: RunRef, cache: ParseCache | bool = True, metrics: Metrics | None = None
) -> RunData:
    """Read one run (through the cache, see :func:`iter_load`); any failure becomes
    ``RunData.error`` (with the file path), never raised."""
    return load_runs([ref], cache=cache, metrics=metrics)[0]


def _parse(ref: RunRef, metrics: frozenset[str] | None = None) -> ReadResult | str:
    """Read one run with its reader (only ``metrics`` when given); the error message when
    it cannot be read."""
    try:
        reader = get_reader(ref.format)
    except KeyError:
        return f"{ref.path}: no reader for format {ref.format!r}"
    try:
        with confined([ref.path]):
            if metrics is not None:
                return _compacted(reader.read_metrics(ref.path, metrics))
            return _compacted(reader.read(ref.path))
    except ReadError as exc:
        return str(exc)
    except Exception as exc:  # a reader bug must not take the other runs down
        return f"{ref.path}: unexpected {type(exc).__name__}: {exc}"


def _compacted(result: ReadResult) -> ReadResult:
    """``result`` with its points compact (:func:`~curvelens.core.schema.compact_points`)."""
    return replace(result, points=compact_points(result.points))


def _run_data(
    ref: RunRef,
    result: ReadResult,
    summary: pl.DataFrame | None,
    load_points: Callable[[], pl.DataFrame] | None = None,
) -> RunData:
    """The RunData of a successful read (status, updated time, pending issues)."""
    updated = _newest_mtime(result.files)
    # a cached run is judged by its summary (its points are read on first use)
    points = summary if load_points is not None and summary is not None else result.points
    status = run_status(ref.format, result.status, updated, points)
    hydra, hydra_issues = hydra_params(ref.path)  # Hydra's saved config, any format
    issues = result.issues + tuple(hydra_issues)
    return RunData(
        ref=replace(ref, name=result.name) if result.name else ref,
        points=None if load_points else result.points,
        params={**hydra, **result.params},
        status=status,
        started=result.started,
        updated=updated,
        resumed=result.resumed,
        issues=issues if status == "running" else issues + result.pending,
        load_points=load_points,
        summary=summary,
    )


def load_runs(
    refs: Sequence[RunRef],
    on_progress: Callable[[int, int], None] | None = None,
    cache: ParseCache | bool = True,
    metrics: Metrics | None = None,
) -> list[RunData]:
    """Load ``refs``; results keep the order of ``refs``.

    ``on_progress(done, total)`` is called from the calling thread after each batch.
    """
    results: list[RunData | None] = [None] * len(refs)
    done = 0
    for batch in iter_load(refs, cache=cache, metrics=metrics):
        for index, run in batch:
            results[index] = run
        done += len(batch)
        if on_progress is not None:
            on_progress(done, len(refs))
    return [run for run in results if run is not None]


def iter_load(
    refs: Sequence[RunRef], cache: ParseCache | bool = True, metrics: Metrics | None = None
) -> Iterator[list[tuple[int, RunData]]]:
    """The one loading path: yield batches of ``(index into refs, RunData)`` as they load.

    Runs the parse cache holds unchanged come first (their points read on first use); then
    runs whose reader batches (:meth:`Reader.read_many`), format by format; the rest are
    read one by one in a small thread pool and yielded as each finishes. Every parsed run
    gets its summary and is stored in the cache. Every ref is yielded exactly once. ``cache``:
    True for the user's cache (:func:`~curvelens.core.cache.open_cache`), False for none.
    ``metrics`` (names, or a pattern searched in each name): each run's points and summary
    hold only those metrics, ``RunData.partial`` says when some were left out and
    ``RunData.metrics`` still lists all (module docstring). Without it nothing is left out.
    The app drains this in a worker; the CLI collects it.
    """
    store = open_cache() if cache is True else cache or None
    pick = picker(metrics)
    seen: set[int] = set()
    try:
        for batch in _from_cache(refs, store, pick):
            seen.update(index for index, _ in batch)
            yield batch
        for batch in _load_batched(refs, seen, store, pick):
            seen.update(index for index, _ in batch)
            yield batch
        rest = [index for index in range(len(refs)) if index not in seen]
        if rest:
            yield from _load_each(refs, rest, store, pick)
    finally:
        if store is not None:
            store.finish()


def _from_cache(
    refs: Sequence[RunRef], store: ParseCache | None, pick: Pick | None
) -> Iterator[list[tuple[int, RunData]]]:
    """Batches of the runs ``store`` holds unchanged."""
    if store is None:
        return
    found: list[tuple[int, Entry]] = []
    for index, ref in enumerate(refs):
        entry = store.lookup(ref)
        if entry is not None:
            found.append((index, entry))
    for start in range(0, len(found), CACHE_BATCH):
        part = found[start : start + CACHE_BATCH]
        summaries = summary_frames([entry.summary for _, entry in part])
        runs = [
            _run_data(refs[index], entry.result, summary, _cached_points(refs[index], entry))
            for (index, entry), summary in zip(part, summaries, strict=True)
        ]
        runs = runs if pick is None else narrow(runs, pick)
        yield [(index, run) for (index, _), run in zip(part, runs, strict=True)]


def _cached_points(ref: RunRef, entry: Entry) -> Callable[[], pl.DataFrame]:
    """The entry's points, or a fresh parse when its points file has gone (evicted)."""

    def points() -> pl.DataFrame:
        try:
            frame = entry.load_points()
            if is_loaded_points(frame):
                return frame
        except (OSError, pl.exceptions.PolarsError):
            pass
        result = _parse(ref)
        return empty_points() if isinstance(result, str) else result.points

    return points


def _narrowed(run: RunData, pick: Pick | None) -> RunData:
    """``run`` narrowed to the picked metrics, as it is when nothing is picked."""
    return run if pick is None else narrow([run], pick)[0]


def _reads_less(name: str) -> bool:
    """True when the reader of format ``name`` reads less for fewer metrics (it overrides
    :meth:`Reader.read_metrics`)."""
    try:
        reader = get_reader(name)
    except KeyError:
        return False
    return type(reader).read_metrics is not Reader.read_metrics


def _load_batched(
    refs: Sequence[RunRef], seen: set[int], store: ParseCache | None, pick: Pick | None
) -> Iterator[list[tuple[int, RunData]]]:
    """Batches of (index, RunData) that each format's :meth:`Reader.read_many` read: every
    metric (cached whole), then narrowed to the picked ones; reading only those run by run
    took 6x longer for 1,000 small CSV logs (5.8 s against 0.95 s, one metric of 9)."""
    by_format: dict[str, list[int]] = {}
    for index, ref in enumerate(refs):
        if index not in seen:
            by_format.setdefault(ref.format, []).append(index)
    parts = [(name, part) for name, indices in by_format.items() for part in _doubling(indices)]
    for name, indices in parts:
        started = time.time_ns()
        try:
            paths = [refs[index].path for index in indices]
            with confined(paths):
                many = get_reader(name).read_many(paths)
        except Exception:  # unknown format, reader bug: the single reads report it run by run
            continue
        done = list(_compact_each(indices, many))
        summaries = summarize_results([result for _, result in done])
        runs = []
        for (index, result), summary in zip(done, summaries, strict=True):
            if store is not None:
                store.store(refs[index], result, summary, started)
            runs.append(_run_data(refs[index], result, summary))
        runs = runs if pick is None else narrow(runs, pick)
        if runs:
            yield [(index, run) for (index, _), run in zip(done, runs, strict=True)]


def _doubling(indices: list[int]) -> Iterator[list[int]]:
    """``indices`` in consecutive parts of :data:`FIRST_READ_BATCH`, then twice as many each."""
    start, size = 0, FIRST_READ_BATCH
    while start < len(indices):
        yield indices[start : start + size]
        start, size = start + size, size * 2


def _compact_each(
    indices: Sequence[int], many: list[ReadResult | None]
) -> Iterator[tuple[int, ReadResult]]:
    """``(index, result)`` of every result read, compact; each full-size result is dropped
    from ``many`` as soon as its compact copy exists (a batch's peak memory)."""
    for position, index in enumerate(indices):
        result, many[position] = many[position], None
        if result is not None:
            yield index, _compacted(result)


def _load_each(
    refs: Sequence[RunRef], indices: list[int], store: ParseCache | None, pick: Pick | None
) -> Iterator[list[tuple[int, RunData]]]:
    """Read ``indices`` one by one in a thread pool, each yielded as it finishes."""

    def read(index: int) -> RunData:
        ref = refs[index]
        if pick is not None and _reads_less(ref.format):
            return _read_partial(ref, pick)
        started = time.time_ns()
        result = _parse(ref)
        if isinstance(result, str):
            return _failed(ref, result)
        (summary,) = summarize_results([result])
        if store is not None:
            store.store(ref, result, summary, started)
        return _narrowed(_run_data(ref, result, summary), pick)

    workers = max(1, min(MAX_WORKERS, os.cpu_count() or 1, len(indices)))
    pool = ThreadPoolExecutor(max_workers=workers)
    try:
        futures = {pool.submit(read, index): index for index in indices}
        for future in as_completed(futures):
            yield [(futures[future], future.result())]
    finally:  # a consumer that stops early (the app quitting) must not wait for the rest
        pool.shutdown(wait=False, cancel_futures=True)


def _read_partial(ref: RunRef, pick: Pick) -> RunData:
    """Read only the picked metrics of the names the header pass lists (not cached)."""
    listed = _describe(ref)
    result = _parse(ref, pick(listed))
    if isinstance(result, str):
        return _failed(ref, result)
    (summary,) = summarize_results([result])
    return described(_run_data(ref, result, summary), pick, listed)


def _describe(ref: RunRef) -> tuple[str, ...]:
    """The metric names :meth:`Reader.describe` lists; none when it fails (the read that
    follows reports what is wrong)."""
    try:
        with confined([ref.path]):
            return get_reader(ref.format).describe(ref.path).metrics
    except Exception:  # a header it cannot read: the read reports it
        return ()


def summarize_results(results: Sequence[ReadResult]) -> list[pl.DataFrame]:
    """:func:`~curvelens.core.analysis.summary.summarize` of each result's points, computed
    together (one batched pass, not one call per run)."""
    from curvelens.core.analysis.summary import summarize_runs

    table = summarize_runs([(str(i), result.points) for i, result in enumerate(results)])
    parts = table.partition_by("run", as_dict=True, include_key=False, maintain_order=True)
    empty = table.clear().drop("run")
    return [parts.get((str(i),), empty) for i in range(len(results))]


def stack_points(runs: Sequence[RunData]) -> pl.DataFrame:
    """All runs' points in one compact ``RUN_POINTS`` frame (``run`` = ``RunRef.id``;
    ``wall_time`` Null when no run has a time)."""
    frames = [
        compact_points(run.points).select(
            pl.lit(run.ref.id, dtype=pl.Categorical()).alias("run"), pl.all()
        )
        for run in runs
        if run.points.height
    ]
    if not frames:
        return pl.DataFrame(schema=dict(RUN_POINTS))
    return pl.concat(frames, how="vertical_relaxed")  # Null times join Float64 ones


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
