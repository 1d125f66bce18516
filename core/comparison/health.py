"""Run health for the comparison: anomalies, overfitting and convergence of every run.

Thin adapters from :mod:`curvelens.core.analysis` (where the rules live) to the model,
tagging each result with the run's display name. Only metrics of the comparison are read.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from curvelens.core.analysis.anomalies import detect, reason
from curvelens.core.analysis.convergence import convergence
from curvelens.core.analysis.kinds import NOT_SCANNED
from curvelens.core.analysis.overfitting import overfitting, pair_metrics
from curvelens.core.comparison.model import Anomaly, MetricComparison, Overfit, Settled
from curvelens.core.comparison.options import CompareOptions
from curvelens.core.comparison.values import Curve
from curvelens.core.schema import RunData

Found = tuple[tuple[Anomaly, ...], tuple[Overfit, ...], dict[str, tuple[Settled, ...]]]


def _anomalies(
    names: Mapping[str, str], by_metric: Mapping[str, Mapping[str, Curve]],
    metrics: Mapping[str, MetricComparison],
) -> list[Anomaly]:  # fmt: skip
    """Anomalies of every scanned metric of every run."""
    found = []
    for metric, by_run in by_metric.items():
        m = metrics[metric]
        if m.kind in NOT_SCANNED:
            continue
        for run_id, c in by_run.items():
            for a in detect(metric, c.steps, c.values, higher=m.direction.higher_is_better):
                found.append(
                    Anomaly(names[run_id], metric, a.step, a.value, a.kind, a.score, reason(a))
                )
    return sorted(found, key=lambda a: (a.run, a.step, a.metric))


def _overfitting(
    names: Mapping[str, str], by_metric: Mapping[str, Mapping[str, Curve]],
    metrics: Mapping[str, MetricComparison],
) -> list[Overfit]:  # fmt: skip
    """Overfitting verdicts of every train/eval pair, run by run."""
    found = []
    for pair in pair_metrics(list(by_metric)):
        train, evals = by_metric[pair.train_metric], by_metric[pair.eval_metric]
        higher = metrics[pair.eval_metric].direction.higher_is_better
        for run_id in sorted(set(train) & set(evals), key=lambda r: names[r]):
            t, e = train[run_id], evals[run_id]
            r = overfitting(t.steps, t.values, e.steps, e.values, higher_better=higher)
            found.append(
                Overfit(
                    names[run_id], pair.train_metric, pair.eval_metric, r.evals, r.span,
                    r.eval_slope, r.eval_slope_ci, r.train_slope, r.train_slope_ci,
                    r.best_step, r.best_value, r.last_value, r.gaps.regression,
                    r.gaps.train_improvement, r.gaps.gap_last, r.gaps.gap_change, r.verdict,
                )
            )  # fmt: skip
    return found


def _settled(
    names: Mapping[str, str], by_run: Mapping[str, Curve], metric: str
) -> tuple[Settled, ...]:
    """Convergence of one performance metric in every run."""
    out = []
    for run_id, c in by_run.items():
        r = convergence(c.steps, c.values)
        slope = r.slope
        out.append(
            Settled(
                names[run_id], metric, r.verdict, r.converged_step, r.final,
                None if slope is None else slope.value,
                None if slope is None else (slope.low, slope.high),
                r.points, r.band,
                None if slope is None else (slope.start_step, slope.span),
                r.plateau, r.converged,
            )
        )  # fmt: skip
    return tuple(out)


def health(
    runs: Sequence[RunData],
    names: Mapping[str, str],
    by_metric: Mapping[str, Mapping[str, Curve]],
    metrics: Sequence[MetricComparison],
    options: CompareOptions,
) -> Found:
    """Anomalies, overfitting verdicts and per-metric convergence (empty when switched off)."""
    if not options.anomalies or not runs:
        return (), (), {}
    by_name = {m.metric: m for m in metrics}
    settled = {
        m.metric: _settled(names, by_metric[m.metric], m.metric)
        for m in metrics
        if m.kind == "performance"
    }
    return (
        tuple(_anomalies(names, by_metric, by_name)),
        tuple(_overfitting(names, by_metric, by_name)),
        settled,
    )
