"""Text and Markdown writers of the ``compare`` report (JSON is in :mod:`.compare_json`).

Both render the headline, the notes and caveats, then the same list of
:class:`~.sections.Section` tables, so they never disagree.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Sequence

from curvelens.core.comparison.model import Comparison
from curvelens.core.naming import short_names
from curvelens.core.reports.compare_curves import (
    divergence_section,
    paired_section,
    progression_sections,
)
from curvelens.core.reports.compare_tables import (
    aggregates_section,
    groups_section,
    metrics_section,
    runs_section,
    tests_sections,
    values_sections,
)
from curvelens.core.reports.format import markdown_table, text_table
from curvelens.core.reports.health_tables import (
    anomalies_section,
    convergence_section,
    overfitting_section,
)
from curvelens.core.reports.sections import TEXT_WIDTH, Section, pick, split_columns


def report_short_names(c: Comparison) -> dict[str, str]:
    """Shortened names of every group and run of the comparison."""
    return short_names([*c.groups, *(r for runs in c.groups.values() for r in runs)])


def sections(c: Comparison) -> list[Section]:
    """All tables of the report, in reading order."""
    short = report_short_names(c)
    found: list[Section | None] = [
        *values_sections(c, short),
        metrics_section(c),
        divergence_section(c, short),
        paired_section(c, short),
        groups_section(c, short),
        *tests_sections(c, short),
        aggregates_section(c, short),
        runs_section(c, short),
        anomalies_section(c, short),
        overfitting_section(c, short),
        convergence_section(c, short),
        *progression_sections(c, short),
    ]
    return [part for s in found if s is not None for part in _fitted(s)]


def _fitted(s: Section) -> list[Section]:
    """A table split into column chunks (the first two columns repeated) to fit the text
    width; the note goes with the first chunk."""
    chunks = split_columns(2, s.headers, s.rows) if s.rows else [tuple(range(len(s.headers)))]
    if len(chunks) == 1:
        return [s]
    return [
        Section(
            s.title if i == 0 else f"{s.title} (continued)", s.note if i == 0 else "",
            pick(s.headers, cols), tuple(pick(r, cols) for r in s.rows),
            "".join(s.align[c] for c in cols),
        )
        for i, cols in enumerate(chunks)
    ]  # fmt: skip


def caveats(c: Comparison) -> list[str]:
    """Notes of the whole comparison, then each distinct metric and pair note once."""
    seen: dict[str, list[str]] = {}
    for m in c.metrics:
        for note in (*m.notes[1:], *(n for p in m.pairs for n in p.notes)):
            seen.setdefault(note, []).append(m.metric)
        for g in m.groups:
            for note in g.notes:
                seen.setdefault(f"{g.name}: {note}", []).append(m.metric)
    lines = list(c.notes)
    for note, metrics in seen.items():
        names = ", ".join(dict.fromkeys(metrics))
        lines.append(f"{note} [{names if len(metrics) < len(c.metrics) else 'all metrics'}]")
    return lines


def intro(c: Comparison) -> list[str]:
    """Header lines: how runs were grouped, and each group with its key and runs."""
    short = report_short_names(c)
    lines = [f"Grouping: {c.grouping}"]
    for index, (g, runs) in enumerate(c.groups.items()):
        role = " [reference]" if index == 0 and len(c.groups) > 1 else ""
        shown = f" ({short[g]})" if short[g] != g else ""
        plural = "s" if len(runs) != 1 else ""
        lines.append(f"{g}{shown}{role}: {len(runs)} run{plural}; key: {c.group_keys.get(g, '-')}")
        if runs != (g,):
            lines += [f"  - {r}" + (f" ({short[r]})" if short[r] != r else "") for r in runs]
    return lines


def _bullets(title: str, lines: Sequence[str], markdown: bool) -> str:
    """A titled list of lines."""
    if markdown:
        return f"## {title}\n\n" + "\n".join(f"- {ln}" for ln in lines)
    return f"== {title} ==\n" + "\n".join(_wrap(f"- {ln}") for ln in lines)


def _render(c: Comparison, markdown: bool) -> str:
    """Text or Markdown rendering of the headline, caveats and :func:`sections`."""
    table: Callable[[Sequence[str], Sequence[Sequence[str]], str], str]
    table = markdown_table if markdown else text_table
    head = intro(c)
    title = "# curvelens compare" if markdown else "curvelens compare"
    parts = [title, _bullets("Headline", c.headline, markdown)]
    if markdown:
        parts.append("\n".join(ln if ln.startswith("  ") else f"- {ln}" for ln in head))
    else:
        parts.append("\n".join(_wrap(line) for line in head))
    parts.append(_bullets("Notes and caveats", caveats(c), markdown))
    for s in sections(c):
        heading = f"## {s.title}" if markdown else f"== {s.title} =="
        note = (f"_{s.note}_" if markdown else _wrap(s.note)) if s.note else ""
        body = table(s.headers, s.rows, s.align[: len(s.headers)]) if s.rows else "(none)"
        sep = "\n\n" if markdown else "\n"
        parts.append(sep.join(p for p in (heading, note, body) if p))
    return "\n\n".join(parts) + "\n"


def _wrap(line: str) -> str:
    """A long line wrapped to the text width, continuation lines indented."""
    return textwrap.fill(line, TEXT_WIDTH, subsequent_indent="  ", break_on_hyphens=False)


def compare_text(c: Comparison) -> str:
    """The report as aligned plain text."""
    return _render(c, markdown=False)


def compare_markdown(c: Comparison) -> str:
    """The report as Markdown."""
    return _render(c, markdown=True)
