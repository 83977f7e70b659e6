"""The compose profiles `elk` and `monitoring` of docker-compose.yml: official pinned images, the ports of
docs/deployment.md on 127.0.0.1, and the config files mounted from their single source (elk/, deploy/prometheus).
and `compose --profile elk --profile monitoring config` itself."""

from __future__ import annotations

import copy
import re
import shutil
import subprocess
from typing import Any

import pytest
import yaml

from contracts import REPO
from prometheus_files import CONFIGS, load_yaml

COMPOSE = yaml.safe_load((REPO / "docker-compose.yml").read_text(encoding="utf-8"))
PROFILES = {"elk": ("docker.elastic.co/",), "monitoring": ("prom/prometheus:",)}
# Compose publishes the same ports as the port-forwards of docs/deployment.md ("The compose stack ... publishes").
PUBLISHED = {"elasticsearch": 9200, "kibana": 5601, "prometheus": 9090}


def compose_problems(compose: dict[str, Any]) -> list[str]:  # noqa: PLR0912 (one branch per documented rule)
    problems = []
    services = compose["services"]
    for profile, prefixes in PROFILES.items():
        members = [name for name, service in services.items() if profile in service.get("profiles", [])]
        if not members:
            problems.append(f"no service in profile {profile}")
        for name in members:
            image = services[name]["image"]
            if not image.startswith(prefixes) or image.endswith(":latest") or ":" not in image:
                problems.append(f"{name}: {image} is not a pinned official image")
            for port in services[name].get("ports", []):
                if not str(port).startswith("127.0.0.1:"):
                    problems.append(f"{name}: port {port} is not published on 127.0.0.1 only")
            for volume in services[name].get("volumes", []):
                source = volume.split(":", 1)[0]
                if source.startswith("./") and not (REPO / source).exists():
                    problems.append(f"{name}: mounts {source}, which does not exist")
                if source.startswith("./kubernetes/"):
                    problems.append(f"{name}: mounts a Kubernetes copy {source}, not the source of truth")
    for name, port in PUBLISHED.items():
        if f"127.0.0.1:{port}:{port}" not in services.get(name, {}).get("ports", []):
            problems.append(f"{name} does not publish 127.0.0.1:{port}")
    deployment = (REPO / "docs" / "deployment.md").read_text(encoding="utf-8")
    if not all(re.search(rf"\b{port}\b", deployment) for port in PUBLISHED.values()):
        problems.append("docs/deployment.md does not list the published ports")
    for name in ("mlflow", "trainer", "app"):
        if "profiles" in services[name]:
            problems.append(f"{name} must stay profile-less")
    return problems


def test_profiles_follow_the_contract() -> None:
    assert compose_problems(COMPOSE) == []


def test_prometheus_gets_the_compose_config_and_its_rules_where_rule_files_points() -> None:
    volumes = dict(v.split(":")[:2] for v in COMPOSE["services"]["prometheus"]["volumes"])
    assert volumes["./deploy/prometheus/prometheus.compose.yml"] == "/etc/prometheus/prometheus.yml"
    (pattern,) = load_yaml(CONFIGS["compose"])["rule_files"]
    assert volumes["./deploy/prometheus/rules"] == "/etc/prometheus/" + pattern.rsplit("/", 1)[0]


def test_filebeat_and_logstash_mount_the_elk_sources() -> None:
    services = COMPOSE["services"]
    assert "./elk/filebeat/filebeat.compose.yml:/usr/share/filebeat/filebeat.yml:ro" in services["filebeat"]["volumes"]
    assert "./elk/logstash/pipeline:/usr/share/logstash/pipeline:ro" in services["logstash"]["volumes"]


@pytest.mark.parametrize(
    "mutation",
    ["latest image", "public port", "missing mount", "app in a profile"],
)
def test_compose_check_fails_on_a_mutated_file(mutation: str) -> None:
    mutated = copy.deepcopy(COMPOSE)
    services = mutated["services"]
    if mutation == "latest image":
        services["kibana"]["image"] = "docker.elastic.co/kibana/kibana:latest"
    elif mutation == "public port":
        services["prometheus"]["ports"] = ["9090:9090"]
    elif mutation == "missing mount":
        services["logstash"]["volumes"] = ["./elk/logstash/pipelines:/usr/share/logstash/pipeline:ro"]
    else:
        services["app"]["profiles"] = ["elk"]
    assert compose_problems(mutated) != []


def test_compose_accepts_both_profiles() -> None:
    """The compose tool's own validation (the v2 plugin, else Debian's docker-compose v1)."""
    for command in (["docker", "compose"], ["docker-compose"]):
        if (
            shutil.which(command[0])
            and subprocess.run([*command, "version"], check=False, capture_output=True).returncode == 0
        ):
            result = subprocess.run(
                [
                    *command,
                    "--profile",
                    "elk",
                    "--profile",
                    "monitoring",
                    "config",
                    "-q",
                ],
                check=False,
                capture_output=True,
                text=True,
                cwd=REPO,
                timeout=120,
            )
            assert result.returncode == 0, result.stderr
            return
    pytest.skip("no compose tool installed (make deps-system installs docker-compose)")
