"""The documented contracts, read from docs/ so that deployment files are checked against one source of truth.

docs/configuration.md (environment variables, ports), docs/deployment.md (namespaces, images, services, Vault,
Ansible, Jenkins names), docs/metrics.md and docs/logging.md are Markdown tables; this module turns them into data.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]
DOCS = REPO / "docs"

_CODE = re.compile(r"`([^`]+)`")


@dataclass(frozen=True)
class Table:
    """One Markdown table: the heading it sits under, its header cells and its rows (raw cell text)."""

    heading: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]

    def column(self, name: str) -> list[str]:
        index = self.header.index(name)
        return [row[index] for row in self.rows]


def _cells(line: str) -> tuple[str, ...]:
    return tuple(cell.strip() for cell in line.strip().strip("|").split("|"))


def tables(document: str) -> list[Table]:
    """Every table of docs/<document>, in order."""
    found: list[Table] = []
    heading = ""
    lines = (DOCS / document).read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("#"):
            heading = line.lstrip("#").strip()
        elif line.startswith("|") and i + 1 < len(lines) and re.match(r"^\|[\s:|-]+\|$", lines[i + 1].strip()):
            header = _cells(line)
            rows = []
            i += 2
            while i < len(lines) and lines[i].startswith("|"):
                rows.append(_cells(lines[i]))
                i += 1
            found.append(Table(heading, header, tuple(rows)))
            continue
        i += 1
    return found


def table(document: str, heading: str) -> Table:
    """The first table under the heading that starts with `heading` in docs/<document>."""
    for candidate in tables(document):
        if candidate.heading.startswith(heading):
            return candidate
    raise LookupError(f"docs/{document} has no table under a heading starting with {heading!r}")


def codes(cell: str) -> list[str]:
    """The `code` spans of one cell."""
    return _CODE.findall(cell)


def documented_env_names() -> set[str]:
    """Every environment variable docs/configuration.md lists (first column of its tables)."""
    names: set[str] = set()
    for found in tables("configuration.md"):
        for row in found.rows:
            names.update(code for code in codes(row[0]) if re.fullmatch(r"[A-Z][A-Z0-9_]+", code))
    return names


def documented_metric_names() -> set[str]:
    """Metric names of docs/metrics.md (families such as `process_*` included as written)."""
    return {code for row in tables("metrics.md")[0].rows for code in codes(row[0])}


def documented_log_fields() -> set[str]:
    """Every ECS field docs/logging.md names, on every line or in an event's extra fields."""
    fields = {code for row in table("logging.md", "Fields on every line").rows for code in codes(row[0])}
    for row in table("logging.md", "Events").rows:
        fields.update(code for code in codes(row[2]) if "." in code and "=" not in code and " " not in code)
    return fields


def kustomize_build(directory: str | Path) -> list[dict[str, Any]]:
    """`kubectl kustomize <directory>` rendered to a list of objects (kubectl is required; the error says so)."""
    try:
        rendered = subprocess.run(
            ["kubectl", "kustomize", str(REPO / directory)], check=True, capture_output=True, text=True
        ).stdout
    except FileNotFoundError as missing:
        raise RuntimeError("kubectl is not installed: see docs/kubernetes.md (make k8s-check installs it)") from missing
    return [document for document in yaml.safe_load_all(rendered) if document]


# ---------------------------------------------------------------- Makefile (added for the Jenkins and docs checks)
_RULE = re.compile(r"^([a-zA-Z0-9][a-zA-Z0-9_.-]*)\s*:(?!=)\s*([^#;]*)")


def makefile_rules(makefile: str | Path = REPO / "Makefile") -> dict[str, tuple[list[str], list[str]]]:
    """Explicit rules of the Makefile: target -> (prerequisites, recipe lines). File targets such as
    `.venv/.installed` are included under their own names; pattern and variable lines are not rules."""
    rules: dict[str, tuple[list[str], list[str]]] = {}
    current: list[str] | None = None
    for line in Path(makefile).read_text(encoding="utf-8").splitlines():
        if line.startswith("\t") and current is not None:
            current.append(line.strip())
            continue
        match = _RULE.match(line)
        if match and "=" not in line.split(":", 1)[0]:
            prerequisites = [word for word in match.group(2).split() if not word.startswith("|")]
            current = []
            rules[match.group(1)] = (prerequisites, current)
        elif line.strip() and not line.startswith("#"):
            current = None
    return rules


def make_closure(target: str, rules: dict[str, tuple[list[str], list[str]]] | None = None) -> list[str]:
    """`target` and every target it depends on, depth first, each once (order of first visit)."""
    rules = makefile_rules() if rules is None else rules
    seen: list[str] = []

    def visit(name: str) -> None:
        if name in seen or name not in rules:
            return
        seen.append(name)
        for prerequisite in rules[name][0]:
            visit(prerequisite)

    visit(target)
    return seen


def jenkins_credential_ids() -> set[str]:
    """Credential ids of docs/deployment.md's Jenkins table (rows `credential: ...`)."""
    found = table("deployment.md", "Jenkins")
    return {code for what, value in found.rows if what.startswith("credential") for code in codes(value)[:1]}


def documented_vault_demo_password() -> str:
    """The ansible-vault demo password docs/secrets.md gives (students change it; never stored in a file in git)."""
    text = (DOCS / "secrets.md").read_text(encoding="utf-8")
    found = re.search(r"demo password[^`\n]*`([^`]+)`", text)
    if found is None:
        raise LookupError("docs/secrets.md does not give the ansible-vault demo password (`demo password ... `...``)")
    return found.group(1)
