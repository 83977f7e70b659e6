"""setup.yml on a student laptop: no root unless something must be installed, macOS gets a message instead of apt,
and an existing Docker is never replaced. The tools role runs for real here (Debian) with stand-in `docker`,
`kubectl` and `minikube` commands on PATH and sudo replaced by /bin/false (become user nobody), so any task that
asked for root would fail the run. Installing for real (apt, downloads) and the cluster play need a laptop: not
run here."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from ansible_run import ANSIBLE_DIR, PlaybookRun, run_playbook
from contracts import REPO

# Ansible skips become when it already runs as the become user (root here): another become user makes it try, and
# /bin/false as sudo makes every try fail, so nothing is ever installed by these tests.
NO_ROOT = {"ansible_become_exe": "/bin/false", "ansible_become_user": "nobody"}


def run_tools_role(tmp: Path, extra_vars: dict[str, object]) -> PlaybookRun:
    playbook = tmp / "play.yml"
    play = {"name": "tools", "hosts": "localhost", "roles": [{"role": "tools"}]}
    playbook.write_text(yaml.safe_dump([play]), encoding="utf-8")
    return run_playbook(playbook, {"spam_repo_root": str(REPO), **NO_ROOT, **extra_vars}, None, tmp)


def stand_in_commands(tmp: Path, monkeypatch: pytest.MonkeyPatch, docker: bool, not_installed: str = "") -> None:
    """Stand-ins on PATH: `docker` (answers) when docker is true, kubectl, minikube, and a dpkg-query that reports the
    packages named in not_installed as absent and every other one as installed."""
    bin_dir = tmp / "bin"
    bin_dir.mkdir()
    scripts = {"kubectl": "exit 0", "minikube": "exit 0"}
    if docker:
        scripts["docker"] = "exit 0"
    absent = " ".join(not_installed.split(","))
    scripts["dpkg-query"] = (
        # Called as: dpkg-query -W -f=${Status} PACKAGE
        f'for p in {absent}; do [ "$p" = "$3" ] && {{ echo "no packages found matching $3" >&2; exit 1; }}; done\n'
        "printf 'install ok installed'"
    )
    for name, body in scripts.items():
        (bin_dir / name).write_text(f"#!/bin/sh\n{body}\n", encoding="utf-8")
        (bin_dir / name).chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")


def test_no_play_asks_for_root() -> None:
    """become on a play makes every task (and minikube) run as root; only single tasks of the tools role may."""
    for playbook in sorted(ANSIBLE_DIR.glob("*.yml")):
        for play in yaml.safe_load(playbook.read_text()) or []:
            assert "become" not in play, f"{playbook.name}: play {play.get('name')!r} has become"
    for tasks in sorted((ANSIBLE_DIR / "roles").glob("*/tasks/*.yml")):
        if tasks.parts[-3] != "tools":
            assert "become" not in tasks.read_text(), f"{tasks.relative_to(ANSIBLE_DIR)} asks for root"


def test_other_systems_get_a_message_and_no_installation(tmp_path: Path) -> None:
    run = run_tools_role(tmp_path, {"tools_os_family": "Darwin"})
    assert run.returncode == 0, run.output
    assert "installs with apt on Debian/Ubuntu only" in run.output


def test_a_prepared_debian_laptop_needs_no_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Docker answers, kubectl and minikube exist, the packages are installed: nothing asks for sudo."""
    stand_in_commands(tmp_path, monkeypatch, docker=True)
    run = run_tools_role(tmp_path, {})
    assert run.returncode == 0, run.output
    assert run.changed == 0


def test_an_answering_docker_ce_is_not_replaced_by_docker_io(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """docker-ce from docker.com: dpkg has no docker.io, but Docker answers; installing docker.io would conflict."""
    stand_in_commands(tmp_path, monkeypatch, docker=True, not_installed="docker.io")
    run = run_tools_role(tmp_path, {})
    assert run.returncode == 0, run.output
    assert run.changed == 0


def test_a_missing_package_is_installed_with_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The counter-check of the two above: when something IS missing the role asks for root (here: sudo fails)."""
    stand_in_commands(tmp_path, monkeypatch, docker=True, not_installed="conntrack")
    run = run_tools_role(tmp_path, {})
    assert run.returncode != 0
    assert "Install the missing Debian packages" in run.output.split("fatal:")[0].rsplit("TASK [", 1)[-1]
