"""Measure the coverage of the comparison's bootstrap intervals by simulation.

Run ``.venv/bin/python tools/measure_methods.py`` (about a minute); the numbers go into
README's METHODS section. Normal runs, effect 1 sd; true IQM difference 1, true
P(improvement) = Phi(1 / sqrt 2) = 0.760.
"""

from __future__ import annotations

import math
import sys
from statistics import NormalDist

import numpy as np

from curvelens.core.comparison.resampled import improvement_interval, iqm_diff_interval

TRIALS = 1000
EFFECT = 1.0


def coverage(n: int, method: str, seed: int) -> tuple[float, float]:
    """Fraction of trials whose IQM-difference and P(improvement) intervals hold the truth."""
    rng = np.random.default_rng(seed)
    truth_p = NormalDist().cdf(EFFECT / math.sqrt(2))
    hit_iqm = hit_p = 0
    for _ in range(TRIALS):
        a, b = rng.normal(0, 1, n), rng.normal(EFFECT, 1, n)
        ci = iqm_diff_interval(a, b, rng, 2000, 0.95, method)
        hit_iqm += ci is not None and ci[0] <= EFFECT <= ci[1]
        ci = improvement_interval(a, b, True, rng, 2000, 0.95, method)
        hit_p += ci is not None and ci[0] <= truth_p <= ci[1]
    return hit_iqm / TRIALS, hit_p / TRIALS


def main() -> None:
    """Print a coverage table for n = 3, 5, 10 and both interval methods."""
    for n in (3, 5, 10):
        for method in ("percentile", "bca"):
            iqm, p = coverage(n, method, seed=n)
            print(f"n={n:2d} {method:10s} IQM diff {iqm:.3f}  P(improvement) {p:.3f}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
