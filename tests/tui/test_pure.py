"""Tests of the app's UI-free helpers: text cleaning, name shortening, run filters,
colour slots, plot data (axes, zoom, cursor, outliers) and the config file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from curvelens.tui import plotdata
from curvelens.tui.keys import binding_ids
from curvelens.tui.runlist import RunEntry, assign_colors, compile_filter
from curvelens.tui.series import Series, SeriesStore
from curvelens.tui.settings import ConfigError, ViewState, load_config, load_state, save_state
from curvelens.tui.text import clean, shorten_middle


def test_clean_removes_escape_sequences_and_newlines() -> None:
    assert clean("a\x1b[31mb\nc\u202e") == "a?[31mb?c?"
    assert clean("[bold]x[/]") == "[bold]x[/]"


def test_shorten_middle_keeps_the_tail() -> None:
    name = "baseline_lr5e-4_seed0_20250301_090000"
    short = shorten_middle(name, 20)
    assert len(short) == 20 and "…" in short
    assert name.endswith(short.split("…")[1]) and name.startswith(short.split("…")[0])
    assert shorten_middle("short", 20) == "short"


def _entry(name: str, **params: str) -> RunEntry:
    return RunEntry(name, name, "finished", None, None, 0, dict(params))


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


def test_colour_slots_stay_and_are_distinct() -> None:
    slots = assign_colors(["a", "b", "c"], {})
    assert sorted(slots.values()) == [0, 1, 2]
    again = assign_colors(["c", "d"], slots)
    assert again["c"] == slots["c"] and again["d"] != again["c"]


def _store() -> SeriesStore:
    store = SeriesStore()
    step = np.arange(1.0, 11.0)
    wall = 1000.0 + 10 * step
    store.add("r", {"loss": Series(step, step * 2.0, wall)})
    return store


def test_visible_respects_axis_and_zoom() -> None:
    store = _store()
    opts = plotdata.ViewOptions(metric="loss", x_axis="relative")
    view = plotdata.visible(store, "r", opts)
    assert view is not None and view.x[0] == 0.0 and view.x[-1] == 90.0
    zoomed = plotdata.visible(store, "r", opts.with_(x_axis="step", x_range=(3.0, 5.0)))
    assert zoomed is not None and list(zoomed.x) == [3.0, 4.0, 5.0]


def test_value_at_takes_the_last_point_at_or_before_the_cursor() -> None:
    view = plotdata.visible(_store(), "r", plotdata.ViewOptions(metric="loss"))
    assert view is not None
    assert plotdata.value_at(view, 4.5) == (4.0, 8.0)
    assert plotdata.value_at(view, 0.5) is None


def test_outlier_limits_clip_a_spike() -> None:
    store = SeriesStore()
    values = np.ones(100)
    values[50] = 1000.0
    store.add("r", {"m": Series(np.arange(100.0), values, np.full(100, np.nan))})
    opts = plotdata.ViewOptions(metric="m", ignore_outliers=True)
    limits = plotdata.y_limits(plotdata.compute(store, ["r"], opts), opts)
    assert limits is not None and limits[1] < 10


def test_traces_are_downsampled_to_the_width() -> None:
    store = SeriesStore()
    n = 100_000
    store.add("r", {"m": Series(np.arange(float(n)), np.sin(np.arange(n)), np.full(n, np.nan))})
    opts = plotdata.ViewOptions(metric="m")
    (trace,) = plotdata.traces(plotdata.compute(store, ["r"], opts), opts, 100)
    assert len(trace.x) <= 400


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

    save_state(["a"], ViewState(filter="rope", selected=["x"]))
    assert load_state(["a"], Config()).filter == "rope"
    assert load_state(["b"], Config()).filter == ""
    assert list((tmp_path / "state").iterdir())
