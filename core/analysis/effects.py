"""Compare two groups of runs (seeds) on one scalar per run: tests, effect sizes, intervals.

Convention: group ``b`` is compared against group ``a`` (the baseline), so every signed
quantity is ``b - a`` (mean difference, Welch t, Cohen's d, Hedges' g) and the probability
of improvement is P(a run of b beats a run of a), using the metric's direction.
Undefined statistics (n = 1, zero variance) are ``None`` with a reason in ``notes``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from curvelens.core.analysis.bootstrap import (
    DEFAULT_REPS,
    iqm,
    iqm_rows,
    percentile_interval,
    stratified_bootstrap,
)

#: Per-run scalars: run id -> value (names appear in notes), or a plain array of values.
Scores = Mapping[str, float] | Sequence[float] | np.ndarray


@dataclass(frozen=True)
class GroupTest:
    """Two-group comparison of one scalar per run (final, best or chosen-step value)."""

    a: str
    """Baseline group name."""
    b: str
    """Compared group name; signed results are ``b - a``."""
    n_a: int
    """Runs of ``a`` with a finite value (the ones used)."""
    n_b: int
    """Runs of ``b`` with a finite value (the ones used)."""
    mean_diff: float | None
    """``mean(b) - mean(a)``."""
    mean_diff_ci: tuple[float, float] | None
    """Stratified percentile bootstrap interval of ``mean_diff`` (needs n >= 2 per group)."""
    iqm_diff: float | None
    """``iqm(b) - iqm(a)`` (rliable's interquartile mean per group)."""
    iqm_diff_ci: tuple[float, float] | None
    """Stratified percentile bootstrap interval of ``iqm_diff`` (needs n >= 2 per group)."""
    welch_t: float | None
    """Welch's t statistic for ``b - a`` (unequal variances)."""
    welch_df: float | None
    """Welch-Satterthwaite degrees of freedom."""
    welch_p: float | None
    """Two-sided p-value of Welch's t-test."""
    mannwhitney_u: float | None
    """Mann-Whitney U of ``b`` (number of pairs where b > a, ties count 1/2)."""
    mannwhitney_p: float | None
    """Two-sided p-value of the Mann-Whitney U test."""
    cohens_d: float | None
    """``(mean(b) - mean(a)) / pooled std`` (pooled with ddof=1)."""
    hedges_g: float | None
    """Cohen's d times the exact small-sample correction J(df), df = n_a + n_b - 2."""
    hedges_g_ci: tuple[float, float] | None
    """Analytic normal interval ``g +- z * se``, se from Hedges & Olkin (1985)."""
    prob_improvement: float | None
    """P(b beats a) + 0.5 P(tie) over all run pairs, direction aware."""
    higher_is_better: bool
    """Direction used by ``prob_improvement``."""
    level: float
    """Confidence level of the intervals."""
    notes: tuple[str, ...] = ()
    """Why a statistic is missing, and which runs were left out (non-finite values)."""

    def report_dict(self) -> dict[str, object]:
        """The ``group_test`` object of the compare report's JSON."""
        return {
            "a": self.a,
            "b": self.b,
            "welch_t": self.welch_t,
            "welch_p": self.welch_p,
            "mannwhitney_u": self.mannwhitney_u,
            "mannwhitney_p": self.mannwhitney_p,
            "hedges_g": self.hedges_g,
            "prob_improvement": self.prob_improvement,
        }


def finite_values(values: Scores) -> tuple[np.ndarray, list[str]]:
    """The finite values of ``values`` and the names (or indices) of the ones dropped."""
    if isinstance(values, Mapping):
        names = [str(k) for k in values]
        raw = np.asarray([float(v) for v in values.values()], dtype=np.float64)
    else:
        raw = np.asarray(values, dtype=np.float64).ravel()
        names = [f"#{i}" for i in range(raw.size)]
    keep = np.isfinite(raw)
    return raw[keep], [name for name, ok in zip(names, keep, strict=True) if not ok]


def probability_of_improvement(
    a: np.ndarray, b: np.ndarray, higher_is_better: bool = True
) -> float:
    """P(b > a) + 0.5 P(b == a) over all pairs (``<`` when lower is better); NaN if empty."""
    x = np.asarray(b, dtype=np.float64)[:, None]
    y = np.asarray(a, dtype=np.float64)[None, :]
    if x.size == 0 or y.size == 0:
        return float("nan")
    wins = (x > y) if higher_is_better else (x < y)
    return float(np.mean(wins + 0.5 * (x == y)))


def pooled_std(a: np.ndarray, b: np.ndarray) -> float:
    """Pooled standard deviation (ddof=1 in each group); NaN when df < 1."""
    df = a.size + b.size - 2
    if a.size < 1 or b.size < 1 or df < 1:
        return float("nan")
    ss = np.sum((a - a.mean()) ** 2) + np.sum((b - b.mean()) ** 2)
    return float(math.sqrt(ss / df))


def cohens_d(a: np.ndarray, b: np.ndarray) -> float:
    """``(mean(b) - mean(a)) / pooled_std``; NaN when undefined (df < 1 or zero spread)."""
    s = pooled_std(a, b)
    if not s > 0:
        return float("nan")
    return float((b.mean() - a.mean()) / s)


def hedges_correction(df: int) -> float:
    """Exact bias correction J(df) = Gamma(df/2) / (sqrt(df/2) Gamma((df-1)/2)), df >= 2."""
    return math.exp(math.lgamma(df / 2) - math.lgamma((df - 1) / 2)) / math.sqrt(df / 2)


def hedges_g(a: np.ndarray, b: np.ndarray) -> float:
    """Hedges' g: Cohen's d times :func:`hedges_correction`; NaN when df < 2 or zero spread."""
    df = a.size + b.size - 2
    d = cohens_d(a, b)
    if df < 2 or math.isnan(d):
        return float("nan")
    return d * hedges_correction(df)


def hedges_g_interval(g: float, n_a: int, n_b: int, level: float = 0.95) -> tuple[float, float]:
    """Normal-approximation interval for Hedges' g with Hedges & Olkin's standard error."""
    from statistics import NormalDist

    se = math.sqrt((n_a + n_b) / (n_a * n_b) + g * g / (2.0 * (n_a + n_b)))
    z = NormalDist().inv_cdf(0.5 + level / 2.0)
    return g - z * se, g + z * se


def _mean_diff(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise ``mean(b) - mean(a)`` for the stratified bootstrap."""
    return np.asarray(b.mean(axis=-1) - a.mean(axis=-1), dtype=np.float64)


def _iqm_diff(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise ``iqm(b) - iqm(a)`` for the stratified bootstrap."""
    return np.asarray(iqm_rows(b) - iqm_rows(a), dtype=np.float64)


def _nan_to_none(value: float) -> float | None:
    """``None`` for NaN (JSON null), the float otherwise."""
    return None if math.isnan(value) else float(value)


def welch(a: np.ndarray, b: np.ndarray) -> tuple[float, float, float]:
    """Welch's t of ``b - a``, its Welch-Satterthwaite df and two-sided p; NaN if undefined."""
    if a.size < 2 or b.size < 2:
        return float("nan"), float("nan"), float("nan")
    va, vb = a.var(ddof=1) / a.size, b.var(ddof=1) / b.size
    if va + vb == 0:
        return float("nan"), float("nan"), float("nan")
    from scipy import stats

    t = float((b.mean() - a.mean()) / math.sqrt(va + vb))
    df = float((va + vb) ** 2 / (va**2 / (a.size - 1) + vb**2 / (b.size - 1)))
    return t, df, float(2.0 * stats.t.sf(abs(t), df))


def _welch(
    a: np.ndarray, b: np.ndarray, notes: list[str]
) -> tuple[float | None, float | None, float | None]:
    """Welch's t, df and p, or Nones with a note when undefined."""
    if a.size < 2 or b.size < 2:
        notes.append("welch: needs at least 2 runs per group")
        return None, None, None
    t, df, p = welch(a, b)
    if math.isnan(t):
        notes.append("welch: both groups have zero variance")
        return None, None, None
    return t, df, p


def _mann_whitney(
    a: np.ndarray, b: np.ndarray, notes: list[str]
) -> tuple[float | None, float | None]:
    """Mann-Whitney U of b against a, or (None, None) with a note when a group is empty."""
    if a.size < 1 or b.size < 1:
        notes.append("mann-whitney: a group has no finite value")
        return None, None
    from scipy import stats

    res = stats.mannwhitneyu(b, a, alternative="two-sided")
    return _nan_to_none(float(res.statistic)), _nan_to_none(float(res.pvalue))


def _effect_sizes(
    a: np.ndarray, b: np.ndarray, level: float, notes: list[str]
) -> tuple[float | None, float | None, tuple[float, float] | None]:
    """Cohen's d, Hedges' g and its interval, with notes for whatever is undefined."""
    d = _nan_to_none(cohens_d(a, b))
    if d is None:
        notes.append("effect size: needs df >= 1 and non-zero pooled std")
        return None, None, None
    g = _nan_to_none(hedges_g(a, b))
    if g is None:
        notes.append("hedges g: needs n_a + n_b >= 4")
        return d, None, None
    return d, g, hedges_g_interval(g, a.size, b.size, level)


def compare_groups(
    a: str,
    a_values: Scores,
    b: str,
    b_values: Scores,
    *,
    rng: np.random.Generator,
    higher_is_better: bool = True,
    reps: int = DEFAULT_REPS,
    level: float = 0.95,
) -> GroupTest:
    """Compare groups ``a`` (baseline) and ``b`` on one scalar per run; never raises on data.

    Non-finite values are dropped (named in ``notes``); statistics that need more runs or
    some spread are ``None`` with a reason.
    """
    xa, dropped_a = finite_values(a_values)
    xb, dropped_b = finite_values(b_values)
    notes = [
        f"{name}: dropped non-finite values of {', '.join(dropped)}"
        for name, dropped in ((a, dropped_a), (b, dropped_b))
        if dropped
    ]
    both = xa.size >= 1 and xb.size >= 1
    welch_t, welch_df, welch_p = _welch(xa, xb, notes)
    mw_u, mw_p = _mann_whitney(xa, xb, notes)
    d, g, g_ci = _effect_sizes(xa, xb, level, notes)
    diff_ci = iqm_ci = None
    if xa.size >= 2 and xb.size >= 2:
        diff_ci = percentile_interval(stratified_bootstrap(xa, xb, _mean_diff, rng, reps), level)
        iqm_ci = percentile_interval(stratified_bootstrap(xa, xb, _iqm_diff, rng, reps), level)
    elif both:
        notes.append("mean difference interval: needs at least 2 runs per group")
    return GroupTest(
        a=a,
        b=b,
        n_a=int(xa.size),
        n_b=int(xb.size),
        mean_diff=float(xb.mean() - xa.mean()) if both else None,
        mean_diff_ci=diff_ci,
        iqm_diff=iqm(xb) - iqm(xa) if both else None,
        iqm_diff_ci=iqm_ci,
        welch_t=welch_t,
        welch_df=welch_df,
        welch_p=welch_p,
        mannwhitney_u=mw_u,
        mannwhitney_p=mw_p,
        cohens_d=d,
        hedges_g=g,
        hedges_g_ci=g_ci,
        prob_improvement=_nan_to_none(probability_of_improvement(xa, xb, higher_is_better)),
        higher_is_better=higher_is_better,
        level=level,
        notes=tuple(notes),
    )
