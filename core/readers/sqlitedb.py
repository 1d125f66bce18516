"""Opening SQLite stores of other programs (MLflow ``mlflow.db``, trackio) strictly read-only.

A read must never create a file beside the store: no ``-journal``, ``-wal``, ``-shm`` or
lock file. The store is opened by URI with ``mode=ro``. When nothing else has it open (no
``-wal``/``-journal``/``-shm`` file beside it) ``immutable=1`` is added too, so SQLite takes
no lock and, for a WAL-mode store at rest, does not create the ``-shm`` index it would need
otherwise; the file's size and mtime are compared before and after the read and the read is
done again without ``immutable`` when a writer changed it meanwhile. While a writer holds the
store (its ``-wal``/``-shm`` exist), ``mode=ro`` alone reads its committed WAL content and
adds no file of its own.

A store locked by a writer (a rollback-journal write in progress) is waited for
:data:`BUSY_TIMEOUT_S` once; the lock is then remembered for :data:`LOCK_MEMORY_S`, so the
other looks at the same store (discovery by two readers, then loading) fail at once with the
same message. A query that runs past the file's time budget is interrupted (SQLite's
progress handler): :func:`fetch_rows` keeps the rows read until then.
"""

from __future__ import annotations

import os
import sqlite3
import time
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any, TypeVar

from curvelens.core.readers.base import ReadError
from curvelens.core.readers.textfile import CHECK_EVERY, Budget

T = TypeVar("T")
MAGIC = b"SQLite format 3\x00"
SIDE_FILES = ("-wal", "-journal", "-shm")
SQLITE_SUFFIXES = (".db", ".sqlite", ".sqlite3")
BUSY_TIMEOUT_S = 1.0
"""Seconds a locked store is waited for (SQLite's own default is 5 s)."""
LOCK_MEMORY_S = 120.0
"""Seconds a store found locked is reported locked again without waiting."""
_PROGRESS_STEPS = 10_000
_LOCKED: dict[str, float] = {}
"""Absolute path of a store found locked -> when (monotonic seconds)."""


class BudgetConnection(sqlite3.Connection):
    """A connection that carries the time budget of its read (its progress handler)."""

    budget: Budget


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
def _connect(path: Path, immutable: bool, budget: Budget) -> Iterator[sqlite3.Connection]:
    connection = sqlite3.connect(
        _uri(path, immutable),
        uri=True,
        check_same_thread=False,
        timeout=BUSY_TIMEOUT_S,
        factory=BudgetConnection,
    )
    connection.budget = budget
    connection.text_factory = _text
    connection.set_progress_handler(budget.spent, _PROGRESS_STEPS)
    with closing(connection):
        connection.execute("PRAGMA query_only = 1")
        yield connection


def locked_message() -> str:
    """What a store locked by another program's write is reported as."""
    return (
        f"locked by another program writing to it (waited {BUSY_TIMEOUT_S:g} s); "
        "not read, load again when the write is done"
    )


def query(path: Path, read: Callable[[sqlite3.Connection], T]) -> T:
    """``read(connection)`` on the store at ``path`` opened read-only (module docstring);
    ReadError naming the problem when it is not a readable SQLite database."""
    key = os.path.abspath(path)
    if time.monotonic() - _LOCKED.get(key, -LOCK_MEMORY_S) < LOCK_MEMORY_S:
        raise ReadError(path, locked_message())
    budget = Budget()
    try:
        before = _signature(path)
        if not in_use(path):
            with _connect(path, immutable=True, budget=budget) as connection:
                result = read(connection)
            if _signature(path) == before and not in_use(path):
                return result
        with _connect(path, immutable=False, budget=budget) as connection:
            return read(connection)
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            _LOCKED[key] = time.monotonic()
            raise ReadError(path, locked_message()) from None
        if _interrupted(exc):
            raise ReadError(path, budget.message("rows")) from None
        raise ReadError(path, f"cannot read the SQLite store: {exc}") from None
    except sqlite3.Error as exc:
        raise ReadError(path, f"cannot read the SQLite store: {exc}") from None
    except UnicodeDecodeError:  # SQLite's own message quoted damaged bytes
        raise ReadError(path, "cannot read the SQLite store: damaged schema") from None
    except OSError as exc:
        raise ReadError(path, f"cannot read: {exc.strerror or exc}") from None


def _interrupted(exc: sqlite3.OperationalError) -> bool:
    return "interrupted" in str(exc)


def budget_of(db: sqlite3.Connection) -> Budget:
    """The time budget of the read ``db`` was opened for (a fresh one for another)."""
    return db.budget if isinstance(db, BudgetConnection) else Budget()


def fetch_rows(
    db: sqlite3.Connection, sql: str, args: tuple[Any, ...] = ()
) -> tuple[list[Any], str | None]:
    """The rows of ``sql``; when the time budget interrupts it, the rows read until then and
    why reading stopped (else None)."""
    rows: list[Any] = []
    try:
        cursor = db.execute(sql, args)
        while batch := cursor.fetchmany(CHECK_EVERY):
            rows.extend(batch)
    except sqlite3.OperationalError as exc:
        if not _interrupted(exc) or not isinstance(db, BudgetConnection):
            raise
        db.set_progress_handler(None, 0)  # the small queries after it may finish
        return rows, f"after row {len(rows)}: {db.budget.message('rows')}"
    return rows, None


def tables(connection: sqlite3.Connection) -> frozenset[str]:
    """The names of the tables in the connected database."""
    rows = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    return frozenset(str(name) for (name,) in rows)


def columns(connection: sqlite3.Connection, table: str) -> frozenset[str]:
    """The column names of ``table`` (a name from :func:`tables`, never user text)."""
    return frozenset(str(row[1]) for row in connection.execute(f'PRAGMA table_info("{table}")'))
