"""What several deploy/tests start for real on this machine: a model from the training CLI, and processes to stop."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from contracts import REPO


def train_quick_model(work_dir: Path) -> Path:
    """model.json from the real training CLI (--quick, a throw-away sqlite registry under work_dir): ~20-40 s."""
    python = REPO / ".venv" / "bin" / "python"
    if not python.exists():
        raise RuntimeError(f"{python} is missing: run `make setup-python`")
    out = work_dir / "train"
    subprocess.run(
        [
            str(python),
            "-m",
            "training.train",
            "--quick",
            "--output-dir",
            str(out),
            "--tracking-uri",
            f"sqlite:///{work_dir / 'mlflow.db'}",
        ],
        cwd=REPO,
        check=True,
        capture_output=True,
        timeout=600,
        env={**os.environ, "MLFLOW_DISABLE_TELEMETRY": "true"},
    )
    return out / "model.json"


def stop_process(process: subprocess.Popen[str], timeout: float = 15) -> None:
    """SIGTERM, then SIGKILL if it has not exited within `timeout` seconds."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
