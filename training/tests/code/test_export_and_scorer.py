"""Code tests of export + portable scorer on small pipelines (fast; the full model is covered in tests/model)."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path

import jsonschema
import pandas as pd
import pytest

from training import candidates as cand
from training import export as ex
from training.portable_scorer import ModelFormatError, PortableModel

TEXTS = [
    "WINNER! Claim your £1000 prize now at www.win.com",
    "Free entry in 2 a wkly comp to win FA Cup final tkts, text FA to 87121",
    "URGENT! call 09061701461 to claim your cash prize",
    "You have won a free holiday, reply YES, 150p/msg",
    "Get 50% off, visit bit.ly/deal now",
    "Hey, are we still on for dinner tonight?",
    "I'll be home at 6, can you get milk",
    "Ok lar... Joking wif u oni",
    "Sorry, I'll call later",
    "See you at the cafe at 12:30",
    "Did you finish the report?",
    "Happy birthday! Love you",
]
TARGETS = [1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0]
METADATA = {
    "model_name": "spam-classifier",
    "candidate": "test",
    "run_id": "r",
    "data_sha256": "0" * 64,
    "trained_at": "2026-01-01T00:00:00Z",
    "metrics": {"cv_f1_mean": 0.5},
}
PROBES = [*TEXTS, "", "😀", "Вы выиграли", "CALL NOW £££", "x" * 500]


def small_spec(classifier: str) -> cand.CandidateSpec:
    base = cand.LOGREG_WORD_CHAR if classifier == "logistic_regression" else cand.NB_WORD_CHAR
    return replace(base, feature_params={**base.feature_params, "word_min_df": 1, "char_min_df": 1})


@pytest.fixture(params=[("logistic_regression", {"C": 10.0}), ("multinomial_nb", {"alpha": 0.1})], ids=["lr", "nb"])
def fitted(request, stopwords):
    classifier, params = request.param
    pipeline = cand.build_pipeline(small_spec(classifier), params, stopwords, seed=1).fit(TEXTS, TARGETS)
    cand.drop_fitted_stop_words(pipeline)
    return pipeline


def test_export_validates_against_schema_and_scores_like_sklearn(fitted, tmp_path: Path) -> None:
    document = ex.pipeline_to_model(fitted, METADATA)
    path = ex.write_model(document, tmp_path)
    model = PortableModel.load(path)
    expected = fitted.predict_proba(PROBES)[:, 1]
    for text, probability in zip(PROBES, expected, strict=True):
        assert math.isclose(model.spam_probability(text), probability, rel_tol=0, abs_tol=1e-12), text
    assert [model.predict(t)[0] for t in TEXTS[:2]] == ["spam", "spam"]


def test_written_json_is_compact_and_round_trips_floats(fitted, tmp_path: Path) -> None:
    document = ex.pipeline_to_model(fitted, METADATA)
    path = ex.write_model(document, tmp_path)
    raw = path.read_bytes()
    assert b"\n" not in raw and b": " not in raw
    assert json.loads(raw) == document


def test_reference_recipe_is_not_exportable(stopwords) -> None:
    pipeline = cand.build_pipeline(cand.REFERENCE_NB, {}, stopwords, seed=1).fit(TEXTS, TARGETS)
    with pytest.raises(ex.ExportError, match="not portable"):
        ex.pipeline_to_model(pipeline, METADATA)


def test_schema_rejects_a_tampered_document(fitted) -> None:
    document = ex.pipeline_to_model(fitted, METADATA)
    document["preprocessing"]["token_pattern"] = r"\w+"
    with pytest.raises(jsonschema.ValidationError):
        ex.validate_model_document(document)


def test_scorer_rejects_unknown_format_version(fitted) -> None:
    document = ex.pipeline_to_model(fitted, METADATA)
    PortableModel(document)  # sanity
    with pytest.raises(ModelFormatError, match="format_version"):
        PortableModel({**document, "format_version": 2})
    with pytest.raises(ModelFormatError, match="placeholders"):
        PortableModel({**document, "preprocessing": {**document["preprocessing"], "placeholders": ["xxurl"]}})


def test_pipeline_accepts_dataframe_series_and_list(fitted) -> None:
    as_list = fitted.predict_proba(TEXTS)[:, 1]
    as_frame = fitted.predict_proba(pd.DataFrame({"text": TEXTS}))[:, 1]
    as_series = fitted.predict_proba(pd.Series(TEXTS))[:, 1]
    assert list(as_list) == list(as_frame) == list(as_series)


def test_awkward_messages_cover_the_required_kinds() -> None:
    names = {name for name, _ in ex.awkward_messages()}
    for required in ("empty", "emoji-only", "accented-french", "cyrillic", "chinese", "very-long-ham", "url-only"):
        assert required in names
    assert len(names) == len(ex.awkward_messages())


def test_golden_cases_carry_features_and_sklearn_probabilities(fitted, tmp_path: Path) -> None:
    document = ex.pipeline_to_model(fitted, METADATA)
    model_path = ex.write_model(document, tmp_path)
    cases = ex.golden_cases(document, fitted, TEXTS, seed=3, real_count=5)
    golden = json.loads(ex.write_golden(model_path, cases, tmp_path).read_text(encoding="utf-8"))
    assert len(golden["cases"]) == 5 + len(ex.awkward_messages())
    assert golden["tolerance"] == 1e-9
    model = PortableModel.load(model_path)
    for case in golden["cases"]:
        assert case["features"] == model.features(case["text"])
        assert abs(model.spam_probability(case["text"]) - case["spam_probability"]) <= 1e-9
