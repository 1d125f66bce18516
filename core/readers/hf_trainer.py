"""Hugging Face Trainer runs: ``trainer_state.json`` and its ``log_history`` list.

A run is a Trainer ``output_dir`` holding ``trainer_state.json`` (written by
``save_state()``) or ``checkpoint-<N>/`` folders (or a Hub-style ``last-checkpoint/``). The
state read is the output dir's own file, else the checkpoint with the numerically largest N
(``checkpoint-1000`` after ``checkpoint-500``), whose history is the merged one after resumes.
Checkpoint folders are part of their output dir's run, never runs of their own.

Every numeric key of a ``log_history`` entry except ``step`` is a metric at that entry's
step (``epoch`` included); strings (``remaining_time``) and nested values are ignored.
Python's bare ``NaN``/``Infinity`` tokens are accepted. There is no wall time. Params: the
top-level settings (``max_steps``, ``train_batch_size`` ...) and the model's ``config.json``
as ``model.*``. Status ``finished`` when ``global_step >= max_steps`` or the final
``train_runtime`` summary entry exists. ``training_args.bin`` is a pickle and never opened.

The same run also holds what the Trainer's TensorBoard callback wrote under
``runs/<date>_<host>/`` (``train/loss``, ``eval/loss``, ``train/total_flos`` ...: the names
as it writes them, beside the state's ``loss``/``eval_loss``; its ``add_hparams`` copy of
the training arguments becomes params) and the ``*_results.json`` finals of
``save_metrics`` (:mod:`curvelens.core.readers.hf_sources`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeGuard

import polars as pl

from curvelens.core.params import ParamValue, flatten_config
from curvelens.core.readers.base import Description, Reader, ReadError, ReadResult
from curvelens.core.readers.bounded import read_json
from curvelens.core.readers.hf_sources import event_runs, results_points
from curvelens.core.readers.points import PointLists, dedupe_points, points_from
from curvelens.core.readers.textfile import Budget
from curvelens.core.schema import Issue

STATE = "trainer_state.json"
MODEL_CONFIG = "config.json"
LAST_CHECKPOINT = "last-checkpoint"
_CHECKPOINT = re.compile(r"checkpoint-(\d+)")
_NOT_METRICS = frozenset({"step"})
_NOT_PARAMS = frozenset(
    {
        "log_history",
        "global_step",
        "epoch",
        "total_flos",
        "best_metric",
        "best_model_checkpoint",
        "best_global_step",
        "num_input_tokens_seen",
        "is_hyper_param_search",
        "is_local_process_zero",
        "is_world_process_zero",
    }
)


def checkpoint_folders(entry_names: frozenset[str]) -> list[str]:
    """``checkpoint-<N>`` names among ``entry_names``, largest N first (numerically)."""
    found = [(int(m.group(1)), n) for n in entry_names if (m := _CHECKPOINT.fullmatch(n))]
    return [name for _, name in sorted(found, reverse=True)]


def state_file(folder: Path, entry_names: frozenset[str]) -> Path | None:
    """The ``trainer_state.json`` a run folder is read from (see the module docstring)."""
    if STATE in entry_names:
        return folder / STATE
    names = checkpoint_folders(entry_names)
    if LAST_CHECKPOINT in entry_names:
        names.append(LAST_CHECKPOINT)
    for name in names:
        if (folder / name / STATE).is_file():
            return folder / name / STATE
    return None


def load_state(path: Path) -> dict[str, Any]:
    """The parsed state file; ReadError when it is not a JSON object with a log_history list."""
    try:
        state = read_json(path)
    except ValueError as exc:
        raise ReadError(path, f"invalid JSON (half-written?): {exc}") from None
    if not isinstance(state, dict) or not isinstance(state.get("log_history"), list):
        raise ReadError(path, "not a Trainer state: no log_history list")
    return state


def _is_number(value: object) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def history_points(history: list[Any], path: Path) -> tuple[PointLists, list[Issue]]:
    """Numeric keys of each log entry as observations at the entry's step."""
    lists, budget = PointLists(), Budget()
    skipped, stopped = 0, list[Issue]()
    for index, entry in enumerate(history):
        if budget.due(index):
            stopped.append(Issue(path, f"log_history entry {index}: {budget.message('entries')}"))
            break
        step = entry.get("step") if isinstance(entry, dict) else None
        if not _is_number(step):
            skipped += 1
            continue
        for key, value in entry.items():
            if key not in _NOT_METRICS and _is_number(value):
                lists.add(key, float(step), float(value), None)
    issues = [Issue(path, f"{skipped} log_history entries without a step skipped")]
    return lists, (issues if skipped else []) + stopped


def state_params(state: Mapping[str, Any]) -> dict[str, ParamValue]:
    """Top-level scalar settings of the state, without progress and result fields."""
    return {
        key: value
        for key, value in state.items()
        if key not in _NOT_PARAMS
        and value is not None
        and (isinstance(value, str | bool) or _is_number(value))
    }


def model_params(folders: list[Path]) -> tuple[dict[str, ParamValue], list[Issue], list[Path]]:
    """The first ``config.json`` found in ``folders``, flattened as ``model.*``."""
    for folder in folders:
        path = folder / MODEL_CONFIG
        if not path.is_file():
            continue
        try:
            config = read_json(path)
        except (ReadError, ValueError) as exc:
            return {}, [Issue(path, f"model config ignored: {exc}")], [path]
        if not isinstance(config, dict):
            return {}, [Issue(path, "model config ignored: not a JSON object")], [path]
        return flatten_config(config, prefix="model."), [], [path]
    return {}, [], []


def _finished(state: Mapping[str, Any], history: list[Any]) -> bool:
    step, limit = state.get("global_step"), state.get("max_steps")
    if _is_number(step) and _is_number(limit) and limit > 0 and step >= limit:
        return True
    return any(isinstance(entry, dict) and "train_runtime" in entry for entry in history)


class HfTrainerReader(Reader):
    """Trainer output dirs and checkpoints: the ``log_history`` of ``trainer_state.json``."""

    name = "hf_trainer"
    file_patterns = (STATE,)

    def detect(self, folder: Path, entry_names: frozenset[str]) -> bool:
        """``trainer_state.json`` here, or in the newest ``checkpoint-N``/``last-checkpoint``."""
        return state_file(folder, entry_names) is not None

    def parts(self, folder: Path, entry_names: frozenset[str]) -> frozenset[str]:
        """Checkpoints and the Trainer's ``runs/`` event folders."""
        return frozenset([*checkpoint_folders(entry_names), LAST_CHECKPOINT, "runs"])

    def describe(self, path: Path) -> Description:
        """Metric keys of the log history (the JSON has no cheaper header)."""
        state_path = self._state_path(path)
        try:
            state = load_state(state_path)
        except ReadError as exc:
            return Description(metrics=(), issues=(Issue(exc.path, exc.message),))
        lists, issues = history_points(state["log_history"], state_path)
        return Description(
            metrics=tuple(sorted(set(lists.metrics))),
            params=state_params(state),
            issues=tuple(issues),
        )

    def read(self, path: Path) -> ReadResult:
        """Points, settings, model config and status of the run's Trainer state, plus the
        ``runs/`` event files and the ``*_results.json`` finals (module docstring)."""
        state_path = self._state_path(path)
        state = load_state(state_path)
        history = state["log_history"]
        lists, issues = history_points(history, state_path)
        issues += lists.bad_step_issues(state_path)
        output_dir = path if path.is_dir() else state_path.parent
        final = state.get("global_step")
        finals, final_issues, final_files = results_points(
            output_dir, float(final) if _is_number(final) else max(lists.steps, default=0.0)
        )
        issues.extend(final_issues)
        events = event_runs(output_dir)
        history_frame, resumed = points_from(lists)
        points, _ = dedupe_points(pl.concat([history_frame, events.points, finals]))
        folders = list(dict.fromkeys([state_path.parent, output_dir]))
        model, model_issues, config_files = model_params(folders)
        return ReadResult(
            points=points,
            params={**events.params, **state_params(state), **model},
            resumed=resumed or events.resumed,
            issues=tuple(issues + model_issues + list(events.issues)),
            pending=events.pending,
            status="finished" if _finished(state, history) else "unknown",
            files=(state_path, *config_files, *final_files, *events.files),
        )

    @staticmethod
    def _state_path(path: Path) -> Path:
        if not path.is_dir():
            return path
        try:
            names = frozenset(os.listdir(path))
        except OSError as exc:
            raise ReadError(path, f"cannot list folder: {exc.strerror or exc}") from None
        found = state_file(path, names)
        if found is None:
            raise ReadError(path, f"no {STATE} here or in a checkpoint folder")
        return found
