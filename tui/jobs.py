"""What the app's thread workers run: plain functions that call core and post the results
as messages (``post`` is thread-safe), and :class:`Latest`, which runs one job at a time and
keeps only the newest request meanwhile (thread workers cannot be interrupted)."""

from __future__ import annotations

from collections.abc import Callable

from textual.message import Message

from curvelens.core.live.session import LiveRuns
from curvelens.tui.anomalies import SeriesMap, find_anomalies
from curvelens.tui.messages import AnomaliesReady, RunsUpdated, StatsReady
from curvelens.tui.plotdata import Visible, stats_frame

Post = Callable[[Message], object]


def poll(live: LiveRuns, post: Post) -> None:
    """One poll of the runs on disk (core's live poller); the runs it changed, split."""
    from curvelens.tui.series import split_points

    done = live.poll()
    runs = [(run, split_points(run.points)) for run in done.changed.values()]
    new = tuple(change.ref for change in done.result.changes if change.new)
    post(RunsUpdated(runs, new, done.report))


def summarize(key: tuple[object, ...], views: list[Visible], metric: str, post: Post) -> None:
    """Summary of the visible points (polars releases the GIL)."""
    import polars as pl

    from curvelens.core.analysis.summary import summarize as summary_of

    frame = stats_frame(views, metric)
    post(StatsReady(key, summary_of(frame) if frame.height else pl.DataFrame()))


def anomalies(series: SeriesMap, metric: str | None, post: Post) -> None:
    """Every anomaly of the plotted runs' metrics."""
    post(AnomaliesReady(find_anomalies(series, metric)))


class Latest:
    """Run ``start(request)`` for one request at a time; a request made while one runs waits,
    replacing any older waiting one, and starts when :meth:`finished` is called."""

    def __init__(self, start: Callable[[object], object]) -> None:
        self._start = start
        self._busy = False
        self._next: object | None = None

    @property
    def busy(self) -> bool:
        """A job is running."""
        return self._busy

    def submit(self, request: object) -> None:
        """Start ``request`` now, or after the running one."""
        if self._busy:
            self._next = request
            return
        self._busy = True
        self._start(request)

    def finished(self) -> None:
        """The running job ended: start the waiting request, if any."""
        self._busy = False
        if self._next is not None:
            request, self._next = self._next, None
            self.submit(request)
