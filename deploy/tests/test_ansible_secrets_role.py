"""The secrets role's Vault-side tasks, run for real (ansible/secrets.yml with secrets_deploy_in_cluster=false) against
OpenBao's `bao server -dev` on 127.0.0.1: the first run configures everything, the second changes nothing, and the
policy lets the service's identity read its secret and nothing more. Deploying Vault INTO the cluster
(roles/secrets/tasks/cluster.yml) needs a cluster: that part is covered by ansible-lint and --syntax-check only."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import hvac
import hvac.exceptions
import pytest

from ansible_run import (
    DevServer,
    PlaybookRun,
    decrypt_vars,
    openbao_dev_server,
    run_playbook,
    self_signed_ca,
    write_demo_password_file,
)
from contracts import table


@pytest.fixture(scope="module")
def password_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_demo_password_file(tmp_path_factory.mktemp("vault-password"))


@pytest.fixture(scope="module")
def vaulted(password_file: Path) -> dict[str, Any]:
    """group_vars/all/vault.yml decrypted with the documented demo password."""
    return decrypt_vars(password_file)


@pytest.fixture(scope="module")
def bao() -> Iterator[DevServer]:
    with openbao_dev_server() as server:
        yield server


@pytest.fixture(scope="module")
def role_vars(bao: DevServer, tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """Vault-side only; the root token of the test server replaces the vaulted one (extra vars win)."""
    return {
        "secrets_deploy_in_cluster": False,
        "secrets_addr": bao.address,
        "secrets_token": bao.root_token,
        # Outside a pod Vault has no ServiceAccount of its own: an explicit CA and no local JWT. Nothing logs in here.
        "secrets_k8s_host": "https://127.0.0.1:6443",
        "secrets_k8s_disable_local_ca_jwt": True,
        "secrets_k8s_ca_cert": self_signed_ca(tmp_path_factory.mktemp("ca")),
    }


@pytest.fixture(scope="module")
def runs(
    role_vars: dict[str, object],
    password_file: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> list[PlaybookRun]:
    tmp = tmp_path_factory.mktemp("vault-runs")
    first = run_playbook("secrets.yml", role_vars, password_file, tmp)
    assert first.returncode == 0, first.output
    second = run_playbook("secrets.yml", role_vars, password_file, tmp)
    assert second.returncode == 0, second.output
    return [first, second]


def vault_names() -> dict[str, str]:
    rows = table("deployment.md", "Vault").rows
    return {row[0]: row[1].split("`")[1] for row in rows}


def root_client(bao: DevServer) -> hvac.Client:
    return hvac.Client(url=bao.address, token=bao.root_token)


def test_first_run_configures_vault_as_documented(
    bao: DevServer, runs: list[PlaybookRun], vaulted: dict[str, Any]
) -> None:
    assert runs[0].changed >= 4, runs[0].output
    names = vault_names()
    client = root_client(bao)
    secret = client.secrets.kv.v2.read_secret_version(
        mount_point=names["KV v2 mount"],
        path=names["secret path"],
        raise_on_deleted_version=True,
    )
    # The values of the ansible-vault file, not the CHANGE-ME placeholders of vault.example.yml.
    assert secret["data"]["data"] == vaulted["secrets_service_secrets"]
    policy = client.sys.read_acl_policy(names["policy (read-only on that path)"])["data"]["policy"]
    assert f'path "{names["KV v2 mount"]}/data/{names["secret path"]}"' in policy
    assert names["Kubernetes auth mount"] + "/" in client.sys.list_auth_methods()["data"]
    role = client.auth.kubernetes.read_role(names["Kubernetes auth role"], mount_point=names["Kubernetes auth mount"])
    assert role["bound_service_account_names"] == ["spam-classifier"]
    assert role["bound_service_account_namespaces"] == ["spam-classifier"]
    assert role["token_policies"] == [names["policy (read-only on that path)"]]


def test_second_run_changes_nothing(runs: list[PlaybookRun]) -> None:
    assert runs[1].changed == 0, runs[1].output


def test_policy_lets_the_service_read_and_nothing_else(bao: DevServer, runs: list[PlaybookRun]) -> None:
    names = vault_names()
    mount, path = names["KV v2 mount"], names["secret path"]
    token = root_client(bao).auth.token.create(
        policies=[names["policy (read-only on that path)"]], no_default_policy=True
    )
    service = hvac.Client(url=bao.address, token=token["auth"]["client_token"])
    assert (
        "admin_api_key"
        in service.secrets.kv.v2.read_secret_version(mount_point=mount, path=path, raise_on_deleted_version=True)[
            "data"
        ]["data"]
    )
    with pytest.raises(hvac.exceptions.Forbidden):
        service.secrets.kv.v2.create_or_update_secret(mount_point=mount, path=path, secret={"admin_api_key": "x" * 20})
    with pytest.raises(hvac.exceptions.Forbidden):
        service.secrets.kv.v2.read_secret_version(
            mount_point=mount, path="another-service", raise_on_deleted_version=True
        )
    with pytest.raises(hvac.exceptions.Forbidden):
        service.secrets.kv.v2.delete_metadata_and_all_versions(mount_point=mount, path=path)
    with pytest.raises(hvac.exceptions.Forbidden):
        service.sys.read_acl_policy(names["policy (read-only on that path)"])


def test_a_changed_secret_is_written_once(
    bao: DevServer,
    role_vars: dict[str, object],
    password_file: Path,
    runs: list[PlaybookRun],
    tmp_path: Path,
) -> None:
    rotated = {
        **role_vars,
        "secrets_service_secrets": {"admin_api_key": "rotated-admin-key-0123456789"},
    }
    assert run_playbook("secrets.yml", rotated, password_file, tmp_path).changed == 1
    assert run_playbook("secrets.yml", rotated, password_file, tmp_path).changed == 0
    names = vault_names()
    secret = root_client(bao).secrets.kv.v2.read_secret_version(
        mount_point=names["KV v2 mount"],
        path=names["secret path"],
        raise_on_deleted_version=True,
    )
    assert secret["data"]["data"] == {"admin_api_key": "rotated-admin-key-0123456789"}


def test_placeholders_and_a_missing_password_are_refused(
    role_vars: dict[str, object], password_file: Path, tmp_path: Path
) -> None:
    placeholder = {
        **role_vars,
        "secrets_service_secrets": {"admin_api_key": "CHANGE-ME-a-long-random-string"},
    }
    refused = run_playbook("secrets.yml", placeholder, password_file, tmp_path)
    assert refused.returncode != 0
    assert "not a CHANGE-ME placeholder" in refused.output
    no_password = run_playbook("secrets.yml", role_vars, None, tmp_path)
    assert no_password.returncode != 0
    assert "vault" in no_password.output.lower()


def test_a_rerun_configures_a_restarted_dev_vault(
    role_vars: dict[str, object], password_file: Path, vaulted: dict[str, Any], tmp_path: Path
) -> None:
    """Dev mode keeps everything in memory: after `minikube stop/start` Vault is empty again under the same root token
    (the token is a Secret, kept by the cluster). Re-running secrets.yml must configure it fully; a second server
    started after the module's one plays the restarted pod."""
    with openbao_dev_server() as restarted:
        rerun_vars = {**role_vars, "secrets_addr": restarted.address, "secrets_token": restarted.root_token}
        rerun = run_playbook("secrets.yml", rerun_vars, password_file, tmp_path)
        assert rerun.returncode == 0, rerun.output
        names = vault_names()
        secret = root_client(restarted).secrets.kv.v2.read_secret_version(
            mount_point=names["KV v2 mount"], path=names["secret path"], raise_on_deleted_version=True
        )
        assert secret["data"]["data"] == vaulted["secrets_service_secrets"]
        assert names["Kubernetes auth mount"] + "/" in root_client(restarted).sys.list_auth_methods()["data"]
