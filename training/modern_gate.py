"""The gate's second comparison: challenger and production on the modern selection half (docs/training.md).

The UCI hold-out says how a model does on 2012 messages; the modern set's selection half (hand-written 2018+ styles,
never trained on by any version: the split is fixed) says how it does on today's. A challenger that is worse there
than production, beyond the noise of a paired bootstrap, is refused even when it wins on the UCI rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from training.portable_scorer import ModelFormatError
from training.registry import PRECISION_MARGIN, FairComparison, GateDecision, champion_probabilities, compare_fairly


@dataclass(frozen=True)
class ModernGateInput:
    """The modern selection half and the challenger's p(spam) on it."""

    texts: list[str]
    targets: list[int]
    challenger_probability: list[float]


def modern_problem(comparison: FairComparison, champion_version: str) -> str | None:
    """Why the challenger is worse than production on the modern set, or None when it is not (beyond noise)."""
    f1_high = comparison.f1_delta_ci[1]
    precision_high = comparison.precision_delta_ci[1]
    if f1_high >= 0 and precision_high >= -PRECISION_MARGIN:
        return None
    low, high = comparison.f1_delta_ci
    return (
        f"worse than production v{champion_version} on the modern set ({comparison.rows} hand-written 2018+ messages, "
        f"{comparison.spam_rows} spam): F1 {comparison.challenger['f1']:.4f} vs {comparison.champion['f1']:.4f} "
        f"(95% CI of the difference [{low:+.4f}, {high:+.4f}]), precision {comparison.challenger['precision']:.4f} "
        f"vs {comparison.champion['precision']:.4f}"
    )


def compare_on_modern(
    modern: ModernGateInput,
    challenger_threshold: float,
    champion_probability: Sequence[float],
    champion_threshold: float,
) -> FairComparison:
    return compare_fairly(
        modern.targets, modern.challenger_probability, challenger_threshold, champion_probability, champion_threshold
    )


TAG_MODERN_F1 = "gate.modern_f1"
TAG_MODERN_CHAMPION_F1 = "gate.modern_champion_f1"
TAG_MODERN_F1_DELTA_CI = "gate.modern_f1_delta_ci95"


def check_modern(
    model_name: str,
    champion_version: str,
    modern: ModernGateInput,
    challenger_threshold: float,
    decision: GateDecision,
) -> tuple[GateDecision, dict[str, str]]:
    """The registry gate's last step: keep a promotion only if the challenger is not worse on the modern set."""
    try:
        champion_probability, champion_threshold = champion_probabilities(model_name, champion_version, modern.texts)
    except ModelFormatError as exc:
        reason = f"cannot compare with production v{champion_version} on the modern set: {exc}"
        return GateDecision(False, reason), {}
    comparison = compare_on_modern(modern, challenger_threshold, champion_probability, champion_threshold)
    tags = {
        TAG_MODERN_F1: f"{comparison.challenger['f1']:.6f}",
        TAG_MODERN_CHAMPION_F1: f"{comparison.champion['f1']:.6f}",
        TAG_MODERN_F1_DELTA_CI: "[{:.6f}, {:.6f}]".format(*comparison.f1_delta_ci),
    }
    problem = modern_problem(comparison, champion_version)
    if problem:
        return GateDecision(False, problem), tags
    return decision, tags
