"""The curve-wise tables of the ``compare`` report: divergence points, paired comparison of
two single runs, step-by-step progression of the (mean) curves."""

from __future__ import annotations

from collections.abc import Mapping

from curvelens.core.comparison.model import Comparison, DivergencePoint
from curvelens.core.reports.compare_tables import interval
from curvelens.core.reports.format import fmt_step, fmt_value
from curvelens.core.reports.sections import Section

Short = Mapping[str, str]


def divergence_text(d: DivergencePoint) -> str:
    """``1201 (+)``, ``never`` or ``not enough aligned steps (7)``."""
    if d.status == "not enough aligned steps":
        return f"not enough aligned steps ({d.aligned})"
    if d.step is None:
        return "never"
    return f"{fmt_step(d.step)} ({'+' if d.sign > 0 else '-'})"


def divergence_section(c: Comparison, short: Short) -> Section | None:
    """First step from which each group's curve and the reference's stay apart."""
    pairs = [(m, p) for m in c.metrics for p in m.pairs]
    if not pairs:
        return None
    rules = sorted({p.divergence.rule for _, p in pairs})
    ref = short[pairs[0][1].a]
    note = (
        f"first step from which each group's curve and {ref}'s stay apart beyond the noise "
        "(sign = group above (+) or below (-) it); runs interpolated onto a shared grid, "
        "aligned = grid points used; rule: " + "; ".join(rules)
    )
    rows = tuple(
        (m.metric, short[p.b], divergence_text(p.divergence), fmt_value(p.divergence.gap),
         fmt_value(p.divergence.noise), str(p.divergence.aligned))
        for m, p in pairs
    )  # fmt: skip
    headers = ("metric", "group", "diverges at", "gap", "noise", "aligned")
    return Section("Divergence points", note, headers, rows, "llrrrr")


def paired_section(c: Comparison, short: Short) -> Section | None:
    """Two single runs: the mean paired difference with its block-bootstrap interval."""
    found = [(m, p, p.paired) for m in c.metrics for p in m.pairs if p.paired is not None]
    if not found:
        return None
    rows = tuple(
        (m.metric, short[p.b], str(x.n), fmt_value(x.mean_diff), interval(x.mean_diff_ci),
         "-" if x.block is None else str(x.block))
        for m, p, x in found
    )  # fmt: skip
    note = (
        "DESCRIPTIVE ONLY: differences run - reference over aligned steps; points along a "
        "curve are not independent and two runs are no sample of seeds, so no p-value is "
        "shown; the interval (moving-block bootstrap) describes these two curves"
    )
    headers = ("metric", "run", "n", "mean diff", "95% CI", "block")
    return Section("Paired comparison over aligned steps", note, headers, rows, "llrrrr")


def progression_sections(c: Comparison, short: Short) -> list[Section]:
    """Step-by-step table of the two (mean) curves, per metric and pair (no empty rows)."""
    out = []
    for m in c.metrics:
        for p in m.pairs:
            if p.progression.is_empty():
                continue
            rows = tuple(
                (fmt_step(r["step"]), *(fmt_value(r[k]) for k in ("a", "b", "diff", "ratio")))
                for r in p.progression.iter_rows(named=True)
            )
            headers = ("step", short[p.a], short[p.b], "diff", "ratio")
            title = f"Progression: {m.metric} ({short[p.b]} vs {short[p.a]})"
            out.append(Section(title, "", headers, rows, "rrrrr"))
    return out
