"""kubernetes/elk: renders, validates strictly against Kubernetes 1.32, follows docs/deployment.md, carries the
memory budget docs/observability.md states, and ships byte-identical copies of elk/ in its ConfigMaps."""

from __future__ import annotations

import copy

import pytest
import yaml

from contracts import REPO, kustomize_build
from elk_contract import FILES
from observability_kubernetes import (
    documented_budget,
    generated_file_copies,
    memory_budget,
    object_problems,
    strict_schema_problems,
)

OBJECTS = kustomize_build("kubernetes/elk")
IMAGES = ("docker.elastic.co/",)
SOURCES = {path.name: path for path in FILES.values()} | {
    "install-templates.sh": REPO / "elk" / "elasticsearch" / "install-templates.sh"
}
COPIES = generated_file_copies(REPO / "kubernetes" / "elk", SOURCES)


def test_strict_schema_validation() -> None:
    assert strict_schema_problems(OBJECTS) == ""


def test_objects_follow_the_deployment_names() -> None:
    assert object_problems(OBJECTS, "logging", IMAGES) == []


@pytest.mark.parametrize("copy_path", sorted(COPIES))
def test_configmap_file_is_a_copy_of_elk(copy_path: str) -> None:
    copied, source = COPIES[copy_path]
    assert copied == source, f"kubernetes/elk/{copy_path} differs from its source in elk/: copy the source over it"


def test_memory_budget_is_the_documented_one() -> None:
    assert memory_budget(OBJECTS) == documented_budget("Memory of the ELK stack")


def test_filebeat_reads_pod_metadata_with_its_own_account() -> None:
    by_kind = {(obj["kind"], obj["metadata"]["name"]): obj for obj in OBJECTS}
    daemonset = by_kind[("DaemonSet", "filebeat")]
    assert daemonset["spec"]["template"]["spec"]["serviceAccountName"] == "filebeat"
    role = by_kind[("ClusterRole", "filebeat")]
    assert {"pods", "namespaces", "nodes"} <= set(role["rules"][0]["resources"])
    binding = by_kind[("ClusterRoleBinding", "filebeat")]
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": "filebeat", "namespace": "logging"}]


def test_elasticsearch_heap_is_half_its_memory_limit() -> None:
    (statefulset,) = [obj for obj in OBJECTS if obj["kind"] == "StatefulSet"]
    container = statefulset["spec"]["template"]["spec"]["containers"][0]
    env = {item["name"]: item.get("value") for item in container["env"]}
    assert env["ES_JAVA_OPTS"] == "-Xms512m -Xmx512m" and container["resources"]["limits"]["memory"] == "1Gi"
    assert env["discovery.type"] == "single-node"


def test_checks_fail_on_mutated_objects() -> None:
    mutated = copy.deepcopy(OBJECTS)
    for obj in mutated:
        if obj["kind"] == "Service" and obj["metadata"]["name"] == "kibana":
            obj["spec"]["ports"][0]["port"] = 5602
        if obj["kind"] == "Deployment" and obj["metadata"]["name"] == "logstash":
            obj["spec"]["template"]["spec"]["containers"][0]["image"] = "logstash:latest"
            obj["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"]["memory"] = "1Gi"
            obj["spec"]["template"]["spec"]["containers"][0]["unknownField"] = True
    problems = object_problems(mutated, "logging", IMAGES)
    assert any("kibana" in p for p in problems) and any("logstash:latest" in p for p in problems)
    assert memory_budget(mutated) != documented_budget("Memory of the ELK stack")
    assert "unknownField" in strict_schema_problems(mutated)


def elasticsearch_env(objects: list[dict]) -> dict[str, str | None]:
    (statefulset,) = [obj for obj in objects if obj["kind"] == "StatefulSet"]
    container = statefulset["spec"]["template"]["spec"]["containers"][0]
    return {item["name"]: item.get("value") for item in container["env"]}


def test_elasticsearch_ignores_disk_watermarks() -> None:
    """A laptop's Docker disk above 90 % would leave shards unallocated (95 %: indices read-only, logs stop)."""
    assert elasticsearch_env(OBJECTS).get("cluster.routing.allocation.disk.threshold_enabled") == "false"


def test_setup_job_is_deleted_before_the_role_applies_it() -> None:
    """The Job's pod template mounts the hashed ConfigMap: a changed template cannot be applied over the old Job."""
    jobs = [obj["metadata"]["name"] for obj in OBJECTS if obj["kind"] == "Job"]
    tasks = yaml.safe_load((REPO / "ansible" / "roles" / "elk" / "tasks" / "main.yml").read_text())
    names = [task.get("name", "") for task in tasks]
    apply_at = next(
        i for i, task in enumerate(tasks) if "kubernetes.core.k8s" in task and task["kubernetes.core.k8s"].get("apply")
    )
    deletes = [
        task
        for task in tasks[:apply_at]
        if "kubernetes.core.k8s" in task
        and task["kubernetes.core.k8s"].get("state") == "absent"
        and task["kubernetes.core.k8s"].get("kind") == "Job"
    ]
    assert jobs and deletes, names
    defaults = yaml.safe_load((REPO / "ansible" / "roles" / "elk" / "defaults" / "main.yml").read_text())
    deleted = {str(task["kubernetes.core.k8s"]["name"]) for task in deletes}
    deleted = {defaults.get(name.strip("{} "), name) if name.startswith("{{") else name for name in deleted}
    assert deleted >= set(jobs)
