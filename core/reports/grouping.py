"""How ``compare`` and ``report`` order runs and put them into groups (one grouping rule:
:mod:`curvelens.core.comparison.seedgroups`).

The first group is the reference the others are compared against, so runs keep the order
of the PATH arguments (runs found under the first PATH come first).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from curvelens.core.comparison.seedgroups import Member, group_members
from curvelens.core.naming import run_names
from curvelens.core.schema import RunData


@dataclass(frozen=True)
class Grouping:
    """Named groups of runs (reference first), what each shares and how they were formed."""

    groups: dict[str, list[RunData]]
    """Group name -> its runs, in PATH order; the first group is the reference."""
    keys: dict[str, str]
    how: str
    """One line for the report header saying how runs were grouped."""


def order_by_paths(runs: Sequence[RunData], paths: Sequence[Path]) -> list[RunData]:
    """Runs ordered by the PATH argument they were found under, then by id."""
    roots = [p.resolve() for p in paths]

    def index(run: RunData) -> int:
        where = run.ref.path.resolve()
        return next((i for i, r in enumerate(roots) if where.is_relative_to(r)), len(roots))

    return sorted(runs, key=lambda run: (index(run), run.ref.id))


def group(runs: Sequence[RunData], by: str | None = None, no_group: bool = False) -> Grouping:
    """Group ``runs`` (already in PATH order): by the param ``by``, each alone, or seeds."""
    names = run_names(runs)
    members = [Member(r.ref.id, names[r.ref.id], dict(r.params)) for r in runs]
    found = group_members(members, by=by, no_group=no_group)
    by_id = {r.ref.id: r for r in runs}
    groups = {g: [by_id[i] for i in ids] for g, ids in found.groups.items()}
    return Grouping(groups, found.keys, found.how)
