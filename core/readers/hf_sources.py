"""The other files of a Hugging Face Trainer output dir: ``runs/`` event files and results.

``runs/<date>_<host>/`` (one per launch of the job) holds what the Trainer's TensorBoard
callback wrote; each is read by the TensorBoard reader, in name order, so a resumed job's
later launch wins at the steps both wrote. ``all_results.json`` (or, without it, each
``train_``/``eval_``/``test_``/``predict_results.json``) from ``save_metrics`` holds final
values: each number becomes a point at the run's final step, named as written.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from curvelens.core.params import ParamValue
from curvelens.core.readers.base import ReadError
from curvelens.core.readers.bounded import read_json
from curvelens.core.readers.points import PointLists, points_from
from curvelens.core.readers.tensorboard import TensorBoardReader, is_event_file
from curvelens.core.schema import POINTS, Issue

RUNS = "runs"
ALL_RESULTS = "all_results.json"
RESULTS_SUFFIX = "_results.json"


@dataclass(frozen=True)
class EventSources:
    """Everything read from an output dir's ``runs/`` folders."""

    points: pl.DataFrame
    params: dict[str, ParamValue]
    issues: tuple[Issue, ...]
    pending: tuple[Issue, ...]
    files: tuple[Path, ...]
    resumed: bool


def _event_folders(runs: Path) -> list[Path]:
    try:
        names = sorted(os.listdir(runs))
    except OSError:
        return []
    folders = []
    for name in names:
        folder = runs / name
        try:
            if folder.is_dir() and any(is_event_file(n) for n in os.listdir(folder)):
                folders.append(folder)
        except OSError:
            continue
    return folders


def event_runs(output_dir: Path) -> EventSources:
    """The scalars, ``add_hparams`` params and problems of ``runs/*/`` event files."""
    parts: list[pl.DataFrame] = [pl.DataFrame(schema=POINTS)]
    params: dict[str, ParamValue] = {}
    issues: list[Issue] = []
    pending: list[Issue] = []
    files: list[Path] = []
    resumed = False
    for folder in _event_folders(output_dir / RUNS):
        try:
            result = TensorBoardReader().read(folder)
        except ReadError as exc:
            issues.append(Issue(exc.path, exc.message))
            continue
        parts.append(result.points)
        params.update(result.params)
        issues.extend(result.issues)
        pending.extend(result.pending)
        files.extend(result.files)
        resumed = resumed or result.resumed
    return EventSources(
        pl.concat(parts), params, tuple(issues), tuple(pending), tuple(files), resumed
    )


def _results_files(output_dir: Path) -> list[Path]:
    if (output_dir / ALL_RESULTS).is_file():
        return [output_dir / ALL_RESULTS]
    try:
        names = sorted(os.listdir(output_dir))
    except OSError:
        return []
    return [output_dir / n for n in names if n.endswith(RESULTS_SUFFIX)]


def results_points(
    output_dir: Path, final_step: float
) -> tuple[pl.DataFrame, list[Issue], list[Path]]:
    """The numbers of the results files as points at ``final_step``, the problems, the
    files read."""
    lists = PointLists()
    issues: list[Issue] = []
    files = _results_files(output_dir)
    for path in files:
        try:
            content = read_json(path)
        except ReadError as exc:
            issues.append(Issue(path, f"ignored: {exc.message}"))
            continue
        except ValueError as exc:
            issues.append(Issue(path, f"ignored: invalid JSON ({exc})"))
            continue
        if not isinstance(content, dict):
            issues.append(Issue(path, "ignored: not a JSON object"))
            continue
        for key, value in content.items():
            if isinstance(value, int | float) and not isinstance(value, bool):
                lists.add(str(key), final_step, float(value), None)
    points, _ = points_from(lists)
    return points, issues, files
