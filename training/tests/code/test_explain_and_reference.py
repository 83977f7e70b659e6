"""Explanations of the portable scorer and the hold-out score reference (docs/model-format.md §10-§11)."""

from __future__ import annotations

import copy
import math

import jsonschema
import pytest

from training import export as ex
from training.portable_scorer import EXPLAIN_TOP, PortableModel
from training.score_reference import population_stability_index, score_reference
from training.tests.code.test_export_and_scorer import METADATA, PROBES, fitted  # noqa: F401 (fixture)


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def test_explanation_is_an_exact_decomposition(fitted) -> None:  # noqa: F811
    model = PortableModel(ex.pipeline_to_model(fitted, METADATA))
    for text in PROBES:
        explanation = model.explain(text)
        listed = math.fsum(f["contribution"] for f in explanation["features"])
        total = explanation["intercept"] + listed + explanation["rest"]
        assert abs(_sigmoid(total) - model.spam_probability(text)) < 1e-12, text
        assert abs(total - explanation["logit"]) < 1e-12
        sizes = [abs(f["contribution"]) for f in explanation["features"]]
        assert sizes == sorted(sizes, reverse=True)
        assert len(sizes) <= EXPLAIN_TOP
        for feature in explanation["features"]:
            block = next(b for b in model.blocks if b.name == feature["block"])
            assert feature["feature"] in block.index


def test_explanation_of_a_text_without_features_is_the_intercept(fitted) -> None:  # noqa: F811
    model = PortableModel(ex.pipeline_to_model(fitted, METADATA))
    explanation = model.explain("😀")
    assert explanation["features"] == [] and explanation["rest"] == 0
    assert explanation["logit"] == explanation["intercept"]


def test_score_reference_bins_like_the_service() -> None:
    reference = score_reference([0.0, 0.05, 0.1, 0.95, 1.0])
    assert reference == {"bins": 10, "proportions": [0.4, 0.2, 0, 0, 0, 0, 0, 0, 0, 0.4], "count": 5}
    with pytest.raises(ValueError):
        score_reference([])


def test_psi_is_zero_for_the_reference_and_large_for_a_shift() -> None:
    reference = score_reference([0.01] * 870 + [0.99] * 130)["proportions"]
    assert population_stability_index(reference, reference) == 0
    shifted = score_reference([0.01] * 400 + [0.99] * 600)["proportions"]
    assert population_stability_index(reference, shifted) > 0.25


def test_schema_accepts_a_score_reference_and_refuses_a_malformed_one(fitted) -> None:  # noqa: F811
    document = ex.pipeline_to_model(fitted, {**METADATA, "score_reference": score_reference([0.2, 0.9])})
    ex.validate_model_document(document)
    bad = copy.deepcopy(document)
    bad["metadata"]["score_reference"]["proportions"][0] = -0.1
    with pytest.raises(jsonschema.ValidationError):
        ex.validate_model_document(bad)
    # Optional: a model without one (trained before it existed) still validates.
    ex.validate_model_document(ex.pipeline_to_model(fitted, METADATA))
