"""The generic CSV/TSV reader on real Lightning and SB3 logs and on generated files."""

from __future__ import annotations

import csv
import math
from datetime import datetime
from pathlib import Path

import polars as pl
import pytest

from curvelens.core.readers import get_reader

READER = get_reader("csv")


def _series(points: pl.DataFrame, metric: str) -> dict[float, float]:
    return dict(points.filter(pl.col("metric") == metric).select("step", "value").rows())


def _column(path: Path, name: str) -> list[str]:
    with path.open(newline="") as handle:
        return [row[name] for row in csv.DictReader(handle)]


@pytest.fixture
def lightning(real: Path) -> Path:
    return real / "lightning_csv"


def test_lightning_sparse_rows_and_trailing_test_row(lightning: Path) -> None:
    folder = lightning / "NebusokuDev__mnist_lightning" / "lightning_logs" / "version_1"
    assert READER.detect(folder, frozenset(p.name for p in folder.iterdir()))
    result = READER.read(folder)
    assert _series(result.points, "test_acc").keys() == {18760.0}
    assert _series(result.points, "val_acc").keys() == _series(result.points, "train_acc").keys()
    assert result.resumed is False  # val and train rows share steps: not a resume
    assert result.issues == ()


@pytest.mark.parametrize(
    ("project", "metric"),
    [("Eve-ning__opal-v2", "lr-Adam"), ("Duccioo__Gaussian-Mixture-Neural-Network", "val_loss")],
)
def test_duplicated_steps_across_row_kinds_are_not_resumes(
    lightning: Path, project: str, metric: str
) -> None:
    folder = lightning / project / "lightning_logs" / "version_0"
    result = READER.read(folder)
    assert result.resumed is False
    filled = [cell for cell in _column(folder / "metrics.csv", metric) if cell]
    assert len(_series(result.points, metric)) == len(filled)


def test_literal_nan_cells_are_points(lightning: Path) -> None:
    folder = lightning / "AIRI-Institute__genrisk" / "lightning_logs" / "version_0"
    gen = _series(READER.read(folder).points, "train_gen_loss")
    raw = _column(folder / "metrics.csv", "train_gen_loss")
    assert len(gen) == len(raw)
    assert all(math.isnan(v) for v in gen.values())
    disc = _series(READER.read(folder).points, "train_disc_loss")
    assert disc[0.0] == 1.6226933508321501e24


def test_created_at_strings_become_wall_time(lightning: Path) -> None:
    folder = (
        lightning
        / "Jhko725__Contact-Point-Detection"
        / "hall_of_fame"
        / "20200205"
        / "lightning_logs"
    )
    result = READER.read(folder)
    first = result.points.filter(pl.col("metric") == "train_loss").row(0, named=True)
    assert first["step"] == 0.0  # no step column: row order
    assert first["wall_time"] == datetime(2020, 2, 5, 9, 15, 56, 160372).timestamp()
    assert "created_at" not in set(result.points.get_column("metric"))


def test_tsv_file_given_directly(tmp_path: Path) -> None:
    log = tmp_path / "loss.tsv"
    log.write_text("step\tloss\tphase\n0\t1.5\twarmup\n10\t\twarmup\n20\t0.5\twarmup\n")
    assert READER.accepts_file(log)
    result = READER.read(log)
    assert _series(result.points, "loss") == {0.0: 1.5, 20.0: 0.5}
    assert result.params == {"phase": "warmup"}


def test_unix_time_column_and_relative_time_column(tmp_path: Path) -> None:
    log = tmp_path / "metrics.csv"
    log.write_text(
        "step,timestamp,time_elapsed,loss\n1,1700000000.5,3.0,2\n2,1700000010.5,13.0,1\n"
    )
    points = READER.read(log).points
    assert points.filter(pl.col("metric") == "loss").get_column("wall_time").to_list() == [
        1700000000.5,
        1700000010.5,
    ]
    assert _series(points, "time_elapsed") == {1.0: 3.0, 2.0: 13.0}


@pytest.mark.parametrize(
    ("header", "rows", "wall"),
    [
        ("step,loss,wall_time", ["1,2,0.5", "2,1,1.5"], [None, None]),
        (
            "step,timestamp,wall_time,loss",
            ["1,1700000000,0.5,2", "2,1700000010,1.5,1"],
            [1.7e9, 1700000010.0],
        ),
    ],
)
def test_relative_wall_time_column_stays_a_metric(
    tmp_path: Path, header: str, rows: list[str], wall: list[float | None]
) -> None:
    log = tmp_path / "metrics.csv"
    log.write_text("\n".join([header, *rows]) + "\n")
    points = READER.read(log).points
    assert _series(points, "wall_time") == {1.0: 0.5, 2.0: 1.5}
    assert _series(points, "loss") == {1.0: 2.0, 2.0: 1.0}
    assert points.filter(pl.col("metric") == "loss").get_column("wall_time").to_list() == wall


def test_millisecond_timestamps_are_converted(tmp_path: Path) -> None:
    log = tmp_path / "metrics.csv"
    log.write_text("step,timestamp,loss\n1,1700000000500,2\n")
    assert READER.read(log).points.get_column("wall_time").to_list() == [1700000000.5]


def test_mixed_column_keeps_numbers_and_reports_text(tmp_path: Path) -> None:
    log = tmp_path / "metrics.csv"
    log.write_text("step,acc,lr\n1,0.5,0.1\n2,n/a,0.1\n3,0.7,0.1\n")
    result = READER.read(log)
    assert _series(result.points, "acc") == {1.0: 0.5, 3.0: 0.7}
    assert _series(result.points, "lr") == {1.0: 0.1, 2.0: 0.1, 3.0: 0.1}  # float: a metric
    assert [i.message for i in result.issues] == ["column 'acc': 1 non-numeric values ignored"]


def test_describe_lists_header_metrics(real: Path) -> None:
    folder = real / "lightning_csv" / "Eve-ning__opal-v2" / "lightning_logs" / "version_0"
    assert READER.describe(folder).metrics == (
        "epoch",
        "lr-Adam",
        "train/nll_loss",
        "val/rmse_loss",
    )


def test_a_column_without_any_finite_value_is_reported(tmp_path: Path) -> None:
    log = tmp_path / "metrics.csv"
    log.write_text("step,loss,acc,gn\n1,nan,0.5,inf\n2,inf,0.6,nan\n3,-inf,nan,\n")
    result = READER.read(log)
    assert [str(v) for v in _series(result.points, "loss").values()] == ["nan", "inf", "-inf"]
    assert [i.message for i in result.issues] == [
        "no finite value (only NaN/inf) in column(s) 'gn', 'loss'"
    ]


def test_describe_reads_a_whole_wide_header(tmp_path: Path) -> None:
    names = [f"layers/block_{i:05d}/grad_norm" for i in range(10_000)]  # a 290 KB header
    log = tmp_path / "metrics.csv"
    log.write_text(",".join(["step", *names]) + "\n" + ",".join(["1"] * 10_001) + "\n")
    assert READER.describe(log).metrics == tuple(sorted(names))


def test_a_header_longer_than_the_limit_is_an_error(tmp_path: Path) -> None:
    from curvelens.core.readers.base import ReadError
    from curvelens.core.readers.textfile import first_line

    log = tmp_path / "metrics.csv"
    log.write_text("step,loss\n")
    assert first_line(log, limit=10) == "step,loss"
    log.write_text("step,loss,acc\n")
    with pytest.raises(ReadError, match="first line longer than"):
        first_line(log, limit=10)
