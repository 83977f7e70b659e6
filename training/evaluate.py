"""Evaluation: stratified hold-out split, stratified k-fold CV on the training part, metrics and plots."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import (
    accuracy_score,
    average_precision_score,
    confusion_matrix,
    f1_score,
    precision_recall_curve,
    precision_score,
    recall_score,
    roc_auc_score,
)
from sklearn.model_selection import StratifiedKFold, train_test_split

from training.candidates import CandidateSpec, build_classifier, build_features, params_label

HOLDOUT_FRACTION = 0.2
# Selection rule: the highest mean CV F1 among settings whose mean CV precision reaches this target (a false alarm
# on a real message costs more than a missed spam); if none reaches it, the highest F1 overall.
PRECISION_TARGET = 0.99
CV_FOLDS = 5
METRIC_NAMES = ("accuracy", "precision", "recall", "f1", "roc_auc", "pr_auc")


def holdout_split(targets: list[int], seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices of a stratified 80/20 split; the same seed gives the same split, so versions compare fairly."""
    indices = np.arange(len(targets))
    train_idx, test_idx = train_test_split(
        indices, test_size=HOLDOUT_FRACTION, stratify=targets, random_state=seed, shuffle=True
    )
    return np.sort(train_idx), np.sort(test_idx)


def compute_metrics(y_true: Any, spam_probability: Any, threshold: float = 0.5) -> dict[str, float]:
    """Spam-class metrics at the decision threshold plus threshold-free ROC-AUC and PR-AUC."""
    y_true = np.asarray(y_true)
    proba = np.asarray(spam_probability, dtype=float)
    y_pred = (proba >= threshold).astype(int)
    return {
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "precision": float(precision_score(y_true, y_pred, zero_division=0)),
        "recall": float(recall_score(y_true, y_pred, zero_division=0)),
        "f1": float(f1_score(y_true, y_pred, zero_division=0)),
        "roc_auc": float(roc_auc_score(y_true, proba)),
        "pr_auc": float(average_precision_score(y_true, proba)),
    }


@dataclass
class GridResult:
    params: dict[str, Any]
    fold_metrics: list[dict[str, float]] = field(default_factory=list)

    def mean(self, metric: str) -> float:
        return float(np.mean([m[metric] for m in self.fold_metrics]))

    def std(self, metric: str) -> float:
        return float(np.std([m[metric] for m in self.fold_metrics]))

    def summary(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for name in METRIC_NAMES:
            out[f"cv_{name}_mean"] = self.mean(name)
            out[f"cv_{name}_std"] = self.std(name)
        return out


@dataclass
class CandidateCV:
    spec: CandidateSpec
    grid: list[GridResult]

    @property
    def best(self) -> GridResult:
        return select_best(self.grid)


def selection_key(result: GridResult) -> tuple[bool, float, float]:
    """Sort key of the PRECISION_TARGET-constrained F1.

    max() keeps the first of equal keys, and grids list their simplest settings first.
    """
    precision = result.mean("precision")
    return (precision >= PRECISION_TARGET - 1e-12, round(result.mean("f1"), 6), round(precision, 6))


def select_best(results: list[GridResult]) -> GridResult:
    return max(results, key=selection_key)


def cross_validate(
    spec: CandidateSpec, texts: list[str], targets: list[int], stopwords: list[str], seed: int, folds: int = CV_FOLDS
) -> CandidateCV:
    """Stratified k-fold CV of every grid point; the vectorizers are fitted on each fold's training part only.

    Features are fitted once per fold and shared by the grid's classifiers, which is equivalent to fitting one
    pipeline per grid point (the feature step does not depend on classifier parameters) and much faster.
    """
    y = np.asarray(targets)
    texts_arr = np.asarray(texts, dtype=object)
    results = [GridResult(params=dict(p)) for p in spec.grid]
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for fit_idx, val_idx in splitter.split(texts_arr, y):
        features = build_features(spec, stopwords)
        x_fit = features.fit_transform(list(texts_arr[fit_idx]))
        x_val = features.transform(list(texts_arr[val_idx]))
        for result in results:
            classifier = build_classifier(spec, result.params, seed)
            classifier.fit(x_fit, y[fit_idx])
            proba = classifier.predict_proba(x_val)[:, 1]
            result.fold_metrics.append(compute_metrics(y[val_idx], proba))
    return CandidateCV(spec=spec, grid=results)


def describe_grid(cv: CandidateCV) -> list[str]:
    return [
        f"{cv.spec.name} [{params_label(g.params)}] cv_f1={g.mean('f1'):.4f} "
        f"p={g.mean('precision'):.4f} r={g.mean('recall'):.4f}"
        for g in cv.grid
    ]


def _pyplot() -> Any:
    # Imported late and on the non-interactive backend: training runs headless and most callers never plot.
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save_figure(fig: Any, ax: Any, path: Path, title: str) -> Path:
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    _pyplot().close(fig)
    return path


def plot_confusion_matrix(y_true: Any, spam_probability: Any, path: Path, title: str, threshold: float = 0.5) -> Path:
    plt = _pyplot()

    y_pred = (np.asarray(spam_probability) >= threshold).astype(int)
    matrix = confusion_matrix(y_true, y_pred, labels=[0, 1])
    fig, ax = plt.subplots(figsize=(4, 4), dpi=100)
    ax.imshow(matrix, cmap="Blues")
    for (i, j), value in np.ndenumerate(matrix):
        colour = "white" if value > matrix.max() / 2 else "black"
        ax.text(j, i, str(value), ha="center", va="center", color=colour, fontsize=14)
    ax.set_xticks([0, 1], labels=["ham", "spam"])
    ax.set_yticks([0, 1], labels=["ham", "spam"])
    ax.set_xlabel("predicted")
    ax.set_ylabel("actual")
    return _save_figure(fig, ax, path, title)


def plot_pr_curve(y_true: Any, spam_probability: Any, path: Path, title: str) -> Path:
    plt = _pyplot()

    precision, recall, _ = precision_recall_curve(y_true, spam_probability)
    ap = average_precision_score(y_true, spam_probability)
    fig, ax = plt.subplots(figsize=(5, 4), dpi=100)
    ax.plot(recall, precision, drawstyle="steps-post", label=f"AP = {ap:.4f}")
    ax.set_xlabel("recall (spam)")
    ax.set_ylabel("precision (spam)")
    ax.set_xlim(0, 1.01)
    ax.set_ylim(0, 1.01)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower left")
    return _save_figure(fig, ax, path, title)
