"""MLflow Model Registry: champion/challenger promotion gate on the alias `production`.

Stages are deprecated since MLflow 2.9; the alias `production` is the source of truth. Where the MLflow version
still accepts the legacy stage API, the promoted version is also moved to stage `Production` (others archived),
so the UI's stage column and the alias agree.
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from mlflow import MlflowClient
from mlflow.entities.model_registry import ModelVersion
from mlflow.exceptions import MlflowException

from training.evaluate import compute_metrics
from training.export import MODEL_FILE
from training.portable_scorer import ModelFormatError, PortableModel

log = logging.getLogger(__name__)

PRODUCTION_ALIAS = "production"
LEGACY_STAGE = "Production"
F1_FLOOR = 0.95
PRECISION_FLOOR = 0.98

TAG_DECISION = "gate.decision"  # promoted | rejected
TAG_REASON = "gate.reason"
TAG_CHAMPION = "gate.champion_version"
# The fair comparison: rows of this version's hold-out that the champion did not train on, and the F1 of each there.
TAG_EVAL_ROWS = "gate.eval_rows"
TAG_EVAL_F1 = "gate.eval_f1"
TAG_EVAL_CHAMPION_F1 = "gate.eval_champion_f1"
TAG_EVAL_F1_DELTA_CI = "gate.eval_f1_delta_ci95"

# Fingerprints of the rows a version trained on, stored next to its model.json (docs/training.md "Promotion gate").
TRAIN_ROWS_FILE = "train_rows.txt"
# Below these the comparison is too small to mean anything: the gate refuses rather than guess.
MIN_FAIR_ROWS = 100
MIN_FAIR_SPAM = 10
# A challenger is "worse" when its precision is, with 95 % confidence, more than this below the champion's.
PRECISION_MARGIN = 0.01
BOOTSTRAP_RESAMPLES = 1000
BOOTSTRAP_SEED = 0
# A forced promotion is recorded beside the gate's own verdict, which stays as it was.
TAG_OVERRIDE = "gate.override"
TAG_OVERRIDE_REASON = "gate.override_reason"
# Shadow challenger (docs/training.md "Shadow challenger"): a version that passed the floors but did not beat production
# gets this alias; a service with MODEL_SHADOW_ALIAS=challenger scores traffic with it off the response path.
CHALLENGER_ALIAS = "challenger"
TAG_FLOORS = "gate.floors"  # passed | failed: the shadow loader accepts a version only with `passed`


@dataclass(frozen=True)
class GateDecision:
    promote: bool
    reason: str

    @property
    def verdict(self) -> str:
        return "promoted" if self.promote else "rejected"


def row_fingerprint(text: str, target: int) -> str:
    """A row's identity across data files and seeds: the message and its label (16 hex digits of sha256)."""
    return hashlib.sha256(f"{target}\t{text}".encode()).hexdigest()[:16]


def write_train_rows(texts: Sequence[str], targets: Sequence[int], output_dir: Path) -> Path:
    path = output_dir / TRAIN_ROWS_FILE
    rows = sorted({row_fingerprint(t, int(y)) for t, y in zip(texts, targets, strict=True)})
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


@dataclass(frozen=True)
class FairComparison:
    """Challenger and champion on the rows neither trained on, each at its own threshold."""

    rows: int
    spam_rows: int
    challenger: dict[str, float]
    champion: dict[str, float]
    f1_delta_ci: tuple[float, float]
    precision_delta_ci: tuple[float, float]

    def describe(self) -> str:
        low, high = self.f1_delta_ci
        return (
            f"on {self.rows} hold-out rows neither trained on ({self.spam_rows} spam): "
            f"F1 {self.challenger['f1']:.4f} vs {self.champion['f1']:.4f} (95% CI of the difference "
            f"[{low:+.4f}, {high:+.4f}]), "
            f"precision {self.challenger['precision']:.4f} vs {self.champion['precision']:.4f}"
        )


def _precision(targets: np.ndarray, predicted: np.ndarray) -> float:
    predicted_positive = float(np.sum(predicted))
    return 0.0 if predicted_positive == 0 else float(np.sum(predicted & targets)) / predicted_positive


def _f1(targets: np.ndarray, predicted: np.ndarray) -> float:
    true_positive = float(np.sum(predicted & targets))
    predicted_positive, actual_positive = float(np.sum(predicted)), float(np.sum(targets))
    return (
        0.0 if predicted_positive + actual_positive == 0 else 2 * true_positive / (predicted_positive + actual_positive)
    )


def compare_fairly(
    targets: Sequence[int],
    challenger_probability: Sequence[float],
    challenger_threshold: float,
    champion_probability: Sequence[float],
    champion_threshold: float,
) -> FairComparison:
    """Metrics of both models on the same rows, and a paired bootstrap 95% interval of the F1 difference."""
    y = np.asarray(targets, dtype=bool)
    challenger = np.asarray(challenger_probability) >= challenger_threshold
    champion = np.asarray(champion_probability) >= champion_threshold
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    f1_deltas, precision_deltas = [], []
    for _ in range(BOOTSTRAP_RESAMPLES):
        sample = rng.integers(0, len(y), len(y))
        f1_deltas.append(_f1(y[sample], challenger[sample]) - _f1(y[sample], champion[sample]))
        precision_deltas.append(_precision(y[sample], challenger[sample]) - _precision(y[sample], champion[sample]))
    low, high = np.percentile(f1_deltas, [2.5, 97.5])
    precision_low, precision_high = np.percentile(precision_deltas, [2.5, 97.5])
    return FairComparison(
        rows=len(y),
        spam_rows=int(y.sum()),
        challenger=compute_metrics(targets, challenger_probability, threshold=challenger_threshold),
        champion=compute_metrics(targets, champion_probability, threshold=champion_threshold),
        f1_delta_ci=(float(low), float(high)),
        precision_delta_ci=(float(precision_low), float(precision_high)),
    )


def floor_problem(
    f1: float,
    precision: float,
    f1_floor: float,
    precision_floor: float,
    f1_high: float | None = None,
    precision_high: float | None = None,
) -> str | None:
    """With the bootstrap interval's upper ends (training/floors.py), refuse only below the floor beyond noise."""
    if (f1 if f1_high is None else f1_high) < f1_floor:
        interval = "" if f1_high is None else f" (95% CI upper end {f1_high:.4f})"
        return f"hold-out F1 {f1:.4f}{interval} is below the floor {f1_floor}"
    if (precision if precision_high is None else precision_high) < precision_floor:
        interval = "" if precision_high is None else f" (95% CI upper end {precision_high:.4f})"
        return f"hold-out precision {precision:.4f}{interval} is below the floor {precision_floor}"
    return None


def decide(
    challenger: dict[str, float],
    comparison: FairComparison | None,
    champion_version: str | None = None,
    unfair_reason: str | None = None,
    f1_floor: float = F1_FLOOR,
    precision_floor: float = PRECISION_FLOOR,
) -> GateDecision:
    """Floors first (the challenger's own hold-out), then champion/challenger on rows neither trained on.

    The challenger is promoted only when the 95% interval of its F1 advantage lies above zero and its precision is
    not, with 95% confidence, more than PRECISION_MARGIN below the champion's: a retrain that is equal within
    split-to-split noise does not move the alias. When
    no fair comparison is possible (unfair_reason) the gate refuses and says why; --force-promote overrides it.
    """
    f1, precision = challenger["f1"], challenger["precision"]
    below_floor = floor_problem(
        f1, precision, f1_floor, precision_floor, challenger.get("f1_ci_high"), challenger.get("precision_ci_high")
    )
    if below_floor:
        return GateDecision(False, below_floor)
    if champion_version is None:
        return GateDecision(True, f"no production version yet; floors passed (F1 {f1:.4f}, precision {precision:.4f})")
    versus = f"production v{champion_version}"
    if comparison is None:
        return GateDecision(False, f"cannot compare fairly with {versus}: {unfair_reason or 'no comparison'}")
    figures = comparison.describe()
    low, high = comparison.f1_delta_ci
    if high < 0 or comparison.precision_delta_ci[1] < -PRECISION_MARGIN:
        return GateDecision(False, f"worse than {versus} {figures}")
    if low <= 0:
        return GateDecision(False, f"not better than {versus} beyond noise {figures}")
    return GateDecision(True, f"better than {versus} {figures}")


def production_version(client: MlflowClient, model_name: str) -> ModelVersion | None:
    try:
        return client.get_model_version_by_alias(model_name, PRODUCTION_ALIAS)
    except MlflowException as exc:
        if exc.error_code in ("RESOURCE_DOES_NOT_EXIST", "INVALID_PARAMETER_VALUE", "NOT_FOUND"):
            return None
        raise


def download_version_file(model_name: str, version: str, destination: Path, file_name: str = MODEL_FILE) -> Path:
    """A file at the top of a registered version's model artifact directory (model.json, golden.json)."""
    import mlflow.artifacts

    local = mlflow.artifacts.download_artifacts(
        artifact_uri=f"models:/{model_name}/{version}/{file_name}", dst_path=str(destination)
    )
    return Path(local)


def champion_train_rows(model_name: str, version: str) -> set[str] | None:
    """The row fingerprints the version trained on, or None when it did not record them (trained before 2026-11-28)."""
    with tempfile.TemporaryDirectory() as tmp:
        try:
            path = download_version_file(model_name, version, Path(tmp), TRAIN_ROWS_FILE)
        except (MlflowException, OSError):
            return None
        return set(path.read_text(encoding="utf-8").split())


def champion_probabilities(model_name: str, version: str, texts: Sequence[str]) -> tuple[list[float], float]:
    """The production version's own p(spam) for each text and its own threshold, from its model.json (no pickle)."""
    with tempfile.TemporaryDirectory() as tmp:
        model = PortableModel.load(download_version_file(model_name, version, Path(tmp)))
    return [model.spam_probability(t) for t in texts], model.threshold


def fair_comparison(
    model_name: str,
    champion_version: str,
    holdout_texts: Sequence[str],
    holdout_targets: Sequence[int],
    challenger_probability: Sequence[float],
    challenger_threshold: float,
) -> tuple[FairComparison | None, str | None]:
    """Both models on the challenger's hold-out rows the champion did not train on; or None and the reason why not."""
    trained_on = champion_train_rows(model_name, champion_version)
    if trained_on is None:
        return None, f"v{champion_version} recorded no {TRAIN_ROWS_FILE} (the rows it trained on)"
    keep = [
        i
        for i, (t, y) in enumerate(zip(holdout_texts, holdout_targets, strict=True))
        if row_fingerprint(t, int(y)) not in trained_on
    ]
    targets = [int(holdout_targets[i]) for i in keep]
    spam = sum(targets)
    if len(keep) < MIN_FAIR_ROWS or spam < MIN_FAIR_SPAM:
        return None, (
            f"only {len(keep)} hold-out rows ({spam} spam) are outside v{champion_version}'s training set; "
            f"at least {MIN_FAIR_ROWS} rows and {MIN_FAIR_SPAM} spam are needed"
        )
    texts = [holdout_texts[i] for i in keep]
    try:
        champion_probability, champion_threshold = champion_probabilities(model_name, champion_version, texts)
    except ModelFormatError as exc:  # e.g. a version of an older format_version: this scorer cannot read it
        return None, f"v{champion_version}'s model.json cannot be scored here: {exc}"
    comparison = compare_fairly(
        targets,
        [challenger_probability[i] for i in keep],
        challenger_threshold,
        champion_probability,
        champion_threshold,
    )
    return comparison, None


def set_production(client: MlflowClient, model_name: str, version: str) -> None:
    client.set_registered_model_alias(model_name, PRODUCTION_ALIAS, version)
    mirror_legacy_stage(client, model_name, version)


def mirror_legacy_stage(client: MlflowClient, model_name: str, version: str) -> bool:
    """Move the version to the deprecated stage `Production` (archiving others) where the server still allows it."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            client.transition_model_version_stage(model_name, version, LEGACY_STAGE, archive_existing_versions=True)
        return True
    except (MlflowException, AttributeError, NotImplementedError) as exc:  # removed or refused by newer versions
        log.info("legacy stage API not available, alias only: %s", exc)
        return False


def tag_decision(client: MlflowClient, model_name: str, version: str, decision: str, reason: str, **extra: Any) -> None:
    client.set_model_version_tag(model_name, version, TAG_DECISION, decision)
    client.set_model_version_tag(model_name, version, TAG_REASON, reason)
    for key, value in extra.items():
        if value is not None:
            client.set_model_version_tag(model_name, version, key, str(value))


def gate(
    client: MlflowClient,
    model_name: str,
    version: str,
    challenger_metrics: dict[str, float],
    holdout_texts: list[str],
    holdout_targets: list[int],
    challenger_probability: Sequence[float],
    challenger_threshold: float,
    modern: Any = None,
) -> GateDecision:
    """Decide, record the decision as version tags, and move the alias when the challenger wins.

    `modern` (training.modern_gate.ModernGateInput): a challenger that would be promoted is refused when it is worse
    than production on the modern set's selection half.
    """
    champion = production_version(client, model_name)
    comparison, unfair_reason = None, None
    if champion is not None and champion.version != version:
        comparison, unfair_reason = fair_comparison(
            model_name, champion.version, holdout_texts, holdout_targets, challenger_probability, challenger_threshold
        )
        log.info("fair comparison with production v%s: %s", champion.version, comparison or unfair_reason)
    decision = decide(challenger_metrics, comparison, champion.version if champion else None, unfair_reason)
    modern_tags: dict[str, Any] = {}
    worse_on_modern = False
    if decision.promote and champion is not None and modern is not None:
        from training.modern_gate import check_modern

        decision, modern_tags = check_modern(model_name, champion.version, modern, challenger_threshold, decision)
        worse_on_modern = not decision.promote
    fair_tags = (
        {
            TAG_EVAL_ROWS: comparison.rows,
            TAG_EVAL_F1: f"{comparison.challenger['f1']:.6f}",
            TAG_EVAL_CHAMPION_F1: f"{comparison.champion['f1']:.6f}",
            TAG_EVAL_F1_DELTA_CI: "[{:.6f}, {:.6f}]".format(*comparison.f1_delta_ci),
        }
        if comparison
        else {}
    )
    f1, precision = challenger_metrics["f1"], challenger_metrics["precision"]
    # The same interval floors as decide(), so a version is never both refused by the floors and tagged as passing them.
    floors_passed = (
        floor_problem(
            f1,
            precision,
            F1_FLOOR,
            PRECISION_FLOOR,
            challenger_metrics.get("f1_ci_high"),
            challenger_metrics.get("precision_ci_high"),
        )
        is None
    )
    tag_decision(
        client,
        model_name,
        version,
        decision.verdict,
        decision.reason,
        **{TAG_CHAMPION: champion.version if champion else "none", TAG_FLOORS: "passed" if floors_passed else "failed"},
        **fair_tags,
        **modern_tags,
    )
    if decision.promote:
        set_production(client, model_name, version)
    elif floors_passed and not worse_on_modern:
        # Good enough to serve, not shown to be better: a candidate for shadow scoring on real traffic. A version shown
        # worse than production on the modern set is not worth the shadow's CPU.
        client.set_registered_model_alias(model_name, CHALLENGER_ALIAS, version)
    log.info(
        "gate for %s v%s: %s (%s)", model_name, version, "PROMOTE" if decision.promote else "REJECT", decision.reason
    )
    return decision


def force_promote(client: MlflowClient, model_name: str, version: str) -> GateDecision:
    """Rollback/override: point `production` at an existing version regardless of the gate."""
    target = client.get_model_version(model_name, str(version))  # raises if the version does not exist
    previous = production_version(client, model_name)
    reason = f"forced by operator (--force-promote {target.version}); previous production: " + (
        f"v{previous.version}" if previous else "none"
    )
    # Tags before the alias: the service refuses a version without a verdict or override tag, and polls any time.
    client.set_model_version_tag(model_name, target.version, TAG_OVERRIDE, "force-promoted")
    client.set_model_version_tag(model_name, target.version, TAG_OVERRIDE_REASON, reason)
    set_production(client, model_name, target.version)
    drop_challenger_alias_of(client, model_name, target.version)
    log.info("force-promoted %s v%s", model_name, target.version)
    return GateDecision(True, reason)


def drop_challenger_alias_of(client: MlflowClient, model_name: str, version: str) -> None:
    """A challenger promoted to production is no longer a challenger: its alias goes (others keep theirs)."""
    try:
        challenger = client.get_model_version_by_alias(model_name, CHALLENGER_ALIAS)
    except MlflowException:
        return
    if challenger.version == str(version):
        client.delete_registered_model_alias(model_name, CHALLENGER_ALIAS)
