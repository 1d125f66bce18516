"""Splitting a run's points into per-metric arrays, whatever order they come in."""

from __future__ import annotations

import numpy as np
import polars as pl

from curvelens.core.schema import POINTS
from curvelens.tui.series import split_points


def _points(rows: list[tuple[str, float, float, float | None]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=dict(POINTS), orient="row")


def test_sorted_points_become_one_series_per_metric() -> None:
    points = _points(
        [
            ("acc", 1, 0.5, None),
            ("acc", 2, 0.6, None),
            ("loss", 1, 2.0, 10.0),
            ("loss", 3, 1.0, 12.0),
        ]
    )
    out = split_points(points)
    assert sorted(out) == ["acc", "loss"]
    assert out["loss"].step.tolist() == [1.0, 3.0] and out["loss"].value.tolist() == [2.0, 1.0]
    assert out["loss"].wall.tolist() == [10.0, 12.0]
    assert np.isnan(out["acc"].wall).all()


def test_unsorted_or_interleaved_points_are_sorted_first() -> None:
    points = _points(
        [
            ("loss", 3, 1.0, None),
            ("acc", 1, 0.5, None),
            ("loss", 1, 2.0, None),
            ("acc", 2, 0.6, None),
        ]
    )
    out = split_points(points)
    assert out["loss"].step.tolist() == [1.0, 3.0] and out["loss"].value.tolist() == [2.0, 1.0]
    assert out["acc"].step.tolist() == [1.0, 2.0]


def test_steps_going_down_inside_a_metric_are_sorted() -> None:
    points = _points([("loss", 5, 1.0, None), ("loss", 2, 3.0, None)])
    assert split_points(points)["loss"].step.tolist() == [2.0, 5.0]


def test_no_points_no_series() -> None:
    assert split_points(_points([])) == {}
