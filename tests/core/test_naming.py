"""Run names made unique by the shortest distinguishing path suffix; shortening, and short
names that stay distinct (the reports' tables)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from curvelens.core.naming import NAME_WIDTH, parent_folder, short_names, shorten, unique_names


def test_unique_names_keep_plain_names() -> None:
    assert unique_names([("a/x", "x"), ("b/y", "y")]) == {"a/x": "x", "b/y": "y"}


def test_colliding_names_get_the_shortest_distinguishing_suffix() -> None:
    ids = [
        "mnist/lightning_logs/version_0",
        "cifar/lightning_logs/version_0",
        "cifar/lightning_logs/version_1",
        "sb3/logs",
        "other/logs",
    ]
    names = unique_names([(i, i.rsplit("/", 1)[-1]) for i in ids])
    assert names["mnist/lightning_logs/version_0"] == "mnist/lightning_logs/version_0"
    assert names["cifar/lightning_logs/version_0"] == "cifar/lightning_logs/version_0"
    assert names["cifar/lightning_logs/version_1"] == "version_1"
    assert names["sb3/logs"] == "sb3/logs"
    assert names["other/logs"] == "other/logs"


def test_digit_names_keep_their_parent() -> None:
    assert unique_names([("sacred/runs/1", "1"), ("sacred/runs/2", "2")]) == {
        "sacred/runs/1": "runs/1",
        "sacred/runs/2": "runs/2",
    }


def test_names_are_sanitised() -> None:
    assert unique_names([("a\x1b]0;x", "a\x1b]0;x")]) == {"a\x1b]0;x": "a?]0;x"}


def test_a_log_name_that_collides_falls_back_to_the_path() -> None:
    names = unique_names([("mlruns/0/abc", "train"), ("mlruns/1/def", "train")])
    assert names == {"mlruns/0/abc": "abc", "mlruns/1/def": "def"}


@given(st.lists(st.lists(st.sampled_from("abc"), min_size=1, max_size=4), unique_by=tuple))
def test_names_are_always_unique(paths: list[list[str]]) -> None:
    ids = ["/".join(p) for p in paths]
    names = unique_names([(i, i.rsplit("/", 1)[-1]) for i in ids])
    assert len(set(names.values())) == len(ids)


def test_parent_folder() -> None:
    assert parent_folder("a/b/c") == "a/b"
    assert parent_folder("c") == "."


@given(st.text(max_size=40), st.integers(min_value=0, max_value=50))
def test_shorten_fits_and_keeps_the_tail(name: str, width: int) -> None:
    out = shorten(name, width)
    assert len(out) <= max(width, 0) or out == name[:width]
    if len(name) <= width:
        assert out == name
    elif width >= 4:
        assert name.endswith(out.split("…")[-1])


def test_shorten_drops_the_timestamp_first_and_keeps_the_last_folder() -> None:
    name = "baseline_lr5e-4_seed1_20250301_120000"
    assert shorten(name, 40) == name
    assert shorten(name, 28) == "baseline_lr5e-4_seed1…120000"
    assert shorten(name, 16).endswith("seed1…") and len(shorten(name, 16)) == 16
    assert shorten("Eve-ning__opal-v2/lightning_logs/version_0", 24) == "Eve-ning__opa…/version_0"
    assert shorten("no_stamp_here_seed3", 10) == "no_…_seed3"


def test_short_names_keep_head_and_distinguishing_tail_and_stay_distinct() -> None:
    chain = "cond0-60_max_block_rope_gpt2_conditional_20251227_070135_20251227_070158"
    names = [
        "baseline_lr5e-4_seed0_20250301_090000",
        chain,
        chain + "_20251227_204239",
        "cond0-20_max_block_rope_distilgpt2_conditional_20251229_212429_20251230_052106",
        "short",
    ]
    short = short_names(names)
    assert short["short"] == "short"
    assert short[names[0]].startswith("baseline_lr5e-4_seed0")  # the start time is cut first
    assert short[chain].endswith("070158") and short[chain + "_20251227_204239"].endswith("204239")
    assert short[names[3]].startswith("cond0-20")
    assert len(set(short.values())) == len(names)
    assert all(len(s) <= NAME_WIDTH for s in short.values())


def test_short_names_widen_until_names_differ() -> None:
    # Same head and tail at width 10: the cut widens until the middle letter shows.
    names = ["aaaaaaaaaaXaaaaaaaaaa", "aaaaaaaaaaYaaaaaaaaaa"]
    short = short_names(names, width=10)
    assert short[names[0]] != short[names[1]]
    assert short == {n: shorten(n, len(short[n])) for n in names}
