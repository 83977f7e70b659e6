"""Model candidates: the reference recipe (baseline) and the exportable word + char TF-IDF models.

Every candidate is a scikit-learn Pipeline whose first step accepts a DataFrame/Series/list of messages, so the
same object serves `fit`, `predict_proba` and MLflow's pyfunc flavour (which passes a DataFrame).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from nltk.stem.porter import PorterStemmer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.naive_bayes import MultinomialNB
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import FunctionTransformer

from training.features import CharAnalyzer, WordAnalyzer

TEXT_INPUT_COLUMN = "text"
# Grid keys that are not classifier parameters: the sample weight of the modern set's training half in every fit
# (docs/training.md "Modern validation set"); 0 leaves the fit to the UCI rows. `modern_ham_weight`, when present,
# replaces it for the modern ham rows: the user's own bank alerts, bills and OTPs need more weight than the modern
# spam, whose every row also pulls 2012 ham with links, amounts or "free" towards spam.
MODERN_WEIGHT = "modern_weight"
MODERN_HAM_WEIGHT = "modern_ham_weight"
DATA_KEYS = frozenset({MODERN_WEIGHT, MODERN_HAM_WEIGHT})


def to_text_list(messages: Any) -> list[str]:
    """Accept a DataFrame (column `text`, else the first column), a Series, an array or a list of strings."""
    if isinstance(messages, pd.DataFrame):
        column = TEXT_INPUT_COLUMN if TEXT_INPUT_COLUMN in messages.columns else messages.columns[0]
        messages = messages[column]
    if isinstance(messages, str):
        messages = [messages]
    return ["" if m is None else str(m) for m in np.asarray(messages, dtype=object).ravel()]


# --------------------------------------------------------------------------------------------- reference recipe
# NLTK's punkt model cannot be downloaded here, so `word_tokenize` is approximated: words (with inner apostrophes
# split off as in Penn Treebank: "don't" -> "do", "n't"), numbers, and every other non-space character alone.
_REFERENCE_TOKEN_RE = re.compile(r"[A-Za-z0-9]+(?=n't)|n't|'[A-Za-z]+|[A-Za-z0-9]+(?:[.,][0-9]+)*|[^\sA-Za-z0-9]")
_REFERENCE_STEMMER = PorterStemmer()  # NLTK default mode (NLTK_EXTENSIONS), as in the original app


class ReferencePreprocessor:
    """The original app's `transform_text`: lowercase, tokenize, keep isalnum, drop stopwords, Porter-stem."""

    def __init__(self, stopwords: Iterable[str]) -> None:
        self.stopwords = frozenset(stopwords)

    def __call__(self, text: str) -> str:
        tokens = _REFERENCE_TOKEN_RE.findall(text.lower())
        kept = [t for t in tokens if t.isalnum() and t not in self.stopwords]
        return " ".join(_REFERENCE_STEMMER.stem(t) for t in kept)


# --------------------------------------------------------------------------------------------- candidate specs
@dataclass(frozen=True)
class CandidateSpec:
    """One candidate: a feature recipe plus a grid of classifier settings tuned by CV on the training part."""

    name: str
    description: str
    exportable: bool
    classifier: str  # "multinomial_nb" | "logistic_regression"
    feature_params: dict[str, Any] = field(default_factory=dict)
    grid: tuple[dict[str, Any], ...] = ({},)
    quick_params: dict[str, Any] = field(default_factory=dict)  # the one grid point used by `--quick` runs


REFERENCE_NB = CandidateSpec(
    name="reference_nb",
    description="Reference recipe: approximated word_tokenize, isalnum, stopwords, Porter (NLTK default), "
    "TF-IDF max_features=3000, MultinomialNB",
    exportable=False,
    classifier="multinomial_nb",
    feature_params={"max_features": 3000},
)

# Word 1-2-grams + short char 1-3-grams, no min_df cut: the best precision-constrained CV F1 among the layouts
# tried (see docs/training.md); short character n-grams carry morphology that survives new spellings and brands.
SPEC_FEATURES = {"word_ngram_range": (1, 2), "char_ngram_range": (1, 3), "word_min_df": 1, "char_min_df": 1}

LOGREG_WORD_CHAR = CandidateSpec(
    name="logreg_word_char",
    description="Spec analysers (placeholders, stems, word 1-2-grams + char 1-3-grams), sublinear TF-IDF, "
    "L2 logistic regression with tuned C and spam class weight",
    exportable=True,
    classifier="logistic_regression",
    feature_params=dict(SPEC_FEATURES),
    # Ordered from strong to weak regularisation: on equal scores the first (simplest) grid point wins. First the
    # UCI-only fits, then the modern fit half with its ham weighted 10-25 times its spam (the region of the search
    # in docs/training.md where modern precision rises without moving the UCI threshold much).
    grid=tuple({"C": c, "class_weight": {0: 1.0, 1: w}, MODERN_WEIGHT: 0.0} for c in (30.0, 100.0) for w in (1.0, 2.0))
    + tuple(
        {"C": c, "class_weight": {0: 1.0, 1: 2.0}, MODERN_WEIGHT: m, MODERN_HAM_WEIGHT: 0.5}
        for c in (300.0, 500.0)
        for m in (0.02, 0.05)
    ),
    quick_params={"C": 100.0, "class_weight": {0: 1.0, 1: 2.0}, MODERN_WEIGHT: 0.0},
)

NB_WORD_CHAR = CandidateSpec(
    name="nb_word_char",
    description="Spec analysers with MultinomialNB (exportable NB alternative)",
    exportable=True,
    classifier="multinomial_nb",
    feature_params=dict(SPEC_FEATURES),
    grid=tuple({"alpha": a, MODERN_WEIGHT: m} for m in (0.0, 0.3) for a in (0.1, 0.03)),
    quick_params={"alpha": 0.1, MODERN_WEIGHT: 0.0},
)

CANDIDATES: tuple[CandidateSpec, ...] = (REFERENCE_NB, NB_WORD_CHAR, LOGREG_WORD_CHAR)
CANDIDATES_BY_NAME = {spec.name: spec for spec in CANDIDATES}

# Our own types inside a fitted pipeline; MLflow's skops serialisation must be told that they are safe to load.
SKOPS_TRUSTED_TYPES = [
    "builtins.frozenset",
    "training.candidates.to_text_list",
    "training.candidates.ReferencePreprocessor",
    "training.features.CharAnalyzer",
    "training.features.WordAnalyzer",
]


def build_features(spec: CandidateSpec, stopwords: list[str]) -> Pipeline:
    """The feature part of a candidate (input adapter + vectorizers), unfitted."""
    p = spec.feature_params
    adapter = ("input", FunctionTransformer(to_text_list, validate=False))
    if not spec.exportable:
        vectorizer = TfidfVectorizer(preprocessor=ReferencePreprocessor(stopwords), max_features=p["max_features"])
        return Pipeline([adapter, ("tfidf", vectorizer)])
    union = FeatureUnion(
        [
            (
                "word",
                TfidfVectorizer(
                    analyzer=WordAnalyzer(stopwords, p["word_ngram_range"]),
                    sublinear_tf=True,
                    norm="l2",
                    min_df=p["word_min_df"],
                    dtype=np.float64,
                ),
            ),
            (
                "char",
                TfidfVectorizer(
                    analyzer=CharAnalyzer(p["char_ngram_range"]),
                    sublinear_tf=True,
                    norm="l2",
                    min_df=p["char_min_df"],
                    dtype=np.float64,
                ),
            ),
        ]
    )
    return Pipeline([adapter, ("features", union)])


def build_classifier(spec: CandidateSpec, params: dict[str, Any], seed: int) -> Any:
    params = {k: v for k, v in params.items() if k not in DATA_KEYS}
    if spec.classifier == "multinomial_nb":
        return MultinomialNB(**params)
    if spec.classifier == "logistic_regression":
        # Dual liblinear: the faster formulation when features (~38k) outnumber messages (~4k); same optimum.
        return LogisticRegression(solver="liblinear", dual=True, max_iter=1000, random_state=seed, **params)
    raise ValueError(f"unknown classifier {spec.classifier!r}")


def build_pipeline(spec: CandidateSpec, params: dict[str, Any], stopwords: list[str], seed: int) -> Pipeline:
    """Full unfitted pipeline: input adapter -> features -> classifier."""
    features = build_features(spec, stopwords)
    return Pipeline([*features.steps, ("classifier", build_classifier(spec, params, seed))])


def drop_fitted_stop_words(pipeline: Pipeline) -> None:
    """Remove `stop_words_` (terms cut by min_df) from fitted vectorizers: only kept for introspection, and large."""
    for _, step in pipeline.steps:
        vectorizers = [v for _, v in step.transformer_list] if isinstance(step, FeatureUnion) else [step]
        for vectorizer in vectorizers:
            if isinstance(vectorizer, TfidfVectorizer) and hasattr(vectorizer, "stop_words_"):
                delattr(vectorizer, "stop_words_")


def params_label(params: dict[str, Any]) -> str:
    """Stable, short text of a classifier parameter set (for logs and MLflow params)."""
    parts = []
    for key in sorted(params):
        value = params[key]
        if isinstance(value, dict):
            value = "/".join(f"{k}:{v:g}" for k, v in sorted(value.items()))
        parts.append(f"{key}={value}")
    return ",".join(parts) or "defaults"
