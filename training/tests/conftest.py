"""Shared fixtures. The full training CLI runs once per session (a subprocess, exactly as `make train` runs it)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
# Fail fast instead of MLflow's default minutes of exponential back-off when a store is unreachable.
os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "2")
os.environ.setdefault("MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR", "1")


def use_store(uri: str) -> None:
    """Point MLflow's global tracking AND registry URIs at one store (models:/ URIs resolve via the registry)."""
    import mlflow

    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)


def cli_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO_ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env["MLFLOW_DISABLE_TELEMETRY"] = "true"
    env.pop("MLFLOW_TRACKING_URI", None)  # every test names its own store
    return env


@dataclass(frozen=True)
class CliResult:
    returncode: int
    stdout: str
    stderr: str
    seconds: float

    @property
    def summary(self) -> dict[str, Any]:
        lines = self.stdout.splitlines()
        assert len(lines) == 1, f"stdout must be exactly one JSON line, got {len(lines)}: {self.stdout[:500]!r}"
        return json.loads(lines[0])


def run_cli(*args: str, timeout: float = 300) -> CliResult:
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "training.train", *args],
        cwd=REPO_ROOT,
        env=cli_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return CliResult(proc.returncode, proc.stdout, proc.stderr, time.perf_counter() - started)


@dataclass(frozen=True)
class TrainedModel:
    result: CliResult
    summary: dict[str, Any]
    output_dir: Path
    tracking_uri: str
    model_path: Path
    golden_path: Path
    model: dict[str, Any]
    golden: dict[str, Any]


@pytest.fixture(scope="session")
def trained(tmp_path_factory: pytest.TempPathFactory) -> TrainedModel:
    """One full training run (all candidates, 5-fold CV, logging, registration) into a temporary sqlite store."""
    base = tmp_path_factory.mktemp("full-run")
    tracking_uri = f"sqlite:///{base / 'mlflow.db'}"
    output_dir = base / "model"
    result = run_cli("--tracking-uri", tracking_uri, "--output-dir", str(output_dir))
    assert result.returncode == 0, f"training failed:\n{result.stderr[-4000:]}"
    summary = result.summary
    model_path = Path(summary["model_path"])
    golden_path = output_dir / "golden.json"
    return TrainedModel(
        result=result,
        summary=summary,
        output_dir=output_dir,
        tracking_uri=tracking_uri,
        model_path=model_path,
        golden_path=golden_path,
        model=json.loads(model_path.read_text(encoding="utf-8")),
        golden=json.loads(golden_path.read_text(encoding="utf-8")),
    )


@pytest.fixture(scope="session")
def portable_model(trained: TrainedModel):
    from training.portable_scorer import PortableModel

    return PortableModel.load(trained.model_path)


@pytest.fixture(scope="session")
def stopwords() -> list[str]:
    from training.features import load_stopwords

    return load_stopwords()


@pytest.fixture(scope="session")
def dataset():
    from training.data import load_dataset

    return load_dataset()
