"""MLflow file-store runs: ``mlruns/<experiment_id>/<run_id>/`` with ``meta.yaml`` + ``metrics/``.

Metrics: one file per key under ``metrics/`` (keys with ``/`` are nested folders), one line
per value: ``<timestamp_ms> <value> <step>`` (2 fields in old stores, step 0; 5 in new ones
with a dataset name and digest). The unterminated last line is a write in progress and is
skipped; ``wall_time`` is the timestamp in seconds. Params: the ``params/`` files (raw text),
non-``mlflow.`` tags as ``tags.*``, the experiment name as ``mlflow.experiment`` and the run
name (``run_name`` or the ``mlflow.runName`` tag) as ``mlflow.runName``, which is also the
run's display name (the folder is the 32-hex run id). Status from the
meta.yaml status code. Deleted runs (``lifecycle_stage: deleted``), ``.trash`` and MLflow 3
``models/`` folders are not runs; detection reads the run's small meta.yaml for that.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from curvelens.core.params import ParamValue
from curvelens.core.readers.base import Description, Reader, ReadError, ReadResult
from curvelens.core.readers.bounded import read_document
from curvelens.core.readers.points import PointLists, points_from
from curvelens.core.readers.textfile import (
    MAX_LINE_BYTES,
    Budget,
    decode,
    log_lines,
    open_log,
    split_tail,
    utc_datetime,
)
from curvelens.core.readers.yamlfile import load_yaml
from curvelens.core.schema import Issue

META = "meta.yaml"
METRICS, PARAMS, TAGS = "metrics", "params", "tags"
RUN_NAME_TAG = "mlflow.runName"
_STATUS = {3: "finished", 4: "failed", 5: "failed"}
_NOT_RUN_PARENTS = frozenset({".trash", "models"})
MAX_PARAM_BYTES = 1 << 20
"""A param or tag file larger than this is ignored unread (MLflow caps values at 8,000 chars)."""


def key_files(folder: Path) -> list[tuple[str, Path]]:
    """(key, file) for every file under ``folder``, keys joined with ``/``, sorted."""
    found: list[tuple[str, Path]] = []
    for root, _dirs, names in os.walk(folder):
        for name in names:
            path = Path(root) / name
            found.append((path.relative_to(folder).as_posix(), path))
    return sorted(found)


def parse_metric_file(
    key: str, path: Path, lists: PointLists, budget: Budget | None = None
) -> list[Issue]:
    """Append the complete lines of one metric file to ``lists``, streamed (memory follows
    the points, not the file size) within ``budget``; bad lines become Issues."""
    budget = budget or Budget()
    bad, issues = _BadLines(path), list[Issue]()
    with open_log(path) as handle:
        for number, raw in enumerate(log_lines(path, handle), start=1):
            if budget.due(number):
                issues.append(budget.issue(path, number))
                break
            if raw is None:
                issues.append(
                    Issue(path, f"line longer than {MAX_LINE_BYTES >> 20} MiB skipped", number)
                )
            elif raw.endswith(b"\n"):  # the unterminated last line is a write in progress
                _parse_line(key, decode(raw), number, lists, bad)
    return bad.issues() + issues


def parse_metric_lines(
    key: str, path: Path, data: bytes, lists: PointLists, first_line: int = 1
) -> list[Issue]:
    """:func:`parse_metric_file` on ``data``, bytes of ``path`` from the start of its line
    ``first_line`` (the live poller's appended bytes); the unterminated rest is skipped."""
    body, _partial = split_tail(data)
    bad = _BadLines(path)
    for number, line in enumerate(decode(body).splitlines(), start=first_line):
        _parse_line(key, line, number, lists, bad)
    return bad.issues()


class _BadLines:
    """The malformed lines of one metric file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.numbers: list[int] = []

    def issues(self) -> list[Issue]:
        """One Issue for all of them (naming the first), or none."""
        if not self.numbers:
            return []
        count, first = len(self.numbers), self.numbers[0]
        return [Issue(self.path, f"{count} malformed lines skipped (first: line {first})", first)]


def _parse_line(key: str, line: str, number: int, lists: PointLists, bad: _BadLines) -> None:
    """One ``<timestamp_ms> <value> [<step> ...]`` line into ``lists`` (else noted bad)."""
    parts = line.split()
    if not parts:
        return
    try:
        if len(parts) not in (2, 3, 5):
            raise ValueError(line)
        step = float(parts[2]) if len(parts) > 2 else 0.0
        lists.add(key, step, float(parts[1]), float(parts[0]) / 1000.0)
    except ValueError:
        bad.numbers.append(number)


def _meta(path: Path) -> tuple[Mapping[str, Any], list[Issue]]:
    """A meta.yaml as a mapping (empty with an Issue when it cannot be read)."""
    content, issues = load_yaml(path)
    if content is None and issues:
        return {}, issues
    if not isinstance(content, Mapping):
        return {}, [*issues, Issue(path, "not a YAML mapping, ignored")]
    return content, issues


def _text_files(folder: Path, prefix: str = "") -> tuple[dict[str, ParamValue], list[Issue]]:
    """Raw text of every file under ``folder`` keyed by ``prefix`` + relative key."""
    values: dict[str, ParamValue] = {}
    issues: list[Issue] = []
    for key, path in key_files(folder):
        try:
            values[prefix + key] = decode(read_document(path, MAX_PARAM_BYTES))
        except ReadError as exc:
            issues.append(Issue(path, f"ignored: {exc.message}"))
    return values, issues


def run_params(run: Path, meta: Mapping[str, Any]) -> tuple[dict[str, ParamValue], list[Issue]]:
    """Params, user tags, experiment name and run name of one run folder."""
    params, issues = _text_files(run / PARAMS)
    tags, tag_issues = _text_files(run / TAGS)
    experiment, exp_issues = _meta(run.parent / META)
    name = meta.get("run_name")
    merged = mlflow_params(
        params,
        tags,
        experiment.get("name") if isinstance(experiment.get("name"), str) else None,
        name if isinstance(name, str) else None,
    )
    return merged, issues + tag_issues + exp_issues


def mlflow_params(
    params: Mapping[str, ParamValue],
    tags: Mapping[str, ParamValue],
    experiment: str | None,
    run_name: str | None,
) -> dict[str, ParamValue]:
    """A run's params as both MLflow stores give them: the params, user tags as ``tags.*``,
    the experiment name as ``mlflow.experiment`` and the run name (``run_name`` or the
    ``mlflow.runName`` tag) as ``mlflow.runName``."""
    merged = dict(params)
    merged.update({f"tags.{k}": v for k, v in tags.items() if not k.startswith("mlflow.")})
    if experiment:
        merged["mlflow.experiment"] = experiment
    name = run_name or tags.get(RUN_NAME_TAG)
    if isinstance(name, str) and name:
        merged[RUN_NAME_TAG] = name
    return merged


def _text(value: ParamValue | None) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _started(meta: Mapping[str, Any]) -> datetime | None:
    start = meta.get("start_time")
    if isinstance(start, int | float) and not isinstance(start, bool) and start > 0:
        return utc_datetime(start / 1000.0)
    return None


class MlflowReader(Reader):
    """Runs of an MLflow file store (``mlruns/``)."""

    name = "mlflow"

    def detect(self, folder: Path, entry_names: frozenset[str]) -> bool:
        """A folder with ``meta.yaml`` and ``metrics/``, not deleted, not under ``.trash``."""
        if META not in entry_names or METRICS not in entry_names:
            return False
        if _NOT_RUN_PARENTS & {folder.parent.name, folder.parent.parent.name}:
            return False
        try:
            with open_log(folder / META) as handle:
                head = handle.read(8192)
        except ReadError:
            return True  # unreadable meta: let read() report it
        return b"lifecycle_stage: deleted" not in head

    def parts(self, folder: Path, entry_names: frozenset[str]) -> frozenset[str]:
        """The run's metric, param and tag files and its artifacts."""
        return frozenset({METRICS, PARAMS, TAGS, "artifacts"})

    def describe(self, path: Path) -> Description:
        """Metric keys from the ``metrics/`` listing, params from the small text files."""
        meta, issues = _meta(path / META)
        params, param_issues = run_params(path, meta)
        keys = tuple(key for key, _ in key_files(path / METRICS))
        return Description(metrics=keys, params=params, issues=tuple(issues + param_issues))

    def read(self, path: Path) -> ReadResult:
        """Every metric file's complete lines, params, status and start time."""
        if not (path / METRICS).is_dir():
            raise ReadError(path, "no metrics/ folder: not an MLflow run")
        meta, issues = _meta(path / META)
        lists, budget = PointLists(), Budget()
        files = [path / META]
        metric_files = key_files(path / METRICS)
        for index, (key, file) in enumerate(metric_files):
            if index and budget.spent():
                later = f"metric files ({len(metric_files) - index} of {len(metric_files)})"
                issues.append(Issue(file, budget.message(later)))
                break
            try:
                issues.extend(parse_metric_file(key, file, lists, budget))
            except ReadError as exc:
                issues.append(Issue(file, f"ignored: {exc.message}"))
            files.append(file)
        points, resumed = points_from(lists)
        issues += lists.bad_step_issues(path / METRICS)
        params, param_issues = run_params(path, meta)
        status = meta.get("status")
        return ReadResult(
            points=points,
            params=params,
            resumed=resumed,
            issues=tuple(issues + param_issues),
            status=_STATUS.get(status, "unknown") if isinstance(status, int) else "unknown",
            started=_started(meta),
            files=tuple(files),
            name=_text(params.get(RUN_NAME_TAG)),
        )
