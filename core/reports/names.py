"""Run and group names as the reports show them: unique, and shortened to fit a table.

Long names are cut in the middle (``cond0-20_max_bl..20251230_052106``) so both the head and
the distinguishing tail (seed, timestamp) stay visible; full names are listed in each
report's header.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from curvelens.core.printable import printable
from curvelens.core.schema import RunData

#: Width that table cells holding a run or group name are cut to.
NAME_WIDTH = 28
_MARK = ".."
#: Trailing ``_YYYYmmdd_HHMMSS`` timestamps (a resume chain may have several).
_TIMESTAMPS = re.compile(r"(?:[_-]\d{8}[_-]\d{6})+$")


def display_names(runs: Sequence[RunData]) -> dict[str, str]:
    """Run id -> the name shown: the run's name, or the id when names collide (made
    :func:`printable`: names come from folders and may hold terminal escapes)."""
    names = [run.ref.name for run in runs]
    return {
        run.ref.id: printable(run.ref.name if names.count(run.ref.name) == 1 else run.ref.id)
        for run in runs
    }


def shorten(name: str, width: int = NAME_WIDTH) -> str:
    """``name`` cut in the middle to ``width`` characters (a third head, the rest tail)."""
    if len(name) <= width or width <= len(_MARK) + 2:
        return name
    room = width - len(_MARK)
    head = room // 3
    return name[:head] + _MARK + name[len(name) - (room - head) :]


def _without_timestamps(names: list[str]) -> dict[str, str]:
    """Name -> name without trailing timestamps, where that stays unique among ``names``."""
    stripped = {n: _TIMESTAMPS.sub("", n) or n for n in names}
    counts = [*stripped.values()]

    def unique(name: str, short: str) -> bool:
        return short == name or (counts.count(short) == 1 and short not in names)

    return {n: s if unique(n, s) else n for n, s in stripped.items()}


def short_names(names: Iterable[str], width: int = NAME_WIDTH) -> dict[str, str]:
    """Full name -> short name: trailing timestamps dropped where the name stays unique, then
    cut in the middle, the cut widened until the short names are unique."""
    full = list(dict.fromkeys(names))
    base = _without_timestamps(full)
    longest = max((len(n) for n in base.values()), default=0)
    for w in range(width, max(width, longest) + 1):
        short = {n: shorten(base[n], w) for n in full}
        if len(set(short.values())) == len(full):
            return short
    return {n: n for n in full}
