"""Strict JSON of the ``compare`` report: every number the text shows, NaN/inf as null.

Shape (per metric, at least): ``metric, runs[], divergence, groups[], group_test`` where
``divergence``/``group_test`` are those of the first pair (the second group against the
reference) and ``divergences``/``group_tests``/``comparisons`` list every pair.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict

from curvelens.core.analysis.pairwise import PairedComparison
from curvelens.core.reports.compare import CompareReport, MetricReport, PairReport
from curvelens.core.reports.format import json_number, json_step
from curvelens.core.reports.health import RunAnomaly, RunConvergence, RunOverfitting


def compare_json(report: CompareReport) -> str:
    """The report as strict JSON (``allow_nan=False``)."""
    s = report.settings
    payload = {
        "grouping": report.grouping,
        "settings": {
            "at": s.at,
            "threshold": s.threshold,
            "consecutive": s.consecutive,
            "interpolate": s.interpolate,
        },
        "reference": next(iter(report.groups), None),
        "groups": {g: list(runs) for g, runs in report.groups.items()},
        "paths": dict(report.paths),
        "metrics": [_metric(m) for m in report.metrics],
        "anomalies": [_anomaly(x) for x in report.anomalies],
        "overfitting": [_overfitting(x) for x in report.overfitting],
    }
    return json.dumps(_clean(payload), indent=2, allow_nan=False) + "\n"


def _metric(m: MetricReport) -> dict[str, object]:
    """One metric's object."""
    first = m.pairs[0] if m.pairs else None
    return {
        "metric": m.metric,
        "higher_is_better": m.higher_is_better,
        "runs": [
            {
                "name": r.name,
                "group": r.group,
                "final": json_number(r.final),
                "final_step": json_step(r.final_step),
                "best": json_number(r.best),
                "best_step": json_step(r.best_step),
                "mean": json_number(r.mean),
                "std": json_number(r.std),
                "nan_count": r.nan_count,
            }
            for r in m.runs
        ],
        "divergence": _divergence(first) if first else None,
        "groups": [{**g.report_dict(), "n": g.n, "notes": list(g.notes)} for g in m.groups],
        "group_test": _group_test(first) if first else None,
        "divergences": [_divergence(p) for p in m.pairs],
        "group_tests": [_group_test(p) for p in m.pairs],
        "comparisons": [_pair(p) for p in m.pairs],
        "convergence": [_convergence(c) for c in m.convergence],
    }


def _divergence(p: PairReport) -> dict[str, object]:
    """The ``divergence`` object of a pair, with the gap at the divergence step."""
    d = p.divergence
    return {**d.report_dict(), "step": json_step(d.step), "gap": d.gap}


def _group_test(p: PairReport) -> dict[str, object] | None:
    """The ``group_test`` object of a pair (every field of the test)."""
    t = p.group_test
    if t is None:
        return None
    return {**t.report_dict(), **asdict(t)}


def _pair(p: PairReport) -> dict[str, object]:
    """Everything about one pair: values, difference, ratio, progression, paired test."""
    return {
        "a": p.a,
        "b": p.b,
        "a_value": p.a_value,
        "b_value": p.b_value,
        "diff": p.diff,
        "ratio": p.ratio,
        "progression": [
            {**row, "step": json_step(row["step"])} for row in p.progression.to_dicts()
        ],
        "paired": None if p.paired is None else _paired(p.paired),
    }


def _paired(c: PairedComparison) -> dict[str, object]:
    """The descriptive paired comparison of two runs."""
    return {**asdict(c), "descriptive": True}


def _convergence(c: RunConvergence) -> dict[str, object]:
    """Convergence of one run on one metric."""
    r = c.result
    return {
        "run": c.run,
        "points": r.points,
        "final": r.final,
        "band": r.band,
        "converged_step": json_step(r.converged_step),
        "slope": None if r.slope is None else asdict(r.slope),
        "plateau": r.plateau,
        "converged": r.converged,
    }


def _anomaly(x: RunAnomaly) -> dict[str, object]:
    """One anomaly of one run."""
    a = x.anomaly
    return {
        "run": x.run,
        "metric": a.metric,
        "step": json_step(a.step),
        "value": a.value,
        "kind": a.kind,
        "score": a.score,
    }


def _overfitting(x: RunOverfitting) -> dict[str, object]:
    """One train/eval pair of one run."""
    r = x.result
    return {
        "run": x.run,
        "train_metric": x.pair.train_metric,
        "eval_metric": x.pair.eval_metric,
        "best_step": json_step(r.best_step),
        "best_value": r.best_value,
        "last_value": r.last_value,
        "regression": r.regression,
        "gap_last": float(r.gap[-1]) if r.gap.size else None,
        "gap_change": r.gap_change,
        "train_improvement": r.train_improvement,
        "verdict": r.verdict,
    }


def _clean(value: object) -> object:
    """Recursively: non-finite floats to None, tuples to lists, integer steps kept."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value
