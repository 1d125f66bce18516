"""TensorBoard runs: a folder that directly holds ``*tfevents*`` files (detected by name).

All event files of the folder are decoded (:mod:`curvelens.core.readers.tfevents`) in the
order of the unix timestamp in their names (``events.out.tfevents.<ts>.<host>...``) and
concatenated: the last write per (metric, step) wins, and the run is ``resumed`` when a
tag's step goes backwards, within a file or in a later file. ``*.profile-empty``
placeholders are skipped; a Git LFS pointer or corrupt file is an Issue naming it while the
other files still load (a run with no readable file at all is a :class:`ReadError`).
Every record's checksums are verified; a corrupt record is an Issue with its byte offset and
the rest of the file is still read (:mod:`curvelens.core.readers.tfrecord`); a cut last
record of the newest file is normal while a run writes (pending).
Params come from a sibling ``hparams.yaml`` (Lightning, tolerant safe loader) and from
``add_hparams`` values. Sub-folders are walked by discovery for runs of their own, as
TensorBoard shows them (SB3's ``PPO_N/``, Keras ``train/``/``validation/``, ``add_scalars``
``<tag>_<name>/``), except ``add_hparams`` folders named by a unix time
(``1582009443.5208488/``): their hparams and metrics (``hp/acc``) belong to this run.
"""

from __future__ import annotations

import os
import re
from datetime import datetime, timezone
from pathlib import Path

import polars as pl

from curvelens.core.params import ParamValue
from curvelens.core.readers.base import Description, Reader, ReadError, ReadResult
from curvelens.core.readers.points import dedupe_points
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
        if not files:
            raise ReadError(path, "no TensorBoard event files in this folder")
        issues: list[Issue] = []
        pending: list[Issue] = []
        parts = [
            scalars
            for file in files
            if (scalars := _read_one(file, issues, pending, last=file == files[-1])) is not None
        ]
        if not parts:
            reasons = "; ".join(f"{issue.path.name}: {issue.message}" for issue in issues)
            raise ReadError(path, f"no readable event file ({reasons})")
        parts.extend(_hparams_runs(path, issues))
        if len(parts) == 1 and parts[0].deduped:
            points, backwards = parts[0].points, False
        else:
            points, backwards = dedupe_points(pl.concat([part.points for part in parts]))
        if not points.height:
            issues.append(Issue(path, "no scalar summaries in the event files (yet)"))
        params, param_issues = self._params(path)
        for part in parts:
            params.update(part.hparams)
        walls = points.get_column("wall_time").drop_nulls()
        return ReadResult(
            points=points,
            params=params,
            resumed=backwards or any(part.restarts for part in parts),
            issues=tuple(issues + param_issues),
            pending=tuple(pending),
            started=_started(walls.min() if walls.len() else None, files),  # type: ignore[arg-type]
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


def _read_one(
    file: Path, issues: list[Issue], pending: list[Issue], last: bool
) -> EventScalars | None:
    """Decode one file; problems go to ``issues`` (a cut last record of the newest file to
    ``pending``); None when nothing of it is usable."""
    try:
        scalars = read_event_file(file)
    except ReadError as exc:
        issues.append(Issue(file, exc.message))
        return None
    if scalars.error is not None:
        issues.append(Issue(file, scalars.error))
        return None
    for offset, message in scalars.problems:
        issues.append(Issue(file, f"byte {offset}: {message}"))
    if scalars.cut_at is not None:
        cut = Issue(file, f"byte {scalars.cut_at}: last record incomplete, not read")
        (pending if last else issues).append(cut)
    return scalars


def _hparams_runs(path: Path, issues: list[Issue]) -> list[EventScalars]:
    """The event files of the ``add_hparams`` sub-folders (named by a unix time) of a run
    folder: their hparams are the run's params, their metrics (``hp/acc``) its points."""
    found: list[EventScalars] = []
    if not path.is_dir():
        return found
    for name in sorted(os.listdir(path)):
        if _HPARAMS_FOLDER.fullmatch(name) and (path / name).is_dir():
            for file in event_files(path / name):
                scalars = _read_one(file, issues, [], last=False)
                if scalars is not None:
                    found.append(scalars)
    return found


def _started(first: float | None, files: list[Path]) -> datetime | None:
    """The earliest scalar wall time, else the earliest timestamp in a file name."""
    if first is None:
        stamps = [t for t in (name_time(f.name) for f in files) if t is not None]
        first = min(stamps) if stamps else None
    return datetime.fromtimestamp(first, tz=timezone.utc) if first is not None else None
