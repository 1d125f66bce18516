"""Comparison rows, seed groups and group bands of the plotted runs, computed without any UI
from plain arrays so a thread worker can run them; results are plain frozen dataclasses."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import polars as pl

from curvelens.core.analysis.pairwise import DEFAULT_CONSECUTIVE, DEFAULT_THRESHOLD

DIVERGENCE_RULE = (
    f"diverges: |run/base - 1| > {DEFAULT_THRESHOLD:g} "
    f"for {DEFAULT_CONSECUTIVE} consecutive common steps"
)
"""The divergence rule, shown in the UI (core.analysis.pairwise defaults)."""
BOOTSTRAP_SEED = 0
"""Seed of the bootstrap intervals, so the numbers do not change from one redraw to the next."""


@dataclass(frozen=True)
class RunInput:
    """One plotted run's visible points of the current metric (values smoothed if on)."""

    run_id: str
    step: np.ndarray
    value: np.ndarray


@dataclass(frozen=True)
class AnalysisInput:
    """Everything the comparison needs, copied off the UI state."""

    key: tuple[object, ...]
    """Identifies the view the result belongs to (stale results are dropped)."""
    metric: str
    runs: tuple[RunInput, ...]
    reference: str | None
    """The baseline run id (or the first plotted run)."""
    params: Mapping[str, Mapping[str, str]]
    """Params of each run, for seed grouping."""
    bands: bool = False
    """Also compute the per-group mean and std curves."""
    buckets: int = 200
    """Points per band curve."""


@dataclass(frozen=True)
class RunVsBase:
    """One run's final and best value against the reference run."""

    run_id: str
    last: float | None
    """Last finite visible value."""
    best: float | None
    """Best visible value by the metric's direction."""
    last_diff: float | None
    last_ratio: float | None
    best_diff: float | None
    best_ratio: float | None
    divergence: float | None
    """First step where the run separates from the reference (see :data:`DIVERGENCE_RULE`)."""


@dataclass(frozen=True)
class GroupRow:
    """One seed group's final values over its runs."""

    name: str
    runs: tuple[str, ...]
    n: int
    """Runs with a finite final value."""
    mean: float | None
    std: float | None
    iqm: float | None
    iqm_ci: tuple[float, float] | None
    """Stratified percentile bootstrap interval of the IQM."""


@dataclass(frozen=True)
class GroupPair:
    """Group ``b`` against the reference group ``a`` on the runs' final values."""

    a: str
    b: str
    welch_p: float | None
    hedges_g: float | None
    prob_improvement: float | None
    """P(a run of b beats a run of a), using the metric's direction."""


@dataclass(frozen=True)
class Band:
    """One group's mean curve and mean +- std edges, downsampled for the plot."""

    group: str
    x: list[float]
    mean: list[float]
    low: list[float]
    high: list[float]


@dataclass(frozen=True)
class Comparison:
    """The comparison rows of one view."""

    key: tuple[object, ...]
    metric: str
    reference: str | None
    runs: tuple[RunVsBase, ...] = ()
    groups: tuple[GroupRow, ...] = ()
    pair: GroupPair | None = None
    bands: tuple[Band, ...] = ()
    seconds: float = 0.0
    """Time the computation took."""

    def divergence_of(self, run_id: str) -> float | None:
        """Divergence step of ``run_id`` from the reference, or None."""
        return next((r.divergence for r in self.runs if r.run_id == run_id), None)


def _frame(run: RunInput) -> pl.DataFrame:
    """``step, value`` of one run."""
    return pl.DataFrame({"step": run.step, "value": run.value}, schema=_SCHEMA)


_SCHEMA = {"step": pl.Float64, "value": pl.Float64}


def _best(values: np.ndarray, up: bool) -> float | None:
    """The best finite value, or None."""
    finite = values[np.isfinite(values)]
    if not finite.size:
        return None
    return float(finite.max() if up else finite.min())


def _vs(value: float | None, base: float | None) -> tuple[float | None, float | None]:
    """(difference, ratio) of ``value`` against ``base``; ratio None when base is 0."""
    if value is None or base is None:
        return None, None
    return value - base, (value / base if base != 0 else None)


def run_rows(inp: AnalysisInput, up: bool) -> tuple[RunVsBase, ...]:
    """Final/best against the reference and the divergence step, per run."""
    from curvelens.core.analysis.pairwise import align, divergence, final_values

    ref = next((r for r in inp.runs if r.run_id == inp.reference), None)
    if ref is None:
        return ()
    ref_frame, ref_best = _frame(ref), _best(ref.value, up)
    out = []
    for run in inp.runs:
        frame = _frame(run)
        final = final_values(ref_frame, frame)
        best = _best(run.value, up)
        div = None
        if run is not ref:
            div = divergence(align(ref_frame, frame), a=ref.run_id, b=run.run_id).step
        last_diff, last_ratio = (None, None) if run is ref else (final.diff, final.ratio)
        best_diff, best_ratio = (None, None) if run is ref else _vs(best, ref_best)
        out.append(
            RunVsBase(
                run.run_id, final.b_value, best, last_diff, last_ratio, best_diff, best_ratio, div
            )
        )
    return tuple(out)


def seed_groups(inp: AnalysisInput) -> dict[str, list[str]]:
    """Seed groups of the plotted runs, or {} when no group has two runs."""
    from curvelens.core.analysis.groups import group_runs

    ids = [r.run_id for r in inp.runs]
    groups = group_runs({i: inp.params.get(i, {}) for i in ids})
    return groups if any(len(members) > 1 for members in groups.values()) else {}


def _points(inp: AnalysisInput) -> pl.DataFrame:
    """The runs' points as a ``RUN_POINTS``-like frame of the current metric."""
    frames = [_frame(r).with_columns(pl.lit(r.run_id).alias("run")) for r in inp.runs]
    frame = pl.concat(frames) if frames else pl.DataFrame(schema={**_SCHEMA, "run": pl.String})
    return frame.with_columns(pl.lit(inp.metric).alias("metric"))


def group_rows(
    inp: AnalysisInput, groups: dict[str, list[str]], up: bool
) -> tuple[tuple[GroupRow, ...], GroupPair | None]:
    """Final mean, std and IQM per group; Welch p, Hedges' g and P(improvement) for two."""
    from curvelens.core.analysis.effects import compare_groups
    from curvelens.core.analysis.groups import run_values, summarize_group

    finals = run_values(_points(inp), "final", up)
    values = {name: {i: finals[i] for i in ids if i in finals} for name, ids in groups.items()}
    rows = []
    for name, ids in groups.items():
        s = summarize_group(name, values[name], rng=np.random.default_rng(BOOTSTRAP_SEED))
        rows.append(GroupRow(name, tuple(ids), s.n, s.final_mean, s.final_std, s.iqm, s.iqm_ci))
    if len(groups) != 2:
        return tuple(rows), None
    names = list(groups)
    if inp.reference in groups[names[1]]:
        names.reverse()
    a, b = names
    test = compare_groups(
        a, values[a], b, values[b], rng=np.random.default_rng(BOOTSTRAP_SEED), higher_is_better=up
    )
    return tuple(rows), GroupPair(a, b, test.welch_p, test.hedges_g, test.prob_improvement)


def _down(x: np.ndarray, y: np.ndarray, buckets: int) -> tuple[np.ndarray, np.ndarray]:
    """Evenly spaced points of a smooth curve (band edges need no min/max downsampling)."""
    if x.size <= buckets:
        return x, y
    index = np.unique(np.linspace(0, x.size - 1, buckets).round().astype(int))
    return x[index], y[index]


def group_bands(inp: AnalysisInput, groups: dict[str, list[str]]) -> tuple[Band, ...]:
    """Mean and mean +- std per step of each group, downsampled to ``inp.buckets`` points."""
    from curvelens.core.analysis.groups import group_curves

    curves = group_curves(_points(inp), groups, inp.metric)
    out = []
    for name in groups:
        part = curves.filter(pl.col("group") == name)
        std = part.get_column("std").fill_null(0.0).to_numpy()
        mean = part.get_column("mean").to_numpy()
        x = part.get_column("step").to_numpy()
        lines = [_down(x, y, inp.buckets) for y in (mean, mean - std, mean + std)]
        xs = lines[0][0].tolist()
        out.append(Band(name, xs, *(line[1].tolist() for line in lines)))
    return tuple(out)


def compare(inp: AnalysisInput) -> Comparison:
    """Every comparison of one view (runs in a thread worker; scipy is imported here)."""
    from curvelens.core.analysis.direction import higher_is_better

    start = time.perf_counter()
    up = higher_is_better(inp.metric)
    runs = run_rows(inp, up) if len(inp.runs) >= 2 else ()
    groups = seed_groups(inp) if len(inp.runs) >= 2 else {}
    rows, pair = group_rows(inp, groups, up) if groups else ((), None)
    bands = group_bands(inp, groups) if groups and inp.bands else ()
    seconds = time.perf_counter() - start
    return Comparison(inp.key, inp.metric, inp.reference, runs, rows, pair, bands, seconds)


@dataclass(frozen=True)
class Found:
    """One anomaly of one run's metric, for the anomalies list."""

    run_id: str
    metric: str
    step: float
    value: float
    kind: str
    """One of ``core.analysis.anomalies.KINDS`` (``nonfinite`` marks NaN/inf stretches)."""
    score: float


SeriesMap = Mapping[tuple[str, str], tuple[np.ndarray, np.ndarray]]
"""(run id, metric) -> (steps, raw values)."""


def find_anomalies(series: SeriesMap, metric: str | None) -> list[Found]:
    """Anomalies of every given series: the current ``metric`` first, then by step."""
    from curvelens.core.analysis.anomalies import detect

    found = [
        Found(run_id, a.metric, a.step, a.value, a.kind, a.score)
        for (run_id, name), (steps, values) in series.items()
        for a in detect(name, steps, values)
    ]
    return sorted(found, key=lambda f: (f.metric != metric, f.metric, f.step, f.run_id))
