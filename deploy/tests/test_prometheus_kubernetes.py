"""kubernetes/monitoring: renders, validates strictly against Kubernetes 1.32, follows docs/deployment.md, can list
the service's pods, mounts the rules where the config expects them, and ships copies identical to deploy/prometheus."""

from __future__ import annotations

import copy

import pytest

from contracts import REPO, kustomize_build
from observability_kubernetes import (
    documented_budget,
    generated_file_copies,
    memory_budget,
    object_problems,
    strict_schema_problems,
)
from prometheus_files import CONFIGS, RULE_FILES, load_yaml

OBJECTS = kustomize_build("kubernetes/monitoring")
IMAGES = ("prom/prometheus:",)
SOURCES = {CONFIGS["kubernetes"].name: CONFIGS["kubernetes"]} | {path.name: path for path in RULE_FILES}
COPIES = generated_file_copies(REPO / "kubernetes" / "monitoring", SOURCES)


def by_kind(objects: list[dict]) -> dict[tuple[str, str], dict]:
    return {(obj["kind"], obj["metadata"]["name"]): obj for obj in objects}


def test_strict_schema_validation() -> None:
    assert strict_schema_problems(OBJECTS) == ""


def test_objects_follow_the_deployment_names() -> None:
    assert object_problems(OBJECTS, "monitoring", IMAGES) == []


@pytest.mark.parametrize("copy_path", sorted(COPIES))
def test_configmap_file_is_a_copy_of_deploy_prometheus(copy_path: str) -> None:
    copied, source = COPIES[copy_path]
    assert copied == source, (
        f"kubernetes/monitoring/{copy_path} differs from deploy/prometheus: copy the source over it"
    )


def test_memory_budget_is_the_documented_one() -> None:
    assert memory_budget(OBJECTS) == documented_budget("Memory of Prometheus")


def test_prometheus_may_list_and_watch_pods() -> None:
    objects = by_kind(OBJECTS)
    deployment = objects[("Deployment", "prometheus")]
    account = deployment["spec"]["template"]["spec"]["serviceAccountName"]
    binding = objects[("ClusterRoleBinding", "prometheus")]
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": account, "namespace": "monitoring"}]
    (rule,) = objects[("ClusterRole", binding["roleRef"]["name"])]["rules"]
    assert rule["resources"] == ["pods"] and set(rule["verbs"]) == {
        "get",
        "list",
        "watch",
    }


def test_rules_are_mounted_where_rule_files_points() -> None:
    """The config's rule_files are relative to its directory; the projected volume must put the rules there."""
    deployment = by_kind(OBJECTS)[("Deployment", "prometheus")]
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    config_file = next(arg.split("=", 1)[1] for arg in container["args"] if arg.startswith("--config.file="))
    (mount,) = [m for m in container["volumeMounts"] if config_file.startswith(m["mountPath"] + "/")]
    (volume,) = [v for v in deployment["spec"]["template"]["spec"]["volumes"] if v["name"] == mount["name"]]
    paths = {item["path"] for source in volume["projected"]["sources"] for item in source["configMap"].get("items", [])}
    config = load_yaml(CONFIGS["kubernetes"])
    for pattern in config["rule_files"]:
        directory = pattern.rsplit("/", 1)[0]
        assert {f"{directory}/{path.name}" for path in RULE_FILES} <= paths
    assert config_file == f"{mount['mountPath']}/prometheus.yml"


def test_checks_fail_on_mutated_objects() -> None:
    mutated = copy.deepcopy(OBJECTS)
    for obj in mutated:
        if obj["kind"] == "Service":
            obj["spec"]["ports"][0]["port"] = 9091
        if obj["kind"] == "Deployment":
            obj["spec"]["template"]["spec"]["containers"][0]["image"] = "prom/prometheus:latest"
            obj["spec"]["template"]["spec"]["containers"][0]["resources"]["requests"]["memory"] = "128Mi"
            obj["spec"]["template"]["spec"]["containers"][0]["args"].append(7)
    problems = object_problems(mutated, "monitoring", IMAGES)
    assert any("9090" in p for p in problems) and any(":latest" in p for p in problems)
    assert memory_budget(mutated) != documented_budget("Memory of Prometheus")
    assert strict_schema_problems(mutated) != ""
