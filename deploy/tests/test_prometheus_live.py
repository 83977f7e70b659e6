"""Prometheus for real: Debian's prometheus binary on 127.0.0.1 with a config generated from the shipped Kubernetes
one, scraping the real service (observability_live) while it serves predictions, and answering the recording rules,
the queries of docs/metrics.md and the refused-model alert.

What is generated: Kubernetes pod discovery is replaced by a file of targets shaped like what it would find (the
service's pod with the documented annotations and label, an MLflow pod without them, a pending pod), so the shipped
relabelling decides for real which target is scraped, at which port and path; intervals are 1 s instead of 15 s.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from contracts import REPO, codes
from local_processes import stop_process
from observability_live import LOAD_ROUNDS, LiveService, http, live_service, record_pid
from prometheus_files import (
    CONFIGS,
    JOB,
    PROMETHEUS,
    RULE_FILES,
    load_yaml,
    without_kubernetes_discovery,
)

RECORDED = [
    rule["record"] for path in RULE_FILES for g in load_yaml(path)["groups"] for rule in g["rules"] if "record" in rule
]
DOC_QUERIES = [q for q in codes((REPO / "docs" / "metrics.md").read_text(encoding="utf-8")) if "(" in q]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def discovered_pods(service_port: int) -> list[dict[str, Any]]:
    """What kubernetes_sd (role pod) reports, as file_sd groups. The service pod's address carries a wrong port on
    purpose: only the relabelling from the prometheus.io/port annotation makes the scrape reach the service."""
    pod = {
        "__meta_kubernetes_namespace": "spam-classifier",
        "__meta_kubernetes_pod_phase": "Running",
        "__meta_kubernetes_pod_label_app_kubernetes_io_name": "spam-classifier",
        "__meta_kubernetes_pod_annotation_prometheus_io_scrape": "true",
        "__meta_kubernetes_pod_annotation_prometheus_io_port": str(service_port),
        "__meta_kubernetes_pod_annotation_prometheus_io_path": "/metrics",
    }
    return [
        {
            "targets": ["127.0.0.1:9"],
            "labels": {
                **pod,
                "__meta_kubernetes_pod_name": "spam-classifier-7d9f-abcde",
            },
        },
        {
            "targets": ["127.0.0.2:9"],
            "labels": {
                **pod,
                "__meta_kubernetes_pod_name": "spam-classifier-7d9f-pending",
                "__meta_kubernetes_pod_phase": "Pending",
            },
        },
        {
            "targets": ["127.0.0.3:5000"],
            "labels": {
                "__meta_kubernetes_namespace": "spam-classifier",
                "__meta_kubernetes_pod_name": "mlflow-5c6b-fghij",
                "__meta_kubernetes_pod_label_app_kubernetes_io_name": "mlflow",
            },
        },
    ]


class Prometheus:
    def __init__(self, service: LiveService) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="obs-prometheus-"))
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        shutil.copytree(PROMETHEUS / "rules", self.dir / "rules")
        (self.dir / "targets.json").write_text(json.dumps(discovered_pods(service.port)), encoding="utf-8")
        config = without_kubernetes_discovery(load_yaml(CONFIGS["kubernetes"]), "targets.json")
        config["global"].update(scrape_interval="1s", evaluation_interval="1s")
        for job in config["scrape_configs"]:
            if job["job_name"] == "prometheus":
                job["static_configs"] = [{"targets": [f"127.0.0.1:{self.port}"]}]
        (self.dir / "prometheus.yml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
        self.log = (self.dir / "prometheus.log").open("w")
        self.process = subprocess.Popen(
            [
                "prometheus",
                f"--config.file={self.dir / 'prometheus.yml'}",
                f"--storage.tsdb.path={self.dir / 'data'}",
                f"--web.listen-address=127.0.0.1:{self.port}",
            ],
            cwd=self.dir,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        record_pid(self.process.pid)

    def ready(self) -> bool:
        try:
            return http(f"{self.url}/-/ready")[0] == 200
        except OSError:
            return False

    def get(self, path: str, **params: str) -> Any:
        status, body = http(f"{self.url}{path}?{urllib.parse.urlencode(params)}")
        assert status == 200, body
        return json.loads(body)["data"]

    def query(self, promql: str) -> list[dict[str, Any]]:
        return list(self.get("/api/v1/query", query=promql)["result"])

    def stop(self) -> None:
        stop_process(self.process)
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture(scope="module")
def service() -> LiveService:
    return live_service()


@pytest.fixture(scope="module")
def prometheus(service: LiveService) -> Iterator[Prometheus]:
    server = Prometheus(service)
    try:
        deadline = time.monotonic() + 30
        while not server.ready():
            if server.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("prometheus did not start:\n" + (server.dir / "prometheus.log").read_text())
            time.sleep(0.2)
        yield server
    finally:
        server.stop()


def until(prometheus: Prometheus, service: LiveService, promql: str, timeout: float = 40) -> list[dict[str, Any]]:
    """Query until the result is non-empty, sending one round of predictions per attempt (at most LOAD_ROUNDS)."""
    deadline = time.monotonic() + timeout
    for _ in range(LOAD_ROUNDS):
        result = prometheus.query(promql)
        if result or time.monotonic() > deadline:
            return result
        service.predict_round()
        time.sleep(0.5)
    return prometheus.query(promql)


def test_relabelling_keeps_only_the_annotated_running_service_pod(prometheus: Prometheus, service: LiveService) -> None:
    assert until(prometheus, service, f'up{{job="{JOB}"}} == 1'), "the service target never came up"
    targets = prometheus.get("/api/v1/targets")
    active = [t for t in targets["activeTargets"] if t["labels"]["job"] == JOB]
    assert [(t["labels"]["namespace"], t["labels"]["pod"], t["scrapeUrl"]) for t in active] == [
        (
            "spam-classifier",
            "spam-classifier-7d9f-abcde",
            f"http://127.0.0.1:{service.port}/metrics",
        )
    ]
    dropped = [t["discoveredLabels"]["__meta_kubernetes_pod_name"] for t in targets["droppedTargets"]]
    assert sorted(dropped) == ["mlflow-5c6b-fghij", "spam-classifier-7d9f-pending"]


@pytest.mark.parametrize("record", RECORDED)
def test_recording_rule_returns_a_series_for_the_service(
    prometheus: Prometheus, service: LiveService, record: str
) -> None:
    result = until(prometheus, service, f'{record}{{job="{JOB}"}}')
    assert result, f"{record} returned nothing"
    assert all(float(series["value"][1]) >= 0 for series in result)


def value(prometheus: Prometheus, service: LiveService, promql: str) -> float:
    result = until(prometheus, service, promql)
    assert result, f"no series for {promql}"
    return float(result[0]["value"][1])


def test_recorded_figures_match_the_traffic(prometheus: Prometheus, service: LiveService) -> None:
    predict_rate = f'job_route:http_requests:rate1m{{job="{JOB}",route="/api/v1/predict"}}'
    assert value(prometheus, service, f"{predict_rate} > 0") > 0
    # Each round predicts two spam and two ham messages, so the share is about one half.
    share = f'job:spam_predictions:spam_share_rate5m{{job="{JOB}"}}'
    assert 0.3 < value(prometheus, service, share) < 0.7
    p99 = f'job:http_request_duration_seconds:p99_5m{{job="{JOB}"}}'
    assert 0 < value(prometheus, service, p99) < 2.5


_refusals: list[int] = []


def refuse_a_model_once(service: LiveService) -> None:
    """A broken model file the service has not seen yet (it remembers refused content), written while Prometheus
    scrapes, so that model_reload_total{result="failure"} rises under its eyes. Once per session."""
    if _refusals:
        return

    def refusals() -> int:
        return sum(
            1 for e in service.events() if e.get("event.action") == "model-swap" and e.get("event.outcome") == "failure"
        )

    before = refusals()
    model = json.loads(service.model_path.read_text(encoding="utf-8"))
    model["classifier"]["coefficients"] = [0.5, 0.5]
    service.model_path.write_text(json.dumps(model), encoding="utf-8")
    service.wait_for(lambda _: refusals() > before)
    _refusals.append(before + 1)


@pytest.mark.parametrize("promql", DOC_QUERIES)
def test_docs_metrics_queries_answer(prometheus: Prometheus, service: LiveService, promql: str) -> None:
    if "failure" in promql:
        refuse_a_model_once(service)
    assert until(prometheus, service, promql), f"docs/metrics.md query returned nothing: {promql}"


def test_refused_model_alert_fires(prometheus: Prometheus, service: LiveService) -> None:
    refuse_a_model_once(service)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        alerts = prometheus.get("/api/v1/alerts")["alerts"]
        firing = [
            a for a in alerts if a["labels"]["alertname"] == "SpamClassifierModelRefused" and a["state"] == "firing"
        ]
        if firing:
            assert firing[0]["labels"]["pod"] == "spam-classifier-7d9f-abcde"
            return
        time.sleep(0.5)
    pytest.fail(f"SpamClassifierModelRefused never fired: {prometheus.get('/api/v1/alerts')}")
