"""The per-run health tables of the ``compare`` report: anomalies, overfitting, convergence."""

from __future__ import annotations

from collections.abc import Mapping

from curvelens.core.comparison.model import Comparison
from curvelens.core.reports.compare_tables import interval
from curvelens.core.reports.format import fmt_step, fmt_value
from curvelens.core.reports.sections import Section

Short = Mapping[str, str]
#: Anomalies listed per run (the strongest by |score|); JSON lists them all.
TOP_PER_RUN = 5


def anomalies_section(c: Comparison, short: Short) -> Section:
    """The strongest anomalies of each run: metric, step, value, kind, score and reason."""
    by_run: dict[str, list[tuple[float, int]]] = {}
    for i, a in enumerate(c.anomalies):
        by_run.setdefault(a.run, []).append((abs(a.score), i))
    keep = sorted(i for found in by_run.values() for _, i in sorted(found)[::-1][:TOP_PER_RUN])
    rows = tuple(
        (short[a.run], a.metric, fmt_step(a.step), fmt_value(a.value), a.kind,
         fmt_value(a.score), a.reason)
        for a in (c.anomalies[i] for i in keep)
    )  # fmt: skip
    hidden = len(c.anomalies) - len(keep)
    note = (
        f"the {TOP_PER_RUN} strongest per run" + (f" ({hidden} more in JSON)" if hidden else "")
        + "; spike: robust z against the local straight line, shift: level change beyond the "
        "trend (|z| > 10, only the bad way); "
        "explosion: > 5x the median of the 50 earlier values; lr, counters, timers and "
        "throughput are not scanned"
    )  # fmt: skip
    headers = ("run", "metric", "step", "value", "kind", "score", "reason")
    return Section("Anomalies", note, headers, rows, "llrrlrl")


def _change(slope: float | None, ci: tuple[float, float] | None, span: float | None) -> str:
    """Change over the end window (slope x span) with its interval."""
    if slope is None or span is None:
        return "-"
    shown = fmt_value(slope * span, 3)
    if ci is None:
        return shown
    return f"{shown} [{fmt_value(ci[0] * span, 3)}, {fmt_value(ci[1] * span, 3)}]"


def overfitting_section(c: Comparison, short: Short) -> Section:
    """Per run and train/eval pair: eval and train change over the end window, verdict."""
    rows = tuple(
        (short[x.run], f"{x.train_metric} / {x.eval_metric}", str(x.evals),
         _change(x.eval_slope, x.eval_slope_ci, x.span),
         _change(x.train_slope, x.train_slope_ci, x.span), x.verdict)
        for x in c.overfitting
    )  # fmt: skip
    note = (
        "change = least-squares slope x steps over the last third of the evals (at least 5), "
        "with its 95% CI; overfitting = eval clearly worsening while train clearly improves"
    )
    headers = ("run", "train / eval", "evals", "eval change", "train change", "verdict")
    return Section("Overfitting", note, headers, rows, "llrrrl")


def convergence_section(c: Comparison, short: Short) -> Section:
    """Per metric and run: settled step, end slope with CI and the verdict."""
    rows = tuple(
        (m.metric, short[s.run], fmt_step(s.settled_step), fmt_value(s.final),
         fmt_value(s.slope), interval(s.slope_ci), s.verdict)
        for m in c.metrics for s in m.convergence
    )  # fmt: skip
    note = (
        "settled at = first step from which the smoothed curve stays within 5% of its final "
        "value; slope per step over the last 10% of points (95% CI); not settled = still "
        "moving or not inside the band over the end window"
    )
    headers = ("metric", "run", "settled at", "final", "end slope", "95% CI", "verdict")
    return Section("Convergence", note, headers, tuple(rows), "llrrrrl")
