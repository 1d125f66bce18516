"""Groups of runs: seed groups that form on real runs, or by a param, or none.

Automatic rule: drop seed keys (:func:`.perrun.is_seed_key`) and per-run keys
(:func:`.perrun.per_run_keys`); remove seed parts and timestamps from the other values (an
``output_dir`` naming the seed); runs whose remaining params are equal form one group.
Runs without params go by their name without seed part and timestamps. When that leaves
only groups of one, the run names (without seed and timestamps) are tried for all runs.
Groups keep the order of their first run; the group of ``reference`` comes first.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from curvelens.core.analysis.groups import remove_seed, strip_seed
from curvelens.core.comparison.perrun import is_seed_key, per_run_keys
from curvelens.core.printable import printable

Params = Mapping[str, object]


@dataclass(frozen=True)
class Grouping:
    """Named groups of run ids (reference first), what each shares, and how they formed."""

    groups: dict[str, list[str]]
    keys: dict[str, str]
    """Group name -> what its runs share (``lr=0.1`` or ``name: base``)."""
    how: str


@dataclass(frozen=True)
class Member:
    """One run as grouping sees it."""

    run_id: str
    name: str
    """Display name."""
    params: Params


def _ordered(found: dict[str, list[str]], order: Sequence[str]) -> dict[str, list[str]]:
    """Groups sorted by the position of their first run."""
    index = {r: i for i, r in enumerate(order)}
    return dict(sorted(found.items(), key=lambda kv: min(index[r] for r in kv[1])))


def _label(config: Mapping[str, str], varying: Sequence[str]) -> str:
    """``k=v, ...`` over the keys that differ between groups (printable: params come from
    files)."""
    return printable(", ".join(f"{k}={config.get(k, '<missing>')}" for k in varying))


def _by_names(members: Sequence[Member]) -> tuple[dict[str, list[str]], dict[str, str]]:
    """Groups by name without seed part and timestamps."""
    found: dict[str, list[str]] = {}
    for m in members:
        found.setdefault(strip_seed(m.name), []).append(m.run_id)
    return found, {stem: f"name: {stem}" for stem in found}


def _by_params(
    members: Sequence[Member], names: Mapping[str, str]
) -> tuple[dict[str, list[str]], dict[str, str], list[str]]:
    """Groups by params without seed and per-run keys; also the keys dropped as per-run."""
    dropped = per_run_keys([m.params for m in members if m.params])
    configs: dict[str, dict[str, str]] = {}
    members_of: dict[str, list[str]] = {}
    for m in members:
        if m.params:
            config = {
                k: remove_seed(str(v))
                for k, v in sorted(m.params.items())
                if not is_seed_key(k) and k not in dropped
            }
            key = json.dumps(config, sort_keys=True)
        else:
            config = {"name": strip_seed(m.name)}
            key = "\0" + config["name"]
        configs[key] = config
        members_of.setdefault(key, []).append(m.run_id)
    all_keys = sorted({k for c in configs.values() for k in c})
    varying = [k for k in all_keys if len({c.get(k) for c in configs.values()}) > 1]
    found: dict[str, list[str]] = {}
    keys: dict[str, str] = {}
    for key, runs in members_of.items():
        stems = {strip_seed(names[r]) for r in runs}
        base = names[runs[0]] if len(runs) == 1 else stems.pop() if len(stems) == 1 else ""
        base = base or _label(configs[key], varying) or "runs"
        name, i = base, 2
        while name in found:
            name, i = f"{base} #{i}", i + 1
        found[name] = runs
        keys[name] = _label(configs[key], varying) or "all params equal but seeds"
    return found, keys, dropped


def _differing(
    members: Sequence[Member], groups: Mapping[str, Sequence[str]], dropped: Sequence[str]
) -> list[str]:
    """Param keys (not seed or per-run) whose values differ inside a group."""
    params = {m.run_id: m.params for m in members}
    keys = {k for m in members for k in m.params if not is_seed_key(k) and k not in dropped}
    return sorted(
        k
        for k in keys
        if any(len({str(params[r].get(k)) for r in runs}) > 1 for runs in groups.values())
    )


def _with_reference(grouping: Grouping, reference: str | None) -> Grouping:
    """The same grouping with the group of ``reference`` (a run id) first."""
    first = next((g for g, rs in grouping.groups.items() if reference in rs), None)
    if first is None:
        return grouping
    groups = {first: grouping.groups[first], **grouping.groups}
    return Grouping(groups, grouping.keys, grouping.how)


def _auto(members: Sequence[Member]) -> Grouping:
    """Seed groups by the rule of the module docstring."""
    names = {m.run_id: m.name for m in members}
    found, keys, dropped = _by_params(members, names)
    ignored = "seed keys" + (f" and per-run values ({', '.join(dropped)})" if dropped else "")
    how = f"seeds grouped: params equal except {ignored}"
    if not any(m.params for m in members):
        how = "seeds grouped by run name without seed/timestamp (no params)"
    if all(len(rs) == 1 for rs in found.values()):
        by_name, name_keys = _by_names(members)
        if any(len(rs) > 1 for rs in by_name.values()):
            how = "seeds grouped by run name without seed/timestamp (no two runs share params"
            differ = _differing(members, by_name, dropped)
            how += f"; within a group they differ in {', '.join(differ)})" if differ else ")"
            return Grouping(by_name, name_keys, how)
        how = "not grouped: no two runs share a configuration (params or seed-less name)"
    return Grouping(found, keys, how)


def group_members(
    members: Sequence[Member],
    *,
    by: str | None = None,
    no_group: bool = False,
    explicit: Mapping[str, Sequence[str]] | None = None,
    reference: str | None = None,
) -> Grouping:
    """Group ``members`` (in run order): explicit groups, ``no_group``, ``by`` a param, or
    seed groups by the rule of the module docstring."""
    order = [m.run_id for m in members]
    if explicit is not None:
        known = set(order)
        found = {g: [r for r in rs if r in known] for g, rs in explicit.items()}
        found = {g: rs for g, rs in found.items() if rs}
        grouping = Grouping(_ordered(found, order), {g: g for g in found}, "groups as given")
    elif no_group:
        found = {m.name: [m.run_id] for m in members}
        grouping = Grouping(found, {g: "run" for g in found}, "not grouped: each run alone")
    elif by is not None:
        found = {}
        for m in members:
            value = m.params.get(by, "<missing>")
            found.setdefault(printable(f"{by}={value}"), []).append(m.run_id)
        grouping = Grouping(
            _ordered(found, order), {g: g for g in found}, f"grouped by the param {by}"
        )
    else:
        auto = _auto(members)
        grouping = Grouping(_ordered(auto.groups, order), auto.keys, auto.how)
    return _with_reference(
        grouping, reference if reference is not None else next(iter(order), None)
    )
