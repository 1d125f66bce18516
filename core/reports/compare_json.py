"""Strict JSON of the ``compare`` report: every number the text shows, NaN/inf as null.

Shape: top ``headline, notes, grouping, settings, reference, groups, group_keys, paths,
metrics[], aggregates[], anomalies[], overfitting[]``; per metric ``metric,
higher_is_better, direction, direction_from, kind, step, runs[], divergence, groups[],
group_test, divergences, group_tests, comparisons, convergence, notes`` where
``divergence``/``group_test`` are those of the first pair (the second group against the
reference) and the plural keys list every pair.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict

from curvelens.core.comparison.model import (
    Comparison,
    DivergencePoint,
    MetricComparison,
    PairComparison,
    RunValue,
    Settled,
)
from curvelens.core.reports.format import json_number, json_step


def compare_json(c: Comparison) -> str:
    """The comparison as strict JSON (``allow_nan=False``)."""
    o = c.options
    payload = {
        "headline": list(c.headline),
        "notes": list(c.notes),
        "grouping": c.grouping,
        "settings": {
            "at": o.at,
            "threshold": None,
            "consecutive": o.persist,
            "interpolate": True,
            "seed": o.seed,
            "smoothed": o.smoothed,
            "higher": o.higher,
            "lower": o.lower,
        },
        "reference": c.reference,
        "groups": {g: list(runs) for g, runs in c.groups.items()},
        "group_keys": dict(c.group_keys),
        "paths": dict(c.paths),
        "metrics": [_metric(m) for m in c.metrics],
        "aggregates": [asdict(a) for a in c.aggregates],
        "anomalies": [_anomaly(a) for a in c.anomalies],
        "overfitting": [asdict(x) for x in c.overfitting],
    }
    return json.dumps(_clean(payload), indent=2, allow_nan=False) + "\n"


def _run(r: RunValue) -> dict[str, object]:
    """One run's object: today's fields and the compared value, last point, divergence."""
    return {
        "name": r.run,
        "group": r.group,
        "final": json_number(r.last),
        "final_step": json_step(r.last_step),
        "best": json_number(r.best),
        "best_step": json_step(r.best_step),
        "mean": json_number(r.mean),
        "std": json_number(r.std),
        "nan_count": r.nan_count,
        "value": json_number(r.value),
        "last": json_number(r.last),
        "last_step": json_step(r.last_step),
        "diverged_step": json_step(r.diverged_step),
        "diverged_reason": r.diverged_reason,
    }


def _metric(m: MetricComparison) -> dict[str, object]:
    """One metric's object."""
    first = m.pairs[0] if m.pairs else None
    return {
        "metric": m.metric,
        "higher_is_better": m.direction.higher_is_better,
        "direction": "higher" if m.direction.higher_is_better else "lower",
        "direction_from": m.direction.source,
        "kind": m.kind,
        "step": json_step(m.step),
        "at": m.at,
        "runs": [_run(r) for r in m.runs],
        "divergence": _divergence(first.divergence) if first else None,
        "groups": [
            {
                "name": g.name,
                "key": g.key,
                "runs": list(g.runs),
                "final_mean": g.mean,
                "final_std": g.std,
                "iqm": g.iqm,
                "iqm_ci": g.iqm_ci,
                "n": g.n,
                "diverged": g.diverged,
                "n_used": g.n_used,
                "ci_reliable": g.ci_reliable,
                "notes": list(g.notes),
            }
            for g in m.groups
        ],
        "group_test": _group_test(first) if first else None,
        "divergences": [_divergence(p.divergence) for p in m.pairs],
        "group_tests": [_group_test(p) for p in m.pairs],
        "comparisons": [_pair(p) for p in m.pairs],
        "convergence": [_settled(s) for s in m.convergence],
        "notes": list(m.notes),
    }


def _settled(s: Settled) -> dict[str, object]:
    """Convergence of one run: today's fields (``slope`` as an object) and the verdict."""
    slope = None
    if s.slope is not None and s.slope_ci is not None and s.slope_window is not None:
        slope = {
            "value": s.slope, "low": s.slope_ci[0], "high": s.slope_ci[1],
            "start_step": s.slope_window[0], "span": s.slope_window[1],
        }  # fmt: skip
    return {
        "run": s.run, "metric": s.metric, "points": s.points, "final": s.final, "band": s.band,
        "converged_step": json_step(s.settled_step), "slope": slope, "plateau": s.plateau,
        "converged": s.converged, "verdict": s.verdict,
    }  # fmt: skip


def _divergence(d: DivergencePoint) -> dict[str, object]:
    """The ``divergence`` object of a pair."""
    return {
        "a": d.a,
        "b": d.b,
        "step": json_step(d.step),
        "threshold": d.noise,
        "consecutive": d.persist,
        "gap": d.gap,
        "sign": d.sign,
        "aligned": d.aligned,
        "status": d.status,
        "rule": d.rule,
    }


def _group_test(p: PairComparison) -> dict[str, object] | None:
    """The ``group_test`` object of a pair (every field of the test)."""
    return None if p.test is None else asdict(p.test)


def _pair(p: PairComparison) -> dict[str, object]:
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
        "paired": None if p.paired is None else {**asdict(p.paired), "descriptive": True},
        "notes": list(p.notes),
    }


def _anomaly(a: object) -> dict[str, object]:
    """One anomaly of one run, its step as an integer where it is one."""
    found = asdict(a)  # type: ignore[call-overload]
    return {**found, "step": json_step(found["step"])}


def _clean(value: object) -> object:
    """Recursively: non-finite floats to None, tuples to lists, integer steps kept."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value
