"""The picker: a filter box over a list (metrics of the selected runs, or what to group runs
by), grouped by a prefix two or more share (``train_``, ``mode2_``, ``eval/``; the rest under
"other"); typing filters, enter picks, esc cancels."""

from __future__ import annotations

import re
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList
from textual.widgets.option_list import Option

from curvelens.core.printable import printable
from curvelens.tui.keys import PICKER_BINDINGS


def prefix(metric: str) -> str:
    """The prefix of a metric: text up to its first ``/``, ``_`` or ``.`` (or "other")."""
    match = re.match(r"^([^/_.]+[/_.])", metric)
    return match.group(1) if match else "other"


def groups(metrics: list[str]) -> list[tuple[str, list[str]]]:
    """(header, metrics) in order: a prefix shared by two or more metrics is a group, the
    rest go under "other" at the end."""
    by_prefix: dict[str, list[str]] = {}
    for metric in metrics:
        by_prefix.setdefault(prefix(metric), []).append(metric)
    out = [(p, names) for p, names in by_prefix.items() if len(names) > 1 and p != "other"]
    rest = [m for m in metrics if len(by_prefix[prefix(m)]) < 2 or prefix(m) == "other"]
    return out + ([("other", rest)] if rest else [])


def matching(metrics: list[str], text: str) -> list[str]:
    """The metrics matching ``text`` (a case-insensitive regex, or literal if not one)."""
    try:
        pattern = re.compile(text, re.IGNORECASE)
    except re.error:
        pattern = re.compile(re.escape(text), re.IGNORECASE)
    return [m for m in metrics if pattern.search(m)]


class Picker(ModalScreen[str | None]):
    """Returns the picked option, or None."""

    BINDINGS: ClassVar[list[BindingType]] = [*PICKER_BINDINGS]

    def __init__(
        self, metrics: list[str], current: str | None,
        placeholder: str = "filter metrics (regex)", grouped: bool = True,
    ) -> None:  # fmt: skip
        super().__init__()
        self.grouped = grouped
        self.metrics = metrics
        self.current = current
        self.placeholder = placeholder
        self.filter_text = ""
        """What is typed in the filter box (the grid keeps it as its metric filter)."""

    def compose(self) -> ComposeResult:
        """Filter box over the list."""
        yield Input(placeholder=self.placeholder, id="picker-input")
        yield OptionList(id="picker-list")

    def on_mount(self) -> None:
        """Fill the list and highlight the current metric."""
        self._fill("")
        self.query_one(Input).focus()

    def _fill(self, text: str) -> None:
        """Show the metrics matching ``text`` grouped by shared prefix; the current metric
        (else the first match) is highlighted."""
        self.filter_text = text
        shown = matching(self.metrics, text)
        options = self.query_one(OptionList)
        options.clear_options()
        for header, names in groups(shown) if self.grouped else [("", shown)]:
            if header:
                label = Text(printable(header), style="bold dim")
                options.add_option(Option(label, disabled=True))
            for name in names:
                label = Text("  " + printable(name), style="bold" if name == self.current else "")
                options.add_option(Option(label, id=name))
        target = self.current if self.current in shown else (shown[0] if shown else None)
        if target is not None:
            options.highlighted = options.get_option_index(target)

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        self._fill(event.value)

    @on(Input.Submitted)
    def _submitted(self) -> None:
        options = self.query_one(OptionList)
        if options.highlighted is not None:
            self.dismiss(options.get_option_at_index(options.highlighted).id)

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_move(self, delta: int) -> None:
        """Move the highlight while typing in the filter box."""
        options = self.query_one(OptionList)
        if delta > 0:
            options.action_cursor_down()
        else:
            options.action_cursor_up()

    def action_cancel(self) -> None:
        """Close without picking."""
        self.dismiss(None)
