"""Header names: blanks filled, duplicates suffixed, the same rule at any width."""

from __future__ import annotations

from hypothesis import assume, given
from hypothesis import strategies as st

from curvelens.core.readers.delimited import column_names


def _by_rule(fields: list[str]) -> list[str]:
    """The rule spelled out: the first free of ``base``, ``base_2``, ``base_3`` ..."""
    names: list[str] = []
    for index, raw in enumerate(fields):
        base = raw.strip() or f"column_{index + 1}"
        name, suffix = base, 2
        while name in names:
            name, suffix = f"{base}_{suffix}", suffix + 1
        names.append(name)
    return names


@given(
    st.lists(st.sampled_from(["a", "a_2", "a_3", "a_2_2", "b", "", " a", "column_2"]), min_size=1)
)
def test_duplicates_follow_the_rule(fields: list[str]) -> None:
    assume(fields != [""])  # an empty header line has no field at all
    assert column_names(",".join(fields), ",") == _by_rule(fields)


def test_many_duplicates_get_distinct_names() -> None:
    names = column_names(",".join(["loss"] * 100_000 + ["loss_2"]), ",")
    assert len(set(names)) == len(names) == 100_001
    assert names[:3] == ["loss", "loss_2", "loss_3"]
    assert names[-1] == "loss_2_2"
