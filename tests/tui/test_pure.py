"""Tests of the app's UI-free helpers: text, run filters, colour slots, plot data (axes,
metric as x, zoom, cursor, outliers), ticks, the first metric and the config file."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from curvelens.tui import plotdata
from curvelens.tui.keys import binding_ids
from curvelens.tui.runfilter import compile_filter
from curvelens.tui.runs import RunEntry, assign_slots, axis_metrics, first_metric, ordered
from curvelens.tui.series import Series, SeriesStore
from curvelens.tui.settings import ConfigError, load_config, load_state, save_state
from curvelens.tui.state import View
from curvelens.tui.text import plain
from curvelens.tui.ticks import number_labels, time_ticks


def test_plain_is_printable_text_never_markup() -> None:
    assert plain("a\x1b[31mb\nc\u202e").plain == "a?[31mb?c?"
    assert plain("[/]loss").plain == "[/]loss"


def _entry(name: str, status: str = "finished", fmt: str = "csv", **params: str) -> RunEntry:
    return RunEntry(name, name, name, fmt, status, params=dict(params), loaded=True)


def test_filter_text_regex_and_params() -> None:
    runs = [
        _entry("base_s0", learning_rate="0.0005", **{"model.kind": "baseline"}),
        _entry("rope_s1", learning_rate="0.001", **{"model.kind": "rope"}),
    ]

    def names(text: str) -> list[str]:
        test = compile_filter(text)
        return [r.name for r in runs if test(r)]

    assert names("rope") == ["rope_s1"]
    assert names("s[01]$") == ["base_s0", "rope_s1"]
    assert names("learning_rate=5e-4") == ["base_s0"]
    assert names("lr=5e-4") == []
    assert names("kind=rope") == ["rope_s1"]
    assert names("config.model.kind=baseline") == ["base_s0"]
    assert names("rope base") == []
    assert names("(") == []


def test_filter_operators() -> None:
    runs = [
        _entry("a", "running", "csv", lr="0.01", seed="0"),
        _entry("b", "finished", "tensorboard", lr="0.0001"),
        _entry("c", "failed", "mlflow", lr="abc", seed="1"),
    ]

    def names(text: str) -> list[str]:
        test = compile_filter(text)
        return [r.name for r in runs if test(r)]

    assert names("lr>1e-3") == ["a"]
    assert names("lr<1e-3") == ["b"]
    assert names("lr<=0.01") == ["a", "b"]
    assert names("lr>=0.01 seed=0") == ["a"]
    assert names("lr!=0.01") == ["b", "c"]
    assert names("!^a$") == ["b", "c"]
    assert names("has:seed") == ["a", "c"]
    assert names("!has:seed") == ["b"]
    assert names("status:running") == ["a"]
    assert names("format:tensor") == ["b"]
    assert names("lr>abc") == []


def test_order_pins_first_then_groups_then_sort() -> None:
    runs = [_entry("b", model="x"), _entry("a", model="y"), _entry("c", model="x")]
    names = [e.name for e in ordered(runs, "name", False, {}, ("c",), None)]
    assert names == ["c", "a", "b"]
    names = [e.name for e in ordered(runs, "name", False, {}, (), "model")]
    assert names == ["b", "c", "a"]


def test_first_metric_prefers_validation_loss_most_runs_have() -> None:
    assert first_metric([{"train_loss", "val_loss"}, {"val_loss"}, {"acc"}]) == "val_loss"
    assert first_metric([{"train/loss", "acc"}, {"train/loss"}]) == "train/loss"
    assert first_metric([{"eval/loss", "loss"}, {"loss"}, {"loss"}]) == "loss"
    assert first_metric([{"rollout/ep_rew_mean", "time/fps"}]) == "rollout/ep_rew_mean"
    assert first_metric([{"interval_loss"}, {"interval_loss"}]) == "interval_loss"
    assert first_metric([]) is None


def test_axis_metrics() -> None:
    metrics = ["epoch", "train/tokens", "loss", "samples_seen", "time/total_timesteps", "epochs_x"]
    assert axis_metrics(metrics) == [
        "epoch",
        "train/tokens",
        "samples_seen",
        "time/total_timesteps",
    ]


def test_colour_slots_stay_and_are_distinct() -> None:
    slots = assign_slots(["a", "b", "c"], {})
    assert sorted(slots.values()) == [0, 1, 2]
    again = assign_slots(["c", "d"], slots)
    assert again["c"] == slots["c"] and again["d"] != again["c"]


def _store() -> SeriesStore:
    store = SeriesStore()
    step = np.arange(1.0, 11.0)
    wall = 1000.0 + 10 * step
    store.add("r", {"loss": Series(step, step * 2.0, wall)})
    return store


def test_visible_respects_axis_and_zoom() -> None:
    store = _store()
    opts = View(metric="loss", x_axis="relative")
    view = plotdata.visible(store, "r", opts)
    assert view is not None and view.x[0] == 0.0 and view.x[-1] == 90.0
    zoomed = plotdata.visible(store, "r", replace(opts, x_axis="step", x_range=(3.0, 5.0)))
    assert zoomed is not None and list(zoomed.x) == [3.0, 4.0, 5.0]


def test_a_logged_metric_as_x_axis() -> None:
    store = _store()
    epoch = Series(np.array([1.0, 5.0, 9.0]), np.array([0.0, 1.0, 2.0]), np.full(3, np.nan))
    store.add("r", {"loss": store.get("r", "loss"), "epoch": epoch})  # type: ignore[dict-item]
    view = plotdata.visible(store, "r", View(metric="loss", x_axis="epoch"))
    assert view is not None
    # steps 1-4 are in epoch 0, 5-8 in epoch 1, 9-10 in epoch 2
    assert view.x.tolist() == [0, 0, 0, 0, 1, 1, 1, 1, 2, 2]
    assert plotdata.visible(store, "r", View(metric="loss", x_axis="tokens")) is None


def test_value_at_takes_the_last_point_at_or_before_the_cursor() -> None:
    view = plotdata.visible(_store(), "r", View(metric="loss"))
    assert view is not None
    assert plotdata.value_at(view, 4.5) == (4.0, 8.0)
    assert plotdata.value_at(view, 0.5) is None


def test_outlier_limits_clip_a_spike() -> None:
    store = SeriesStore()
    values = np.ones(100)
    values[50] = 1000.0
    store.add("r", {"m": Series(np.arange(100.0), values, np.full(100, np.nan))})
    opts = View(metric="m", ignore_outliers=True)
    limits = plotdata.y_limits(plotdata.compute(store, ["r"], opts), opts)
    assert limits is not None and limits[1] < 10


def test_traces_are_downsampled_to_the_width() -> None:
    store = SeriesStore()
    n = 100_000
    store.add("r", {"m": Series(np.arange(float(n)), np.sin(np.arange(n)), np.full(n, np.nan))})
    opts = View(metric="m")
    (trace,) = plotdata.traces(plotdata.compute(store, ["r"], opts), opts, 100)
    assert len(trace.x) <= 400
    assert max(trace.y) == pytest.approx(1.0, abs=1e-3)  # the peaks survive


@pytest.mark.parametrize(
    ("lo", "hi", "axis"),
    [
        (1_700_000_000.0, 1_700_000_030.0, "wall"),  # 30 s run: clock times with seconds
        (1_700_000_000.0, 1_700_000_000.5, "wall"),  # half a second
        (0.0, 3.0, "relative"),
        (0.0, 0.4, "relative"),
        (0.0, 90_000.0, "relative"),
        (1_700_000_000.0, 1_700_400_000.0, "wall"),
    ],
)
def test_time_ticks_never_repeat_a_label(lo: float, hi: float, axis: str) -> None:
    ticks = time_ticks(lo, hi, axis, 5)
    labels = [label for _, label in ticks]
    assert len(ticks) >= 2 and len(set(labels)) == len(labels)
    assert all(lo <= t <= hi for t, _ in ticks)


def test_number_labels_differ_and_integers_are_written_out() -> None:
    assert number_labels([0.0, 2500.0, 10000.0]) == ["0", "2500", "10000"]
    labels = number_labels([1.00001, 1.00002, 1.00003])
    assert len(set(labels)) == 3


def test_config_refuses_unknown_keys(tmp_path: Path) -> None:
    path = Path(tmp_path / "config.toml")
    path.write_text('colour = "red"\n')
    with pytest.raises(ConfigError, match="unknown setting 'colour'"):
        load_config(binding_ids())
    path.write_text('[keys]\n"plot.nope" = "z"\n')
    with pytest.raises(ConfigError, match=r"unknown binding id 'plot\.nope'"):
        load_config(binding_ids())
    path.write_text('smoothing_weight = 0.8\nx_axis = "relative"\n[keys]\n"plot.log_y" = "Y"\n')
    config = load_config(binding_ids())
    assert config.smoothing_weight == 0.8 and config.keys == {"plot.log_y": "Y"}


def test_state_round_trips_per_root(tmp_path: Path) -> None:
    from curvelens.tui.settings import Config

    save_state(["a"], View(filter="rope", selected=("x",), pins=("y",), smoothing="time-ema"))
    loaded = load_state(["a"], Config())
    assert loaded.filter == "rope" and loaded.selected == ("x",) and loaded.pins == ("y",)
    assert loaded.smoothing == "time-ema" and loaded.touched
    assert load_state(["b"], Config()).filter == ""
    assert list((tmp_path / "state").iterdir())
