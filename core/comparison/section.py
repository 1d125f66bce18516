"""One metric's comparison: direction, kind, per-run values, groups, pairs (no Holm yet).

The group statistics and tests use each run's compared value (:mod:`.values`); curves are
compared on the shared grid (:mod:`.curves`). Runs that diverged are failures: counted,
never scored.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from curvelens.core.analysis.bootstrap import iqm
from curvelens.core.analysis.kinds import metric_kind
from curvelens.core.comparison import curves, resampled
from curvelens.core.comparison.directions import direction
from curvelens.core.comparison.grouptest import group_test
from curvelens.core.comparison.model import (
    Direction,
    DivergencePoint,
    GroupStats,
    MetricComparison,
    PairComparison,
    Paired,
    RunValue,
)
from curvelens.core.comparison.options import CompareOptions
from curvelens.core.comparison.values import (
    Curve,
    best_until,
    common_horizon,
    divergence_of,
    last_finite,
    value_at,
)


def metric_rng(seed: int, *parts: str) -> np.random.Generator:
    """A generator derived from the seed and names (metric, group): a metric's intervals do
    not depend on which other metrics or groups are in the comparison."""
    return np.random.default_rng([seed, *(zlib.crc32(p.encode()) for p in parts)])


@dataclass(frozen=True)
class Context:
    """What every metric needs: groups (display names), names, options."""

    groups: Mapping[str, tuple[str, ...]]
    """Group name -> run ids, the reference first."""
    keys: Mapping[str, str]
    names: Mapping[str, str]
    """Run id -> display name."""
    options: CompareOptions


def _explodes(d: Direction) -> bool:
    """Whether explosions count as divergence: metrics named lower-is-better (losses)."""
    return d.source == "name" and not d.higher_is_better


def _run_value(
    curve: Curve, group: str, name: str, step: float | None, d: Direction, at: str
) -> RunValue:
    """One run's line: compared value, last finite point, divergence, best, mean, std."""
    diverged, reason = divergence_of(curve, _explodes(d))
    last_step, last = last_finite(curve)
    finite = curve.values[np.isfinite(curve.values)]
    value: float | None
    if diverged is not None:
        value = None
    elif at == "last":
        value = last
    elif at == "best":
        value = best_until(curve, step, d.higher_is_better)
    else:
        value = value_at(curve, step) if step is not None else None
    best = best_until(curve, None, d.higher_is_better)
    keep = np.isfinite(curve.values)
    best_step = None
    if best is not None:
        best_step = float(curve.steps[keep][int(np.argmax(curve.values[keep] == best))])
    return RunValue(
        run=name, run_id=curve.run_id, group=group, value=value, last=last,
        last_step=last_step, diverged_step=diverged, diverged_reason=reason, best=best,
        best_step=best_step, mean=float(finite.mean()) if finite.size else None,
        std=float(finite.std(ddof=1)) if finite.size > 1 else None,
        nan_count=int(curve.values.size - finite.size),
    )  # fmt: skip


def _group_stats(
    name: str, key: str, runs: Sequence[RunValue], ctx: Context, metric: str
) -> GroupStats:
    """A group's n, diverged count, mean, std and IQM with its interval."""
    x = np.array([r.value for r in runs if r.value is not None], dtype=np.float64)
    diverged = sum(r.diverged_step is not None for r in runs)
    notes = [f"{diverged} of {len(runs)} runs diverged (failures, not scored)"] if diverged else []
    missing = len(runs) - diverged - x.size
    if missing:
        notes.append(f"{missing} run(s) have no value at the compared step")
    o = ctx.options
    ci = resampled.iqm_interval(x, metric_rng(o.seed, metric, name), o.reps, o.level)
    return GroupStats(
        name=name, key=key, runs=tuple(r.run for r in runs), n=len(runs), diverged=diverged,
        n_used=int(x.size), mean=float(x.mean()) if x.size else None,
        std=float(x.std(ddof=1)) if x.size > 1 else None, iqm=iqm(x) if x.size else None,
        iqm_ci=ci, ci_method=resampled.METHOD, ci_reliable=resampled.reliable(int(x.size)),
        notes=tuple(notes),
    )  # fmt: skip


def _step_for(at: object, curves_: Sequence[Curve], diverged: set[str]) -> tuple[str, float | None]:
    """The ``at`` label and the compared step."""
    if at == "last":
        return "last", None
    if at in ("common", "best"):
        return str(at), common_horizon(curves_, diverged)
    return "step", float(at)  # type: ignore[arg-type]


def _paired(grid: np.ndarray, a: np.ndarray, b: np.ndarray, ctx: Context, rng_name: str) -> Paired:
    """The descriptive paired comparison of two single runs over the aligned steps."""
    import polars as pl

    from curvelens.core.analysis.pairwise import paired_comparison

    aligned = pl.DataFrame({"step": grid, "a": a, "b": b}).with_columns(
        (pl.col("a").is_finite() & pl.col("b").is_finite()).alias("finite")
    )
    o = ctx.options
    c = paired_comparison(aligned, rng=metric_rng(o.seed, rng_name), reps=o.reps, level=o.level)
    return Paired(
        c.n, c.mean_diff, c.mean_diff_ci, c.block, c.wilcoxon_stat, c.wilcoxon_p, c.level, c.notes
    )


def _divergence(
    names: tuple[str, str], grid: np.ndarray, a: np.ndarray, b: np.ndarray, persist: int
) -> DivergencePoint:
    """Group rule with 2+ runs on both sides, else the two-curve rule on (mean) curves."""
    if a.shape[0] >= 2 and b.shape[0] >= 2:
        return curves.group_divergence(names, grid, a, b, persist)
    return curves.run_divergence(names, grid, curves.mean_curve(a), curves.mean_curve(b), persist)


def _cut(curve: Curve, line: RunValue) -> Curve:
    """The curve with every value from its divergence step on set to NaN."""
    if line.diverged_step is None:
        return curve
    values = np.where(curve.steps >= line.diverged_step, np.nan, curve.values)
    return Curve(curve.run_id, curve.steps, values)


@dataclass(frozen=True)
class Side:
    """One group of a pair: name, its run lines and curves (cut where a run diverged)."""

    name: str
    runs: tuple[RunValue, ...]
    curves: tuple[Curve, ...]

    def values(self) -> np.ndarray:
        """The compared values of the runs that have one."""
        return np.array([r.value for r in self.runs if r.value is not None], dtype=np.float64)


def _pair(
    a: Side, b: Side, metric: str, d: Direction, tested: bool, ctx: Context
) -> PairComparison:
    """Group ``b`` against the reference ``a`` on one metric."""
    o = ctx.options
    failed = {r.run_id for r in (*a.runs, *b.runs) if r.diverged_step is not None}
    grid = curves.shared_grid([*a.curves, *b.curves], failed)
    rows_a, rows_b = (
        np.array([curves.on_grid(c, grid) for c in side.curves] or np.empty((0, grid.size)))
        for side in (a, b)
    )
    mean_a, mean_b = curves.mean_curve(rows_a), curves.mean_curve(rows_b)
    xa, xb = a.values(), b.values()
    notes: list[str] = []
    test = None
    if not tested:
        notes.append("no tests: not a performance metric (--test-all to test it)")
    elif xa.size < 2 or xb.size < 2:
        notes.append(
            f"no tests: {a.name if xa.size < 2 else b.name} has fewer than 2 runs with a value "
            "(groups of one cannot be tested; the numbers are descriptive)"
        )
    else:
        rng = metric_rng(o.seed, metric, a.name, b.name)
        test = group_test((a.name, b.name), xa, xb, higher_is_better=d.higher_is_better,
                          rng=rng, reps=o.reps, level=o.level)  # fmt: skip
    a_value = float(xa.mean()) if xa.size else None
    b_value = float(xb.mean()) if xb.size else None
    diff = b_value - a_value if a_value is not None and b_value is not None else None
    single = len(a.runs) == 1 and len(b.runs) == 1
    return PairComparison(
        a=a.name, b=b.name, a_value=a_value, b_value=b_value, diff=diff,
        ratio=b_value / a_value if b_value is not None and a_value else None,
        divergence=_divergence((a.name, b.name), grid, rows_a, rows_b, o.persist),
        progression=curves.progression(grid, mean_a, mean_b, o.progression_rows),
        test=test,
        paired=_paired(grid, mean_a, mean_b, ctx, f"{metric}\0{b.name}") if single else None,
        notes=tuple(notes),
    )  # fmt: skip


def _horizon_note(at: str, step: float | None, runs: Sequence[RunValue]) -> list[str]:
    """Say where runs are compared, and that they end at different steps."""
    ends = [r.last_step for r in runs if r.last_step is not None and r.diverged_step is None]
    if not ends:
        return ["no run has a finite value that can be compared"]
    spread = min(ends) != max(ends)
    if at == "last":
        where = "each run's own last finite value (--at last)"
    elif step is None:
        where = "no common step"
    elif at == "common":
        where = f"compared at step {step:g}, the last step every run that did not diverge logged"
    elif at == "best":
        where = f"best value of each run up to step {step:g} (the common horizon)"
    else:
        where = f"compared at step {step:g} (--at)"
    notes = [where]
    missing = [r.run for r in runs if r.diverged_step is None and r.value is None]
    if step is not None and missing:
        notes.append(
            f"{len(missing)} run(s) have no value at step {step:g} (outside their logged "
            "steps): the runs' step ranges do not all overlap; --at last compares each run's "
            "last value"
        )
    if spread:
        notes.append(f"runs end at different steps ({min(ends):g} to {max(ends):g}): see last_step")
    return notes


def metric_comparison(metric: str, by_run: Mapping[str, Curve], ctx: Context) -> MetricComparison:
    """Everything compared on one metric (Holm adjustment is done across metrics later)."""
    o = ctx.options
    present = [(r, by_run[r]) for rs in _ids(ctx) for r in rs if r in by_run]
    all_curves = [c for _, c in present]
    pairs_raw = [(c.steps, c.values) for c in all_curves]
    d = direction(metric, pairs_raw, o.higher, o.lower)
    kind = metric_kind(metric, pairs_raw)
    diverged = {c.run_id for c in all_curves if divergence_of(c, _explodes(d))[0] is not None}
    at, step = _step_for(o.at, all_curves, diverged)
    group_of = {r: g for g, rs in zip(ctx.groups, _ids(ctx), strict=True) for r in rs}
    lines = [_run_value(c, group_of[r], ctx.names[r], step, d, at) for r, c in present]
    sides = []
    for g in ctx.groups:
        mine = tuple(x for x in lines if x.group == g)
        if mine:
            sides.append(Side(g, mine, tuple(_cut(by_run[x.run_id], x) for x in mine)))
    stats = tuple(
        _group_stats(s.name, ctx.keys.get(s.name, ""), s.runs, ctx, metric) for s in sides
    )
    tested = kind == "performance" or o.test_all
    pairs = tuple(_pair(sides[0], s, metric, d, tested, ctx) for s in sides[1:])
    notes = [f"direction: {'higher' if d.higher_is_better else 'lower'} is better ({d.reason})"]
    notes += _horizon_note(at, step, lines)
    return MetricComparison(
        metric=metric, direction=d, performance=kind == "performance", kind=kind, at=at,
        step=step, runs=tuple(lines), groups=stats, pairs=pairs, notes=tuple(notes),
    )  # fmt: skip


def _ids(ctx: Context) -> list[tuple[str, ...]]:
    """Run ids of each group, in group order."""
    return list(ctx.groups.values())
