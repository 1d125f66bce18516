"""The metric tables of the ``compare`` report, built from a :class:`Comparison`.

Runs and groups are rows and metrics (or statistics) are columns; names are shortened from
the middle (:mod:`.names`) and wide tables are split so text fits about 120 columns.
"""

from __future__ import annotations

from collections.abc import Mapping

from curvelens.core.comparison.model import Comparison, MetricComparison, PairComparison
from curvelens.core.reports.format import fmt_step, fmt_value
from curvelens.core.reports.sections import Section, families, pick, split_columns

Short = Mapping[str, str]


def interval(ci: tuple[float, float] | None) -> str:
    """``[lo, hi]`` or ``-``."""
    return "-" if ci is None else f"[{fmt_value(ci[0])}, {fmt_value(ci[1])}]"


def flagged(ci: tuple[float, float] | None, reliable: bool) -> str:
    """An interval, marked ``*`` when its measured coverage is poor at this n."""
    return interval(ci) + ("*" if ci is not None and not reliable else "")


def where(m: MetricComparison) -> str:
    """Where a metric is compared: ``step 1000``, ``best<=1000``, ``last``."""
    if m.at == "last":
        return "last"
    if m.step is None:
        return "-"
    return f"best<={fmt_step(m.step)}" if m.at == "best" else fmt_step(m.step)


def metrics_section(c: Comparison) -> Section:
    """Per metric: direction and where it came from, kind, compared step, tested or not."""
    rows = tuple(
        (m.metric, "higher" if m.direction.higher_is_better else "lower", m.direction.source,
         m.kind, where(m), "yes" if any(p.test for p in m.pairs) else "no")
        for m in c.metrics
    )  # fmt: skip
    note = (
        "direction from: name = known name, trend = the curves' own trend, option = --higher/"
        "--lower; step = where runs are compared; tests only on performance metrics by default"
    )
    headers = ("metric", "better", "from", "kind", "step", "tested")
    return Section("Metrics", note, headers, rows, "llllrl")


def values_sections(c: Comparison, short: Short) -> list[Section]:
    """Per metric family: one row per group (mean of its runs' compared values, with
    diverged runs counted), and under every other group its difference and ratio."""
    by_metric = {m.metric: m for m in c.metrics}
    names = list(c.groups)
    ref = short.get(names[0], names[0]) if names else ""
    note = (
        "mean over the group's runs of each run's value at the compared step (see Metrics); "
        "n = runs used / runs, diverged runs are failures and not scored"
        + (f"; diff = group - {ref}, ratio = group / {ref}" if len(names) > 1 else "")
    )
    out = []
    for fam, metrics in families(list(by_metric)).items():
        chosen = [by_metric[m] for m in metrics]
        headers = ("group", "n", *metrics)
        rows = _value_rows(c, chosen, short)
        rows.insert(0, ("  step", "", *(where(m) for m in chosen)))
        for cols in split_columns(2, headers, rows):
            out.append(
                Section(
                    f"Compared values: {fam}", note, pick(headers, cols),
                    tuple(pick(r, cols) for r in rows), "lr" + "r" * 99,
                )
            )  # fmt: skip
            note = ""
    return out


def _value_rows(
    c: Comparison, metrics: list[MetricComparison], short: Short
) -> list[tuple[str, ...]]:
    """The group rows (and diff/ratio rows) of one family's values table."""
    stats = {(m.metric, g.name): g for m in metrics for g in m.groups}
    pair = {(m.metric, p.b): p for m in metrics for p in m.pairs}
    rows: list[tuple[str, ...]] = []
    for index, g in enumerate(c.groups):
        counts = {
            f"{s.n_used}/{s.n}" + (f" ({s.diverged} div.)" if s.diverged else "")
            for m in metrics
            if (s := stats.get((m.metric, g))) is not None
        }
        n = counts.pop() if len(counts) == 1 else "varies"
        values = (fmt_value(s.mean) if (s := stats.get((m.metric, g))) else "-" for m in metrics)
        rows.append((short[g], n, *values))
        if index == 0:
            continue
        for what, get in (("  diff", _diff), ("  ratio", _ratio)):
            rows.append((what, "", *(fmt_value(get(pair.get((m.metric, g)))) for m in metrics)))
    return rows


def _diff(p: PairComparison | None) -> float | None:
    """The pair's difference, if any."""
    return None if p is None else p.diff


def _ratio(p: PairComparison | None) -> float | None:
    """The pair's ratio, if any."""
    return None if p is None else p.ratio


def groups_section(c: Comparison, short: Short) -> Section | None:
    """Per metric and group: runs, diverged, mean and std of values, IQM with its interval."""
    if all(len(runs) < 2 for runs in c.groups.values()):
        return None
    rows = tuple(
        (m.metric, short[g.name], f"{g.n_used}/{g.n}", str(g.diverged), fmt_value(g.mean),
         fmt_value(g.std), fmt_value(g.iqm), flagged(g.iqm_ci, g.ci_reliable))
        for m in c.metrics for g in m.groups
    )  # fmt: skip
    headers = ("metric", "group", "n", "diverged", "mean", "std", "IQM", "IQM 95% CI")
    note = (
        "n = runs with a value / runs; IQM = interquartile mean (rliable), BCa bootstrap "
        "interval over runs; * = unreliable: measured coverage below 90% at this n"
    )
    return Section("Group statistics", note, headers, tuple(rows), "llrrrrrr")


def _tested(c: Comparison) -> list[tuple[MetricComparison, PairComparison]]:
    """Every (metric, pair) that has a group test."""
    return [(m, p) for m in c.metrics for p in m.pairs if p.test is not None]


def tests_sections(c: Comparison, short: Short) -> list[Section]:
    """Tests with Holm, effect sizes with intervals, and power, per tested pair."""
    found = _tested(c)
    if not found:
        return []
    ref = short[next(iter(c.groups))]
    tests = tuple(
        (m.metric, short[p.b], f"{t.n_a}/{t.n_b}", fmt_value(t.welch_t), fmt_value(t.welch_p),
         fmt_value(t.p_holm), fmt_value(t.mannwhitney_p), fmt_value(t.permutation_p),
         fmt_value(t.prob_improvement), flagged(t.prob_improvement_ci, t.ci_reliable))
        for m, p in found if (t := p.test) is not None
    )  # fmt: skip
    effects = tuple(
        (m.metric, short[p.b], fmt_value(t.mean_diff), interval(t.mean_diff_ci),
         fmt_value(t.iqm_diff), flagged(t.iqm_diff_ci, t.ci_reliable), fmt_value(t.hedges_g),
         interval(t.hedges_g_ci))
        for m, p in found if (t := p.test) is not None
    )  # fmt: skip
    power = tuple(
        (m.metric, short[p.b], f"{t.n_a}/{t.n_b}", fmt_value(t.hedges_g),
         fmt_value(t.power.detectable_g if t.power else None),
         str(t.power.seeds_needed) if t.power and t.power.seeds_needed else "-")
        for m, p in found if (t := p.test) is not None
    )  # fmt: skip
    note = (
        f"group against {ref}, signed group - {ref}; Welch p and Holm-adjusted p across the "
        "tested metrics; MW = exact Mann-Whitney (ties kept), perm = exact permutation test of "
        "the mean difference; P(better) with a BCa stratified-bootstrap 95% CI, * = unreliable"
    )
    return [
        Section(
            "Significance tests", note,
            ("metric", "group", "n", "Welch t", "p", "p Holm", "MW p", "perm p", "P(better)",
             "95% CI"),
            tests, "llrrrrrrrr",
        ),
        Section(
            "Effect sizes",
            "mean diff with the Welch t interval; IQM diff with a BCa stratified bootstrap; "
            "Hedges' g with the noncentral-t interval",
            ("metric", "group", "mean diff", "95% CI", "IQM diff", "95% CI", "Hedges g", "95% CI"),
            effects, "llrrrrrr",
        ),
        Section(
            "How many seeds",
            "detectable g = smallest Hedges' g the current n detects with 80% power (two-sided "
            "t-test, alpha 0.05); seeds = runs per group needed for the observed g",
            ("metric", "group", "n", "observed g", "detectable g", "seeds needed"),
            power, "llrrrr",
        ),
    ]  # fmt: skip


def aggregates_section(c: Comparison, short: Short) -> Section | None:
    """rliable-style aggregates over metric families."""
    if not c.aggregates:
        return None
    rows = tuple(
        (a.family, short[a.b], str(len(a.metrics)), fmt_value(a.iqm_a), fmt_value(a.iqm_b),
         flagged(a.iqm_diff_ci, a.reliable), fmt_value(a.prob_improvement),
         flagged(a.prob_improvement_ci, a.reliable))
        for a in c.aggregates
    )  # fmt: skip
    note = (
        "values normalised by the reference group's mean per metric, oriented so higher is "
        "better; IQM over all (run, metric) values; P(better) averaged over metrics; "
        "stratified percentile bootstrap (rliable); * = unreliable at this n"
    )
    headers = ("family", "group", "metrics", "IQM ref", "IQM grp", "diff 95% CI", "P(better)",
               "95% CI")  # fmt: skip
    return Section("Aggregate over metric families", note, headers, rows, "llrrrrrr")


def runs_section(c: Comparison, short: Short) -> Section:
    """Per metric and run: compared value, last finite value and step, divergence, best."""
    rows = tuple(
        (m.metric, short[r.run], fmt_value(r.value), fmt_value(r.last), fmt_step(r.last_step),
         fmt_step(r.diverged_step) if r.diverged_step is not None else "-", fmt_value(r.best),
         fmt_step(r.best_step), fmt_value(r.mean), str(r.nan_count))
        for m in c.metrics for r in m.runs
    )  # fmt: skip
    headers = ("metric", "run", "value", "last", "at", "diverged", "best", "at", "mean", "nan")
    note = (
        "value = at the compared step (- when diverged or none there); last = last finite "
        "value; diverged = step from which the value stays NaN/inf, or where it exploded"
    )
    return Section("Statistics per run", note, headers, rows, "llrrrrrrrr")
