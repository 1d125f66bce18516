"""The interface every log-format reader implements, and the results it returns.

A reader recognises run folders cheaply from a folder listing (:meth:`Reader.detect`), lists
metric names from headers (:meth:`Reader.describe`) and reads points (:meth:`Reader.read`).
New formats plug in by adding a reader to :data:`curvelens.core.readers.READERS`; discovery,
loading and the app only ever talk to this interface.
"""

from __future__ import annotations

import fnmatch
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

import polars as pl

from curvelens.core.params import ParamValue
from curvelens.core.schema import Issue


class ReadError(Exception):
    """A file could not be read at all; the run gets this as its ``RunData.error``."""

    def __init__(self, path: Path, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        """The file (or folder) that could not be read."""
        self.message = message
        """What is wrong with it."""


@dataclass(frozen=True)
class Description:
    """What a run holds according to its headers only (no data rows read)."""

    metrics: tuple[str, ...]
    """Metric names, sorted (a column that later turns out to be a param may be listed)."""
    params: Mapping[str, ParamValue] = field(default_factory=dict)
    """Params available without reading data rows (config files)."""
    issues: tuple[Issue, ...] = ()
    """Problems found while reading the headers and config files."""


@dataclass(frozen=True)
class ReadResult:
    """Everything a reader extracts from one run."""

    points: pl.DataFrame
    """``POINTS`` schema, sorted by metric then step, one row per (metric, step)."""
    params: Mapping[str, ParamValue] = field(default_factory=dict)
    """Flattened config values and constant log columns."""
    resumed: bool = False
    """True when some metric's steps go backwards in file order (a resumed job)."""
    issues: tuple[Issue, ...] = ()
    """Lines or files skipped, suspicious content."""
    pending: tuple[Issue, ...] = ()
    """Problems that are normal while the run is written and only count once it is not
    (a last line cut mid-write): loading adds them to the issues unless it is ``running``."""
    status: str = "unknown"
    """``finished``/``failed`` when the format records it, else ``unknown``."""
    started: datetime | None = None
    """When the run started (timezone-aware), if the format or the files tell."""
    files: tuple[Path, ...] = ()
    """The log files read; their newest mtime is the run's ``updated`` time."""
    sources: tuple[Path, ...] = ()
    """Other files the result depends on (config files), so the parse cache sees them change."""
    name: str | None = None
    """The run's name as the format records it (MLflow ``run_name``, W&B display name),
    shown instead of the folder name; None keeps the folder name."""


class Reader(ABC):
    """One log format: cheap detection, header description and a full read."""

    name: str
    """Short format name stored in ``RunRef.format`` (``reference``, ``csv``, ``jsonl``)."""
    file_patterns: tuple[str, ...] = ()
    """Globs on the lower-cased name of the log files read when given directly (``*.csv``)."""
    stores: bool = False
    """True when :meth:`file_runs` names stores of many runs (an MLflow ``mlflow.db``, a
    trackio project): discovery asks for them in every folder, run folders and their
    sub-folders too, since such a store is never part of the run beside it."""

    @abstractmethod
    def detect(self, folder: Path, entry_names: frozenset[str]) -> bool:
        """True when ``folder`` (whose entries are ``entry_names``) is a run of this format.

        Must be cheap: names only, at most one listing of a known subfolder; no file reads.
        """

    def file_runs(self, folder: Path, entry_names: frozenset[str]) -> list[str]:
        """Names of files in a non-run ``folder`` that are each a run of their own."""
        return []

    def nested_runs(self, folder: Path, entry_names: frozenset[str]) -> frozenset[str]:
        """Entries of a run ``folder`` of this format that are not part of it and may hold
        runs of their own (SB3's ``PPO_1/`` beside ``progress.csv``); discovery walks the
        folders among them. Cheap like :meth:`detect`. Default: none, the run is one whole."""
        return frozenset()

    def parts(self, folder: Path, entry_names: frozenset[str]) -> frozenset[str]:
        """Entries of a run ``folder`` of this format that hold the run's own files (HF's
        ``checkpoint-N/``, W&B's ``files/``), where no store of many runs can lie: discovery
        does not search them for stores. Cheap like :meth:`detect`. Default: none."""
        return frozenset()

    def aliases(self, folder: Path, entry_names: frozenset[str]) -> frozenset[str]:
        """Entries of a non-run ``folder`` that duplicate a sibling run (W&B's ``latest-run``
        copy) and are not walked. Cheap like :meth:`detect`; symlinks to a sibling folder are
        skipped by discovery itself."""
        return frozenset()

    def accepts_file(self, path: Path) -> bool:
        """True when a log file given directly (not a folder) matches :attr:`file_patterns`."""
        name = path.name.lower()
        return any(fnmatch.fnmatchcase(name, pattern) for pattern in self.file_patterns)

    @abstractmethod
    def describe(self, path: Path) -> Description:
        """Metric names and params from headers and config files only."""

    @abstractmethod
    def read(self, path: Path) -> ReadResult:
        """Read the run at ``path`` (folder or file). Raises :class:`ReadError` if unreadable."""

    def read_metrics(self, path: Path, metrics: frozenset[str]) -> ReadResult:
        """What :meth:`read` gives, with the points of ``metrics`` only (lazy metrics: the
        app and ``--metrics`` ask for what they show). Readers that can skip the other
        metrics' data override it; this default reads everything and filters."""
        result = self.read(path)
        return replace(result, points=result.points.filter(pl.col("metric").is_in(metrics)))

    def read_many(self, paths: Sequence[Path]) -> list[ReadResult | None]:
        """What :meth:`read` gives for each of ``paths``, or None for a run the caller must
        read with :meth:`read` (a loading speed-up for formats that batch; default: none)."""
        return [None] * len(paths)
