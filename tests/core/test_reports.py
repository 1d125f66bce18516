"""Number formatting and table layout shared by the report writers, checked by hand."""

from __future__ import annotations

import math

from curvelens.core.outputs import safe_name
from curvelens.core.reports.format import (
    fmt_step,
    fmt_value,
    json_number,
    json_step,
    markdown_table,
    text_table,
)


def test_values_and_steps() -> None:
    assert fmt_value(2.714838007837534) == "2.715"
    assert fmt_value(5.048890303156683e-05) == "5.049e-05"
    assert [fmt_value(x) for x in (math.nan, math.inf, -math.inf, None)] == [
        "nan", "inf", "-inf", "-"
    ]  # fmt: skip
    assert fmt_step(17880.0) == "17880" and fmt_step(0.5) == "0.5" and fmt_step(None) == "-"
    assert json_number(math.nan) is None and json_number(math.inf) is None
    assert json_step(100.0) == 100 and isinstance(json_step(100.0), int)
    assert json_step(2.5) == 2.5 and json_step(math.nan) is None


def test_text_table_aligns_columns() -> None:
    table = text_table(["metric", "last"], [["loss", "2.7"], ["acc", "0.91"]], "lr")
    assert table.splitlines() == [
        "metric  last",
        "------  ----",
        "loss     2.7",
        "acc     0.91",
    ]


def test_markdown_table_escapes_pipes_and_marks_alignment() -> None:
    table = markdown_table(["metric", "n"], [["a|b", "3"]], "lr")
    assert table.splitlines() == [
        "| metric |   n |",
        "| ------ | --: |",
        "| a\\|b   |   3 |",
    ]


def test_safe_names() -> None:
    assert safe_name("runs/lr=0.1 seed 2") == "runs_lr=0.1_seed_2"
    assert safe_name("..") == "run"


def test_families_and_column_split() -> None:
    from curvelens.core.reports.sections import families, split_columns

    metrics = ["epoch", "mode10_loss", "mode2_loss", "mode2_ppl", "mode10_ppl", "train_loss",
               "train_ppl", "val_loss", "val_acc", "grad_norm"]  # fmt: skip
    assert list(families(metrics)) == ["train", "val", "mode2", "mode10", "other"]
    assert families(metrics)["other"] == ["epoch", "grad_norm"]
    headers = ["name", "a" * 50, "b" * 50, "c" * 50]
    chunks = split_columns(1, headers, [["x"] * 4], width=120)
    assert chunks == [(0, 1, 2), (0, 3)]
