"""``curvelens tail``: print each new point of the watched runs as it is written.

The runs under the paths are read once (printed with ``from_start``), then polled: every
point appended is printed once, one line per point, in write order per poll (by step,
then metric); runs found later under the roots are printed from their start; a run
re-read whole (a rewritten file) prints only the points that differ from what it held.
Text lines are ``run  metric  step  value``; JSONL lines hold ``run``, ``metric``,
``step``, ``value`` and ``wall_time`` (NaN/inf and missing times as null). Names are made
safe for a terminal with :func:`curvelens.core.printable.printable`.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

import polars as pl

from curvelens.core.discovery import discover
from curvelens.core.live.poller import Poller
from curvelens.core.live.session import LivePoll, LiveRuns
from curvelens.core.printable import printable
from curvelens.core.reports.format import fmt_step, fmt_value, json_number, json_step

Write = Callable[[str], None]


def follow(
    paths: Sequence[Path],
    *,
    pattern: str | None = None,
    exclude: Sequence[str] = (),
    metrics: re.Pattern[str] | None = None,
    fmt: str = "text",
    from_start: bool = False,
    interval: float = 2.0,
    out: Write,
    err: Write,
    stop: threading.Event | None = None,
) -> None:
    """Poll ``paths`` until ``stop`` is set (or KeyboardInterrupt), writing points to
    ``out`` (one call per poll's lines) and warnings to ``err``."""
    found = discover(paths, pattern=pattern, exclude=exclude)
    for issue in found.issues:
        err(f"warning: {printable(str(issue))}\n")
    roots = [path for path in paths if path.is_dir()]
    poller = Poller(roots, pattern=pattern, exclude=exclude, rediscover_every=5 * interval)
    poller.watch(found.runs, loaded=False)
    live = LiveRuns(poller, interval=interval)
    first = True
    stop = stop or threading.Event()
    while not stop.is_set():
        done = live.poll()
        text = _lines(done, metrics, fmt, print_new=from_start or not first)
        for run_id, run in done.changed.items():
            old = done.before[run_id]
            for issue in run.issues[len(old.issues) if old is not None else 0 :]:
                err(f"warning: {printable(str(issue))}\n")
        if text:
            out(text)
        first = False
        stop.wait(live.interval)


def _lines(done: LivePoll, metrics: re.Pattern[str] | None, fmt: str, print_new: bool) -> str:
    """The output lines of one poll's new points."""
    chunks: list[str] = []
    for change in done.result.changes:
        if change.appended is not None:
            points = change.appended
        elif change.run is None or (change.new and not print_new):
            continue
        else:
            old = done.before.get(change.ref.id)
            points = change.run.points
            if old is not None:
                keys = ["metric", "step", "value"]
                points = points.join(old.points.select(keys), on=keys, how="anti", nulls_equal=True)
        if metrics is not None:
            points = points.filter(pl.col("metric").cast(pl.String).str.contains(metrics.pattern))
        points = points.sort(["step", "metric"], maintain_order=True)
        chunks.append(_format(change.ref.id, points, fmt))
    return "".join(chunks)


def _format(run: str, points: pl.DataFrame, fmt: str) -> str:
    """One line per point."""
    name = printable(run)
    lines = []
    for metric, step, value, wall in points.iter_rows():
        if fmt == "jsonl":
            record = {
                "run": name,
                "metric": printable(metric),
                "step": json_step(step),
                "value": json_number(value),
                "wall_time": json_number(wall),
            }
            lines.append(json.dumps(record) + "\n")
        else:
            lines.append(f"{name}  {printable(metric)}  {fmt_step(step)}  {fmt_value(value)}\n")
    return "".join(lines)
