"""Per-run health checks for the compare report: anomalies, overfitting, convergence.

Thin wrappers that run :mod:`curvelens.core.analysis.anomalies`, ``.overfitting`` and
``.convergence`` on each run and tag every result with the run's display name.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

import polars as pl

from curvelens.core.analysis.anomalies import Anomaly, detect_all, is_schedule
from curvelens.core.analysis.convergence import Convergence, convergence
from curvelens.core.analysis.overfitting import MetricPair, Overfitting, overfitting_by_pair
from curvelens.core.analysis.summary import series
from curvelens.core.schema import RunData


@dataclass(frozen=True)
class RunAnomaly:
    """One anomaly of one run."""

    run: str
    anomaly: Anomaly


@dataclass(frozen=True)
class RunOverfitting:
    """The overfitting verdict of one train/eval pair of one run."""

    run: str
    pair: MetricPair
    result: Overfitting


@dataclass(frozen=True)
class RunConvergence:
    """The convergence of one metric of one run."""

    run: str
    metric: str
    result: Convergence


def _wanted(run: RunData, metrics: Collection[str]) -> pl.DataFrame:
    """The run's points of ``metrics`` only."""
    return run.points.filter(pl.col("metric").is_in(list(metrics)))


def find_anomalies(runs: Mapping[str, RunData], metrics: Collection[str]) -> list[RunAnomaly]:
    """Anomalies of every run (name -> run) on ``metrics``, run by run, then by step."""
    return [
        RunAnomaly(name, a) for name, run in runs.items() for a in detect_all(_wanted(run, metrics))
    ]


def find_overfitting(runs: Mapping[str, RunData], metrics: Collection[str]) -> list[RunOverfitting]:
    """Overfitting verdicts of every train/eval pair whose two metrics are in ``metrics``."""
    return [
        RunOverfitting(name, pair, result)
        for name, run in runs.items()
        for pair, result in overfitting_by_pair(_wanted(run, metrics))
    ]


def find_convergence(runs: Mapping[str, RunData], metric: str) -> list[RunConvergence]:
    """Convergence of ``metric`` in each run that logged it; none for schedules and counters."""
    if is_schedule(metric):
        return []
    out = []
    for name, run in runs.items():
        steps, values = series(run.points, metric)
        if steps.size:
            out.append(RunConvergence(name, metric, convergence(steps, values)))
    return out
