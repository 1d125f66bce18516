"""Finding runs under the paths a user gives: run folders, roots to walk, or single log files.

Walk rule: roots are walked with :func:`os.scandir`; each folder's entry names go to every
reader's ``detect`` in :data:`~curvelens.core.readers.READERS` order. A detected run folder
is not descended into (a run nested in a run is part of it). A folder that is not a run may
still hold file runs (``Reader.file_runs``: loose ``*.jsonl`` logs). Never entered: hidden
folders, ``checkpoints``, virtualenvs (``venv``, any folder holding ``pyvenv.cfg``),
``site-packages``, ``node_modules``, ``__pycache__``. Symlinked folders are followed once:
every folder is tracked by (device, inode) so loops end. Nothing is ever read or written in
the folders, only listed.

Ids: a run's id is its path relative to the root it was found under (posix separators); a
path given directly that is itself a run (or a log file) gets its own name. Ids that would
collide across roots get ``#2``, ``#3`` ... appended. Runs come out sorted by id.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from curvelens.core.readers import READERS, reader_for_file
from curvelens.core.schema import Issue, RunRef

SKIP_DIRS = frozenset(
    {"checkpoints", "venv", "site-packages", "node_modules", "__pycache__", "dist-packages"}
)


@dataclass(frozen=True)
class Discovery:
    """The runs found and the problems met on the way."""

    runs: tuple[RunRef, ...]
    """Runs sorted by id, after ``pattern``/``exclude`` filtering."""
    issues: tuple[Issue, ...]
    """Paths that do not exist, unreadable folders, unrecognised files."""


def discover(
    paths: Sequence[str | Path], pattern: str | None = None, exclude: Sequence[str] = ()
) -> Discovery:
    """Find runs under ``paths``; ``pattern`` (glob on run name) keeps, ``exclude`` drops.

    An exclude glob matches a run's name or its id (``--exclude 'old/*'``).
    """
    found: list[RunRef] = []
    issues: list[Issue] = []
    seen_paths: set[Path] = set()
    for raw in paths:
        for ref in _runs_under(Path(raw), issues):
            resolved = ref.path.resolve()
            if resolved not in seen_paths:
                seen_paths.add(resolved)
                found.append(ref)
    kept = [ref for ref in _unique_ids(found) if _wanted(ref, pattern, exclude)]
    return Discovery(runs=tuple(sorted(kept, key=lambda ref: ref.id)), issues=tuple(issues))


def _wanted(ref: RunRef, pattern: str | None, exclude: Sequence[str]) -> bool:
    """Apply the name pattern and the exclude globs."""
    if pattern is not None and not fnmatch.fnmatchcase(ref.name, pattern):
        return False
    return not any(
        fnmatch.fnmatchcase(ref.name, glob) or fnmatch.fnmatchcase(ref.id, glob) for glob in exclude
    )


def _unique_ids(refs: list[RunRef]) -> list[RunRef]:
    """Make ids unique by suffixing ``#2``, ``#3`` ... to later duplicates."""
    counts: dict[str, int] = {}
    unique: list[RunRef] = []
    for ref in refs:
        counts[ref.id] = counts.get(ref.id, 0) + 1
        if counts[ref.id] == 1:
            unique.append(ref)
        else:
            new_id = f"{ref.id}#{counts[ref.id]}"
            unique.append(RunRef(id=new_id, name=ref.name, path=ref.path, format=ref.format))
    return unique


def _runs_under(path: Path, issues: list[Issue]) -> Iterator[RunRef]:
    """Runs for one user-given path: a log file, a run folder, or a root to walk."""
    if not path.exists():
        issues.append(Issue(path, "no such file or folder"))
        return
    if not path.is_dir():
        reader = reader_for_file(path)
        if reader is None:
            issues.append(Issue(path, "not a recognised log file (.csv, .tsv, .jsonl)"))
            return
        yield RunRef(id=path.name, name=path.stem, path=path, format=reader.name)
        return
    yield from _walk(path, issues)


def _walk(root: Path, issues: list[Issue]) -> Iterator[RunRef]:
    """Depth-first scan of ``root`` yielding run folders and file runs."""
    root_label = root.resolve().name or str(root)
    stack: list[Path] = [root]
    visited: set[tuple[int, int]] = set()
    while stack:
        folder = stack.pop()
        listing = _list(folder, visited, issues)
        if listing is None:
            continue
        names, subdirs = listing
        rel = folder.relative_to(root).as_posix()
        run_id = root_label if rel == "." else rel
        runs = _detect(folder, names, run_id)
        if runs is not None:
            yield runs
            continue
        yield from _file_runs(folder, names, "" if rel == "." else f"{rel}/")
        stack.extend(sorted(subdirs, reverse=True))


def _list(
    folder: Path, visited: set[tuple[int, int]], issues: list[Issue]
) -> tuple[frozenset[str], list[Path]] | None:
    """Entry names and enterable subfolders of ``folder``; None if seen before or unreadable."""
    try:
        info = folder.stat()
        if (info.st_dev, info.st_ino) in visited:
            return None
        visited.add((info.st_dev, info.st_ino))
        with os.scandir(folder) as entries:
            items = list(entries)
    except OSError as exc:
        issues.append(Issue(folder, f"cannot list folder: {exc.strerror or exc}"))
        return None
    names = frozenset(entry.name for entry in items)
    if "pyvenv.cfg" in names:
        return None
    subdirs = [
        folder / entry.name
        for entry in items
        if not entry.name.startswith(".") and entry.name not in SKIP_DIRS and _is_dir(entry)
    ]
    return names, subdirs


def _is_dir(entry: os.DirEntry[str]) -> bool:
    """Whether an entry is a folder (following symlinks), False when it cannot be checked."""
    try:
        return entry.is_dir()
    except OSError:
        return False


def _detect(folder: Path, names: frozenset[str], run_id: str) -> RunRef | None:
    """A RunRef when some reader recognises ``folder`` as a run."""
    for reader in READERS:
        if reader.detect(folder, names):
            return RunRef(id=run_id, name=folder.name, path=folder, format=reader.name)
    return None


def _file_runs(folder: Path, names: frozenset[str], prefix: str) -> Iterator[RunRef]:
    """Runs that are single files in a folder that is not a run."""
    for reader in READERS:
        for name in reader.file_runs(folder, names):
            path = folder / name
            yield RunRef(id=f"{prefix}{name}", name=path.stem, path=path, format=reader.name)
