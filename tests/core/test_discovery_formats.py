"""Discovery and loading over the whole real fixture tree: which runs, in which format."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from curvelens.core.discovery import discover
from curvelens.core.loading import load_run
from curvelens.core.readers import READERS

REAL = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "real"


def _formats() -> dict[str, str]:
    return {ref.id: ref.format for ref in discover([REAL]).runs}


def test_specific_readers_come_before_generic_ones() -> None:
    names = [reader.name for reader in READERS]
    for specific in ("hf_trainer", "mlflow", "wandb", "dvclive", "sacred", "tensorboard"):
        assert names.index(specific) < names.index("csv") < names.index("jsonl")


def test_runs_per_format_in_the_real_tree() -> None:
    counts = Counter(_formats().values())
    assert counts["hf_trainer"] == 3
    assert counts["mlflow"] == 9  # 11 run folders, 2 deleted
    assert counts["wandb"] == 4  # latest-run copies run 5pppfjv9, whose own folder is absent
    assert counts["tensorboard"] == 9  # 7 + SB3's PPO_6/, PPO_7/ inside an SB3 run folder
    assert counts["sb3"] == 4  # 3 progress.csv folders (one with an events copy) + monitors/
    assert counts["dvclive"] == 5  # 3 + the k-fold fold_0/, fold_1/ inside a DVCLive folder
    assert counts["sacred"] == 3


def test_nested_folders_are_not_runs_of_their_own() -> None:
    formats = _formats()
    version_1 = "tensorboard/Jhko725__Contact-Point-Detection/lightning_logs/version_1"
    assert formats[version_1] == "tensorboard"
    assert not [i for i in formats if i.startswith(version_1 + "/")]  # add_hparams sub-run
    assert not [i for i in formats if "last-checkpoint" in i or "artifacts" in i]
    assert formats["wandb/aorvieto__VerySimpleTransformer/wandb/latest-run"] == "wandb"
    sb3 = "sb3/reddyn12__Sb3Test/logs"
    assert formats[sb3] == "sb3"  # progress.csv, not the events copy beside it
    assert formats[f"{sb3}/PPO_6"] == formats[f"{sb3}/PPO_7"] == "tensorboard"
    kfold = "dvclive/Emily-RoseSteyn__measuring-quality-of-life-gauteng/dvclive"
    assert formats[f"{kfold}/fold_0"] == formats[f"{kfold}/fold_1"] == "dvclive"
    tube = "lightning_csv/Jhko725__Contact-Point-Detection/hall_of_fame/20200205/lightning_logs"
    assert formats[tube] == "csv" and f"{tube}/tf" not in formats  # test-tube's events copy
    fit = "tensorboard/huangyuan3h__StockData/logs/fit/20220213-124139"
    assert formats[f"{fit}/train"] == formats[f"{fit}/validation"] == "tensorboard"


def test_loading_reports_lfs_pointer_and_reads_the_rest() -> None:
    runs = {ref.id: ref for ref in discover([REAL / "tensorboard", REAL / "mlflow"]).runs}
    lfs = next(ref for rid, ref in runs.items() if "P4P4N1CK" in rid)
    data = load_run(lfs)
    assert data.status == "error" and data.error is not None and "Git LFS" in data.error
    ok = [load_run(ref) for rid, ref in runs.items() if "P4P4N1CK" not in rid]
    assert all(run.error is None for run in ok)
    named = {run.params.get("mlflow.runName") for run in ok if run.ref.format == "mlflow"}
    assert "salty-bear-997" in named
