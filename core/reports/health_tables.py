"""The per-run health tables of the ``compare`` report: anomalies, overfitting, convergence."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from numpy.typing import NDArray

from curvelens.core.reports.compare import CompareReport
from curvelens.core.reports.compare_tables import interval
from curvelens.core.reports.format import fmt_step, fmt_value
from curvelens.core.reports.sections import Section

Short = Mapping[str, str]


def anomalies_section(report: CompareReport, short: Short) -> Section:
    """Every anomaly: run, metric, step, value, kind and score."""
    rows = tuple(
        (short[x.run], x.anomaly.metric, fmt_step(x.anomaly.step), fmt_value(x.anomaly.value),
         x.anomaly.kind, fmt_value(x.anomaly.score))
        for x in report.anomalies
    )  # fmt: skip
    note = (
        "spike/drop: robust z of the jump (|z| > 6, only the bad way for losses/accuracies); "
        "nonfinite: score = length of the NaN/inf stretch; explosion: value / best earlier "
        "value > 3; grad_blowup: value / trailing median > 5"
    )
    headers = ("run", "metric", "step", "value", "kind", "score")
    return Section("Anomalies", note, headers, rows, "llrrlr")


def overfitting_section(report: CompareReport, short: Short) -> Section:
    """Per run and train/eval pair: best eval step, rise since it, gap change, verdict."""
    rows = tuple(
        (short[x.run], x.pair.train_metric, x.pair.eval_metric, fmt_step(x.result.best_step),
         fmt_value(x.result.best_value), fmt_value(x.result.last_value),
         fmt_value(x.result.regression), fmt_value(_last(x.result.gap)), x.result.verdict)
        for x in report.overfitting
    )  # fmt: skip
    note = (
        "rise = last eval value minus best, in the bad direction; gap = last eval - smoothed "
        "train; "
        "overfitting: rise > 2% of best while train still improved"
    )
    headers = (
        "run",
        "train",
        "eval",
        "best at",
        "best",
        "last",
        "rise",
        "gap",
        "verdict",
    )
    return Section("Overfitting", note, headers, rows, "lllrrrrrl")


def _last(values: NDArray[np.float64]) -> float | None:
    """Last element of an array, None when empty."""
    return float(values[-1]) if values.size else None


def convergence_section(report: CompareReport, short: Short) -> Section:
    """Per metric and run: converged step, end slope with CI, plateau and verdict."""
    rows = []
    for m in report.metrics:
        for c in m.convergence:
            r = c.result
            slope = r.slope
            rows.append(
                (m.metric, short[c.run], fmt_step(r.converged_step), fmt_value(r.final),
                 fmt_value(None if slope is None else slope.value),
                 interval(None if slope is None else (slope.low, slope.high)),
                 "yes" if r.plateau else "no", "converged" if r.converged else "not yet")
            )  # fmt: skip
    note = (
        "settled at = first step from which the smoothed curve stays within 5% of its final "
        "value; slope per step over the last 10% of points (95% CI); plateau = flat end"
    )
    headers = ("metric", "run", "settled at", "final", "end slope", "95% CI", "plateau", "verdict")
    return Section("Convergence", note, headers, tuple(rows), "llrrrrll")
