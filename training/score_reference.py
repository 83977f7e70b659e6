"""The reference distribution of the spam probability that the service's drift gauge compares against.

Training writes it into `model.json` as `metadata.score_reference` (docs/model-format.md "Score reference"): the share
of hold-out messages whose p(spam) falls in each of ten fixed, equal-width bins. The service keeps the same histogram
of its own recent predictions and exports the population stability index (PSI) between the two
(`spam_score_psi`, docs/metrics.md). Fixed bins, not quantiles, so that both sides bin a probability identically
without sharing anything but this list.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

BIN_COUNT = 10
# An empty bin would make ln(actual / expected) infinite: both sides floor every share at this value (the service too).
SHARE_FLOOR = 1e-4


def bin_of(probability: float, bins: int = BIN_COUNT) -> int:
    """Index of the equal-width bin of [0, 1]; the last bin is closed, so p = 1 falls in it."""
    return min(int(probability * bins), bins - 1)


def score_reference(probabilities: Sequence[float], bins: int = BIN_COUNT) -> dict[str, Any]:
    """The `metadata.score_reference` object of model.json for the hold-out probabilities."""
    if not probabilities:
        raise ValueError("a score reference needs at least one hold-out probability")
    counts = [0] * bins
    for probability in probabilities:
        counts[bin_of(float(probability), bins)] += 1
    return {
        "bins": bins,
        "proportions": [count / len(probabilities) for count in counts],
        "count": len(probabilities),
    }


def population_stability_index(expected: Sequence[float], actual: Sequence[float]) -> float:
    """PSI = sum over bins of (actual - expected) * ln(actual / expected), both shares floored at SHARE_FLOOR."""
    if len(expected) != len(actual):
        raise ValueError("both distributions need the same bins")
    total = 0.0
    for expected_share, actual_share in zip(expected, actual, strict=True):
        e, a = max(expected_share, SHARE_FLOOR), max(actual_share, SHARE_FLOOR)
        total += (a - e) * math.log(a / e)
    return total
