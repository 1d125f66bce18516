"""A braille line canvas in numpy: each terminal cell holds 2x4 dots, lines are rasterised per
dot column in one vectorised pass, so drawing costs about the same for 100 or 100,000 points
(plotext, which this replaces in the app, spent 70-280 ms per frame interpolating in Python)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

RGB = tuple[int, int, int]
_DOTS = np.array([[0x01, 0x08], [0x02, 0x10], [0x04, 0x20], [0x40, 0x80]], dtype=np.uint8)
"""Braille dot bit of (row, column) in a cell (Unicode order: dots 1-3, 7 left; 4-6, 8 right)."""


def _spans(px: np.ndarray, py: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(column, low row, high row) dot spans of the polyline through (px, py) in dot units.

    Each segment between two finite points paints, in every dot column it crosses, the rows
    it passes through there; a point with no finite neighbour paints itself.
    """
    ok = np.isfinite(px) & np.isfinite(py)
    seg = np.flatnonzero(ok[:-1] & ok[1:])
    xa, xb, ya, yb = px[seg], px[seg + 1], py[seg], py[seg + 1]
    left, right = np.minimum(xa, xb), np.maximum(xa, xb)
    first, last = np.rint(left).astype(np.int64), np.rint(right).astype(np.int64)
    count = last - first + 1
    owner = np.repeat(np.arange(seg.size), count)
    col = first[owner] + np.arange(owner.size) - np.repeat(np.cumsum(count) - count, count)
    lo_x = np.clip(col - 0.5, left[owner], right[owner])
    hi_x = np.clip(col + 0.5, left[owner], right[owner])
    width = xb - xa
    slope = np.divide(yb - ya, width, out=np.zeros_like(width), where=width != 0)[owner]
    y1 = ya[owner] + slope * (lo_x - xa[owner])
    y2 = ya[owner] + slope * (hi_x - xa[owner])
    vertical = (width == 0)[owner]
    y1 = np.where(vertical, ya[owner], y1)
    y2 = np.where(vertical, yb[owner], y2)
    lone = ok.copy()
    lone[seg] = False
    lone[seg + 1] = False
    cols = np.concatenate((col, np.rint(px[lone]).astype(np.int64)))
    low = np.concatenate((np.minimum(y1, y2), py[lone]))
    high = np.concatenate((np.maximum(y1, y2), py[lone]))
    return cols, np.rint(low).astype(np.int64), np.rint(high).astype(np.int64)


def rasterize(
    x: np.ndarray, y: np.ndarray, xlim: tuple[float, float], ylim: tuple[float, float],
    columns: int, rows: int,
) -> np.ndarray:  # fmt: skip
    """Boolean dot matrix (``rows`` x ``columns``, row 0 at the top) of the line through
    (x, y); parts outside the limits are clipped, non-finite points break the line."""
    x0, x1 = xlim
    y0, y1 = ylim
    px = (np.asarray(x, dtype=np.float64) - x0) / ((x1 - x0) or 1.0) * (columns - 1)
    py = (np.asarray(y, dtype=np.float64) - y0) / ((y1 - y0) or 1.0) * (rows - 1)
    if px.size == 0:
        return np.zeros((rows, columns), dtype=bool)
    cols, low, high = _spans(px, py)
    low, high = np.clip(low, 0, rows), np.clip(high, -1, rows - 1)
    keep = (cols >= 0) & (cols < columns) & (low <= high)
    cols, low, high = cols[keep], low[keep], high[keep]
    size = (rows + 1) * columns
    starts = np.bincount(low * columns + cols, minlength=size)
    ends = np.bincount((high + 1) * columns + cols, minlength=size)
    edges = (starts - ends).reshape(rows + 1, columns)
    return (np.cumsum(edges, axis=0)[:rows] > 0)[::-1]


@dataclass
class Canvas:
    """Cells of braille dots with one colour each; later lines are drawn over earlier ones,
    and faint lines never show through a cell a normal line passes."""

    width: int
    height: int
    xlim: tuple[float, float]
    ylim: tuple[float, float]
    bits: np.ndarray = field(init=False)
    color: np.ndarray = field(init=False)
    faint: np.ndarray = field(init=False)
    colors: list[RGB] = field(default_factory=list)
    masks: list[np.ndarray] = field(default_factory=list)
    """Cells each line passes through, in drawing order (markers are placed from them)."""

    def __post_init__(self) -> None:
        self.bits = np.zeros((self.height, self.width), dtype=np.uint8)
        self.color = np.full((self.height, self.width), -1, dtype=np.int32)
        self.faint = np.zeros((self.height, self.width), dtype=bool)

    def line(self, x: np.ndarray, y: np.ndarray, color: RGB, faint: bool = False) -> None:
        """Draw the polyline through (x, y) in data coordinates."""
        dots = rasterize(x, y, self.xlim, self.ylim, 2 * self.width, 4 * self.height)
        cells = dots.reshape(self.height, 4, self.width, 2) * _DOTS[None, :, None, :]
        bits = cells.sum(axis=(1, 3), dtype=np.uint8)
        hit = bits > 0
        empty = self.color < 0
        if faint:
            hit &= empty | self.faint
        else:
            replace = hit & self.faint
            self.bits[replace] = 0
            self.faint[hit] = False
        self.faint[hit & empty] = faint
        self.bits[hit] |= bits[hit]
        self.color[hit] = len(self.colors)
        self.colors.append(color)
        self.masks.append(bits > 0)

    def column_of(self, x: float) -> int | None:
        """The cell column of data x, or None outside the canvas."""
        x0, x1 = self.xlim
        dot = round((x - x0) / ((x1 - x0) or 1.0) * (2 * self.width - 1))
        return dot // 2 if 0 <= dot < 2 * self.width else None

    def row_of(self, y: float) -> int | None:
        """The cell row (0 at the top) of data y, or None outside the canvas."""
        y0, y1 = self.ylim
        dot = round((y - y0) / ((y1 - y0) or 1.0) * (4 * self.height - 1))
        return self.height - 1 - dot // 4 if 0 <= dot < 4 * self.height else None

    def chars(self) -> list[str]:
        """Each row of cells as braille characters (blank where no dot is set)."""
        codes = np.where(self.bits > 0, 0x2800 + self.bits.astype(np.int32), 0x20)
        return ["".join(map(chr, row)) for row in codes.tolist()]
