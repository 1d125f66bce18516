"""The reference layout: ``<root>/<name>_<YYYYmmdd_HHMMSS>/{config.json, logs/metrics.csv}``.

Detection (names only, plus a name lookup in ``logs/``): a folder whose ``logs/`` holds
``metrics.csv`` or the older ``training_log.csv``, or whose ``logs.pdf/`` (legacy) does; or a
folder holding ``metrics.csv`` itself together with ``config.json`` or a name ending in a
``_YYYYmmdd_HHMMSS`` timestamp. Params: every ``*config.json`` at the run root flattened to
dotted keys (``config.json`` first, others only add missing keys; an invalid file is an
Issue), then the log's constant columns, which win (they record what actually ran).
``started``: the FIRST timestamp in the folder name (resume chains append more), read as
local time; else the oldest mtime of the log and config files. Status is not recorded.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from curvelens.core.params import ParamValue, flatten_config
from curvelens.core.readers.base import Description, Reader, ReadError, ReadResult
from curvelens.core.readers.bounded import read_json
from curvelens.core.readers.csvlog import describe_columns, read_table_file
from curvelens.core.readers.table import TableResult
from curvelens.core.readers.tablebatch import read_table_files
from curvelens.core.readers.textfile import oldest_mtime
from curvelens.core.schema import Issue

LOG_PATHS = ("logs/metrics.csv", "metrics.csv", "logs.pdf/metrics.csv", "logs/training_log.csv")
_LOG_NAMES = ("metrics.csv", "training_log.csv")
_TIMESTAMP = re.compile(r"_(\d{8}_\d{6})(?=_|$)")
_ENDS_WITH_TIMESTAMP = re.compile(r"_\d{8}_\d{6}$")


def name_timestamp(name: str) -> datetime | None:
    """The first ``_YYYYmmdd_HHMMSS`` in a run name as an aware local datetime, or None."""
    match = _TIMESTAMP.search(name)
    if match is None:
        return None
    try:
        return datetime.strptime(match.group(1), "%Y%m%d_%H%M%S").astimezone()
    except ValueError:
        return None


def read_configs(folder: Path) -> tuple[dict[str, ParamValue], list[Issue], list[Path]]:
    """Flattened params of the folder's ``*config.json`` files, the issues, the files read."""
    try:
        names = sorted(n for n in os.listdir(folder) if n.endswith("config.json"))
    except OSError:
        return {}, [], []
    names.sort(key=lambda name: name != "config.json")
    params: dict[str, ParamValue] = {}
    issues: list[Issue] = []
    for name in names:
        path = folder / name
        try:
            config = read_json(path)
        except ReadError as exc:
            issues.append(Issue(path, f"config ignored: {exc.message}"))
            continue
        except ValueError as exc:
            issues.append(Issue(path, f"invalid JSON, config ignored: {exc}"))
            continue
        if not isinstance(config, dict):
            issues.append(Issue(path, "config ignored: not a JSON object"))
            continue
        for key, value in flatten_config(config).items():
            params.setdefault(key, value)
    return params, issues, [folder / name for name in names]


class ReferenceReader(Reader):
    """Timestamped experiment folders with ``logs/metrics.csv`` and ``config.json``."""

    name = "reference"

    def detect(self, folder: Path, entry_names: frozenset[str]) -> bool:
        """See the module docstring; looks into ``logs/`` (or ``logs.pdf/``) by name only."""
        if "metrics.csv" in entry_names and (
            "config.json" in entry_names or _ENDS_WITH_TIMESTAMP.search(folder.name)
        ):
            return True
        sub = "logs" if "logs" in entry_names else "logs.pdf" if "logs.pdf" in entry_names else ""
        if not sub:
            return False
        logs = f"{folder}/{sub}/"  # one lstat per name instead of listing the folder
        return any(os.path.lexists(logs + name) for name in _LOG_NAMES)

    def describe(self, path: Path) -> Description:
        """Metric names from the log header and params from the config files."""
        params, issues, _ = read_configs(path)
        metrics = describe_columns(self._log_file(path))
        return Description(metrics=metrics, params=params, issues=tuple(issues))

    def read(self, path: Path) -> ReadResult:
        """Points and params of one experiment folder."""
        log = self._log_file(path)
        return self._result(path, log, read_table_file(log))

    def read_metrics(self, path: Path, metrics: frozenset[str]) -> ReadResult:
        """:meth:`read` parsing only the columns of ``metrics`` (see
        :mod:`curvelens.core.readers.csvstream`)."""
        log = self._log_file(path)
        return self._result(path, log, read_table_file(log, metrics))

    def read_many(self, paths: Sequence[Path]) -> list[ReadResult | None]:
        """:meth:`read` for the folders whose logs :func:`read_table_files` can batch."""
        logs: list[Path | None] = []
        for path in paths:
            try:
                logs.append(self._log_file(path))
            except ReadError:
                logs.append(None)
        found = [log for log in logs if log is not None]
        tables = iter(read_table_files(found, ","))
        results: list[ReadResult | None] = []
        for path, log in zip(paths, logs, strict=True):
            table = next(tables) if log is not None else None
            results.append(self._result(path, log, table) if log and table else None)
        return results

    def _result(self, path: Path, log: Path, table: TableResult) -> ReadResult:
        """The run's result from its log's ``table`` and its config files."""
        params, issues, configs = read_configs(path)
        params.update(table.params)
        started = name_timestamp(path.name) or oldest_mtime([log, *configs])
        return ReadResult(
            points=table.points,
            params=params,
            resumed=table.resumed,
            issues=(*issues, *table.issues),
            pending=tuple(table.pending),
            started=started,
            files=(log,),
            sources=tuple(configs),
        )

    @staticmethod
    def _log_file(folder: Path) -> Path:
        """The first of :data:`LOG_PATHS` that exists in ``folder``."""
        for relative in LOG_PATHS:
            if (folder / relative).exists():
                return folder / relative
        raise ReadError(folder, "no logs/metrics.csv (or metrics.csv, logs/training_log.csv)")
