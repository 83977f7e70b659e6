"""Policy tests: the rendered minikube overlay checked against the service's own contracts.

Each policy is a function from the rendered objects to a list of violations. `test_policy_holds` runs every policy
on the real rendering; `test_policy_catches` runs it on a copy mutated in memory (one mutation per way the manifest
could drift from its source of truth) and requires a violation, so every policy is seen failing on every run.

Sources of truth: docs/deployment.md (names, labels, ports, Vault role), docs/configuration.md (environment names
and defaults), the controllers in src/ (routes the probes may use), the three Dockerfiles (USER, ENV, VOLUME),
deploy/ci/build-images.sh (image names), package.json (version label).
"""

from __future__ import annotations

import copy
import fnmatch
import json
import re
import shlex
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from contracts import REPO, codes, kustomize_build, table, tables

OVERLAY = "kubernetes/overlays/minikube"
BASE = "kubernetes/base"
NAMESPACE = "spam-classifier"
SERVICE = "spam-classifier"
MLFLOW = "mlflow"
TRAINER = "trainer"
# Object -> the Dockerfile of its image (docs/deployment.md "Images" says which image runs where).
DOCKERFILES = {"Dockerfile": SERVICE, "mlflow/Dockerfile": MLFLOW, "training/Dockerfile": TRAINER}

Obj = dict[str, Any]


# ---------------------------------------------------------------- sources of truth


@dataclass(frozen=True)
class Dockerfile:
    env: dict[str, str] = field(default_factory=dict)
    user: str = ""
    volumes: tuple[str, ...] = ()
    exposed: tuple[int, ...] = ()


@cache
def dockerfile(path: str) -> Dockerfile:
    """ENV, USER, VOLUME and EXPOSE of the final stage of a Dockerfile (continuation lines joined)."""
    text = (REPO / path).read_text(encoding="utf-8").replace("\\\n", " ")
    env: dict[str, str] = {}
    user, volumes, exposed = "", [], []
    for line in text.splitlines():
        instruction, _, rest = line.strip().partition(" ")
        match instruction.upper():
            case "FROM":
                env, user, volumes, exposed = {}, "", [], []
            case "ENV":
                env.update(part.split("=", 1) for part in shlex.split(rest) if "=" in part)  # type: ignore[misc]
            case "USER":
                user = rest.strip()
            case "VOLUME":
                volumes.extend(json.loads(rest))
            case "EXPOSE":
                exposed.extend(int(port) for port in rest.split())
    return Dockerfile(env, user, tuple(volumes), tuple(exposed))


@cache
def service_get_routes() -> frozenset[str]:
    """GET routes of the NestJS controllers in src/ (`@Controller('prefix')` + `@Get('path')`)."""
    routes = set()
    for source in (REPO / "src").rglob("*.controller.ts"):
        text = source.read_text(encoding="utf-8")
        prefix = re.search(r"@Controller\(\s*(?:'([^']*)')?\s*\)", text)
        for path in re.findall(r"@Get\(\s*(?:'([^']*)')?\s*\)", text):
            parts = [part for part in ((prefix.group(1) if prefix else None) or "", path) if part]
            routes.add("/" + "/".join(parts))
    return frozenset(routes)


@cache
def documented_settings() -> dict[str, str]:
    """Every environment variable of docs/configuration.md -> its documented default ("" when it has none)."""
    settings: dict[str, str] = {}
    for found in tables("configuration.md"):
        has_default = found.header[1:2] == ("default",)
        for row in found.rows:
            default = (codes(row[1]) or [""])[0] if has_default else ""
            for name in codes(row[0]):
                if re.fullmatch(r"[A-Z][A-Z0-9_]+", name):
                    settings.setdefault(name, default)
    return settings


@cache
def built_image_names() -> frozenset[str]:
    """`$IMAGE_PREFIX-<name>` for every `build <name> <Dockerfile>` of deploy/ci/build-images.sh (default prefix)."""
    prefix = re.search(
        r'IMAGE_PREFIX="\$\{IMAGE_PREFIX:-([^}]+)\}"', (REPO / "deploy/ci/containers-env.sh").read_text()
    )
    assert prefix, "deploy/ci/containers-env.sh no longer sets a default IMAGE_PREFIX"
    names = re.findall(r"^build (\S+) \S+$", (REPO / "deploy/ci/build-images.sh").read_text(), re.MULTILINE)
    return frozenset(f"{prefix.group(1)}-{name}" for name in names)


@cache
def documented_images() -> dict[str, str]:
    """Workload name -> image name, from docs/deployment.md "Images" (`Deployment `x``/`Job `x`` column)."""
    images = {}
    for row in table("deployment.md", "Images").rows:
        images[codes(row[2])[0]] = codes(row[0])[0]
    return images


@cache
def documented_workloads() -> list[dict[str, str]]:
    """The "Labels and objects" rows: kind, name, name label, component label, ServiceAccount."""
    rows = []
    for row in table("deployment.md", "Labels and objects").rows:
        kind = row[1].split()[0]
        rows.append(
            {
                "kind": kind,
                "name": codes(row[1])[0],
                "label_name": codes(row[2])[0],
                "component": codes(row[3])[0],
                "service_account": codes(row[4])[0],
            }
        )
    return rows


@cache
def documented_services() -> dict[str, dict[str, Any]]:
    """Service name (first label of the in-cluster address) -> namespace, port and the laptop column's codes."""
    services = {}
    for row in table("deployment.md", "Services and ports").rows:
        address = codes(row[2])
        if not address:
            continue
        name = address[0].split(".")[0]
        services[name] = {"namespace": codes(row[1])[0], "address": address[0], "port": int(row[3]), "laptop": row[4]}
    return services


@cache
def documented_scrape_annotations() -> dict[str, str]:
    text = (REPO / "docs/deployment.md").read_text(encoding="utf-8")
    return dict(re.findall(r"`(prometheus\.io/\w+): \"?([^`\"]+)\"?`", text))


@cache
def documented_vault() -> dict[str, str]:
    return {row[0]: row[1] for row in table("deployment.md", "Vault").rows}


def package_version() -> str:
    return json.loads((REPO / "package.json").read_text(encoding="utf-8"))["version"]


@cache
def _rendered(directory: str) -> tuple[Obj, ...]:
    return tuple(kustomize_build(directory))


def rendered(directory: str = OVERLAY) -> list[Obj]:
    """A fresh deep copy each time, so a mutation never leaks into another test."""
    return copy.deepcopy(list(_rendered(directory)))


# ---------------------------------------------------------------- reading rendered objects


def find(objs: list[Obj], kind: str, name: str) -> Obj:
    for obj in objs:
        if obj.get("kind") == kind and obj.get("metadata", {}).get("name") == name:
            return obj
    raise LookupError(f"no {kind} {name}")


def pod_template(workload: Obj) -> Obj:
    """The pod template of a Deployment, Job or CronJob."""
    if workload["kind"] == "CronJob":
        return workload["spec"]["jobTemplate"]["spec"]["template"]
    return workload["spec"]["template"]


def workload_of(objs: list[Obj], name: str) -> Obj:
    """The object that runs a documented workload: the Deployment, or for the Job `trainer` its CronJob template."""
    for obj in objs:
        if obj["metadata"]["name"] == name and obj["kind"] in ("Deployment", "Job", "CronJob"):
            return obj
    raise LookupError(f"no workload {name}")


def container(objs: list[Obj], name: str) -> Obj:
    return pod_template(workload_of(objs, name))["spec"]["containers"][0]


def configmap_env(objs: list[Obj], ctr: Obj) -> dict[str, str]:
    """What the container sees: envFrom ConfigMaps, then literal env values (configMapKeyRef resolved)."""
    env: dict[str, str] = {}
    for source in ctr.get("envFrom", []):
        env.update(find(objs, "ConfigMap", source["configMapRef"]["name"]).get("data", {}))
    for item in ctr.get("env", []):
        if "value" in item:
            env[item["name"]] = item["value"]
        elif "configMapKeyRef" in item.get("valueFrom", {}):
            ref = item["valueFrom"]["configMapKeyRef"]
            env[item["name"]] = find(objs, "ConfigMap", ref["name"]).get("data", {}).get(ref["key"], "")
    return env


def env_names(ctr: Obj, objs: list[Obj]) -> set[str]:
    return set(configmap_env(objs, ctr)) | {item["name"] for item in ctr.get("env", [])}


def container_port(ctr: Obj, port: int | str) -> int | None:
    if isinstance(port, int):
        return port
    return next((p["containerPort"] for p in ctr.get("ports", []) if p.get("name") == port), None)


def covered(path: str, mounts: list[Obj]) -> bool:
    return any(PurePosixPath(path).is_relative_to(mount["mountPath"]) for mount in mounts)


def workloads(objs: list[Obj]) -> Iterator[Obj]:
    return (obj for obj in objs if obj["kind"] in ("Deployment", "Job", "CronJob"))


# ---------------------------------------------------------------- policies (each returns its violations)

Policy = Callable[[list[Obj]], list[str]]


def object_labels(objs: list[Obj]) -> list[str]:
    """Every object: part-of, the namespace of docs/deployment.md, the name/component pair of a documented workload."""
    problems = []
    namespaces = codes(table("deployment.md", "Namespaces").rows[0][0])
    pairs = {(row["label_name"], row["component"]) for row in documented_workloads()}
    for obj in objs:
        meta, kind = obj["metadata"], obj["kind"]
        labels = meta.get("labels", {})
        if labels.get("app.kubernetes.io/part-of") != "spam-classifier":
            problems.append(f"{kind} {meta['name']} lacks app.kubernetes.io/part-of: spam-classifier")
        if kind == "Namespace":
            continue
        if meta.get("namespace") not in namespaces:
            problems.append(f"{kind} {meta['name']} is in namespace {meta.get('namespace')}, not {namespaces}")
        pair = (labels.get("app.kubernetes.io/name"), labels.get("app.kubernetes.io/component"))
        if pair not in pairs:
            problems.append(f"{kind} {meta['name']} has name/component labels {pair} of no documented workload")
    return problems


def names_and_labels(objs: list[Obj]) -> list[str]:
    """docs/deployment.md "Labels and objects": names, labels, ServiceAccounts; selectors on name + component."""
    problems = object_labels(objs)
    for row in documented_workloads():
        wanted = {"app.kubernetes.io/name": row["label_name"], "app.kubernetes.io/component": row["component"]}
        try:
            workload = workload_of(objs, row["name"])
        except LookupError:
            problems.append(f"{row['kind']} {row['name']} (docs/deployment.md) is not rendered")
            continue
        template = pod_template(workload)
        for where, labels in (
            ("metadata", workload["metadata"].get("labels", {})),
            ("pods", template["metadata"]["labels"]),
        ):
            if {k: labels.get(k) for k in wanted} != wanted:
                problems.append(f"{row['name']} {where} labels {labels} do not carry {wanted}")
        selector = workload["spec"].get("selector", {}).get("matchLabels")
        if workload["kind"] == "Deployment" and selector != wanted:
            problems.append(f"Deployment {row['name']} selector {selector} is not exactly {wanted}")
        if template["spec"].get("serviceAccountName") != row["service_account"]:
            problems.append(f"{row['name']} runs as ServiceAccount {template['spec'].get('serviceAccountName')}")
        try:
            find(objs, "ServiceAccount", row["service_account"])
        except LookupError:
            problems.append(f"ServiceAccount {row['service_account']} is not rendered")
    for service in (obj for obj in objs if obj["kind"] == "Service"):
        row = next((r for r in documented_workloads() if r["name"] == service["metadata"]["name"]), None)
        if row and service["spec"]["selector"] != {
            "app.kubernetes.io/name": row["label_name"],
            "app.kubernetes.io/component": row["component"],
        }:
            problems.append(f"Service {row['name']} selector {service['spec']['selector']} is not name + component")
    return problems


def services_and_ports(objs: list[Obj]) -> list[str]:
    """Service ports of docs/deployment.md, container port = PORT default = the image's EXPOSE, exposure."""
    problems = []
    documented = documented_services()
    for name in (SERVICE, MLFLOW):
        service = find(objs, "Service", name)
        port = service["spec"]["ports"][0]
        if port["port"] != documented[name]["port"]:
            problems.append(f"Service {name} port {port['port']} != {documented[name]['port']} (docs/deployment.md)")
        ctr = container(objs, name)
        if container_port(ctr, port["targetPort"]) != documented[name]["port"]:
            problems.append(f"Service {name} targetPort {port['targetPort']} is not the container's port")
    ctr = container(objs, SERVICE)
    port_default = int(documented_settings()["PORT"])
    if [p["containerPort"] for p in ctr["ports"]] != [port_default]:
        problems.append(f"container ports {ctr['ports']} != PORT default {port_default} (docs/configuration.md)")
    if "PORT" in configmap_env(objs, ctr):
        problems.append("PORT is overridden: the container port and the probes assume the default")
    if port_default not in dockerfile("Dockerfile").exposed or dockerfile("Dockerfile").env.get("PORT") != str(
        port_default
    ):
        problems.append("the image's EXPOSE/ENV PORT differ from docs/configuration.md")
    laptop = documented[SERVICE]["laptop"]
    node_port = int(re.search(r"NodePort `(\d+)`", laptop).group(1))  # type: ignore[union-attr]
    service = find(objs, "Service", SERVICE)
    if service["spec"].get("type") != "NodePort" or service["spec"]["ports"][0].get("nodePort") != node_port:
        problems.append(f"Service {SERVICE} is not NodePort {node_port} (docs/deployment.md)")
    host = re.search(r"ingress host `([^`]+)`", laptop).group(1)  # type: ignore[union-attr]
    ingresses = [obj for obj in objs if obj["kind"] == "Ingress"]
    backends = [
        (rule.get("host"), path["backend"]["service"]["name"], path["backend"]["service"]["port"].get("number"))
        for ingress in ingresses
        for rule in ingress["spec"]["rules"]
        for path in rule["http"]["paths"]
    ]
    if (host, SERVICE, documented[SERVICE]["port"]) not in backends:
        problems.append(f"no Ingress rule {host} -> {SERVICE}:{documented[SERVICE]['port']}: {backends}")
    return problems


def probes_are_served_routes(objs: list[Obj]) -> list[str]:
    """Readiness /health/ready, liveness and start-up /health/live (never MLflow-dependent), all served by src/."""
    problems = []
    routes = service_get_routes()
    ctr = container(objs, SERVICE)
    expected = {"readinessProbe": "/health/ready", "livenessProbe": "/health/live", "startupProbe": "/health/live"}
    for probe, path in expected.items():
        get = ctr.get(probe, {}).get("httpGet")
        if not get:
            problems.append(f"the service has no {probe} httpGet")
            continue
        if get["path"] != path:
            problems.append(f"{probe} is on {get['path']}, expected {path}")
        if get["path"] not in routes:
            problems.append(f"{probe} path {get['path']} is not a GET route of src/ ({sorted(routes)})")
        if container_port(ctr, get["port"]) != int(documented_settings()["PORT"]):
            problems.append(f"{probe} port {get['port']} is not the container port")
    annotations = pod_template(workload_of(objs, SERVICE))["metadata"].get("annotations", {})
    documented = documented_scrape_annotations()
    if {k: annotations.get(k) for k in documented} != documented:
        problems.append(f"scrape annotations {annotations} != {documented} (docs/deployment.md)")
    if annotations.get("prometheus.io/path") not in routes:
        problems.append(f"prometheus.io/path {annotations.get('prometheus.io/path')} is not a GET route of src/")
    if annotations.get("prometheus.io/port") != str(int(documented_settings()["PORT"])):
        problems.append("prometheus.io/port is not the container port")
    return problems


def env_documented_and_required(objs: list[Obj]) -> list[str]:
    """Every setting docs/configuration.md names; MLflow, drain and Vault settings as docs/deployment.md needs them."""
    problems = []
    ctr = container(objs, SERVICE)
    env = configmap_env(objs, ctr)
    undocumented = env_names(ctr, objs) - set(documented_settings())
    if undocumented:
        problems.append(f"settings not in docs/configuration.md: {sorted(undocumented)}")
    if not env.get("MODEL_SOURCE", "mlflow").startswith("file:"):
        uri = urlsplit(env.get("MLFLOW_TRACKING_URI", ""))
        if uri.scheme not in ("http", "https") or not uri.hostname:
            problems.append(f"MLFLOW_TRACKING_URI {env.get('MLFLOW_TRACKING_URI')!r} is required and must be http(s)")
    if float(env.get("SHUTDOWN_DELAY_SECONDS", documented_settings()["SHUTDOWN_DELAY_SECONDS"])) < 1:
        problems.append("SHUTDOWN_DELAY_SECONDS must be >= 1 in Kubernetes: endpoints need time to drop the pod")
    vault_service = documented_services()["vault"]
    vault = urlsplit(env.get("VAULT_ADDR", ""))
    if (vault.hostname, vault.port) != (vault_service["address"], vault_service["port"]):
        problems.append(
            f"VAULT_ADDR {env.get('VAULT_ADDR')!r} is not {vault_service['address']}:{vault_service['port']}"
        )
    vault_doc = documented_vault()
    role_row = vault_doc["Kubernetes auth role"]
    role, bound_account, bound_namespace = codes(role_row)[:3]
    if env.get("VAULT_AUTH_METHOD") != "kubernetes" or env.get("VAULT_K8S_ROLE") != role:
        problems.append(
            f"Vault auth is not kubernetes with role {role}: "
            f"{env.get('VAULT_AUTH_METHOD')}, {env.get('VAULT_K8S_ROLE')}"
        )
    mount = codes(vault_doc["Kubernetes auth mount"])[0]
    if env.get("VAULT_K8S_MOUNT", documented_settings()["VAULT_K8S_MOUNT"]) != mount:
        problems.append(f"VAULT_K8S_MOUNT is not {mount}")
    spec = pod_template(workload_of(objs, SERVICE))["spec"]
    if (spec.get("serviceAccountName"), workload_of(objs, SERVICE)["metadata"].get("namespace")) != (
        bound_account,
        bound_namespace,
    ):
        problems.append(
            f"the service's ServiceAccount is not {bound_namespace}/{bound_account}, the one Vault's role binds"
        )
    if spec.get("automountServiceAccountToken") is False:
        problems.append("the service needs its ServiceAccount token for Vault's Kubernetes auth")
    return problems


def security_context(objs: list[Obj]) -> list[str]:
    """Non-root with the image's numeric USER, no privilege escalation, read-only root, no capabilities, seccomp."""
    problems = []
    for path, name in DOCKERFILES.items():
        spec = pod_template(workload_of(objs, name))["spec"]
        pod = spec.get("securityContext", {})
        uid, _, gid = dockerfile(path).user.partition(":")
        if pod.get("runAsNonRoot") is not True:
            problems.append(f"{name}: runAsNonRoot is not true")
        if str(pod.get("runAsUser")) != uid or (gid and str(pod.get("runAsGroup")) != gid):
            problems.append(
                f"{name}: runAsUser/Group {pod.get('runAsUser')}/{pod.get('runAsGroup')} "
                f"!= {path} USER {dockerfile(path).user}"
            )
        if pod.get("seccompProfile", {}).get("type") != "RuntimeDefault":
            problems.append(f"{name}: seccompProfile is not RuntimeDefault")
        for ctr in spec["containers"]:
            sc = ctr.get("securityContext", {})
            if sc.get("allowPrivilegeEscalation") is not False:
                problems.append(f"{name}: allowPrivilegeEscalation is not false")
            if sc.get("readOnlyRootFilesystem") is not True:
                problems.append(f"{name}: readOnlyRootFilesystem is not true")
            if sc.get("capabilities", {}).get("drop") != ["ALL"]:
                problems.append(f"{name}: capabilities are not all dropped")
            if sc.get("privileged") or sc.get("runAsUser") not in (None, pod.get("runAsUser")):
                problems.append(f"{name}: the container overrides the pod's identity")
    return problems


def writable_paths_mounted(objs: list[Obj]) -> list[str]:
    """With a read-only root, everything a container writes is a volume: MODEL_CACHE_DIR, the image's VOLUMEs, /tmp."""
    problems = []
    ctr = container(objs, SERVICE)
    cache_dir = configmap_env(objs, ctr).get("MODEL_CACHE_DIR") or dockerfile("Dockerfile").env["MODEL_CACHE_DIR"]
    needed = {
        SERVICE: [cache_dir, "/tmp"],
        MLFLOW: [*dockerfile("mlflow/Dockerfile").volumes, "/tmp"],
        TRAINER: ["/tmp"],
    }
    for name, paths in needed.items():
        spec = pod_template(workload_of(objs, name))["spec"]
        mounts = spec["containers"][0].get("volumeMounts", [])
        volumes = {volume["name"]: volume for volume in spec.get("volumes", [])}
        for path in paths:
            if not covered(path, mounts):
                problems.append(f"{name}: {path} is written but not on a volume")
        for mount in mounts:
            if mount["name"] not in volumes:
                problems.append(f"{name}: mount {mount['name']} has no volume")
    spec = pod_template(workload_of(objs, MLFLOW))["spec"]
    mlflow_uid = dockerfile("mlflow/Dockerfile").user.partition(":")[0]
    if str(spec.get("securityContext", {}).get("fsGroup")) != mlflow_uid:
        problems.append(f"{MLFLOW}: fsGroup is not {mlflow_uid}, its volumes would not be writable")
    for mount in spec["containers"][0]["volumeMounts"]:
        if mount["mountPath"] in dockerfile("mlflow/Dockerfile").volumes:
            claim = next(v for v in spec["volumes"] if v["name"] == mount["name"]).get("persistentVolumeClaim", {})
            try:
                find(objs, "PersistentVolumeClaim", claim.get("claimName", ""))
            except LookupError:
                problems.append(f"{MLFLOW}: {mount['mountPath']} is not on a rendered PersistentVolumeClaim")
    return problems


def images(objs: list[Obj]) -> list[str]:
    """Base: the image names `make images` builds, no registry, no tag. Overlay: one `images:` entry per image."""
    problems = []
    base = list(_rendered(BASE))
    documented = documented_images()
    if set(documented.values()) != built_image_names():
        problems.append(
            f"docs/deployment.md images {sorted(documented.values())} != built {sorted(built_image_names())}"
        )
    for name, image in documented.items():
        base_image = container(base, name)["image"]
        if base_image != image:
            problems.append(f"base {name} image {base_image!r} is not {image!r} (no registry, no tag)")
        overlay_image = container(objs, name)["image"]
        repository, _, tag = overlay_image.rpartition(":")
        if not repository.endswith("/" + image) or tag in ("", "latest"):
            problems.append(f"overlay {name} image {overlay_image!r} is not <registry>/<user>/{image}:<tag>")
    overlay = yaml.safe_load((REPO / OVERLAY / "kustomization.yaml").read_text(encoding="utf-8"))
    entries = {entry["name"]: entry for entry in overlay.get("images", [])}
    if set(entries) != built_image_names():
        problems.append(f"{OVERLAY} images: lists {sorted(entries)}, expected {sorted(built_image_names())}")
    tags = {str(entry.get("newTag")) for entry in entries.values()}
    if len(tags) != 1:
        problems.append(f"{OVERLAY} images: have different tags {tags}: make images tags all three alike")
    return problems


def rolling_update(objs: list[Obj]) -> list[str]:
    """Surge one, never below the wanted count, a settle time, a drain that fits the grace period, HPA owns replicas."""
    problems = []
    deployment = workload_of(objs, SERVICE)
    spec = deployment["spec"]
    rolling = spec.get("strategy", {}).get("rollingUpdate", {})
    if (
        spec.get("strategy", {}).get("type") != "RollingUpdate"
        or rolling.get("maxUnavailable") != 0
        or rolling.get("maxSurge") != 1
    ):
        problems.append(f"strategy {spec.get('strategy')} is not RollingUpdate maxUnavailable 0, maxSurge 1")
    if spec.get("minReadySeconds", 0) < 1:
        problems.append(
            "minReadySeconds is not set: a pod that turns unready right after start would count as available"
        )
    if "replicas" in spec:
        problems.append("the Deployment sets replicas: every kubectl apply would undo the HPA's scaling")
    delay = float(configmap_env(objs, container(objs, SERVICE)).get("SHUTDOWN_DELAY_SECONDS", "0"))
    grace = spec["template"]["spec"].get("terminationGracePeriodSeconds", 30)
    if grace < delay + 10:
        problems.append(f"terminationGracePeriodSeconds {grace} leaves < 10 s after the {delay} s drain delay")
    return problems


def autoscaling_and_budget(objs: list[Obj]) -> list[str]:
    """HPA autoscaling/v2 on CPU for the Deployment (min 2, scale-down stabilised); PDB selects the same pods."""
    problems = []
    deployment = workload_of(objs, SERVICE)
    pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
    hpa = find(objs, "HorizontalPodAutoscaler", SERVICE)
    if hpa["apiVersion"] != "autoscaling/v2":
        problems.append(f"HPA is {hpa['apiVersion']}")
    target = hpa["spec"]["scaleTargetRef"]
    if (target["apiVersion"], target["kind"], target["name"]) != ("apps/v1", "Deployment", SERVICE):
        problems.append(f"HPA targets {target}, not Deployment {SERVICE}")
    if hpa["spec"].get("minReplicas", 1) < 2 or hpa["spec"]["maxReplicas"] < hpa["spec"].get("minReplicas", 1):
        problems.append(f"HPA min/max {hpa['spec'].get('minReplicas')}/{hpa['spec']['maxReplicas']}: min must be >= 2")
    metrics = [(m["type"], m.get("resource", {}).get("name")) for m in hpa["spec"].get("metrics", [])]
    if ("Resource", "cpu") not in metrics:
        problems.append(f"HPA does not scale on CPU: {metrics}")
    if "cpu" not in container(objs, SERVICE).get("resources", {}).get("requests", {}):
        problems.append("no CPU request: the HPA's utilisation has nothing to refer to")
    if hpa["spec"].get("behavior", {}).get("scaleDown", {}).get("stabilizationWindowSeconds") is None:
        problems.append("HPA has no scale-down stabilisation window")
    pdb = find(objs, "PodDisruptionBudget", SERVICE)
    selector = pdb["spec"]["selector"]["matchLabels"]
    if selector != deployment["spec"]["selector"]["matchLabels"] or any(
        pod_labels.get(k) != v for k, v in selector.items()
    ):
        problems.append(f"PDB selects {selector}, not the Deployment's pods")
    if pdb["spec"].get("maxUnavailable") != 1 and pdb["spec"].get("minAvailable") != 1:
        problems.append("PDB must keep one pod (maxUnavailable: 1 or minAvailable: 1) and let drains proceed")
    return problems


def resources(objs: list[Obj]) -> list[str]:
    """Every container requests CPU and memory and has a memory limit at least its request."""
    problems = []
    units = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30}

    def size(quantity: str) -> float:
        return float(quantity[:-2]) * units[quantity[-2:]] if quantity[-2:] in units else float(quantity)

    for workload in workloads(objs):
        for ctr in pod_template(workload)["spec"]["containers"]:
            res = ctr.get("resources", {})
            requests, limits = res.get("requests", {}), res.get("limits", {})
            if not {"cpu", "memory"} <= set(requests) or "memory" not in limits:
                problems.append(f"{workload['metadata']['name']}: requests {requests} / limits {limits} incomplete")
            elif size(limits["memory"]) < size(requests["memory"]):
                problems.append(f"{workload['metadata']['name']}: memory limit below its request")
    return problems


def mlflow_registry(objs: list[Obj]) -> list[str]:
    """One MLflow writer (Recreate), probed on /health, reachable at the address the service and trainer use."""
    problems = []
    deployment = workload_of(objs, MLFLOW)
    if deployment["spec"].get("replicas") != 1 or deployment["spec"].get("strategy", {}).get("type") != "Recreate":
        problems.append("MLflow must be 1 replica with strategy Recreate (sqlite, ReadWriteOnce volumes)")
    ctr = container(objs, MLFLOW)
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        if ctr.get(probe, {}).get("httpGet", {}).get("path") != "/health":
            problems.append(f"MLflow {probe} is not on /health (the one path exempt from its Host check)")
    uri = urlsplit(configmap_env(objs, container(objs, SERVICE))["MLFLOW_TRACKING_URI"])
    host = uri.hostname or ""
    service_name = host.split(".")[0]
    try:
        service = find(objs, "Service", service_name)
        if uri.port != service["spec"]["ports"][0]["port"]:
            problems.append(f"MLFLOW_TRACKING_URI port {uri.port} is not Service {service_name}'s port")
        if service["spec"]["selector"] != deployment["spec"]["selector"]["matchLabels"]:
            problems.append(f"Service {service_name} does not select the MLflow pods")
    except LookupError:
        problems.append(f"MLFLOW_TRACKING_URI names {host}, which is no Service of this namespace")
    allowed = next((e["value"] for e in ctr.get("env", []) if e["name"] == "MLFLOW_SERVER_ALLOWED_HOSTS"), None)
    allowed = allowed or dockerfile("mlflow/Dockerfile").env["MLFLOW_SERVER_ALLOWED_HOSTS"]
    for client_uri in (uri, urlsplit(configmap_env(objs, container(objs, TRAINER))["MLFLOW_TRACKING_URI"])):
        host_header = client_uri.netloc
        if not any(fnmatch.fnmatchcase(host_header, pattern) for pattern in allowed.split(",")):
            problems.append(f"MLflow's allowed hosts {allowed!r} reject Host {host_header!r}")
    return problems


def mlflow_network_policy(objs: list[Obj]) -> list[str]:
    """MLflow has no authentication: only the service's and the trainer's pods may reach it."""
    problems = []
    deployment = workload_of(objs, MLFLOW)
    policy = find(objs, "NetworkPolicy", MLFLOW)
    if policy["spec"]["podSelector"]["matchLabels"] != deployment["spec"]["selector"]["matchLabels"]:
        problems.append("the NetworkPolicy does not select the MLflow pods")
    peers: list[dict[str, str]] = []
    for rule in policy["spec"].get("ingress", []):
        if not rule.get("from"):
            problems.append("a NetworkPolicy rule without `from` admits every pod")
        for peer in rule.get("from", []):
            labels = peer.get("podSelector", {}).get("matchLabels", {})
            if set(peer) != {"podSelector"} or set(peer["podSelector"]) != {"matchLabels"} or not labels:
                problems.append(f"NetworkPolicy peer {peer} admits more than one workload's pods")
            peers.append(labels)
    client_labels = {name: pod_template(workload_of(objs, name))["metadata"]["labels"] for name in (SERVICE, TRAINER)}

    def admits(peer: dict[str, str], labels: dict[str, str]) -> bool:
        return bool(peer) and all(labels.get(k) == v for k, v in peer.items())

    for name, labels in client_labels.items():
        if not any(admits(peer, labels) for peer in peers):
            problems.append(f"the NetworkPolicy blocks {name}")
    for peer in peers:
        if not any(admits(peer, labels) for labels in client_labels.values()):
            problems.append(f"the NetworkPolicy admits {peer}, which is neither the service nor the trainer")
    return problems


def trainer_template(objs: list[Obj]) -> list[str]:
    """The trainer Job comes from a suspended CronJob (never re-run by apply), is cleaned up, uses the same MLflow."""
    problems = []
    cronjob = workload_of(objs, TRAINER)
    if cronjob["kind"] != "CronJob" or cronjob["spec"].get("suspend") is not True:
        problems.append("the trainer must be a suspended CronJob: a Job would re-train on every kubectl apply")
        return problems
    job = cronjob["spec"]["jobTemplate"]["spec"]
    if not job.get("ttlSecondsAfterFinished") or job.get("backoffLimit", 6) < 1:
        problems.append("the trainer Job needs ttlSecondsAfterFinished and retries (MLflow may still be starting)")
    if job["template"]["spec"].get("restartPolicy") != "Never":
        problems.append("the trainer's restartPolicy is not Never")
    service_config = container(objs, SERVICE)["envFrom"][0]["configMapRef"]["name"]
    refs = [
        e["valueFrom"]["configMapKeyRef"]
        for e in container(objs, TRAINER).get("env", [])
        if "configMapKeyRef" in e.get("valueFrom", {})
    ]
    if {"name": service_config, "key": "MLFLOW_TRACKING_URI"} not in refs:
        problems.append("the trainer's MLFLOW_TRACKING_URI does not come from the service's ConfigMap")
    return problems


def version_label(objs: list[Obj]) -> list[str]:
    """app.kubernetes.io/version on the workloads and their pods is the release in package.json."""
    problems = []
    for workload in workloads(objs):
        for where, meta in (("metadata", workload["metadata"]), ("pods", pod_template(workload)["metadata"])):
            version = meta.get("labels", {}).get("app.kubernetes.io/version")
            if version != package_version():
                problems.append(
                    f"{workload['metadata']['name']} {where}: "
                    f"app.kubernetes.io/version {version} != {package_version()}"
                )
    return problems


POLICIES: list[Policy] = [
    names_and_labels,
    services_and_ports,
    probes_are_served_routes,
    env_documented_and_required,
    security_context,
    writable_paths_mounted,
    images,
    rolling_update,
    autoscaling_and_budget,
    resources,
    mlflow_registry,
    mlflow_network_policy,
    trainer_template,
    version_label,
]


# ---------------------------------------------------------------- mutations: each must be reported by its policy


def _set(path: str, value: Any) -> Callable[[Obj], None]:
    """Set (or with value None delete) a dotted path; `containers.0` indexes lists."""

    def apply(obj: Obj) -> None:
        *parents, last = path.split(".")
        node: Any = obj
        for key in parents:
            node = node[int(key)] if isinstance(node, list) else node.setdefault(key, {})
        if value is None:
            node.pop(last, None)
        elif isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value

    return apply


def on(kind: str, name: str, *changes: Callable[[Obj], None]) -> Callable[[list[Obj]], None]:
    def mutate(objs: list[Obj]) -> None:
        target = find(objs, kind, name) if kind != "ConfigMap" else next(o for o in objs if o["kind"] == "ConfigMap")
        for change in changes:
            change(target)

    return mutate


APP_POD = "spec.template.spec"
APP_CTR = "spec.template.spec.containers.0"
TRAINER_POD = "spec.jobTemplate.spec.template.spec"
MUTATIONS: list[tuple[str, Policy, Callable[[list[Obj]], None]]] = [
    (
        "selector-with-version",
        names_and_labels,
        on(
            "Deployment",
            SERVICE,
            lambda o: o["spec"]["selector"]["matchLabels"].update({"app.kubernetes.io/version": "1"}),
        ),
    ),
    (
        "wrong-component",
        names_and_labels,
        on(
            "Deployment",
            MLFLOW,
            lambda o: o["spec"]["template"]["metadata"]["labels"].update({"app.kubernetes.io/component": "server"}),
        ),
    ),
    (
        "no-part-of",
        names_and_labels,
        on("Service", MLFLOW, lambda o: o["metadata"]["labels"].pop("app.kubernetes.io/part-of")),
    ),
    (
        "wrong-serviceaccount",
        names_and_labels,
        on("CronJob", TRAINER, _set(f"{TRAINER_POD}.serviceAccountName", "default")),
    ),
    (
        "configmap-unlabelled",
        names_and_labels,
        on("ConfigMap", "", lambda o: o["metadata"]["labels"].pop("app.kubernetes.io/component")),
    ),
    ("wrong-namespace", names_and_labels, on("Service", SERVICE, _set("metadata.namespace", "default"))),
    ("service-port", services_and_ports, on("Service", SERVICE, _set("spec.ports.0.port", 80))),
    ("container-port", services_and_ports, on("Deployment", SERVICE, _set(f"{APP_CTR}.ports.0.containerPort", 8080))),
    ("mlflow-port", services_and_ports, on("Service", MLFLOW, _set("spec.ports.0.port", 5001))),
    ("nodeport", services_and_ports, on("Service", SERVICE, _set("spec.ports.0.nodePort", 30081))),
    ("ingress-host", services_and_ports, on("Ingress", SERVICE, _set("spec.rules.0.host", "spam.local"))),
    (
        "readiness-path",
        probes_are_served_routes,
        on("Deployment", SERVICE, _set(f"{APP_CTR}.readinessProbe.httpGet.path", "/healthz")),
    ),
    (
        "liveness-on-ready",
        probes_are_served_routes,
        on("Deployment", SERVICE, _set(f"{APP_CTR}.livenessProbe.httpGet.path", "/health/ready")),
    ),
    ("no-startup-probe", probes_are_served_routes, on("Deployment", SERVICE, _set(f"{APP_CTR}.startupProbe", None))),
    (
        "probe-port",
        probes_are_served_routes,
        on("Deployment", SERVICE, _set(f"{APP_CTR}.readinessProbe.httpGet.port", 8080)),
    ),
    (
        "scrape-path",
        probes_are_served_routes,
        on(
            "Deployment",
            SERVICE,
            lambda o: o["spec"]["template"]["metadata"]["annotations"].update({"prometheus.io/path": "/prometheus"}),
        ),
    ),
    (
        "undocumented-env",
        env_documented_and_required,
        on("ConfigMap", "", lambda o: o["data"].update({"MLFLOW_URL": "http://mlflow:5000"})),
    ),
    (
        "no-tracking-uri",
        env_documented_and_required,
        on("ConfigMap", "", lambda o: o["data"].pop("MLFLOW_TRACKING_URI")),
    ),
    (
        "no-drain-delay",
        env_documented_and_required,
        on("ConfigMap", "", lambda o: o["data"].update({"SHUTDOWN_DELAY_SECONDS": "0"})),
    ),
    (
        "vault-role",
        env_documented_and_required,
        on("ConfigMap", "", lambda o: o["data"].update({"VAULT_K8S_ROLE": "app"})),
    ),
    (
        "vault-addr",
        env_documented_and_required,
        on("ConfigMap", "", lambda o: o["data"].update({"VAULT_ADDR": "http://vault:8200"})),
    ),
    (
        "no-sa-token",
        env_documented_and_required,
        on("Deployment", SERVICE, _set(f"{APP_POD}.automountServiceAccountToken", False)),
    ),
    ("run-as-root-uid", security_context, on("Deployment", SERVICE, _set(f"{APP_POD}.securityContext.runAsUser", 0))),
    (
        "mlflow-uid",
        security_context,
        on("Deployment", MLFLOW, _set("spec.template.spec.securityContext.runAsUser", 1000)),
    ),
    (
        "writable-root",
        security_context,
        on("Deployment", SERVICE, _set(f"{APP_CTR}.securityContext.readOnlyRootFilesystem", False)),
    ),
    (
        "escalation",
        security_context,
        on("CronJob", TRAINER, _set(f"{TRAINER_POD}.containers.0.securityContext.allowPrivilegeEscalation", True)),
    ),
    (
        "capabilities",
        security_context,
        on(
            "Deployment", MLFLOW, _set("spec.template.spec.containers.0.securityContext.capabilities.drop", ["NET_RAW"])
        ),
    ),
    (
        "no-seccomp",
        security_context,
        on("Deployment", SERVICE, _set(f"{APP_POD}.securityContext.seccompProfile", None)),
    ),
    (
        "cache-dir-elsewhere",
        writable_paths_mounted,
        on("ConfigMap", "", lambda o: o["data"].update({"MODEL_CACHE_DIR": "/var/lib/spam"})),
    ),
    (
        "no-tmp",
        writable_paths_mounted,
        on("Deployment", SERVICE, lambda o: o["spec"]["template"]["spec"]["containers"][0]["volumeMounts"].pop()),
    ),
    (
        "mlflow-no-fsgroup",
        writable_paths_mounted,
        on("Deployment", MLFLOW, _set("spec.template.spec.securityContext.fsGroup", None)),
    ),
    (
        "mlflow-db-unmounted",
        writable_paths_mounted,
        on("Deployment", MLFLOW, _set("spec.template.spec.containers.0.volumeMounts.0.mountPath", "/data")),
    ),
    (
        "image-latest",
        images,
        on("Deployment", SERVICE, _set(f"{APP_CTR}.image", "docker.io/your-dockerhub-user/spam-classifier-app:latest")),
    ),
    (
        "image-renamed",
        images,
        on("CronJob", TRAINER, _set(f"{TRAINER_POD}.containers.0.image", "docker.io/u/spam-trainer:1.0.0-abc")),
    ),
    (
        "max-unavailable",
        rolling_update,
        on("Deployment", SERVICE, _set("spec.strategy.rollingUpdate.maxUnavailable", 1)),
    ),
    ("no-min-ready", rolling_update, on("Deployment", SERVICE, _set("spec.minReadySeconds", None))),
    ("fixed-replicas", rolling_update, on("Deployment", SERVICE, _set("spec.replicas", 2))),
    ("short-grace", rolling_update, on("Deployment", SERVICE, _set(f"{APP_POD}.terminationGracePeriodSeconds", 6))),
    ("hpa-min-1", autoscaling_and_budget, on("HorizontalPodAutoscaler", SERVICE, _set("spec.minReplicas", 1))),
    (
        "hpa-target",
        autoscaling_and_budget,
        on("HorizontalPodAutoscaler", SERVICE, _set("spec.scaleTargetRef.name", MLFLOW)),
    ),
    (
        "hpa-memory",
        autoscaling_and_budget,
        on("HorizontalPodAutoscaler", SERVICE, _set("spec.metrics.0.resource.name", "memory")),
    ),
    (
        "hpa-no-stabilisation",
        autoscaling_and_budget,
        on("HorizontalPodAutoscaler", SERVICE, _set("spec.behavior", None)),
    ),
    (
        "pdb-selector",
        autoscaling_and_budget,
        on(
            "PodDisruptionBudget",
            SERVICE,
            _set("spec.selector.matchLabels", {"app.kubernetes.io/name": "spam-classifier"}),
        ),
    ),
    ("no-cpu-request", resources, on("Deployment", SERVICE, _set(f"{APP_CTR}.resources.requests.cpu", None))),
    (
        "no-memory-limit",
        resources,
        on("Deployment", MLFLOW, _set("spec.template.spec.containers.0.resources.limits", None)),
    ),
    ("mlflow-rolling", mlflow_registry, on("Deployment", MLFLOW, _set("spec.strategy.type", "RollingUpdate"))),
    (
        "mlflow-host-rejected",
        mlflow_registry,
        on(
            "Deployment",
            MLFLOW,
            _set(
                "spec.template.spec.containers.0.env",
                [
                    {
                        "name": "MLFLOW_SERVER_ALLOWED_HOSTS",
                        "value": "localhost,mlflow.spam-classifier.svc.cluster.local",
                    }
                ],
            ),
        ),
    ),
    (
        "tracking-uri-other-service",
        mlflow_registry,
        on("ConfigMap", "", lambda o: o["data"].update({"MLFLOW_TRACKING_URI": "http://registry:5000"})),
    ),
    (
        "netpol-open",
        mlflow_network_policy,
        on("NetworkPolicy", MLFLOW, lambda o: o["spec"]["ingress"][0]["from"].append({"podSelector": {}})),
    ),
    (
        "netpol-blocks-trainer",
        mlflow_network_policy,
        on("NetworkPolicy", MLFLOW, lambda o: o["spec"]["ingress"][0]["from"].pop()),
    ),
    ("trainer-not-suspended", trainer_template, on("CronJob", TRAINER, _set("spec.suspend", False))),
    (
        "trainer-no-ttl",
        trainer_template,
        on("CronJob", TRAINER, _set("spec.jobTemplate.spec.ttlSecondsAfterFinished", None)),
    ),
    (
        "trainer-own-uri",
        trainer_template,
        on(
            "CronJob",
            TRAINER,
            _set(f"{TRAINER_POD}.containers.0.env", [{"name": "MLFLOW_TRACKING_URI", "value": "http://mlflow:5000"}]),
        ),
    ),
    (
        "version-label",
        version_label,
        on(
            "Deployment",
            SERVICE,
            lambda o: o["spec"]["template"]["metadata"]["labels"].update({"app.kubernetes.io/version": "0.9.0"}),
        ),
    ),
]


@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: p.__name__)
def test_policy_holds(policy: Policy) -> None:
    assert policy(rendered()) == []


@pytest.mark.parametrize(("policy", "mutate"), [(p, m) for _, p, m in MUTATIONS], ids=[i for i, _, _ in MUTATIONS])
def test_policy_catches(policy: Policy, mutate: Callable[[list[Obj]], None]) -> None:
    objs = rendered()
    mutate(objs)
    assert policy(objs), f"{policy.__name__} did not notice the mutation"


def test_every_policy_has_a_mutation() -> None:
    assert {p.__name__ for _, p, _ in MUTATIONS} == {p.__name__ for p in POLICIES}


def test_the_sources_of_truth_are_read() -> None:
    """Guards the readers above: an empty parse would make every policy vacuous."""
    assert {"/health/live", "/health/ready", "/metrics", "/api/v1/info"} <= service_get_routes()
    assert dockerfile("Dockerfile").user and dockerfile("mlflow/Dockerfile").volumes
    assert {"PORT", "MLFLOW_TRACKING_URI", "SHUTDOWN_DELAY_SECONDS", "VAULT_K8S_ROLE"} <= set(documented_settings())
    assert len(built_image_names()) == 3
    assert {row["name"] for row in documented_workloads()} == {SERVICE, MLFLOW, TRAINER}
    assert documented_scrape_annotations()
