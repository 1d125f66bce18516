"""The wheel installs everything under the curvelens namespace, with data files and script."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ("core", "tui", "launcher", "pyproject.toml", "README.md")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    """Build the wheel from a copy of the sources (the repo itself stays untouched)."""
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"
    ignore = shutil.ignore_patterns("__pycache__", "__snapshots__", "*.pyc")
    for name in SOURCES:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, src / name, ignore=ignore)
        else:
            shutil.copy2(path, src / name)
    (src / "tui" / "zz_probe.tcss").write_text("Screen { }\n")
    out = tmp / "out"
    cmd = [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation"]
    subprocess.run([*cmd, "-w", str(out), str(src)], check=True, capture_output=True)
    (built,) = out.glob("curvelens-*.whl")
    return zipfile.ZipFile(built)


def test_everything_under_the_namespace(wheel: zipfile.ZipFile) -> None:
    tops = {name.split("/")[0] for name in wheel.namelist()}
    assert "curvelens" in tops
    others = tops - {"curvelens"}
    assert len(others) == 1 and others.pop().startswith("curvelens-")
    assert all(t.endswith(".dist-info") for t in tops - {"curvelens"})


def test_every_package_is_in_the_wheel(wheel: zipfile.ZipFile) -> None:
    names = set(wheel.namelist())
    for folder in ("core", "tui"):
        for init in (ROOT / folder).rglob("__init__.py"):
            if "__pycache__" in init.parts:
                continue
            rel = init.relative_to(ROOT / folder).as_posix()
            assert f"curvelens/{folder}/{rel}" in names
    assert {"curvelens/__init__.py", "curvelens/__main__.py", "curvelens/cli.py"} <= names


def test_stylesheets_are_included(wheel: zipfile.ZipFile) -> None:
    names = set(wheel.namelist())
    assert "curvelens/tui/zz_probe.tcss" in names
    for sheet in (ROOT / "tui").glob("*.tcss"):
        assert f"curvelens/tui/{sheet.name}" in names


def test_console_script_declared(wheel: zipfile.ZipFile) -> None:
    (entry,) = [n for n in wheel.namelist() if n.endswith(".dist-info/entry_points.txt")]
    lines = wheel.read(entry).decode().splitlines()
    section = lines[lines.index("[console_scripts]") + 1 :]
    assert "curvelens = curvelens.cli:main" in [line.strip() for line in section]
