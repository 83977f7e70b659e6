"""The scripts behind the Jenkins release stages: push-images.sh, smoke-test.sh, rollback.sh, retrain.sh.

push-images.sh runs against the real Docker engine with tiny images made by `docker import` (no base image needed):
an image labelled stand-in=true is refused before any login, a -dirty tag is refused, and clean images get as far
as `docker login` (to a closed loopback port here, since Docker Hub is unreachable; never a real push).
smoke-test.sh runs against the real service (dist/main.js, built if missing) on 127.0.0.1 with a model trained by the
training CLI (--quick, ~20-40 s); only "the service classifies the spam sample as ham", which the real model never
does, uses a small loopback HTTP server answering the documented shapes (docs/api.md).
rollback.sh and retrain.sh need a cluster, which cannot run here: a `kubectl` stand-in on PATH records the calls and
answers what a cluster would.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from contracts import REPO
from local_processes import train_quick_model

CI = REPO / "deploy" / "ci"
STRICT = os.environ.get("CI") == "true"


def run(script: str, env: dict[str, str], timeout: int = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CI / script)],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        cwd=REPO,
    )


# ---------------------------------------------------------------- push-images.sh
def engine_available() -> bool:
    return (
        shutil.which("docker") is not None
        and subprocess.run(
            ["bash", "-c", "source deploy/ci/containers-env.sh && ensure_engine"],
            cwd=REPO,
            capture_output=True,
            check=False,
            timeout=120,
        ).returncode
        == 0
    )


@pytest.fixture(scope="module")
def engine() -> None:
    if not engine_available():
        if STRICT:
            pytest.fail("no Docker engine (CI=true): push-images.sh cannot be tested")
        pytest.skip("no Docker engine reachable")


@pytest.fixture
def images(engine: None) -> Iterator[tuple[str, str]]:
    """(prefix, tag) of three empty images `<prefix>-{app,mlflow,trainer}:<tag>`; the test labels them."""
    prefix, tag = f"jenkins-check-{uuid.uuid4().hex[:8]}", "1.0.0-abc1234"
    yield prefix, tag
    subprocess.run(
        [
            "bash",
            "-c",
            f"docker images -q --filter reference='{prefix}-*' | sort -u | xargs -r docker rmi -f",
        ],
        capture_output=True,
        check=False,
    )


def make_image(name: str, stand_in: bool) -> None:
    change = ["--change", "LABEL stand-in=true"] if stand_in else ["--change", "LABEL purpose=jenkins-check"]
    empty_tar = subprocess.run(["tar", "-cf", "-", "-T", "/dev/null"], capture_output=True, check=True).stdout
    subprocess.run(
        ["docker", "import", *change, "-", name],
        input=empty_tar,
        capture_output=True,
        check=True,
    )


def push_env(prefix: str, tag: str) -> dict[str, str]:
    return {
        "IMAGE_PREFIX": prefix,
        "IMAGE_TAG": tag,
        "DOCKERHUB_USER": "student",
        "DOCKERHUB_TOKEN": "not-a-token",
        "DOCKER_REGISTRY": f"127.0.0.1:{free_port()}",
    }


def test_push_refuses_a_stand_in_image_before_login(images: tuple[str, str]) -> None:
    prefix, tag = images
    make_image(f"{prefix}-app:{tag}", stand_in=True)
    make_image(f"{prefix}-mlflow:{tag}", stand_in=False)
    make_image(f"{prefix}-trainer:{tag}", stand_in=False)
    result = run("push-images.sh", push_env(prefix, tag))
    assert result.returncode != 0
    assert "stand-in" in result.stderr and f"{prefix}-app:{tag}" in result.stderr, result.stderr
    assert "docker login" not in result.stderr, "it tried to log in before refusing"


def test_push_of_clean_images_gets_to_login(images: tuple[str, str]) -> None:
    """Without stand-ins the script goes on to `docker login` (which fails here: a closed loopback port)."""
    prefix, tag = images
    for name in ("app", "mlflow", "trainer"):
        make_image(f"{prefix}-{name}:{tag}", stand_in=False)
    result = run("push-images.sh", push_env(prefix, tag))
    assert result.returncode != 0
    assert "docker login as student" in result.stderr, result.stderr
    assert "stand-in" not in result.stderr


def test_stand_in_check_seen_failing_on_a_mutated_script(images: tuple[str, str], tmp_path: Path) -> None:
    """The same stand-in image passes a copy of the script without the label check: the test above can fail."""
    prefix, tag = images
    make_image(f"{prefix}-app:{tag}", stand_in=True)
    for name in ("mlflow", "trainer"):
        make_image(f"{prefix}-{name}:{tag}", stand_in=False)
    text = (CI / "push-images.sh").read_text()
    check = 'if [ "$stand_in" = true ]; then'
    assert check in text
    mutated = CI / f".push-images-mutated-{uuid.uuid4().hex[:6]}.sh"
    try:
        mutated.write_text(text.replace(check, "if false; then"))
        mutated.chmod(0o755)
        result = run(mutated.name, push_env(prefix, tag))
    finally:
        mutated.unlink()
    assert "stand-in" not in result.stderr and "docker login as student" in result.stderr, result.stderr


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"IMAGE_TAG": "1.0.0-abc1234-dirty"}, "uncommitted"),
        ({"DOCKERHUB_TOKEN": ""}, "DOCKERHUB_TOKEN"),
        ({"DOCKERHUB_USER": ""}, "DOCKERHUB_USER"),
    ],
    ids=["dirty tag", "no token", "no user"],
)
def test_push_refuses_bad_input(env: dict[str, str], message: str) -> None:
    base = {
        "IMAGE_PREFIX": "jenkins-check-none",
        "IMAGE_TAG": "1.0.0-abc1234",
        "DOCKERHUB_USER": "student",
        "DOCKERHUB_TOKEN": "not-a-token",
    }
    result = run("push-images.sh", {**base, **env})
    assert result.returncode != 0 and message in result.stderr, result.stderr


# ---------------------------------------------------------------- smoke-test.sh
def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def model_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real model.json from the training CLI (never a file left by an earlier `make train`: its format may be old)."""
    return train_quick_model(tmp_path_factory.mktemp("model"))


@pytest.fixture(scope="module")
def built_service() -> Path:
    main = REPO / "dist" / "main.js"
    if not main.exists():
        subprocess.run(["npm", "run", "build"], cwd=REPO, check=True, capture_output=True, timeout=600)
    return main


@contextmanager
def real_service(main: Path, model: str, commit: str, tmp_path: Path) -> Iterator[str]:
    """The built service on a free loopback port, serving `model` (MODEL_SOURCE) and reporting `commit`."""
    port = free_port()
    env = {
        **os.environ,
        "PORT": str(port),
        "HOST": "127.0.0.1",
        "MODEL_SOURCE": model,
        "GIT_COMMIT": commit,
        "MODEL_CACHE_DIR": str(tmp_path / "cache"),
        "LOG_LEVEL": "warn",
    }
    process = subprocess.Popen(["node", str(main)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(100):  # until it listens (readiness is the script's business), at most 20 s
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)


def smoke(url: str, commit: str) -> subprocess.CompletedProcess[str]:
    return run("smoke-test.sh", {"SMOKE_URL": url, "GIT_COMMIT": commit, "SMOKE_ATTEMPTS": "5"})


def test_smoke_test_passes_when_this_commit_is_served(built_service: Path, model_file: Path, tmp_path: Path) -> None:
    with real_service(built_service, f"file:{model_file}", "abc1234", tmp_path) as url:
        result = smoke(url, "abc1234")
    assert result.returncode == 0, result.stderr
    assert "ok (commit abc1234, spam classified as spam)" in result.stdout


def test_smoke_test_fails_when_an_older_commit_is_served(built_service: Path, model_file: Path, tmp_path: Path) -> None:
    with real_service(built_service, f"file:{model_file}", "abc1234", tmp_path) as url:
        result = smoke(url, "def5678")
    assert result.returncode != 0 and "reports commit 'abc1234', this build is 'def5678'" in result.stderr


def test_smoke_test_fails_when_never_ready(built_service: Path, tmp_path: Path) -> None:
    """A real service without a model stays up but not ready (503)."""
    with real_service(built_service, f"file:{tmp_path}/missing/model.json", "abc1234", tmp_path) as url:
        result = smoke(url, "abc1234")
    assert result.returncode != 0 and "did not become ready" in result.stderr


def test_smoke_test_fails_on_a_wrong_prediction() -> None:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def reply(self, body: dict) -> None:
            data = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            self.reply({"status": "ok"} if self.path == "/health/ready" else {"gitCommit": "abc1234"})

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("content-length", 0)))
            self.reply({"label": "ham", "spamProbability": 0.01, "modelVersion": "1"})

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        result = smoke(f"http://127.0.0.1:{server.server_address[1]}", "abc1234")
    finally:
        server.shutdown()
        server.server_close()
    assert result.returncode != 0 and "classified 'ham'" in result.stderr


# ---------------------------------------------------------------- rollback.sh and retrain.sh (kubectl stand-in)
FAKE_KUBECTL = r"""#!/usr/bin/env bash
# Records each call; answers like a cluster with deployment/spam-classifier at $FAKE_LIVE_IMAGE.
echo "$*" >>"$FAKE_LOG"
case "$*" in
  *"get deployment/spam-classifier"*) echo "$FAKE_LIVE_IMAGE" ;;
  *"get cronjob/trainer"*) [ -n "$FAKE_TRAINER_IMAGE" ] && echo "$FAKE_TRAINER_IMAGE" || exit 1 ;;
  *"logs job/trainer"*)
    echo 'INFO training'
    echo '{"run_id": "r", "model_version": "4", "promoted": true, "reason": "better than production v3"}' ;;
esac
exit 0
"""


@pytest.fixture
def kubectl(tmp_path: Path) -> dict[str, str]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "kubectl"
    fake.write_text(FAKE_KUBECTL)
    fake.chmod(0o755)
    return {
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "FAKE_LOG": str(tmp_path / "calls"),
    }


def calls(env: dict[str, str]) -> str:
    log = Path(env["FAKE_LOG"])
    return log.read_text() if log.exists() else ""


def test_rollback_undoes_when_this_build_is_live(kubectl: dict[str, str]) -> None:
    env = {
        **kubectl,
        "FAKE_LIVE_IMAGE": "student/spam-classifier-app:1.0.0-abc1234",
        "IMAGE_TAG": "1.0.0-abc1234",
    }
    result = run("rollback.sh", env)
    assert result.returncode == 0, result.stderr
    assert "rollout undo deployment/spam-classifier" in calls(env)
    assert "rollout status deployment/spam-classifier" in calls(env)


def test_rollback_leaves_an_already_rolled_back_deployment_alone(
    kubectl: dict[str, str],
) -> None:
    """A second undo would bring the broken version back (the playbook may have rolled back already)."""
    env = {
        **kubectl,
        "FAKE_LIVE_IMAGE": "student/spam-classifier-app:1.0.0-0ld0000",
        "IMAGE_TAG": "1.0.0-abc1234",
    }
    result = run("rollback.sh", env)
    assert result.returncode == 0 and "nothing to undo" in result.stdout
    assert "rollout undo" not in calls(env)


def test_rollback_force_undoes_anyway(kubectl: dict[str, str]) -> None:
    env = {
        **kubectl,
        "FAKE_LIVE_IMAGE": "student/spam-classifier-app:1.0.0-0ld0000",
        "IMAGE_TAG": "1.0.0-abc1234",
        "ROLLBACK_FORCE": "1",
    }
    assert run("rollback.sh", env).returncode == 0
    assert "rollout undo" in calls(env)


def test_retrain_runs_a_job_from_the_deployed_trainer_and_prints_the_verdict(
    kubectl: dict[str, str],
) -> None:
    env = {
        **kubectl,
        "FAKE_TRAINER_IMAGE": "docker.io/student/spam-classifier-trainer:1.0.0-abc1234",
        "IMAGE_TAG": "1.0.0-abc1234",
    }
    result = run("retrain.sh", env)
    assert result.returncode == 0, result.stderr
    assert "delete job trainer" in calls(env)
    assert "create job trainer --from=cronjob/trainer" in calls(env)
    assert "model version 4 PROMOTED to production: better than production v3" in result.stdout


def test_retrain_refuses_a_trainer_of_another_build(kubectl: dict[str, str]) -> None:
    env = {
        **kubectl,
        "FAKE_TRAINER_IMAGE": "docker.io/student/spam-classifier-trainer:1.0.0-0ld0000",
        "IMAGE_TAG": "1.0.0-abc1234",
    }
    result = run("retrain.sh", env)
    assert result.returncode != 0 and "not this build's tag 1.0.0-abc1234" in result.stderr
    assert "create job" not in calls(env)


def test_retrain_refuses_a_cluster_without_the_trainer(kubectl: dict[str, str]) -> None:
    result = run("retrain.sh", {**kubectl, "FAKE_TRAINER_IMAGE": ""})
    assert result.returncode != 0 and "no cronjob/trainer" in result.stderr
