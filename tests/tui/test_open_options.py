"""``curvelens open --no-cache --follow-links``: parsed like the headless commands' flags and
honoured by the app (no cache entry written; links out of the root entered only when asked)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

import curvelens.cli as launcher
from curvelens.cli import cli
from curvelens.tui.app import make_app
from tests.tui.conftest import FIXED_MTIME, settle


def _run(folder: Path) -> Path:
    """A small reference-layout run."""
    (folder / "logs").mkdir(parents=True)
    rows = "".join(f"{step},{1 / step}\n" for step in range(1, 21))
    (folder / "logs" / "metrics.csv").write_text("step,train_loss\n" + rows)
    for path in (folder / "logs" / "metrics.csv", folder / "logs", folder):
        os.utime(path, (FIXED_MTIME, FIXED_MTIME))  # a finished run: cacheable
    return folder


def test_open_passes_the_flags_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[tuple[object, ...]] = []
    monkeypatch.setattr(launcher, "open_app", lambda *args: opened.append(args))
    runner = CliRunner()
    assert (
        runner.invoke(cli, ["open", "--no-cache", "--follow-links", str(tmp_path)]).exit_code == 0
    )
    assert runner.invoke(cli, [str(tmp_path), "--pattern", "x*"]).exit_code == 0
    assert opened == [
        ([str(tmp_path)], None, (), False, True),
        ([str(tmp_path)], "x*", (), True, False),
    ]


def test_open_help_lists_the_flags() -> None:
    text = CliRunner().invoke(cli, ["open", "--help"]).output
    assert "--no-cache" in text and "--follow-links" in text


@pytest.mark.parametrize("follow", [False, True])
async def test_links_out_of_the_root_followed_only_when_asked(tmp_path: Path, follow: bool) -> None:
    root = tmp_path / "root"
    _run(root / "inside_run")
    outside = _run(tmp_path / "elsewhere" / "outside_run")
    (root / "link").symlink_to(outside.parent, target_is_directory=True)
    app = make_app([str(root)], follow_links=follow)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        names = sorted(entry.name for entry in app.main.catalog.entries.values())
    assert names == (["inside_run", "outside_run"] if follow else ["inside_run"])


@pytest.mark.parametrize("cache", [True, False])
async def test_no_cache_leaves_the_cache_empty(
    tmp_path: Path, own_cache_dir: Path, cache: bool
) -> None:
    _run(tmp_path / "root" / "a_run")
    app = make_app([str(tmp_path / "root")], cache=cache)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        assert [e.loaded for e in app.main.catalog.entries.values()] == [True]
    written = [p for p in own_cache_dir.rglob("*") if p.is_file()]
    assert bool(written) == cache
