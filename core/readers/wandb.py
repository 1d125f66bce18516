"""Weights & Biases local run folders: ``wandb/(offline-)run-<date>_<time>-<id>/``.

Points come from the history records of ``run-<id>.wandb`` (decoded by
:mod:`curvelens.core.readers.wandb_log`): numeric items are metrics (nested keys joined by
``.``, numeric leaves of plain dicts as ``outer.inner``; media dicts and ``_``-keys are
skipped), the step is ``_step`` and ``wall_time`` is ``_timestamp``. Without history (old
or offline runs, a missing log), the last values of ``files/wandb-summary.json`` are shown
at its ``_step``, with an Issue saying so (the summary is ``files/wandb-summary.json``, else
the log's summary records). System metrics of the log's stats records are ``system/<key>``
points at seconds since the run's start. Params: ``files/config.yaml`` values (``{key:
{value: ...}}``, ``_wandb`` skipped), else the log's config records (current offline runs
keep it only there; :mod:`curvelens.core.readers.wandb_records`). Status from the exit
record (code 0 finished, else failed). The run's name is the run record's display name,
else the folder name (for a ``latest-run`` copy, ``run-<id>`` from its log).
``wandb/latest-run`` is a link to (skipped by discovery) or a copy of a sibling run folder:
a copy whose ``run-<id>.wandb`` id is no sibling's is read as a run, other copies are
:meth:`WandbReader.aliases`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import TypeGuard

from curvelens.core.params import ParamValue, flatten_config
from curvelens.core.readers.base import Description, Reader, ReadError, ReadResult
from curvelens.core.readers.bounded import read_json
from curvelens.core.readers.points import PointLists, points_from
from curvelens.core.readers.textfile import Budget, open_log, utc_datetime
from curvelens.core.readers.wandb_log import WandbLog, decode_log
from curvelens.core.readers.wandb_records import LogExtras, log_extras
from curvelens.core.readers.yamlfile import load_yaml
from curvelens.core.schema import Issue

RUN_FOLDER = re.compile(r"(?:offline-)?run-(\d{8}_\d{6})-([a-z0-9]+)")
LATEST = "latest-run"
SUMMARY = Path("files") / "wandb-summary.json"
CONFIG = Path("files") / "config.yaml"


def log_file(folder: Path) -> Path | None:
    """The folder's ``run-<id>.wandb`` file, if it has one."""
    match = RUN_FOLDER.fullmatch(folder.name)
    if match is not None and (folder / f"run-{match.group(2)}.wandb").is_file():
        return folder / f"run-{match.group(2)}.wandb"
    return next(iter(sorted(folder.glob("run-*.wandb"))), None)


def add_row(row: Mapping[str, object], lists: PointLists) -> None:
    """Append the numeric values of one history row (or summary) at its ``_step``."""
    step, wall = row.get("_step"), row.get("_timestamp")
    if not _number(step):
        return
    wall_time = float(wall) if _number(wall) else None
    for key, value in _numeric_leaves(row, ""):
        lists.add(key, float(step), value, wall_time)


def _number(value: object) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _numeric_leaves(row: Mapping[str, object], prefix: str) -> list[tuple[str, float]]:
    leaves: list[tuple[str, float]] = []
    for key, value in row.items():
        if key.startswith("_"):
            continue
        if _number(value):
            leaves.append((prefix + key, float(value)))
        elif isinstance(value, dict) and "_type" not in value:
            leaves.extend(_numeric_leaves(value, f"{prefix}{key}."))
    return leaves


def config_params(path: Path) -> tuple[dict[str, ParamValue], list[Issue]]:
    """``{key: {value: v}}`` entries of a W&B config.yaml, flattened (``_wandb`` skipped)."""
    if not path.is_file():
        return {}, []
    content, issues = load_yaml(path)
    if not isinstance(content, Mapping):
        return {}, issues + ([Issue(path, "ignored: not a YAML mapping")] if content else [])
    values = {
        str(key): entry.get("value") if isinstance(entry, Mapping) else entry
        for key, entry in content.items()
        if key not in ("_wandb", "wandb_version")
    }
    return flatten_config(values), issues


def _summary(folder: Path) -> tuple[dict[str, object] | None, list[Issue]]:
    path = folder / SUMMARY
    if not path.is_file():
        return None, []
    try:
        content = read_json(path)
    except (ReadError, ValueError) as exc:
        return None, [Issue(path, f"ignored: {exc}")]
    return (content, []) if isinstance(content, dict) else (None, [Issue(path, "not an object")])


def _read_log(folder: Path) -> tuple[WandbLog, LogExtras, list[Issue], list[Path]]:
    path = log_file(folder)
    if path is None:
        return WandbLog(), LogExtras(), [], []
    try:
        with open_log(path) as handle:  # read a window at a time: memory follows the records
            budget = Budget()  # the file's, for both passes
            log = decode_log(handle, budget=budget)
            extras = log_extras(handle, budget)
    except ValueError as exc:
        return WandbLog(), LogExtras(), [Issue(path, str(exc))], [path]
    issues = [Issue(path, log.error)] if log.error else []
    return log, extras, issues, [path]


def _log_config(extras: LogExtras) -> dict[str, ParamValue]:
    """The log's config, flattened, without the SDK's own ``_wandb`` block."""
    return flatten_config({k: v for k, v in extras.config.items() if k != "_wandb"})


def _add_stats(extras: LogExtras, start: float | None, lists: PointLists) -> None:
    """System metrics as ``system/<key>`` at seconds since the run's start."""
    if not extras.stats:
        return
    origin = start if start is not None else min(when for when, _, _ in extras.stats)
    for when, key, value in extras.stats:
        lists.add(key, round(when - origin, 3), value, when)


def _points_from_summary(
    folder: Path, summary: dict[str, object] | None, lists: PointLists
) -> list[Issue]:
    """Fallback: the summary's last values as points; the Issue that says so."""
    if summary is None:
        raise ReadError(folder, "no history in the .wandb log and no files/wandb-summary.json")
    add_row({"_step": 0, **summary}, lists)
    return [Issue(folder / SUMMARY, "no history in the .wandb log: last values only")]


def _lag_issue(folder: Path, lists: PointLists, summary: dict[str, object] | None) -> list[Issue]:
    """An Issue when the summary is ahead of the history on disk (a live or killed run)."""
    step = summary.get("_step") if summary else None
    last = max(lists.steps, default=None)
    if _number(step) and last is not None and float(step) > last:
        message = f"history on disk ends at step {last:g}; wandb-summary.json is at step {step}"
        return [Issue(folder / SUMMARY, message)]
    return []


class WandbReader(Reader):
    """Local W&B run folders (history from the binary ``.wandb`` transaction log)."""

    name = "wandb"

    def detect(self, folder: Path, entry_names: frozenset[str]) -> bool:
        """A ``(offline-)run-<date>_<time>-<id>`` folder with a ``.wandb`` log or ``files/``."""
        if folder.name != LATEST and RUN_FOLDER.fullmatch(folder.name) is None:
            return False
        return "files" in entry_names or any(n.endswith(".wandb") for n in entry_names)

    def aliases(self, folder: Path, entry_names: frozenset[str]) -> frozenset[str]:
        """``latest-run`` when it is a copied folder of a sibling run (same run id), or of
        an unknown run (no ``.wandb`` log). A symlink is left to discovery."""
        latest = folder / LATEST
        if LATEST not in entry_names or latest.is_symlink():
            return frozenset()
        ids = {m.group(2) for name in entry_names if (m := RUN_FOLDER.fullmatch(name))}
        log = log_file(latest)
        copied = log.name.removeprefix("run-").removesuffix(".wandb") if log else None
        return frozenset({LATEST}) if copied is None or copied in ids else frozenset()

    def parts(self, folder: Path, entry_names: frozenset[str]) -> frozenset[str]:
        """The run's ``files/`` (media, code, config), ``logs/`` and ``tmp/``."""
        return frozenset({"files", "logs", "tmp"})

    def describe(self, path: Path) -> Description:
        """Keys of the summary (every logged key appears there: ``files/`` or the log) and
        the config."""
        summary, issues = _summary(path)
        config = path / CONFIG
        extras = LogExtras()
        if summary is None or not config.is_file():
            extras = _read_log(path)[1]
        lists = PointLists()
        add_row({"_step": 0, **(summary if summary is not None else extras.summary)}, lists)
        params, config_issues = config_params(config)
        if not config.is_file():
            params = _log_config(extras)
        return Description(
            metrics=tuple(sorted(set(lists.metrics))),
            params=params,
            issues=tuple(issues + config_issues),
        )

    def read(self, path: Path) -> ReadResult:
        """History points (or summary fallback), system metrics, config params (from
        ``files/`` or else the log), status and start time."""
        log, extras, issues, files = _read_log(path)
        summary, summary_issues = _summary(path)
        if summary is None and extras.summary:
            summary = extras.summary
        issues += summary_issues
        lists = PointLists()
        for row in log.history:
            add_row(row, lists)
        if not len(lists):
            issues += _points_from_summary(path, summary, lists)
        else:
            issues += _lag_issue(path, lists, summary)
        _add_stats(extras, log.start_time, lists)
        points, resumed = points_from(lists)
        issues += lists.bad_step_issues(files[0] if files else path)
        params, config_issues = config_params(path / CONFIG)
        if not (path / CONFIG).is_file():
            params = _log_config(extras)
        if log.display_name:
            params["wandb.name"] = log.display_name
        status = "unknown" if log.exit_code is None else "failed" if log.exit_code else "finished"
        return ReadResult(
            points=points,
            params=params,
            resumed=resumed,
            issues=tuple(issues + config_issues),
            status=status,
            started=_started(log, path),
            name=log.display_name or _copy_name(path, files),
            files=tuple(files + [p for p in (path / SUMMARY, path / CONFIG) if p.is_file()]),
        )


def _copy_name(folder: Path, files: list[Path]) -> str | None:
    """``run-<id>`` for a ``latest-run`` copy (its log file's stem); None for other folders."""
    return files[0].stem if folder.name == LATEST and files else None


def _started(log: WandbLog, folder: Path) -> datetime | None:
    """The run record's start time, else the local time in the folder name."""
    if log.start_time is not None:
        return utc_datetime(log.start_time)
    match = RUN_FOLDER.fullmatch(folder.name)
    if match is None:
        return None
    return datetime.strptime(match.group(1), "%Y%m%d_%H%M%S").astimezone()
