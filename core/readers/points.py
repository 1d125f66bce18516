"""Building ``POINTS`` frames from parallel lists of observations in log order.

The non-tabular readers (TensorBoard, MLflow, W&B, HF Trainer ...) collect
(metric, step, value, wall_time) observations in the order they were written; this module
applies the shared rules: a point whose step is NaN or infinite is dropped (it has no place
on a curve and would make "last" garbage; :func:`bad_step_issues` says so), last write per
(metric, step) wins, sorted by metric then step, and ``resumed`` when some metric's step
goes backwards in write order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl

from curvelens.core.schema import POINTS, Issue


@dataclass
class PointLists:
    """Observations as parallel lists, appended in the order the log wrote them."""

    metrics: list[str] = field(default_factory=list)
    steps: list[float] = field(default_factory=list)
    values: list[float] = field(default_factory=list)
    wall_times: list[float | None] = field(default_factory=list)

    def add(self, metric: str, step: float, value: float, wall_time: float | None) -> None:
        """Append one observation."""
        self.metrics.append(metric)
        self.steps.append(step)
        self.values.append(value)
        self.wall_times.append(wall_time)

    def __len__(self) -> int:
        return len(self.metrics)

    def bad_step_issues(self, path: Path) -> list[Issue]:
        """:func:`bad_step_issues` of these observations."""
        return bad_step_issues(self.metrics, self.steps, path)


def bad_step_issues(metrics: Sequence[str], steps: Sequence[float], path: Path) -> list[Issue]:
    """The Issue naming how many points of which metrics :func:`build_points` drops for a
    NaN or infinite step (none when every step is finite)."""
    finite = np.isfinite(np.asarray(steps, dtype=np.float64))
    if finite.all():
        return []
    bad = sorted({metrics[int(i)] for i in np.flatnonzero(~finite)})
    shown = ", ".join(repr(name) for name in bad[:5]) + (
        f" and {len(bad) - 5} more" if len(bad) > 5 else ""
    )
    count = int((~finite).sum())
    return [Issue(path, f"{count} points with a NaN or infinite step dropped (metrics {shown})")]


def build_points(
    metrics: Sequence[str],
    steps: Sequence[float],
    values: Sequence[float],
    wall_times: Sequence[float | None],
) -> tuple[pl.DataFrame, bool]:
    """``POINTS`` from parallel sequences in write order, and whether a step went backwards."""
    frame = pl.DataFrame(
        {"metric": metrics, "step": steps, "value": values, "wall_time": wall_times},
        schema=dict(POINTS),
        strict=False,
    )
    return dedupe_points(frame)


def points_from(lists: PointLists) -> tuple[pl.DataFrame, bool]:
    """:func:`build_points` over a :class:`PointLists`."""
    return build_points(lists.metrics, lists.steps, lists.values, lists.wall_times)


def dedupe_points(frame: pl.DataFrame) -> tuple[pl.DataFrame, bool]:
    """Drop rows whose step is not finite, keep the last row per (metric, step) of a
    ``POINTS`` frame in write order, sorted."""
    if not frame.select(pl.col("step").is_finite().all()).item():
        frame = frame.filter(pl.col("step").is_finite())
    if frame.height < 2:
        return frame, False
    smallest = frame.select(pl.col("step").diff().over("metric").min()).item()
    if smallest is None or smallest > 0:  # steps rise within every metric: only group them
        return frame.sort("metric", maintain_order=True), False
    frame = frame.unique(subset=["metric", "step"], keep="last", maintain_order=True)
    return frame.sort(["metric", "step"], maintain_order=True), bool(smallest < 0)
