"""Code tests of the promotion rule (the real registry is exercised in test_registry_server.py)."""

from __future__ import annotations

import pytest

from training.evaluate import GridResult, select_best
from training.registry import F1_FLOOR, PRECISION_FLOOR, decide

GOOD = {"f1": 0.97, "precision": 0.99}


def test_first_version_is_promoted_when_floors_pass() -> None:
    decision = decide(GOOD, None)
    assert decision.promote
    assert "no production version" in decision.reason


@pytest.mark.parametrize(
    ("metrics", "floor"),
    [
        ({"f1": F1_FLOOR - 0.001, "precision": 1.0}, "F1"),
        ({"f1": 0.99, "precision": PRECISION_FLOOR - 0.001}, "precision"),
    ],
)
def test_floors_reject_even_without_champion(metrics: dict[str, float], floor: str) -> None:
    decision = decide(metrics, None)
    assert not decision.promote
    assert f"hold-out {floor}" in decision.reason and "below the floor" in decision.reason


def test_identical_retrain_does_not_move_the_alias() -> None:
    decision = decide(dict(GOOD), dict(GOOD), "3")
    assert not decision.promote
    assert "not better than production v3" in decision.reason


@pytest.mark.parametrize(
    "champion",
    [{"f1": 0.98, "precision": 0.99}, {"f1": 0.97, "precision": 0.995}, {"f1": 0.98, "precision": 0.995}],
)
def test_worse_on_either_metric_is_rejected(champion: dict[str, float]) -> None:
    decision = decide(GOOD, champion, "1")
    assert not decision.promote
    assert decision.reason.startswith("worse than production v1")


@pytest.mark.parametrize(
    "champion", [{"f1": 0.96, "precision": 0.99}, {"f1": 0.97, "precision": 0.985}, {"f1": 0.95, "precision": 0.98}]
)
def test_better_and_not_worse_is_promoted(champion: dict[str, float]) -> None:
    decision = decide(GOOD, champion, "1")
    assert decision.promote
    assert decision.reason.startswith("better than production v1")


def _grid(params: dict, f1: float, precision: float) -> GridResult:
    return GridResult(params=params, fold_metrics=[{"f1": f1, "precision": precision}])


def test_selection_prefers_f1_among_settings_reaching_the_precision_target() -> None:
    grid = [_grid({"C": 1}, 0.97, 0.98), _grid({"C": 2}, 0.96, 0.99), _grid({"C": 3}, 0.95, 0.995)]
    assert select_best(grid).params == {"C": 2}


def test_selection_falls_back_to_f1_and_keeps_the_first_of_equals() -> None:
    grid = [_grid({"C": 1}, 0.96, 0.98), _grid({"C": 2}, 0.96, 0.98), _grid({"C": 3}, 0.95, 0.98)]
    assert select_best(grid).params == {"C": 1}
