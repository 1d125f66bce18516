"""The anomalies of the plotted runs, found by core's detectors off the UI thread and listed
current metric first (spikes, drops, NaN/inf stretches, explosions, grad-norm blow-ups)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Found:
    """One anomaly of one run's metric, for the anomalies list."""

    run_id: str
    metric: str
    step: float
    value: float
    kind: str
    """One of ``core.analysis.anomalies.KINDS`` (``nonfinite`` marks NaN/inf stretches)."""
    score: float


SeriesMap = Mapping[tuple[str, str], tuple[np.ndarray, np.ndarray]]
"""(run id, metric) -> (steps, raw values)."""


def find_anomalies(series: SeriesMap, metric: str | None) -> list[Found]:
    """Anomalies of every given series: the current ``metric`` first, then by step."""
    from curvelens.core.analysis.anomalies import detect

    found = [
        Found(run_id, a.metric, a.step, a.value, a.kind, a.score)
        for (run_id, name), (steps, values) in series.items()
        for a in detect(name, steps, values)
    ]
    return sorted(found, key=lambda f: (f.metric != metric, f.metric, f.step, f.run_id))
