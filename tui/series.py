"""Per-run, per-metric numpy arrays split once from the loaded points, plus a bounded cache
of smoothed series, so a redraw never touches polars or re-smooths a full series."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar, cast

import numpy as np
import polars as pl

#: Smoothed series kept in memory (each up to a full series of float64).
SMOOTH_CACHE_SIZE = 64
#: Memoised derived values (downsampled traces, summaries).
MEMO_SIZE = 512
T = TypeVar("T")
PER_RUN = frozenset({"visible", "trace", "raw", "sorted"})
"""Memo keys ``(kind, run_id, ...)`` derived from one run only (kept when another changes:
a poll that brings points to one run re-downsamples that run only)."""


@dataclass(frozen=True)
class Series:
    """One run's points of one metric, sorted by step."""

    step: np.ndarray
    """Training steps (float64)."""
    value: np.ndarray
    """Logged values; NaN and inf kept."""
    wall: np.ndarray
    """Unix seconds of each point; NaN where the format records no time."""

    @property
    def has_time(self) -> bool:
        """True when at least one point has a wall time."""
        return bool(self.wall.size) and bool(np.isfinite(self.wall).any())


def split_points(points: pl.DataFrame) -> dict[str, Series]:
    """Split a ``POINTS`` frame into one :class:`Series` per metric (runs in a worker thread).

    Readers return points sorted by metric then step, so each metric is one contiguous slice
    of three numpy arrays (a polars call per metric cost as much as reading the log).
    """
    if points.height == 0:
        return {}
    names, ends = _metric_runs(points)
    if len(set(names)) != len(names) or not _ascending_within(points, ends):
        points = points.sort("metric", "step", maintain_order=True)
        names, ends = _metric_runs(points)
    step = points.get_column("step").to_numpy()
    value = points.get_column("value").to_numpy()
    wall = points.get_column("wall_time").fill_null(float("nan")).to_numpy()
    starts = np.concatenate(([0], ends[:-1]))
    return {
        str(name): Series(step=step[lo:hi], value=value[lo:hi], wall=wall[lo:hi])
        for name, lo, hi in zip(names, starts, ends, strict=True)
    }


def _metric_runs(points: pl.DataFrame) -> tuple[list[str], np.ndarray]:
    """Names and end offsets of the runs of equal metric names, in row order."""
    runs = points.get_column("metric").rle()
    lengths = runs.struct.field("len").to_numpy().astype(np.int64)
    return runs.struct.field("value").to_list(), np.cumsum(lengths)


def _ascending_within(points: pl.DataFrame, ends: np.ndarray) -> bool:
    """True when steps never go down inside one run of a metric's rows."""
    descending = np.diff(points.get_column("step").to_numpy()) < 0
    descending[ends[:-1] - 1] = False  # where the next metric starts
    return not bool(descending.any())


class SeriesStore:
    """Series of every loaded run, and the smoothed versions asked for so far."""

    def __init__(self) -> None:
        self._runs: dict[str, dict[str, Series]] = {}
        self._smoothed: OrderedDict[tuple[str, str, float, str], np.ndarray] = OrderedDict()
        self._memo: OrderedDict[tuple[object, ...], Any] = OrderedDict()
        self.generation = 0
        """Bumped whenever a run is added: results computed before belong to older data."""

    def add(self, run_id: str, series: dict[str, Series]) -> None:
        """Store (or replace) one run's series and forget what was derived from it: its
        smoothed versions and memoised traces, and every memo over several runs."""
        self._runs[run_id] = series
        self.generation += 1
        for key in [k for k in self._smoothed if k[0] == run_id]:
            del self._smoothed[key]
        for memo_key in [k for k in self._memo if k[0] not in PER_RUN or k[1] == run_id]:
            del self._memo[memo_key]

    def memo(self, key: tuple[object, ...], compute: Callable[[], T]) -> T:
        """``compute()`` cached under ``key`` (bounded LRU; cleared when runs change), for
        downsampled traces and summaries that a redraw would otherwise recompute."""
        if key in self._memo:
            self._memo.move_to_end(key)
            return cast(T, self._memo[key])
        value = compute()
        self._memo[key] = value
        if len(self._memo) > MEMO_SIZE:
            self._memo.popitem(last=False)
        return value

    def cached(self, key: tuple[object, ...]) -> Any:
        """The value memoised under ``key``, or None."""
        return self._memo.get(key)

    def remember(self, key: tuple[object, ...], value: object) -> None:
        """Memoise ``value`` (computed elsewhere, e.g. by a worker) under ``key``."""
        self.memo(key, lambda: value)

    def get(self, run_id: str, metric: str) -> Series | None:
        """The series of ``metric`` in ``run_id``, or None when the run did not log it."""
        return self._runs.get(run_id, {}).get(metric)

    def metrics(self, run_ids: list[str] | None = None) -> list[str]:
        """Sorted union of the metrics of ``run_ids`` (all runs when None)."""
        ids = self._runs if run_ids is None else run_ids
        names: set[str] = set()
        for run_id in ids:
            names.update(self._runs.get(run_id, {}))
        return sorted(names)

    def smoothed(self, run_id: str, metric: str, weight: float, kind: str = "ema") -> np.ndarray:
        """Smoothed FULL series (before any range cut or downsampling), cached: ``ema`` is
        TensorBoard's debiased EMA, ``time-ema`` the one whose decay follows step gaps."""
        key = (run_id, metric, round(weight, 3), kind)
        cached = self._smoothed.get(key)
        if cached is not None:
            self._smoothed.move_to_end(key)
            return cached
        from curvelens.core.analysis.smoothing import ema, time_weighted_ema

        series = self.get(run_id, metric)
        if series is None:
            values = np.empty(0)
        elif kind == "time-ema":
            values = time_weighted_ema(series.value, series.step, key[2])
        else:
            values = ema(series.value, key[2])
        self._smoothed[key] = values
        if len(self._smoothed) > SMOOTH_CACHE_SIZE:
            self._smoothed.popitem(last=False)
        return values

    def run_metrics(self, run_id: str) -> set[str]:
        """The metrics ``run_id`` logged."""
        return set(self._runs.get(run_id, {}))
