"""Reading a text log file whole, turning OS and content problems into clear :class:`ReadError`s.

Logs are decoded lossily (bad UTF-8 bytes become U+FFFD) so one stray byte never stops a read;
UTF-16/32 logs with a byte-order mark (PowerShell's ``>``) are converted to UTF-8; only
content that is clearly binary (many control bytes) is refused. Lines holding NUL bytes (a
crash can leave runs of them) are skipped with an Issue by :func:`drop_nul_lines`. Only
regular files are read: a named pipe or device named like a log would block or never end.

Confinement: while :func:`confined` is active (loading sets it to the run's folder), a file
whose real path (after symbolic links) leaves that folder is not read: a link in a run
folder pointing elsewhere (``hparams.yaml -> /etc/passwd``) gives a ReadError instead. A
file outside the run folder (MLflow's experiment ``meta.yaml``) must stay in its own folder.
"""

from __future__ import annotations

import codecs
import errno
import io
import os
import stat
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timezone
from pathlib import Path
from typing import BinaryIO

from curvelens.core.readers.base import ReadError
from curvelens.core.schema import Issue

SNIFF_BYTES = 8192
_CONTROL = bytes(sorted(set(range(0x20)) - {0x09, 0x0A, 0x0C, 0x0D}))
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_WIDE_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16 LE: its mark starts the same way
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
FILE_BUDGET_S = 60.0
"""Seconds one file may take to read; a reader that streams stops there (see :class:`Budget`)."""
CHECK_EVERY = 4096
"""Lines, records or rows between two looks at the clock (:meth:`Budget.due`)."""
MAX_LINE_BYTES = 16 * 2**20
"""A longer line is skipped unread (a sparse file's hole of NUL bytes has no newline)."""
_LFS_POINTER = b"version https://git-lfs.github.com/spec/"
_MAGIC_BYTES = (
    (b"\x1f\x8b", "gzip-compressed, not a text log (decompress it first)"),
    (b"PK\x03\x04", "a zip archive, not a text log"),
    (b"SQLite format 3\x00", "an SQLite database, not a text log"),
    (b"PAR1", "a Parquet file, not a text log"),
    (b"\x93NUMPY", "a NumPy array file, not a text log"),
    (b"\x89HDF", "an HDF5 file, not a text log"),
)
"""File signatures of things found under log names, and what to call them."""
NOT_REGULAR = "not a regular file (a named pipe or device), not read"
NUL_EVERYWHERE = "NUL bytes on every line, not a text log (UTF-16 without a byte-order mark?)"
CUT_LINE = "last line is incomplete (the writer stopped mid-line), not read"
_CONFINED: ContextVar[dict[str, str] | None] = ContextVar("confined", default=None)
"""Absolute folder -> real folder that reads are confined to; empty: no confinement."""


@contextmanager
def confined(folders: Iterable[Path]) -> Iterator[None]:
    """Within the block, :func:`open_log` reads only files that really lie in ``folders``
    (a run that is a single file: its folder)."""
    bounds = {}
    for folder in folders:
        lexical = os.path.abspath(folder)
        if not os.path.isdir(lexical):
            lexical = os.path.dirname(lexical)
        bounds[lexical] = os.path.realpath(lexical)
    token = _CONFINED.set(bounds)
    try:
        yield
    finally:
        _CONFINED.reset(token)


def _inside(path: str, folder: str) -> bool:
    """Whether ``path`` is ``folder`` or below it (both absolute, normalised)."""
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def link_escape(path: Path) -> str | None:
    """The real path of ``path`` when links lead it out of the confined folder, else None."""
    bounds = _CONFINED.get()
    if not bounds:
        return None
    lexical = os.path.abspath(path)
    folder = os.path.dirname(lexical)
    while folder not in bounds and os.path.dirname(folder) != folder:
        folder = os.path.dirname(folder)  # the nearest confined folder above the file
    bound = bounds.get(folder) or os.path.realpath(os.path.dirname(lexical))
    real = os.path.realpath(lexical)
    return None if _inside(real, bound) else real


@contextmanager
def open_log(path: Path) -> Iterator[BinaryIO]:
    """``path`` open for binary reading if it is a regular file; else, or when opening or
    reading fails, a :class:`ReadError` naming the problem. Opening never blocks on a FIFO."""
    escape = link_escape(path)
    if escape is not None:
        raise ReadError(
            path, f"symbolic link leading out of the run folder (to {escape}), not read"
        )
    try:
        fd = os.open(path, os.O_RDONLY | _NONBLOCK)
    except OSError as exc:
        raise _read_error(path, exc) from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        raise ReadError(
            path, "is a directory, expected a log file" if stat.S_ISDIR(mode) else NOT_REGULAR
        )
    with os.fdopen(fd, "rb") as handle:
        try:
            yield handle
        except OSError as exc:
            raise _read_error(path, exc) from None


def _read_error(path: Path, exc: OSError) -> ReadError:
    """An OS error met while opening or reading ``path``, in plain words."""
    if isinstance(exc, IsADirectoryError):
        return ReadError(path, "is a directory, expected a log file")
    if isinstance(exc, PermissionError):
        return ReadError(path, "permission denied")
    if isinstance(exc, FileNotFoundError):
        return ReadError(path, "file not found (deleted while reading?)")
    return ReadError(path, f"cannot read: {exc.strerror or exc}")


class Budget:
    """The per-file time budget: :meth:`spent` turns True once ``seconds`` (by default
    :data:`FILE_BUDGET_S`, read when the budget starts) have passed since the read started;
    :meth:`due` looks at the clock only every :data:`CHECK_EVERY` items, so it costs nothing."""

    def __init__(self, seconds: float | None = None) -> None:
        self.seconds = FILE_BUDGET_S if seconds is None else seconds
        self._end = time.monotonic() + self.seconds

    def spent(self) -> bool:
        """Whether the budget is used up."""
        return time.monotonic() >= self._end

    def due(self, count: int) -> bool:
        """Whether reading must stop before item ``count`` (0-based: checked every
        :data:`CHECK_EVERY` items, the first one included)."""
        return count % CHECK_EVERY == 0 and count > 0 and self.spent()

    def message(self, later: str = "lines") -> str:
        """Why reading stopped: the budget, and that ``later`` lines (records) were not read."""
        budget = f"{self.seconds:g} s (the time budget for one file)"
        return f"reading stopped after {budget}; later {later} not read"

    def issue(self, path: Path, line: int, later: str = "lines") -> Issue:
        """The Issue saying the read of ``path`` stopped at ``line`` because time ran out."""
        return Issue(path, self.message(later), line)


def next_data(handle: BinaryIO, pos: int) -> int:
    """The first offset from ``pos`` that is not in a hole of a sparse file (holes read as
    NUL bytes that were never written: no record lies in one); the file size when only a
    hole follows; ``pos`` where the file system cannot say. The handle's position is kept."""
    fd = handle.fileno()
    here = os.lseek(fd, 0, os.SEEK_CUR)
    try:
        return os.lseek(fd, pos, os.SEEK_DATA)
    except OSError as exc:
        if exc.errno == errno.ENXIO:  # a hole to the end of the file
            return max(pos, os.fstat(fd).st_size)
        return pos
    except AttributeError:  # no SEEK_DATA on this platform
        return pos
    finally:
        os.lseek(fd, here, os.SEEK_SET)  # where the buffered reader left the descriptor


def log_lines(path: Path, handle: BinaryIO) -> Iterator[bytes | None]:
    """The lines of an open log, streamed (a UTF-16/32 file is converted whole first); None
    for a line longer than :data:`MAX_LINE_BYTES`, which is skipped without being held;
    ReadError for binary content or a file of another kind (:func:`misnamed`)."""
    head = handle.read(SNIFF_BYTES)
    codec = wide_codec(head)
    if codec is not None:
        text = (head + handle.read()).decode(codec, errors="replace").encode()
        yield from io.BytesIO(text)
        return
    what = misnamed(head)
    if what is not None:
        raise ReadError(path, what)
    if looks_binary(head):
        raise ReadError(path, "binary content, not a text log")
    handle.seek(0)  # a regular file (open_log): the sniffed start is read again
    while line := handle.readline(MAX_LINE_BYTES):
        if len(line) < MAX_LINE_BYTES or line.endswith(b"\n"):
            yield line
            continue
        while (rest := handle.readline(MAX_LINE_BYTES)) and not rest.endswith(b"\n"):
            if rest.count(0) == len(rest):  # NUL bytes: maybe a hole, passed over at once
                handle.seek(next_data(handle, handle.tell()))
        yield None


def read_regular(path: Path) -> bytes:
    """All bytes of the regular file ``path`` (binary logs too); ReadError when unreadable."""
    with open_log(path) as handle:
        return handle.read()


def read_log_bytes(path: Path) -> bytes:
    """The bytes of a text log as UTF-8 (UTF-16/32 with a byte-order mark are converted);
    :class:`ReadError` naming the problem when it can't be read, is binary or is a file of
    another kind under a log's name (:func:`misnamed`)."""
    data = read_regular(path)
    codec = wide_codec(data)
    if codec is not None:
        return data.decode(codec, errors="replace").encode()
    what = misnamed(data)
    if what is not None:
        raise ReadError(path, what)
    if looks_binary(data):
        raise ReadError(path, "binary content, not a text log")
    return data


def misnamed(head: bytes) -> str | None:
    """What a file starting with ``head`` really is when it is a known kind of file that is
    not a text log (a Git LFS pointer, a pickle, an archive ...), else None."""
    if head.startswith(_LFS_POINTER):
        return "a Git LFS pointer, not the log itself (fetch the file with `git lfs pull`)"
    if len(head) > 1 and head[0] == 0x80 and 2 <= head[1] <= 5:
        return "a Python pickle, not a text log (never unpickled: it could run code)"
    return next((what for magic, what in _MAGIC_BYTES if head.startswith(magic)), None)


def other_separator(data: bytes, sep: str) -> str | None:
    """The separator a delimited log really uses when its header line holds none of ``sep``
    but a tab, ``;`` or ``|`` (a TSV named ``.csv``), else None."""
    header = data[: data.find(b"\n")] if b"\n" in data else data[:SNIFF_BYTES]
    if sep.encode() in header:
        return None
    counts = {other: header.count(other.encode()) for other in ("\t", ";", "|") if other != sep}
    best = max(counts, key=lambda other: counts[other])
    return best if counts[best] else None


def drop_nul_lines(path: Path, data: bytes) -> tuple[bytes, list[Issue]]:
    """``data`` with its lines holding NUL bytes emptied (line numbers kept) and the Issue
    saying so; ReadError when every line holds some (UTF-16 without a byte-order mark)."""
    if b"\x00" not in data:
        return data, []
    lines = data.split(b"\n")
    bad = [number for number, line in enumerate(lines, start=1) if b"\x00" in line]
    if all(b"\x00" in line or not line.strip() for line in lines):
        raise ReadError(path, NUL_EVERYWHERE)
    for number in bad:
        lines[number - 1] = b""
    lines_word = "line" if len(bad) == 1 else "lines"
    message = f"{len(bad)} {lines_word} holding NUL bytes skipped (file damaged, e.g. by a crash)"
    return b"\n".join(lines), [Issue(path, message, bad[0])]


def cut_line(path: Path, body: bytes) -> Issue:
    """The Issue for an unterminated last line after the complete lines ``body`` that was not
    read: normal while a run is written, a sign of a killed writer afterwards."""
    return Issue(path, CUT_LINE, body.count(b"\n") + 1)


def wide_codec(head: bytes) -> str | None:
    """``utf-16``/``utf-32`` when ``head`` starts with that byte-order mark, else None."""
    return next((codec for bom, codec in _WIDE_BOMS if head.startswith(bom)), None)


def looks_binary(data: bytes) -> bool:
    """True when more than 5% of the start of ``data`` are control bytes other than NUL
    (random bytes have about 10%; NUL runs in a text log are crash damage, not binary)."""
    head = data[:SNIFF_BYTES].replace(b"\x00", b"")
    if not head:
        return False
    controls = len(head) - len(head.translate(None, _CONTROL))
    return controls > len(head) // 20


def split_tail(data: bytes) -> tuple[bytes, bytes]:
    """Split ``data`` into complete lines (ending in ``\\n``) and the unterminated rest."""
    cut = data.rfind(b"\n") + 1
    return data[:cut], data[cut:]


def blank(data: bytes) -> bool:
    """True when ``data`` is empty or only whitespace (``not data.strip()`` without a copy)."""
    return not data or data.isspace()


def decode(data: bytes) -> str:
    """Lossy UTF-8 decoding (a leading BOM is dropped)."""
    return data.decode("utf-8-sig", errors="replace")


def first_line(path: Path, limit: int = 16 * 2**20) -> str:
    """The first line of ``path``, decoded (a header of 10,000 columns is long); ReadError
    if unreadable or longer than ``limit`` bytes (no header: one huge line)."""
    with open_log(path) as handle:
        line = handle.readline(limit)
        if len(line) == limit and not line.endswith(b"\n") and handle.read(1):
            raise ReadError(path, f"first line longer than {limit // 2**20} MiB, not a header")
    return decode(line).rstrip("\r\n")


def utc_datetime(seconds: float | None) -> datetime | None:
    """The UTC time ``seconds`` after the unix epoch; None for None, NaN, infinity and
    times a ``datetime`` cannot hold (a damaged or foreign time column: 1e25)."""
    if seconds is None:
        return None
    try:
        return datetime.fromtimestamp(seconds, tz=timezone.utc)
    except (OverflowError, OSError, ValueError):
        return None


def oldest_mtime(paths: Iterable[Path]) -> datetime | None:
    """The earliest modification time among ``paths`` that exist (UTC), or None."""
    times = []
    for path in paths:
        try:
            times.append(path.stat().st_mtime)
        except OSError:
            continue
    return utc_datetime(min(times)) if times else None
