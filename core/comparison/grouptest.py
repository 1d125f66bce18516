"""One group against the reference on one metric's compared values: every test and interval.

Needs at least 2 runs with a value in each group (otherwise the caller says "groups of one:
no tests"). Undefined numbers are None with the reason in ``notes``.
"""

from __future__ import annotations

import math

import numpy as np

from curvelens.core.analysis import inference
from curvelens.core.analysis.bootstrap import iqm
from curvelens.core.analysis.effects import cohens_d, hedges_correction
from curvelens.core.comparison import resampled
from curvelens.core.comparison.model import GroupTest, Power


def _none(x: float) -> float | None:
    """None for NaN."""
    return None if math.isnan(x) else float(x)


def _effects(
    a: np.ndarray, b: np.ndarray, level: float, notes: list[str]
) -> tuple[float | None, float | None, tuple[float, float] | None]:
    """Cohen's d, Hedges' g and the noncentral-t interval of g."""
    scale = float(max(np.max(np.abs(a)), np.max(np.abs(b))))
    if inference.is_constant(a, scale) and inference.is_constant(b, scale):
        notes.append("effect size undefined: no spread within either group")
        return None, None, None
    d = _none(cohens_d(a, b))
    df = a.size + b.size - 2
    if d is None or df < 2:
        notes.append("effect size undefined: needs 4+ runs and some spread")
        return d, None, None
    j = hedges_correction(df)
    g = d * j
    ci = inference.hedges_g_interval(g, a.size, b.size, j, level)
    return d, g, ci


def _power(a: np.ndarray, b: np.ndarray, g: float | None) -> Power:
    """Detectable effect at these n and seeds needed for the observed one."""
    detectable = _none(inference.power_detectable(a.size, b.size))
    needed = inference.seeds_needed(g) if g is not None else None
    return Power(int(a.size), int(b.size), detectable, needed)


def group_test(
    names: tuple[str, str],
    a: np.ndarray,
    b: np.ndarray,
    *,
    higher_is_better: bool,
    rng: np.random.Generator,
    reps: int,
    level: float,
) -> GroupTest:
    """Every statistic of ``b`` against ``a`` (both with 2+ finite values)."""
    notes: list[str] = []
    t, df, p, diff_ci = inference.welch(a, b, level)
    if math.isnan(t):
        notes.append("Welch t undefined: both groups constant (zero variance)")
    u, p_u, p_perm, exact = inference.permutation_tests(a, b, rng)
    if math.isnan(p_u):
        notes.append("rank and permutation tests undefined: every value is equal")
    if not exact:
        notes.append(f"permutation p-values from {inference.MONTE_CARLO} random splits")
    d, g, g_ci = _effects(a, b, level, notes)
    ok = resampled.reliable(a.size, b.size)
    if not ok:
        notes.append(
            f"IQM and P(improvement) intervals unreliable below {resampled.RELIABLE_FROM} "
            "runs per group (measured coverage, README METHODS)"
        )
    return GroupTest(
        a=names[0],
        b=names[1],
        n_a=int(a.size),
        n_b=int(b.size),
        mean_diff=float(b.mean() - a.mean()),
        mean_diff_ci=diff_ci,
        welch_t=_none(t),
        welch_df=_none(df),
        welch_p=_none(p),
        p_holm=None,
        mannwhitney_u=float(u),
        mannwhitney_p=_none(p_u),
        permutation_p=_none(p_perm),
        permutation_exact=exact,
        cohens_d=d,
        hedges_g=g,
        hedges_g_ci=g_ci,
        iqm_diff=iqm(b) - iqm(a),
        iqm_diff_ci=resampled.iqm_diff_interval(a, b, rng, reps, level),
        prob_improvement=resampled.improvement(a, b, higher_is_better),
        prob_improvement_ci=resampled.improvement_interval(
            a, b, higher_is_better, rng, reps, level
        ),
        ci_method=resampled.METHOD,
        ci_reliable=ok,
        power=_power(a, b, g),
        higher_is_better=higher_is_better,
        level=level,
        notes=tuple(notes),
    )
