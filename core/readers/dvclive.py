"""DVCLive output folders: ``plots/metrics/<name>.tsv`` per metric, plus ``params.yaml``.

A run is a folder with ``metrics.json`` and ``plots/`` (DVCLive 2.x/3.x). Each TSV under
``plots/metrics/`` is one metric named by its path (``val/synth/loss.tsv`` ->
``val/synth/loss``); columns ``step``, the value (last column) and, with
``timestamp=True``, ``timestamp`` in unix milliseconds (``wall_time``). A TSV with only a
``step`` column (a metric literally named ``step`` collides with it) is skipped with an
Issue. Params: ``params.yaml`` (safe_load), flattened. Sub-folders other than ``plots/``
(k-fold ``fold_N/`` DVCLive folders) are not part of the run: discovery walks them.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import polars as pl

from curvelens.core.readers.base import Description, Reader, ReadError, ReadResult
from curvelens.core.readers.bounded import stream_text
from curvelens.core.readers.delimited import read_delimited
from curvelens.core.readers.points import dedupe_points
from curvelens.core.readers.textfile import Budget, utc_datetime
from curvelens.core.readers.yamlfile import yaml_params
from curvelens.core.schema import POINTS, Issue

PLOTS = Path("plots") / "metrics"
PARAMS = "params.yaml"


def metric_files(folder: Path) -> list[tuple[str, Path]]:
    """(metric name, TSV file) for every TSV under ``plots/metrics``, sorted."""
    root = folder / PLOTS
    return sorted((p.relative_to(root).with_suffix("").as_posix(), p) for p in root.rglob("*.tsv"))


def read_tsv(
    name: str, path: Path, budget: Budget | None = None
) -> tuple[pl.DataFrame, list[Issue]]:
    """One metric TSV as ``POINTS`` in file order, and its problems (streamed: memory
    follows the lines kept, reading stops at ``budget``)."""
    data, issues = stream_text(path, budget)
    if not data.strip():
        return pl.DataFrame(schema=dict(POINTS)), [*issues, Issue(path, "empty file, no data yet")]
    frame, more, _cut = read_delimited(path, data, "\t")  # a cut last line: being written
    issues += more
    value_columns = [c for c in frame.columns if c not in ("step", "timestamp")]
    if "step" not in frame.columns or not value_columns:
        issues.append(Issue(path, "no value column next to 'step' (a metric named 'step'?)"))
        return pl.DataFrame(schema=dict(POINTS)), issues
    wall = pl.col("timestamp").cast(pl.Float64, strict=False) / 1000.0
    points = frame.select(
        pl.lit(name).alias("metric"),
        pl.col("step").str.strip_chars().cast(pl.Float64, strict=False),
        pl.col(value_columns[-1]).str.strip_chars().cast(pl.Float64, strict=False).alias("value"),
        (wall if "timestamp" in frame.columns else pl.lit(None)).alias("wall_time"),
    ).cast(pl.Schema(POINTS))
    valid = points.filter(pl.col("step").is_finite() & pl.col("value").is_not_null())
    if valid.height < points.height:
        issues.append(Issue(path, f"{points.height - valid.height} rows without numbers skipped"))
    return valid, issues


class DvcLiveReader(Reader):
    """DVCLive folders (``metrics.json`` + ``plots/metrics/*.tsv``)."""

    name = "dvclive"

    def detect(self, folder: Path, entry_names: frozenset[str]) -> bool:
        """A folder holding ``metrics.json`` and ``plots/``."""
        return "metrics.json" in entry_names and "plots" in entry_names

    def nested_runs(self, folder: Path, entry_names: frozenset[str]) -> frozenset[str]:
        """Every sub-folder but ``plots/`` (k-fold runs write ``fold_N/`` DVCLive folders)."""
        return entry_names - {PLOTS.parts[0]}

    def parts(self, folder: Path, entry_names: frozenset[str]) -> frozenset[str]:
        """The run's ``plots/`` (metric TSVs, images) and ``artifacts/``."""
        return frozenset({"plots", "artifacts"})

    def describe(self, path: Path) -> Description:
        """Metric names from the TSV file names, params from params.yaml."""
        params, issues = yaml_params(path / PARAMS)
        names = tuple(name for name, _ in metric_files(path))
        return Description(metrics=names, params=params, issues=tuple(issues))

    def read(self, path: Path) -> ReadResult:
        """Every metric TSV, params.yaml params."""
        files = metric_files(path)
        if not (path / PLOTS).is_dir():
            raise ReadError(path, f"no {PLOTS.as_posix()} folder: not a DVCLive run")
        frames: list[pl.DataFrame] = []
        issues: list[Issue] = []
        budget = Budget()
        for index, (name, file) in enumerate(files):
            if index and budget.spent():
                issues.append(Issue(file, budget.message(f"metric files ({len(files) - index})")))
                break
            try:
                frame, file_issues = read_tsv(name, file, budget)
            except ReadError as exc:
                issues.append(Issue(file, f"ignored: {exc.message}"))
                continue
            frames.append(frame)
            issues.extend(file_issues)
        stacked = pl.concat(frames) if frames else pl.DataFrame(schema=dict(POINTS))
        points, resumed = dedupe_points(stacked)
        params, param_issues = yaml_params(path / PARAMS)
        first = points.get_column("wall_time").min()
        return ReadResult(
            points=points,
            params=params,
            resumed=resumed,
            issues=tuple(issues + param_issues),
            started=_utc(first),
            files=tuple(file for _, file in files),
        )


def _utc(seconds: object) -> datetime | None:
    return utc_datetime(seconds) if isinstance(seconds, float) else None
