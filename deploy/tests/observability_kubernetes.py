"""Checks shared by the ELK and Prometheus kustomizations (kubernetes/elk, kubernetes/monitoring), as functions over
rendered objects so the tests can run them on mutated copies too."""

from __future__ import annotations

import re
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import yaml

from contracts import REPO, codes, table

WORKLOADS = {"Deployment", "StatefulSet", "DaemonSet"}
_UNITS = {"Ki": 1 / 1024, "Mi": 1, "Gi": 1024}


def mebibytes(quantity: str) -> float:
    match = re.fullmatch(r"(\d+(?:\.\d+)?)(Ki|Mi|Gi)", quantity)
    if not match:
        raise ValueError(f"memory quantity {quantity!r}: use Ki, Mi or Gi")
    return float(match.group(1)) * _UNITS[match.group(2)]


def containers(obj: dict[str, Any]) -> list[dict[str, Any]]:
    spec = obj["spec"]["template"]["spec"] if obj["kind"] in WORKLOADS | {"Job"} else {}
    return list(spec.get("containers", [])) + list(spec.get("initContainers", []))


def memory_budget(objects: list[dict[str, Any]]) -> dict[str, tuple[float, float]]:
    """Long-running workload name -> (memory requests, memory limits) in MiB, summed over its containers (Jobs are
    one-off and left out)."""
    budget = {}
    for obj in objects:
        if obj["kind"] in WORKLOADS:
            resources = [c.get("resources", {}) for c in containers(obj)]
            budget[obj["metadata"]["name"]] = (
                sum(mebibytes(r.get("requests", {}).get("memory", "0Mi")) for r in resources),
                sum(mebibytes(r.get("limits", {}).get("memory", "0Mi")) for r in resources),
            )
    return budget


def documented_budget(heading: str) -> dict[str, tuple[float, float]]:
    """The memory table of docs/observability.md under `heading`: workload -> (request, limit) in MiB."""
    found = table("observability.md", heading)
    rows = {}
    for row in found.rows:
        names = codes(row[0])
        if names:
            rows[names[0]] = (mebibytes(codes(row[1])[0]), mebibytes(codes(row[2])[0]))
    return rows


def documented_services(namespace: str) -> dict[str, int]:
    services = table("deployment.md", "Services and ports")
    found = {}
    for row in services.rows:
        if codes(row[1]) == [namespace]:
            found[codes(row[2])[0].split(".")[0]] = int(row[3])
    return found


def object_problems(objects: list[dict[str, Any]], namespace: str, image_prefixes: tuple[str, ...]) -> list[str]:
    """Namespace, documented Services and ports, pinned official images, resources and recommended labels."""
    problems = []
    for obj in objects:
        kind, name = obj["kind"], obj["metadata"]["name"]
        cluster_scoped = kind in {"Namespace", "ClusterRole", "ClusterRoleBinding"}
        if not cluster_scoped and obj["metadata"].get("namespace") != namespace:
            problems.append(f"{kind}/{name} is not in namespace {namespace}")
        labels = obj["metadata"].get("labels", {})
        if kind != "Namespace" and not {
            "app.kubernetes.io/name",
            "app.kubernetes.io/component",
        } <= set(labels):
            problems.append(f"{kind}/{name} lacks app.kubernetes.io/name or /component")
        if labels.get("app.kubernetes.io/part-of") != "spam-classifier":
            problems.append(f"{kind}/{name} lacks app.kubernetes.io/part-of: spam-classifier")
        for container in containers(obj):
            image = container["image"]
            if not image.startswith(image_prefixes) or ":" not in image or image.endswith(":latest"):
                problems.append(f"{kind}/{name}: image {image} is not a pinned official image")
            resources = container.get("resources", {})
            for kind_of in ("requests", "limits"):
                if "memory" not in resources.get(kind_of, {}):
                    problems.append(f"{kind}/{name}/{container['name']}: no memory {kind_of}")
    services = {obj["metadata"]["name"]: obj for obj in objects if obj["kind"] == "Service"}
    for service, port in documented_services(namespace).items():
        ports = [p["port"] for p in services.get(service, {}).get("spec", {}).get("ports", [])]
        if port not in ports:
            problems.append(f"Service {service} should expose {port} (docs/deployment.md), has {ports}")
    return problems


def strict_schema_problems(objects: list[dict[str, Any]]) -> str:
    """kubernetes-validate --strict against Kubernetes 1.32 (as make k8s-check does); its output on failure."""
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as rendered:
        yaml.safe_dump_all(objects, rendered)
    try:
        result = subprocess.run(
            [
                str(REPO / ".venv-ops" / "bin" / "kubernetes-validate"),
                "--strict",
                "-k",
                "1.32.0",
                "--quiet",
                rendered.name,
            ],
            check=False,
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        Path(rendered.name).unlink()
    return "" if result.returncode == 0 else result.stdout + result.stderr


def generated_file_copies(kustomization_dir: Path, sources: dict[str, Path]) -> dict[str, tuple[str, str]]:
    """configMapGenerator file -> (its text, the text of its source of truth) for every file listed in `sources`."""
    kustomization = yaml.safe_load((kustomization_dir / "kustomization.yaml").read_text(encoding="utf-8"))
    pairs = {}
    for generator in kustomization["configMapGenerator"]:
        for entry in generator["files"]:
            relative = entry.split("=", 1)[-1]
            source = sources[Path(relative).name]
            pairs[relative] = (
                (kustomization_dir / relative).read_text(encoding="utf-8"),
                source.read_text(encoding="utf-8"),
            )
    return pairs
