"""One real run of the service for the observability tests: a model from the real training CLI, the built service
(`node dist/main.js`) on 127.0.0.1, a fixed scenario of traffic, and every stdout line it wrote.

The Prometheus live test scrapes this service; the ELK contract tests check the log lines it wrote against the
Elasticsearch template and the Kibana objects. Started once per pytest session (train ~20 s, start ~2 s) and stopped
when the session ends, whatever happened.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from contracts import REPO
from local_processes import stop_process, train_quick_model

SPAM_TEXT = "WINNER!! You have won a £1000 prize. Call 09061701461 now to claim your reward"
HAM_TEXT = "Are we still on for lunch tomorrow? I can bring the slides"
# Requests are bounded: the scenario sends a fixed number, the Prometheus test at most LOAD_ROUNDS more.
LOAD_ROUNDS = 60


def http(url: str, method: str = "GET", body: Any = None, raw: bytes | None = None) -> tuple[int, bytes]:
    """One request to the local service; returns (status, body) for any status, raises only on no answer."""
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    request = urllib.request.Request(url, data=data, method=method, headers={"content-type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def flatten(event: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """ECS lines mix nested objects and dotted keys ("log.level"): both become dotted paths, as in Elasticsearch."""
    flat: dict[str, Any] = {}
    for key, value in event.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(flatten(value, f"{path}."))
        else:
            flat[path] = value
    return flat


@dataclass
class LiveService:
    process: subprocess.Popen[str]
    work_dir: Path
    model_path: Path
    lines: list[str] = field(default_factory=list)
    url: str = ""
    port: int = 0

    def events(self) -> list[dict[str, Any]]:
        """Every stdout line as a flattened JSON object (a line that is not JSON fails the caller's test)."""
        return [flatten(json.loads(line)) for line in list(self.lines)]

    def wait_for(self, predicate: Any, timeout: float = 20.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in list(self.lines):
                try:
                    event = flatten(json.loads(line))
                except json.JSONDecodeError:
                    continue
                if predicate(event):
                    return event
            if self.process.poll() is not None:
                raise RuntimeError(f"service exited with {self.process.returncode}:\n" + "\n".join(self.lines))
            time.sleep(0.05)
        raise TimeoutError(f"no matching log line within {timeout:.0f} s:\n" + "\n".join(self.lines[-20:]))

    def predict_round(self) -> None:
        """One spam and one ham message, and a batch of both: three requests, four predictions."""
        assert http(f"{self.url}/api/v1/predict", "POST", {"text": SPAM_TEXT})[0] == 200
        assert http(f"{self.url}/api/v1/predict", "POST", {"text": HAM_TEXT})[0] == 200
        assert (
            http(
                f"{self.url}/api/v1/predict/batch",
                "POST",
                {"texts": [SPAM_TEXT, HAM_TEXT]},
            )[0]
            == 200
        )

    def stop(self) -> None:
        stop_process(self.process)
        shutil.rmtree(self.work_dir, ignore_errors=True)


def trained_model(work_dir: Path) -> Path:
    """model.json from the real training CLI, or OBS_MODEL_JSON if set."""
    given = os.environ.get("OBS_MODEL_JSON")
    return Path(given) if given else train_quick_model(work_dir)


def record_pid(pid: int) -> None:
    """deploy/ci/observability-test.sh kills what is listed in OBS_PID_DIR on exit, should pytest itself be killed."""
    pid_dir = os.environ.get("OBS_PID_DIR")
    if pid_dir:
        (Path(pid_dir) / str(pid)).touch()


def _start() -> LiveService:
    main = REPO / "dist" / "main.js"
    if not main.exists():
        raise RuntimeError(f"{main} is missing: run `npm run build`")
    work_dir = Path(tempfile.mkdtemp(prefix="obs-live-"))
    model_path = work_dir / "model.json"
    shutil.copyfile(trained_model(work_dir), model_path)
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOST": "127.0.0.1",
        "PORT": "0",
        "MODEL_SOURCE": f"file:{model_path}",
        "MODEL_POLL_INTERVAL_SECONDS": "0.3",
        "MODEL_CACHE_DIR": str(work_dir / "cache"),
        "RATE_LIMIT_PER_MINUTE": "0",
        "LOG_LEVEL": "info",
        # As deployed (Vault `log_hash_key`): prediction events carry spam.text_hmac, checked against the mapping.
        "LOG_HASH_KEY": "log-hash-key-for-observability-tests",
    }
    process = subprocess.Popen(
        ["node", "--max-semi-space-size=64", str(main)],
        cwd=work_dir,
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    service = LiveService(process, work_dir, model_path)
    record_pid(process.pid)

    def read_stdout() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            service.lines.append(line.rstrip("\n"))

    threading.Thread(target=read_stdout, daemon=True).start()
    try:
        started = service.wait_for(lambda event: isinstance(event.get("server.port"), int))
        service.port = int(started["server.port"])
        service.url = f"http://127.0.0.1:{service.port}"
        deadline = time.monotonic() + 20
        while http(f"{service.url}/health/ready")[0] != 200:
            if time.monotonic() > deadline:
                raise TimeoutError("service not ready within 20 s")
            time.sleep(0.1)
        _scenario(service)
    except BaseException:
        service.stop()
        raise
    return service


def _scenario(service: LiveService) -> None:
    """Every kind of line the dashboard shows: predictions (single, batch), probes, 400, 404, a swap, a refusal."""
    url = service.url
    for _ in range(3):
        service.predict_round()
    assert http(f"{url}/invocations", "POST", {"inputs": [HAM_TEXT]})[0] == 200
    assert http(f"{url}/api/v1/predict", "POST", {"text": "   "})[0] == 400
    assert http(f"{url}/api/v1/predict", "POST", raw=b"{not json")[0] == 400
    assert http(f"{url}/no/such/route")[0] == 404
    assert http(f"{url}/health/live")[0] == 200
    assert http(f"{url}/metrics")[0] == 200

    model = json.loads(service.model_path.read_text(encoding="utf-8"))
    # A valid new version (another threshold): the service swaps to it (model-swap, outcome success).
    model["threshold"] = round(float(model["threshold"]) * 0.9, 6)
    service.model_path.write_text(json.dumps(model), encoding="utf-8")
    service.wait_for(lambda e: e.get("event.action") == "model-swap" and e.get("spam.previous_model_version"))
    # A broken one (coefficients no longer match the vocabulary): refused, the swapped version keeps serving.
    broken = dict(model, classifier=dict(model["classifier"], coefficients=[1.0]))
    service.model_path.write_text(json.dumps(broken), encoding="utf-8")
    service.wait_for(lambda e: e.get("event.action") == "model-swap" and e.get("event.outcome") == "failure")
    service.predict_round()


_live: dict[str, LiveService] = {}  # the session's one run, under "service" once started
_lock = threading.Lock()


def live_service() -> LiveService:
    """The session's one service run (started on first use)."""
    with _lock:
        if "service" not in _live:
            _live["service"] = _start()
            atexit.register(_live["service"].stop)
        return _live["service"]


def stop_live_service() -> None:
    with _lock:
        if "service" in _live:
            _live["service"].stop()
