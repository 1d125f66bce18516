"""How ``compare`` and ``report`` put runs into groups: seeds automatically, by a param, or not.

The first group is the reference the others are compared against, so groups keep the order
of the PATH arguments (runs found under the first PATH come first).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from curvelens.core.analysis.groups import (
    DEFAULT_NAME_PATTERN,
    DEFAULT_SEED_KEYS,
    group_runs,
    strip_seed,
)
from curvelens.core.reports.names import display_names
from curvelens.core.schema import RunData

GroupMode = Literal["auto", "param", "none"]
_SEED_IN_NAME = re.compile(DEFAULT_NAME_PATTERN, re.IGNORECASE)


@dataclass(frozen=True)
class Grouping:
    """Named groups of runs (reference first) and how they were formed."""

    groups: dict[str, list[RunData]]
    """Group name -> its runs, in PATH order; the first group is the reference."""
    how: str
    """One line for the report header saying how runs were grouped."""
    mode: GroupMode
    key: str | None = None
    """The param of ``--group-by``."""


def order_by_paths(runs: Sequence[RunData], paths: Sequence[Path]) -> list[RunData]:
    """Runs ordered by the PATH argument they were found under, then by id."""
    roots = [p.resolve() for p in paths]

    def index(run: RunData) -> int:
        where = run.ref.path.resolve()
        return next((i for i, r in enumerate(roots) if where.is_relative_to(r)), len(roots))

    return sorted(runs, key=lambda run: (index(run), run.ref.id))


def has_seed_param(run: RunData) -> bool:
    """True when a param key (or its last dotted part) names a random seed."""
    return any(k.lower().rsplit(".", 1)[-1] in DEFAULT_SEED_KEYS for k in run.params)


def group(runs: Sequence[RunData], mode: GroupMode, key: str | None = None) -> Grouping:
    """Group ``runs`` (already in PATH order): ``auto`` seeds, ``param`` by ``key``, ``none``."""
    names = display_names(runs)
    if mode == "none":
        return Grouping({names[r.ref.id]: [r] for r in runs}, "not grouped: each run alone", mode)
    if mode == "param":
        if key is None:
            raise ValueError("grouping by param needs a key")
        by_id = {r.ref.id: r for r in runs}
        found = group_runs({r.ref.id: dict(r.params) for r in runs}, by=key)
        members = [[by_id[i] for i in ids] for ids in found.values()]
        named = dict(zip(found, members, strict=True))
        return Grouping(_in_run_order(named, runs), f"grouped by the param {key}", mode, key)
    return _auto(runs, names)


def _auto(runs: Sequence[RunData], names: dict[str, str]) -> Grouping:
    """Seed groups: params that differ only in a seed key, else the name without its seed."""
    seeded = [r for r in runs if has_seed_param(r)]
    by_id = {r.ref.id: r for r in runs}
    sets: list[list[RunData]] = []
    if seeded:
        found = group_runs({r.ref.id: dict(r.params) for r in seeded})
        sets += [[by_id[i] for i in ids] for ids in found.values()]
    stems: dict[str, list[RunData]] = {}
    for run in (r for r in runs if not has_seed_param(r)):
        name = names[run.ref.id]
        stem = strip_seed(name) if _SEED_IN_NAME.search(name) else "\0" + run.ref.id
        stems.setdefault(stem, []).append(run)
    sets += list(stems.values())
    named: dict[str, list[RunData]] = {}
    for members in sets:
        base = _group_name(members, names)
        label, i = base, 2
        while label in named:
            label, i = f"{base} #{i}", i + 1
        named[label] = members
    groups = _in_run_order(named, runs)
    if all(len(m) == 1 for m in groups.values()):
        how = "not grouped: no seed groups found (runs differing only in a seed)"
    else:
        how = "seeds grouped: params that differ only in a seed key, else the run name"
        how += " without its seed part (--group-by KEY or --no-group to change)"
    return Grouping(groups, how, "auto")


def _group_name(members: Sequence[RunData], names: dict[str, str]) -> str:
    """A run's own name, or the seed-less name its runs share, or their common prefix."""
    shown = [names[r.ref.id] for r in members]
    if len(shown) == 1:
        return shown[0]
    stems = {strip_seed(n) for n in shown}
    if len(stems) == 1:
        return stems.pop()
    first, last = min(shown), max(shown)
    i = 0
    while i < min(len(first), len(last)) and first[i] == last[i]:
        i += 1
    return first[:i].strip("_-/") or "group"


def _in_run_order(
    named: dict[str, list[RunData]], runs: Sequence[RunData]
) -> dict[str, list[RunData]]:
    """Groups sorted by the position of their first run; runs inside in the same order."""
    position = {r.ref.id: i for i, r in enumerate(runs)}
    ordered = {
        name: sorted(members, key=lambda r: position[r.ref.id]) for name, members in named.items()
    }
    return dict(sorted(ordered.items(), key=lambda item: position[item[1][0].ref.id]))
