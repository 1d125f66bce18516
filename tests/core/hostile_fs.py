"""File-system helpers of the adversarial corpus that never recurse (its 1,200-deep tree is
deeper than ``os.walk``, ``os.makedirs`` and ``shutil.rmtree`` go) and never follow links."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

OLD = 1_700_000_000.0
"""The mtime every corpus file gets (2023): long finished runs."""


def walk_bytes(top: Path) -> Iterator[tuple[bytes, list[os.DirEntry[bytes]]]]:
    """Every folder under ``top`` (bytes paths, links not followed) with its entries, without
    recursion (``os.walk`` recurses and the 1,200-deep tree is deeper than Python goes)."""
    stack = [os.fsencode(top)]
    while stack:
        folder = stack.pop()
        with os.scandir(folder) as listing:
            entries = list(listing)
        yield folder, entries
        stack += [e.path for e in entries if e.is_dir(follow_symlinks=False)]


def set_old_mtimes(top: Path) -> None:
    """Give every file and folder under ``top`` the mtime :data:`OLD` (links themselves)."""
    for _, entries in walk_bytes(top):
        for entry in entries:
            os.utime(entry.path, (OLD, OLD), follow_symlinks=False)


def remove_tree(top: Path) -> None:
    """Delete ``top`` without recursion (links are removed, never followed)."""
    folders = []
    for folder, entries in walk_bytes(top):
        folders.append(folder)
        for entry in entries:
            if not entry.is_dir(follow_symlinks=False):
                os.unlink(entry.path)
    for folder in reversed(folders):
        os.rmdir(folder)
