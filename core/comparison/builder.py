"""``build_comparison``: runs and options in, the whole :class:`Comparison` out (pure).

Order of work: group the runs, split each run's points by metric once, compare every
metric (:mod:`.section`), Holm-adjust the Welch p-values of each pair across the tested
metrics, aggregate metric families, scan run health, then write the headline and notes.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator, Mapping, Sequence

import numpy as np
import polars as pl

from curvelens.core.analysis.inference import holm
from curvelens.core.analysis.smoothing import ema
from curvelens.core.comparison.model import Comparison, MetricComparison, PairComparison
from curvelens.core.comparison.options import CompareOptions
from curvelens.core.comparison.section import Context, metric_comparison
from curvelens.core.comparison.seedgroups import Member, group_members
from curvelens.core.comparison.values import Curve
from curvelens.core.naming import run_names
from curvelens.core.schema import RunData

POLICY_NOTES = (
    "statistics on raw values at matched steps; a diverged run (NaN/inf, or an explosion) "
    "counts as a failure and is never scored by its value before it diverged",
    "groups of one get no tests; two single runs get descriptive numbers only",
)


def _curves(
    runs: Sequence[RunData], wanted: re.Pattern[str] | None, smoothed: float | None
) -> dict[str, dict[str, Curve]]:
    """Metric -> run id -> its curve (sorted by step, last write winning)."""
    out: dict[str, dict[str, Curve]] = {}
    for run in runs:
        for name, steps, values in _series(run.points, wanted):
            if smoothed is not None:
                values = ema(values, smoothed)
            out.setdefault(name, {})[run.ref.id] = Curve(run.ref.id, steps, values)
    return dict(sorted(out.items()))


def _series(
    points: pl.DataFrame, wanted: re.Pattern[str] | None
) -> Iterator[tuple[str, np.ndarray, np.ndarray]]:
    """Each wanted metric's steps and values (last write per step, by step), in a few polars
    calls for the whole run (one call per metric took minutes on 100,000 metrics)."""
    points = points.select(pl.col("metric").cast(pl.String), "step", "value")
    if wanted is not None:
        names = points.get_column("metric").unique().to_list()
        points = points.filter(pl.col("metric").is_in([n for n in names if wanted.search(n)]))
    if not points.height:
        return
    points = points.unique(subset=["metric", "step"], keep="last", maintain_order=True).sort(
        "metric", "step", maintain_order=True
    )
    metric = points.get_column("metric")
    starts = np.flatnonzero(metric.ne_missing(metric.shift(1)).to_numpy())
    ends = np.append(starts[1:], points.height)
    steps = points.get_column("step").to_numpy().astype(np.float64)
    values = points.get_column("value").fill_null(np.nan).to_numpy().astype(np.float64)
    for name, start, end in zip(metric.gather(starts).to_list(), starts, ends, strict=True):
        yield str(name), steps[start:end], values[start:end]


def _shared(
    by_metric: dict[str, dict[str, Curve]], groups: Mapping[str, Sequence[str]]
) -> tuple[dict[str, dict[str, Curve]], int]:
    """With two groups or more, only the metrics runs of at least two groups logged (a
    metric one side lacks has nothing to compare), and how many were left out."""
    if len(groups) < 2:
        return by_metric, 0
    group_of = {run: name for name, members in groups.items() for run in members}
    kept = {
        metric: curves
        for metric, curves in by_metric.items()
        if len({group_of.get(run) for run in curves}) >= 2
    }
    return kept, len(by_metric) - len(kept)


def _with_holm(metrics: list[MetricComparison]) -> list[MetricComparison]:
    """Each pair's Welch p-values Holm-adjusted across the metrics where it was tested."""
    found: dict[str, list[tuple[int, int]]] = {}
    for i, m in enumerate(metrics):
        for j, p in enumerate(m.pairs):
            if p.test is not None and p.test.welch_p is not None:
                found.setdefault(p.b, []).append((i, j))
    pairs = [list(m.pairs) for m in metrics]
    for where in found.values():
        raw = [_welch_p(pairs[i][j]) for i, j in where]
        for (i, j), adjusted in zip(where, holm(raw), strict=True):
            old = pairs[i][j]
            assert old.test is not None
            pairs[i][j] = dataclasses.replace(
                old, test=dataclasses.replace(old.test, p_holm=adjusted)
            )
    return [dataclasses.replace(m, pairs=tuple(p)) for m, p in zip(metrics, pairs, strict=True)]


def _welch_p(pair: PairComparison) -> float:
    """The pair's Welch p (NaN when it has none)."""
    p = None if pair.test is None else pair.test.welch_p
    return float("nan") if p is None else p


def _members(runs: Sequence[RunData]) -> tuple[list[Member], dict[str, str]]:
    """Grouping members and run id -> display name."""
    names = run_names(runs)
    return [Member(r.ref.id, names[r.ref.id], dict(r.params)) for r in runs], names


def build_comparison(runs: Sequence[RunData], options: CompareOptions) -> Comparison:
    """Compare ``runs`` (in order: the first run's group is the reference unless
    ``options.reference`` says otherwise) on every metric ``options.metrics`` matches.

    Values near the float limits overflow to inf/NaN and come out as undefined (null)
    numbers, without numpy warnings."""
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        return _build(runs, options)


def _build(runs: Sequence[RunData], options: CompareOptions) -> Comparison:
    """:func:`build_comparison` without the floating-point error state."""
    from curvelens.core.comparison.headline import aggregates, headline
    from curvelens.core.comparison.health import health

    members, names = _members(runs)
    grouping = group_members(
        members,
        by=options.group_by,
        no_group=options.no_group,
        explicit=options.groups,
        reference=options.reference,
    )
    groups = {g: tuple(rs) for g, rs in grouping.groups.items()}
    ctx = Context(groups, grouping.keys, names, options)
    wanted = re.compile(options.metrics) if options.metrics else None
    by_metric, one_sided = _shared(_curves(runs, wanted, options.smoothed), groups)
    metrics = _with_holm([metric_comparison(m, c, ctx) for m, c in by_metric.items()])
    notes = list(POLICY_NOTES)
    if one_sided:
        notes.append(f"{one_sided} metric(s) logged by one group only: not compared")
    if options.smoothed is not None:
        notes.insert(0, f"SMOOTHED comparison: EMA weight {options.smoothed:g} applied first")
    shown = {g: tuple(names[r] for r in rs) for g, rs in groups.items()}
    anomalies, overfitting, settled = health(runs, names, by_metric, metrics, options)
    metrics = [dataclasses.replace(m, convergence=settled.get(m.metric, ())) for m in metrics]
    aggs = aggregates(metrics, options)
    return Comparison(
        options=options,
        grouping=grouping.how,
        groups=shown,
        group_keys=grouping.keys,
        run_ids={v: k for k, v in names.items()},
        metrics=tuple(metrics),
        aggregates=aggs,
        anomalies=anomalies,
        overfitting=overfitting,
        headline=headline(shown, metrics, options),
        notes=tuple(notes),
        paths={names[r.ref.id]: str(r.ref.path) for r in runs},
    )
