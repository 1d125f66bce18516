"""Reading a text log file whole, turning OS and content problems into clear :class:`ReadError`s.

Logs are decoded lossily (bad UTF-8 bytes become U+FFFD) so one stray byte never stops a read;
only content that is clearly binary (NUL or many control bytes) is refused.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timezone
from pathlib import Path

from curvelens.core.readers.base import ReadError

_SNIFF_BYTES = 8192
_CONTROL = bytes(sorted(set(range(0x20)) - {0x09, 0x0A, 0x0C, 0x0D}))


def read_log_bytes(path: Path) -> bytes:
    """The bytes of ``path``; raises :class:`ReadError` naming the problem when it can't be read."""
    try:
        data = path.read_bytes()
    except IsADirectoryError:
        raise ReadError(path, "is a directory, expected a log file") from None
    except PermissionError:
        raise ReadError(path, "permission denied") from None
    except FileNotFoundError:
        raise ReadError(path, "file not found (deleted while reading?)") from None
    except OSError as exc:
        raise ReadError(path, f"cannot read: {exc.strerror or exc}") from None
    if looks_binary(data):
        raise ReadError(path, "binary content, not a text log")
    return data


def looks_binary(data: bytes) -> bool:
    """True when the start of ``data`` has NUL bytes or more than 5% control bytes."""
    head = data[:_SNIFF_BYTES]
    if not head:
        return False
    if b"\x00" in head:
        return True
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


def first_line(path: Path, limit: int = 65536) -> str:
    """The first line of ``path`` (at most ``limit`` bytes), decoded; ReadError if unreadable."""
    try:
        with path.open("rb") as handle:
            return decode(handle.readline(limit)).rstrip("\r\n")
    except IsADirectoryError:
        raise ReadError(path, "is a directory, expected a log file") from None
    except OSError as exc:
        raise ReadError(path, f"cannot read: {exc.strerror or exc}") from None


def oldest_mtime(paths: Iterable[Path]) -> datetime | None:
    """The earliest modification time among ``paths`` that exist (UTC), or None."""
    times = []
    for path in paths:
        try:
            times.append(path.stat().st_mtime)
        except OSError:
            continue
    return datetime.fromtimestamp(min(times), tz=timezone.utc) if times else None
