"""Effect sizes by hand: Cohen's d with the pooled std, Hedges' g with the exact J(df).
(The engine's Welch, Mann-Whitney and P(improvement) are checked in test_comparison and
test_rliable_definitions.)"""

from __future__ import annotations

import math

import numpy as np
import pytest

from curvelens.core.analysis.effects import cohens_d, hedges_g


def test_hedges_g_by_hand() -> None:
    a = np.array([1.0, 2.0, 3.0])
    b = np.array([3.0, 4.0, 5.0])
    # means 2 and 4, both sample variances 1 -> pooled sd 1, d = 2
    assert cohens_d(a, b) == pytest.approx(2.0)
    # df = 4: J = Gamma(2) / (sqrt(2) Gamma(3/2)) = 1 / (sqrt(2) sqrt(pi) / 2) = sqrt(2 / pi)
    assert hedges_g(a, b) == pytest.approx(2.0 * math.sqrt(2.0 / math.pi))
    # close to the usual approximation J ~ 1 - 3 / (4 df - 1) = 0.8
    assert hedges_g(a, b) == pytest.approx(2.0 * 0.8, rel=0.01)
