"""Percentiles of a union of sorted runs agree with numpy.percentile on the joined values."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from curvelens.tui.quantiles import order_keys, percentiles

floats = st.floats(allow_nan=True, allow_infinity=True, width=64)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.lists(floats, max_size=30), min_size=1, max_size=5),
    st.lists(st.floats(0, 100), min_size=1, max_size=3),
)
def test_union_percentiles_match_numpy(runs: list[list[float]], qs: list[float]) -> None:
    arrays = [np.array(r, dtype=np.float64) for r in runs]
    joined = np.concatenate(arrays)
    joined = joined[np.isfinite(joined)]
    got = percentiles([order_keys(a) for a in arrays], qs)
    if not joined.size:
        assert got is None
        return
    assert got == pytest.approx(list(np.percentile(joined, qs)), rel=1e-12, abs=1e-300)


def test_keys_order_like_the_floats() -> None:
    values = np.array([3.0, -0.5, -2.0, 0.0, 1e-300, -1e300, np.inf, np.nan, 7.5])
    keys = order_keys(values)
    finite = np.sort(values[np.isfinite(values)])
    assert percentiles([keys], [0, 100]) == [finite[0], finite[-1]]
    assert keys.size == finite.size and bool(np.all(np.diff(keys) > 0))
