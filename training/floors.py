"""Honest quality floors: a bootstrap interval of the hold-out F1 and precision, not a point estimate.

The gate's floors (F1 0.95, precision 0.98) used to be compared with the hold-out point estimates, and those move by
more than a point from one split to the next for the same recipe (hold-out F1 0.957 with --seed 42, 0.944 with
--seed 7). So a floor refusal said nothing. Now a model is refused only when the whole 95 % bootstrap interval of its
hold-out figure is below the floor: below it beyond split noise. A model whose interval straddles the floor passes the
floors and still has to beat production on rows neither trained on (training/registry.py).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

BOOTSTRAP_RESAMPLES = 1000
BOOTSTRAP_SEED = 0


def bootstrap_interval(targets: Sequence[int], probability: Sequence[float], threshold: float) -> dict[str, float]:
    """95 % percentile intervals of F1 and precision over resamples of the rows (seeded: same rows, same answer)."""
    y = np.asarray(targets, dtype=bool)
    predicted = np.asarray(probability, dtype=float) >= threshold
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    f1s, precisions = [], []
    for _ in range(BOOTSTRAP_RESAMPLES):
        sample = rng.integers(0, len(y), len(y))
        ys, ps = y[sample], predicted[sample]
        true_positive = float(np.sum(ys & ps))
        predicted_positive, actual_positive = float(np.sum(ps)), float(np.sum(ys))
        precisions.append(true_positive / predicted_positive if predicted_positive else 0.0)
        total = predicted_positive + actual_positive
        f1s.append(2 * true_positive / total if total else 0.0)
    f1_low, f1_high = np.percentile(f1s, [2.5, 97.5])
    precision_low, precision_high = np.percentile(precisions, [2.5, 97.5])
    return {
        "f1_ci_low": float(f1_low),
        "f1_ci_high": float(f1_high),
        "precision_ci_low": float(precision_low),
        "precision_ci_high": float(precision_high),
    }
