"""``dumps_indented`` writes exactly what ``json.dumps(..., indent=n, allow_nan=False)`` does."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from curvelens.core.reports.jsonindent import dumps_indented

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.text()
    | st.floats(allow_nan=False, allow_infinity=False)
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.tuples(inner, inner)
        | st.dictionaries(st.text(max_size=5) | st.integers() | st.booleans(), inner, max_size=4)
    ),
    max_leaves=30,
)


@given(VALUES, st.integers(min_value=0, max_value=4))
def test_same_text_as_json(value: Any, indent: int) -> None:
    """Any nesting of scalars, lists, tuples and dicts (odd keys, unicode, empty ones)."""
    assert dumps_indented(value, indent) == json.dumps(value, indent=indent, allow_nan=False)


def test_summary_shape() -> None:
    """The summary's shape: runs holding params, warnings and per-metric statistics."""
    run = {
        "name": "r\u00e9\n1",
        "params": {"lr": 0.001, "seed": 3, "mode": None},
        "warnings": [],
        "metrics": {"loss": {"count": 2, "min": 0.5, "best_step": None}, "acc": {}},
    }
    payload = {"runs": [run, run], "empty": []}
    assert dumps_indented(payload) == json.dumps(payload, indent=2, allow_nan=False)


def test_non_finite_refused_like_json() -> None:
    """NaN is not JSON: both refuse it."""
    with pytest.raises(ValueError):
        json.dumps({"a": [math.nan]}, indent=2, allow_nan=False)
    with pytest.raises(ValueError):
        dumps_indented({"a": [math.nan]})
