"""Pure-Python scorer of `model.json`: no scikit-learn, no pickle, nothing but the file.

It is the reference the TypeScript scorer mirrors, and the tests check that it reproduces scikit-learn's
`predict_proba` to 1e-9. The text functions come from `training.features`, the one implementation of sections 1-5
of docs/model-format.md; everything model-specific (stopwords, n-gram ranges, vocabulary, weights) is read here.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from training.features import FIXED_PREPROCESSING, FORMAT_VERSION, analyse

# How many features an explanation lists by name; the others are summed into `rest`.
EXPLAIN_TOP = 10


class ModelFormatError(ValueError):
    """model.json is not a file this scorer understands."""


@dataclass(frozen=True)
class _Block:
    name: str
    analyzer: str
    ngram_range: tuple[int, int]
    sublinear_tf: bool
    norm: str | None
    index: dict[str, int]
    idf: list[float]
    offset: int
    terms: list[str]


class PortableModel:
    def __init__(self, document: dict[str, Any]) -> None:
        self._check(document)
        self.document = document
        self.labels: list[str] = list(document["labels"])
        self.threshold = float(document["threshold"])
        self.stopwords: list[str] = list(document["preprocessing"]["stopwords"])
        self.blocks: list[_Block] = []
        offset = 0
        for block in document["features"]:
            terms = block["terms"]
            self.blocks.append(
                _Block(
                    name=block["name"],
                    analyzer=block["analyzer"],
                    ngram_range=(int(block["ngram_range"][0]), int(block["ngram_range"][1])),
                    sublinear_tf=bool(block["sublinear_tf"]),
                    norm=block["norm"],
                    index={term: i for i, term in enumerate(terms)},
                    idf=[float(v) for v in block["idf"]],
                    offset=offset,
                    terms=list(terms),
                )
            )
            offset += len(terms)
        self.n_features = offset
        self.classifier = document["classifier"]

    @staticmethod
    def _check(document: dict[str, Any]) -> None:
        if document.get("format") != "spam-classifier-model":
            raise ModelFormatError("not a spam-classifier-model document")
        if document.get("format_version") != FORMAT_VERSION:
            raise ModelFormatError(
                f"unsupported format_version {document.get('format_version')!r}: this scorer reads format version "
                f"{FORMAT_VERSION} (docs/model-format.md); retrain with the current training CLI"
            )
        pre = document.get("preprocessing", {})
        for key, value in FIXED_PREPROCESSING.items():
            if pre.get(key) != value:
                raise ModelFormatError(f"preprocessing.{key} must be {value!r} in format_version {FORMAT_VERSION}")
        for block in document.get("features", []):
            if len(block["terms"]) != len(block["idf"]):
                raise ModelFormatError(f"block {block['name']!r}: terms and idf differ in length")

    @classmethod
    def load(cls, path: Path | str) -> PortableModel:
        return cls(json.loads(Path(path).read_text(encoding="utf-8")))

    def features(self, text: str) -> dict[str, list[str]]:
        """Every feature string per block, before vocabulary filtering (as in golden.json)."""
        return {b.name: analyse(text, b.analyzer, b.ngram_range, self.stopwords) for b in self.blocks}

    def vector(self, text: str) -> dict[int, float]:
        """Sparse TF-IDF vector: global feature index -> value."""
        out: dict[int, float] = {}
        for block in self.blocks:
            counts = Counter(
                block.index[f]
                for f in analyse(text, block.analyzer, block.ngram_range, self.stopwords)
                if f in block.index
            )
            values = {}
            for i, count in counts.items():
                tf = 1.0 + math.log(count) if block.sublinear_tf else float(count)
                values[i] = tf * block.idf[i]
            if block.norm == "l2":
                norm = math.sqrt(sum(v * v for v in values.values()))
                if norm > 0:
                    values = {i: v / norm for i, v in values.items()}
            for i, v in values.items():
                out[block.offset + i] = v
        return out

    def spam_probability(self, text: str) -> float:
        x = self.vector(text)
        kind = self.classifier["type"]
        if kind == "logistic_regression":
            coefficients = self.classifier["coefficients"]
            z = float(self.classifier["intercept"]) + math.fsum(coefficients[i] * v for i, v in x.items())
            # Numerically stable logistic function.
            if z >= 0:
                return 1.0 / (1.0 + math.exp(-z))
            e = math.exp(z)
            return e / (1.0 + e)
        if kind == "multinomial_nb":
            prior = self.classifier["class_log_prior"]
            log_prob = self.classifier["feature_log_prob"]
            jll = [prior[c] + math.fsum(log_prob[c][i] * v for i, v in x.items()) for c in range(2)]
            top = max(jll)
            log_sum = top + math.log(sum(math.exp(j - top) for j in jll))
            return math.exp(jll[1] - log_sum)
        raise ModelFormatError(f"unknown classifier type {kind!r}")

    def explain(self, text: str, top: int = EXPLAIN_TOP) -> dict[str, Any]:
        """The exact decomposition of the logit (docs/model-format.md "Explanations"): intercept + contributions.

        sigmoid(intercept + sum(listed contributions) + rest) equals spam_probability(text) up to rounding.
        """
        x = self.vector(text)
        kind = self.classifier["type"]
        if kind == "logistic_regression":
            intercept = float(self.classifier["intercept"])
            weights = self.classifier["coefficients"]
            contributions = {i: weights[i] * v for i, v in x.items()}
        elif kind == "multinomial_nb":
            prior, log_prob = self.classifier["class_log_prior"], self.classifier["feature_log_prob"]
            intercept = float(prior[1] - prior[0])
            contributions = {i: (log_prob[1][i] - log_prob[0][i]) * v for i, v in x.items()}
        else:
            raise ModelFormatError(f"unknown classifier type {kind!r}")
        ranked = sorted(contributions, key=lambda i: (-abs(contributions[i]), i))
        listed = ranked[:top]
        features = []
        for i in listed:
            block = next(b for b in reversed(self.blocks) if b.offset <= i)
            term = block.terms[i - block.offset]
            features.append({"feature": term, "block": block.name, "contribution": contributions[i]})
        return {
            "intercept": intercept,
            "logit": intercept + math.fsum(contributions.values()),
            "features": features,
            "rest": math.fsum(contributions[i] for i in ranked[top:]),
        }

    def predict(self, text: str) -> tuple[str, float]:
        probability = self.spam_probability(text)
        return (self.labels[1] if probability >= self.threshold else self.labels[0]), probability
