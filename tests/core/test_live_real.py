"""Incremental reads of real logs (written by the real libraries) equal whole reads."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from curvelens.core.discovery import discover
from curvelens.core.live.layout import layout
from curvelens.core.live.tailers import CSV, EVENTS, JSONL, MlflowMetric, Tailer
from curvelens.core.readers import ReadError
from curvelens.core.readers.csvlog import read_table_file
from curvelens.core.readers.jsonl import JsonlReader
from tests.core.test_live_tailers import _events_whole, _follow, _mlflow_whole

ROOT = Path(__file__).resolve().parents[2]
REAL = next(
    (p / "shared" / "fixtures" / "real" for p in (ROOT.parent, ROOT.parent.parent)
     if (p / "shared" / "fixtures" / "real").is_dir()),
    None,
)  # fmt: skip
MAX_BYTES = 2 * 2**20
TAILED = ("csv", "reference", "jsonl", "mlflow", "tensorboard")


def _logs() -> list[tuple[str, Tailer]]:
    """Every tailed log file of the real fixtures (small enough for a test)."""
    if REAL is None:
        return []
    found = discover([REAL]).runs
    logs = [item for ref in found if ref.format in TAILED for item in layout(ref).logs]
    return [(path, tailer) for path, tailer in logs if Path(path).stat().st_size <= MAX_BYTES]


def _whole(tailer: Tailer):
    if tailer is CSV:
        return lambda path: read_table_file(path).points
    if tailer is JSONL:
        return lambda path: JsonlReader().read(path).points
    if tailer is EVENTS:
        return _events_whole
    return _mlflow_whole


@pytest.mark.skipif(REAL is None, reason="real fixtures not present")
def test_real_logs_appended_in_pieces(tmp_path: Path) -> None:
    logs = _logs()
    kinds = {type(tailer).__name__ for _, tailer in logs}
    assert {"_Table", "_Events", "MlflowMetric"} <= kinds and len(logs) > 50
    rng = random.Random(3)
    for index, (path, tailer) in enumerate(logs):
        content = Path(path).read_bytes()
        copy = tmp_path / str(index) / Path(path).name
        copy.parent.mkdir()
        whole = _whole(tailer)
        if isinstance(tailer, MlflowMetric):
            tailer = MlflowMetric("loss")  # _mlflow_whole names the metric "loss"
        try:
            _follow(tailer, copy, content, [rng.random() for _ in range(4)], whole)
        except ReadError:  # an unreadable file (LFS pointer, binary): the whole read says so
            with pytest.raises(ReadError):
                whole(Path(path))
