"""IQM and P(improvement) equal rliable's own functions on the same numbers (skipped when
rliable is not installed; it is a test-time cross-check, not a dependency), and a hand
computation that runs everywhere."""

from __future__ import annotations

import numpy as np
import pytest

from curvelens.core.analysis.bootstrap import iqm
from curvelens.core.comparison import CompareOptions, build_comparison, resampled
from tests.core.comparison_helpers import run


def test_iqm_and_improvement_by_hand():
    # 8 values: drop the 2 lowest and 2 highest, mean of the middle 4
    assert iqm([9, 1, 2, 3, 4, 5, 6, 100]) == pytest.approx((3 + 4 + 5 + 6) / 4)
    a, b = np.array([1.0, 2.0, 3.0]), np.array([2.0, 3.0, 4.0])
    # pairs b > a: 2>1, 3>1, 3>2, 4>all three = 6 wins, 2 ties of 9
    assert resampled.improvement(a, b, True) == pytest.approx((6 + 0.5 * 2) / 9)
    assert resampled.improvement(a, b, False) == pytest.approx((1 + 0.5 * 2) / 9)


def test_matches_rliable_on_the_same_scores():
    metrics = pytest.importorskip("rliable.metrics")
    rng = np.random.default_rng(0)
    x = np.round(rng.normal(1.0, 0.3, (5, 4)), 1)  # rounded: ties between runs
    y = np.round(rng.normal(0.8, 0.3, (6, 4)), 1)
    assert iqm(x.ravel()) == pytest.approx(metrics.aggregate_iqm(x))
    ours = np.mean([resampled.improvement(y[:, m], x[:, m], True) for m in range(4)])
    assert ours == pytest.approx(metrics.probability_of_improvement(x, y))


def test_engine_aggregate_matches_rliable_on_normalised_scores():
    metrics = pytest.importorskip("rliable.metrics")
    rng = np.random.default_rng(1)
    steps = np.arange(3.0)
    scores = {cfg: rng.normal(mu, 0.1, (4, 3)) for cfg, mu in (("a", 1.0), ("b", 1.2))}
    runs = [
        run(f"{cfg}_seed{s}", {f"task{t}_return": (steps, np.full(3, scores[cfg][s, t]))
                              for t in range(3)}, {"cfg": cfg, "seed": s})
        for cfg in ("a", "b") for s in range(4)
    ]  # fmt: skip
    c = build_comparison(runs, CompareOptions(reps=200, anomalies=False))
    (agg,) = c.aggregates
    norm = {cfg: v / np.abs(scores["a"].mean(axis=0)) for cfg, v in scores.items()}
    assert agg.iqm_a == pytest.approx(metrics.aggregate_iqm(norm["a"]))
    assert agg.iqm_b == pytest.approx(metrics.aggregate_iqm(norm["b"]))
    assert agg.prob_improvement == pytest.approx(
        metrics.probability_of_improvement(norm["b"], norm["a"])
    )
