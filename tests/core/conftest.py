"""Fixtures shared by the core tests: the demo runs, written once per test module."""

from __future__ import annotations

from pathlib import Path

import pytest

from curvelens.core import demo


@pytest.fixture(scope="module")
def demo_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh demo root (core.demo.write_demo, seed 0) for the module's tests."""
    path = tmp_path_factory.mktemp("demo")
    demo.write_demo(path)
    return path
