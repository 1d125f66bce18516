"""Sacred FileStorageObserver runs: ``<basedir>/<id>/{run.json, config.json, metrics.json}``.

``metrics.json`` is ``{name: {"steps": [...], "timestamps": [ISO], "values": [...]}}``;
timestamps are naive UTC (Sacred uses ``utcnow``). It is rewritten whole on every flush, so
an invalid or empty file is an Issue, not an error. Non-numeric values (jsonpickle objects)
are skipped. Params: ``config.json`` flattened (``seed`` included). Status from
``run.json``: COMPLETED finished; FAILED, INTERRUPTED, TIMEOUT failed; else unknown.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from curvelens.core.params import ParamValue, flatten_config
from curvelens.core.readers.base import Description, Reader, ReadError, ReadResult
from curvelens.core.readers.bounded import read_json
from curvelens.core.readers.points import PointLists, points_from
from curvelens.core.readers.textfile import Budget, utc_datetime
from curvelens.core.schema import Issue

RUN, CONFIG, METRICS = "run.json", "config.json", "metrics.json"
_STATUS = {
    "COMPLETED": "finished",
    "FAILED": "failed",
    "INTERRUPTED": "failed",
    "TIMEOUT": "failed",
}


def load_json(path: Path) -> tuple[Any, list[Issue]]:
    """Parsed JSON of ``path`` (None when absent or invalid) and the problem, if any."""
    if not path.is_file():
        return None, []
    try:
        return read_json(path), []
    except ReadError as exc:
        return None, [Issue(path, f"ignored: {exc.message}")]
    except ValueError as exc:
        return None, [Issue(path, f"invalid JSON (being rewritten?): {exc}")]


def utc_seconds(text: object) -> float | None:
    """A naive-UTC (or zoned) ISO time string as unix seconds, None if it is not one."""
    if not isinstance(text, str):
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()


def metric_points(metrics: object, path: Path) -> tuple[PointLists, list[Issue]]:
    """The observations of a parsed metrics.json, and how many values were skipped."""
    lists = PointLists()
    if not isinstance(metrics, dict):
        return lists, [Issue(path, "not a JSON object of metrics")]
    skipped, issues, budget = 0, list[Issue](), Budget()
    for number, (name, series) in enumerate(metrics.items()):
        if not isinstance(series, dict):
            skipped += 1
            continue
        if number and budget.spent():
            issues.append(Issue(path, f"metric {name!r}: {budget.message('metrics')}"))
            break
        steps, values = series.get("steps") or [], series.get("values") or []
        times = series.get("timestamps") or []
        for index, (step, value) in enumerate(zip(steps, values)):
            if budget.due(index):
                stop = f"metric {name!r}, value {index}: {budget.message('values')}"
                issues.append(Issue(path, stop))
                break
            if not _number(step) or not _number(value):
                skipped += 1
                continue
            stamp = utc_seconds(times[index]) if index < len(times) else None
            lists.add(str(name), float(step), float(value), stamp)
    if skipped:
        issues.insert(0, Issue(path, f"{skipped} non-numeric metric values skipped"))
    if not metrics:
        issues.append(Issue(path, "no metrics logged"))
    return lists, issues


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _config(folder: Path) -> tuple[dict[str, ParamValue], list[Issue]]:
    config, issues = load_json(folder / CONFIG)
    return (flatten_config(config), issues) if isinstance(config, dict) else ({}, issues)


class SacredReader(Reader):
    """Run folders of Sacred's FileStorageObserver."""

    name = "sacred"

    def detect(self, folder: Path, entry_names: frozenset[str]) -> bool:
        """A folder holding ``run.json`` with ``config.json`` or ``metrics.json``."""
        return RUN in entry_names and (CONFIG in entry_names or METRICS in entry_names)

    def describe(self, path: Path) -> Description:
        """Metric names from metrics.json (there is no header), params from config.json."""
        metrics, issues = load_json(path / METRICS)
        params, config_issues = _config(path)
        names = tuple(sorted(metrics)) if isinstance(metrics, dict) else ()
        return Description(metrics=names, params=params, issues=tuple(issues + config_issues))

    def read(self, path: Path) -> ReadResult:
        """Metrics, config params, status and start time of one Sacred run."""
        run, issues = load_json(path / RUN)
        metrics, metric_issues = load_json(path / METRICS)
        if run is None and metrics is None:
            raise ReadError(path, "neither run.json nor metrics.json is readable")
        issues += metric_issues
        lists = PointLists()
        if metrics is not None:
            lists, found = metric_points(metrics, path / METRICS)
            issues += found
        points, resumed = points_from(lists)
        issues += lists.bad_step_issues(path / METRICS)
        params, config_issues = _config(path)
        info = run if isinstance(run, dict) else {}
        start = utc_seconds(info.get("start_time"))
        return ReadResult(
            points=points,
            params=params,
            resumed=resumed,
            issues=tuple(issues + config_issues),
            status=_STATUS.get(str(info.get("status")), "unknown"),
            started=utc_datetime(start) if start else None,
            files=tuple(p for p in (path / RUN, path / METRICS) if p.is_file()),
        )
