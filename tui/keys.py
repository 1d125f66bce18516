"""Every key binding of the app in one table: it feeds the widgets' BINDINGS, the help
screen and the command palette, and its ids are what ``[keys]`` in the config remaps."""

from __future__ import annotations

from textual.binding import Binding

FOOTER = {
    "app.quit",
    "app.help",
    "runs.filter",
    "runs.select",
    "plot.pick_metric",
    "plot.smoothing",
    "plot.grid",
    "runs.detail",
    "app.warnings",
    "help.close",
    "warnings.close",
    "detail.close",
    "anomalies.close",
    "picker.cancel",
}
"""Bindings shown in the footer (all are in the help screen and the palette)."""


def _b(key: str, action: str, binding_id: str, description: str, tooltip: str) -> Binding:
    """A binding whose id is ``<pane>.<name>`` and whose tooltip reads as a palette title."""
    return Binding(
        key, action, description, show=binding_id in FOOTER, tooltip=tooltip, id=binding_id
    )


APP_BINDINGS: list[Binding] = [
    _b("q", "quit", "app.quit", "quit", "quit curvelens"),
    _b("question_mark", "help", "app.help", "help", "show every key binding"),
    _b("w", "warnings", "app.warnings", "warnings", "list warnings (file, line, problem)"),
]
"""Keys that work on every screen."""

MAIN_BINDINGS: list[Binding] = [
    _b("slash", "filter", "runs.filter", "filter", "filter runs (words, regex, key<v, has:k, !t)"),
    _b(
        "escape",
        "escape",
        "runs.escape",
        "back",
        "restore the layout, clear the filter, leave grid",
    ),
    _b("f", "maximise", "app.maximise", "max", "maximise the focused pane (again to restore)"),
    _b("t", "group_by", "runs.group_by", "group", "group runs by parent folder or a param"),
    _b("a", "select_all", "runs.select_all", "all", "select all visible runs"),
    _b("n", "apply('select_none')", "runs.select_none", "none", "select no run"),
    _b("o", "apply('sort')", "runs.sort", "sort", "sort by the next column"),
    _b("O", "apply('sort_reverse')", "runs.sort_reverse", "reverse", "reverse the sort order"),
    _b("m", "pick_metric", "plot.pick_metric", "metric", "pick the metric to plot"),
    _b("left_square_bracket", "metric(-1)", "plot.prev_metric", "prev", "previous metric"),
    _b("right_square_bracket", "metric(1)", "plot.next_metric", "next", "next metric"),
    _b("g", "apply('grid')", "plot.grid", "grid", "toggle the grid of all metrics"),
    _b(
        "s",
        "apply('smoothing')",
        "plot.smoothing",
        "smooth",
        "cycle smoothing: off, EMA, time-weighted EMA",
    ),
    _b("comma", "weight(-1)", "plot.weight_down", "w-", "decrease the smoothing weight"),
    _b("full_stop", "weight(1)", "plot.weight_up", "w+", "increase the smoothing weight"),
    _b("y", "apply('log_y')", "plot.log_y", "log y", "toggle log y"),
    _b("x", "x_axis", "plot.x_axis", "x axis", "cycle x: step, wall, relative, epoch/tokens…"),
    _b("i", "apply('outliers')", "plot.outliers", "outliers", "toggle ignoring outliers in y (on)"),
    _b(
        "v",
        "apply('readout_sort')",
        "plot.readout_sort",
        "by value",
        "sort the cursor readout by value",
    ),
    _b("plus,equals_sign", "zoom(1)", "plot.zoom_in", "zoom+", "zoom in around the cursor"),
    _b("minus", "zoom(-1)", "plot.zoom_out", "zoom-", "zoom out"),
    _b("less_than_sign", "pan(-1)", "plot.pan_left", "pan<", "pan left"),
    _b("greater_than_sign", "pan(1)", "plot.pan_right", "pan>", "pan right"),
    _b("r", "apply('reset')", "plot.reset", "reset", "reset zoom and cursor"),
    _b("G", "apply('bands')", "plot.groups", "groups", "toggle seed-group mean ± std bands"),
    _b("F", "apply('follow')", "plot.follow", "follow", "keep the newest steps in a zoom (live)"),
    _b("R", "reload", "app.reload", "reload", "poll the runs on disk now"),
    _b("A", "anomalies", "analysis.anomalies", "anomalies", "list anomalies, jump to one"),
    _b("e", "export", "app.export", "export", "export the view's summary to Markdown"),
]
"""Keys of the main screen, whatever pane has focus."""

TABLE_BINDINGS: list[Binding] = [
    _b("j", "cursor_down", "table.down", "down", "move down"),
    _b("k", "cursor_up", "table.up", "up", "move up"),
    _b("h", "scroll_left", "table.left", "left", "scroll left"),
    _b("l", "scroll_right", "table.right", "right", "scroll right"),
]
"""Vim keys added to every table."""

RUN_TABLE_BINDINGS: list[Binding] = [
    _b("space", "select_run", "runs.select", "select", "select or unselect the run"),
    _b("enter", "detail", "runs.detail", "detail", "show the run's path, format, error, params"),
    _b("p", "pin", "runs.pin", "pin", "pin or unpin the run at the top of the list"),
    _b("b", "baseline", "runs.baseline", "baseline", "make the run the baseline (again: none)"),
]
"""Keys of the run list."""

PLOT_BINDINGS: list[Binding] = [
    _b("left,h", "cursor(-1)", "plot.cursor_left", "◀", "move the cursor left"),
    _b("right,l", "cursor(1)", "plot.cursor_right", "▶", "move the cursor right"),
]
"""Keys of the plot pane."""

HELP_BINDINGS = [_b("escape,q,question_mark", "dismiss", "help.close", "close", "close the help")]
WARNINGS_BINDINGS = [_b("escape,q,w", "dismiss", "warnings.close", "close", "close the warnings")]
DETAIL_BINDINGS = [_b("escape,q,enter", "dismiss", "detail.close", "close", "close the detail")]
ANOMALIES_BINDINGS = [_b("escape,q,A", "close", "anomalies.close", "close", "close the list")]
PICKER_BINDINGS = [
    _b("escape", "cancel", "picker.cancel", "cancel", "close the picker"),
    _b("down", "move(1)", "picker.down", "down", "next entry while typing"),
    _b("up", "move(-1)", "picker.up", "up", "previous entry while typing"),
]
"""Keys of the modal screens (enter picks in the picker and the anomalies list)."""

ALL_BINDINGS: dict[str, list[Binding]] = {
    "everywhere": APP_BINDINGS,
    "main screen": MAIN_BINDINGS,
    "run list": RUN_TABLE_BINDINGS,
    "plot": PLOT_BINDINGS,
    "tables": TABLE_BINDINGS,
    "help": HELP_BINDINGS,
    "warnings": WARNINGS_BINDINGS,
    "detail": DETAIL_BINDINGS,
    "anomalies": ANOMALIES_BINDINGS,
    "picker": PICKER_BINDINGS,
}
"""Bindings by where they apply, in help-screen order."""


def binding_ids() -> set[str]:
    """Every binding id the config may remap."""
    return {b.id for group in ALL_BINDINGS.values() for b in group if b.id}
