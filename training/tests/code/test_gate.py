"""Code tests of the promotion rule (the real registry is exercised in test_registry_server.py)."""

from __future__ import annotations

import numpy as np
import pytest

from training.evaluate import GridResult, select_best
from training.registry import F1_FLOOR, PRECISION_FLOOR, compare_fairly, decide, row_fingerprint

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


def _predictions(targets: list[int], errors: int, seed: int) -> list[float]:
    """Probabilities that get all rows right but `errors` of them (chosen by `seed`)."""
    rng = np.random.default_rng(seed)
    wrong = set(rng.choice(len(targets), errors, replace=False).tolist())
    return [float((y == 1) != (i in wrong)) for i, y in enumerate(targets)]


TARGETS = [1] * 150 + [0] * 850


def test_identical_models_are_not_better_beyond_noise() -> None:
    same = _predictions(TARGETS, 20, 1)
    comparison = compare_fairly(TARGETS, same, 0.5, same, 0.5)
    assert comparison.f1_delta_ci == (0.0, 0.0)
    decision = decide(dict(GOOD), comparison, "3")
    assert not decision.promote
    assert decision.reason.startswith("not better than production v3 beyond noise on 1000 hold-out rows")


def test_a_small_difference_inside_the_noise_does_not_move_the_alias() -> None:
    comparison = compare_fairly(TARGETS, _predictions(TARGETS, 19, 1), 0.5, _predictions(TARGETS, 20, 2), 0.5)
    low, high = comparison.f1_delta_ci
    assert low < 0 < high
    assert not decide(GOOD, comparison, "1").promote


def test_clearly_better_is_promoted_and_clearly_worse_rejected() -> None:
    better = compare_fairly(TARGETS, _predictions(TARGETS, 5, 1), 0.5, _predictions(TARGETS, 60, 2), 0.5)
    assert better.f1_delta_ci[0] > 0
    assert decide(GOOD, better, "1").reason.startswith("better than production v1 on 1000 hold-out rows")
    worse = compare_fairly(TARGETS, _predictions(TARGETS, 60, 1), 0.5, _predictions(TARGETS, 5, 2), 0.5)
    assert decide(GOOD, worse, "1").reason.startswith("worse than production v1")


def test_each_model_is_scored_at_its_own_threshold() -> None:
    probabilities = [0.7 if y else 0.2 for y in TARGETS]
    comparison = compare_fairly(TARGETS, probabilities, 0.5, probabilities, 0.8)
    assert comparison.challenger["f1"] == 1.0
    assert comparison.champion["f1"] == 0.0


def test_no_fair_comparison_is_a_refusal_with_the_reason() -> None:
    decision = decide(GOOD, None, "2", unfair_reason="only 12 hold-out rows are outside v2's training set")
    assert not decision.promote
    assert (
        decision.reason
        == "cannot compare fairly with production v2: only 12 hold-out rows are outside v2's training set"
    )


def test_row_fingerprints_depend_on_text_and_label() -> None:
    assert row_fingerprint("win a prize", 1) != row_fingerprint("win a prize", 0)
    assert row_fingerprint("win a prize", 1) == row_fingerprint("win a prize", 1)
    assert len(row_fingerprint("x", 0)) == 16


def _grid(params: dict, f1: float, precision: float) -> GridResult:
    return GridResult(params=params, fold_metrics=[{"f1": f1, "precision": precision}])


def test_selection_prefers_f1_among_settings_reaching_the_precision_target() -> None:
    grid = [_grid({"C": 1}, 0.97, 0.98), _grid({"C": 2}, 0.96, 0.99), _grid({"C": 3}, 0.95, 0.995)]
    assert select_best(grid).params == {"C": 2}


def test_selection_falls_back_to_f1_and_keeps_the_first_of_equals() -> None:
    grid = [_grid({"C": 1}, 0.96, 0.98), _grid({"C": 2}, 0.96, 0.98), _grid({"C": 3}, 0.95, 0.98)]
    assert select_best(grid).params == {"C": 1}
