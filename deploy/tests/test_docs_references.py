"""Every path, make target, playbook, port and URL named in RUN_PROJECT_STEPS.md, README.md and docs/*.md exists or
matches the configuration.

Read from each document's code (inline `spans` and fenced blocks) and links:
- repository paths (first segment a top-level entry of the repository, or a known root file) exist; globs match;
  git-ignored paths (local files such as deploy/jenkins/.env) are skipped; relative links resolve;
- `make <target>` names a Makefile target; `ansible-playbook <file>` names a playbook in ansible/;
- http://localhost:<port> and 127.0.0.1:<port> use a documented port (docs/deployment.md "Services and ports",
  docs/configuration.md "Ports"); `<name>.<namespace>.svc:<port>` and `kubectl -n <ns> port-forward svc/<name> L:R`
  match a row of the deployment table; published ports of the compose files and the Services of the rendered
  kustomizations agree with it too.
Does not prove that a command's output is what the runbook says it is: that is the live demo's job.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml

from contracts import REPO, codes, kustomize_build, makefile_rules, table

DOCUMENTS = sorted(
    [REPO / "RUN_PROJECT_STEPS.md", REPO / "README.md", *(REPO / "docs").glob("*.md")],
    key=lambda path: str(path.relative_to(REPO)),
)
ROOT_FILES = {
    "Jenkinsfile",
    "Makefile",
    "Dockerfile",
    "RUN_PROJECT_STEPS.md",
    "README.md",
    "docker-compose.yml",
    "package.json",
    "package-lock.json",
    "tsconfig.json",
    "jest.config.js",
    "eslint.config.js",
}
# Top-level directories of the deployment path: a path under one of them is a repository path, and checked, even if
# the directory itself were renamed or deleted.
EXPECTED_TOPS = {"kubernetes", "ansible", "elk"}
KUSTOMIZATIONS = ["kubernetes/overlays/minikube", "kubernetes/elk", "kubernetes/monitoring", "kubernetes/vault"]

_FENCE = re.compile(r"^```[^\n]*\n(.*?)^```", re.MULTILINE | re.DOTALL)
_SPAN = re.compile(r"`([^`\n]+)`")
_LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
_PATH = re.compile(r"^\.?[\w-]+(?:\.[\w-]+)*(?:/[\w.*-]+)*/?$")


def code_of(text: str) -> list[str]:
    """Fenced blocks and inline code spans (spans outside the fences)."""
    fences = _FENCE.findall(text)
    prose = _FENCE.sub("", text)
    return fences + _SPAN.findall(prose)


def ignored_by_git(path: str) -> bool:
    return subprocess.run(["git", "check-ignore", "-q", "--no-index", path], cwd=REPO, check=False).returncode == 0


def documented_ports() -> set[int]:
    ports = {int(port) for port in table("deployment.md", "Services and ports").column("port") if port.isdigit()}
    for cell in table("deployment.md", "Services and ports").column("from the laptop"):
        ports.update(int(port) for port in re.findall(r"(?:NodePort `|:)(\d{4,5})\b", cell))
    ports.update(int(row[0]) for row in table("configuration.md", "Ports").rows if row[0].isdigit())
    return ports


def service_rows() -> dict[tuple[str, str], int]:
    """(service name, namespace) -> port, from the deployment table's in-cluster addresses."""
    rows = {}
    services = table("deployment.md", "Services and ports")
    for address, port in zip(services.column("in-cluster address"), services.column("port"), strict=True):
        for code in codes(address):
            match = re.fullmatch(r"([\w-]+)\.([\w-]+)\.svc", code)
            if match and port.isdigit():
                rows[(match.group(1), match.group(2))] = int(port)
    return rows


def path_candidates(code: str) -> list[str]:
    tops = {entry.name for entry in REPO.iterdir()} | EXPECTED_TOPS
    found = []
    for raw in re.split(r"[\s`'\"()\[\],;=|&<>]+", code):
        word = raw.split("::")[0].rstrip(".:")
        if not word or word.startswith(("/", "~", "$", "-", "http")) or not _PATH.match(word):
            continue
        first = word.split("/")[0]
        if ("/" in word and first in tops and first not in {".", ".."}) or word in ROOT_FILES:
            found.append(word)
    return found


def exists(path: str) -> bool:
    if "*" in path:
        return any(REPO.glob(path))
    return (REPO / path).exists()


def document_problems(document: Path, text: str) -> list[str]:
    """The problems of one document's text: every missing path, link or playbook, unknown make target, wrong port."""
    problems: list[str] = []
    name = str(document.relative_to(REPO))

    def missing(what: str, path: str) -> None:
        problems.append(f"{name}: {what} {path} does not exist")

    code = code_of(text)
    for path in sorted({path for block in code for path in path_candidates(block)}):
        if not exists(path) and not ignored_by_git(path):
            missing("path", path)
    for target in _LINK.findall(_SPAN.sub("", _FENCE.sub("", text))):
        if re.match(r"^(https?:|mailto:|#)", target):
            continue
        resolved = (document.parent / target.split("#")[0]).resolve()
        if not resolved.exists():
            missing("link", str(resolved.relative_to(REPO)) if resolved.is_relative_to(REPO) else target)

    rules = makefile_rules()
    joined = "\n".join(code)
    for target in sorted(set(re.findall(r"\bmake[ \t]+(?:-s[ \t]+)?([a-z][a-z0-9-]*)", joined))):
        if target not in rules:
            problems.append(f"{name}: make {target}: no such Makefile target")
    for playbook in sorted(set(re.findall(r"ansible-playbook[ \t]+(?:-\S+[ \t]+)*([\w/.-]+\.ya?ml)", joined))):
        path = playbook if "/" in playbook else f"ansible/{playbook}"
        if not (REPO / path).exists():
            missing("playbook", path)

    problems += port_problems(name, text, joined)
    return problems


def port_problems(name: str, text: str, code: str) -> list[str]:
    problems = []
    allowed = documented_ports()
    for port in re.findall(r"(?:localhost|127\.0\.0\.1):(\d+)\b", text):
        if int(port) not in allowed:
            problems.append(f"{name}: port {port} is not a documented port {sorted(allowed)}")
    rows = service_rows()
    for service, namespace, port in re.findall(r"\b([a-z][\w-]*)\.([a-z][\w-]*)\.svc(?:\.cluster\.local)?:(\d+)", text):
        if rows.get((service, namespace)) != int(port):
            problems.append(f"{name}: {service}.{namespace}.svc:{port} does not match docs/deployment.md")
    for line in code.splitlines():
        match = re.search(r"kubectl\s+-n\s+([\w-]+)\s+port-forward\s+svc/([\w-]+)\s+(\d+):(\d+)", line)
        if not match:
            continue
        namespace, service, local, remote = match.groups()
        if rows.get((service, namespace)) != int(remote) or local != remote:
            problems.append(
                f"{name}: port-forward svc/{service} {local}:{remote} in {namespace} does not match docs/deployment.md"
            )
    return problems


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda path: str(path.relative_to(REPO)))
def test_document_references_exist_and_match(document: Path) -> None:
    problems = document_problems(document, document.read_text(encoding="utf-8"))
    assert not problems, "\n".join(problems)


def test_documented_playbooks_exist() -> None:
    missing = []
    for cell in table("deployment.md", "Ansible").column("playbook"):
        for playbook in codes(cell):
            if not (REPO / "ansible" / playbook).exists():
                missing.append(f"ansible/{playbook}")
    assert missing == []


def compose_published_ports(path: Path) -> list[int]:
    ports = []
    for service in (yaml.safe_load(path.read_text()).get("services") or {}).values():
        for mapping in service.get("ports", []):
            match = re.fullmatch(r"(?:[\d.]+:)?(?:\$\{\w+:-(\d+)\}|(\d+)):\d+(?:/\w+)?", str(mapping))
            assert match, f"{path.name}: cannot read the published port of {mapping!r}"
            ports.append(int(match.group(1) or match.group(2)))
    return ports


def test_compose_ports_are_documented() -> None:
    allowed = documented_ports()
    for path in [REPO / "docker-compose.yml", REPO / "deploy" / "jenkins" / "compose.yaml"]:
        undocumented = [port for port in compose_published_ports(path) if port not in allowed]
        assert undocumented == [], f"{path.relative_to(REPO)} publishes undocumented ports {undocumented}"


@pytest.mark.parametrize("kustomization", KUSTOMIZATIONS)
def test_manifest_services_match_the_deployment_table(kustomization: str) -> None:
    assert (REPO / kustomization / "kustomization.yaml").exists(), f"{kustomization}/kustomization.yaml does not exist"
    rows = service_rows()
    problems = []
    for item in kustomize_build(kustomization):
        if item.get("kind") != "Service":
            continue
        key = (item["metadata"]["name"], item["metadata"].get("namespace", ""))
        if key not in rows:
            continue
        ports = {port["port"] for port in item["spec"]["ports"]}
        if rows[key] not in ports:
            problems.append(f"Service {key}: ports {sorted(ports)}, docs/deployment.md says {rows[key]}")
        if key == ("spam-classifier", "spam-classifier") and item["spec"].get("type") == "NodePort":
            node_ports = {port.get("nodePort") for port in item["spec"]["ports"]}
            if 30080 not in node_ports:
                problems.append(f"Service spam-classifier: nodePort {node_ports}, docs/deployment.md says 30080")
    assert problems == []


# ---------------------------------------------------------------- the checks seen failing on a mutated runbook
RUNBOOK = REPO / "RUN_PROJECT_STEPS.md"
RUNBOOK_MUTATIONS = {
    "missing path": ("`deploy/jenkins/compose.yaml`", "`deploy/jenkins/docker-compose.yaml`"),
    "unknown make target": ("make push-images\n", "make push-all-images\n"),
    "unknown playbook": ("ansible-playbook setup.yml", "ansible-playbook bootstrap.yml"),
    "undocumented port": ("http://localhost:5601", "http://localhost:5602"),
    "port-forward to a wrong port": ("port-forward svc/kibana 5601:5601", "port-forward svc/kibana 5601:5602"),
    "port-forward in a wrong namespace": (
        "-n logging port-forward svc/kibana",
        "-n monitoring port-forward svc/kibana",
    ),
    "wrong in-cluster port": ("`mlflow.spam-classifier.svc:5000`", "`mlflow.spam-classifier.svc:5001`"),
    "broken link": ("(docs/deployment.md)", "(docs/deployments.md)"),
}


@pytest.mark.parametrize("mutation", sorted(RUNBOOK_MUTATIONS))
def test_docs_check_fails_on_mutated_runbook(mutation: str) -> None:
    old, new = RUNBOOK_MUTATIONS[mutation]
    text = RUNBOOK.read_text(encoding="utf-8")
    assert old in text, f"mutation anchor {old!r} not in the runbook"
    assert document_problems(RUNBOOK, text) == []
    assert document_problems(RUNBOOK, text.replace(old, new, 1)), mutation


def test_compose_port_check_fails_on_undocumented_port(tmp_path: Path) -> None:
    compose = tmp_path / "docker-compose.yml"
    compose.write_text((REPO / "docker-compose.yml").read_text().replace("${APP_PORT:-3000}", "${APP_PORT:-3001}"))
    assert 3001 in compose_published_ports(compose) and 3001 not in documented_ports()


# ---------------------------------------------------------------- objects named in kubectl commands
KUBECTL_KINDS = {
    "deployment": "Deployment",
    "deploy": "Deployment",
    "svc": "Service",
    "service": "Service",
    "cronjob": "CronJob",
    "hpa": "HorizontalPodAutoscaler",
    "job": "Job",
    "ds": "DaemonSet",
    "daemonset": "DaemonSet",
    "statefulset": "StatefulSet",
    "sts": "StatefulSet",
}
_KUBECTL_OBJECT = re.compile(r"(?<![\w/.-])(" + "|".join(KUBECTL_KINDS) + r")/([a-z0-9][a-z0-9-]*)(?![\w/.-])")


def rendered_objects() -> set[tuple[str, str, str]]:
    """(namespace, kind, name) of every object the kustomizations render. A Job made from a CronJob
    (`kubectl create job <name> --from=cronjob/<name>`) counts as a Job of the CronJob's name."""
    found = set()
    for kustomization in KUSTOMIZATIONS:
        for item in kustomize_build(kustomization):
            namespace = item["metadata"].get("namespace", "")
            found.add((namespace, item["kind"], item["metadata"]["name"]))
            if item["kind"] == "CronJob":
                found.add((namespace, "Job", item["metadata"]["name"]))
    return found


def kubectl_object_problems(name: str, text: str, objects: set[tuple[str, str, str]]) -> list[str]:
    """`kubectl -n <ns> ... <kind>/<name>` in a document's code must name an object rendered in that namespace."""
    problems = []
    for line in "\n".join(code_of(text.replace("\\\n", " "))).splitlines():
        if "kubectl" not in line:
            continue
        for command in re.split(r"[;|]|&&", line):
            namespace = re.search(r"kubectl\s+(?:-n|--namespace)[ =]([\w-]+)", command)
            if not namespace:
                continue
            for kind, object_name in _KUBECTL_OBJECT.findall(command):
                if (namespace.group(1), KUBECTL_KINDS[kind], object_name) not in objects:
                    problems.append(f"{name}: {kind}/{object_name} is not rendered in namespace {namespace.group(1)}")
    return problems


def test_kubectl_commands_name_rendered_objects() -> None:
    """The runbook's `kubectl -n vault get deployment/vault` must not say `vault-0` when Vault is a Deployment."""
    objects = rendered_objects()
    problems = []
    for document in DOCUMENTS:
        problems += kubectl_object_problems(
            str(document.relative_to(REPO)), document.read_text(encoding="utf-8"), objects
        )
    assert problems == []


def test_kubectl_object_check_fails_on_a_wrong_object() -> None:
    objects = rendered_objects()
    text = RUNBOOK.read_text(encoding="utf-8")
    assert "kubectl -n vault get deployment/vault" in text
    for wrong in (
        "kubectl -n vault get sts/vault",
        "kubectl -n logging get deploy/vault",
        "kubectl -n vault get deployment/vaults",
    ):
        assert kubectl_object_problems(
            "runbook", text.replace("kubectl -n vault get deployment/vault", wrong, 1), objects
        )


# ---------------------------------------------------------------- one minikube size, and the budget behind it
BUDGET_DOC = "kubernetes.md"
BUDGET_HEADING = "Memory and CPU budget of the whole demo cluster"
CLUSTER_DEFAULTS = REPO / "ansible" / "roles" / "cluster" / "defaults" / "main.yml"
_MINIKUBE_FLAG = re.compile(r"--(cpus|memory|kubernetes-version)[= ](\S+)")


def cluster_size() -> dict[str, str]:
    """The `cluster` role's minikube flags: the size every document must give."""
    defaults = yaml.safe_load(CLUSTER_DEFAULTS.read_text(encoding="utf-8"))
    return {
        "cpus": str(defaults["cluster_cpus"]),
        "memory": str(defaults["cluster_memory_mb"]),
        "kubernetes-version": str(defaults["cluster_kubernetes_version"]),
    }


def minikube_size_problems(name: str, text: str, size: dict[str, str]) -> list[str]:
    problems = []
    for line in text.splitlines():
        if "minikube start --" not in line:
            continue
        flags = dict(_MINIKUBE_FLAG.findall(line.replace("`", " ")))
        if "memory" not in flags:
            problems.append(f"{name}: `minikube start` without --memory: {line.strip()}")
        for flag, value in flags.items():
            if value != size[flag]:
                problems.append(f"{name}: minikube --{flag} {value}, the cluster role uses {size[flag]}")
    return problems


def test_every_minikube_start_uses_the_cluster_roles_size() -> None:
    size = cluster_size()
    problems = []
    starts = 0
    for document in DOCUMENTS:
        text = document.read_text(encoding="utf-8")
        starts += text.count("minikube start --")
        problems += minikube_size_problems(str(document.relative_to(REPO)), text, size)
    assert problems == []
    assert starts >= 3, "the runbook, docs/kubernetes.md and docs/observability.md each give the minikube size"


def test_minikube_size_check_fails_on_another_figure() -> None:
    size = cluster_size()
    text = RUNBOOK.read_text(encoding="utf-8")
    assert not minikube_size_problems("runbook", text, size)
    assert minikube_size_problems("runbook", text.replace("--memory=8192", "--memory=6144", 1), size)
    assert minikube_size_problems("runbook", text.replace("--cpus=4", "--cpus=2", 1), size)


def _mebibytes(quantity: str) -> int:
    units = {"Ki": 1 / 1024, "Mi": 1, "Gi": 1024}
    match = re.fullmatch(r"(\d+)(Ki|Mi|Gi)", quantity)
    assert match, f"memory quantity {quantity!r}: use Ki, Mi or Gi"
    return round(int(match.group(1)) * units[match.group(2)])


def _millicores(quantity: str) -> int:
    return int(quantity[:-1]) if quantity.endswith("m") else round(float(quantity) * 1000)


def manifest_resources() -> dict[str, tuple[int, int, int]]:
    """Workload name -> (CPU request m, memory request Mi, memory limit Mi) per pod, summed over its containers."""
    found = {}
    for kustomization in KUSTOMIZATIONS:
        for item in kustomize_build(kustomization):
            spec = item.get("spec", {})
            if item["kind"] == "CronJob":
                pod = spec["jobTemplate"]["spec"]["template"]["spec"]
            elif item["kind"] in {"Deployment", "StatefulSet", "DaemonSet", "Job"}:
                pod = spec["template"]["spec"]
            else:
                continue
            resources = [container.get("resources", {}) for container in pod["containers"]]
            found[item["metadata"]["name"]] = (
                sum(_millicores(r.get("requests", {}).get("cpu", "0m")) for r in resources),
                sum(_mebibytes(r.get("requests", {}).get("memory", "0Mi")) for r in resources),
                sum(_mebibytes(r.get("limits", {}).get("memory", "0Mi")) for r in resources),
            )
    return found


def _figure(cell: str) -> int:
    match = re.search(r"~?([\d,]+)(m|Mi)", cell.replace("*", ""))
    assert match, f"no figure in {cell!r}"
    return int(match.group(1).replace(",", ""))


def budget_problems(rows: list[tuple[str, ...]], resources: dict[str, tuple[int, int, int]]) -> list[str]:
    """Each workload row equals the manifests; the three totals equal the sums the rows imply."""
    problems = []
    per_pod: dict[str, tuple[int, int, int]] = {}
    system = (0, 0)
    totals = {}
    for row in rows:
        what = row[0]
        if what.startswith("**"):
            totals[what] = tuple(_figure(cell) for cell in row[2:5])
            continue
        if what.startswith("minikube's own"):
            system = (_figure(row[2]), _figure(row[3]))
            continue
        workload = codes(what)[0]
        documented = tuple(_figure(cell) for cell in row[2:5])
        per_pod[workload] = documented
        if resources.get(workload) != documented:
            problems.append(f"{workload}: table {documented}, manifests {resources.get(workload)}")
    undocumented = {name for name in resources if name not in per_pod and name != "elasticsearch-setup"}
    if undocumented:
        problems.append(f"workloads missing from the budget table: {sorted(undocumented)}")
    others = [values for name, values in per_pod.items() if name not in {"spam-classifier", "trainer"}]

    def total(service_pods: int, training: bool) -> tuple[int, int, int]:
        parts = [*others, *[per_pod["spam-classifier"]] * service_pods, *([per_pod["trainer"]] if training else [])]
        return (
            sum(p[0] for p in parts) + system[0],
            sum(p[1] for p in parts) + system[1],
            sum(p[2] for p in parts),
        )

    expected = {"everyday": total(2, False), "during a training": total(2, True), "worst case": total(7, True)}
    for label, values in expected.items():
        row = next((key for key in totals if label in key), None)
        if row is None:
            problems.append(f"no total row '{label}'")
        elif totals[row] != values:
            problems.append(f"total '{label}': table {totals[row]}, manifests {values}")
    return problems


def budget_rows(document: str = BUDGET_DOC) -> list[tuple[str, ...]]:
    return list(table(document, BUDGET_HEADING).rows)


def test_budget_table_is_the_manifests_sum() -> None:
    assert budget_problems(budget_rows(), manifest_resources()) == []


def test_runbook_repeats_the_budget_table() -> None:
    runbook_table = [line for line in RUNBOOK.read_text(encoding="utf-8").splitlines() if line.startswith("| ")]
    budget_lines = (REPO / "docs" / BUDGET_DOC).read_text(encoding="utf-8").split(f"### {BUDGET_HEADING}")[1]
    source = [line for line in budget_lines.split("\n\n")[2].splitlines() if line.startswith("| ")]
    assert source and all(line in runbook_table for line in source), "RUN_PROJECT_STEPS.md step 3 != docs table"


def test_budget_check_fails_on_a_changed_figure() -> None:
    rows = budget_rows()
    resources = manifest_resources()
    bigger = dict(resources, elasticsearch=(250, 2048, 2048))
    assert budget_problems(rows, bigger)
    fewer = [row for row in rows if "`kibana`" not in row[0]]
    assert budget_problems(fewer, resources)
    wrong_total = [tuple(cell.replace("6,092", "6,000") for cell in row) for row in rows]
    assert budget_problems(wrong_total, resources)


# ---------------------------------------------------------------- the Vault dev root token Secret
def test_vault_root_token_secret_is_the_documented_name() -> None:
    documented = next(
        codes(value)[0] for what, value in table("deployment.md", "Vault").rows if what == "dev root token"
    )
    role = yaml.safe_load((REPO / "ansible/roles/secrets/defaults/main.yml").read_text(encoding="utf-8"))
    assert role["secrets_root_token_secret"] == documented
    deployment = next(item for item in kustomize_build("kubernetes/vault") if item["kind"] == "Deployment")
    refs = [
        env["valueFrom"]["secretKeyRef"]["name"]
        for env in deployment["spec"]["template"]["spec"]["containers"][0]["env"]
        if "secretKeyRef" in env.get("valueFrom", {})
    ]
    assert refs == [documented]
