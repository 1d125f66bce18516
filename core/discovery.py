"""Finding runs under the paths a user gives: run folders, roots to walk, or single log files.

Walk rule: roots are walked with :func:`os.scandir`; each folder's entry names go to every
reader's ``detect`` in :data:`~curvelens.core.readers.READERS` order. A detected run folder
is not descended into (a run nested in a run is part of it), except for the sub-folders its
reader names in ``Reader.nested_runs`` (TensorBoard folders in an SB3 CSV run, k-fold
DVCLive folders), which are walked like any folder. A folder that is not a run may
still hold file runs (``Reader.file_runs``: loose ``*.jsonl`` logs). Never entered: hidden
folders, ``checkpoints``, virtualenvs (``venv``, any folder holding ``pyvenv.cfg``),
``site-packages``, ``node_modules``, ``__pycache__``, a symlink to a sibling folder (W&B's
``latest-run``: the sibling is walked under its own name) and the copies a reader names in
``Reader.aliases``. A symlink (folder or file run) whose target lies outside the root is not
followed (an Issue names it) unless ``follow_links``; one to a folder holding the root (``/``,
a parent) never is; other symlinked folders are followed once:
every folder is tracked by (device, inode) so loops end. Folders more than
:data:`MAX_DEPTH` levels below the root are not entered (an Issue names the first one).
Nothing is ever read or written in the folders, only listed. A log file given directly is
read at its real path (so a link given on purpose is followed).

Ids: a run's id is its path relative to the root it was found under (posix separators, bytes
of a file name that is not UTF-8 escaped as ``\\xNN``); a
path given directly that is itself a run (or a log file) gets its own name. Ids that would
collide across roots get ``#2``, ``#3`` ... appended. Runs come out sorted by id.
"""

from __future__ import annotations

import fnmatch
import os
import stat
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from curvelens.core.printable import escape_undecodable
from curvelens.core.readers import READERS, Reader, file_patterns, reader_for_file
from curvelens.core.readers.textfile import NOT_REGULAR
from curvelens.core.schema import Issue, RunRef

SKIP_DIRS = frozenset(
    {"checkpoints", "venv", "site-packages", "node_modules", "__pycache__", "dist-packages"}
)
MAX_DEPTH = 64
"""Folder levels below a root that are walked (deeper trees are generated, not runs)."""


@dataclass(frozen=True)
class Discovery:
    """The runs found and the problems met on the way."""

    runs: tuple[RunRef, ...]
    """Runs sorted by id, after ``pattern``/``exclude`` filtering."""
    issues: tuple[Issue, ...]
    """Paths that do not exist, unreadable folders, unrecognised files."""


def discover(
    paths: Sequence[str | Path],
    pattern: str | None = None,
    exclude: Sequence[str] = (),
    follow_links: bool = False,
) -> Discovery:
    """Find runs under ``paths``; ``pattern`` (glob on run name) keeps, ``exclude`` drops;
    ``follow_links`` enters symlinked folders that lead out of their root.

    An exclude glob matches a run's name or its id (``--exclude 'old/*'``).
    """
    found: list[RunRef] = []
    issues: list[Issue] = []
    seen_paths: set[str] = set()
    for raw in paths:
        for ref, resolved in _runs_under(Path(raw), issues, follow_links):
            if resolved not in seen_paths:
                seen_paths.add(resolved)
                found.append(ref)
    kept = [ref for ref in _unique_ids(found) if _wanted(ref, pattern, exclude)]
    kept.sort(key=lambda ref: ref.id)
    return Discovery(runs=tuple(kept), issues=tuple(issues))


def _wanted(ref: RunRef, pattern: str | None, exclude: Sequence[str]) -> bool:
    """Apply the name pattern and the exclude globs."""
    if pattern is not None and not fnmatch.fnmatchcase(ref.name, pattern):
        return False
    return not any(
        fnmatch.fnmatchcase(ref.name, glob) or fnmatch.fnmatchcase(ref.id, glob) for glob in exclude
    )


def _unique_ids(refs: list[RunRef]) -> list[RunRef]:
    """Make ids unique by suffixing ``#2``, ``#3`` ... to later duplicates; undecodable
    file-name bytes in ids and names are escaped (``\\xff``), the path keeps them."""
    counts: dict[str, int] = {}
    unique: list[RunRef] = []
    for ref in refs:
        ref = replace(ref, id=escape_undecodable(ref.id), name=escape_undecodable(ref.name))
        counts[ref.id] = counts.get(ref.id, 0) + 1
        if counts[ref.id] == 1:
            unique.append(ref)
        else:
            new_id = f"{ref.id}#{counts[ref.id]}"
            unique.append(RunRef(id=new_id, name=ref.name, path=ref.path, format=ref.format))
    return unique


def _runs_under(
    path: Path, issues: list[Issue], follow_links: bool
) -> Iterator[tuple[RunRef, str]]:
    """Runs for one user-given path (a log file, a run folder, or a root to walk), each with
    its resolved path (what :meth:`Path.resolve` gives) for de-duplication across paths."""
    problem = _path_problem(path)
    if problem is not None:
        issues.append(Issue(path, problem))
    elif path.is_dir():
        yield from _walk(path, issues, follow_links)
    elif (reader := reader_for_file(path)) is None:
        accepted = ", ".join(file_patterns())
        issues.append(Issue(path, f"not a log file curvelens reads (expected {accepted})"))
    else:
        real = os.path.realpath(path)
        ref = RunRef(id=path.name, name=path.stem, path=Path(real), format=reader.name)
        yield ref, real


def _path_problem(path: Path) -> str | None:
    """Why a user-given path cannot be used (missing, inaccessible, a pipe or device)."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        if os.path.islink(path):
            return "broken symbolic link (its target does not exist)"
        return "no such file or folder"
    except OSError as exc:
        return f"cannot access: {exc.strerror or exc}"
    if stat.S_ISDIR(mode) or stat.S_ISREG(mode):
        return None
    return NOT_REGULAR


def _walk(root: Path, issues: list[Issue], follow_links: bool) -> Iterator[tuple[RunRef, str]]:
    """Depth-first scan of ``root`` (sorted names) yielding run folders and file runs.

    Folders are handled as strings; a :class:`Path` is made only for detection and runs.
    ``real`` is the folder's resolved path, or "" below a symlink (resolved when needed).
    """
    real_root = os.path.realpath(root)
    root_label = os.path.basename(real_root) or str(root)
    walk = _Walk(real_root, None if follow_links else real_root, issues)
    stack: list[tuple[str, str, str]] = [(os.fspath(root), "", real_root)]
    while stack:
        folder, rel, real = stack.pop()
        listing = _list(folder, walk.visited, issues)
        if listing is None:
            continue
        names, entries = listing
        folder_path = Path(folder)
        prefix = f"{rel}/" if rel else ""
        found = _detect(folder_path, names, rel or root_label, folder_path.name if rel else "")
        if found is not None:
            reader, run = found
            yield run, real or os.path.realpath(folder)
            nested = reader.nested_runs(folder_path, names)
            if nested:
                inside = [entry for entry in entries if entry.name in nested]
                stack.extend(walk.subfolders(folder, prefix, real, inside, frozenset()))
            continue
        for ref in _file_runs(folder_path, names, prefix):
            real_file = os.path.realpath(ref.path)
            if walk.allowed(ref.path, real_file):
                yield ref, real_file
        skip = frozenset().union(*(reader.aliases(folder_path, names) for reader in READERS))
        stack.extend(walk.subfolders(folder, prefix, real, entries, skip))


@dataclass
class _Walk:
    """The state of one root's walk: folders seen, the bound links must stay in."""

    real_root: str
    bound: str | None
    """Symlinked folders leading outside this real folder are not entered (None: any)."""
    issues: list[Issue]
    visited: set[tuple[int, int]] = field(default_factory=set)
    too_deep: bool = False

    def subfolders(
        self,
        folder: str,
        prefix: str,
        real: str,
        entries: list[os.DirEntry[str]],
        skip: frozenset[str],
    ) -> list[tuple[str, str, str]]:
        """Enterable subfolders as (path, id, resolved path) in reverse name order (a stack)."""
        base, real_base = _slash(folder), _slash(real)
        if prefix.count("/") >= MAX_DEPTH:
            if not self.too_deep:
                message = f"folders more than {MAX_DEPTH} levels deep are not searched for runs"
                self.issues.append(Issue(Path(folder), message))
            self.too_deep = True
            return []
        subdirs = []
        for entry in entries:
            name = entry.name
            if _skipped(name) or name in skip or not _is_dir(entry):
                continue
            link = entry.is_symlink()
            if link and not self._enter_link(entry, real or os.path.realpath(folder)):
                continue
            real_path = "" if not real or link else real_base + name
            subdirs.append((base + name, prefix + name, real_path))
        subdirs.sort(reverse=True)
        return subdirs

    def _enter_link(self, entry: os.DirEntry[str], real_folder: str) -> bool:
        """Whether the symlinked folder ``entry`` is walked (an Issue when it leaves the root)."""
        target = os.path.realpath(entry.path)
        if os.path.dirname(target) == real_folder and not _skipped(os.path.basename(target)):
            return False  # a sibling, walked under its own name
        if _within(self.real_root, target):
            message = f"symbolic link to {target}, which holds the root itself, not followed"
            self.issues.append(Issue(Path(entry.path), message))
            return False
        return self.allowed(Path(entry.path), target)

    def allowed(self, path: Path, target: str) -> bool:
        """Whether ``path``, whose real path is ``target``, stays within the bound (an Issue
        naming it when not)."""
        if self.bound is None or _within(target, self.bound):
            return True
        message = f"symbolic link to {target}, outside the root, not followed (--follow-links does)"
        self.issues.append(Issue(path, message))
        return False


def _within(path: str, folder: str) -> bool:
    """Whether the real path ``path`` is ``folder`` or lies below it."""
    return path == folder or path.startswith(_slash(folder))


def _list(
    folder: str, visited: set[tuple[int, int]], issues: list[Issue]
) -> tuple[frozenset[str], list[os.DirEntry[str]]] | None:
    """Entry names and entries of ``folder``; None if seen before, unreadable or a virtualenv."""
    try:
        info = os.stat(folder)
        key = (info.st_dev, info.st_ino)
        if key in visited:
            return None
        visited.add(key)
        with os.scandir(folder) as listing:
            entries = list(listing)
    except OSError as exc:
        issues.append(Issue(Path(folder), f"cannot list folder: {exc.strerror or exc}"))
        return None
    names = frozenset([entry.name for entry in entries])
    if "pyvenv.cfg" in names:
        return None
    return names, entries


def _skipped(name: str) -> bool:
    """Hidden and never-entered folder names."""
    return name[0] == "." or name in SKIP_DIRS


def _slash(folder: str) -> str:
    """``folder`` ending in exactly one ``/``, ready for appending a name."""
    return folder if folder.endswith("/") else folder + "/"


def _is_dir(entry: os.DirEntry[str]) -> bool:
    """Whether an entry is a folder (following symlinks), False when it cannot be checked."""
    try:
        return entry.is_dir()
    except OSError:
        return False


def _detect(
    folder: Path, names: frozenset[str], run_id: str, name: str
) -> tuple[Reader, RunRef] | None:
    """The reader recognising ``folder`` as a run, and the run, if one does. ``name`` is ""
    for a root: its name is its id (its resolved name: ``.`` and links have none of their own).
    """
    for reader in READERS:
        if reader.detect(folder, names):
            ref = RunRef(id=run_id, name=name or run_id, path=folder, format=reader.name)
            return reader, ref
    return None


def _file_runs(folder: Path, names: frozenset[str], prefix: str) -> Iterator[RunRef]:
    """Runs that are single files in a folder that is not a run."""
    for reader in READERS:
        for name in reader.file_runs(folder, names):
            path = folder / name
            yield RunRef(id=f"{prefix}{name}", name=path.stem, path=path, format=reader.name)
