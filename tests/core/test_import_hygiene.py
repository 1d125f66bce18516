"""core never imports the UI, and the headless CLI starts without scipy or textual.

Each check runs in a fresh interpreter so modules imported by other tests do not count.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
UI_MODULES = ("textual", "textual_plotext", "plotext", "curvelens.tui")


def _core_modules() -> list[str]:
    """Every module under core/, as installed names (curvelens.core....)."""
    names = []
    for path in sorted((ROOT / "core").rglob("*.py")):
        parts = path.relative_to(ROOT / "core").with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names.append(".".join(("curvelens", "core", *parts)))
    return names


def _loaded_after(modules: list[str]) -> set[str]:
    """Top-level and package names in sys.modules after importing ``modules`` afresh."""
    code = (
        "import importlib, json, sys\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    return set(json.loads(done.stdout))


def test_core_imports_no_ui() -> None:
    modules = _core_modules()
    assert "curvelens.core.cli" in modules
    loaded = _loaded_after(modules)
    assert not {m for m in loaded if m.split(".")[0] in UI_MODULES[:3]}
    assert not {m for m in loaded if m.startswith("curvelens.tui")}


def test_headless_cli_skips_scipy_and_textual() -> None:
    loaded = _loaded_after(["curvelens.core.cli", "curvelens.cli"])
    assert "curvelens.core.cli" in loaded
    heavy = {m.split(".")[0] for m in loaded} & {"scipy", "textual", "plotext", "matplotlib"}
    assert not heavy
