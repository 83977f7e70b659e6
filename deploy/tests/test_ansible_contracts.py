"""The Ansible tree and kubernetes/vault against docs/deployment.md: playbooks, namespaces, Vault names, the Vault
Service and the RBAC its Kubernetes auth needs."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from ansible_run import ANSIBLE_DIR
from contracts import REPO, codes, kustomize_build, table

ROLES = ANSIBLE_DIR / "roles"


def defaults(role: str) -> dict[str, Any]:
    return yaml.safe_load((ROLES / role / "defaults" / "main.yml").read_text(encoding="utf-8"))


def test_every_documented_playbook_exists_and_only_those() -> None:
    documented = {codes(cell)[0] for cell in table("deployment.md", "Ansible").column("playbook")}
    assert documented == {path.name for path in ANSIBLE_DIR.glob("*.yml")}


def test_site_imports_every_other_playbook() -> None:
    site = yaml.safe_load((ANSIBLE_DIR / "site.yml").read_text(encoding="utf-8"))
    imported = {play["ansible.builtin.import_playbook"] for play in site}
    assert imported == {path.name for path in ANSIBLE_DIR.glob("*.yml")} - {"site.yml"}


def test_documented_key_variables_are_what_the_playbooks_take() -> None:
    for row in table("deployment.md", "Ansible").rows:
        playbook = (ANSIBLE_DIR / codes(row[0])[0]).read_text(encoding="utf-8")
        for variable in codes(row[2]):
            assert variable in playbook or variable in (ROLES / "secrets" / "defaults" / "main.yml").read_text(
                encoding="utf-8"
            ), (
                row[0],
                variable,
            )


def test_cluster_creates_the_documented_namespaces() -> None:
    documented = [codes(cell)[0] for cell in table("deployment.md", "Namespaces").column("namespace")]
    assert sorted(defaults("cluster")["cluster_namespaces"]) == sorted(documented)


def test_vault_role_uses_the_documented_names() -> None:
    names = {row[0]: codes(row[1]) for row in table("deployment.md", "Vault").rows}
    vault = defaults("secrets")
    assert vault["secrets_kv_mount"] == names["KV v2 mount"][0]
    assert vault["secrets_secret_path"] == names["secret path"][0]
    assert vault["secrets_policy_name"] == names["policy (read-only on that path)"][0]
    assert vault["secrets_k8s_mount"] == names["Kubernetes auth mount"][0]
    role, service_account, namespace = names["Kubernetes auth role"][:3]
    assert (
        vault["secrets_k8s_role"],
        vault["secrets_k8s_service_account"],
        vault["secrets_k8s_service_account_namespace"],
    ) == (
        role,
        service_account,
        namespace,
    )


def test_secret_keys_are_documented_vault_keys() -> None:
    documented = {key for cell in table("configuration.md", "Secrets").column("Vault KV v2 key") for key in codes(cell)}
    example = yaml.safe_load((ANSIBLE_DIR / "group_vars" / "all" / "vault.example.yml").read_text(encoding="utf-8"))
    assert set(example["secrets_service_secrets"]) <= documented


def test_kubernetes_vault_is_the_documented_service_with_auth_delegation() -> None:
    objects = kustomize_build("kubernetes/vault")
    by_kind = {(obj["kind"], obj["metadata"]["name"]): obj for obj in objects}
    vault_row = next(row for row in table("deployment.md", "Services and ports").rows if row[0] == "Vault")
    assert codes(vault_row[2]) == ["vault.vault.svc"]
    service = by_kind[("Service", "vault")]
    assert service["metadata"]["namespace"] == "vault"
    assert [port["port"] for port in service["spec"]["ports"]] == [int(vault_row[3])]
    binding = by_kind[("ClusterRoleBinding", "vault-auth-delegator")]
    assert binding["roleRef"]["name"] == "system:auth-delegator"
    deployment = by_kind[("Deployment", "vault")]
    pod = deployment["spec"]["template"]["spec"]
    assert binding["subjects"] == [
        {
            "kind": "ServiceAccount",
            "name": pod["serviceAccountName"],
            "namespace": "vault",
        }
    ]
    assert ("ServiceAccount", pod["serviceAccountName"]) in by_kind
    image = pod["containers"][0]["image"]
    assert image.startswith("hashicorp/vault:") and not image.endswith(":latest")
    # The root token comes from the Secret the secrets role creates; never a literal in git.
    env = {item["name"]: item for item in pod["containers"][0]["env"]}
    assert (
        env["VAULT_DEV_ROOT_TOKEN_ID"]["valueFrom"]["secretKeyRef"]["name"]
        == defaults("secrets")["secrets_root_token_secret"]
    )
    for obj in objects:
        assert obj["metadata"]["labels"]["app.kubernetes.io/part-of"] == "spam-classifier"


def test_compose_vault_profile_matches_the_cluster_vault() -> None:
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text(encoding="utf-8"))
    service = compose["services"]["vault"]
    assert service["profiles"] == ["vault"]
    deployment = next(obj for obj in kustomize_build("kubernetes/vault") if obj["kind"] == "Deployment")
    assert service["image"] == deployment["spec"]["template"]["spec"]["containers"][0]["image"]
    assert [port.split(":", 1)[0] for port in service["ports"]] == ["127.0.0.1"]
    assert all(port.endswith(":8200") for port in service["ports"])


@pytest.mark.skipif(
    not (REPO / "kubernetes" / "overlays" / "minikube" / "kustomization.yaml").exists(),
    reason="kubernetes/overlays/minikube not merged yet",
)
def test_roles_name_objects_the_overlay_has() -> None:
    rendered = {
        (obj["kind"], obj["metadata"]["name"], obj["metadata"].get("namespace"))
        for obj in kustomize_build("kubernetes/overlays/minikube")
    }
    app, mlflow = defaults("app"), defaults("mlflow")
    assert ("Deployment", app["app_deployment"], app["app_namespace"]) in rendered
    assert (
        "Deployment",
        mlflow["mlflow_deployment"],
        mlflow["mlflow_namespace"],
    ) in rendered
    assert (
        "CronJob",
        mlflow["mlflow_trainer_cronjob"],
        mlflow["mlflow_namespace"],
    ) in rendered


def test_each_namespace_is_applied_from_the_documented_directory() -> None:
    # (role, variable holding the kustomization directory, variable holding the namespace)
    roles = [
        ("app", "app_overlay_dir", "app_namespace"),
        ("elk", "elk_manifests_dir", "elk_namespace"),
        ("prometheus", "prometheus_manifests_dir", "prometheus_namespace"),
        ("secrets", "secrets_manifests_dir", "secrets_namespace"),
    ]
    documented = {
        codes(row[0])[0]: codes(row[2])[0].removeprefix("kubectl apply -k ")
        for row in table("deployment.md", "Namespaces").rows
    }
    for role, directory, namespace in roles:
        values = defaults(role)
        assert values[directory].endswith("}}/" + documented[values[namespace]]), (
            role,
            values[directory],
        )
