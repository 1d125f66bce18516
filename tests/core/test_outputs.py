"""Output-path safety (core/outputs.py): never into a run folder or a root, never over a file
without force, names unique and never reserved; the W&B log's damage accounting."""

from __future__ import annotations

from pathlib import Path

import pytest

from curvelens.core.outputs import (
    OutputError,
    check_output,
    protected_folders,
    safe_name,
    unique_names,
    write_text,
)
from curvelens.core.readers.wandb_log import BLOCK, decode_log
from tests.core.wandb_writer import frame, history


def test_paths_inside_runs_or_roots_are_refused_even_through_links(tmp_path: Path) -> None:
    root, run, elsewhere = tmp_path / "root", tmp_path / "root" / "run", tmp_path / "out"
    run.mkdir(parents=True)
    elsewhere.mkdir()
    single = tmp_path / "loose" / "log.jsonl"
    single.parent.mkdir()
    single.write_text("{}\n")
    folders = protected_folders([root], [run, single])
    (elsewhere / "link").symlink_to(run)
    for path in (run / "x.md", root / "x.md", elsewhere / "link" / "x.md", single.parent / "a"):
        with pytest.raises(OutputError, match="never writes there"):
            check_output(path, folders, force=True)
    check_output(elsewhere / "x.md", folders, force=False)


def test_existing_files_need_force_and_links_are_replaced_not_followed(tmp_path: Path) -> None:
    target, victim = tmp_path / "out.md", tmp_path / "victim.txt"
    victim.write_text("keep")
    target.symlink_to(victim)
    with pytest.raises(OutputError, match="--force"):
        check_output(target, (), force=False)
    with pytest.raises(FileExistsError):
        write_text(target, "new", force=False)
    write_text(target, "new \x1b[2J", force=True)
    assert victim.read_text() == "keep"
    assert not target.is_symlink() and target.read_text() == "new ?[2J"


def test_names_are_safe_unique_and_never_reserved() -> None:
    assert safe_name("../../etc") == "etc" and safe_name("\x1b]0;x") == "0_x"
    names = unique_names(["README.md", "a b", "a_b", "A_B", "", "comparison"], ["README.md"])
    assert names == ["README.md-2", "a_b", "a_b-2", "A_B-3", "run", "comparison"]
    assert len({n.casefold() for n in names}) == len(names)


def _rows(n: int) -> list[bytes]:
    return [history({"_step": s, "loss": s / 8, "pad": "x" * 1500}) for s in range(n)]


def test_wandb_log_with_a_reserved_zero_tail_is_clean() -> None:
    data = frame(_rows(5)) + bytes(3 * BLOCK)
    log = decode_log(data)
    assert log.error is None and len(log.history) == 5


def test_wandb_log_damaged_in_its_last_block_says_where_and_keeps_the_rest() -> None:
    data = bytearray(frame(_rows(30)))
    last = (len(data) // BLOCK) * BLOCK + 100
    data[last : last + 7] = b"\x01" * 7  # inside the block's first chunk: its CRC fails
    log = decode_log(bytes(data))
    block = (last // BLOCK) * BLOCK
    assert log.error is not None and f"mismatch at byte {block}" in log.error
    assert "records lost" in log.error
    steps = [row["_step"] for row in log.history]
    assert steps == sorted(steps) and 0 < len(steps) < 30
