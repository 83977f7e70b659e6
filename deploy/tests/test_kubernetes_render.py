"""The kustomize tree as its users render it, and the schema validation k8s-check.sh relies on.

- Ansible (role `overlay`) and Jenkins set the Docker Hub user and tag by rendering a kustomization of their own that
  lists the overlay as a resource and re-points `images:`: that must reach every container, the trainer's included.
- `kubernetes-validate --strict` must reject an unknown field, and it only WARNS (exit 0) on an apiVersion/kind it
  has no schema for: k8s-check.sh treats any output as a failure, these tests pin both behaviours.
"""

from __future__ import annotations

import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from contracts import REPO, kustomize_build

OVERLAY = "kubernetes/overlays/minikube"
VALIDATOR = REPO / ".venv-ops/bin/kubernetes-validate"


@pytest.fixture
def scratch() -> Iterator[Path]:
    """A directory inside the repository (kustomize refuses absolute resource paths), git-ignored under build/."""
    path = REPO / "build" / f"k8s-test-{uuid.uuid4().hex[:8]}"
    path.mkdir(parents=True)
    yield path
    shutil.rmtree(path)


def images_of(objs: list[dict[str, Any]]) -> set[str]:
    found = set()
    for obj in objs:
        spec = obj.get("spec", {})
        template = spec.get("jobTemplate", {}).get("spec", {}).get("template") or spec.get("template")
        if template:
            found.update(c["image"] for c in template["spec"]["containers"])
    return found


def test_the_overlay_used_as_a_resource_is_re_pointed_everywhere(scratch: Path) -> None:
    overlay = yaml.safe_load((REPO / OVERLAY / "kustomization.yaml").read_text(encoding="utf-8"))
    kustomization = {
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "resources": [str(Path("../..") / OVERLAY)],
        "images": [
            {"name": entry["newName"], "newName": f"docker.io/alice/{entry['name']}", "newTag": "2.0.0-abc1234"}
            for entry in overlay["images"]
        ],
    }
    (scratch / "kustomization.yaml").write_text(yaml.safe_dump(kustomization), encoding="utf-8")
    rendered = kustomize_build(scratch.relative_to(REPO))
    assert images_of(rendered) == {
        f"docker.io/alice/spam-classifier-{name}:2.0.0-abc1234" for name in ("app", "mlflow", "trainer")
    }
    # Everything else is the overlay unchanged.
    assert len(rendered) == len(kustomize_build(OVERLAY))


def test_a_settings_change_renames_the_configmap_so_the_pods_roll(scratch: Path) -> None:
    """The generated ConfigMap's name carries a hash of its content, and the Deployment follows the new name."""
    (scratch / "kustomization.yaml").write_text(
        yaml.safe_dump(
            {
                "resources": [str(Path("../..") / OVERLAY)],
                "configMapGenerator": [
                    {"name": "spam-classifier-config", "behavior": "merge", "literals": ["LOG_LEVEL=debug"]}
                ],
            }
        ),
        encoding="utf-8",
    )

    def config_name(objs: list[dict[str, Any]]) -> str:
        deployment = next(o for o in objs if o["kind"] == "Deployment" and o["metadata"]["name"] == "spam-classifier")
        return deployment["spec"]["template"]["spec"]["containers"][0]["envFrom"][0]["configMapRef"]["name"]

    before, after = config_name(kustomize_build(OVERLAY)), config_name(kustomize_build(scratch.relative_to(REPO)))
    assert before.startswith("spam-classifier-config-")
    assert after.startswith("spam-classifier-config-")
    assert before != after


def validate(tmp_path: Path, objs: list[dict[str, Any]]) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "rendered.yaml"
    path.write_text(yaml.safe_dump_all(objs), encoding="utf-8")
    return subprocess.run(
        [str(VALIDATOR), "--strict", "--quiet", "-k", "1.32", str(path)], capture_output=True, text=True, check=False
    )


def test_the_rendered_overlay_validates_strictly(tmp_path: Path) -> None:
    result = validate(tmp_path, kustomize_build(OVERLAY))
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


def test_strict_validation_rejects_an_unknown_field(tmp_path: Path) -> None:
    objs = kustomize_build(OVERLAY)
    deployment = next(o for o in objs if o["kind"] == "Deployment")
    deployment["spec"]["template"]["spec"]["containers"][0]["readinesProbe"] = {}
    result = validate(tmp_path, objs)
    assert result.returncode != 0
    assert "readinesProbe" in result.stdout + result.stderr


def test_an_unknown_kind_is_only_a_warning_which_k8s_check_turns_into_a_failure(tmp_path: Path) -> None:
    objs = kustomize_build(OVERLAY)
    objs[0] = {**objs[0], "apiVersion": "autoscaling/v3", "kind": "HorizontalPodAutoscaler"}
    result = validate(tmp_path, objs)
    assert result.returncode == 0
    assert "WARN" in result.stdout + result.stderr
    script = (REPO / "deploy/ci/k8s-check.sh").read_text(encoding="utf-8")
    assert '|| [ -n "$report" ]' in script


def test_the_drill_replays_the_manifest_values() -> None:
    """deploy/rollout/manifest_values.py (read by the rollout drill and capacity.sh) takes every timing from the
    rendered overlay; a mutated manifest changes what the drill does."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("manifest_values", REPO / "deploy/rollout/manifest_values.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    objs = kustomize_build(OVERLAY)
    variables, settings = module.values(objs)
    deployment = next(o for o in objs if o["kind"] == "Deployment" and o["metadata"]["name"] == "spam-classifier")
    config = next(o for o in objs if o["kind"] == "ConfigMap")["data"]
    assert variables["SHUTDOWN_DELAY_SECONDS"] == config["SHUTDOWN_DELAY_SECONDS"]
    assert variables["TERMINATION_GRACE_SECONDS"] == str(
        deployment["spec"]["template"]["spec"]["terminationGracePeriodSeconds"]
    )
    assert variables["MIN_READY_SECONDS"] == str(deployment["spec"]["minReadySeconds"])
    assert not any(name.startswith(("VAULT_", "MLFLOW_TRACKING_URI")) for name in settings)

    deployment["spec"]["minReadySeconds"] = 42
    config["SHUTDOWN_DELAY_SECONDS"] = "9"
    variables, _ = module.values(objs)
    assert (variables["MIN_READY_SECONDS"], variables["SHUTDOWN_DELAY_SECONDS"]) == ("42", "9")


KINDS = {
    "deployment": "Deployment",
    "deploy": "Deployment",
    "svc": "Service",
    "cronjob": "CronJob",
    "hpa": "HorizontalPodAutoscaler",
}


def kubectl_commands() -> list[str]:
    """The `kubectl` commands of docs/kubernetes.md and the README (code blocks and inline code)."""
    import re

    commands = []
    for document in (REPO / "docs/kubernetes.md", REPO / "README.md"):
        text = document.read_text(encoding="utf-8").replace("\\\n", " ")
        commands += [line.strip() for line in re.findall(r"^\s*(kubectl .+)$", text, re.MULTILINE)]
        commands += re.findall(r"`(kubectl [^`]+)`", text)
    return commands


def test_the_documented_commands_name_what_the_overlay_renders() -> None:
    """A renamed object or folder breaks the copy-paste instructions: every `-k` folder, `-n` namespace and
    `kind/name` in the documented kubectl commands must exist (folders of other issues: when they exist)."""
    import re

    commands = kubectl_commands()
    assert len(commands) >= 15
    objs = kustomize_build(OVERLAY)
    names = {(o["kind"], o["metadata"]["name"]) for o in objs}
    namespaces = {o["metadata"]["name"] for o in objs if o["kind"] == "Namespace"}
    for command in commands:
        for folder in re.findall(r"-k (\S+)", command):
            if folder.startswith(OVERLAY) or folder == "kubernetes/base":
                assert (REPO / folder / "kustomization.yaml").is_file(), command
        for namespace in re.findall(r"-n (\S+)", command):
            assert namespace in namespaces | {"logging", "monitoring", "vault"}, command
        if " -n spam-classifier" not in command and " -n " in command:
            continue
        for short, name in re.findall(
            r"(?<![\w/.])(deployment|deploy|svc|cronjob|hpa)/([a-z0-9-]+)(?![\w/.])", command
        ):
            assert (KINDS[short], name) in names, command
        for short, name in re.findall(r"\bget (deployment|deploy|svc|cronjob|hpa) ([a-z0-9-]+)", command):
            assert (KINDS[short], name) in names, command
        for name in re.findall(r"--from=cronjob/(\S+)", command):
            assert ("CronJob", name) in names, command
