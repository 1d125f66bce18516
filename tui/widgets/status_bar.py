"""The one-line status bar: loading progress, run counts, warnings and the view's options."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.widgets import Static


@dataclass(frozen=True)
class Status:
    """What the status bar reports."""

    loaded: int = 0
    total: int | None = None
    """Runs to load; None while discovery runs."""
    shown: int = 0
    selected: int = 0
    warnings: int = 0
    view: str = ""
    """The active plot options, e.g. ``smooth 0.60 · log y``."""
    hint: str = ""
    """Full name of the run under the cursor."""
    error: str = ""
    """Why the run under the cursor could not be loaded (shown in red with a mark)."""
    empty: bool = False
    """The filter matches no run."""
    hidden: int = 0
    """Selected runs the filter hides (they leave the plot)."""
    poll: str = ""
    """When the runs on disk were last polled and what it found (live runs)."""
    partial: int = 0
    """Runs whose other metrics are still loading (the first view's came first)."""


class StatusBar(Static):
    """Loading progress, counts and warnings; rendered from a :class:`Status`."""

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.status = Status()

    def set_status(self, status: Status) -> None:
        """Show ``status``."""
        self.status = status
        self.update(self._text(status), layout=False)  # one line: its size never changes

    @staticmethod
    def _text(status: Status) -> Text:
        """The bar's content."""
        text = Text()
        if status.total is None:
            text.append("discovering runs… ", style="bold")
        elif status.loaded < status.total:
            width = 10
            done = width * status.loaded // max(status.total, 1)
            text.append(f"loading {status.loaded}/{status.total} ", style="bold")
            text.append("█" * done + "░" * (width - done) + " ")
        else:
            text.append(f"{status.shown}/{status.total} runs ")
        if status.partial:
            text.append(f"(other metrics of {status.partial} loading) ", style="dim")
        if status.empty:
            text.append("no run matches the filter ", style="bold yellow")
        text.append(f"{status.selected} sel ")
        if status.hidden:
            text.append(f"({status.hidden} hidden by the filter, not plotted) ", style="yellow")
        if status.warnings:
            text.append(f"⚠ {status.warnings} (w) ", style="bold yellow")
        if status.view:
            text.append(f"│ {status.view} ", style="italic")
        if status.poll:
            text.append(f"│ {status.poll} ", style="dim")
        if status.hint:
            text.append(f"│ {status.hint}", style="dim")
        if status.error:
            text.append(f" ✗ {status.error}", style="bold red")
        text.no_wrap = True
        text.overflow = "ellipsis"
        return text
