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
Files another branch brings are listed in JENKINS_CHECK_PENDING (prefixes; never set in CI): reported as skipped.
Does not prove that a command's output is what the runbook says it is: that is the live demo's job.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml

from contracts import REPO, codes, kustomize_build, makefile_rules, pending_in_this_branch, table

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
# Top-level directories the deployment issues create; a path under one of them is a repository path even before
# the directory exists in this branch.
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


def document_problems(document: Path, text: str) -> tuple[list[str], list[str]]:
    """(problems, pending) of one document's text."""
    problems: list[str] = []
    pending: list[str] = []
    name = str(document.relative_to(REPO))

    def missing(what: str, path: str) -> None:
        if pending_in_this_branch(path):
            pending.append(f"{name}: {what} {path}")
        else:
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
    return problems, pending


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
    problems, pending = document_problems(document, document.read_text(encoding="utf-8"))
    assert not problems, "\n".join(problems)
    if pending:
        pytest.skip("not in this branch yet (JENKINS_CHECK_PENDING): " + "; ".join(pending))


def test_documented_playbooks_exist() -> None:
    missing = []
    for cell in table("deployment.md", "Ansible").column("playbook"):
        for playbook in codes(cell):
            if not (REPO / "ansible" / playbook).exists():
                missing.append(f"ansible/{playbook}")
    pending = [path for path in missing if pending_in_this_branch(path)]
    assert sorted(set(missing) - set(pending)) == []
    if pending:
        pytest.skip("not in this branch yet: " + ", ".join(pending))


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
    if not (REPO / kustomization / "kustomization.yaml").exists():
        if pending_in_this_branch(kustomization):
            pytest.skip(f"{kustomization} not in this branch yet")
        pytest.fail(f"{kustomization}/kustomization.yaml does not exist")
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
    problems, pending = document_problems(RUNBOOK, text.replace(old, new, 1))
    original_problems, original_pending = document_problems(RUNBOOK, text)
    assert set(problems + pending) - set(original_problems + original_pending), mutation


def test_compose_port_check_fails_on_undocumented_port(tmp_path: Path) -> None:
    compose = tmp_path / "docker-compose.yml"
    compose.write_text((REPO / "docker-compose.yml").read_text().replace("${APP_PORT:-3000}", "${APP_PORT:-3001}"))
    assert 3001 in compose_published_ports(compose) and 3001 not in documented_ports()
