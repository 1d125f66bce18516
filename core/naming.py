"""Run names a user can tell apart: the one place that names and shortens runs.

Rule: a run is shown by its own name (the folder name, or the name its log records) unless
another run has the same name; then every run of that colliding set is named by the shortest
suffix of its id (its path relative to the root) that is unique among them
(``mnist/lightning_logs/version_0`` beside ``cifar/lightning_logs/version_0``). A name made
only of digits (Sacred's ``1``, ``2``) says nothing alone, so it keeps its parent folder
(``runs/1``). Every name goes through :func:`~curvelens.core.printable.printable`.

:func:`shorten` cuts a name to a width: a trailing start time goes first
(``baseline_lr5e-4_seed1…120000``), a path keeps its last folder (``Eve-ning__op…/version_0``),
anything else loses its middle, so what tells runs apart stays; :func:`short_names` widens
the cut until a set of names stays distinct. The app, the engine and the reports use these.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from curvelens.core.printable import printable
from curvelens.core.schema import RunData

ELLIPSIS = "…"
#: Width that report table cells holding a run or group name are cut to.
NAME_WIDTH = 28
_STAMP = re.compile(r"^(.+?)((?:[_-]\d{8}[_-]?\d{4,6})+)$")
"""A name's trailing start time(s) (``_20250301_090000``), the least telling part of it."""


def _parts(run_id: str) -> list[str]:
    """Path components of a run id (``#2`` suffixes of repeated ids stay on the last one)."""
    return [part for part in run_id.split("/") if part] or [run_id]


def _suffix(parts: Sequence[str], length: int) -> str:
    """The last ``length`` components joined with ``/``."""
    return "/".join(parts[-length:])


def _base_name(run_id: str, name: str) -> str:
    """The name to start from: ``name``, with its parent folder when it is only digits."""
    parts = _parts(run_id)
    if name.isdigit() and len(parts) > 1 and parts[-1] == name:
        return _suffix(parts, 2)
    return name


def unique_names(runs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Run id -> a name no other run shares, from ``(id, name)`` pairs (rule in the module
    docstring); ids themselves are unique, so the full id always works as a last resort."""
    pairs = list(runs)
    base = {run_id: _base_name(run_id, name) for run_id, name in pairs}
    by_name: dict[str, list[str]] = {}
    for run_id, name in base.items():
        by_name.setdefault(name, []).append(run_id)
    out = dict(base)
    for ids in by_name.values():
        if len(ids) > 1:
            out.update(_distinguish(ids))
    return {run_id: printable(name) for run_id, name in out.items()}


def run_names(runs: Iterable[RunData]) -> dict[str, str]:
    """Run id -> :func:`unique_names` name of loaded runs (from their folder names)."""
    return unique_names((run.ref.id, run.ref.name) for run in runs)


def _distinguish(ids: Sequence[str]) -> dict[str, str]:
    """For runs sharing a name: each one's shortest id suffix unique within ``ids``."""
    parts = {run_id: _parts(run_id) for run_id in ids}
    out: dict[str, str] = {}
    for run_id in ids:
        mine = parts[run_id]
        for length in range(1, len(mine) + 1):
            candidate = _suffix(mine, length)
            clash = [o for o in ids if o != run_id and _suffix(parts[o], length) == candidate]
            if not clash:
                out[run_id] = candidate
                break
        else:
            out[run_id] = run_id
    return out


def parent_folder(run_id: str) -> str:
    """The folder a run sits in, relative to its root (``.`` for a run at the top)."""
    parts = _parts(run_id)
    return "/".join(parts[:-1]) or "."


def shorten(name: str, width: int) -> str:
    """``name`` in at most ``width`` cells, by the rules of the module docstring."""
    if len(name) <= width:
        return name
    if width < 8:
        return _middle(name, width)
    stamp = _STAMP.match(name)
    if stamp is not None:
        stem, tail = stamp.groups()
        if len(stem) + 1 < width:
            return stem + ELLIPSIS + tail[len(tail) - (width - len(stem) - 1) :]
        return _middle(stem, width - 1) + ELLIPSIS
    head, _, last = name.rpartition("/")
    if head and len(last) + 4 <= width:
        return head[: width - len(last) - 2] + ELLIPSIS + "/" + last
    return _middle(name, width)


def short_names(names: Iterable[str], width: int = NAME_WIDTH) -> dict[str, str]:
    """Full name -> :func:`shorten` name; names that then collide (a resume chain told apart
    only by its start times) keep their tail instead, the width widened until all differ."""
    full = list(dict.fromkeys(names))
    longest = max((len(n) for n in full), default=0)
    for w in range(width, max(width, longest) + 1):
        short = {n: shorten(n, w) for n in full}
        taken = [*short.values()]
        short = {n: _middle(n, w) if taken.count(s) > 1 else s for n, s in short.items()}
        if len(set(short.values())) == len(full):
            return short
    return {n: n for n in full}


def _middle(name: str, width: int) -> str:
    """``name`` cut to ``width`` cells by removing its middle (a third head, the rest tail)."""
    if len(name) <= width:
        return name
    if width <= 1:
        return name[:width]
    head = (width - 1) // 3
    tail = width - 1 - head
    return f"{name[:head]}{ELLIPSIS}{name[len(name) - tail :]}"
