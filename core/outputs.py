"""Where curvelens may write: the one output-path check every writer uses.

Rules (``compare --output``, ``report --output``, the app's export): a file is never written
inside a run folder (a log file given directly counts its folder) or inside a root the runs
were discovered under, whatever links lead there (paths are resolved first); an existing
file is never replaced without ``force``; names made from run names are safe file names,
unique (case-insensitively, for macOS and Windows file systems) and never one of the
writer's own reserved names (``README.md``, ``summary.txt`` ...).
"""

from __future__ import annotations

import os
import re
from collections.abc import Collection, Iterable, Sequence
from pathlib import Path

from curvelens.core.printable import printable


class OutputError(Exception):
    """An output path that must not be written; the message says why and what to do."""


def protected_folders(roots: Iterable[Path], runs: Iterable[Path]) -> tuple[Path, ...]:
    """The resolved folders nothing may be written into: the roots given and every run's
    folder (the folder of a run that is a single log file)."""
    folders = []
    for path in [*roots, *runs]:
        real = Path(os.path.realpath(path))
        folders.append(real if real.is_dir() else real.parent)
    return tuple(dict.fromkeys(folders))


def protected_by(path: Path, folders: Sequence[Path]) -> Path | None:
    """The protected folder ``path`` lies in (after resolving links), or None."""
    real = Path(os.path.realpath(path))
    return next((f for f in folders if real == f or f in real.parents), None)


def check_output(path: Path, folders: Sequence[Path], force: bool) -> None:
    """Raise :class:`OutputError` when ``path`` may not be written: inside one of the
    protected ``folders``, an existing folder, or an existing file without ``force``."""
    inside = protected_by(path, folders)
    if inside is not None:
        raise OutputError(
            f"{path} lies inside {inside}, a run folder or a root being read; "
            "curvelens never writes there: choose a path outside it"
        )
    if path.is_dir():
        raise OutputError(f"{path} is a folder, expected a file name")
    if (path.exists() or path.is_symlink()) and not force:
        raise OutputError(f"{path} exists; use --force to overwrite it")


def write_text(path: Path, text: str, force: bool) -> None:
    """Write ``text`` (UTF-8, through :func:`printable`: no escape sequences, undecodable
    name bytes escaped) to ``path``, creating it; with ``force`` an existing file is
    replaced (never followed as a link: the link itself is replaced)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if force and path.is_symlink():
        path.unlink()
    with path.open("w" if force else "x", encoding="utf-8") as handle:
        handle.write(printable(text, keep="\n\t"))


def safe_name(name: str) -> str:
    """A run, group or metric name usable as one file or folder name (ASCII letters, digits
    and ``._=+-``; anything else becomes ``_``)."""
    return re.sub(r"[^A-Za-z0-9._=+-]+", "_", name).strip("._") or "run"


def unique_names(names: Sequence[str], reserved: Collection[str] = ()) -> list[str]:
    """:func:`safe_name` of each of ``names``, made unique by ``-2``, ``-3`` ... suffixes and
    never equal to a ``reserved`` name (both compared case-insensitively)."""
    taken = {name.casefold() for name in reserved}
    out = []
    for name in names:
        base = safe_name(name)
        candidate, number = base, 2
        while candidate.casefold() in taken:
            candidate, number = f"{base}-{number}", number + 1
        taken.add(candidate.casefold())
        out.append(candidate)
    return out
