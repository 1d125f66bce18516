"""The divergence point by simulation (fixed seeds, counting): same-config noise is rarely
flagged, a 30 % departure is found soon after it starts, short overlaps say so."""

from __future__ import annotations

import numpy as np
import pytest

from curvelens.core.comparison import curves

STEPS = np.arange(1, 1001, dtype=np.float64)
BASE = 2.5 + 8.5 * (1.0 + STEPS / 50.0) ** -0.6
TRIALS = 200


def noisy(rng: np.random.Generator, level: float, ar: float = 0.0) -> np.ndarray:
    """BASE with multiplicative noise of relative size ``level`` (AR(1) with ``ar``)."""
    eps = rng.normal(0.0, level, STEPS.size)
    if ar:
        for i in range(1, eps.size):
            eps[i] = ar * eps[i - 1] + np.sqrt(1 - ar * ar) * eps[i]
    return BASE * (1.0 + eps)


def departed(curve: np.ndarray, start: int, size: float = 0.3) -> np.ndarray:
    """The curve lowered by ``size`` (relative) from step ``start`` on."""
    return np.where(start <= STEPS, curve * (1.0 - size), curve)


@pytest.mark.parametrize(("level", "ar"), [(0.02, 0.0), (0.05, 0.0), (0.03, 0.5)])
def test_two_runs_of_one_config_are_rarely_flagged(level, ar):
    rng = np.random.default_rng(int(level * 1000) + int(ar * 10))
    flagged = sum(
        curves.run_divergence(("a", "b"), STEPS, noisy(rng, level, ar), noisy(rng, level, ar), 5)
        .step is not None
        for _ in range(TRIALS)
    )  # fmt: skip
    assert flagged / TRIALS <= 0.05


@pytest.mark.parametrize("level", [0.02, 0.05])
def test_seed_groups_of_one_config_are_rarely_flagged(level):
    rng = np.random.default_rng(int(level * 1000) + 1)
    flagged = 0
    for _ in range(TRIALS):
        a = np.array([noisy(rng, level) * rng.normal(1, level) for _ in range(3)])
        b = np.array([noisy(rng, level) * rng.normal(1, level) for _ in range(3)])
        flagged += curves.group_divergence(("a", "b"), STEPS, a, b, 5).step is not None
    assert flagged / TRIALS <= 0.05


@pytest.mark.parametrize("start", [300, 700])
def test_a_30_percent_departure_is_found_within_15_percent_of_the_run(start):
    rng = np.random.default_rng(start)
    late = 0
    for _ in range(TRIALS // 2):
        d = curves.run_divergence(
            ("a", "b"), STEPS, noisy(rng, 0.05), departed(noisy(rng, 0.05), start), 5
        )
        late += d.step is None or not start <= d.step <= start + 0.15 * STEPS.size
        assert d.step is None or d.step < start or d.sign == -1
    assert late <= 0.05 * TRIALS // 2  # a false alarm before the start counts as a miss


def test_groups_find_a_30_percent_departure_soon_after_it_starts():
    rng = np.random.default_rng(5)
    late = 0
    for _ in range(TRIALS // 2):
        a = np.array([noisy(rng, 0.05) for _ in range(3)])
        b = np.array([departed(noisy(rng, 0.05), 400) for _ in range(3)])
        d = curves.group_divergence(("a", "b"), STEPS, a, b, 5)
        late += d.step is None or not 400 <= d.step <= 400 + 0.15 * STEPS.size
    assert late <= 0.05 * TRIALS // 2


def test_too_few_aligned_steps_says_so():
    steps = np.arange(6, dtype=np.float64)
    d = curves.run_divergence(("a", "b"), steps, steps, steps * 2, 5)
    assert d.status == "not enough aligned steps" and d.aligned == 6 and d.step is None
    g = curves.group_divergence(("a", "b"), steps, np.ones((2, 6)), np.ones((2, 6)), 5)
    assert g.status == "not enough aligned steps"


def test_grid_is_the_union_of_steps_inside_the_overlap():
    a = curves.Curve("a", np.array([0.0, 10, 20, 30]), np.array([1.0, 2, 3, 4]))
    b = curves.Curve("b", np.array([5.0, 15, 25, 40]), np.array([1.0, 1, 1, 1]))
    grid = curves.shared_grid([a, b], set())
    assert grid.tolist() == [5.0, 10, 15, 20, 25, 30]
    assert curves.on_grid(a, grid).tolist() == [1.5, 2, 2.5, 3, 3.5, 4]
    assert curves.shared_grid([a, b], {"b"}).tolist() == [0.0, 10, 20, 30]
