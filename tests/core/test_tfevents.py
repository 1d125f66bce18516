"""The hand-written TensorBoard decoder, on encoded files and on real event files."""

from __future__ import annotations

import math
from pathlib import Path

from curvelens.core.readers.tfevents import decode_events, read_event_file
from curvelens.core.readers.tfrecord import masked_crc32c
from tests.core.tfevents_writer import event, record, simple_value, tensor_value

REAL = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "real"


def _file(*events: bytes) -> bytes:
    return b"".join(record(e) for e in (event(0, 1.0), *events))


def test_masked_crc32c_known_value() -> None:
    # CRC32C("123456789") is 0xE3069283 (the standard check value); then TFRecord's mask.
    crc = 0xE3069283
    assert masked_crc32c(b"123456789") == (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def test_simple_and_tensor_scalars_are_decoded() -> None:
    data = _file(
        event(1, 10.5, [simple_value("loss", 2.5), tensor_value("acc", 0.25)]),
        event(2, 11.5, [tensor_value("acc", 0.5, double=True, with_plugin=False)]),
    )
    out = decode_events(data)
    assert out.error is None
    assert list(zip(out.tags, out.steps, out.values, out.wall_times)) == [
        ("loss", 1, 2.5, 10.5),
        ("acc", 1, 0.25, 10.5),
        ("acc", 2, 0.5, 11.5),  # plugin remembered from the tag's first value
    ]
    assert out.end_offset == len(data)


def test_tensor_without_scalars_plugin_is_skipped() -> None:
    data = _file(event(1, 1.0, [tensor_value("histo", 1.0, with_plugin=False)]))
    assert decode_events(data).values == []


def test_cut_last_record_stops_cleanly_at_last_complete_record() -> None:
    whole = _file(event(1, 1.0, [simple_value("loss", 1.0)]))
    tail = record(event(2, 2.0, [simple_value("loss", 0.5)]))
    out = decode_events(whole + tail[: len(tail) - 7])
    assert out.error is None
    assert out.values == [1.0]
    assert out.end_offset == len(whole)


def test_step_going_back_counts_as_restart() -> None:
    data = _file(
        event(5, 1.0, [simple_value("loss", 1.0)]),
        event(3, 2.0, [simple_value("loss", 0.9)]),
    )
    assert decode_events(data).restarts == 1


def test_garbage_and_lfs_pointer_give_messages() -> None:
    assert "not a TensorBoard event file" in str(decode_events(b"\x00garbage bytes " * 4).error)
    lfs = b"version https://git-lfs.github.com/spec/v1\noid sha256:abc\nsize 12\n"
    assert "Git LFS pointer" in str(decode_events(lfs).error)
    assert decode_events(b"").values == []


def test_nan_values_are_kept() -> None:
    out = decode_events(_file(event(1, 1.0, [simple_value("loss", float("nan"))])))
    assert math.isnan(out.values[0])


def test_real_lightning_file_matches_tensorboards_reader() -> None:
    # 239 train_loss points; first at step 49 = 1007.7176513671875 as tensorboard reads it.
    path = next((REAL / "tensorboard" / "KarelVeldkamp__VAE-MIRT-Missing").rglob("*tfevents*"))
    out = read_event_file(path)
    loss = [(s, v) for t, s, v in zip(out.tags, out.steps, out.values) if t == "train_loss"]
    assert len(loss) == 239
    assert loss[0] == (49, 1007.7176513671875)


def test_real_tf2_tensor_scalars_and_lfs_pointer() -> None:
    train = REAL / "tensorboard" / "huangyuan3h__StockData" / "logs" / "fit" / "20220213-124139"
    files = sorted((train / "validation").glob("*tfevents*"))
    out = read_event_file(files[0])
    assert out.tags.count("epoch_loss") == 20
    assert all(math.isnan(v) for t, v in zip(out.tags, out.values) if t == "epoch_loss")
    lfs = next(
        (REAL / "tensorboard" / "P4P4N1CK__whisper-large-v2-japanese-5k-steps").rglob("*tfevents*")
    )
    assert "Git LFS" in str(read_event_file(lfs).error)
