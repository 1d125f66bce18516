"""Text and Markdown writers of the ``compare`` report (JSON is in :mod:`.compare_json`).

Both render the same list of :class:`~.sections.Section` tables, so they never disagree.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Sequence

from curvelens.core.reports.compare import CompareReport
from curvelens.core.reports.compare_tables import (
    at_label,
    divergence_section,
    finals_sections,
    groups_section,
    paired_section,
    progression_sections,
    runs_section,
    tests_sections,
)
from curvelens.core.reports.format import markdown_table, text_table
from curvelens.core.reports.health_tables import (
    anomalies_section,
    convergence_section,
    overfitting_section,
)
from curvelens.core.reports.names import short_names
from curvelens.core.reports.sections import TEXT_WIDTH, Section


def report_short_names(report: CompareReport) -> dict[str, str]:
    """Shortened names of every group and run of the report."""
    names = [*report.groups, *(r for runs in report.groups.values() for r in runs)]
    return short_names(names)


def sections(report: CompareReport) -> list[Section]:
    """All tables of the report, in reading order."""
    short = report_short_names(report)
    found: list[Section | None] = [
        *finals_sections(report, short),
        divergence_section(report, short),
        paired_section(report, short),
        groups_section(report, short),
        *tests_sections(report, short),
        runs_section(report, short),
        anomalies_section(report, short),
        overfitting_section(report, short),
        convergence_section(report, short),
        *progression_sections(report, short),
    ]
    return [s for s in found if s is not None]


def intro(report: CompareReport) -> list[str]:
    """Header lines: how runs were grouped, the settings, and each group with its runs."""
    short = report_short_names(report)
    s = report.settings
    lines = [
        f"Grouping: {report.grouping}",
        f"Compared: {at_label(report)} values; every group against the reference (first) "
        f"group; divergence threshold {s.threshold:g}, {s.consecutive} consecutive steps; "
        f"{'interpolated' if s.interpolate else 'common'} steps",
    ]
    for index, (g, runs) in enumerate(report.groups.items()):
        role = " [reference]" if index == 0 and len(report.groups) > 1 else ""
        shown = f" ({short[g]})" if short[g] != g else ""
        lines.append(f"{g}{shown}{role}: {len(runs)} run{'s' if len(runs) != 1 else ''}")
        if runs != (g,):
            lines += [f"  - {r}" + (f" ({short[r]})" if short[r] != r else "") for r in runs]
    return lines


def _render(report: CompareReport, markdown: bool) -> str:
    """Text or Markdown rendering of :func:`sections`."""
    table: Callable[[Sequence[str], Sequence[Sequence[str]], str], str]
    table = markdown_table if markdown else text_table
    head = intro(report)
    if markdown:
        parts = [
            "# curvelens compare",
            "\n".join(ln if ln.startswith("  ") else f"- {ln}" for ln in head),
        ]
    else:
        parts = ["curvelens compare", "\n".join(_wrap(line) for line in head)]
    for s in sections(report):
        title = f"## {s.title}" if markdown else f"== {s.title} =="
        note = (f"_{s.note}_" if markdown else _wrap(s.note)) if s.note else ""
        body = table(s.headers, s.rows, s.align[: len(s.headers)]) if s.rows else "(none)"
        sep = "\n\n" if markdown else "\n"
        parts.append(sep.join(p for p in (title, note, body) if p))
    return "\n\n".join(parts) + "\n"


def _wrap(line: str) -> str:
    """A long line wrapped to the text width, continuation lines indented."""
    return textwrap.fill(line, TEXT_WIDTH, subsequent_indent="  ", break_on_hyphens=False)


def compare_text(report: CompareReport) -> str:
    """The report as aligned plain text."""
    return _render(report, markdown=False)


def compare_markdown(report: CompareReport) -> str:
    """The report as Markdown."""
    return _render(report, markdown=True)
