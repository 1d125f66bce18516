"""The comparison model: frozen dataclasses both front ends show (nothing here computes).

Signed quantities are ``b - a`` with ``a`` the reference group. ``None`` means undefined; the
reason is in the nearest ``notes``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import polars as pl

from curvelens.core.comparison.options import CompareOptions

DirectionFrom = Literal["name", "trend", "option"]
Interval = tuple[float, float]


@dataclass(frozen=True)
class Direction:
    """Whether a metric improves upward, and where that came from."""

    higher_is_better: bool
    source: DirectionFrom
    """``name`` (table of known names), ``trend`` (the curves' own trend) or ``option``."""
    reason: str
    """One line: the token, the trend rule's numbers or the option that decided."""


@dataclass(frozen=True)
class RunValue:
    """One run on one metric."""

    run: str
    """Display name."""
    run_id: str
    group: str
    value: float | None
    """The compared value (see :attr:`MetricComparison.step`); None when the run has none
    there or diverged."""
    last: float | None
    """Last finite value."""
    last_step: float | None
    """Step of the last finite value."""
    diverged_step: float | None
    """First step from which the value stays NaN/inf, or where it exploded (see
    ``diverged_reason``)."""
    diverged_reason: str | None
    best: float | None
    best_step: float | None
    mean: float | None
    std: float | None
    nan_count: int


@dataclass(frozen=True)
class GroupStats:
    """One group's compared values."""

    name: str
    key: str
    """What the group's runs share: ``lr=0.1, model=rope`` or ``name: base_seed*``."""
    runs: tuple[str, ...]
    n: int
    """Runs of the group that logged the metric."""
    diverged: int
    """Of those, how many diverged (failures, never scored)."""
    n_used: int
    """Runs with a compared value (not diverged, have a value at the step)."""
    mean: float | None
    std: float | None
    iqm: float | None
    iqm_ci: Interval | None
    ci_method: str
    """How ``iqm_ci`` was computed (``percentile``/``bca`` bootstrap)."""
    ci_reliable: bool
    """False where the measured coverage of this interval at this n is poor (README)."""
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Power:
    """What the current numbers of seeds can detect (two-sided Welch/t-test, alpha 0.05)."""

    n_a: int
    n_b: int
    detectable_g: float | None
    """Smallest standardized effect with 80 % power at these n."""
    seeds_needed: int | None
    """Seeds per group to detect the observed effect with 80 % power (None when undefined
    or more than 1000)."""


@dataclass(frozen=True)
class GroupTest:
    """Group ``b`` against the reference ``a`` on the runs' compared values."""

    a: str
    b: str
    n_a: int
    n_b: int
    mean_diff: float | None
    mean_diff_ci: Interval | None
    """Welch t interval of ``mean(b) - mean(a)``."""
    welch_t: float | None
    welch_df: float | None
    welch_p: float | None
    p_holm: float | None
    """Holm-adjusted ``welch_p`` across the tested metrics of this pair."""
    mannwhitney_u: float | None
    mannwhitney_p: float | None
    """Exact (permutation, ties kept) two-sided p of U."""
    permutation_p: float | None
    """Exact (or Monte Carlo) two-sided permutation p of the mean difference."""
    permutation_exact: bool
    cohens_d: float | None
    hedges_g: float | None
    hedges_g_ci: Interval | None
    """Noncentral-t interval of g."""
    iqm_diff: float | None
    iqm_diff_ci: Interval | None
    prob_improvement: float | None
    """P(a run of b beats a run of a) + 0.5 P(tie), direction aware (rliable)."""
    prob_improvement_ci: Interval | None
    ci_method: str
    ci_reliable: bool
    power: Power | None
    higher_is_better: bool
    level: float
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class DivergencePoint:
    """Where two curves (group means or two runs) part beyond their noise."""

    a: str
    b: str
    step: float | None
    """First step of ``persist`` aligned points in a row beyond the noise; None otherwise."""
    sign: int
    """+1 when b is above a there, -1 below, 0 when no point was found."""
    gap: float | None
    """``b - a`` at ``step`` (smoothed for two runs)."""
    noise: float | None
    """The noise the gap was compared with at ``step``."""
    aligned: int
    """Aligned grid points used."""
    persist: int
    status: Literal["found", "none", "not enough aligned steps"]
    rule: str
    """One line: how the gap and the noise were measured."""


@dataclass(frozen=True)
class Paired:
    """Two single runs: paired differences over aligned steps. DESCRIPTIVE ONLY."""

    n: int
    mean_diff: float | None
    mean_diff_ci: Interval | None
    """Moving-block bootstrap percentile interval (the points are autocorrelated)."""
    block: int | None
    wilcoxon_stat: float | None
    wilcoxon_p: float | None
    level: float
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, eq=False)
class PairComparison:
    """Group ``b`` against the reference ``a`` on one metric."""

    a: str
    b: str
    a_value: float | None
    """Mean of ``a``'s compared values."""
    b_value: float | None
    diff: float | None
    ratio: float | None
    divergence: DivergencePoint
    progression: pl.DataFrame
    """``step, a, b, diff, ratio`` of the aligned (mean) curves, evenly spaced rows."""
    test: GroupTest | None
    """None when a group has fewer than 2 runs with a value (said in ``notes``)."""
    paired: Paired | None
    """Only for two single runs."""
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Anomaly:
    """One suspicious point of one run's metric."""

    run: str
    metric: str
    step: float
    value: float
    kind: str
    score: float
    reason: str


@dataclass(frozen=True)
class Overfit:
    """Eval trend against train trend over the last evals of one run."""

    run: str
    train_metric: str
    eval_metric: str
    evals: int
    """Eval points in the end window."""
    span: float | None
    """Steps the end window covers."""
    eval_slope: float | None
    eval_slope_ci: Interval | None
    train_slope: float | None
    train_slope_ci: Interval | None
    best_step: float | None
    best_value: float | None
    last_value: float | None
    regression: float | None
    """How far the last eval value is from the best, the bad way (descriptive)."""
    train_improvement: float | None
    """How far the smoothed train value improved since the best eval step (descriptive)."""
    gap_last: float | None
    """Last eval value minus the smoothed train value before it."""
    gap_change: float | None
    """``gap_last`` minus the gap at the best eval step."""
    verdict: str
    """``overfitting`` (eval worsening while train improves), ``eval_worsening``, ``ok`` or
    ``insufficient``."""


@dataclass(frozen=True)
class Settled:
    """Whether one run's metric settled."""

    run: str
    metric: str
    verdict: str
    """``converged`` or ``not settled`` or ``insufficient``."""
    settled_step: float | None
    final: float | None
    slope: float | None
    slope_ci: Interval | None
    points: int
    """Finite points used."""
    band: float
    """Half-width of the band around ``final``."""
    slope_window: tuple[float, float] | None
    """(first step, span) of the end window the slope is fitted on."""
    plateau: bool
    converged: bool


@dataclass(frozen=True)
class MetricComparison:
    """Everything compared on one metric."""

    metric: str
    direction: Direction
    performance: bool
    """Measures performance (tested by default); False for lr, counters, timers, throughput."""
    kind: str
    """``performance``, ``schedule``, ``counter``, ``timer``, ``throughput``, ``diagnostic``."""
    at: str
    """``common``, ``last``, ``best`` or ``step``."""
    step: float | None
    """The compared step (None for ``last``, or when no run has a value)."""
    runs: tuple[RunValue, ...]
    groups: tuple[GroupStats, ...]
    pairs: tuple[PairComparison, ...]
    convergence: tuple[Settled, ...] = ()
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Aggregate:
    """rliable-style aggregate of group ``b`` vs ``a`` over one family of metrics."""

    family: str
    metrics: tuple[str, ...]
    a: str
    b: str
    iqm_a: float | None
    iqm_b: float | None
    """IQM of the values normalised per metric (see README METHODS), pooled over metrics."""
    iqm_diff_ci: Interval | None
    prob_improvement: float | None
    """Mean over metrics of P(b beats a)."""
    prob_improvement_ci: Interval | None
    reliable: bool
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Comparison:
    """The whole comparison; built by :func:`~curvelens.core.comparison.build_comparison`."""

    options: CompareOptions
    grouping: str
    """How runs were grouped (one line)."""
    groups: Mapping[str, tuple[str, ...]]
    """Group name -> display names of its runs; the first group is the reference."""
    group_keys: Mapping[str, str]
    run_ids: Mapping[str, str]
    """Display name -> run id."""
    metrics: tuple[MetricComparison, ...]
    aggregates: tuple[Aggregate, ...] = ()
    anomalies: tuple[Anomaly, ...] = ()
    overfitting: tuple[Overfit, ...] = ()
    headline: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    """Policies and caveats that apply to the whole comparison."""
    paths: Mapping[str, str] = field(default_factory=dict)

    @property
    def reference(self) -> str | None:
        """The reference group's name."""
        return next(iter(self.groups), None)

    def metric(self, name: str) -> MetricComparison | None:
        """The comparison of one metric, if it is in the comparison."""
        return next((m for m in self.metrics if m.metric == name), None)
