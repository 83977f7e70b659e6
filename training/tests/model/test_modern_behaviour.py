"""Behaviour on today's SMS (issue 12), on the one full training run of the session (Made-With-ML style).

The modern set's selection half (data/modern-sms.tsv, the fixed split of training.data.modern_split) is never fitted
on; the report set (data/recent-sms-samples.tsv) is never fitted or selected on.
"""

from __future__ import annotations

import pytest

from training.data import load_modern_set, modern_split
from training.tests.code.obfuscations import OBFUSCATIONS
from training.tests.conftest import use_store

# Minimum recall per spam family on the selection half: regression guards a little under what the chosen model
# reaches (docs/training.md), not goals. `hi_mum` is 0: the model does not catch "new number" fraud (no amount, no
# link, ordinary words); said in the docs rather than hidden behind a low floor.
FAMILY_MINIMUM_RECALL = {
    "promo": 0.7,
    "parcel_toll": 0.6,
    "bank_kyc": 0.8,
    "crypto": 0.8,
    "job_offer": 0.8,
    "loan_offer": 0.66,
    "otp_phish": 0.4,
    "prize": 0.8,
    "account_phish": 0.7,
    "hi_mum": 0.0,
}
# Minimum share kept as ham per ham family: the user's own transactional messages (precision first). Format 2 kept
# 3 of 13 bank alerts and 9 of 13 service messages; the issue-12 model keeps 7 and 10.
FAMILY_MINIMUM_KEPT = {
    "personal": 0.95,
    "otp": 0.9,
    "delivery": 0.9,
    "appointment": 0.9,
    "family_money": 0.8,
    "service": 0.75,
    "bank_alert": 0.5,
}
HARMLESS_EDITS = {
    "emoji": lambda t: t + " \U0001f60a",
    "exclamation": lambda t: t.rstrip(".") + "!!",
    "double_spaces": lambda t: t.replace(" ", "  "),
    "all_lowercase": str.lower,
    "trailing_newline": lambda t: t + "\n",
}


@pytest.fixture(scope="module")
def selection_half():
    return modern_split(load_modern_set())[1]


def test_the_summary_and_model_json_carry_the_modern_figures(trained) -> None:
    metrics = trained.summary["metrics"]
    for key in ("modern_f1", "modern_precision", "modern_recall", "threshold", "holdout_f1_ci_high"):
        assert key in metrics
    for family in FAMILY_MINIMUM_RECALL:
        assert f"modern_family_{family}" in metrics
    assert trained.model["threshold"] == pytest.approx(metrics["threshold"])


def _labelled_as(portable_model, selection_half, family: str, label: str) -> tuple[int, int]:
    """How many of the selection half's messages of `family` the model labels `label`, and how many there are."""
    texts = [t for t, f in zip(selection_half.texts, selection_half.families, strict=True) if f == family]
    assert texts, family
    return sum(portable_model.predict(t)[0] == label for t in texts), len(texts)


@pytest.mark.parametrize("family", sorted(FAMILY_MINIMUM_RECALL))
def test_minimum_detection_rate_per_spam_family(portable_model, selection_half, family: str) -> None:
    caught, total = _labelled_as(portable_model, selection_half, family, "spam")
    assert caught / total >= FAMILY_MINIMUM_RECALL[family], f"{family}: {caught}/{total}"


@pytest.mark.parametrize("family", sorted(FAMILY_MINIMUM_KEPT))
def test_minimum_share_kept_as_ham_per_ham_family(portable_model, selection_half, family: str) -> None:
    kept, total = _labelled_as(portable_model, selection_half, family, "ham")
    assert kept / total >= FAMILY_MINIMUM_KEPT[family], f"{family}: {kept}/{total}"


def test_modern_precision_comes_first(trained) -> None:
    """Selection half: format 2 precision 0.80 (20 false alarms on 139 ham); the issue-12 model 0.88 (11)."""
    assert trained.summary["metrics"]["modern_precision"] >= 0.85


def test_personal_messages_stay_ham(portable_model, selection_half) -> None:
    texts = [t for t, f in zip(selection_half.texts, selection_half.families, strict=True) if f == "personal"]
    false_alarms = [t for t in texts if portable_model.predict(t)[0] == "spam"]
    assert len(false_alarms) <= 0.05 * len(texts), false_alarms


@pytest.mark.parametrize("name", sorted(OBFUSCATIONS))
def test_caught_spam_stays_spam_after_each_obfuscation(portable_model, selection_half, name: str) -> None:
    obfuscate = OBFUSCATIONS[name]
    spam = [t for t, y in zip(selection_half.texts, selection_half.targets, strict=True) if y == 1]
    caught = [t for t in spam if portable_model.predict(t)[0] == "spam"]
    assert len(caught) >= 50
    escaped = [t for t in caught if portable_model.predict(obfuscate(t))[0] != "spam"]
    assert escaped == []


@pytest.mark.parametrize("name", sorted(HARMLESS_EDITS))
def test_ham_stays_ham_after_harmless_edits(portable_model, selection_half, name: str) -> None:
    edit = HARMLESS_EDITS[name]
    ham = [t for t, y in zip(selection_half.texts, selection_half.targets, strict=True) if y == 0]
    kept = [t for t in ham if portable_model.predict(t)[0] == "ham"]
    flipped = [t for t in kept if portable_model.predict(edit(t))[0] != "ham"]
    assert flipped == []


def test_no_regression_on_the_uci_cross_validation(trained) -> None:
    """Format version 2's model: CV F1 0.9654 at precision 0.9900 (docs/training.md); the issue's floor is 0.965."""
    metrics = trained.summary["metrics"]
    assert metrics["cv_f1_mean"] >= 0.965
    assert metrics["cv_precision_mean"] >= 0.99 - 1e-9


def test_every_candidate_logs_modern_metrics_and_family_recall(trained) -> None:
    from mlflow import MlflowClient

    use_store(trained.tracking_uri)
    client = MlflowClient(tracking_uri=trained.tracking_uri)
    runs = client.search_runs(
        [client.get_experiment_by_name("spam-classifier").experiment_id], "tags.candidate != ''", max_results=50
    )
    exportable = {r.data.tags["candidate"]: r.data.metrics for r in runs if r.data.tags.get("exportable") == "True"}
    assert set(exportable) == {"nb_word_char", "logreg_word_char"}
    for name, metrics in exportable.items():
        for key in ("modern_select_f1", "modern_select_precision", "modern_select_recall", "threshold"):
            assert key in metrics, (name, key)
        assert "modern_select_family_promo" in metrics and "modern_select_family_hi_mum" in metrics, name
