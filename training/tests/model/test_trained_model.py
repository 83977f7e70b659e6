"""Model tests on one full training run: artefacts, golden file, quality, behaviour (Made-With-ML style)."""

from __future__ import annotations

import hashlib

import pandas as pd
import pytest

from training.export import validate_model_document
from training.tests.conftest import use_store

# -------------------------------------------------------------------------------------------- run and artefacts


def test_cli_prints_one_json_summary_with_the_documented_fields(trained) -> None:
    s = trained.summary
    for key in ("run_id", "model_version", "promoted", "reason", "metrics", "baseline", "model_path"):
        assert key in s
    for key in (
        "cv_f1_mean",
        "cv_precision_mean",
        "cv_recall_mean",
        "holdout_f1",
        "holdout_precision",
        "holdout_recall",
    ):
        assert 0.0 <= s["metrics"][key] <= 1.0
    assert 0.0 < s["baseline"]["cv_f1_mean"] < 1.0
    assert s["model_version"] == "1" and s["promoted"] is True
    assert "INFO" in trained.result.stderr  # logging went to stderr


def test_full_run_is_fast_enough(trained) -> None:
    # Acceptance: all candidates, CV, logging and registration within 60 s on the 2-core machine. The run is
    # single-threaded, so its CPU time is its wall time on an idle machine; CPU time does not flake when other
    # builds share the cores (wall time is in the summary as total_seconds).
    assert trained.summary["cpu_seconds"] <= 60


def test_model_json_is_valid_small_and_described(trained) -> None:
    validate_model_document(trained.model)
    assert trained.model_path.stat().st_size <= 10 * 1024 * 1024
    meta = trained.model["metadata"]
    assert meta["run_id"] == trained.summary["run_id"]
    assert meta["data_sha256"] == trained.summary["data_sha256"]
    assert meta["candidate"] == trained.summary["candidate"]
    assert meta["metrics"]["cv_f1_mean"] == pytest.approx(trained.summary["metrics"]["cv_f1_mean"], abs=1e-6)
    assert trained.model["preprocessing"]["stopwords"][:3] == ["i", "me", "my"]
    assert [b["name"] for b in trained.model["features"]] == ["word", "char"]
    # The drift gauge's reference (docs/model-format.md §11): the hold-out's p(spam) in 10 fixed bins.
    reference = meta["score_reference"]
    assert reference["bins"] == len(reference["proportions"]) == 10
    assert sum(reference["proportions"]) == pytest.approx(1.0, abs=1e-9)
    assert reference["count"] >= 1000


def test_chosen_model_beats_the_reference_recipe(trained) -> None:
    metrics, baseline = trained.summary["metrics"], trained.summary["baseline"]
    assert baseline["cv_f1_mean"] < 0.9  # the reference recipe misses about one spam in five
    assert metrics["cv_f1_mean"] >= baseline["cv_f1_mean"] + 0.05
    # Target F1 >= 0.965 at precision >= 0.99 (5-fold CV on the training part), the selection's UCI floor.
    assert metrics["cv_f1_mean"] >= 0.965
    assert metrics["cv_precision_mean"] >= 0.985
    assert metrics["holdout_f1"] >= 0.95 and metrics["holdout_precision"] >= 0.98


def test_recent_spam_styles_are_caught_without_false_alarms(trained, portable_model) -> None:
    """data/recent-sms-samples.tsv: 2018+ styles, never trained or selected on (regression guards, not goals).

    The first 80 (40 spam): format 2 scored recall 0.80, precision 0.94 (2 false alarms); the issue-12 model recall
    0.85, precision 1.00. All 147 (70 spam; the 67 added ones aim at bank alerts, bills, "hi mum" and OTP phishing):
    format 2 recall 0.64, precision 0.63; the issue-12 model recall 0.70, precision 0.83 (docs/training.md).
    """
    from training.data import load_recent_samples

    texts, targets = load_recent_samples()
    caught = [portable_model.predict(t)[0] == "spam" for t in texts[:80]]
    true_positive = sum(c and y == 1 for c, y in zip(caught, targets[:80], strict=True))
    assert true_positive / 40 >= 0.8
    assert true_positive / max(sum(caught), 1) >= 0.95
    metrics = trained.summary["metrics"]
    assert metrics["recent_recall"] >= 0.65
    assert metrics["recent_precision"] >= 0.78


# -------------------------------------------------------------------------------------------- golden file


def test_golden_file_shape(trained) -> None:
    golden = trained.golden
    assert golden["format_version"] == 3
    assert golden["tolerance"] == 1e-9
    assert golden["model_sha256"] == hashlib.sha256(trained.model_path.read_bytes()).hexdigest()
    cases = golden["cases"]
    assert len(cases) >= 300
    assert len({c["id"] for c in cases}) == len(cases)
    ids = {c["id"] for c in cases}
    for awkward in ("awkward-empty", "awkward-emoji-only", "awkward-cyrillic", "awkward-very-long-spam"):
        assert awkward in ids
    from training.normalise import EVASION_STEPS

    for step in EVASION_STEPS:  # format version 3: every evasion step has a golden case
        assert any(i.startswith(f"awkward-evasion-{step.replace('_', '-')}") for i in ids), step
    labels = {c["label"] for c in cases if c["id"].startswith("data-")}
    assert labels == {"ham", "spam"}


def test_portable_scorer_reproduces_sklearn_on_every_golden_case(trained, portable_model) -> None:
    worst = 0.0
    for case in trained.golden["cases"]:
        assert portable_model.features(case["text"]) == case["features"], case["id"]
        label, probability = portable_model.predict(case["text"])
        worst = max(worst, abs(probability - case["spam_probability"]))
        assert label == case["label"], case["id"]
    assert worst <= 1e-9


def test_logged_sklearn_model_reproduces_the_golden_probabilities(trained) -> None:
    """The model registered in MLflow (skops format, loaded back) agrees with golden.json to 1e-9."""
    import mlflow

    use_store(trained.tracking_uri)
    pipeline = mlflow.sklearn.load_model(f"models:/spam-classifier/{trained.summary['model_version']}")
    cases = trained.golden["cases"]
    probabilities = pipeline.predict_proba([c["text"] for c in cases])[:, 1]
    assert max(abs(p - c["spam_probability"]) for p, c in zip(probabilities, cases, strict=True)) <= 1e-9


def test_pyfunc_flavour_serves_a_dataframe(trained) -> None:
    import mlflow

    use_store(trained.tracking_uri)
    model = mlflow.pyfunc.load_model(f"models:/spam-classifier/{trained.summary['model_version']}")
    predictions = model.predict(pd.DataFrame({"text": ["WINNER! claim £1000 now at bit.ly/x", "see you at 6"]}))
    assert list(predictions) == [1, 0]


# -------------------------------------------------------------------------------------------- behaviour

OBVIOUS_SPAM = [
    "WINNER!! As a valued network customer you have been selected to receive a £900 prize reward! Call 09061701461",
    "URGENT! Your mobile number has won a £2,000 bonus caller prize. Call 09058094507 now to claim",
    "FREE entry into our £250 weekly competition just text the word WIN to 80086 NOW. T&C apply",
    "Congratulations! You've won a free iPhone. Claim it now at http://bit.ly/claim-iphone",
    "Your account has been suspended. Verify your details at secure-bank-login.com/verify to avoid closure",
    "Get flat Rs.500 cashback on recharge of Rs.199! Offer valid today only. Click bit.ly/rc500 T&C apply",
]
OBVIOUS_HAM = [
    "Hey, are we still on for dinner tonight?",
    "I'll be home late, please feed the cat",
    "Can you pick up some milk on the way back?",
    "Happy birthday! Hope you have a great day",
    "Sorry I missed your call, I'll ring you back after the meeting",
    "Ok see you at the station at 7",
]


@pytest.mark.parametrize("text", OBVIOUS_SPAM)
def test_minimum_functionality_obvious_spam(portable_model, text: str) -> None:
    assert portable_model.predict(text)[0] == "spam"


@pytest.mark.parametrize("text", OBVIOUS_HAM)
def test_minimum_functionality_obvious_ham(portable_model, text: str) -> None:
    assert portable_model.predict(text)[0] == "ham"


@pytest.mark.parametrize("text", OBVIOUS_SPAM[:3] + OBVIOUS_HAM[:3])
def test_invariance_to_case_and_whitespace(portable_model, text: str) -> None:
    probability = portable_model.spam_probability(text)
    variants = [text.upper(), text.lower(), text.swapcase(), "  " + text.replace(" ", " \t ") + "\n", text + "\r\n"]
    for variant in variants:
        assert portable_model.spam_probability(variant) == pytest.approx(probability, abs=1e-12)


@pytest.mark.parametrize("text", [*OBVIOUS_HAM, "Your order has been dispatched", "Meeting moved to Thursday"])
@pytest.mark.parametrize("addition", ["visit bit.ly/3xYzQ", "http://tinyurl.com/win", "you won £1000", "claim ₹5000"])
def test_direction_url_or_prize_amount_pushes_the_score_up(portable_model, text: str, addition: str) -> None:
    assert portable_model.spam_probability(f"{text} {addition}") > portable_model.spam_probability(text)
