"""The ``compare`` report as plain data: finals, divergence, progression, groups, tests.

Runs come in named groups (one per PATH, or per value of ``--group-by``). Group ``a`` (the
first) is the reference and group ``b`` (the second) is compared against it: divergence and
progression use the per-step mean curve of each group, the group test uses one final value
per run. Later groups appear in the per-run and per-group tables only.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

from curvelens.core.analysis.bootstrap import bootstrap, iqm, iqm_rows, percentile_interval
from curvelens.core.analysis.direction import higher_is_better
from curvelens.core.analysis.effects import GroupTest, compare_groups
from curvelens.core.analysis.pairwise import Divergence, align, divergence, progression
from curvelens.core.analysis.summary import summarize
from curvelens.core.schema import RunData

#: Rows kept in each step-by-step progression table.
PROGRESSION_ROWS = 10
_FINITE = pl.col("value").is_finite().fill_null(False)


@dataclass(frozen=True)
class RunResult:
    """One run on one metric: its last finite value and its best value."""

    name: str
    group: str | None
    final: float | None
    """Last finite value (by step); None when the run has none."""
    final_step: float | None
    best: float | None
    """Best finite value in the metric's direction."""
    best_step: float | None
    mean: float | None
    std: float | None
    nan_count: int


@dataclass(frozen=True)
class GroupResult:
    """The final values of one group's runs: mean, std, IQM and its bootstrap interval."""

    name: str
    runs: tuple[str, ...]
    final_mean: float | None
    final_std: float | None
    """Sample std (ddof=1); None with fewer than two finite finals."""
    iqm: float | None
    iqm_ci: tuple[float, float] | None
    """95 % percentile bootstrap interval of the IQM of finals."""


@dataclass(frozen=True)
class MetricReport:
    """Everything the compare report says about one metric."""

    metric: str
    higher_is_better: bool
    runs: tuple[RunResult, ...]
    groups: tuple[GroupResult, ...]
    divergence: Divergence | None
    """Where the mean curves of groups a and b separate; None with fewer than two groups."""
    progression: pl.DataFrame | None
    """``step, a, b, diff, ratio`` over the aligned mean curves of groups a and b."""
    group_test: GroupTest | None
    """Welch, Mann-Whitney and effect sizes of the finals of groups b against a."""


@dataclass(frozen=True)
class CompareReport:
    """The whole report: groups (name -> run names) and one section per metric."""

    groups: Mapping[str, tuple[str, ...]]
    metrics: tuple[MetricReport, ...]


def display_names(runs: Sequence[RunData]) -> dict[str, str]:
    """Run id -> the name shown: the folder name, or the id when names collide."""
    names = [run.ref.name for run in runs]
    return {
        run.ref.id: run.ref.name if names.count(run.ref.name) == 1 else run.ref.id for run in runs
    }


def build_compare(
    groups: Mapping[str, Sequence[RunData]],
    metrics: re.Pattern[str] | None,
    rng: np.random.Generator,
) -> CompareReport:
    """Compare the runs of ``groups`` (first = reference) on every metric they share."""
    from curvelens.core.loading import stack_points

    runs = [run for members in groups.values() for run in members]
    names = display_names(runs)
    group_of = {names[run.ref.id]: g for g, members in groups.items() for run in members}
    points = stack_points(runs).with_columns(pl.col("run").replace_strict(names))
    wanted = sorted(set(points.get_column("metric").unique().to_list()))
    if metrics is not None:
        wanted = [m for m in wanted if metrics.search(m)]
    points = points.filter(pl.col("metric").is_in(wanted))
    stats = summarize(points) if points.height else None
    finals = _finals(points)
    members = {g: tuple(names[r.ref.id] for r in rs) for g, rs in groups.items()}
    sections = [_metric_report(m, points, stats, finals, members, group_of, rng) for m in wanted]
    return CompareReport(groups=members, metrics=tuple(sections))


def _finals(points: pl.DataFrame) -> pl.DataFrame:
    """Per (run, metric): ``final_step`` and ``final``, the last finite point by step."""
    return (
        points.filter(_FINITE)
        .sort("step")
        .group_by("run", "metric")
        .agg(pl.col("step").last().alias("final_step"), pl.col("value").last().alias("final"))
    )


def _metric_report(
    metric: str,
    points: pl.DataFrame,
    stats: pl.DataFrame | None,
    finals: pl.DataFrame,
    members: Mapping[str, tuple[str, ...]],
    group_of: Mapping[str, str],
    rng: np.random.Generator,
) -> MetricReport:
    """One metric's section: per-run results, group summaries, divergence and test."""
    higher = higher_is_better(metric)
    one = points.filter(pl.col("metric") == metric)
    final_of = {
        r["run"]: (r["final"], r["final_step"])
        for r in finals.filter(pl.col("metric") == metric).iter_rows(named=True)
    }
    rows = stats.filter(pl.col("metric") == metric) if stats is not None else None
    results = tuple(
        _run_result(r, group_of.get(r["run"]), final_of.get(r["run"], (None, None)))
        for r in (rows.iter_rows(named=True) if rows is not None else [])
    )
    have = {x.name for x in results}
    present = {g: tuple(r for r in runs if r in have) for g, runs in members.items()}
    present = {g: runs for g, runs in present.items() if runs}
    group_results = tuple(
        _group_result(g, runs, [final_of[r][0] for r in runs if r in final_of], rng)
        for g, runs in present.items()
    )
    div = prog = test = None
    if len(present) >= 2:
        (a, a_runs), (b, b_runs) = list(present.items())[:2]
        aligned = align(_mean_curve(one, a_runs), _mean_curve(one, b_runs))
        div = divergence(aligned, a=a, b=b)
        prog = progression(aligned, max_rows=PROGRESSION_ROWS)
        test = _group_test(a, a_runs, b, b_runs, final_of, higher, rng)
    return MetricReport(metric, higher, results, group_results, div, prog, test)


def _run_result(
    row: Mapping[str, object], group: str | None, final: tuple[float | None, float | None]
) -> RunResult:
    """A run's line of the metric table from its summarize row and final point."""

    def num(key: str) -> float | None:
        value = row[key]
        return None if value is None else float(value)  # type: ignore[arg-type]

    nan_count = row["nan_count"]
    return RunResult(
        name=str(row["run"]),
        group=group,
        final=final[0],
        final_step=final[1],
        best=num("best"),
        best_step=num("best_step"),
        mean=num("mean"),
        std=num("std"),
        nan_count=int(nan_count) if isinstance(nan_count, int) else 0,
    )


def _group_result(
    name: str, runs: tuple[str, ...], finals: list[float | None], rng: np.random.Generator
) -> GroupResult:
    """Mean, std, IQM and IQM interval of a group's finite final values."""
    values = np.array([v for v in finals if v is not None], dtype=np.float64)
    if values.size == 0:
        return GroupResult(name, runs, None, None, None, None)
    low, high = percentile_interval(bootstrap(values, iqm_rows, rng))
    return GroupResult(
        name=name,
        runs=runs,
        final_mean=float(values.mean()),
        final_std=float(values.std(ddof=1)) if values.size >= 2 else None,
        iqm=iqm(values),
        iqm_ci=(low, high),
    )


def _mean_curve(points: pl.DataFrame, runs: Sequence[str]) -> pl.DataFrame:
    """Per-step mean over a group's runs of the finite values (NaN where none is finite)."""
    mine = points.filter(pl.col("run").is_in(list(runs)))
    return (
        mine.group_by("step")
        .agg(
            pl.when(_FINITE.any())
            .then(pl.col("value").filter(_FINITE).mean())
            .otherwise(float("nan"))
            .alias("value")
        )
        .sort("step")
    )


def _group_test(
    a: str,
    a_runs: Sequence[str],
    b: str,
    b_runs: Sequence[str],
    final_of: Mapping[str, tuple[float | None, float | None]],
    higher: bool,
    rng: np.random.Generator,
) -> GroupTest | None:
    """Welch, Mann-Whitney and effect sizes of finals, b against a; None without data."""
    a_vals = _finite_finals(a_runs, final_of)
    b_vals = _finite_finals(b_runs, final_of)
    if not a_vals or not b_vals:
        return None
    return compare_groups(a, a_vals, b, b_vals, rng=rng, higher_is_better=higher)


def _finite_finals(
    runs: Sequence[str], final_of: Mapping[str, tuple[float | None, float | None]]
) -> dict[str, float]:
    """Run name -> final value, for the runs that have one."""
    out = {}
    for run in runs:
        value = final_of.get(run, (None, None))[0]
        if value is not None:
            out[run] = value
    return out
