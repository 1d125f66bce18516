"""End to end: the INSTALLED ``curvelens`` command in a real tmux session on a demo root and on
a root of real runs from several libraries; keys are sent as a user types them and the
captured screen text is checked after each."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from curvelens.core.demo import demo_run_names, write_demo

pytestmark = pytest.mark.e2e
TIMEOUT = 15.0
"""Seconds to wait for a screen to show what is expected."""


def _tmux(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["tmux", *args], capture_output=True, text=True, timeout=10)


@pytest.fixture
def session(tmp_path: Path) -> Iterator[str]:
    """A tmux session running the installed command on a demo root."""
    write_demo(tmp_path / "runs")
    yield from _session(tmp_path, tmp_path / "runs")


@pytest.fixture
def mixed_session(tmp_path: Path, mixed_root: Path) -> Iterator[str]:
    """A tmux session running the installed command on real runs of several formats."""
    yield from _session(tmp_path, mixed_root)


def _session(tmp_path: Path, root: Path) -> Iterator[str]:
    """The installed command on ``root`` in tmux, killed at the end (COLUMNS/LINES inherited
    from the test run would pin the app to 80x24)."""
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed (`make test` installs it)")
    command = Path(sys.executable).with_name("curvelens")
    assert command.exists(), f"the installed command is missing: {command}"
    name = f"curvelens-e2e-{uuid.uuid4().hex[:8]}"
    env = {"CURVELENS_STATE_DIR": tmp_path / "state", "CURVELENS_CONFIG": tmp_path / "c.toml"}
    exports = " ".join(f"{key}={value}" for key, value in env.items())
    shell = f"env -u COLUMNS -u LINES {exports} TZ=UTC {command} {root}"
    # the session's working folder is tmp_path: nothing the app writes lands in the repo
    started = _tmux(
        "new-session", "-d", "-s", name, "-x", "160", "-y", "48", "-c", str(tmp_path), shell
    )
    assert started.returncode == 0, started.stderr
    _tmux("set-option", "-t", name, "remain-on-exit", "on")
    try:
        yield name
    finally:
        _tmux("kill-session", "-t", name)


def screen(name: str) -> str:
    """The visible text of the session's pane."""
    return _tmux("capture-pane", "-p", "-t", name).stdout


def wait_for(name: str, test: Callable[[str], bool], what: str) -> str:
    """Poll the screen until ``test`` holds (bounded); fail showing the last screen."""
    deadline = time.monotonic() + TIMEOUT
    text = screen(name)
    while not test(text):
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}; screen:\n{text}")
        time.sleep(0.1)
        text = screen(name)
    return text


def send(name: str, *keys: str) -> None:
    """Type ``keys`` (tmux key names, or literal text with ``-l``)."""
    _tmux("send-keys", "-t", name, *keys)


def listed(text: str) -> list[str]:
    """Run names in the run list (rows start with a mark: ● selected, · not, ◆, ✗)."""
    return re.findall(r"│[●·◆◇✗] (\S+)", text)


def pane_dead(name: str) -> bool:
    """True when the command in the pane has exited (or the session is gone)."""
    out = _tmux("display-message", "-p", "-t", name, "#{pane_dead}")
    return out.returncode != 0 or out.stdout.strip() == "1"


def test_filter_help_and_quit_in_a_real_terminal(session: str) -> None:
    names = demo_run_names()
    text = wait_for(session, lambda s: all(n in s for n in names) and "6/6 runs" in s, "runs")
    assert "train_loss" in text and len(listed(text)) == 6
    send(session, "/")
    # type only once the box is there: keys sent earlier would go to the run list
    wait_for(session, lambda s: "filter: words, regex" in s, "the filter box")
    send(session, "-l", "rope")
    send(session, "Enter")
    # the run list has the focus again when the footer shows its keys
    text = wait_for(session, lambda s: "3/6 runs" in s and "space select" in s, "the filter")
    assert [n[:17] for n in listed(text)] == [f"rope_lr1e-3_seed{i}" for i in range(3)]
    send(session, "?")
    text = wait_for(session, lambda s: "Keys (remap in config.toml" in s, "the help")
    assert "filter runs" in text
    send(session, "Escape")
    wait_for(session, lambda s: "Keys (remap" not in s, "the help to close")
    send(session, "Escape")
    text = wait_for(session, lambda s: "6/6 runs" in s, "the filter to clear")
    assert len(listed(text)) == 6
    send(session, "q")
    deadline = time.monotonic() + TIMEOUT
    while not pane_dead(session):
        assert time.monotonic() < deadline, f"still running after q:\n{screen(session)}"
        time.sleep(0.1)


def test_mixed_root_shows_unique_names_and_quits_at_once(mixed_session: str) -> None:
    text = wait_for(mixed_session, lambda t: "13/13 runs" in t, "every run loaded")
    names = listed(text)
    assert len(names) == 13 and len(set(names)) == 13
    assert "runs/1" in names and any(n.endswith("/version_0") for n in names)
    send(mixed_session, "/")
    wait_for(mixed_session, lambda s: "filter: words, regex" in s, "the filter box")
    send(mixed_session, "-l", "format:sacred")
    send(mixed_session, "Enter")
    done = lambda t: len(listed(t)) == 3 and "space select" in t  # noqa: E731
    text = wait_for(mixed_session, done, "only the Sacred runs, the list focused")
    assert sorted(listed(text)) == ["runs/1", "runs/3", "runs/73"]
    send(mixed_session, "q")
    deadline = time.monotonic() + TIMEOUT
    while not pane_dead(mixed_session):
        assert time.monotonic() < deadline, f"still running after q:\n{screen(mixed_session)}"
        time.sleep(0.1)
