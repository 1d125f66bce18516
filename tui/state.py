"""The app's one view state: a frozen :class:`View` and pure transitions (``View -> View``).

Everything the user changes (filter, metric, plot options, cursor, zoom, selection, sort,
grid, group-by, pins, maximised pane, x axis) lives here; the main screen holds one View as a
reactive and each key replaces it with a transition's result. Nothing here touches Textual.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields, replace
from functools import partial

SORT_COLUMNS = ("name", "status", "last", "best", "step", "updated", "format")
"""Columns the run list sorts by, in the order ``o`` cycles through them."""
TIME_AXES = ("step", "wall", "relative")
"""x axes every run has; any logged metric (``epoch``, ``tokens``) may be one too."""
SMOOTHING = ("off", "ema", "time-ema")
"""Smoothing kinds ``s`` cycles: none, TensorBoard's EMA, the time-weighted EMA."""
PANES = ("runs-pane", "plot-pane", "stats", "compare")
"""Panes that can be maximised."""
FIRST_SELECTED = 5
"""Runs selected on first open when nothing was remembered."""
MAX_PLOTTED = 50
"""``select all`` stops here: more curves are a blur, and each one costs redraw time."""
CURSOR_STEPS = 60
"""Cursor key presses to cross the visible range."""
Extent = tuple[float, float]
PANE_INPUTS: dict[str, tuple[str, ...]] = {
    "layout": ("maximised", "grid"),
    "runs": ("filter", "metric", "selected", "baseline", "pins", "sort", "sort_reverse",
             "group_by"),
    "plot": ("filter", "metric", "smoothing", "weight", "log_y", "x_axis", "ignore_outliers",
             "x_range", "cursor", "selected", "baseline", "grid", "metric_filter", "bands",
             "readout_by_value", "maximised"),
    "stats": ("filter", "metric", "smoothing", "weight", "x_axis", "x_range", "selected",
              "baseline", "maximised"),
    "compare": ("filter", "metric", "smoothing", "weight", "x_axis", "x_range", "selected",
                "baseline", "bands"),
}  # fmt: skip
"""The View fields each pane is drawn from (``layout`` is which panes are visible)."""


@dataclass(frozen=True)
class View:
    """What the app shows; every field is plain data, so a View can be saved and compared."""

    filter: str = ""
    metric: str | None = None
    smoothing: str = "off"
    """One of :data:`SMOOTHING`."""
    weight: float = 0.6
    """Smoothing weight in [0, 0.99]."""
    log_y: bool = False
    x_axis: str = "step"
    """One of :data:`TIME_AXES`, or the name of a logged metric used as x."""
    ignore_outliers: bool = True
    """y range from the 2nd to 98th percentile (TensorBoard's default is on)."""
    x_range: Extent | None = None
    """Zoomed x range in axis units; None shows everything."""
    cursor: float | None = None
    selected: tuple[str, ...] = ()
    baseline: str | None = None
    pins: tuple[str, ...] = ()
    """Runs kept at the top of the list, in pin order."""
    sort: str = "name"
    sort_reverse: bool = False
    grid: bool = False
    metric_filter: str = ""
    """Regex the grid's metrics must match."""
    group_by: str | None = None
    """``parent`` (folder) or a param key; None lists runs flat."""
    maximised: str | None = None
    """One of :data:`PANES` filling the screen, or None."""
    readout_by_value: bool = False
    """Cursor readout sorted by value instead of plot order."""
    bands: bool = False
    """Seed-group mean ± std bands on the plot."""
    follow: bool = False
    """Live runs: a zoomed range slides to keep the newest steps in view."""
    touched: bool = False
    """The user chose a selection (the first view no longer picks one)."""


def changed_panes(old: View, new: View) -> set[str]:
    """The panes whose inputs differ between ``old`` and ``new``."""
    return {
        pane
        for pane, names in PANE_INPUTS.items()
        if any(getattr(old, n) != getattr(new, n) for n in names)
    }


def toggle(items: tuple[str, ...], item: str) -> tuple[str, ...]:
    """``items`` with ``item`` removed if present, else appended."""
    return tuple(i for i in items if i != item) if item in items else (*items, item)


def toggle_select(view: View, run_id: str | None) -> View:
    """Select or unselect ``run_id``."""
    if run_id is None:
        return view
    return replace(view, selected=toggle(view.selected, run_id), touched=True)


def select_all(view: View, run_ids: Sequence[str]) -> View:
    """Select ``run_ids`` (the visible, loaded runs), at most :data:`MAX_PLOTTED`."""
    return replace(view, selected=tuple(run_ids[:MAX_PLOTTED]), touched=True)


def select_none(view: View) -> View:
    """Select no run."""
    return replace(view, selected=(), touched=True)


def toggle_pin(view: View, run_id: str | None) -> View:
    """Pin ``run_id`` to the top of the list, or unpin it."""
    return view if run_id is None else replace(view, pins=toggle(view.pins, run_id))


def toggle_baseline(view: View, run_id: str | None) -> View:
    """Make ``run_id`` the baseline, or drop it when it already is."""
    return replace(view, baseline=None if run_id == view.baseline else run_id)


def sort_next(view: View) -> View:
    """Sort by the next column."""
    index = SORT_COLUMNS.index(view.sort) if view.sort in SORT_COLUMNS else -1
    return replace(view, sort=SORT_COLUMNS[(index + 1) % len(SORT_COLUMNS)])


def sort_reversed(view: View) -> View:
    """Reverse the sort order."""
    return replace(view, sort_reverse=not view.sort_reverse)


def sort_by(view: View, column: str) -> View:
    """Sort by ``column``; the same column again reverses the order."""
    if column not in SORT_COLUMNS:
        return view
    if column == view.sort:
        return sort_reversed(view)
    return replace(view, sort=column, sort_reverse=False)


def set_filter(view: View, text: str) -> View:
    """Filter the run list by ``text``."""
    return replace(view, filter=text)


def set_metric(view: View, metric: str | None) -> View:
    """Show ``metric``; zoom and cursor stay on the step axis, where steps mean the same."""
    if not metric or metric == view.metric:
        return view
    if view.x_axis == "step":
        return replace(view, metric=metric)
    return replace(view, metric=metric, x_range=None, cursor=None)


def step_metric(view: View, metrics: Sequence[str], delta: int, page: int = 1) -> View:
    """The metric ``delta`` places (or pages of ``page`` metrics) away in ``metrics``."""
    if not metrics:
        return view
    index = metrics.index(view.metric) if view.metric in metrics else 0
    if page > 1:
        pages = -(-len(metrics) // page)
        index = (index // page + delta) % pages * page
    else:
        index = (index + delta) % len(metrics)
    return set_metric(view, metrics[index])


def toggle_grid(view: View) -> View:
    """Toggle the grid of small plots."""
    return replace(view, grid=not view.grid)


def cycle_smoothing(view: View) -> View:
    """Off, then TensorBoard's EMA, then the time-weighted EMA."""
    index = SMOOTHING.index(view.smoothing) if view.smoothing in SMOOTHING else 0
    return replace(view, smoothing=SMOOTHING[(index + 1) % len(SMOOTHING)])


def change_weight(view: View, delta: int) -> View:
    """Weight up or down by 0.05 (within [0, 0.99]); smoothing turns on."""
    weight = min(0.99, max(0.0, round(view.weight + 0.05 * delta, 2)))
    smoothing = view.smoothing if view.smoothing != "off" else "ema"
    return replace(view, weight=weight, smoothing=smoothing)


def flip(view: View, name: str) -> View:
    """Toggle the boolean option ``name`` (``log_y``, ``ignore_outliers``, ``bands`` ...)."""
    return replace(view, **{name: not getattr(view, name)})  # type: ignore[arg-type]


def cycle_x_axis(view: View, extra: Sequence[str] = ()) -> View:
    """Next x axis: step, wall, relative, then each logged metric in ``extra`` usable as x;
    zoom and cursor reset (their units change)."""
    axes = [*TIME_AXES, *(m for m in extra if m not in TIME_AXES)]
    index = axes.index(view.x_axis) if view.x_axis in axes else -1
    return replace(view, x_axis=axes[(index + 1) % len(axes)], x_range=None, cursor=None)


def zoom(view: View, factor: float, full: Extent | None) -> View:
    """Zoom x by ``factor`` (2 halves the range) around the cursor, else the centre, inside
    ``full``; the whole extent again means no zoom."""
    if full is None:
        return view
    lo, hi = view.x_range or full
    centre = view.cursor if view.cursor is not None and lo <= view.cursor <= hi else (lo + hi) / 2
    half = (hi - lo) / 2 / factor
    lo, hi = max(full[0], centre - half), min(full[1], centre + half)
    whole = lo <= full[0] and hi >= full[1]
    return replace(view, x_range=None if whole or hi <= lo else (lo, hi))


def pan(view: View, direction: int, full: Extent | None) -> View:
    """Shift the zoomed range by a quarter of its width, staying inside ``full``."""
    if full is None or view.x_range is None:
        return view
    lo, hi = view.x_range
    shift = (hi - lo) / 4 * direction
    shift = min(max(shift, full[0] - lo), full[1] - hi)
    return replace(view, x_range=(lo + shift, hi + shift))


def reset(view: View) -> View:
    """Full x range, no cursor."""
    return replace(view, x_range=None, cursor=None)


def move_cursor(view: View, direction: int, visible: Extent | None) -> View:
    """Move the cursor along x; it appears in the middle of the ``visible`` range."""
    if visible is None:
        return view
    lo, hi = visible
    if view.cursor is None or not lo <= view.cursor <= hi:
        return replace(view, cursor=(lo + hi) / 2)
    cursor = min(hi, max(lo, view.cursor + (hi - lo) / CURSOR_STEPS * direction))
    return replace(view, cursor=cursor)


def jump(view: View, metric: str, x: float, x_axis: str) -> View:
    """Show ``metric`` with the cursor at ``x`` on ``x_axis`` (zoom kept when x is inside)."""
    keep = x_axis == view.x_axis and view.x_range and view.x_range[0] <= x <= view.x_range[1]
    x_range = view.x_range if keep else None
    return replace(view, metric=metric, x_axis=x_axis, x_range=x_range, cursor=x)


def maximise(view: View, pane: str | None) -> View:
    """Let ``pane`` fill the screen; the same pane again (or None) restores the layout."""
    return replace(view, maximised=None if pane == view.maximised or pane not in PANES else pane)


def group_by(view: View, key: str | None) -> View:
    """List runs grouped by ``key`` (``parent`` or a param), or flat for None."""
    return replace(view, group_by=key or None)


def set_metric_filter(view: View, text: str) -> View:
    """Narrow the grid's metrics to those matching ``text``."""
    return replace(view, metric_filter=text)


def follow_newest(view: View, full: Extent | None) -> View:
    """With :attr:`View.follow`, a zoomed range that the newest step passed slides right
    to end at it (same width); otherwise the view is kept as it is (zoom, cursor...)."""
    if not view.follow or view.x_range is None or full is None or full[1] <= view.x_range[1]:
        return view
    low, high = view.x_range
    return replace(view, x_range=(full[1] - (high - low), full[1]))


def escape(view: View) -> View:
    """Leave one level: the maximised pane, then the filter, the grid's filter, the grid."""
    if view.maximised:
        return replace(view, maximised=None)
    if view.filter:
        return replace(view, filter="")
    if view.grid and view.metric_filter:
        return replace(view, metric_filter="")
    return replace(view, grid=False)


def first_view(view: View, run_ids: Sequence[str], metric: str | None, count: int) -> View:
    """Until the user picks: the first ``count`` runs in display order and ``metric``."""
    if view.touched:
        return view if view.metric else replace(view, metric=metric)
    selected = tuple(run_ids[:count])
    keep = view.metric if view.metric and metric is None else metric
    return replace(view, selected=selected, metric=keep or view.metric)


NAMED: dict[str, Callable[[View], View]] = {
    "select_none": select_none,
    "sort": sort_next,
    "sort_reverse": sort_reversed,
    "grid": toggle_grid,
    "smoothing": cycle_smoothing,
    "log_y": partial(flip, name="log_y"),
    "outliers": partial(flip, name="ignore_outliers"),
    "readout_sort": partial(flip, name="readout_by_value"),
    "bands": partial(flip, name="bands"),
    "follow": partial(flip, name="follow"),
    "reset": reset,
}
"""Transitions that take nothing but the view, by the name their binding passes."""


SAVED = ("filter", "metric", "smoothing", "weight", "log_y", "x_axis", "ignore_outliers",
         "selected", "baseline", "pins", "sort", "sort_reverse", "group_by")  # fmt: skip
"""Fields remembered between sessions (per set of roots)."""


def to_saved(view: View) -> dict[str, object]:
    """The remembered part of ``view`` as JSON-ready data."""
    return {name: getattr(view, name) for name in SAVED}


def from_saved(data: dict[str, object], default: View) -> View:
    """``default`` with the remembered fields of ``data`` that have the right type."""
    types = {f.name: type(getattr(default, f.name)) for f in fields(View)}
    changes: dict[str, object] = {}
    for name in SAVED:
        value = data.get(name)
        if name in ("selected", "pins") and isinstance(value, list):
            changes[name] = tuple(str(v) for v in value)
        elif (
            name in ("metric", "baseline", "group_by") and (value is None or isinstance(value, str))
        ) or (
            value is not None and isinstance(value, types[name]) and types[name] is not type(None)
        ):
            changes[name] = value
    if changes.get("smoothing") not in (None, *SMOOTHING):
        changes.pop("smoothing")
    view = replace(default, **changes)  # type: ignore[arg-type]
    return replace(view, touched=bool(view.selected))
