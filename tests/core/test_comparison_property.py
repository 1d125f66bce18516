"""The engine never raises on odd runs, and its JSON is always strict (property test)."""

from __future__ import annotations

import json

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from curvelens.core.comparison import CompareOptions, build_comparison
from curvelens.core.reports.compare_json import compare_json
from curvelens.core.reports.compare_writers import compare_markdown, compare_text
from tests.core.comparison_helpers import run

VALUES = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True, width=64),
    st.sampled_from([0.0, 1.0, 1e-300, -1e300, float("nan")]),
)
CURVE = st.lists(st.tuples(st.integers(0, 30), VALUES), min_size=0, max_size=25)
PARAMS = st.dictionaries(
    st.sampled_from(["seed", "lr", "run_id", "output_dir", "model"]),
    st.one_of(st.none(), st.integers(0, 3), st.sampled_from(["a", "/x/y/z", "2025-01-01"])),
    max_size=4,
)


@st.composite
def runs(draw: st.DrawFn) -> list:
    out = []
    for i in range(draw(st.integers(1, 5))):
        curves = {}
        for metric in draw(st.sets(st.sampled_from(["loss", "val_acc", "lr", "odd"]), max_size=3)):
            pts = dict(draw(CURVE))
            steps = np.array(sorted(pts), dtype=np.float64)
            curves[metric] = (steps, np.array([pts[s] for s in sorted(pts)], dtype=np.float64))
        out.append(run(f"r{i}_seed{i}", curves, draw(PARAMS)))
    return out


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(runs(), st.sampled_from(["common", "last", "best", 5.0]))
def test_odd_runs_never_break_the_engine_or_its_writers(found, at):
    c = build_comparison(found, CompareOptions(at=at, reps=50))
    payload = json.loads(compare_json(c), parse_constant=lambda name: 1 / 0)
    assert len(payload["metrics"]) == len(c.metrics)
    assert compare_text(c).startswith("curvelens compare")
    assert compare_markdown(c).startswith("# curvelens compare")
