"""The README's key table documents every binding the config can remap."""

from __future__ import annotations

from pathlib import Path

from curvelens.tui.keys import binding_ids

README = Path(__file__).resolve().parents[2] / "README.md"


def test_every_binding_id_is_in_the_readme_key_table() -> None:
    text = README.read_text(encoding="utf-8")
    missing = sorted(b for b in binding_ids() if f"`{b}`" not in text)
    assert missing == []
