"""Command palette provider: every action of the binding table, titled ``pane: what``, and
one ``runs: group by <key>`` command per param (plus the parent folder)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from textual.command import Hit, Hits, Provider
from textual.content import Content
from textual.markup import escape

from curvelens.core.printable import printable
from curvelens.tui.keys import APP_BINDINGS, MAIN_BINDINGS, PLOT_BINDINGS, RUN_TABLE_BINDINGS


class CurvelensCommands(Provider):
    """Palette commands built from the bindings, so the palette and the keys agree."""

    def _run(self, namespace: str, action: str) -> None:
        """Run ``action`` on the app, the main screen, or the widget owning it."""
        from curvelens.tui.widgets.metric_plot import MetricPlot
        from curvelens.tui.widgets.run_table import RunTable

        main = getattr(self.app, "main", None)
        if namespace == "app" or main is None:
            target = self.app
        elif namespace == "screen":
            target = main
        else:
            target = main.query_one(RunTable if namespace == "runs" else MetricPlot)
        self.app.call_later(target.run_action, action)

    def _commands(self) -> list[tuple[str, Callable[[], object], str]]:
        """(title, callback, help) for every command."""
        groups = (("app", APP_BINDINGS), ("screen", MAIN_BINDINGS),
                  ("runs", RUN_TABLE_BINDINGS), ("plot", PLOT_BINDINGS))  # fmt: skip
        keymap = getattr(getattr(self.app, "config", None), "keys", {}) or {}
        out: list[tuple[str, Callable[[], object], str]] = []
        for namespace, bindings in groups:
            for b in bindings:
                title = f"{(b.id or '').split('.')[0]}: {b.tooltip}"
                keys = keymap.get(b.id or "", b.key)
                out.append((title, partial(self._run, namespace, b.action), f"key: {keys}"))
        main = getattr(self.app, "main", None)
        if main is not None:
            for key in ["parent", *main.catalog.param_keys()]:
                out.append((f"runs: group by {printable(key)}", partial(main.set_group, key), ""))
            out.append(("runs: list flat (no grouping)", partial(main.set_group, "none"), ""))
        return out

    async def discover(self) -> Hits:
        """Every command, shown when the palette opens."""
        for title, callback, help_text in self._commands():
            yield Hit(1.0, Content(title), callback, text=title, help=help_text)

    async def search(self, query: str) -> Hits:
        """Commands matching ``query``."""
        matcher = self.matcher(query)
        for title, callback, help_text in self._commands():
            score = matcher.match(title)
            if score > 0:  # highlight reads markup: a param key like `[b]x` stays literal
                shown = matcher.highlight(escape(title))
                yield Hit(score, shown, callback, text=title, help=help_text)
