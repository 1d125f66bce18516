"""Which files of a run the poller watches, and how each is read when it changes.

Per format (``RunRef.format``): CSV/TSV (``csv``, ``reference``) and ``jsonl`` logs are
tailed by byte offset; ``tensorboard`` event files by record offset, the folder watched for
new event files; ``mlflow`` metric files by byte offset, the ``metrics/`` folders watched
for new keys and ``meta.yaml`` re-read whole (it holds the status); the W&B ``.wandb`` log
by record-end offset (``wandb-summary.json``, rewritten at every step, is not watched once
the log exists). Every other format (HF Trainer, Sacred, DVCLive, any new reader) is
re-read whole when one of its files or its folder changes: correct, just slower. The log
files are found with the readers' own rules, never a second copy of them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from curvelens.core.live.tailers import CSV, EVENTS, JSONL, WANDB, MlflowMetric, Tailer
from curvelens.core.readers import ReadError
from curvelens.core.readers.csvlog import CsvReader
from curvelens.core.readers.dvclive import metric_files
from curvelens.core.readers.hf_trainer import state_file
from curvelens.core.readers.jsonl import JsonlReader
from curvelens.core.readers.mlflow import META, METRICS, key_files
from curvelens.core.readers.reference import ReferenceReader
from curvelens.core.readers.sacred import METRICS as SACRED_METRICS
from curvelens.core.readers.sacred import RUN as SACRED_RUN
from curvelens.core.readers.tensorboard import event_files
from curvelens.core.readers.wandb import SUMMARY, log_file
from curvelens.core.schema import RunRef


@dataclass(frozen=True)
class Layout:
    """The watched paths of one run."""

    logs: tuple[tuple[str, Tailer], ...] = ()
    """Files read incrementally, each with its tailer, in the order the reader reads them."""
    whole: tuple[str, ...] = ()
    """Files whose change means the run is re-read whole."""
    folders: tuple[str, ...] = ()
    """Folders whose change (an entry added or removed) means the layout is found again."""

    @property
    def paths(self) -> tuple[str, ...]:
        """Every watched path."""
        return (*(path for path, _ in self.logs), *self.whole, *self.folders)


def layout(ref: RunRef) -> Layout:
    """The watched files of ``ref`` (a run without its log yet: its folder only)."""
    path = ref.path
    try:
        if ref.format in ("csv", "reference", "jsonl"):
            return Layout(logs=((str(_table_log(ref)), CSV if ref.format != "jsonl" else JSONL),))
        if ref.format == "tensorboard":
            return _tensorboard(path)
        if ref.format == "mlflow":
            return _mlflow(path)
        if ref.format == "wandb" and (log := log_file(path)) is not None:
            return Layout(logs=((str(log), WANDB),), folders=(str(path),))
    except ReadError:
        return Layout(folders=(str(path),))
    return _whole(ref)


def _table_log(ref: RunRef) -> Path:
    """The log file the CSV, reference or JSONL reader reads (their own lookup)."""
    if ref.format == "csv":
        return CsvReader._log_file(ref.path)
    if ref.format == "reference":
        return ReferenceReader._log_file(ref.path)
    return JsonlReader._log_file(ref.path)


def _tensorboard(path: Path) -> Layout:
    """Event files in name-time order; the folder for new ones."""
    if not path.is_dir():
        return Layout(logs=((str(path), EVENTS),))
    files = tuple((str(file), EVENTS) for file in event_files(path))
    return Layout(logs=files, folders=(str(path),))


def _mlflow(path: Path) -> Layout:
    """Metric files by key; ``meta.yaml`` whole; every folder under ``metrics/``."""
    metrics = path / METRICS
    folders = [root for root, _dirs, _files in os.walk(metrics)]
    logs = tuple((str(file), MlflowMetric(key)) for key, file in key_files(metrics))
    return Layout(logs=logs, whole=(str(path / META),), folders=tuple(folders) or (str(path),))


def on_disk(ref: RunRef) -> Path:
    """The file or folder holding ``ref``: its path, or for a run inside a store file
    (MLflow SQLite's ``<store>/<run_uuid>``) the store."""
    path = ref.path
    return path.parent if not path.exists() and path.parent.is_file() else path


def _whole(ref: RunRef) -> Layout:
    """Files of a format re-read whole, and the run folder."""
    path = on_disk(ref)
    if not path.is_dir():  # a SQLite store in WAL mode writes to its -wal file first
        return Layout(whole=(str(path), f"{path}-wal"))
    files = _whole_files(ref)
    return Layout(whole=tuple(str(file) for file in files), folders=(str(path),))


def _whole_files(ref: RunRef) -> list[Path]:
    """The files a whole-read format's reader reads (the run folder's own files if the
    format is not known here)."""
    path = ref.path
    if ref.format == "hf_trainer":
        state = state_file(path, frozenset(os.listdir(path)))
        return [state] if state is not None else []
    if ref.format == "wandb":  # no .wandb log yet: the summary is all there is
        return [path / SUMMARY]
    if ref.format == "sacred":
        return [path / SACRED_RUN, path / SACRED_METRICS]
    if ref.format == "dvclive":
        return [path / "metrics.json", *(file for _, file in metric_files(path))]
    with os.scandir(path) as entries:
        return sorted(Path(entry.path) for entry in entries if entry.is_file())
