"""The load worker: discover, then load the metric(s) the first view shows for every run
(lazy metrics, :func:`curvelens.core.loading.iter_load` with ``metrics``), then the rest of
every run that came back partial. Runs reach the UI in coalesced batches: first as
:class:`RunsLoaded`, the complete ones as :class:`RunsCompleted`, which replace the partial
runs the way a live poll does (selection, zoom, cursor and pins kept). Points are split per
metric only for the runs plotted (:func:`split`, asked for by the screen): the run list's
values come from each run's summary, so a warm 1,000-run root never reads 20M points."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING

from curvelens.core.live.session import LiveRuns
from curvelens.core.schema import RunData, RunRef
from curvelens.tui import state
from curvelens.tui.messages import (
    LoadProgress,
    RunsCompleted,
    RunsDiscovered,
    RunsLoaded,
    SeriesSplit,
)
from curvelens.tui.runs import first_metric
from curvelens.tui.series import split_points
from curvelens.tui.sources import Sources

if TYPE_CHECKING:
    from textual.message import Message

Post = Callable[["Message"], object]
BATCH_SECONDS = 0.25
"""Loaded runs reach the UI at most this often (the first batch at once)."""
BATCH_SECONDS_PER_RUN = 0.002
"""...and no more often than this times the runs loaded so far: each batch rebuilds the run
list, so with a thousand runs fixed-rate batches would starve the loader."""


def load(sources: Sources, view: state.View, post: Post, cancelled: Callable[[], bool],
         live: LiveRuns | None = None) -> None:  # fmt: skip
    """Discover, then drain core's one loading path (twice with lazy metrics: the first
    view's metrics, then the rest); ``live`` watches the runs from before they load (a write
    meanwhile shows at its first poll) and holds each run once it is complete."""
    from curvelens.core.discovery import discover
    from curvelens.core.loading import iter_load

    s = sources
    found = discover(s.paths, s.pattern, s.exclude, follow_links=s.follow_links)
    if live is not None:
        live.poller.watch(found.runs)
    post(RunsDiscovered(found.runs, found.issues))
    first = first_metrics(view, found.runs)
    batches = iter_load(found.runs, cache=s.cache, metrics=first)
    partial: list[RunRef] = []
    done = 0
    for batch in _coalesced(batches, len(found.runs), cancelled):
        partial += [found.runs[i] for i, run in batch if run.partial]
        _hold(live, [run for _, run in batch if not run.partial])
        post(RunsLoaded([(run, None) for _, run in batch]))
        done += len(batch)
        post(LoadProgress(done, len(found.runs)))
    if partial and not cancelled():
        for batch in _coalesced(iter_load(partial, cache=s.cache), len(partial), cancelled):
            _hold(live, [run for _, run in batch])
            post(RunsCompleted([(run, None) for _, run in batch]))


def first_metrics(view: state.View, refs: Sequence[RunRef]) -> frozenset[str] | None:
    """The metrics the first view shows (its metric and a metric used as x axis); for a
    view that remembers none, the metric the first runs' headers suggest. None (load
    everything at once) for the grid, which shows every metric, or when no header says."""
    if view.grid:
        return None
    first = sorted(refs, key=lambda ref: ref.name)[: state.FIRST_SELECTED]  # the list's order
    metric = view.metric or first_metric(_described(first))
    if metric is None:
        return None
    return frozenset({metric, view.x_axis} - set(state.TIME_AXES))


def _described(refs: Sequence[RunRef]) -> list[set[str]]:
    """Metric names from each run's header pass (runs that cannot say are left out)."""
    from curvelens.core.readers import get_reader
    from curvelens.core.readers.textfile import confined

    out = []
    for ref in refs:
        try:
            with confined([ref.path]):
                out.append(set(get_reader(ref.format).describe(ref.path).metrics))
        except Exception:
            continue
    return out


def _coalesced(
    batches: Iterator[list[tuple[int, RunData]]], total: int, cancelled: Callable[[], bool]
) -> Iterator[list[tuple[int, RunData]]]:
    """``batches`` joined so the UI gets one at most every :data:`BATCH_SECONDS` (scaled by
    the runs so far), the first and the last at once; stops when ``cancelled``."""
    pending: list[tuple[int, RunData]] = []
    done, last = 0, 0.0
    for batch in batches:
        if cancelled():
            return
        pending += batch
        done += len(batch)
        interval = max(BATCH_SECONDS, BATCH_SECONDS_PER_RUN * done)
        if time.monotonic() - last > interval or done == total:
            yield pending
            pending, last = [], time.monotonic()
    if pending:
        yield pending


def split(runs: list[RunData], post: Post) -> None:
    """The series of ``runs`` (points read and split per metric in this worker), posted."""
    post(SeriesSplit([(run, split_points(run.points)) for run in runs]))


def _hold(live: LiveRuns | None, runs: list[RunData]) -> None:
    """Let the live poller extend ``runs`` (complete ones only: a poll appends to what it
    holds, and a partial run would lose its other metrics)."""
    if live is not None and runs:
        live.hold(runs)
