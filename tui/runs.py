"""The run list's logic without widgets: one entry per run (names unique, every user string
made printable), display order (pins first, groups, sort), colour and marker slots shared by
the list and the plot, and the first metric to show."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from curvelens.core.naming import parent_folder, unique_names
from curvelens.core.printable import printable
from curvelens.core.schema import RunData, RunRef

PALETTE: tuple[tuple[int, int, int], ...] = (
    (31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189),
    (140, 86, 75), (227, 119, 194), (23, 190, 207), (188, 189, 34), (127, 127, 127),
)  # fmt: skip
"""Line colours (Tableau 10), readable on dark and light backgrounds."""
MARKERS = ("●", "■", "▲", "◆", "✚", "✖", "▼", "★", "◉", "▶")
"""One marker shape per colour slot: without colour (NO_COLOR) runs differ by shape."""
Values = Mapping[str, tuple[float | None, float | None, float | None]]
"""Run id -> (last, best, last step) of the current metric."""


@dataclass(frozen=True)
class RunEntry:
    """What the run list knows about one run, every string already printable."""

    id: str
    name: str
    """Unique among the runs shown (see :mod:`curvelens.core.naming`)."""
    path: str
    """The run's id (path relative to its root), printable."""
    format: str
    status: str
    updated: datetime | None = None
    error: str | None = None
    warnings: int = 0
    params: dict[str, str] = field(default_factory=dict)
    loaded: bool = False


def entry_of(ref: RunRef, run: RunData | None, name: str) -> RunEntry:
    """The entry of a discovered run (``run`` None while it loads)."""
    base = RunEntry(ref.id, name, printable(ref.id), printable(ref.format), "loading")
    if run is None:
        return base
    params = {printable(str(k)): printable(str(v)) for k, v in run.params.items()}
    return RunEntry(
        ref.id, name, base.path, base.format, "error" if run.error else printable(run.status),
        run.updated, printable(run.error) if run.error else None, len(run.issues), params, True,
    )  # fmt: skip


def names_of(refs: Sequence[RunRef], log_names: Mapping[str, str]) -> dict[str, str]:
    """Unique display names, using the name a loaded log records when it has one."""
    pairs = [(ref.id, log_names.get(ref.id, ref.name)) for ref in refs]
    return unique_names(pairs)


def group_of(entry: RunEntry, key: str | None) -> str:
    """The group heading of ``entry`` when grouping by ``key`` (``parent`` = folder)."""
    if key is None:
        return ""
    if key == "parent":
        return parent_folder(entry.path)
    return entry.params.get(key, "—")


def sort_key(column: str, values: Values) -> Callable[[RunEntry], tuple[int, object]]:
    """Sort key of ``column``; missing values sort last."""

    def key(entry: RunEntry) -> tuple[int, object]:
        if column in ("name", "status", "format"):
            return (0, str(getattr(entry, column)).lower())
        if column == "updated":
            return (0, entry.updated.timestamp()) if entry.updated else (1, 0.0)
        value = values.get(entry.id, (None, None, None))[{"last": 0, "best": 1, "step": 2}[column]]
        return (1, 0.0) if value is None or math.isnan(value) else (0, value)

    return key


def ordered(
    entries: Sequence[RunEntry], column: str, reverse: bool, values: Values,
    pins: Sequence[str], group: str | None,
) -> list[RunEntry]:  # fmt: skip
    """Display order: pinned runs first (pin order), then by group heading, then sorted."""
    rows = sorted(entries, key=sort_key(column, values), reverse=reverse)
    if group is not None:
        rows.sort(key=lambda e: group_of(e, group).lower())
    pinned = [e for pin in pins for e in rows if e.id == pin]
    return pinned + [e for e in rows if e.id not in pins]


def assign_slots(plotted: Sequence[str], current: Mapping[str, int]) -> dict[str, int]:
    """Palette slot per plotted run: a run keeps its slot while plotted, new runs take the
    lowest free one, so the runs you compare always differ in colour and marker."""
    kept = {run_id: slot for run_id, slot in current.items() if run_id in plotted}
    for run_id in plotted:
        if run_id not in kept:
            used = set(kept.values())
            free = [i for i in range(len(PALETTE)) if i not in used]
            kept[run_id] = free[0] if free else len(kept) % len(PALETTE)
    return kept


_PREFERENCES = (
    re.compile(
        r"(^|[/_.-])(val|valid|validation|eval|test|dev)([/_.-].*)?loss|loss.*[/_.-](val|eval)",
        re.I,
    ),
    re.compile(r"train.*loss|loss.*train", re.I),
    re.compile(r"loss", re.I),
    re.compile(r"reward|return", re.I),
)
"""Metric kinds the first view prefers, best first."""
_BOOKKEEPING = re.compile(r"(^|[/_.])(lr|learning_rate|time|fps|step|global_step)([/_.]|$)", re.I)
"""Metrics that describe the run rather than its progress: never the first one shown."""


def first_metric(metrics_by_run: Sequence[set[str]]) -> str | None:
    """The metric to show first: of the kinds validation/eval loss, train loss, any loss,
    reward/return (in that order), the first kind that at least half as many runs log as the
    most logged metric does, and of it the metric most runs log; else the most logged metric.
    Axis-like metrics (epoch, tokens, learning rate, time) come last."""
    counts: dict[str, int] = {}
    for metrics in metrics_by_run:
        for metric in metrics:
            counts[metric] = counts.get(metric, 0) + 1
    axes = set(axis_metrics(list(counts)))
    plain = {m: n for m, n in counts.items() if m not in axes and not _BOOKKEEPING.search(m)}
    candidates = plain or counts
    if not candidates:
        return None
    top = max(candidates.values())
    ranked = sorted(candidates, key=lambda m: (-candidates[m], len(m), m))
    for pattern in _PREFERENCES:
        found = [m for m in ranked if pattern.search(m)]
        if found and candidates[found[0]] * 2 >= top:
            return found[0]
    return ranked[0]


def axis_metrics(metrics: Sequence[str]) -> list[str]:
    """Logged metrics that make sense as an x axis (epoch, tokens, samples, time, episodes)."""
    pattern = re.compile(
        r"(^|[/_.])(epoch|tokens?|samples?|examples?|episodes?|time.?steps?|total_timesteps|"
        r"images?|seen|iterations?)([/_.]|$)",
        re.I,
    )
    return [m for m in metrics if pattern.search(m)]
