"""Titled tables the text and Markdown writers share, and how wide tables are split.

A :class:`Section` is one table (title, note, headers, rows, alignment); the compare writers
build them once and render them as aligned text or Markdown so the two never disagree.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

#: Text reports aim to fit this many columns.
TEXT_WIDTH = 120
_EVAL_HEADS = ("val", "valid", "validation", "eval", "evaluation", "test", "dev")


@dataclass(frozen=True)
class Section:
    """One titled table of a report."""

    title: str
    note: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    align: str
    """``l`` or ``r`` per column."""


def family(metric: str) -> str:
    """A metric's family: the part before the first ``_``, ``/`` or ``.`` (``mode1_loss``)."""
    return re.split(r"[/_.]", metric, maxsplit=1)[0]


def families(metrics: Sequence[str]) -> dict[str, list[str]]:
    """Metrics by family (train, eval splits, modeN, others), lone metrics under ``other``."""
    heads: dict[str, list[str]] = {}
    for m in metrics:
        heads.setdefault(family(m), []).append(m)
    out: dict[str, list[str]] = {}
    for head in sorted(heads, key=_family_order):
        members = heads[head]
        key = head if len(members) > 1 and head != members[0] else "other"
        out.setdefault(key, []).extend(members)
    if "other" in out:
        out["other"] = out.pop("other")
    return out


def _family_order(head: str) -> tuple[int, int, str]:
    """Train first, then eval splits, then ``modeN`` by N, then the rest by name."""
    mode = re.fullmatch(r"mode(\d+)", head)
    if head in ("train", "training"):
        return (0, 0, head)
    if head in _EVAL_HEADS:
        return (1, 0, head)
    if mode:
        return (2, int(mode.group(1)), head)
    return (3, 0, head)


def split_columns(
    fixed: int,
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    width: int = TEXT_WIDTH,
) -> list[tuple[int, ...]]:
    """Split the columns after the first ``fixed`` into chunks whose table fits ``width``.

    Returns, per chunk, the indices of its columns (the fixed ones included).
    """
    sizes = [max([len(h)] + [len(r[i]) for r in rows]) + 2 for i, h in enumerate(headers)]
    base = sum(sizes[:fixed])
    chunks: list[tuple[int, ...]] = []
    current: list[int] = []
    used = base
    for i in range(fixed, len(headers)):
        if current and used + sizes[i] > width:
            chunks.append((*range(fixed), *current))
            current, used = [], base
        current.append(i)
        used += sizes[i]
    if current or not chunks:
        chunks.append((*range(fixed), *current))
    return chunks


def pick(cells: Sequence[str], columns: Sequence[int]) -> tuple[str, ...]:
    """The cells at ``columns``."""
    return tuple(cells[i] for i in columns)
