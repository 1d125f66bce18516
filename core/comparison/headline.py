"""The comparison's headline and the rliable-style aggregates over metric families.

Headline, one line per group against the reference: on how many tested (performance)
metrics its mean compared value is better, at which step(s), with how many seeds, and how
many differences survive Holm's correction (p_holm < 0.05). Two single runs: counts only,
said to be descriptive.

Aggregate (family = metric names equal once digits are replaced by ``#``, 2+ performance
metrics of one direction, e.g. ``mode#_loss``): per metric, every run's value is
normalised by the reference group's mean and oriented (``sign * x / |mean_ref|``, sign -1
when lower is better) so metrics of different scales pool; IQM over all (run, metric)
values per group; P(improvement) = mean over metrics of P(b beats a). Intervals: stratified
bootstrap (runs resampled within each group and metric), percentile, as rliable.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import numpy as np

from curvelens.core.analysis.bootstrap import iqm_rows, percentile_interval, resample
from curvelens.core.comparison import resampled
from curvelens.core.comparison.model import Aggregate, MetricComparison, PairComparison
from curvelens.core.comparison.options import CompareOptions
from curvelens.core.comparison.section import metric_rng

ALPHA = 0.05


def family_key(metric: str) -> str:
    """The metric name with every run of digits replaced by ``#``."""
    return re.sub(r"\d+", "#", metric)


def _steps(metrics: Sequence[MetricComparison]) -> str:
    """``step 1000`` or ``steps 110-1000`` over the compared steps."""
    steps = sorted({m.step for m in metrics if m.step is not None})
    if not steps:
        return "each run's last value" if any(m.at == "last" for m in metrics) else "no step"
    best = "best up to " if any(m.at == "best" for m in metrics) else ""
    if len(steps) == 1:
        return f"{best}step {steps[0]:g}"
    return f"{best}steps {steps[0]:g}-{steps[-1]:g}"


def _line(
    group: str, ref: str, sizes: Mapping[str, int], metrics: Sequence[MetricComparison],
    every: bool,
) -> str:  # fmt: skip
    """The headline of one group against the reference (``every``: all metrics count, not
    only performance ones)."""
    pairs = [(m, p) for m in metrics if m.performance or every for p in m.pairs if p.b == group]
    scored = [(m, p) for m, p in pairs if p.diff is not None]
    better = sum(_better(m, p) for m, p in scored)
    tested = [p.test for _, p in pairs if p.test is not None]
    survive = sum(t.p_holm is not None and t.p_holm < ALPHA for t in tested)
    seeds = f"{sizes[group]} vs {sizes[ref]} run(s)"
    if not scored:
        kind = "metric" if every else "performance metric"
        return f"{group} vs {ref}: no {kind} with values in both ({seeds})"
    where = _steps([m for m, _ in scored])
    kind = "metrics" if every else "performance metrics"
    head = f"{group} vs {ref}: better on {better} of {len(scored)} {kind}"
    head += f" at {where} ({seeds})"
    if sizes[group] == 1 and sizes[ref] == 1:
        return head + "; single runs: descriptive only, no tests"
    if not tested:
        return head + "; no tests (groups of one)"
    return head + f"; {survive} of {len(tested)} tested differences survive Holm (p < {ALPHA:g})"


def _better(m: MetricComparison, p: PairComparison) -> bool:
    """Whether group ``b`` of the pair is better than the reference on ``m``."""
    return p.diff is not None and p.diff != 0 and (p.diff > 0) == m.direction.higher_is_better


def headline(
    groups: Mapping[str, Sequence[str]],
    metrics: Sequence[MetricComparison],
    options: CompareOptions,
) -> tuple[str, ...]:
    """The headline lines (module docstring)."""
    names = list(groups)
    if len(names) < 2:
        return ("only one group: nothing to compare against",)
    sizes = {g: len(rs) for g, rs in groups.items()}
    lines = [_line(g, names[0], sizes, metrics, options.test_all) for g in names[1:]]
    failed: dict[tuple[str, int, int], list[str]] = {}
    for m in metrics:
        for g in m.groups:
            if g.diverged:
                failed.setdefault((g.name, g.diverged, g.n), []).append(m.metric)
    for (name, k, n), where in failed.items():
        shown = ", ".join(where[:4]) + (f" and {len(where) - 4} more" if len(where) > 4 else "")
        lines.append(f"{name}: {k} of {n} runs diverged (failures, not scored) on {shown}")
    if options.smoothed is not None:
        lines.insert(0, f"SMOOTHED values (EMA {options.smoothed:g}), not raw")
    return tuple(lines)


def _scores(m: MetricComparison, group: str, ref_mean: float) -> np.ndarray:
    """Normalised, oriented values of one group's runs on one metric."""
    sign = 1.0 if m.direction.higher_is_better else -1.0
    x = [r.value for r in m.runs if r.group == group and r.value is not None]
    return sign * np.asarray(x, dtype=np.float64) / abs(ref_mean)


def _aggregate(
    family: str, members: Sequence[MetricComparison], ref: str, b: str, o: CompareOptions
) -> Aggregate | None:
    """The aggregate of one family for group ``b`` against ``ref``, None without data."""
    per = []
    for m in members:
        ref_stats = next((g for g in m.groups if g.name == ref), None)
        if ref_stats is None or not ref_stats.mean:
            continue
        xa, xb = _scores(m, ref, ref_stats.mean), _scores(m, b, ref_stats.mean)
        if xa.size >= 1 and xb.size >= 1:
            per.append((m.metric, xa, xb))
    if len(per) < 2:
        return None
    rng = metric_rng(o.seed, family, ref, b)
    iqm_a = float(iqm_rows(np.concatenate([a for _, a, _ in per])))
    iqm_b = float(iqm_rows(np.concatenate([x for _, _, x in per])))
    prob = float(np.mean([resampled.improvement(a, x, True) for _, a, x in per]))
    small = min(min(a.size, x.size) for _, a, x in per)
    diff_ci = prob_ci = None
    if small >= 2:
        ra = [resample(a, o.reps, rng) for _, a, _ in per]
        rb = [resample(x, o.reps, rng) for _, _, x in per]
        diff = iqm_rows(np.concatenate(rb, axis=1)) - iqm_rows(np.concatenate(ra, axis=1))
        probs = np.mean(
            [resampled.improvement_rows(a, x, True) for a, x in zip(ra, rb, strict=True)], axis=0
        )
        diff_ci, prob_ci = percentile_interval(diff, o.level), percentile_interval(probs, o.level)
    notes = () if small >= 2 else ("intervals need 2+ runs per group on every metric",)
    return Aggregate(
        family, tuple(name for name, _, _ in per), ref, b, iqm_a, iqm_b, diff_ci, prob, prob_ci,
        resampled.reliable(small, small), notes,
    )  # fmt: skip


def aggregates(
    metrics: Sequence[MetricComparison], options: CompareOptions
) -> tuple[Aggregate, ...]:
    """Aggregates of every family with 2+ performance metrics of one direction."""
    families: dict[str, list[MetricComparison]] = {}
    for m in metrics:
        if m.performance and m.pairs:
            families.setdefault(family_key(m.metric), []).append(m)
    out = []
    for family, members in families.items():
        if len(members) < 2 or len({m.direction.higher_is_better for m in members}) > 1:
            continue
        for b in dict.fromkeys(p.b for m in members for p in m.pairs):
            found = _aggregate(family, members, members[0].pairs[0].a, b, options)
            if found is not None:
                out.append(found)
    return tuple(out)
