"""The deploy path's variables reach the manifests: the `overlay` role (used by the app and mlflow roles) renders a
kustomization at -e dockerhub_user / image_tag without touching tracked files, and a rerun changes nothing.
Runs for real here (kubectl kustomize); applying to a cluster is covered by ansible-lint and --syntax-check only."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from ansible_run import ANSIBLE_DIR, PlaybookRun, run_playbook
from contracts import REPO, table

REAL_OVERLAY = REPO / "kubernetes" / "overlays" / "minikube"


def documented_images() -> list[str]:
    return [cell.strip("`") for cell in table("deployment.md", "Images").column("image")]


def write_stub_overlay(root: Path) -> Path:
    """Base names the images bare; the overlay re-points them at a placeholder user, as the real one does."""
    (root / "base").mkdir()
    containers = [{"name": image.removeprefix("spam-classifier-"), "image": image} for image in documented_images()]
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "spam-classifier"},
        "spec": {
            "selector": {"matchLabels": {"app.kubernetes.io/name": "spam-classifier"}},
            "template": {
                "metadata": {"labels": {"app.kubernetes.io/name": "spam-classifier"}},
                "spec": {"containers": containers},
            },
        },
    }
    (root / "base" / "deployment.yaml").write_text(yaml.safe_dump(deployment), encoding="utf-8")
    (root / "base" / "kustomization.yaml").write_text("resources: [deployment.yaml]\n", encoding="utf-8")
    overlay = root / "overlay"
    overlay.mkdir()
    images = [
        {"name": image, "newName": f"docker.io/placeholder/{image}", "newTag": "0.0.0"} for image in documented_images()
    ]
    (overlay / "kustomization.yaml").write_text(
        yaml.safe_dump({"resources": ["../base"], "images": images}), encoding="utf-8"
    )
    return overlay


def render(tmp: Path, source: Path, user: str, tag: str) -> PlaybookRun:
    playbook = tmp / "render.yml"
    playbook.write_text(
        "- name: Render\n  hosts: localhost\n  gather_facts: false\n  roles:\n    - role: overlay\n",
        encoding="utf-8",
    )
    return run_playbook(
        playbook,
        {
            "overlay_source_dir": str(source),
            "overlay_render_dir": str(tmp / "render"),
            "overlay_dockerhub_user": user,
            "overlay_image_tag": tag,
            "spam_repo_root": str(REPO),
            "spam_build_dir": str(tmp),
        },
        None,
        tmp,
    )


def rendered_images(tmp: Path) -> set[str]:
    objects = [doc for doc in yaml.safe_load_all((tmp / "render" / "rendered.yaml").read_text(encoding="utf-8")) if doc]
    images: set[str] = set()
    for obj in objects:
        pod = obj.get("spec", {}).get("template", {}).get("spec", {})
        images.update(container["image"] for container in pod.get("containers", []) + pod.get("initContainers", []))
    return images


def test_stub_overlay_renders_at_the_tag_idempotently(tmp_path: Path) -> None:
    source = write_stub_overlay(tmp_path)
    before = (source / "kustomization.yaml").read_text(encoding="utf-8")
    first = render(tmp_path, source, "alice", "1.2.3-abc1234")
    assert first.returncode == 0, first.output
    assert first.changed == 3, first.output  # render directory, kustomization.yaml, rendered.yaml
    assert rendered_images(tmp_path) == {f"docker.io/alice/{image}:1.2.3-abc1234" for image in documented_images()}
    second = render(tmp_path, source, "alice", "1.2.3-abc1234")
    assert second.changed == 0, second.output
    retagged = render(tmp_path, source, "alice", "1.2.4-def5678")
    assert retagged.changed == 2, retagged.output
    assert rendered_images(tmp_path) == {f"docker.io/alice/{image}:1.2.4-def5678" for image in documented_images()}
    assert (source / "kustomization.yaml").read_text(encoding="utf-8") == before


@pytest.mark.parametrize(
    ("user", "tag", "message"),
    [
        ("alice", "latest", "other than latest"),
        ("Alice Smith", "1.0.0-abc", "Docker Hub account name"),
    ],
)
def test_bad_coordinates_are_refused_with_a_clear_message(tmp_path: Path, user: str, tag: str, message: str) -> None:
    refused = render(tmp_path, write_stub_overlay(tmp_path), user, tag)
    assert refused.returncode != 0
    assert message in refused.output


def test_a_source_without_an_image_entry_is_refused(tmp_path: Path) -> None:
    source = write_stub_overlay(tmp_path)
    kustomization = yaml.safe_load((source / "kustomization.yaml").read_text(encoding="utf-8"))
    kustomization["images"] = kustomization["images"][:1]
    (source / "kustomization.yaml").write_text(yaml.safe_dump(kustomization), encoding="utf-8")
    refused = render(tmp_path, source, "alice", "1.0.0-abc1234")
    assert refused.returncode != 0
    assert "must list images spam-classifier-mlflow, spam-classifier-trainer" in " ".join(refused.output.split())


@pytest.mark.skipif(
    not (REAL_OVERLAY / "kustomization.yaml").exists(),
    reason="kubernetes/overlays/minikube not merged yet",
)
def test_real_overlay_runs_the_documented_images_at_the_tag(tmp_path: Path) -> None:
    first = render(tmp_path, REAL_OVERLAY, "alice", "1.2.3-abc1234")
    assert first.returncode == 0, first.output
    images = rendered_images(tmp_path)
    assert "docker.io/alice/spam-classifier-app:1.2.3-abc1234" in images
    assert "docker.io/alice/spam-classifier-mlflow:1.2.3-abc1234" in images
    assert all(image.startswith("docker.io/alice/") for image in images if "spam-classifier-" in image), images
    assert render(tmp_path, REAL_OVERLAY, "alice", "1.2.3-abc1234").changed == 0


def test_roles_render_into_the_ignored_build_directory() -> None:
    defaults = yaml.safe_load((ANSIBLE_DIR / "group_vars" / "all" / "main.yml").read_text(encoding="utf-8"))
    assert defaults["spam_build_dir"].endswith("/build/ansible")
    assert "build/" in (REPO / ".gitignore").read_text(encoding="utf-8").splitlines()
