"""Names from users' files cannot drive the terminal when printed."""

from __future__ import annotations

from curvelens.core.printable import escape_undecodable, printable


def test_escape_sequences_bidi_and_newlines_are_replaced() -> None:
    assert printable("run\x1b]0;owned\x07") == "run?]0;owned?"
    assert printable("a\u202eb") == "a?b"
    assert printable("two\nlines") == "two?lines"


def test_kept_characters_survive_in_multiline_text() -> None:
    text = "name\tvalue\nrun\x1b[2J\t1.0\n\n"
    assert printable(text, keep="\n\t") == "name\tvalue\nrun?[2J\t1.0\n\n"


def test_printable_text_is_returned_unchanged() -> None:
    assert printable("baseline_lr5e-4_seed0 ✓ ünïcode") == "baseline_lr5e-4_seed0 ✓ ünïcode"


def test_undecodable_file_name_bytes_are_shown_escaped() -> None:
    name = b"run_\xff\xe9".decode("utf-8", "surrogateescape")
    assert printable(name) == "run_\\xff\\xe9"
    assert escape_undecodable(name + "\x1b") == "run_\\xff\\xe9\x1b"
    assert escape_undecodable("plain") == "plain"
