"""The metric tables of the ``compare`` report: finals by family, groups, tests, divergence.

Runs and groups are rows and metrics (or statistics) are columns; names are shortened from
the middle (:mod:`.names`) and wide tables are split so text fits about 120 columns.
"""

from __future__ import annotations

from collections.abc import Mapping

from curvelens.core.analysis.pairwise import DEFAULT_CONSECUTIVE, DEFAULT_THRESHOLD
from curvelens.core.reports.compare import CompareReport, MetricReport, PairReport
from curvelens.core.reports.format import fmt_step, fmt_value
from curvelens.core.reports.sections import Section, families, pick, split_columns

Short = Mapping[str, str]


def interval(ci: tuple[float, float] | None) -> str:
    """``[lo, hi]`` or ``-``."""
    return "-" if ci is None else f"[{fmt_value(ci[0])}, {fmt_value(ci[1])}]"


def at_label(report: CompareReport) -> str:
    """What the per-run value is: ``final``, ``best`` or ``step N``."""
    at = report.settings.at
    return at if isinstance(at, str) else f"step {fmt_step(float(at))}"


def finals_sections(report: CompareReport, short: Short) -> list[Section]:
    """Per metric family: one row per group (mean of its runs' values), and under every
    other group its difference and ratio to the reference group."""
    by_metric = {m.metric: m for m in report.metrics}
    names = list(report.groups)
    label = at_label(report)
    note = (
        f"{label} value of each run (last finite value for final), mean over the group's runs; "
        f"diff = group - {short.get(names[0], names[0])}, ratio = group / it"
        if len(names) > 1
        else f"{label} value of each run, mean over the group's runs"
    )
    out = []
    for fam, metrics in families(list(by_metric)).items():
        headers = ("group", "n", *metrics)
        rows = _finals_rows(report, [by_metric[m] for m in metrics], short)
        for cols in split_columns(2, headers, rows):
            title = f"Final performance: {fam}" if label == "final" else f"Value at {label}: {fam}"
            out.append(
                Section(
                    title,
                    note,
                    pick(headers, cols),
                    tuple(pick(r, cols) for r in rows),
                    "lr" + "r" * 99,
                )
            )
            note = ""
    return out


def _finals_rows(
    report: CompareReport, metrics: list[MetricReport], short: Short
) -> list[tuple[str, ...]]:
    """The group rows (and diff/ratio rows) of one family's finals table."""
    value = {(m.metric, g.name): g.final_mean for m in metrics for g in m.groups}
    pair = {(m.metric, p.b): p for m in metrics for p in m.pairs}
    rows = []
    for index, (g, runs) in enumerate(report.groups.items()):
        rows.append(
            (short[g], str(len(runs)), *(fmt_value(value.get((m.metric, g))) for m in metrics))
        )
        if index == 0:
            continue
        for what, get in (("  diff", _diff), ("  ratio", _ratio)):
            rows.append((what, "", *(fmt_value(get(pair.get((m.metric, g)))) for m in metrics)))
    return rows


def _diff(p: PairReport | None) -> float | None:
    """The pair's difference, if any."""
    return None if p is None else p.diff


def _ratio(p: PairReport | None) -> float | None:
    """The pair's ratio, if any."""
    return None if p is None else p.ratio


def groups_section(report: CompareReport, short: Short) -> Section | None:
    """Per metric and group: runs, mean and std of run values, IQM with its interval."""
    if all(len(runs) < 2 for runs in report.groups.values()):
        return None
    rows = [
        (m.metric, short[g.name], str(g.n), fmt_value(g.final_mean), fmt_value(g.final_std),
         fmt_value(g.iqm), interval(g.iqm_ci))
        for m in report.metrics for g in m.groups
    ]  # fmt: skip
    headers = ("metric", "group", "n", "mean", "std", "IQM", "IQM 95% CI")
    note = (
        f"{at_label(report)} value of each run; IQM = interquartile mean, percentile bootstrap "
        "interval over runs (rliable)"
    )
    return Section("Group statistics", note, headers, tuple(rows), "llrrrrr")


def _pairs(report: CompareReport) -> list[tuple[MetricReport, PairReport]]:
    """Every (metric, pair) of the report."""
    return [(m, p) for m in report.metrics for p in m.pairs]


def tests_sections(report: CompareReport, short: Short) -> list[Section]:
    """Welch t, Mann-Whitney U, effect sizes with intervals, P(improvement) per pair."""
    found = [(m, p, p.group_test) for m, p in _pairs(report) if p.group_test is not None]
    if not found or all(t.n_a < 2 and t.n_b < 2 for _, _, t in found):
        return []
    ref = short[next(iter(report.groups))]
    tests = tuple(
        (m.metric, short[p.b], f"{t.n_a}/{t.n_b}", fmt_value(t.welch_t), fmt_value(t.welch_p),
         fmt_value(t.mannwhitney_u), fmt_value(t.mannwhitney_p), fmt_value(t.prob_improvement))
        for m, p, t in found
    )  # fmt: skip
    effects = tuple(
        (m.metric, short[p.b], fmt_value(t.mean_diff), interval(t.mean_diff_ci),
         fmt_value(t.iqm_diff), interval(t.iqm_diff_ci), fmt_value(t.hedges_g),
         interval(t.hedges_g_ci))
        for m, p, t in found
    )  # fmt: skip
    note = f"{at_label(report)} value of each run, group against {ref} (signed group - {ref})"
    return [
        Section(
            "Significance tests",
            note,
            ("metric", "group", "n ref/grp", "Welch t", "p", "MW U", "p", "P(better)"),
            tests,
            "llrrrrrr",
        ),
        Section(
            "Effect sizes",
            "95% intervals: stratified bootstrap for differences, analytic for Hedges' g",
            ("metric", "group", "mean diff", "95% CI", "IQM diff", "95% CI", "Hedges g", "95% CI"),
            effects,
            "llrrrrrr",
        ),
    ]


def divergence_section(report: CompareReport, short: Short) -> Section | None:
    """First step where each group's mean curve and the reference's stay apart."""
    pairs = _pairs(report)
    if not pairs:
        return None
    s = report.settings
    note = (
        f"first of {s.consecutive} consecutive aligned steps with |group/ref - 1| > {s.threshold:g}"
        f" (defaults {DEFAULT_CONSECUTIVE} and {DEFAULT_THRESHOLD:g}; --consecutive, "
        f"--threshold); steps both logged{' (interpolated)' if s.interpolate else ''}; "
        "per-step mean over a group's runs"
    )
    rows = tuple(
        (m.metric, short[p.b], short[p.a],
         fmt_step(p.divergence.step) if p.divergence.step is not None else "never",
         fmt_value(p.divergence.gap))
        for m, p in pairs
    )  # fmt: skip
    return Section(
        "Divergence points", note, ("metric", "group", "ref", "step", "gap"), rows, "lllrr"
    )


def runs_section(report: CompareReport, short: Short) -> Section:
    """Per metric and run: final, best (with steps), mean, std and non-finite count."""
    rows = tuple(
        (m.metric, short[r.name], fmt_value(r.final), fmt_step(r.final_step), fmt_value(r.best),
         fmt_step(r.best_step), fmt_value(r.mean), fmt_value(r.std), str(r.nan_count))
        for m in report.metrics for r in m.runs
    )  # fmt: skip
    headers = ("metric", "run", "final", "at", "best", "at", "mean", "std", "nan")
    note = "final = last finite value; best = minimum, or maximum for accuracy-like metrics"
    return Section("Statistics per run", note, headers, rows, "llrrrrrrr")


def progression_sections(report: CompareReport, short: Short) -> list[Section]:
    """Step-by-step table of the two mean curves, per metric and pair (no empty rows)."""
    out = []
    for m, p in _pairs(report):
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


def paired_section(report: CompareReport, short: Short) -> Section | None:
    """Two single runs: mean paired difference with block-bootstrap CI, Wilcoxon."""
    found = [(m, p, p.paired) for m, p in _pairs(report) if p.paired is not None]
    if not found:
        return None
    rows = tuple(
        (m.metric, short[p.b], str(c.n), fmt_value(c.mean_diff), interval(c.mean_diff_ci),
         "-" if c.block is None else str(c.block), fmt_value(c.wilcoxon_stat),
         fmt_value(c.wilcoxon_p))
        for m, p, c in found
    )  # fmt: skip
    note = (
        "DESCRIPTIVE ONLY: differences run - reference over aligned steps; points along a "
        "curve are not independent, so the interval (moving-block bootstrap) and the "
        "Wilcoxon p describe these two curves, not a population of runs"
    )
    headers = ("metric", "run", "n", "mean diff", "95% CI", "block", "Wilcoxon W", "p")
    return Section("Paired comparison over aligned steps", note, headers, rows, "llrrrrrr")
