"""The service's Deployment settings that the rollout drill and the capacity measurement replay with `docker run`.

    kubectl kustomize kubernetes/overlays/minikube | python deploy/rollout/manifest_values.py ENV_FILE

Reads the rendered overlay on stdin, writes the container's ConfigMap settings to ENV_FILE (a `docker --env-file`)
without the ones that address other in-cluster services (MLflow, Vault: the drill serves a local model file instead),
and prints shell assignments (`eval` them) of everything else the drill needs, so the manifest stays the one
source of truth for the drain delay, grace period, settle time, replica count, resources and identity.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import Any

import yaml

SERVICE = "spam-classifier"
# Settings that point at other Services of the cluster; the drill has none of them.
CLUSTER_ONLY = ("MLFLOW_TRACKING_URI", "VAULT_")


def find(objs: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    for obj in objs:
        if obj["kind"] == kind and obj["metadata"]["name"] == name:
            return obj
    raise SystemExit(f"manifest_values: the rendered overlay has no {kind} {name}")


def cpu_cores(quantity: str) -> str:
    """Kubernetes CPU quantity (`250m`, `1`) as cores for `docker run --cpus`."""
    return str(int(quantity[:-1]) / 1000) if quantity.endswith("m") else quantity


def docker_memory(quantity: str) -> str:
    """Kubernetes binary memory quantity (`256Mi`, `1Gi`) as bytes for `docker run --memory`."""
    units = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30}
    return str(int(quantity[:-2]) * units[quantity[-2:]]) if quantity[-2:] in units else quantity


def values(objs: list[dict[str, Any]]) -> tuple[dict[str, str], dict[str, str]]:
    """(shell variables, container settings) of the service's Deployment."""
    deployment = find(objs, "Deployment", SERVICE)
    pod = deployment["spec"]["template"]["spec"]
    container = pod["containers"][0]
    settings: dict[str, str] = {}
    for source in container.get("envFrom", []):
        settings.update(find(objs, "ConfigMap", source["configMapRef"]["name"]).get("data", {}))
    settings.update({e["name"]: e["value"] for e in container.get("env", []) if "value" in e})
    readiness = container["readinessProbe"]
    security = pod["securityContext"]
    variables = {
        "SHUTDOWN_DELAY_SECONDS": settings.get("SHUTDOWN_DELAY_SECONDS", "0"),
        "TERMINATION_GRACE_SECONDS": str(pod.get("terminationGracePeriodSeconds", 30)),
        "MIN_READY_SECONDS": str(deployment["spec"].get("minReadySeconds", 0)),
        "MAX_SURGE": str(deployment["spec"]["strategy"]["rollingUpdate"]["maxSurge"]),
        "REPLICAS": str(find(objs, "HorizontalPodAutoscaler", SERVICE)["spec"]["minReplicas"]),
        "READINESS_PATH": readiness["httpGet"]["path"],
        "READINESS_PERIOD_SECONDS": str(readiness.get("periodSeconds", 10)),
        "READINESS_FAILURE_THRESHOLD": str(readiness.get("failureThreshold", 3)),
        "CONTAINER_PORT": str(container["ports"][0]["containerPort"]),
        "RUN_AS": f"{security['runAsUser']}:{security.get('runAsGroup', security['runAsUser'])}",
        "CPU_REQUEST": cpu_cores(container["resources"]["requests"]["cpu"]),
        "MEMORY_LIMIT": docker_memory(container["resources"]["limits"]["memory"]),
        "MODEL_CACHE_DIR": settings["MODEL_CACHE_DIR"],
        "WRITABLE_MOUNTS": " ".join(m["mountPath"] for m in container.get("volumeMounts", [])),
    }
    local = {k: v for k, v in settings.items() if not k.startswith(CLUSTER_ONLY)}
    return variables, local


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    objs = [doc for doc in yaml.safe_load_all(sys.stdin) if doc]
    variables, settings = values(objs)
    Path(argv[1]).write_text("".join(f"{k}={v}\n" for k, v in sorted(settings.items())), encoding="utf-8")
    for name, value in variables.items():
        print(f"{name}={shlex.quote(value)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
