"""Training CLI: `python -m training.train` (also `make train`).

Loads and validates the data, cross-validates every candidate (nested MLflow runs), fits the best exportable one on
the training part, evaluates it on the hold-out, exports model.json + golden.json, logs everything to MLflow,
registers a model version and runs the promotion gate. Prints exactly ONE JSON line on stdout (the summary that
other tools parse); all logging goes to stderr.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any

from training.data import (
    DEFAULT_DATA_PATH,
    DataValidationError,
    load_dataset,
    load_modern_set,
    load_recent_samples,
    modern_split,
)

log = logging.getLogger("training")

DEFAULT_OUTPUT_DIR = Path("build/model")
DEFAULT_TRACKING_URI = "sqlite:///.mlflow/mlflow.db"
DEFAULT_EXPERIMENT = "spam-classifier"
DEFAULT_MODEL_NAME = "spam-classifier"
DEFAULT_SEED = 42
MODEL_ARTIFACT_NAME = "model"

EXIT_DATA_ERROR = 2
EXIT_FAILURE = 1
# The metrics every summary line carries (other tools read them: docs/training.md).
SUMMARY_METRICS = (
    "cv_f1_mean",
    "cv_precision_mean",
    "cv_recall_mean",
    "holdout_f1",
    "holdout_precision",
    "holdout_recall",
)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m training.train", description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA_PATH, help="Latin-1 CSV (v1=label, v2=text)")
    parser.add_argument("--output-dir", type=Path, default=DEFAULT_OUTPUT_DIR, help="where model.json goes")
    parser.add_argument(
        "--tracking-uri",
        default=os.environ.get("MLFLOW_TRACKING_URI") or DEFAULT_TRACKING_URI,
        help="MLflow tracking + registry URI (default: $MLFLOW_TRACKING_URI or %(default)s)",
    )
    parser.add_argument("--experiment", default=DEFAULT_EXPERIMENT)
    parser.add_argument("--model-name", default=DEFAULT_MODEL_NAME)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="hold-out split, CV folds, golden sample")
    parser.add_argument(
        "--force-promote",
        metavar="VERSION",
        help="do not train: point the alias 'production' at this existing version (rollback)",
    )
    parser.add_argument(
        "--candidates",
        default="reference_nb,nb_word_char,logreg_word_char",
        help="comma-separated candidate names (the reference baseline is always evaluated)",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="tests only: one grid point per candidate and 2-fold CV (same hold-out, so the gate still compares)",
    )
    return parser.parse_args(argv)


@contextlib.contextmanager
def stdout_to_stderr() -> Iterator[None]:
    """Route everything written to fd 1 (also by libraries and subprocesses) to stderr while the work runs."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        os.dup2(2, 1)
        with contextlib.redirect_stdout(sys.stderr):
            yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


def configure_tracking(tracking_uri: str) -> str | None:
    """Set tracking+registry URI; for a local sqlite store return the artifact root beside the database."""
    import mlflow

    mlflow.set_tracking_uri(tracking_uri)
    mlflow.set_registry_uri(tracking_uri)
    if tracking_uri.startswith("sqlite:///"):
        db_path = Path(tracking_uri.removeprefix("sqlite:///"))
        db_path.parent.mkdir(parents=True, exist_ok=True)
        return (db_path.parent.resolve() / "artifacts").as_uri()
    return None


def ensure_experiment(name: str, artifact_root: str | None) -> str:
    import mlflow

    experiment = mlflow.get_experiment_by_name(name)
    if experiment is None:
        location = f"{artifact_root}/{name}" if artifact_root else None
        experiment_id = mlflow.create_experiment(name, artifact_location=location)
    else:
        experiment_id = experiment.experiment_id
    mlflow.set_experiment(experiment_id=experiment_id)
    return experiment_id


def git_commit() -> str | None:
    # Container images carry no git: their build passes the commit in as GIT_COMMIT (training/Dockerfile).
    from_env = os.environ.get("GIT_COMMIT", "").strip()
    if from_env and from_env != "unknown":
        return from_env
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
            cwd=Path(__file__).resolve().parent,
        )
        return out.stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


def pinned_requirements() -> list[str]:
    """Explicit pip requirements of the logged model (skips MLflow's slow requirement inference)."""
    names = ("scikit-learn", "nltk", "numpy", "pandas", "scipy", "cloudpickle")
    pins = []
    for name in names:
        with contextlib.suppress(importlib_metadata.PackageNotFoundError):
            pins.append(f"{name}=={importlib_metadata.version(name)}")
    return pins


def _log_cv(cv: Any, prefix: str = "") -> None:
    import mlflow

    best = cv.best
    mlflow.log_metrics({f"{prefix}{k}": v for k, v in best.summary().items()})
    for step, point in enumerate(cv.grid):
        mlflow.log_metric(f"{prefix}grid_cv_f1_mean", point.mean("f1"), step=step)
        mlflow.log_metric(f"{prefix}grid_cv_precision_mean", point.mean("precision"), step=step)


def run_training(args: argparse.Namespace) -> dict[str, Any]:
    import mlflow
    import numpy as np
    import pandas as pd
    from mlflow import MlflowClient
    from mlflow.models import infer_signature

    from training import candidates as cand
    from training import evaluate as ev
    from training import export as ex
    from training import registry as reg
    from training.features import load_stopwords
    from training.floors import bootstrap_interval
    from training.modern_gate import ModernGateInput
    from training.score_reference import score_reference

    started = time.perf_counter()
    cpu_started = time.process_time()
    dataset = load_dataset(args.data)  # validation first: a bad file never reaches MLflow
    recent_texts, recent_targets = load_recent_samples()
    modern_set = load_modern_set()
    modern_fit, modern_select = modern_split(modern_set)
    commit = git_commit() or "unknown"
    log.info(
        "data: %s rows (%s exact duplicates dropped), sha256 %s",
        len(dataset.frame),
        dataset.duplicates_dropped,
        dataset.sha256,
    )
    names = [n.strip() for n in args.candidates.split(",") if n.strip()]
    unknown = [n for n in names if n not in cand.CANDIDATES_BY_NAME]
    if unknown:
        raise SystemExit(f"unknown candidate(s) {unknown}; known: {list(cand.CANDIDATES_BY_NAME)}")
    if cand.REFERENCE_NB.name not in names:
        names.insert(0, cand.REFERENCE_NB.name)
    specs = [cand.CANDIDATES_BY_NAME[n] for n in names]
    if args.quick:
        specs = [replace(s, grid=(s.quick_params,) if s.quick_params else s.grid) for s in specs]
    if not any(s.exportable for s in specs):
        raise SystemExit("at least one exportable candidate is needed")
    folds = 2 if args.quick else ev.CV_FOLDS

    stopwords = load_stopwords()
    texts, targets = dataset.texts, dataset.targets
    train_idx, test_idx = ev.holdout_split(targets, args.seed)
    x_train = [texts[i] for i in train_idx]
    y_train = [targets[i] for i in train_idx]
    x_test = [texts[i] for i in test_idx]
    y_test = [targets[i] for i in test_idx]
    # The modern set's training half joins every fit of an exportable candidate (weighted per grid point); its
    # selection half is scored by every fit, never fitted on (docs/training.md "Modern validation set").
    modern_rows = ev.ModernRows(
        modern_fit.texts, modern_fit.targets, modern_select.texts, modern_select.targets, modern_select.families
    )

    artifact_root = configure_tracking(args.tracking_uri)
    experiment_id = ensure_experiment(args.experiment, artifact_root)
    client = MlflowClient(tracking_uri=args.tracking_uri, registry_uri=args.tracking_uri)
    output_dir = args.output_dir.resolve()
    output_dir.mkdir(parents=True, exist_ok=True)

    with mlflow.start_run(run_name=f"train-{datetime.now(UTC):%Y%m%dT%H%M%SZ}") as parent:
        run_id = parent.info.run_id
        mlflow.set_tags({"data_sha256": dataset.sha256, "git_commit": commit, "quick": str(args.quick)})
        mlflow.log_params(
            {
                "data_path": str(args.data),
                "data_rows": len(dataset.frame),
                "data_duplicates_dropped": dataset.duplicates_dropped,
                "seed": args.seed,
                "holdout_fraction": ev.HOLDOUT_FRACTION,
                "cv_folds": folds,
                "candidates": ",".join(s.name for s in specs),
                "f1_floor": reg.F1_FLOOR,
                "precision_floor": reg.PRECISION_FLOOR,
                "modern_set_sha256": modern_set.sha256,
                "modern_fit_rows": len(modern_fit.texts),
                "modern_select_rows": len(modern_select.texts),
                "uci_f1_floor": ev.UCI_F1_FLOOR,
            }
        )

        results = {}
        baseline_holdout: dict[str, float] = {}
        for spec in specs:
            with mlflow.start_run(run_name=spec.name, nested=True):
                t0 = time.perf_counter()
                # The reference recipe stays as the original app trained it: on the 2012 corpus alone.
                cv = ev.cross_validate(
                    spec,
                    x_train,
                    y_train,
                    stopwords,
                    args.seed,
                    folds=folds,
                    modern=modern_rows if spec.exportable else None,
                    search_threshold=not args.quick,
                )
                for line in ev.describe_grid(cv):
                    log.info("cv %s", line)
                mlflow.set_tags({"candidate": spec.name, "exportable": str(spec.exportable)})
                mlflow.log_params(
                    {
                        "description": spec.description,
                        "classifier": spec.classifier,
                        **{f"feature.{k}": v for k, v in spec.feature_params.items()},
                        "grid": json.dumps([cand.params_label(p) for p in spec.grid]),
                        "best_params": cand.params_label(cv.best.params),
                    }
                )
                _log_cv(cv)
                mlflow.log_dict(
                    {"grid": [{"params": cand.params_label(g.params), **g.summary()} for g in cv.grid]},
                    "cv_grid.json",
                )
                if spec.name == cand.REFERENCE_NB.name:
                    baseline = cand.build_pipeline(spec, cv.best.params, stopwords, args.seed).fit(x_train, y_train)
                    baseline_proba = baseline.predict_proba(x_test)[:, 1]
                    baseline_holdout = ev.compute_metrics(y_test, baseline_proba)
                    mlflow.log_metrics({f"holdout_{k}": v for k, v in baseline_holdout.items()})
                    with tempfile.TemporaryDirectory() as tmp:
                        title = f"{spec.name} on hold-out (n={len(y_test)})"
                        ev.plot_confusion_matrix(y_test, baseline_proba, Path(tmp) / "confusion_matrix.png", title)
                        ev.plot_pr_curve(y_test, baseline_proba, Path(tmp) / "pr_curve.png", title)
                        mlflow.log_artifacts(tmp, "plots")
                mlflow.log_metric("cv_seconds", time.perf_counter() - t0)
                results[spec.name] = cv

        baseline_cv = results[cand.REFERENCE_NB.name].best
        exportable = [results[s.name] for s in specs if s.exportable]
        chosen = max(exportable, key=lambda c: ev.selection_key(c.best))
        log.info("chosen candidate: %s %s", chosen.spec.name, cand.params_label(chosen.best.params))

        threshold = chosen.best.threshold
        # With a modern weight of 0 the modern rows stay out of the fit altogether, vectorizers included.
        modern_used = modern_fit if ev.uses_modern(chosen.best.params) else modern_fit.subset([])
        fit_texts, fit_targets = x_train + modern_used.texts, y_train + modern_used.targets
        sample_weight = np.concatenate(
            [np.ones(len(x_train)), ev.modern_row_weights(chosen.best.params, modern_used.targets)]
        )
        pipeline = cand.build_pipeline(chosen.spec, chosen.best.params, stopwords, args.seed)
        pipeline.fit(fit_texts, fit_targets, classifier__sample_weight=sample_weight)
        cand.drop_fitted_stop_words(pipeline)
        holdout_proba = pipeline.predict_proba(x_test)[:, 1]
        holdout = ev.compute_metrics(y_test, holdout_proba, threshold=threshold)
        # Floors test the interval, not the point estimate (training/floors.py).
        holdout.update(bootstrap_interval(y_test, holdout_proba, threshold))
        modern_proba = pipeline.predict_proba(modern_select.texts)[:, 1]
        modern_metrics = ev.compute_metrics(modern_select.targets, modern_proba, threshold=threshold)
        modern_families = ev.family_recall(modern_select.targets, modern_select.families, modern_proba, threshold)
        # Reported, never trained or selected on: how the chosen model does on spam styles the 2012 corpus lacks.
        recent = ev.compute_metrics(recent_targets, pipeline.predict_proba(recent_texts)[:, 1], threshold=threshold)
        training_seconds = time.perf_counter() - started

        cv_summary = chosen.best.summary()
        metrics = {
            "cv_f1_mean": cv_summary["cv_f1_mean"],
            "cv_f1_std": cv_summary["cv_f1_std"],
            "cv_precision_mean": cv_summary["cv_precision_mean"],
            "cv_recall_mean": cv_summary["cv_recall_mean"],
            "cv_accuracy_mean": cv_summary["cv_accuracy_mean"],
            "cv_roc_auc_mean": cv_summary["cv_roc_auc_mean"],
            "cv_pr_auc_mean": cv_summary["cv_pr_auc_mean"],
            **{f"holdout_{k}": v for k, v in holdout.items()},
            **{f"recent_{k}": v for k, v in recent.items()},
            **{f"modern_{k}": v for k, v in modern_metrics.items()},
            **{f"modern_family_{k}": v for k, v in modern_families.items()},
            "threshold": threshold,
        }
        baseline_summary = {
            "candidate": cand.REFERENCE_NB.name,
            "cv_f1_mean": baseline_cv.mean("f1"),
            "cv_precision_mean": baseline_cv.mean("precision"),
            "cv_recall_mean": baseline_cv.mean("recall"),
            **{f"holdout_{k}": v for k, v in baseline_holdout.items()},
        }

        model_doc = ex.pipeline_to_model(
            pipeline,
            threshold=threshold,
            metadata={
                "model_name": args.model_name,
                "candidate": chosen.spec.name,
                "run_id": run_id,
                "git_commit": commit,
                "data_sha256": dataset.sha256,
                "trained_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "metrics": {k: float(v) for k, v in metrics.items()},
                # What the service's drift gauge compares its own traffic with (docs/metrics.md `spam_score_psi`).
                "score_reference": score_reference([float(p) for p in holdout_proba]),
            },
        )
        model_path = ex.write_model(model_doc, output_dir)
        # Golden cases from the UCI hold-out and the modern selection half: today's texts (emoji, look-alikes) too.
        golden = ex.golden_cases(model_doc, pipeline, x_test, args.seed, modern_messages=modern_select.texts)
        golden_path = ex.write_golden(model_path, golden, output_dir)
        train_rows_path = reg.write_train_rows(fit_texts, fit_targets, output_dir)
        model_bytes = model_path.stat().st_size
        log.info("wrote %s (%d bytes) and %s", model_path, model_bytes, golden_path)

        mlflow.log_params(
            {
                "chosen_candidate": chosen.spec.name,
                "chosen_params": cand.params_label(chosen.best.params),
                **{f"chosen.feature.{k}": v for k, v in chosen.spec.feature_params.items()},
                "threshold": model_doc["threshold"],
                "vocabulary_sizes": json.dumps({b["name"]: len(b["terms"]) for b in model_doc["features"]}),
            }
        )
        mlflow.log_metrics(metrics)
        mlflow.log_metrics(
            {
                "baseline_cv_f1_mean": baseline_summary["cv_f1_mean"],
                "baseline_cv_precision_mean": baseline_summary["cv_precision_mean"],
                "baseline_cv_recall_mean": baseline_summary["cv_recall_mean"],
                "training_seconds": training_seconds,
                "model_json_bytes": model_bytes,
            }
        )
        with tempfile.TemporaryDirectory() as tmp:
            plots = Path(tmp)
            title = f"{chosen.spec.name} on hold-out (n={len(y_test)})"
            ev.plot_confusion_matrix(y_test, holdout_proba, plots / "confusion_matrix.png", title)
            ev.plot_pr_curve(y_test, holdout_proba, plots / "pr_curve.png", title)
            mlflow.log_artifacts(str(plots), "plots")
        mlflow.log_artifact(str(model_path))
        mlflow.log_artifact(str(golden_path))

        example = pd.DataFrame({"text": ["WINNER! Claim your £1000 prize at bit.ly/win", "See you at 6 for dinner"]})
        signature = infer_signature(example, np.asarray(pipeline.predict(example)))
        model_info = mlflow.sklearn.log_model(
            pipeline,
            name=MODEL_ARTIFACT_NAME,
            signature=signature,
            input_example=example,
            code_paths=[str(Path(__file__).resolve().parent)],
            pip_requirements=pinned_requirements(),
            # MLflow 3 saves scikit-learn models with skops, which loads only types it is told to trust.
            skops_trusted_types=cand.SKOPS_TRUSTED_TYPES,
        )
        # model.json and golden.json at the top of the model's artifact directory, so that
        # models:/<name>@production/model.json resolves (see docs/training.md).
        client.log_model_artifact(model_info.model_id, str(model_path))
        client.log_model_artifact(model_info.model_id, str(golden_path))
        # The rows it trained on, so a later gate compares it only on rows it never saw.
        client.log_model_artifact(model_info.model_id, str(train_rows_path))

        version = mlflow.register_model(model_info.model_uri, args.model_name)
        for key, value in {
            "run_id": run_id,
            "candidate": chosen.spec.name,
            "data_sha256": dataset.sha256,
            "holdout_f1": f"{holdout['f1']:.6f}",
            "holdout_precision": f"{holdout['precision']:.6f}",
            "holdout_recall": f"{holdout['recall']:.6f}",
            "cv_f1_mean": f"{metrics['cv_f1_mean']:.6f}",
            "seed": args.seed,
        }.items():
            client.set_model_version_tag(args.model_name, version.version, key, str(value))
        decision = reg.gate(
            client,
            args.model_name,
            version.version,
            holdout,
            x_test,
            y_test,
            challenger_probability=[float(p) for p in holdout_proba],
            challenger_threshold=float(model_doc["threshold"]),
            modern=ModernGateInput(modern_select.texts, modern_select.targets, [float(p) for p in modern_proba]),
        )
        mlflow.set_tags(
            {
                "model_version": str(version.version),
                reg.TAG_DECISION: decision.verdict,
                reg.TAG_REASON: decision.reason,
            }
        )
        total_seconds = time.perf_counter() - started
        cpu_seconds = time.process_time() - cpu_started
        mlflow.log_metrics({"total_seconds": total_seconds, "cpu_seconds": cpu_seconds})

    return {
        "run_id": run_id,
        "experiment_id": experiment_id,
        "model_name": args.model_name,
        "model_version": str(version.version),
        "model_uri": f"models:/{args.model_name}/{version.version}",
        "promoted": decision.promote,
        "reason": decision.reason,
        "candidate": chosen.spec.name,
        "params": cand.params_label(chosen.best.params),
        "metrics": {k: round(float(v), 6) for k, v in metrics.items()},
        "baseline": {k: (round(float(v), 6) if not isinstance(v, str) else v) for k, v in baseline_summary.items()},
        "model_path": str(model_path),
        "golden_path": str(golden_path),
        "model_bytes": model_bytes,
        "data_sha256": dataset.sha256,
        "training_seconds": round(training_seconds, 2),
        "total_seconds": round(total_seconds, 2),
        "cpu_seconds": round(cpu_seconds, 2),
        "tracking_uri": args.tracking_uri,
    }


def run_force_promote(args: argparse.Namespace) -> dict[str, Any]:
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    from training import export as ex
    from training import registry as reg

    configure_tracking(args.tracking_uri)
    client = MlflowClient(tracking_uri=args.tracking_uri, registry_uri=args.tracking_uri)
    decision = reg.force_promote(client, args.model_name, args.force_promote)
    version = client.get_model_version(args.model_name, str(args.force_promote))
    run_id = version.run_id or version.tags.get("run_id", "")
    metrics: dict[str, float] = {}
    baseline: dict[str, float] = {}
    if run_id:
        run_metrics = client.get_run(run_id).data.metrics
        metrics = {k: round(run_metrics[k], 6) for k in SUMMARY_METRICS if k in run_metrics}
        baseline = {
            k: round(run_metrics[f"baseline_{k}"], 6)
            for k in ("cv_f1_mean", "cv_precision_mean", "cv_recall_mean")
            if f"baseline_{k}" in run_metrics
        }
    output_dir = args.output_dir.resolve()
    output_dir.mkdir(parents=True, exist_ok=True)
    # The production model.json (and its golden file) land in the output dir, as after a promoting training run.
    model_path = reg.download_version_file(args.model_name, version.version, output_dir)
    # A golden file left by an earlier run would no longer match this model.json.
    golden_path = output_dir / ex.GOLDEN_FILE
    golden_path.unlink(missing_ok=True)
    try:
        reg.download_version_file(args.model_name, version.version, output_dir, ex.GOLDEN_FILE)
    except MlflowException as exc:  # versions registered before golden.json was logged have none
        log.warning("no %s for version %s: %s", ex.GOLDEN_FILE, version.version, exc)
    return {
        "run_id": run_id,
        "model_name": args.model_name,
        "model_version": str(version.version),
        "model_uri": f"models:/{args.model_name}/{version.version}",
        "promoted": True,
        "reason": decision.reason,
        "metrics": metrics,
        "baseline": baseline,
        "model_path": str(model_path),
        "tracking_uri": args.tracking_uri,
    }


def execute(argv: Sequence[str] | None = None) -> dict[str, Any]:
    """Run the CLI's work and return the summary (raises DataValidationError / SystemExit on bad input)."""
    args = parse_args(argv)
    os.environ.setdefault("GIT_PYTHON_REFRESH", "quiet")
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")  # no usage reporting from training runs
    log.info("tracking URI: %s", args.tracking_uri)
    return run_force_promote(args) if args.force_promote else run_training(args)


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        with stdout_to_stderr():
            summary = execute(argv)
    except DataValidationError as exc:
        log.error("data validation failed, nothing was logged or registered: %s", exc)
        return EXIT_DATA_ERROR
    except SystemExit as exc:
        if isinstance(exc.code, str):
            log.error("%s", exc.code)
            return EXIT_FAILURE
        raise
    print(json.dumps(summary, sort_keys=True), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
