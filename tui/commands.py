"""Command palette provider: every action of the binding table, titled ``pane: what``."""

from __future__ import annotations

from functools import partial

from textual.command import Hit, Hits, Provider

from curvelens.tui.keys import APP_BINDINGS, MAIN_BINDINGS, RUN_TABLE_BINDINGS


class CurvelensCommands(Provider):
    """Palette commands built from the bindings, so the palette and the keys agree."""

    def _commands(self) -> list[tuple[str, str, str]]:
        """(title, action with namespace, help) for every command."""
        out = []
        for binding in APP_BINDINGS:
            out.append((binding.id or "", f"app.{binding.action}", binding.key))
        for binding in [*MAIN_BINDINGS, *RUN_TABLE_BINDINGS]:
            action = binding.action.removeprefix("screen.")
            out.append((binding.id or "", f"screen.{action}", binding.key))
        return [
            (f"{bid.split('.')[0]}: {self._tooltip(bid)}", action, key) for bid, action, key in out
        ]

    @staticmethod
    def _tooltip(binding_id: str) -> str:
        """The tooltip of the binding ``binding_id``."""
        for binding in [*APP_BINDINGS, *MAIN_BINDINGS, *RUN_TABLE_BINDINGS]:
            if binding.id == binding_id:
                return binding.tooltip
        return binding_id

    async def discover(self) -> Hits:
        """Every command, shown when the palette opens."""
        for title, action, key in self._commands():
            yield Hit(1.0, title, partial(self.app.run_action, action), help=f"key: {key}")

    async def search(self, query: str) -> Hits:
        """Commands matching ``query``."""
        matcher = self.matcher(query)
        for title, action, key in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(
                    score, matcher.highlight(title), partial(self.app.run_action, action),
                    help=f"key: {key}",
                )  # fmt: skip
