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


# ------------------------------------------------------------------------------------------ honest floors (issue 12)


def test_a_floor_refuses_only_below_the_floor_beyond_noise() -> None:
    from training.floors import bootstrap_interval

    targets = [1] * 130 + [0] * 900
    # 14 missed spam: point F1 0.946 (below 0.95), but the interval reaches above it: split noise, not a verdict.
    noisy = [0.0 if i < 14 else float(y) for i, y in enumerate(targets)]
    metrics = {"f1": 0.946, "precision": 1.0, **bootstrap_interval(targets, noisy, 0.5)}
    assert metrics["f1_ci_low"] < 0.95 < metrics["f1_ci_high"]
    assert decide(metrics, None).promote
    # 40 missed spam: the whole interval is below 0.95.
    broken = [0.0 if i < 40 else float(y) for i, y in enumerate(targets)]
    metrics = {"f1": 0.82, "precision": 1.0, **bootstrap_interval(targets, broken, 0.5)}
    decision = decide(metrics, None)
    assert not decision.promote
    assert "(95% CI upper end 0.8" in decision.reason and "below the floor 0.95" in decision.reason


def test_the_modern_check_names_a_challenger_worse_on_todays_messages() -> None:
    from training.modern_gate import ModernGateInput, compare_on_modern, modern_problem

    targets = [1] * 100 + [0] * 140
    good, bad = _predictions(targets, 5, 1), _predictions(targets, 60, 2)
    worse = compare_on_modern(ModernGateInput([""] * 240, targets, bad), 0.5, good, 0.5)
    problem = modern_problem(worse, "4")
    assert problem is not None
    assert problem.startswith("worse than production v4 on the modern set (240 hand-written 2018+ messages, 100 spam)")
    same = compare_on_modern(ModernGateInput([""] * 240, targets, good), 0.5, good, 0.5)
    assert modern_problem(same, "4") is None
    better = compare_on_modern(ModernGateInput([""] * 240, targets, good), 0.5, bad, 0.5)
    assert modern_problem(better, "4") is None
