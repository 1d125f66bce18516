"""W&B logs read from the open file a window of blocks at a time decode exactly as the
whole file's bytes do: history, damage messages with their byte offsets, end offset."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from curvelens.core.readers import wandb_log
from curvelens.core.readers.wandb_log import BLOCK, decode_log
from tests.core.hostile_binary import damaged_wandb
from tests.core.wandb_writer import exit_record, frame, history, run


def _same_from_file(path: Path) -> None:
    whole = decode_log(path.read_bytes())
    with open(path, "rb") as handle:
        streamed = decode_log(handle)
    assert streamed.history == whole.history and streamed.history
    assert streamed.damage == whole.damage
    assert (streamed.end_offset, streamed.exit_code) == (whole.end_offset, whole.exit_code)


@pytest.mark.parametrize("kind", ["header", "crc", "record"])
def test_damaged_logs_read_the_same_a_block_at_a_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    folder = tmp_path / f"run-20250101_000000-{kind}"
    folder.mkdir()
    path, _ = damaged_wandb(folder, kind)
    monkeypatch.setattr(wandb_log, "WINDOW", BLOCK)
    _same_from_file(path)


def test_records_across_windows_and_reserved_zeros(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pad = "y" * 5000  # rows of several chunks, across block and window edges
    rows = [history({"_step": s, "loss": s / 4, "pad": pad}) for s in range(40)]
    path = tmp_path / "run-abc.wandb"
    path.write_bytes(frame([run(1_700_000_000, "w"), *rows, exit_record(0)]))
    monkeypatch.setattr(wandb_log, "WINDOW", 2 * BLOCK)
    _same_from_file(path)
    with open(path, "ab") as handle:  # a live writer's reserved space: zeros, then a hole
        handle.write(bytes(3 * BLOCK))
    os.truncate(path, path.stat().st_size + (4 << 20))
    _same_from_file(path)
    assert not decode_log(path.read_bytes()).damage
