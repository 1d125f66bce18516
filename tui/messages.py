"""Messages the thread workers post; they carry core objects to the UI thread and stop at the
node that started the worker (nothing above it needs them)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import polars as pl
from textual.message import Message

from curvelens.core.live.session import PollReport
from curvelens.core.schema import Issue, RunData, RunRef
from curvelens.tui.anomalies import Found
from curvelens.tui.series import Series

if TYPE_CHECKING:
    from curvelens.tui.comparer import Compared


@dataclass
class RunsDiscovered(Message):
    """Discovery finished: the runs about to be loaded and the problems found on the way."""

    bubble = False

    runs: tuple[RunRef, ...]
    issues: tuple[Issue, ...]


@dataclass
class RunsLoaded(Message):
    """A batch of runs finished loading (points split per metric later, when plotted)."""

    bubble = False

    runs: list[tuple[RunData, dict[str, Series] | None]]


@dataclass
class RunsCompleted(Message):
    """Runs first loaded with only the first view's metrics (lazy metrics), now read whole:
    they replace the partial ones."""

    bubble = False

    runs: list[tuple[RunData, dict[str, Series] | None]]


@dataclass
class SeriesSplit(Message):
    """Plotted runs' points split per metric by a worker."""

    bubble = False

    runs: list[tuple[RunData, dict[str, Series] | None]]


@dataclass
class RunsUpdated(Message):
    """A poll of the runs on disk: the runs it changed (points split per metric), the runs
    it found new, and what it found."""

    bubble = False

    runs: list[tuple[RunData, dict[str, Series]]]
    new: tuple[RunRef, ...]
    report: PollReport


@dataclass
class LoadProgress(Message):
    """``done`` of ``total`` runs are loaded; newer progress replaces older, unprocessed ones."""

    bubble = False

    done: int
    total: int

    def can_replace(self, message: Message) -> bool:
        """Only the latest progress matters."""
        return isinstance(message, LoadProgress)


@dataclass
class StatsReady(Message):
    """The summary of the view ``key`` was computed off the UI thread."""

    bubble = False

    key: tuple[object, ...]
    summary: pl.DataFrame


@dataclass
class AnalysisReady(Message):
    """The comparison of the view ``key`` (None when it failed)."""

    bubble = False

    key: tuple[object, ...]
    result: Compared | None


@dataclass
class AnomaliesReady(Message):
    """The anomalies of the plotted runs; the list opens."""

    bubble = False

    found: list[Found]
