"""Two-sample inference that holds at 3 to 10 runs per group: exact where it matters.

Convention as in :mod:`.effects`: ``b`` against the baseline ``a``, signed ``b - a``. Every
function returns NaN (the caller turns it into "undefined" with a reason) instead of a
p-value the data cannot support; inputs must be finite. scipy is imported inside.

- :func:`welch`: Welch's t, df, two-sided p and the t interval of the mean difference.
- :func:`permutation_tests`: exact (all ``C(n_a+n_b, n_a)`` splits up to
  :data:`MAX_EXACT`, else :data:`MONTE_CARLO` random splits, p = (1 + hits) / (1 + reps))
  two-sided p-values of the Mann-Whitney U (mid-ranks, so ties are kept) and of the mean
  difference, each as P(|S - E S| >= |s - E S|) under the permutation null.
- :func:`hedges_g_interval`: the interval of Hedges' g from the noncentral t (Steiger &
  Fouladi): the noncentrality parameters whose distribution puts ``t`` at the two tail
  quantiles, rescaled to d and multiplied by J(df).
- :func:`power_detectable` / :func:`seeds_needed`: two-sample t-test power (noncentral t).
- :func:`holm`: Holm's step-down adjusted p-values.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from functools import lru_cache
from itertools import combinations

import numpy as np

#: Largest number of splits enumerated exactly (C(20, 10) = 184,756 fits).
MAX_EXACT = 200_000
#: Random splits when there are more.
MONTE_CARLO = 20_000
#: Relative spread below which values count as constant (a constant metric's float noise).
RELATIVE_ZERO = 1e-10


def is_constant(x: np.ndarray, scale: float | None = None) -> bool:
    """True when the values of ``x`` differ by less than :data:`RELATIVE_ZERO` of ``scale``
    (default: their largest magnitude), or all are equal."""
    if x.size < 2:
        return True
    ref = scale if scale is not None else float(np.max(np.abs(x)))
    return float(np.ptp(x)) <= RELATIVE_ZERO * ref


def welch(
    a: np.ndarray, b: np.ndarray, level: float = 0.95
) -> tuple[float, float, float, tuple[float, float] | None]:
    """(t, df, two-sided p, t interval of mean(b) - mean(a)); NaNs and None when undefined
    (fewer than 2 values in a group, or both groups constant)."""
    nan = float("nan")
    if a.size < 2 or b.size < 2:
        return nan, nan, nan, None
    scale = float(max(np.max(np.abs(a)), np.max(np.abs(b))))
    if is_constant(a, scale) and is_constant(b, scale):
        return nan, nan, nan, None
    from scipy import stats

    va, vb = float(a.var(ddof=1)) / a.size, float(b.var(ddof=1)) / b.size
    se = math.sqrt(va + vb)
    diff = float(b.mean() - a.mean())
    t = diff / se
    df = (va + vb) ** 2 / (va**2 / (a.size - 1) + vb**2 / (b.size - 1))
    half = float(stats.t.ppf(0.5 + level / 2, df)) * se
    return t, df, float(2 * stats.t.sf(abs(t), df)), (diff - half, diff + half)


@lru_cache(maxsize=32)
def _all_splits(n: int, k: int) -> np.ndarray:
    """Every k-subset of range(n), one per row (cached: many metrics share group sizes)."""
    out = np.array(list(combinations(range(n), k)), dtype=np.int64).reshape(-1, k)
    out.flags.writeable = False
    return out


def _splits(n: int, k: int, rng: np.random.Generator) -> tuple[np.ndarray, bool]:
    """Index sets of the first group: every split when few enough, else random ones."""
    if math.comb(n, k) <= MAX_EXACT:
        return _all_splits(n, k), True
    order = np.argsort(rng.random((MONTE_CARLO, n)), axis=1)
    return order[:, :k], False


def _two_sided(stat: np.ndarray, observed: float, centre: float, exact: bool) -> float:
    """P(|S - centre| >= |observed - centre|) over the splits (a small float tolerance)."""
    far = np.abs(stat - centre)
    limit = abs(observed - centre)
    hits = int(np.count_nonzero(far >= limit - 1e-9 * max(limit, 1e-300)))
    if exact:
        return hits / stat.size
    return (1 + hits) / (1 + stat.size)


def permutation_tests(
    a: np.ndarray, b: np.ndarray, rng: np.random.Generator
) -> tuple[float, float, float, bool]:
    """(U of b, p of U, p of the mean difference, exact?) by the module docstring's rule;
    the two p-values are NaN when every value is equal (nothing can be told apart)."""
    from scipy import stats

    pooled = np.concatenate([a, b])
    n, k = pooled.size, a.size
    ranks = stats.rankdata(pooled)
    u_obs = float(ranks[k:].sum() - b.size * (b.size + 1) / 2)
    if a.size < 1 or b.size < 1 or is_constant(pooled):
        return u_obs, float("nan"), float("nan"), True
    split, exact = _splits(n, k, rng)
    rank_a = ranks[split].sum(axis=1)
    u = ranks.sum() - rank_a - b.size * (b.size + 1) / 2
    p_u = _two_sided(u, u_obs, a.size * b.size / 2, exact)
    centred = pooled - pooled.mean()  # differences of means are shift invariant
    sum_a = centred[split].sum(axis=1)
    diff = (centred.sum() - sum_a) / b.size - sum_a / k
    observed = float(centred[k:].mean() - centred[:k].mean())
    return u_obs, p_u, _two_sided(diff, observed, 0.0, exact), exact


def hedges_g_interval(
    g: float, n_a: int, n_b: int, correction: float, level: float = 0.95
) -> tuple[float, float] | None:
    """Noncentral-t interval of Hedges' g (``correction`` = J(df)); None if it fails."""
    from scipy import optimize, stats

    df = n_a + n_b - 2
    root = math.sqrt(n_a * n_b / (n_a + n_b))
    t = g / correction * root

    def ncp(prob: float) -> float:
        def f(x: float) -> float:
            return float(stats.nct.cdf(t, df, x)) - prob

        low, high = _bracket(f, t)
        return float(optimize.brentq(f, low, high, xtol=1e-10))

    try:
        low, high = ncp(0.5 + level / 2), ncp(0.5 - level / 2)
    except (ValueError, RuntimeError):
        return None
    return low / root * correction, high / root * correction


def _bracket(f: Callable[[float], float], start: float) -> tuple[float, float]:
    """An interval around the root of the decreasing ``f``, grown from ``start`` in doubling
    steps (so it never reaches the far tails where the noncentral t cdf is NaN)."""
    step = 1.0
    low = high = start
    for _ in range(60):
        if f(low) > 0:
            break
        low, step = low - step, step * 2
    step = 1.0
    for _ in range(60):
        if f(high) < 0:
            break
        high, step = high + step, step * 2
    if not (f(low) > 0 > f(high)):
        raise ValueError("no bracket")
    return low, high


def _power(effect: float, n_a: float, n_b: float, alpha: float) -> float:
    """Power of the two-sided two-sample t-test at standardized ``effect``."""
    from scipy import stats

    df = n_a + n_b - 2
    crit = float(stats.t.ppf(1 - alpha / 2, df))
    ncp = effect * math.sqrt(n_a * n_b / (n_a + n_b))
    power = float(stats.nct.sf(crit, df, ncp) + stats.nct.cdf(-crit, df, ncp))
    if math.isfinite(power):
        return power
    # scipy's noncentral t fails for large df and ncp, where it is nearly normal
    return float(stats.norm.sf(crit - ncp) + stats.norm.cdf(-crit - ncp))


def power_detectable(n_a: int, n_b: int, power: float = 0.8, alpha: float = 0.05) -> float:
    """Smallest standardized effect the t-test detects with ``power``; NaN if df < 1."""
    from scipy import optimize

    if n_a + n_b - 2 < 1 or min(n_a, n_b) < 2:
        return float("nan")
    return float(
        optimize.brentq(lambda e: _power(e, n_a, n_b, alpha) - power, 1e-6, 1e3, xtol=1e-8)
    )


def seeds_needed(
    effect: float, power: float = 0.8, alpha: float = 0.05, most: int = 1000
) -> int | None:
    """Smallest equal group size with ``power`` at ``effect``; None if more than ``most``."""
    if not math.isfinite(effect) or effect == 0:
        return None
    e = abs(effect)
    low, high = 2, most
    if _power(e, high, high, alpha) < power:
        return None
    while low < high:
        mid = (low + high) // 2
        if _power(e, mid, mid, alpha) >= power:
            high = mid
        else:
            low = mid + 1
    return low


def holm(pvalues: Sequence[float]) -> list[float]:
    """Holm's step-down adjusted p-values (NaN entries stay NaN and are not counted)."""
    p = np.asarray(pvalues, dtype=np.float64)
    out = np.full(p.size, np.nan)
    valid = np.flatnonzero(np.isfinite(p))
    m = valid.size
    order = valid[np.argsort(p[valid], kind="stable")]
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * float(p[i])))
        out[i] = running
    return out.tolist()
