"""The one YAML loader: Python tags as plain data, never code; bounded; bad files reported."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from curvelens.core.discovery import discover
from curvelens.core.loading import load_runs
from curvelens.core.readers import yamlfile
from curvelens.core.readers.yamlfile import load_yaml, yaml_params

REAL = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "real" / "lightning_csv"
PHILST = REAL / "Philst4__NBA-Data-Modeling-Demo" / "lightning_logs"


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "hparams.yaml"
    path.write_text(text)
    return path


def test_python_tags_become_plain_data_and_nothing_is_imported(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "lr: 0.01\n"
        "loss: !!python/name:shutil.rmtree ''\n"
        "shape: !!python/tuple [3, 4]\n"
        "net: !!python/object:notamodule.Net\n  depth: 2\n"
        "odd: !custom 7\n",
    )
    params, issues = yaml_params(path)
    assert "notamodule" not in sys.modules  # a real loader would have tried to import it
    assert params == {
        "lr": 0.01,
        "loss": "shutil.rmtree",
        "shape": "[3, 4]",
        "net.depth": 2,
        "odd": "7",
    }
    (issue,) = issues
    assert "!python/name:shutil.rmtree" in issue.message and "and 1 more" in issue.message


def test_real_hparams_with_a_pickled_module_keep_every_plain_value() -> None:
    params, issues = yaml_params(PHILST / "version_1" / "hparams.yaml")
    text = (PHILST / "version_1" / "hparams.yaml").read_text()
    top_level = [line.split(":")[0] for line in text.splitlines() if line[:1].isalpha()]
    assert {key.split(".")[0] for key in params} == set(top_level)
    assert issues and "the rest kept" in issues[0].message


def test_lightning_csv_run_has_hparams_as_params() -> None:
    run = next(r for r in load_runs(discover([PHILST]).runs) if r.ref.id.endswith("version_0"))
    assert run.error is None and run.params
    assert any(issue.path.name == "hparams.yaml" for issue in run.issues)


def test_billion_laughs_is_refused_quickly_and_reported(tmp_path: Path) -> None:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, 10):
        refs = ", ".join([f"*a{level - 1}"] * 9)
        lines.append(f"a{level}: &a{level} [{refs}]")
    content, issues = load_yaml(_write(tmp_path, "\n".join(lines) + "\n"))
    assert content is None
    assert "expand to more than" in issues[0].message


def test_recursive_alias_is_refused(tmp_path: Path) -> None:
    content, issues = load_yaml(_write(tmp_path, "a: &x [1, *x]\n"))
    assert content is None and "refers to itself" in issues[0].message


def test_too_large_file_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yamlfile, "MAX_BYTES", 100)
    content, issues = load_yaml(_write(tmp_path, "k: " + "x" * 200 + "\n"))
    assert content is None and "over" in issues[0].message


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("a: [1, 2\n", "YAML not loaded"),  # truncated
        ("\x00\x01\x02\x03" * 500, "binary content"),  # garbage
        ("- 1\n- 2\n", "not a YAML mapping"),  # wrong type
        ("a:\n" + "  " * 0 + "[" * 5000 + "]" * 5000 + "\n", "YAML not loaded"),  # deep
    ],
)
def test_bad_yaml_is_an_issue(tmp_path: Path, text: str, words: str) -> None:
    params, issues = yaml_params(_write(tmp_path, text))
    assert params == {} and words in issues[-1].message
    assert issues[-1].path.name == "hparams.yaml"


def test_empty_file_gives_nothing_quietly(tmp_path: Path) -> None:
    assert yaml_params(_write(tmp_path, "")) == ({}, [])
