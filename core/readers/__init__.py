"""Log-format readers, in detection priority order, and lookup by name or file.

Discovery asks each reader in :data:`READERS` order whether a folder is one of its runs, so
a specific layout (``reference``) must come before the generic ones it overlaps (``csv``).
"""

from __future__ import annotations

from pathlib import Path

from curvelens.core.readers.base import Description, Reader, ReadError, ReadResult
from curvelens.core.readers.csvlog import CsvReader
from curvelens.core.readers.dvclive import DvcLiveReader
from curvelens.core.readers.hf_trainer import HfTrainerReader
from curvelens.core.readers.jsonl import JsonlReader
from curvelens.core.readers.keras import KerasCsvReader
from curvelens.core.readers.mlflow import MlflowReader
from curvelens.core.readers.mlflow_sqlite import MlflowSqliteReader
from curvelens.core.readers.reference import ReferenceReader
from curvelens.core.readers.sacred import SacredReader
from curvelens.core.readers.sb3 import Sb3Reader
from curvelens.core.readers.tensorboard import TensorBoardReader
from curvelens.core.readers.trackio import TrackioReader
from curvelens.core.readers.wandb import WandbReader

READERS: tuple[Reader, ...] = (
    ReferenceReader(),
    HfTrainerReader(),
    MlflowReader(),
    MlflowSqliteReader(),
    WandbReader(),
    DvcLiveReader(),
    SacredReader(),
    Sb3Reader(),
    TensorBoardReader(),
    CsvReader(),
    JsonlReader(),
    KerasCsvReader(),
    TrackioReader(),
)
"""Every reader, most specific first (SB3 before TensorBoard: its folder holds an event
copy of ``progress.csv``; TensorBoard before CSV: Lightning folders can hold both)."""

__all__ = [
    "READERS",
    "Description",
    "ReadError",
    "ReadResult",
    "Reader",
    "file_patterns",
    "get_reader",
    "reader_for_file",
]


def get_reader(name: str) -> Reader:
    """The reader whose ``name`` is ``name`` (``RunRef.format``); KeyError if unknown."""
    for reader in READERS:
        if reader.name == name:
            return reader
    raise KeyError(f"no reader for format {name!r}")


def file_patterns() -> tuple[str, ...]:
    """Every reader's :attr:`Reader.file_patterns`, in reader order: what a file given
    directly may be named."""
    return tuple(pattern for reader in READERS for pattern in reader.file_patterns)


def reader_for_file(path: Path) -> Reader | None:
    """The first reader accepting a log file given directly, or None."""
    return next((reader for reader in READERS if reader.accepts_file(path)), None)
