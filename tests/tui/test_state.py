"""The View's pure transitions, without Textual: each returns a new View, never mutates."""

from __future__ import annotations

from dataclasses import replace

import pytest

from curvelens.tui import state as st
from curvelens.tui.state import View


def test_selection_pins_and_baseline_toggle() -> None:
    v = st.toggle_select(View(), "a")
    v = st.toggle_select(v, "b")
    assert v.selected == ("a", "b") and v.touched
    assert st.toggle_select(v, "a").selected == ("b",)
    assert st.toggle_select(v, None) is v
    assert st.toggle_pin(st.toggle_pin(v, "c"), "c").pins == ()
    assert st.toggle_pin(v, "c").pins == ("c",)
    based = st.toggle_baseline(v, "a")
    assert based.baseline == "a" and st.toggle_baseline(based, "a").baseline is None
    assert st.select_all(v, [str(i) for i in range(80)]).selected == tuple(
        str(i) for i in range(st.MAX_PLOTTED)
    )
    assert st.select_none(v).selected == ()


def test_sort_cycles_and_a_second_click_reverses() -> None:
    v = View()
    assert st.sort_next(v).sort == st.SORT_COLUMNS[1]
    last = replace(v, sort=st.SORT_COLUMNS[-1])
    assert st.sort_next(last).sort == st.SORT_COLUMNS[0]
    by_best = st.sort_by(v, "best")
    assert by_best.sort == "best" and not by_best.sort_reverse
    assert st.sort_by(by_best, "best").sort_reverse
    assert st.sort_by(v, "nonsense") is v


def test_metric_steps_and_grid_pages() -> None:
    metrics = ["a", "b", "c", "d", "e"]
    v = View(metric="a")
    assert st.step_metric(v, metrics, 1).metric == "b"
    assert st.step_metric(v, metrics, -1).metric == "e"
    assert st.step_metric(v, metrics, 1, page=2).metric == "c"
    assert st.step_metric(replace(v, metric="e"), metrics, 1, page=2).metric == "a"
    assert st.step_metric(v, [], 1) is v


def test_metric_change_keeps_step_zoom_but_resets_time_zoom() -> None:
    v = View(metric="a", x_range=(1.0, 2.0), cursor=1.5)
    assert st.set_metric(v, "b").x_range == (1.0, 2.0)
    timed = replace(v, x_axis="wall")
    assert st.set_metric(timed, "b").x_range is None


def test_smoothing_cycle_and_weight() -> None:
    v = View()
    kinds = [v.smoothing]
    for _ in range(3):
        v = st.cycle_smoothing(v)
        kinds.append(v.smoothing)
    assert kinds == ["off", "ema", "time-ema", "off"]
    up = st.change_weight(View(weight=0.97), 1)
    assert up.weight == 0.99 and up.smoothing == "ema"
    assert st.change_weight(View(weight=0.99), 1).weight == 0.99
    assert st.change_weight(View(weight=0.0), -1).weight == 0.0


def test_x_axis_cycles_through_logged_axis_metrics() -> None:
    v = View(x_range=(0.0, 1.0), cursor=0.5)
    seen = []
    for _ in range(5):
        v = st.cycle_x_axis(v, ["epoch", "tokens"])
        seen.append(v.x_axis)
        assert v.x_range is None and v.cursor is None
    assert seen == ["wall", "relative", "epoch", "tokens", "step"]


def test_zoom_pan_reset_and_cursor() -> None:
    full = (0.0, 100.0)
    v = st.zoom(View(), 2.0, full)
    assert v.x_range == (25.0, 75.0)
    panned = st.pan(v, 1, full)
    assert panned.x_range == (37.5, 87.5)
    assert st.pan(st.pan(panned, 1, full), 1, full).x_range == (50.0, 100.0)
    assert st.zoom(v, 0.5, full).x_range is None  # back to everything
    assert st.zoom(View(), 2.0, None) == View()
    cursor = st.move_cursor(View(), 1, full)
    assert cursor.cursor == 50.0
    moved = st.move_cursor(cursor, 1, full)
    assert moved.cursor == pytest.approx(50.0 + 100.0 / st.CURSOR_STEPS)
    assert st.zoom(moved, 2.0, full).x_range == pytest.approx((26.67, 76.67), abs=0.01)
    assert st.reset(moved).cursor is None


def test_maximise_escape_and_group_by() -> None:
    v = st.maximise(View(), "stats")
    assert v.maximised == "stats"
    assert st.maximise(v, "stats").maximised is None
    assert st.maximise(View(), "nowhere").maximised is None
    assert st.escape(v).maximised is None
    filtered = View(filter="x", grid=True, metric_filter="loss")
    assert st.escape(filtered).filter == ""
    assert st.escape(st.escape(filtered)).metric_filter == ""
    assert not st.escape(st.escape(st.escape(filtered))).grid
    assert st.group_by(View(), "parent").group_by == "parent"
    assert st.group_by(View(group_by="x"), None).group_by is None


def test_first_view_selects_until_the_user_does() -> None:
    v = st.first_view(View(), ["a", "b", "c"], "loss", 2)
    assert v.selected == ("a", "b") and v.metric == "loss"
    mine = st.toggle_select(View(), "c")
    assert st.first_view(mine, ["a", "b"], "loss", 2).selected == ("c",)
    remembered = View(metric="acc")
    assert st.first_view(remembered, ["a"], None, 2).metric == "acc"


def test_changed_panes_names_only_the_panes_whose_inputs_changed() -> None:
    v = View(metric="a")
    assert st.changed_panes(v, v) == set()
    assert st.changed_panes(v, replace(v, cursor=3.0)) == {"plot"}
    assert st.changed_panes(v, replace(v, pins=("x",))) == {"runs"}
    assert st.changed_panes(v, replace(v, metric="b")) == {"runs", "plot", "stats", "compare"}
    assert "layout" in st.changed_panes(v, replace(v, maximised="stats"))


def test_saved_views_round_trip_and_bad_values_fall_back() -> None:
    v = View(filter="f", metric="m", selected=("a",), pins=("b",), smoothing="time-ema")
    back = st.from_saved(st.to_saved(v), View())
    assert (back.filter, back.metric, back.selected, back.pins, back.smoothing) == (
        "f", "m", ("a",), ("b",), "time-ema",
    )  # fmt: skip
    bad = st.from_saved({"smoothing": "wild", "weight": "heavy", "selected": 3}, View())
    assert bad == View()


def test_named_transitions_are_each_a_view_function() -> None:
    for name, transition in st.NAMED.items():
        out = transition(View(cursor=1.0, x_range=(0.0, 2.0)))
        assert isinstance(out, View), name
