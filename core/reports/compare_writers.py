"""Writers of the ``compare`` report: aligned text, Markdown and strict JSON.

Text and Markdown share one list of :class:`Section` tables so the two never disagree;
JSON carries the same numbers at full precision with NaN/inf written as null.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from curvelens.core.reports.compare import CompareReport, MetricReport
from curvelens.core.reports.format import (
    fmt_step,
    fmt_value,
    json_number,
    json_step,
    markdown_table,
    text_table,
)


@dataclass(frozen=True)
class Section:
    """One titled table of the report."""

    title: str
    note: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    align: str


def _pair(report: CompareReport) -> tuple[str, str] | None:
    """Names of the reference group a and the compared group b, if there are two."""
    names = list(report.groups)
    return (names[0], names[1]) if len(names) >= 2 else None


def _finals_section(report: CompareReport) -> Section:
    """Final (mean of finals per group) and best value of every metric for each group."""
    names = list(report.groups)
    pair = _pair(report)
    headers = ["metric", *(f"{g} final" for g in names)]
    if pair:
        headers += ["diff (b-a)", "ratio (b/a)"]
    rows = []
    for m in report.metrics:
        finals = {g.name: g.final_mean for g in m.groups}
        row = [m.metric, *(fmt_value(finals.get(g)) for g in names)]
        if pair:
            a, b = finals.get(pair[0]), finals.get(pair[1])
            diff = b - a if a is not None and b is not None else None
            ratio = b / a if a and b is not None else None
            row += [fmt_value(diff), fmt_value(ratio)]
        rows.append(tuple(row))
    note = "last finite value of each run; mean over the group's runs"
    return Section("Final performance", note, tuple(headers), tuple(rows), "l" + "r" * 99)


def _divergence_section(report: CompareReport) -> Section | None:
    """First step where the mean curves of a and b stay apart, per metric."""
    divs = [(m.metric, m.divergence) for m in report.metrics if m.divergence is not None]
    if not divs:
        return None
    first = divs[0][1]
    note = (
        f"{first.b} against {first.a}: first of {first.consecutive} consecutive aligned "
        f"points with |b/a - 1| > {first.threshold:g}"
    )
    rows = tuple(
        (metric, fmt_step(d.step) if d.step is not None else "never", fmt_value(d.gap))
        for metric, d in divs
    )
    return Section("Divergence points", note, ("metric", "step", "gap"), rows, "lrr")


def _groups_section(report: CompareReport) -> Section | None:
    """Per group: runs, mean and std of finals, IQM with its bootstrap interval."""
    if all(len(runs) < 2 for runs in report.groups.values()):
        return None
    rows = []
    for m in report.metrics:
        for g in m.groups:
            ci = (
                "-" if g.iqm_ci is None else f"[{fmt_value(g.iqm_ci[0])}, {fmt_value(g.iqm_ci[1])}]"
            )
            cells = (m.metric, g.name, str(len(g.runs)), fmt_value(g.final_mean))
            rows.append((*cells, fmt_value(g.final_std), fmt_value(g.iqm), ci))
    headers = ("metric", "group", "runs", "mean", "std", "IQM", "IQM 95% CI")
    note = "statistics of the runs' final values; percentile bootstrap interval"
    return Section("Group statistics", note, headers, tuple(rows), "llrrrrr")


def _test_section(report: CompareReport) -> Section | None:
    """Welch t, Mann-Whitney U, Hedges' g and P(improvement) of finals, b against a."""
    tests = [(m.metric, m.group_test) for m in report.metrics if m.group_test is not None]
    if not tests or all(t.n_a < 2 and t.n_b < 2 for _, t in tests):
        return None
    rows = tuple(
        (
            metric,
            f"{t.n_a}/{t.n_b}",
            fmt_value(t.welch_t),
            fmt_value(t.welch_p),
            fmt_value(t.mannwhitney_u),
            fmt_value(t.mannwhitney_p),
            fmt_value(t.hedges_g),
            fmt_value(t.prob_improvement),
        )
        for metric, t in tests
    )
    headers = ("metric", "n a/b", "Welch t", "p", "MW U", "p", "Hedges g", "P(b better)")
    first = tests[0][1]
    note = f"final values, {first.b} against {first.a} (signed b - a)"
    return Section("Significance of final values", note, headers, rows, "lrrrrrrr")


def _runs_section(report: CompareReport) -> Section:
    """Per run and metric: final, best (with steps), mean, std and non-finite count."""
    rows = []
    for m in report.metrics:
        for r in m.runs:
            rows.append(
                (
                    m.metric,
                    r.name,
                    r.group or "-",
                    fmt_value(r.final),
                    fmt_step(r.final_step),
                    fmt_value(r.best),
                    fmt_step(r.best_step),
                    fmt_value(r.mean),
                    fmt_value(r.std),
                    str(r.nan_count),
                )
            )
    headers = ("metric", "run", "group", "final", "at", "best", "at", "mean", "std", "nan")
    note = "best is the minimum, or the maximum for accuracy-like metrics"
    return Section("Statistics per run", note, headers, tuple(rows), "lllrrrrrrr")


def _progression_sections(report: CompareReport) -> list[Section]:
    """Step-by-step table of the two mean curves, one per metric."""
    out = []
    for m in report.metrics:
        if m.progression is None or m.progression.is_empty() or m.divergence is None:
            continue
        d = m.divergence
        rows = tuple(
            (fmt_step(r["step"]), *(fmt_value(r[k]) for k in ("a", "b", "diff", "ratio")))
            for r in m.progression.iter_rows(named=True)
        )
        headers = ("step", d.a, d.b, "diff (b-a)", "ratio (b/a)")
        out.append(Section(f"Progression: {m.metric}", "", headers, rows, "rrrrr"))
    return out


def sections(report: CompareReport) -> list[Section]:
    """All tables of the report, in reading order."""
    optional = [_divergence_section(report), _groups_section(report), _test_section(report)]
    found = [s for s in optional if s is not None]
    return [_finals_section(report), *found, _runs_section(report), *_progression_sections(report)]


def _intro(report: CompareReport) -> list[str]:
    """Lines naming each group and its runs."""
    return [
        f"{g} ({len(runs)} run{'s' if len(runs) != 1 else ''}): {', '.join(runs)}"
        for g, runs in report.groups.items()
    ]


def _render(report: CompareReport, markdown: bool) -> str:
    """Text or Markdown rendering of :func:`sections`."""
    table: Callable[[Sequence[str], Sequence[Sequence[str]], str], str]
    table = markdown_table if markdown else text_table
    if markdown:
        parts = ["# curvelens compare", "\n".join(f"- {line}" for line in _intro(report))]
    else:
        parts = ["curvelens compare", "\n".join(_intro(report))]
    for s in sections(report):
        title = f"## {s.title}" if markdown else f"== {s.title} =="
        note = (f"_{s.note}_" if markdown else s.note) if s.note else ""
        body = table(s.headers, s.rows, s.align[: len(s.headers)]) if s.rows else "(none)"
        parts.append(
            "\n\n".join(p for p in (title, note, body) if p)
            if markdown
            else "\n".join(p for p in (title, note, body) if p)
        )
    return "\n\n".join(parts) + "\n"


def compare_text(report: CompareReport) -> str:
    """The report as aligned plain text."""
    return _render(report, markdown=False)


def compare_markdown(report: CompareReport) -> str:
    """The report as Markdown."""
    return _render(report, markdown=True)


def compare_json(report: CompareReport) -> str:
    """The report as strict JSON; NaN and inf written as null."""
    payload = {
        "groups": {g: list(runs) for g, runs in report.groups.items()},
        "metrics": [_metric_json(m) for m in report.metrics],
    }
    return json.dumps(_clean(payload), indent=2, allow_nan=False) + "\n"


def _metric_json(m: MetricReport) -> dict[str, object]:
    """One metric's object of the JSON report."""
    div = None
    if m.divergence is not None:
        div = {**m.divergence.report_dict(), "step": json_step(m.divergence.step)}
    prog = None
    if m.progression is not None:
        prog = [{**row, "step": json_step(row["step"])} for row in m.progression.to_dicts()]
    return {
        "metric": m.metric,
        "higher_is_better": m.higher_is_better,
        "runs": [
            {
                "name": r.name,
                "group": r.group,
                "final": json_number(r.final),
                "final_step": json_step(r.final_step),
                "best": json_number(r.best),
                "best_step": json_step(r.best_step),
            }
            for r in m.runs
        ],
        "divergence": div,
        "groups": [
            {
                "name": g.name,
                "runs": list(g.runs),
                "final_mean": g.final_mean,
                "final_std": g.final_std,
                "iqm": g.iqm,
                "iqm_ci": None if g.iqm_ci is None else list(g.iqm_ci),
            }
            for g in m.groups
        ],
        "group_test": None if m.group_test is None else m.group_test.report_dict(),
        "progression": prog,
    }


def _clean(value: object) -> object:
    """Recursively replace non-finite floats by None and tuples by lists."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value
