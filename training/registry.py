"""MLflow Model Registry: champion/challenger promotion gate on the alias `production`.

Stages are deprecated since MLflow 2.9; the alias `production` is the source of truth. Where the MLflow version
still accepts the legacy stage API, the promoted version is also moved to stage `Production` (others archived),
so the UI's stage column and the alias agree.
"""

from __future__ import annotations

import logging
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlflow import MlflowClient
from mlflow.entities.model_registry import ModelVersion
from mlflow.exceptions import MlflowException

from training.evaluate import compute_metrics
from training.export import MODEL_FILE
from training.portable_scorer import PortableModel

log = logging.getLogger(__name__)

PRODUCTION_ALIAS = "production"
LEGACY_STAGE = "Production"
F1_FLOOR = 0.95
PRECISION_FLOOR = 0.98

TAG_DECISION = "gate.decision"  # promoted | rejected
TAG_REASON = "gate.reason"
TAG_CHAMPION = "gate.champion_version"
# A forced promotion is recorded beside the gate's own verdict, which stays as it was.
TAG_OVERRIDE = "gate.override"
TAG_OVERRIDE_REASON = "gate.override_reason"


@dataclass(frozen=True)
class GateDecision:
    promote: bool
    reason: str

    @property
    def verdict(self) -> str:
        return "promoted" if self.promote else "rejected"


def decide(
    challenger: dict[str, float],
    champion: dict[str, float] | None,
    champion_version: str | None = None,
    f1_floor: float = F1_FLOOR,
    precision_floor: float = PRECISION_FLOOR,
) -> GateDecision:
    """Floors first, then champion/challenger on the same hold-out.

    The challenger must be at least as good as the champion on both F1 and precision, and strictly better on at
    least one of them: an identical retrain (a tie) does not move the alias.
    """
    f1, precision = challenger["f1"], challenger["precision"]
    if f1 < f1_floor:
        return GateDecision(False, f"hold-out F1 {f1:.4f} is below the floor {f1_floor}")
    if precision < precision_floor:
        return GateDecision(False, f"hold-out precision {precision:.4f} is below the floor {precision_floor}")
    if champion is None:
        return GateDecision(True, f"no production version yet; floors passed (F1 {f1:.4f}, precision {precision:.4f})")
    c_f1, c_precision = champion["f1"], champion["precision"]
    versus = f"production v{champion_version}" if champion_version else "production"
    figures = f"F1 {f1:.4f} vs {c_f1:.4f}, precision {precision:.4f} vs {c_precision:.4f}"
    if f1 < c_f1 or precision < c_precision:
        return GateDecision(False, f"worse than {versus} on the same hold-out ({figures})")
    if f1 == c_f1 and precision == c_precision:
        return GateDecision(False, f"not better than {versus} on the same hold-out ({figures})")
    return GateDecision(True, f"better than {versus} on the same hold-out ({figures})")


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


def champion_holdout_metrics(model_name: str, version: str, texts: list[str], targets: list[int]) -> dict[str, float]:
    """Score the production version on the challenger's hold-out with its own model.json (no pickle needed)."""
    with tempfile.TemporaryDirectory() as tmp:
        model = PortableModel.load(download_version_file(model_name, version, Path(tmp)))
    probabilities = [model.spam_probability(t) for t in texts]
    return compute_metrics(targets, probabilities, threshold=model.threshold)


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
) -> GateDecision:
    """Decide, record the decision as version tags, and move the alias when the challenger wins."""
    champion = production_version(client, model_name)
    champion_metrics = None
    if champion is not None and champion.version != version:
        champion_metrics = champion_holdout_metrics(model_name, champion.version, holdout_texts, holdout_targets)
        log.info("production v%s on this hold-out: %s", champion.version, champion_metrics)
    decision = decide(challenger_metrics, champion_metrics, champion.version if champion else None)
    tag_decision(
        client,
        model_name,
        version,
        decision.verdict,
        decision.reason,
        **{TAG_CHAMPION: champion.version if champion else "none"},
    )
    if decision.promote:
        set_production(client, model_name, version)
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
    log.info("force-promoted %s v%s", model_name, target.version)
    return GateDecision(True, reason)
