"""Following runs: a :class:`Poller` plus the runs it keeps up to date, for the app's poll
worker and ``curvelens tail`` alike.

:meth:`LiveRuns.poll` polls, applies the result (:func:`~.apply.apply_poll`) and returns
what changed, what each changed run was before, and a :class:`PollReport` (when the poll
ran, what it found) for a status bar. :attr:`LiveRuns.interval` is the wait until the next
poll: the base interval, longer when polls are slow (:func:`~.poller.next_interval`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from curvelens.core.live.apply import apply_poll
from curvelens.core.live.poller import Poller, PollResult, RunChange, next_interval
from curvelens.core.live.status import CRASH_AFTER_S
from curvelens.core.schema import RunData

INTERVAL_S = 2.0
"""Default seconds between polls."""


@dataclass(frozen=True)
class PollReport:
    """What one poll found, in numbers and words."""

    at: datetime
    seconds: float
    changed: int
    """Runs whose points or status changed (new and gone ones included)."""
    points: int
    """Points appended, or re-read for runs read whole."""
    new: int
    gone: int

    def describe(self) -> str:
        """``polled 20:31:05: 2 runs changed (+140 points), 1 new``."""
        return f"polled {self.at.astimezone().strftime('%H:%M:%S')}: {self.found()}"

    def found(self) -> str:
        """``2 runs changed (+140 points), 1 new``, or ``no change``."""
        if not self.changed:
            return "no change"
        runs = "run" if self.changed == 1 else "runs"
        parts = [f"{self.changed} {runs} changed (+{self.points} points)"]
        parts += [f"{self.new} new"] if self.new else []
        parts += [f"{self.gone} gone"] if self.gone else []
        return ", ".join(parts)


@dataclass(frozen=True)
class LivePoll:
    """One poll applied."""

    result: PollResult
    changed: dict[str, RunData]
    """New RunData of every run that changed, by id."""
    before: dict[str, RunData | None]
    """What each changed run was before (None for a new run)."""
    report: PollReport


class LiveRuns:
    """The runs followed, kept up to date poll by poll."""

    def __init__(
        self,
        poller: Poller,
        *,
        interval: float = INTERVAL_S,
        crash_after: float = CRASH_AFTER_S,
    ) -> None:
        self.poller = poller
        self.base_interval = interval
        self.crash_after = crash_after
        self.interval = interval
        """Seconds until the next poll should run."""
        self.runs: dict[str, RunData] = {}

    def hold(self, runs: Iterable[RunData]) -> None:
        """Runs the caller loaded (after :meth:`Poller.watch` of their refs)."""
        self.runs.update((run.ref.id, run) for run in runs)

    def poll(self) -> LivePoll:
        """Poll once and apply what it found."""
        result = self.poller.poll()
        changed = apply_poll(self.runs, result, crash_after=self.crash_after)
        before = {run_id: self.runs.get(run_id) for run_id in changed}
        self.runs.update(changed)
        self.interval = next_interval(self.base_interval, result.seconds)
        points = sum(_points(change) for change in result.changes)
        new = sum(1 for change in result.changes if change.new)
        report = PollReport(result.at, result.seconds, len(changed), points, new, len(result.gone))
        return LivePoll(result, changed, before, report)


def _points(change: RunChange) -> int:
    """Points a change brought: appended, or all of a run read whole."""
    if change.appended is not None:
        return change.appended.height
    return change.run.points.height if change.run is not None else 0
