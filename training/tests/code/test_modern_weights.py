"""Code tests of how the modern set's training half is weighted and how the UCI floor orders the grid (issue 12)."""

from __future__ import annotations

import numpy as np
import pytest

from training.candidates import LOGREG_WORD_CHAR, MODERN_HAM_WEIGHT, MODERN_WEIGHT, build_classifier
from training.evaluate import UCI_F1_FLOOR, GridResult, modern_row_weights, select_best, uses_modern


def test_modern_ham_rows_take_their_own_weight() -> None:
    params = {MODERN_WEIGHT: 0.02, MODERN_HAM_WEIGHT: 0.5}
    assert modern_row_weights(params, [1, 0, 0, 1]).tolist() == [0.02, 0.5, 0.5, 0.02]


def test_without_a_ham_weight_every_modern_row_takes_the_modern_weight() -> None:
    assert modern_row_weights({MODERN_WEIGHT: 0.3}, [1, 0]).tolist() == [0.3, 0.3]
    assert modern_row_weights({}, [1, 0]).tolist() == [0.0, 0.0]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({MODERN_WEIGHT: 0.0}, False),
        ({}, False),
        ({MODERN_WEIGHT: 0.02}, True),
        ({MODERN_WEIGHT: 0.0, MODERN_HAM_WEIGHT: 0.5}, True),
    ],
)
def test_a_fit_uses_the_modern_half_when_either_weight_is_above_zero(params: dict, expected: bool) -> None:
    assert uses_modern(params) is expected


def test_the_weight_keys_never_reach_the_classifier() -> None:
    params = {"C": 500.0, "class_weight": {0: 1.0, 1: 2.0}, MODERN_WEIGHT: 0.02, MODERN_HAM_WEIGHT: 0.5}
    classifier = build_classifier(LOGREG_WORD_CHAR, params, seed=0)
    assert classifier.C == 500.0
    assert not {MODERN_WEIGHT, MODERN_HAM_WEIGHT} & set(classifier.get_params())


def test_the_shipped_grid_keeps_the_uci_only_recipe_and_weights_modern_ham_above_modern_spam() -> None:
    grid = LOGREG_WORD_CHAR.grid
    assert {"C": 100.0, "class_weight": {0: 1.0, 1: 2.0}, MODERN_WEIGHT: 0.0} in grid
    weighted = [p for p in grid if uses_modern(p)]
    assert weighted
    assert all(p[MODERN_HAM_WEIGHT] > p[MODERN_WEIGHT] for p in weighted)


def _point(params: dict, uci_f1: float, modern_caught: int) -> GridResult:
    """A grid point with UCI CV F1 `uci_f1` at precision 0.99 whose fold model catches `modern_caught` of 10 spam."""
    targets = [1] * 10 + [0] * 10
    probability = np.asarray([0.9] * modern_caught + [0.1] * (10 - modern_caught) + [0.1] * 10)
    return GridResult(
        params=params,
        fold_metrics=[{"f1": uci_f1, "precision": 0.99}],
        modern_predictions=[probability],
        modern_targets=targets,
        modern_families=["x"] * 20,
    )


def test_a_better_modern_score_does_not_buy_a_uci_f1_under_the_issue_target() -> None:
    assert abs(UCI_F1_FLOOR - 0.965) < 1e-12
    under = _point({"C": 1}, 0.9640, modern_caught=10)
    kept = _point({"C": 2}, 0.9654, modern_caught=5)
    assert select_best([under, kept]).params == {"C": 2}
    over = _point({"C": 3}, 0.9655, modern_caught=8)
    assert select_best([under, kept, over]).params == {"C": 3}
