"""deploy/local/check-prerequisites.sh: the set-up targets find a Python >= 3.11 and refuse an old Python or Node with
a message that says what to install. Old interpreters are simulated by small scripts on a PATH of their own."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from contracts import REPO

SCRIPT = REPO / "deploy" / "local" / "check-prerequisites.sh"


def fake(bin_dir: Path, name: str, body: str) -> None:
    path = bin_dir / name
    path.write_text(f"#!/bin/bash\n{body}\n")
    path.chmod(0o755)


def check(what: str, bin_dir: Path, **minimum: str) -> subprocess.CompletedProcess[str]:
    # bash and coreutils stay reachable; python3/node come only from bin_dir.
    tools = bin_dir.parent / "tools"
    tools.mkdir(exist_ok=True)
    for tool in ("bash", "env", "cat", "dirname"):
        target = tools / tool
        if not target.exists():
            target.symlink_to(shutil.which(tool) or f"/bin/{tool}")
    return subprocess.run(
        ["bash", str(SCRIPT), what],
        env={"PATH": f"{bin_dir}:{tools}", **minimum},
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture
def bin_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "bin"
    directory.mkdir()
    return directory


def test_an_old_python3_alone_is_refused_with_what_to_install(bin_dir: Path) -> None:
    fake(bin_dir, "python3", 'case "$1" in --version) echo "Python 3.9.6";; *) exit 1;; esac')  # Apple's python3
    result = check("python", bin_dir)
    assert result.returncode == 1
    assert "no Python >= 3.11" in result.stderr and "brew install python@3.11" in result.stderr
    assert "Python 3.9.6" in result.stderr


def test_a_versioned_python_is_found_when_python3_is_old(bin_dir: Path) -> None:
    fake(bin_dir, "python3", "exit 1")
    (bin_dir / "python3.11").symlink_to(sys.executable)  # the interpreter running this test is >= 3.11
    result = check("python", bin_dir)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(bin_dir / "python3.11")


def test_a_python_below_the_minimum_is_refused(bin_dir: Path) -> None:
    (bin_dir / "python3").symlink_to(sys.executable)
    assert check("python", bin_dir).returncode == 0
    refused = check("python", bin_dir, PYTHON_MINIMUM=f"{sys.version_info.major}.{sys.version_info.minor + 1}")
    assert refused.returncode == 1 and "no Python >=" in refused.stderr


def test_node_older_than_20_19_is_refused(bin_dir: Path) -> None:
    real_node = shutil.which("node")
    if real_node is None:
        pytest.skip("node is not installed")
    # The real node answers the comparison; only the reported version is old.
    fake(bin_dir, "node", f'[ "$1" = -p ] && {{ echo 20.18.1; exit; }}; exec {real_node} "$@"')
    result = check("node", bin_dir)
    assert result.returncode == 1 and "Node 20.18.1 is too old" in result.stderr


def test_the_installed_node_passes(bin_dir: Path) -> None:
    real_node = shutil.which("node")
    if real_node is None:
        pytest.skip("node is not installed")
    (bin_dir / "node").symlink_to(real_node)
    assert check("node", bin_dir).returncode == 0
