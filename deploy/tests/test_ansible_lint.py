"""ansible-lint (production profile) on ansible/ and ansible-playbook --syntax-check on every playbook.
Both need the ansible-vault password (group vars are decrypted): ansible-test.sh and the fixture give the documented
demo password through ANSIBLE_VAULT_PASSWORD_FILE."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from ansible_run import ANSIBLE_DIR, OPS_BIN
from contracts import REPO, documented_vault_demo_password

PLAYBOOKS = sorted(path.name for path in ANSIBLE_DIR.glob("*.yml"))


@pytest.fixture(scope="module")
def ansible_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    password = tmp_path_factory.mktemp("lint") / "password"
    password.write_text(documented_vault_demo_password() + "\n", encoding="utf-8")
    return {
        **os.environ,
        "ANSIBLE_CONFIG": str(ANSIBLE_DIR / "ansible.cfg"),
        "ANSIBLE_VAULT_PASSWORD_FILE": str(password),
        # ansible-lint re-execs tools from PATH: the venv's, whichever shell started the tests.
        "PATH": f"{OPS_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    }


def run(argv: list[str], env: dict[str, str], cwd: Path = ANSIBLE_DIR) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=600, check=False)


def test_ansible_lint_production_profile(ansible_env: dict[str, str]) -> None:
    result = run(
        [
            str(OPS_BIN / "ansible-lint"),
            "--profile",
            "production",
            "--offline",
            "--nocolor",
            ".",
        ],
        ansible_env,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Profile 'production' was required, and it passed" in result.stdout + result.stderr


@pytest.mark.parametrize("playbook", PLAYBOOKS)
def test_syntax_check(playbook: str, ansible_env: dict[str, str]) -> None:
    result = run([str(OPS_BIN / "ansible-playbook"), "--syntax-check", playbook], ansible_env)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_role_has_defaults_tasks_and_an_argument_spec() -> None:
    for role in (ANSIBLE_DIR / "roles").iterdir():
        for part in ("defaults/main.yml", "tasks/main.yml", "meta/argument_specs.yml"):
            assert (role / part).is_file(), f"{role.name}: {part}"


def test_deploy_playbook_as_jenkins_calls_it(ansible_env: dict[str, str]) -> None:
    # `ansible-playbook ansible/deploy.yml -e ...` from the workspace root: no ansible.cfg, implicit localhost.
    env = {key: value for key, value in ansible_env.items() if key != "ANSIBLE_CONFIG"}
    result = run(
        [
            str(OPS_BIN / "ansible-playbook"),
            "--syntax-check",
            "ansible/deploy.yml",
            "-e",
            "dockerhub_user=u",
            "-e",
            "image_tag=t",
        ],
        env,
        cwd=REPO,
    )
    assert result.returncode == 0, result.stdout + result.stderr
