"""No secret in git in plain text: the ansible-vault file is encrypted, its values appear in no other file of the
repository (tracked or about to be added), and no unencrypted Ansible variables file holds a secret-looking value."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from ansible_run import ANSIBLE_DIR, ENCRYPTED_VARS, decrypt_vars, write_demo_password_file
from contracts import REPO

ENCRYPTED = ENCRYPTED_VARS
VARS_DIR = ENCRYPTED_VARS.parent
EXAMPLE = VARS_DIR / "vault.example.yml"
# Variable names that hold a credential: *_token, *password, *api_key (e.g. secrets_token, admin_api_key).
SECRET_NAME = re.compile(r"(^|_)(token|password|api_key)$")
PLACEHOLDER = re.compile(r"^(CHANGE-ME.*|)$")


def is_encrypted(path: Path) -> bool:
    return path.read_text(encoding="utf-8").startswith("$ANSIBLE_VAULT;")


def leaves(node: Any, name: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield from leaves(value, str(key))
    elif isinstance(node, list):
        for value in node:
            yield from leaves(value, name)
    else:
        yield name, node


def plain_secrets(path: Path) -> list[str]:
    """Secret-named variables with a literal value (not empty, not CHANGE-ME, not a Jinja reference)."""
    found = []
    for name, value in leaves(yaml.safe_load(path.read_text(encoding="utf-8"))):
        if SECRET_NAME.search(name) and isinstance(value, str) and not PLACEHOLDER.match(value) and "{{" not in value:
            found.append(f"{path}: {name}")
    return found


def ansible_variable_files() -> list[Path]:
    files = [
        *ANSIBLE_DIR.glob("group_vars/**/*.y*ml"),
        *ANSIBLE_DIR.glob("host_vars/**/*.y*ml"),
    ]
    files += [
        *ANSIBLE_DIR.glob("roles/*/defaults/*.y*ml"),
        *ANSIBLE_DIR.glob("roles/*/vars/*.y*ml"),
    ]
    return sorted(files)


def repository_files() -> list[Path]:
    """Tracked files plus untracked ones git would add (not ignored)."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        check=True,
        capture_output=True,
    ).stdout
    return [REPO / name for name in listed.decode().split("\0") if name and (REPO / name).is_file()]


@pytest.fixture(scope="module")
def vaulted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return decrypt_vars(write_demo_password_file(tmp_path_factory.mktemp("scan")))


def test_the_secrets_file_is_encrypted_and_has_the_example_shape(
    vaulted: dict[str, Any],
) -> None:
    assert is_encrypted(ENCRYPTED)
    example = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    assert set(vaulted) == set(example)
    assert set(vaulted["secrets_service_secrets"]) == set(example["secrets_service_secrets"])
    assert all(PLACEHOLDER.match(str(value)) for _, value in leaves(example))


def test_no_unencrypted_variables_file_holds_a_secret() -> None:
    plain = [found for path in ansible_variable_files() if not is_encrypted(path) for found in plain_secrets(path)]
    assert plain == []


def test_the_vaulted_values_appear_in_no_repository_file_in_plain_text(
    vaulted: dict[str, Any],
) -> None:
    values = [str(value) for _, value in leaves(vaulted) if len(str(value)) >= 8]
    assert values, "the ansible-vault file holds no values"
    offenders = []
    for path in repository_files():
        content = path.read_bytes()
        offenders += [str(path.relative_to(REPO)) for value in values if value.encode() in content]
    assert offenders == []


def test_scan_catches_a_plain_secret(tmp_path: Path) -> None:
    # The scanner itself, on a temporary file: a real-looking token is reported, placeholders are not.
    leaked = tmp_path / "leaked.yml"
    leaked.write_text(
        "secrets_token: s.AbCdEf0123456789\nvault_service_secrets:\n  admin_api_key: CHANGE-ME\n",
        encoding="utf-8",
    )
    assert plain_secrets(leaked) == [f"{leaked}: secrets_token"]
