"""Role tasks that drive kubectl, run for real by ansible-playbook with deploy/tests/fake_kubectl.py as kubectl (no
cluster runs here): the Kibana dashboard import of the elk role (free local port, wait, import, port-forward always
stopped), the mlflow role's wait for the trainer Job (ends at Complete, fails fast at Failed with the logs hint), and
the secrets role's refusal of a port that is already taken. What a real cluster answers is checked on the demo laptop.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from ansible_run import PlaybookRun, run_playbook
from contracts import REPO

FAKE_KUBECTL = Path(__file__).resolve().parent / "fake_kubectl.py"


@pytest.fixture(autouse=True)
def stop_leftover_forwards(tmp_path: Path) -> Iterator[None]:
    """A role that failed to stop its port-forward fails its test; the process must not outlive it either."""
    yield
    for call in calls(tmp_path):
        if "port-forward" in call.get("argv", []):
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(str(call["pid"])), signal.SIGTERM)


def fake_kubectl(tmp: Path, monkeypatch: pytest.MonkeyPatch, **env: str) -> Path:
    """An executable `kubectl` (exec keeps the pid the roles kill) and the log of its calls."""
    wrapper = tmp / "kubectl"
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{FAKE_KUBECTL}" "$@"\n', encoding="utf-8")
    wrapper.chmod(0o755)
    monkeypatch.setenv("FAKE_KUBECTL_LOG", str(tmp / "kubectl.log"))
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return wrapper


def calls(tmp: Path) -> list[dict[str, object]]:
    log = tmp / "kubectl.log"
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def run_role_tasks(tmp: Path, role: str, tasks: str, extra_vars: dict[str, object]) -> tuple[PlaybookRun, float]:
    playbook = tmp / "play.yml"
    play = {
        "name": f"{role} {tasks}",
        "hosts": "localhost",
        "gather_facts": False,
        "tasks": [{"ansible.builtin.include_role": {"name": role, "tasks_from": tasks}}],
    }
    playbook.write_text(yaml.safe_dump([play]), encoding="utf-8")
    started = time.monotonic()
    run = run_playbook(playbook, {"spam_repo_root": str(REPO), **extra_vars}, None, tmp)
    return run, time.monotonic() - started


def listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def forwarded_port(tmp: Path) -> int:
    (forward,) = [call["argv"] for call in calls(tmp) if "port-forward" in call.get("argv", [])]
    return int(str(forward[-1]).split(":")[0])


def test_dashboard_is_imported_through_a_port_forward_that_is_stopped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kubectl = fake_kubectl(tmp_path, monkeypatch, FAKE_KIBANA_IMPORT="ok")
    run, _ = run_role_tasks(tmp_path, "elk", "dashboard.yml", {"elk_kubectl": str(kubectl)})
    assert run.returncode == 0, run.output
    imports = [call for call in calls(tmp_path) if "import" in call]
    assert len(imports) == 1 and "overwrite=true" in str(imports[0]["import"]) and imports[0]["objects"]
    assert not listening(forwarded_port(tmp_path)), "the port-forward was left running"


def test_a_failed_import_fails_the_play_and_still_stops_the_forward(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kubectl = fake_kubectl(tmp_path, monkeypatch, FAKE_KIBANA_IMPORT="error")
    run, _ = run_role_tasks(tmp_path, "elk", "dashboard.yml", {"elk_kubectl": str(kubectl)})
    assert run.returncode != 0
    assert "missing_references" in run.output
    assert not listening(forwarded_port(tmp_path)), "the port-forward was left running"


def test_trainer_wait_ends_when_the_job_completes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    kubectl = fake_kubectl(
        tmp_path, monkeypatch, FAKE_JOB_PENDING="2", FAKE_JOB_CONDITIONS="SuccessCriteriaMet,Complete"
    )
    run, _ = run_role_tasks(
        tmp_path,
        "mlflow",
        "trainer_wait.yml",
        {"mlflow_kubectl": str(kubectl), "mlflow_trainer_poll_delay": 1, "mlflow_trainer_timeout": 30},
    )
    assert run.returncode == 0, run.output
    assert (tmp_path / "kubectl.job-calls").read_text() == "3"


def test_trainer_wait_fails_fast_on_a_failed_job(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    kubectl = fake_kubectl(tmp_path, monkeypatch, FAKE_JOB_PENDING="1", FAKE_JOB_CONDITIONS="FailureTarget,Failed")
    run, seconds = run_role_tasks(
        tmp_path,
        "mlflow",
        "trainer_wait.yml",
        {"mlflow_kubectl": str(kubectl), "mlflow_trainer_poll_delay": 1, "mlflow_trainer_timeout": 60},
    )
    assert run.returncode != 0
    assert "kubectl -n spam-classifier logs job/trainer" in run.output
    assert seconds < 30, f"waited {seconds:.0f} s on a failed Job"


def test_trainer_wait_gives_up_at_the_timeout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    kubectl = fake_kubectl(tmp_path, monkeypatch, FAKE_JOB_PENDING="1000", FAKE_JOB_CONDITIONS="Complete")
    run, _ = run_role_tasks(
        tmp_path,
        "mlflow",
        "trainer_wait.yml",
        {"mlflow_kubectl": str(kubectl), "mlflow_trainer_poll_delay": 1, "mlflow_trainer_timeout": 3},
    )
    assert run.returncode != 0
    assert int((tmp_path / "kubectl.job-calls").read_text()) <= 5


def test_vault_refuses_a_taken_port(tmp_path: Path) -> None:
    with socket.socket() as stale_forward:
        stale_forward.bind(("127.0.0.1", 0))
        stale_forward.listen()
        port = stale_forward.getsockname()[1]
        run, _ = run_role_tasks(
            tmp_path, "secrets", "forward_port_free.yml", {"secrets_addr": f"http://127.0.0.1:{port}"}
        )
    assert run.returncode != 0
    assert f"127.0.0.1:{port} is already in use" in run.output


def test_vault_accepts_a_free_port(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    run, _ = run_role_tasks(tmp_path, "secrets", "forward_port_free.yml", {"secrets_addr": f"http://127.0.0.1:{port}"})
    assert run.returncode == 0, run.output
