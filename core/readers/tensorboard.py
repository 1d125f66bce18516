"""TensorBoard runs: a folder that directly holds ``*tfevents*`` files (detected by name).

All event files of the folder are decoded (:mod:`curvelens.core.readers.tfevents`) in the
order of the unix timestamp in their names (``events.out.tfevents.<ts>.<host>...``) and
concatenated: the last write per (metric, step) wins, and the run is ``resumed`` when a
tag's step goes backwards, within a file or in a later file. ``*.profile-empty``
placeholders are skipped; a Git LFS pointer or corrupt file is an Issue naming it while the
other files still load (a run with no readable file at all is a :class:`ReadError`).
Params come from a sibling ``hparams.yaml`` (Lightning), loaded with ``yaml.safe_load`` only.
Sub-folders are walked by discovery for runs of their own (SB3's ``PPO_N/`` beside the
parent's events, Keras ``train/``/``validation/``), except ``add_hparams`` folders named by
a unix time (``1582009443.5208488/``): they hold the hparams of this run, no scalars.
"""

from __future__ import annotations

import os
import re
from datetime import datetime, timezone
from pathlib import Path

from curvelens.core.params import ParamValue
from curvelens.core.readers.base import Description, Reader, ReadError, ReadResult
from curvelens.core.readers.points import PointLists, points_from
from curvelens.core.readers.textfile import open_log
from curvelens.core.readers.tfevents import EventScalars, decode_events, read_event_file
from curvelens.core.readers.yamlfile import yaml_params
from curvelens.core.schema import Issue

MARKER = "tfevents"
HPARAMS = "hparams.yaml"
_SKIP_SUFFIX = ".profile-empty"
_NAME_TIME = re.compile(r"tfevents\.(\d+)")
_DESCRIBE_BYTES = 256 * 1024
_HPARAMS_FOLDER = re.compile(r"\d+(?:\.\d+)?")


def is_event_file(name: str) -> bool:
    """True for a TensorBoard event file name (``*tfevents*``, not a profiler placeholder)."""
    return MARKER in name and not name.endswith(_SKIP_SUFFIX)


def name_time(name: str) -> float | None:
    """The unix timestamp in an event file name, or None when it has none."""
    match = _NAME_TIME.search(name)
    return float(match.group(1)) if match else None


def event_files(folder: Path) -> list[Path]:
    """The folder's event files (regular files), oldest first by the timestamp in the name."""
    try:
        names = [n for n in os.listdir(folder) if is_event_file(n)]
    except OSError as exc:
        raise ReadError(folder, f"cannot list folder: {exc.strerror or exc}") from None
    files = [folder / n for n in names if (folder / n).is_file()]
    return sorted(files, key=lambda p: (name_time(p.name) or float("inf"), p.name))


class TensorBoardReader(Reader):
    """Scalars of the TensorBoard event files in one folder."""

    name = "tensorboard"
    file_patterns = (f"*{MARKER}*",)

    def detect(self, folder: Path, entry_names: frozenset[str]) -> bool:
        """A folder directly holding an event file (by name only)."""
        return any(is_event_file(name) for name in entry_names)

    def nested_runs(self, folder: Path, entry_names: frozenset[str]) -> frozenset[str]:
        """Sub-folders except ``add_hparams`` ones (named by a unix time)."""
        return frozenset(n for n in entry_names if not _HPARAMS_FOLDER.fullmatch(n))

    def accepts_file(self, path: Path) -> bool:
        """An event file given directly (not a ``.profile-empty`` placeholder)."""
        return is_event_file(path.name)

    def describe(self, path: Path) -> Description:
        """Tags found in the first 256 KiB of each event file, and the hparams.yaml params."""
        tags: set[str] = set()
        for file in self._files(path):
            try:
                with open_log(file) as handle:
                    tags.update(decode_events(handle.read(_DESCRIBE_BYTES)).tags)
            except ReadError:
                continue
        params, issues = self._params(path)
        return Description(metrics=tuple(sorted(tags)), params=params, issues=tuple(issues))

    def read(self, path: Path) -> ReadResult:
        """Every scalar of every event file; see the module docstring for the rules."""
        files = self._files(path)
        lists = PointLists()
        issues: list[Issue] = []
        restarts = readable = 0
        first_wall: float | None = None
        for file in files:
            scalars = _read_one(file, issues)
            if scalars is None:
                continue
            readable += 1
            restarts += scalars.restarts
            lists.metrics.extend(scalars.tags)
            lists.steps.extend(scalars.steps)
            lists.values.extend(scalars.values)
            lists.wall_times.extend(scalars.wall_times)
            if scalars.wall_times:
                first = min(scalars.wall_times)
                first_wall = first if first_wall is None else min(first, first_wall)
        if not files:
            raise ReadError(path, "no TensorBoard event files in this folder")
        if not readable:
            reasons = "; ".join(f"{issue.path.name}: {issue.message}" for issue in issues)
            raise ReadError(path, f"no readable event file ({reasons})")
        points, backwards = points_from(lists)
        issues += lists.bad_step_issues(path)
        if not len(lists):
            issues.append(Issue(path, "no scalar summaries in the event files (yet)"))
        params, param_issues = self._params(path)
        return ReadResult(
            points=points,
            params=params,
            resumed=backwards or restarts > 0,
            issues=tuple(issues + param_issues),
            started=_started(first_wall, files),
            files=tuple(files),
        )

    @staticmethod
    def _files(path: Path) -> list[Path]:
        if not path.is_dir():
            return [path]
        return event_files(path)

    @staticmethod
    def _params(path: Path) -> tuple[dict[str, ParamValue], list[Issue]]:
        if not path.is_dir():
            return {}, []
        return yaml_params(path / HPARAMS)


def _read_one(file: Path, issues: list[Issue]) -> EventScalars | None:
    """Decode one file; problems go to ``issues``; None when nothing of it is usable."""
    try:
        scalars = read_event_file(file)
    except ReadError as exc:
        issues.append(Issue(file, exc.message))
        return None
    if scalars.error is not None:
        issues.append(Issue(file, scalars.error))
        if not scalars.end_offset:
            return None
    return scalars


def _started(first: float | None, files: list[Path]) -> datetime | None:
    """The earliest scalar wall time, else the earliest timestamp in a file name."""
    if first is None:
        stamps = [t for t in (name_time(f.name) for f in files) if t is not None]
        first = min(stamps) if stamps else None
    return datetime.fromtimestamp(first, tz=timezone.utc) if first is not None else None
