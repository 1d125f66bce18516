"""The ``compare`` report as plain data: per metric, runs, groups and group-vs-reference pairs.

Runs come in named groups (see :mod:`.grouping`); the first group is the reference and every
other group is compared against it. Per pair: the values of both groups (mean over runs of
each run's final, best or chosen-step value), their difference and ratio, the divergence
point and progression of the per-step mean curves, the group tests on the per-run values,
and, when both groups are single runs, the descriptive paired comparison over aligned steps.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from curvelens.core.analysis.direction import higher_is_better
from curvelens.core.analysis.effects import GroupTest, compare_groups
from curvelens.core.analysis.groups import (
    GroupSummary,
    ScalarAt,
    mean_by_step,
    run_values,
    summarize_group,
)
from curvelens.core.analysis.pairwise import (
    DEFAULT_CONSECUTIVE,
    DEFAULT_THRESHOLD,
    Divergence,
    PairedComparison,
    align,
    divergence,
    paired_comparison,
    progression,
)
from curvelens.core.analysis.summary import summarize
from curvelens.core.reports.health import (
    RunAnomaly,
    RunConvergence,
    RunOverfitting,
    find_anomalies,
    find_convergence,
    find_overfitting,
)
from curvelens.core.schema import RunData

_FINITE = pl.col("value").is_finite().fill_null(False)


@dataclass(frozen=True)
class Settings:
    """The knobs of the comparison, written into the report."""

    at: ScalarAt = "final"
    """Per-run value the group statistics and tests use: ``final``, ``best`` or a step."""
    threshold: float = DEFAULT_THRESHOLD
    """Divergence: relative gap ``|b/a - 1|`` that counts as apart."""
    consecutive: int = DEFAULT_CONSECUTIVE
    """Divergence: aligned points in a row that must be apart."""
    interpolate: bool = False
    """Align by interpolating b onto a's steps instead of keeping common steps only."""
    progression_rows: int = 10
    """Rows kept in each step-by-step progression table."""


@dataclass(frozen=True)
class RunResult:
    """One run on one metric: last finite value, best value, mean, std, non-finite count."""

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
class PairReport:
    """Group ``b`` against the reference group ``a`` on one metric."""

    a: str
    b: str
    a_value: float | None
    """Mean over ``a``'s runs of the per-run value (see :attr:`Settings.at`)."""
    b_value: float | None
    diff: float | None
    """``b_value - a_value``."""
    ratio: float | None
    """``b_value / a_value``; None when ``a_value`` is 0."""
    divergence: Divergence
    """Where the per-step mean curves separate."""
    progression: pl.DataFrame
    """``step, a, b, diff, ratio`` over the aligned mean curves (evenly spaced rows)."""
    group_test: GroupTest | None
    """Welch, Mann-Whitney, effect sizes of the per-run values; None without values."""
    paired: PairedComparison | None
    """Descriptive paired comparison over aligned steps, for two single runs only."""


@dataclass(frozen=True)
class MetricReport:
    """Everything the compare report says about one metric."""

    metric: str
    higher_is_better: bool
    runs: tuple[RunResult, ...]
    groups: tuple[GroupSummary, ...]
    """Per group (that logged the metric): mean, std, IQM and IQM interval of run values."""
    pairs: tuple[PairReport, ...]
    """Every other group against the reference, in group order."""
    convergence: tuple[RunConvergence, ...] = ()


@dataclass(frozen=True)
class CompareReport:
    """The whole report: grouping, settings, one section per metric and per-run health."""

    grouping: str
    """How runs were grouped (one line)."""
    groups: Mapping[str, tuple[str, ...]]
    """Group name -> run names; the first group is the reference."""
    settings: Settings
    metrics: tuple[MetricReport, ...]
    anomalies: tuple[RunAnomaly, ...] = ()
    overfitting: tuple[RunOverfitting, ...] = ()
    paths: Mapping[str, str] = field(default_factory=dict)
    """Run name -> its folder."""


def build_compare(
    groups: Mapping[str, Sequence[RunData]],
    grouping: str,
    metrics: re.Pattern[str] | None,
    rng: np.random.Generator,
    settings: Settings | None = None,
) -> CompareReport:
    """Compare the runs of ``groups`` (first = reference) on every metric matching ``metrics``."""
    from curvelens.core.loading import stack_points
    from curvelens.core.reports.names import display_names

    settings = settings or Settings()
    runs = [run for members in groups.values() for run in members]
    names = display_names(runs)
    by_name = {names[run.ref.id]: run for run in runs}
    members = {g: tuple(names[r.ref.id] for r in rs) for g, rs in groups.items()}
    points = stack_points(runs).with_columns(pl.col("run").replace_strict(names))
    wanted = sorted(set(points.get_column("metric").unique().to_list()))
    if metrics is not None:
        wanted = [m for m in wanted if metrics.search(m)]
    points = points.filter(pl.col("metric").is_in(wanted))
    context = _Context(points, members, settings, rng)
    sections = tuple(context.metric(m, find_convergence(by_name, m)) for m in wanted)
    return CompareReport(
        grouping=grouping,
        groups=members,
        settings=settings,
        metrics=sections,
        anomalies=tuple(find_anomalies(by_name, wanted)),
        overfitting=tuple(find_overfitting(by_name, wanted)),
        paths={name: str(run.ref.path) for name, run in by_name.items()},
    )


class _Context:
    """What every metric section needs: points, group members, settings and the rng."""

    def __init__(
        self,
        points: pl.DataFrame,
        members: Mapping[str, tuple[str, ...]],
        settings: Settings,
        rng: np.random.Generator,
    ) -> None:
        self.points = points
        self.members = members
        self.settings = settings
        self.rng = rng
        self.stats = summarize(points) if points.height else None
        self.finals = _finals(points)
        self.group_of = {r: g for g, runs in members.items() for r in runs}

    def metric(self, metric: str, converged: Sequence[RunConvergence]) -> MetricReport:
        """One metric's section."""
        higher = higher_is_better(metric)
        one = self.points.filter(pl.col("metric") == metric)
        runs = self._run_results(metric)
        have = {r.name for r in runs}
        present = {g: tuple(r for r in rs if r in have) for g, rs in self.members.items()}
        present = {g: rs for g, rs in present.items() if rs}
        values = run_values(one, self.settings.at, higher) if one.height else {}
        summaries = {
            g: summarize_group(g, {r: values.get(r, np.nan) for r in rs}, rng=self.rng)
            for g, rs in present.items()
        }
        pairs = []
        if len(present) >= 2:
            (ref, ref_runs), *others = present.items()
            pairs = [
                self._pair(one, (ref, ref_runs), (g, rs), summaries, values, higher)
                for g, rs in others
            ]
        return MetricReport(
            metric, higher, runs, tuple(summaries.values()), tuple(pairs), tuple(converged)
        )

    def _run_results(self, metric: str) -> tuple[RunResult, ...]:
        """Per-run lines of one metric, in group order."""
        finals = {
            r["run"]: (r["final"], r["final_step"])
            for r in self.finals.filter(pl.col("metric") == metric).iter_rows(named=True)
        }
        rows = {} if self.stats is None else {
            r["run"]: r for r in self.stats.filter(pl.col("metric") == metric).iter_rows(named=True)
        }  # fmt: skip
        order = [r for runs in self.members.values() for r in runs if r in rows]
        return tuple(
            _run_result(rows[r], self.group_of.get(r), finals.get(r, (None, None))) for r in order
        )

    def _pair(
        self,
        one: pl.DataFrame,
        a: tuple[str, tuple[str, ...]],
        b: tuple[str, tuple[str, ...]],
        summaries: Mapping[str, GroupSummary],
        values: Mapping[str, float],
        higher: bool,
    ) -> PairReport:
        """Group ``b`` against the reference ``a`` on one metric."""
        s = self.settings
        aligned = align(_mean_curve(one, a[1]), _mean_curve(one, b[1]), s.interpolate)
        a_value, b_value = summaries[a[0]].final_mean, summaries[b[0]].final_mean
        diff = ratio = None
        if a_value is not None and b_value is not None:
            diff = b_value - a_value
            ratio = b_value / a_value if a_value != 0 else None
        test = compare_groups(
            a[0],
            {r: values.get(r, np.nan) for r in a[1]},
            b[0],
            {r: values.get(r, np.nan) for r in b[1]},
            rng=self.rng,
            higher_is_better=higher,
        )
        single = len(a[1]) == 1 and len(b[1]) == 1
        return PairReport(
            a=a[0],
            b=b[0],
            a_value=a_value,
            b_value=b_value,
            diff=diff,
            ratio=ratio,
            divergence=divergence(
                aligned, a=a[0], b=b[0], threshold=s.threshold, consecutive=s.consecutive
            ),
            progression=progression(aligned, max_rows=s.progression_rows),
            group_test=test if test.n_a and test.n_b else None,
            paired=paired_comparison(aligned, rng=self.rng) if single else None,
        )


def _finals(points: pl.DataFrame) -> pl.DataFrame:
    """Per (run, metric): ``final_step`` and ``final``, the last finite point by step."""
    return (
        points.filter(_FINITE)
        .sort("step")
        .group_by("run", "metric")
        .agg(pl.col("step").last().alias("final_step"), pl.col("value").last().alias("final"))
    )


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


def _mean_curve(points: pl.DataFrame, runs: Sequence[str]) -> pl.DataFrame:
    """Per-step mean over a group's runs of the finite values (NaN where none is finite)."""
    return mean_by_step(points.filter(pl.col("run").is_in(list(runs))))
