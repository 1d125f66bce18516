"""The TensorBoard run reader: file order, resumes, broken files, hparams, real runs."""

from __future__ import annotations

import math
from pathlib import Path

import polars as pl
import pytest

from curvelens.core.readers.base import ReadError
from curvelens.core.readers.tensorboard import TensorBoardReader
from curvelens.core.readers.tfevents import read_event_file
from tests.core.tfevents_writer import event, record, simple_value

REAL = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "real"
LFS = b"version https://git-lfs.github.com/spec/v1\noid sha256:abc\nsize 12\n"
READER = TensorBoardReader()


def _write(path: Path, *steps: tuple[int, float]) -> Path:
    """An event file with one ``loss`` scalar per (step, value); wall time = 1000 + step."""
    body = record(event(0, 1000.0))
    body += b"".join(
        record(event(step, 1000.0 + step, [simple_value("loss", v)])) for step, v in steps
    )
    path.write_bytes(body)
    return path


def _series(points: pl.DataFrame, metric: str) -> list[tuple[float, float]]:
    rows = points.filter(pl.col("metric") == metric).select("step", "value").rows()
    return [(float(s), float(v)) for s, v in rows]


def test_files_read_in_name_timestamp_order_and_later_overlap_wins(tmp_path: Path) -> None:
    # "1000" sorts before "999" as text; the numeric timestamp decides.
    _write(tmp_path / "events.out.tfevents.999.host.1", (0, 1.0), (1, 0.5), (2, 0.25))
    _write(tmp_path / "events.out.tfevents.1000.host.2", (1, 0.75), (3, 0.125))
    out = READER.read(tmp_path)
    assert _series(out.points, "loss") == [(0, 1.0), (1, 0.75), (2, 0.25), (3, 0.125)]
    assert out.resumed
    assert out.points.get_column("wall_time").to_list() == [1000.0, 1001.0, 1002.0, 1003.0]
    assert out.started is not None and out.started.timestamp() == 1000.0


def test_monotone_steps_are_not_a_resume(tmp_path: Path) -> None:
    _write(tmp_path / "events.out.tfevents.1.h", (0, 1.0), (1, 0.5))
    _write(tmp_path / "events.out.tfevents.2.h", (2, 0.25))
    out = READER.read(tmp_path)
    assert not out.resumed
    assert out.points.height == 3


def test_lfs_pointer_is_an_issue_and_other_files_load(tmp_path: Path) -> None:
    _write(tmp_path / "events.out.tfevents.1.h", (0, 1.0))
    (tmp_path / "events.out.tfevents.2.h").write_bytes(LFS)
    (tmp_path / "events.out.tfevents.3.h.profile-empty").write_bytes(b"\x00" * 40)
    out = READER.read(tmp_path)
    assert _series(out.points, "loss") == [(0, 1.0)]
    assert [issue.path.name for issue in out.issues] == ["events.out.tfevents.2.h"]
    assert "Git LFS" in out.issues[0].message
    assert [f.name for f in out.files] == ["events.out.tfevents.1.h", "events.out.tfevents.2.h"]


def test_run_of_only_broken_files_is_a_read_error(tmp_path: Path) -> None:
    (tmp_path / "events.out.tfevents.1.h").write_bytes(LFS)
    (tmp_path / "events.out.tfevents.2.h").write_bytes(b"\x01garbage" * 8)
    with pytest.raises(ReadError, match="Git LFS") as info:
        READER.read(tmp_path)
    assert "events.out.tfevents.2.h" in str(info.value)


def test_detection_is_by_name_and_skips_profile_placeholders(tmp_path: Path) -> None:
    assert READER.detect(tmp_path, frozenset({"events.out.tfevents.1.h.v2", "x"}))
    assert not READER.detect(tmp_path, frozenset({"events.out.tfevents.1.h.profile-empty"}))
    assert not READER.detect(tmp_path, frozenset({"metrics.csv", "train"}))
    assert READER.accepts_file(tmp_path / "events.out.tfevents.5.host")


def test_hparams_yaml_params_and_python_tags_read_as_plain_data(tmp_path: Path) -> None:
    _write(tmp_path / "events.out.tfevents.1.h", (0, 1.0))
    (tmp_path / "hparams.yaml").write_text("lr: 0.001\nmodel:\n  depth: 4\n")
    assert READER.read(tmp_path).params == {"lr": 0.001, "model.depth": 4}
    (tmp_path / "hparams.yaml").write_text("loss: !!python/name:os.system ''\nlr: 0.1\n")
    out = READER.read(tmp_path)
    assert out.params == {"loss": "os.system", "lr": 0.1}  # the name, never the function
    assert [issue.path.name for issue in out.issues] == ["hparams.yaml"]
    assert "python/name:os.system" in out.issues[0].message
    assert out.points.height == 1


def test_describe_lists_tags_from_file_heads(tmp_path: Path) -> None:
    _write(tmp_path / "events.out.tfevents.1.h", (0, 1.0))
    assert READER.describe(tmp_path).metrics == ("loss",)


def test_real_keras_fit_twice_keeps_the_second_fit() -> None:
    train = REAL / "tensorboard" / "huangyuan3h__StockData" / "logs" / "fit" / "20220213-124139"
    out = READER.read(train / "train")
    assert out.resumed and out.issues == ()
    second = read_event_file(sorted((train / "train").glob("*tfevents*"))[1])
    expected = sorted(
        (float(s), v)
        for t, s, v in zip(second.tags, second.steps, second.values)
        if t == "epoch_loss"
    )
    assert _series(out.points, "epoch_loss") == expected
    assert len(expected) == 20
    validation = READER.read(train / "validation")
    assert all(math.isnan(v) for v in validation.points.get_column("value"))


def test_real_lightning_version_dirs() -> None:
    logs = REAL / "tensorboard" / "Jhko725__Contact-Point-Detection" / "lightning_logs"
    empty = READER.read(logs / "version_0")  # a 40-byte file: header record only
    assert empty.points.height == 0 and len(empty.issues) == 1
    run = READER.read(logs / "version_1")
    assert set(run.points.get_column("metric")) == {"epoch", "train_loss"}
    assert not run.resumed
    hparams_only = READER.read(logs / "version_1" / "1582009443.5208488")
    assert hparams_only.points.height == 0


def test_real_lfs_pointer_run_is_a_read_error() -> None:
    run = next(
        (REAL / "tensorboard" / "P4P4N1CK__whisper-large-v2-japanese-5k-steps").rglob("*tfevents*")
    ).parent
    with pytest.raises(ReadError, match="Git LFS"):
        READER.read(run)
