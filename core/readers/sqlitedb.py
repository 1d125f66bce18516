"""Opening SQLite stores of other programs (MLflow ``mlflow.db``, trackio) strictly read-only.

A read must never create a file beside the store: no ``-journal``, ``-wal``, ``-shm`` or
lock file. The store is opened by URI with ``mode=ro``. When nothing else has it open (no
``-wal``/``-journal``/``-shm`` file beside it) ``immutable=1`` is added too, so SQLite takes
no lock and, for a WAL-mode store at rest, does not create the ``-shm`` index it would need
otherwise; the file's size and mtime are compared before and after the read and the read is
done again without ``immutable`` when a writer changed it meanwhile. While a writer holds the
store (its ``-wal``/``-shm`` exist), ``mode=ro`` alone reads its committed WAL content and
adds no file of its own.
"""

from __future__ import annotations

import os
import sqlite3
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import TypeVar

from curvelens.core.readers.base import ReadError

T = TypeVar("T")
MAGIC = b"SQLite format 3\x00"
SIDE_FILES = ("-wal", "-journal", "-shm")
SQLITE_SUFFIXES = (".db", ".sqlite", ".sqlite3")


def is_sqlite(path: Path) -> bool:
    """True when ``path`` is a regular file starting with the SQLite header."""
    try:
        with open(path, "rb") as handle:
            return handle.read(len(MAGIC)) == MAGIC
    except OSError:
        return False


def in_use(path: Path) -> bool:
    """True when a writer's side file (``-wal``, ``-journal``, ``-shm``) is beside ``path``."""
    return any(os.path.exists(f"{path}{suffix}") for suffix in SIDE_FILES)


def _uri(path: Path, immutable: bool) -> str:
    quoted = urllib.parse.quote(os.path.abspath(path))
    return f"file:{quoted}?mode=ro" + ("&immutable=1" if immutable else "")


def _signature(path: Path) -> tuple[int, int]:
    info = os.stat(path)
    return info.st_size, info.st_mtime_ns


def _text(raw: bytes) -> str:
    """TEXT values decoded lossily: a damaged store must not stop a read mid-row."""
    return raw.decode("utf-8", "replace")


@contextmanager
def _connect(path: Path, immutable: bool) -> Iterator[sqlite3.Connection]:
    connection = sqlite3.connect(_uri(path, immutable), uri=True, check_same_thread=False)
    connection.text_factory = _text
    with closing(connection):
        connection.execute("PRAGMA query_only = 1")
        yield connection


def query(path: Path, read: Callable[[sqlite3.Connection], T]) -> T:
    """``read(connection)`` on the store at ``path`` opened read-only (module docstring);
    ReadError naming the problem when it is not a readable SQLite database."""
    try:
        before = _signature(path)
        if not in_use(path):
            with _connect(path, immutable=True) as connection:
                result = read(connection)
            if _signature(path) == before and not in_use(path):
                return result
        with _connect(path, immutable=False) as connection:
            return read(connection)
    except sqlite3.Error as exc:
        raise ReadError(path, f"cannot read the SQLite store: {exc}") from None
    except UnicodeDecodeError:  # SQLite's own message quoted damaged bytes
        raise ReadError(path, "cannot read the SQLite store: damaged schema") from None
    except OSError as exc:
        raise ReadError(path, f"cannot read: {exc.strerror or exc}") from None


def tables(connection: sqlite3.Connection) -> frozenset[str]:
    """The names of the tables in the connected database."""
    rows = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    return frozenset(str(name) for (name,) in rows)


def columns(connection: sqlite3.Connection, table: str) -> frozenset[str]:
    """The column names of ``table`` (a name from :func:`tables`, never user text)."""
    return frozenset(str(row[1]) for row in connection.execute(f'PRAGMA table_info("{table}")'))
