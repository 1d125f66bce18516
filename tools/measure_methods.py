"""Measure the comparison's intervals and flagging rules by simulation (README METHODS).

Run ``.venv/bin/python tools/measure_methods.py`` (a few minutes, fixed seeds). Coverage:
normal runs, effect 1 sd, so the true IQM difference is 1, Hedges' g 1 and P(improvement)
Phi(1 / sqrt 2) = 0.760. False-positive rates: same-config noise; detection: a 30 %
departure.
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np

from curvelens.core.analysis import inference
from curvelens.core.analysis.anomalies import detect
from curvelens.core.analysis.effects import hedges_correction, hedges_g
from curvelens.core.analysis.overfitting import overfitting
from curvelens.core.comparison import curves, resampled

TRIALS = 1000
EFFECT = 1.0
STEPS = np.arange(1, 1001, dtype=np.float64)
BASE = 2.5 + 8.5 * (1.0 + STEPS / 50.0) ** -0.6


def coverage(n: int, method: str, seed: int) -> dict[str, float]:
    """Fraction of trials whose intervals hold the true value, per statistic."""
    rng = np.random.default_rng(seed)
    truth_p = NormalDist().cdf(EFFECT / math.sqrt(2))
    j = hedges_correction(2 * n - 2)
    hits = dict.fromkeys(("IQM", "IQM diff", "P(improvement)", "Welch diff", "Hedges g"), 0)
    for _ in range(TRIALS):
        a, b = rng.normal(0, 1, n), rng.normal(EFFECT, 1, n)
        checks = {
            "IQM": (resampled.iqm_interval(b, rng, 2000, 0.95, method), EFFECT),
            "IQM diff": (resampled.iqm_diff_interval(a, b, rng, 2000, 0.95, method), EFFECT),
            "P(improvement)": (
                resampled.improvement_interval(a, b, True, rng, 2000, 0.95, method),
                truth_p,
            ),
            "Welch diff": (inference.welch(a, b)[3], EFFECT),
            "Hedges g": (inference.hedges_g_interval(hedges_g(a, b), n, n, j), EFFECT),
        }
        for name, (ci, truth) in checks.items():
            hits[name] += ci is not None and ci[0] <= truth <= ci[1]
    return {k: v / TRIALS for k, v in hits.items()}


def noisy(rng: np.random.Generator, level: float, ar: float = 0.0) -> np.ndarray:
    """BASE with multiplicative noise of relative size ``level`` (AR(1) coefficient ``ar``)."""
    eps = rng.normal(0.0, level, STEPS.size)
    for i in range(1, eps.size if ar else 0):
        eps[i] = ar * eps[i - 1] + math.sqrt(1 - ar * ar) * eps[i]
    return BASE * (1.0 + eps)


def divergence_rates(trials: int = 500) -> None:
    """False positives of same-config pairs and groups; delay of a 30 % departure."""
    rng = np.random.default_rng(1)
    for level, ar in ((0.02, 0.0), (0.05, 0.0), (0.03, 0.5)):
        fp = sum(
            curves.run_divergence(("a", "b"), STEPS, noisy(rng, level, ar),
                                  noisy(rng, level, ar), 5).step is not None
            for _ in range(trials)
        )  # fmt: skip
        print(f"two runs, noise {level:.0%} AR {ar}: flagged {fp / trials:.1%}")
    for level in (0.02, 0.05):
        fp = 0
        for _ in range(trials):
            a = np.array([noisy(rng, level) * rng.normal(1, level) for _ in range(3)])
            b = np.array([noisy(rng, level) * rng.normal(1, level) for _ in range(3)])
            fp += curves.group_divergence(("a", "b"), STEPS, a, b, 5).step is not None
        print(f"3 vs 3 seeds, noise {level:.0%} + seed offsets: flagged {fp / trials:.1%}")
    delays = []
    for _ in range(trials):
        b = noisy(rng, 0.05)
        b = np.where(STEPS >= 500, b * 0.7, b)
        d = curves.run_divergence(("a", "b"), STEPS, noisy(rng, 0.05), b, 5)
        delays.append(np.inf if d.step is None or d.step < 500 else d.step - 500)
    late = np.asarray(delays)
    print(
        f"30% departure at step 500 of 1000, 5% noise, two runs: found within 15% of the run "
        f"in {np.mean(late <= 150):.1%}, median delay {np.median(late):.0f} steps"
    )


def anomaly_rates() -> None:
    """False anomalies in 20,000 points of flat heavy-tailed noise, both directions."""
    rng = np.random.default_rng(2)
    steps = np.arange(20_000, dtype=np.float64)
    for name, draw in (
        ("normal", lambda: rng.normal(0, 1, steps.size)),
        ("Laplace", lambda: rng.laplace(0, 1, steps.size)),
        ("Student t5", lambda: rng.standard_t(5, steps.size)),
        ("Student t3", lambda: rng.standard_t(3, steps.size)),
    ):
        counts = [len(detect("weird_thing", steps, 2.0 + 0.01 * draw())) for _ in range(10)]
        print(f"anomalies, {name} noise: {np.mean(counts):.1f} per 20,000 points (mean of 10)")


def overfitting_rate(trials: int = 1000) -> None:
    """Flat eval curve with 1.5 % noise while train falls: how often it is flagged."""
    rng = np.random.default_rng(3)
    train_steps = np.arange(1, 3001, dtype=np.float64)
    eval_steps = np.arange(100, 3001, 100, dtype=np.float64)
    flagged = 0
    for _ in range(trials):
        evals = 2.0 * (1 + rng.normal(0, 0.015, eval_steps.size))
        train = 3.0 - train_steps / 3000 + rng.normal(0, 0.02, train_steps.size)
        verdict = overfitting(train_steps, train, eval_steps, evals).verdict
        flagged += verdict in ("overfitting", "eval_worsening")
    print(f"overfitting on a flat eval curve with 1.5% noise: flagged {flagged / trials:.1%}")


def main() -> None:
    """Print every measured number."""
    for n in (3, 5, 6, 7, 10):
        for method in ("percentile", "bca"):
            found = coverage(n, method, seed=n)
            shown = ", ".join(f"{k} {v:.3f}" for k, v in found.items())
            print(f"coverage n={n:2d} {method:10s}: {shown}", flush=True)
    divergence_rates()
    anomaly_rates()
    overfitting_rate()


if __name__ == "__main__":
    main()
