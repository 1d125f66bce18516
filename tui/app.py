"""The curvelens Textual app: config, key remaps, command palette, worker error handling and
the screens; ``make_app`` builds it (tests, snapshots), ``run_app`` is what the CLI calls."""

from __future__ import annotations

import gc
import sys
import time
from collections.abc import Callable, Sequence
from typing import ClassVar

from textual import on
from textual.app import App
from textual.binding import BindingType
from textual.worker import Worker, WorkerState

from curvelens.core.printable import printable
from curvelens.tui.commands import CurvelensCommands
from curvelens.tui.keys import APP_BINDINGS, binding_ids
from curvelens.tui.screens.help import HelpScreen
from curvelens.tui.screens.main import MainScreen
from curvelens.tui.screens.warnings import WarningsScreen
from curvelens.tui.settings import Config, ConfigError, load_config, load_state, save_state
from curvelens.tui.sources import Sources


class CurvelensApp(App[None]):
    """Browse and compare training runs; one main screen and modal screens over it."""

    CSS_PATH = "app.tcss"
    TITLE = "curvelens"
    BINDINGS: ClassVar[list[BindingType]] = [*APP_BINDINGS]
    COMMANDS = App.COMMANDS | {CurvelensCommands}

    def __init__(
        self,
        sources: Sources,
        *,
        config: Config | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__()
        self.paths = list(sources.paths)
        self.config = config or Config()
        view = load_state(self.paths, self.config)
        self.main = MainScreen(sources, view, clock, self.config.poll_interval)
        """The main screen (kept so actions can reach it from modal screens)."""

    def on_mount(self) -> None:
        """Apply theme and key remaps, then show the main screen."""
        self.theme = self.config.theme
        if self.config.keys:
            self.set_keymap(self.config.keys)
        self.push_screen(self.main)

    def action_help(self) -> None:
        """Show every key binding."""
        self.push_screen(HelpScreen(self.config.keys))

    def action_warnings(self) -> None:
        """List every warning."""
        self.push_screen(WarningsScreen(list(self.main.catalog.issues)))

    async def action_quit(self) -> None:
        """Remember the view of these roots, then quit."""
        self.save_view()
        self.exit()

    def save_view(self) -> None:
        """Write the main screen's view state to the state directory."""
        error = save_state(self.paths, self.main.view)
        if error:
            self.log.warning(error)

    @on(Worker.StateChanged)
    def _worker_failed(self, event: Worker.StateChanged) -> None:
        """A worker that raised: tell the user, keep the app running."""
        if event.state == WorkerState.ERROR:
            error = event.worker.error
            name = event.worker.description or event.worker.name
            text = printable(f"{name} failed: {type(error).__name__}: {error}")
            self.notify(text, severity="error", markup=False)


def make_app(
    paths: Sequence[str],
    pattern: str | None = None,
    exclude: Sequence[str] = (),
    *,
    clock: Callable[[], float] = time.time,
    cache: bool = True,
    follow_links: bool = False,
) -> CurvelensApp:
    """Build the app with the user's config (raises ConfigError on a bad config)."""
    from textual.theme import BUILTIN_THEMES

    config = load_config(binding_ids(), themes=set(BUILTIN_THEMES))
    sources = Sources(tuple(paths), pattern, tuple(exclude), cache, follow_links)
    return CurvelensApp(sources, config=config, clock=clock)


GC_THRESHOLDS = (20_000, 20, 10)
"""The app allocates many small objects a frame (Rich text, segments, table rows): with
Python's default first threshold (700) a collection ran every few table rows, and the full
ones rescanned every loaded run's objects (70 % of filling a 1,000-row run list)."""


def tune_gc() -> None:
    """Collect garbage less often (:data:`GC_THRESHOLDS`); cyclic garbage is rare here."""
    gc.set_threshold(*GC_THRESHOLDS)


def run_app(sources: Sources) -> None:
    """Open the app on ``sources`` (the current folder when none); a bad config file exits
    with its message."""
    s = sources
    try:
        app = make_app(s.paths or ["."], s.pattern, s.exclude, cache=s.cache,
                       follow_links=s.follow_links)  # fmt: skip
    except ConfigError as exc:
        print(f"curvelens: config error: {exc}", file=sys.stderr)
        raise SystemExit(2) from exc
    tune_gc()
    app.run()
