"""Integration: the gate after a seed change, against a REAL `mlflow server` (the fixture of test_registry_server).

With `--seed 7` after `--seed 42` most of the new hold-out is rows the champion trained on (about 80 %): scoring the
champion there flatters it. The gate must compare both models only on the rows neither trained on, and say so.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from training import evaluate as ev
from training import train
from training.data import load_dataset
from training.registry import row_fingerprint
from training.tests.code.test_registry_server import MODEL, Server, mlflow_server  # noqa: F401 (fixture)
from training.tests.conftest import use_store

pytestmark = pytest.mark.integration


def rows_outside_first_training_set(first_seed: int, second_seed: int) -> tuple[int, int]:
    """Counted independently of the gate: (second hold-out size, its rows not in the first training set)."""
    dataset = load_dataset()
    texts, targets = dataset.texts, dataset.targets
    first_train, _ = ev.holdout_split(targets, first_seed)
    _, second_holdout = ev.holdout_split(targets, second_seed)
    trained_on = {row_fingerprint(texts[i], int(targets[i])) for i in first_train}
    outside = [i for i in second_holdout if row_fingerprint(texts[i], int(targets[i])) not in trained_on]
    return len(second_holdout), len(outside)


def test_seed_change_is_compared_on_rows_neither_model_trained_on(mlflow_server: Server, tmp_path: Path) -> None:  # noqa: F811
    from mlflow import MlflowClient

    common = ["--tracking-uri", mlflow_server.url, "--quick", "--candidates", "logreg_word_char"]
    first = train.execute([*common, "--output-dir", str(tmp_path / "seed-42"), "--seed", "42"])
    second = train.execute([*common, "--output-dir", str(tmp_path / "seed-7"), "--seed", "7"])
    assert first["promoted"] is True

    holdout, outside = rows_outside_first_training_set(42, 7)
    assert outside < 0.3 * holdout  # the unfair set-up the gate must not fall for
    use_store(mlflow_server.url)
    tags = MlflowClient(mlflow_server.url).get_model_version(MODEL, second["model_version"]).tags
    assert 0 < int(tags["gate.eval_rows"]) == outside
    champion_f1, challenger_f1 = float(tags["gate.eval_champion_f1"]), float(tags["gate.eval_f1"])
    assert 0.5 < champion_f1 <= 1 and 0.5 < challenger_f1 <= 1
    low, high = (float(x) for x in tags["gate.eval_f1_delta_ci95"].strip("[]").split(","))
    assert low <= challenger_f1 - champion_f1 <= high
    # Not promoted. With this data the seed-7 hold-out F1 is 0.944, under the 0.95 floor (a point estimate: see
    # docs/training.md); when the floors pass, the reason is the fair comparison itself.
    assert second["promoted"] is False
    assert "below the floor" in second["reason"] or f"on {outside} hold-out rows neither trained on" in second["reason"]
