"""The run list's logic without widgets: one entry per run, filtering (substring, regex,
``key=value`` on params), sorting, and colour slots shared by the table and the plot."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from curvelens.core.schema import RunData
from curvelens.tui.text import clean

SORT_COLUMNS = ("name", "status", "last", "best", "step", "updated")
"""Columns the run list can be sorted by, in the order ``o`` cycles through them."""

PALETTE: tuple[tuple[int, int, int], ...] = (
    (31, 119, 180),
    (255, 127, 14),
    (44, 160, 44),
    (214, 39, 40),
    (148, 103, 189),
    (140, 86, 75),
    (227, 119, 194),
    (23, 190, 207),
    (188, 189, 34),
    (127, 127, 127),
)
"""Line colours (Tableau 10), readable on dark and light backgrounds."""


@dataclass(frozen=True)
class RunEntry:
    """What the run list knows about one run, with every user string already cleaned."""

    id: str
    name: str
    status: str
    updated: datetime | None
    error: str | None
    warnings: int
    params: dict[str, str] = field(default_factory=dict)
    """Param key -> value as text."""

    @classmethod
    def from_run(cls, run: RunData) -> RunEntry:
        """Build the entry of a loaded (or failed) run."""
        params = {clean(k): clean(v) for k, v in run.params.items()}
        error = clean(run.error) if run.error else None
        status = "error" if run.error else clean(run.status)
        return cls(
            run.ref.id, clean(run.ref.name), status, run.updated, error, len(run.issues), params
        )


def _as_float(text: str) -> float | None:
    """``text`` as a float, or None."""
    try:
        return float(text)
    except ValueError:
        return None


def _pattern(text: str) -> re.Pattern[str]:
    """A case-insensitive regex; text that is not a valid regex is matched literally."""
    try:
        return re.compile(text, re.IGNORECASE)
    except re.error:
        return re.compile(re.escape(text), re.IGNORECASE)


def _key_matches(key: str, wanted: str) -> bool:
    """``lr`` matches ``lr``, ``optim.lr`` and ``param.lr``; ``config.model`` matches ``model``."""
    key, wanted = key.lower(), wanted.lower().removeprefix("param.")
    return key == wanted or key.endswith("." + wanted) or wanted.removeprefix("config.") == key


def _param_term(key: str, value: str) -> Callable[[RunEntry], bool]:
    """A ``key=value`` filter term: numeric equality (5e-4 == 0.0005) or a regex match."""
    number = _as_float(value)
    pattern = _pattern(value)

    def test(entry: RunEntry) -> bool:
        for name, text in entry.params.items():
            if not _key_matches(name, key):
                continue
            found = _as_float(text)
            if number is not None and found is not None and math.isclose(found, number):
                return True
            if pattern.fullmatch(text) or (number is None and pattern.search(text)):
                return True
        return False

    return test


def _text_term(text: str) -> Callable[[RunEntry], bool]:
    """A plain filter term: regex/substring on the name, id, status and ``key=value`` params."""
    pattern = _pattern(text)

    def test(entry: RunEntry) -> bool:
        fields = [entry.name, entry.id, entry.status]
        fields += [f"{k}={v}" for k, v in entry.params.items()]
        return any(pattern.search(f) for f in fields)

    return test


def compile_filter(text: str) -> Callable[[RunEntry], bool]:
    """A predicate for the filter ``text``: whitespace-separated terms that must all match."""
    terms = []
    for term in text.split():
        key, eq, value = term.partition("=")
        terms.append(_param_term(key, value) if eq and key else _text_term(term))
    return lambda entry: all(term(entry) for term in terms)


def sort_key(
    column: str, values: dict[str, tuple[float | None, float | None, float | None]]
) -> Callable[[RunEntry], tuple[int, object]]:
    """Sort key for ``column``; ``values`` maps run id to (last, best, last step).
    Missing values sort last."""

    def key(entry: RunEntry) -> tuple[int, object]:
        if column == "name":
            return (0, entry.name.lower())
        if column == "status":
            return (0, entry.status)
        if column == "updated":
            return (0, entry.updated.timestamp()) if entry.updated else (1, 0.0)
        index = {"last": 0, "best": 1, "step": 2}[column]
        value = values.get(entry.id, (None, None, None))[index]
        if value is None or math.isnan(value):
            return (1, 0.0)
        return (0, value)

    return key


def assign_colors(selected: Sequence[str], current: dict[str, int]) -> dict[str, int]:
    """Palette slot per selected run: a run keeps its slot while selected, new runs take the
    lowest free one, so the five runs you compare always have five different colours."""
    kept = {run_id: slot for run_id, slot in current.items() if run_id in selected}
    for run_id in selected:
        if run_id not in kept:
            used = set(kept.values())
            free = [i for i in range(len(PALETTE)) if i not in used]
            kept[run_id] = free[0] if free else len(kept) % len(PALETTE)
    return kept
