"""The Jenkins controller as code (deploy/jenkins/): Dockerfile, plugins.txt, casc.yaml, compose.yaml.

Proves: hadolint passes; the image is the official LTS at a pinned tag with the tools the make targets call; every
plugin is pinned and the ones the Jenkinsfile and casc.yaml rely on are listed; Ansible pins equal
deploy/requirements-ops.txt; casc.yaml and compose.yaml parse, every variable casc.yaml reads is passed by
compose.yaml (or has a default), and every file they name exists; the job is `spam-classifier` from the Jenkinsfile
with the GitHub push trigger; port 8080 as in docs/deployment.md.
Does not prove: that the image builds (nothing can be pulled here) or that Jenkins loads this configuration.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from contracts import REPO, table

JENKINS = REPO / "deploy" / "jenkins"
DOCKERFILE = JENKINS / "Dockerfile"
HADOLINT = REPO / ".venv" / "bin" / "hadolint"

# Jenkinsfile step / casc.yaml key -> the plugin that provides it.
REQUIRED_PLUGINS = {
    "configuration-as-code": "casc.yaml itself",
    "job-dsl": "casc.yaml jobs: (pipelineJob)",
    "workflow-aggregator": "declarative pipeline",
    "git": "cpsScm git remote",
    "github": "githubPush() trigger",
    "credentials-binding": "withCredentials",
    "plain-credentials": "file credentials",
    "junit": "junit step",
    "timestamper": "timestamps() option",
}


def hadolint(path: Path) -> subprocess.CompletedProcess[str]:
    if not HADOLINT.exists():
        pytest.fail(".venv/bin/hadolint is missing: run make setup-python")
    return subprocess.run(
        [str(HADOLINT), str(path)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def test_hadolint_passes() -> None:
    result = hadolint(DOCKERFILE)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("FROM jenkins/jenkins:2.516.3-lts-jdk21", "FROM jenkins/jenkins:latest"),
        ("USER 1000\n", "USER jenkins\n"),
        (" && rm -rf /var/lib/apt/lists/*\n", "\n"),
    ],
    ids=["latest tag", "non-numeric user", "apt lists kept"],
)
def test_hadolint_fails_on_mutated_dockerfile(tmp_path: Path, old: str, new: str) -> None:
    text = DOCKERFILE.read_text()
    assert old in text
    mutated = tmp_path / "Dockerfile"
    mutated.write_text(text.replace(old, new, 1))
    assert hadolint(mutated).returncode != 0


def dockerfile_problems(text: str) -> list[str]:
    problems = []
    base = re.search(r"^FROM (\S+)", text, re.MULTILINE)
    if not base or not re.fullmatch(r"jenkins/jenkins:\d+\.\d+\.\d+-lts-jdk\d+", base.group(1)):
        problems.append(f"base {base.group(1) if base else None} is not the official LTS image at a pinned version")
    # The tools the stages' make targets call, each with proof it is installed.
    for tool, evidence in {
        "docker CLI": r"docker --version",
        "docker compose": r"docker compose version",
        "kubectl": r"kubectl version --client",
        "node": r"node --version",
        "make": r"\bmake\b",
        "python3 + venv": r"python3-venv",
        "ansible": r"ansible-playbook",
        "chromium (make test-ui)": r"\bchromium\b",
    }.items():
        if not re.search(evidence, text):
            problems.append(f"no {tool} in the image")
    for source in re.findall(r"^COPY (?:--\S+ )*(\S+) ", text, re.MULTILINE):
        if not (JENKINS / source).exists():
            problems.append(f"COPY source {source} does not exist in deploy/jenkins/")
    node = re.search(r"ARG NODE_VERSION=(\d+)\.(\d+)", text)
    if not node or (int(node.group(1)), int(node.group(2))) < (20, 19):
        problems.append("Node must be >= 20.19 (package.json engines)")
    return problems


def test_dockerfile_has_the_tools_the_pipeline_needs() -> None:
    assert dockerfile_problems(DOCKERFILE.read_text()) == []


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("kubectl version --client", ""),
        ("COPY requirements.txt", "COPY requirement.txt"),
        ("ARG NODE_VERSION=20.20.2", "ARG NODE_VERSION=18.20.4"),
    ],
    ids=["no kubectl", "missing COPY source", "old node"],
)
def test_dockerfile_check_fails_on_mutation(old: str, new: str) -> None:
    text = DOCKERFILE.read_text()
    assert old in text
    assert dockerfile_problems(text.replace(old, new))


SYSTEM_DEPS = REPO / "deploy" / "ci" / "install-system-deps.sh"

# Packages of install-system-deps.sh the Jenkins image does not apt-get, each with the reason and the Dockerfile text
# that proves the reason holds. Jenkins runs as uid 1000: install-system-deps.sh only reports what is missing there.
SYSTEM_DEPS_WAIVED = {
    "docker.io": (
        "the engine is the laptop's, reached through the mounted socket; the CLI is a static binary",
        r"docker --version",
    ),
    "docker-compose": ("the compose v2 plugin is installed instead of Debian's compose v1", r"docker compose version"),
    "debootstrap": ("stand-in base images are built only where nothing can be pulled, never on the laptop", r"^FROM "),
    "openjdk-17-jre-headless": (
        "the JDK base image has Java >= 17 (npm-groovy-lint)",
        r"^FROM jenkins/jenkins:\S+-jdk(1[7-9]|[2-9]\d)\b",
    ),
}


def system_deps(script: str) -> list[str]:
    """The names in install-system-deps.sh's `packages=( ... )` array."""
    block = re.search(r"^packages=\((.*?)^\)", script, re.MULTILINE | re.DOTALL)
    assert block, "no packages=( ... ) array in install-system-deps.sh"
    return [line.split("#", 1)[0].strip() for line in block.group(1).splitlines() if line.split("#", 1)[0].strip()]


def apt_installed(dockerfile: str) -> set[str]:
    """Package names of every `apt-get install` in the Dockerfile (continuation lines joined, options dropped)."""
    joined = dockerfile.replace("\\\n", " ")
    names: set[str] = set()
    for command in re.findall(r"apt-get install ([^&;\n]*)", joined):
        names.update(word for word in command.split() if not word.startswith("-"))
    return names


def system_deps_problems(script: str, dockerfile: str) -> list[str]:
    installed = apt_installed(dockerfile)
    problems = []
    for package in system_deps(script):
        if package in installed:
            continue
        waiver = SYSTEM_DEPS_WAIVED.get(package)
        if waiver is None:
            problems.append(f"{package} (install-system-deps.sh) is not installed by deploy/jenkins/Dockerfile")
        elif not re.search(waiver[1], dockerfile, re.MULTILINE):
            problems.append(f"{package} is waived ({waiver[0]}) but the Dockerfile does not match {waiver[1]!r}")
    return problems


def test_jenkins_image_has_every_system_dependency_of_the_make_targets() -> None:
    """make test-deploy / rollout-drill inside Jenkins cannot apt-get (uid 1000): the image must carry the packages."""
    assert system_deps_problems(SYSTEM_DEPS.read_text(), DOCKERFILE.read_text()) == []


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("chromium haproxy", "chromium"),
        ("haproxy prometheus", "haproxy"),
        ("FROM jenkins/jenkins:2.516.3-lts-jdk21", "FROM jenkins/jenkins:2.516.3-lts-jdk11"),
        ("docker --version", "true"),
    ],
    ids=["no haproxy", "no promtool", "java too old", "no docker CLI"],
)
def test_system_dependency_check_fails_on_mutation(old: str, new: str) -> None:
    text = DOCKERFILE.read_text()
    assert old in text
    assert system_deps_problems(SYSTEM_DEPS.read_text(), text.replace(old, new, 1))


def plugin_problems(text: str) -> list[str]:
    problems, names = [], set()
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        match = re.fullmatch(r"([a-z0-9-]+):([\w.-]+)", line)
        if not match or match.group(2) in ("latest", "experimental"):
            problems.append(f"not pinned: {line!r}")
            continue
        names.add(match.group(1))
    problems += [f"{name} missing (needed for {why})" for name, why in REQUIRED_PLUGINS.items() if name not in names]
    return problems


def test_plugins_are_pinned_and_complete() -> None:
    assert plugin_problems((JENKINS / "plugins.txt").read_text()) == []


@pytest.mark.parametrize(
    ("old", "new"),
    [("git:5.7.0", "git:latest"), ("job-dsl:1.93\n", ""), ("junit:", "junit")],
    ids=["latest", "job-dsl dropped", "no version"],
)
def test_plugin_check_fails_on_mutation(old: str, new: str) -> None:
    text = (JENKINS / "plugins.txt").read_text()
    assert old in text
    assert plugin_problems(text.replace(old, new))


def pins(path: Path) -> dict[str, str]:
    found = {}
    for line in path.read_text().splitlines():
        match = re.match(r"^([A-Za-z0-9_.-]+)==(\S+)", line)
        if match:
            found[match.group(1).lower().replace("_", "-")] = match.group(2)
    return found


def test_ansible_pins_match_requirements_ops() -> None:
    image, ops = (
        pins(JENKINS / "requirements.txt"),
        pins(REPO / "deploy" / "requirements-ops.txt"),
    )
    assert image, "deploy/jenkins/requirements.txt pins nothing"
    assert {name: version for name, version in image.items() if ops.get(name) != version} == {}


# ---------------------------------------------------------------- casc.yaml and compose.yaml
_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(:-[^}]*)?\}")


def casc_variables(text: str) -> dict[str, bool]:
    """Environment variables casc.yaml reads -> whether it gives a default (readFileBase64 etc. are not variables)."""
    found: dict[str, bool] = {}
    for name, default in _VARIABLE.findall(text):
        found[name] = found.get(name, False) or bool(default)
    return found


def compose_environment(compose: dict) -> dict[str, str]:
    return dict(compose["services"]["jenkins"]["environment"])


def credential_source_problems(casc: dict, compose: dict) -> list[str]:
    """Each credential value is read from the environment or a mounted file, never written in casc.yaml."""
    problems = []
    passed = compose_environment(compose)
    mounts = [volume.split(":")[1] for volume in compose["services"]["jenkins"]["volumes"]]
    entries = [
        entry for domain in casc["credentials"]["system"]["domainCredentials"] for entry in domain["credentials"]
    ]
    for kind, body in (item for entry in entries for item in entry.items()):
        for key in ("password", "secretBytes", "secret"):
            if key in body and not str(body[key]).startswith("${"):
                problems.append(f"credential {body['id']}: {key} is a literal, not read from the environment")
        if kind == "file":
            path_variable = re.search(r"readFileBase64:\$\{(\w+)", body["secretBytes"])
            target = passed.get(path_variable.group(1)) if path_variable else None
            if target not in mounts:
                problems.append(f"credential {body['id']}: its file {target} is not mounted by compose.yaml")
    return problems


def casc_problems(casc_text: str, compose_text: str) -> list[str]:
    problems = []
    casc = yaml.safe_load(casc_text)
    compose = yaml.safe_load(compose_text)
    passed = compose_environment(compose)
    for name, has_default in casc_variables(casc_text).items():
        if name not in passed and not has_default:
            problems.append(f"casc.yaml reads ${{{name}}}, compose.yaml does not pass it")
    problems += credential_source_problems(casc, compose)
    script = "\n".join(job["script"] for job in casc.get("jobs", []))
    for needed in (
        "pipelineJob('spam-classifier')",
        "githubPush()",
        "scriptPath('Jenkinsfile')",
        "${REPO_URL}",
    ):
        if needed not in script:
            problems.append(f"casc.yaml job script lacks {needed}")
    for path in re.findall(r"scriptPath\('([^']+)'\)", script):
        if not (REPO / path).exists():
            problems.append(f"scriptPath {path} does not exist")
    return problems


def test_casc_parses_and_matches_compose() -> None:
    assert casc_problems((JENKINS / "casc.yaml").read_text(), (JENKINS / "compose.yaml").read_text()) == []


@pytest.mark.parametrize(
    ("file", "old", "new"),
    [
        ("casc.yaml", 'password: "${DOCKERHUB_TOKEN}"', 'password: "hunter2"'),
        ("casc.yaml", "pipelineJob('spam-classifier')", "pipelineJob('spam')"),
        ("casc.yaml", "scriptPath('Jenkinsfile')", "scriptPath('ci/Jenkinsfile')"),
        ("compose.yaml", "      DOCKERHUB_USER:", "      DOCKER_USER:"),
        ("compose.yaml", ":/run/secrets/kubeconfig:ro", ":/run/secrets/kube:ro"),
    ],
    ids=[
        "literal secret",
        "job renamed",
        "missing Jenkinsfile",
        "variable not passed",
        "file not mounted",
    ],
)
def test_casc_check_fails_on_mutation(file: str, old: str, new: str) -> None:
    texts = {name: (JENKINS / name).read_text() for name in ("casc.yaml", "compose.yaml")}
    assert old in texts[file]
    texts[file] = texts[file].replace(old, new, 1)
    assert casc_problems(texts["casc.yaml"], texts["compose.yaml"])


def compose_problems(compose_text: str, casc_text: str) -> list[str]:
    problems = []
    service = yaml.safe_load(compose_text)["services"]["jenkins"]
    context = JENKINS / service["build"]["context"]
    if not (context / service["build"].get("dockerfile", "Dockerfile")).exists():
        problems.append(f"build context {context} has no Dockerfile")
    if "/var/run/docker.sock:/var/run/docker.sock" not in service["volumes"]:
        problems.append("the Docker socket is not mounted")
    jenkins_row = next(row for row in table("deployment.md", "Services and ports").rows if row[0] == "Jenkins")
    documented_port = jenkins_row[3]
    url = re.search(r"JENKINS_URL:-(http://localhost:(\d+)/)", casc_text)
    if service.get("network_mode") == "host":
        # Host network: Jenkins' own default port is the laptop's port.
        if not url or url.group(2) != documented_port:
            problems.append(f"casc.yaml's default JENKINS_URL port is not {documented_port} (docs/deployment.md)")
    else:
        published = [str(port).split(":")[-2] for port in service.get("ports", [])]
        if documented_port not in published:
            problems.append(f"port {documented_port} (docs/deployment.md) is not published")
    return problems


def test_compose_runs_jenkins_as_documented() -> None:
    assert compose_problems((JENKINS / "compose.yaml").read_text(), (JENKINS / "casc.yaml").read_text()) == []


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("      context: .", "      context: ./controller"),
        ("      - /var/run/docker.sock:/var/run/docker.sock\n", ""),
        ("    network_mode: host\n", "    ports: ['127.0.0.1:8081:8080']\n"),
    ],
    ids=["missing context", "no socket", "wrong port"],
)
def test_compose_check_fails_on_mutation(old: str, new: str) -> None:
    text = (JENKINS / "compose.yaml").read_text()
    assert old in text
    assert compose_problems(text.replace(old, new, 1), (JENKINS / "casc.yaml").read_text())


def test_compose_file_is_valid_for_compose() -> None:
    """`docker compose config` (v2) or Debian's docker-compose v1 accept the file with the required variables set."""
    if (
        shutil.which("docker")
        and subprocess.run(["docker", "compose", "version"], capture_output=True, check=False).returncode == 0
    ):
        command = ["docker", "compose"]
    elif shutil.which("docker-compose"):
        command = ["docker-compose"]
    else:
        pytest.skip("neither docker compose nor docker-compose is installed")
    environment = {
        "PATH": "/usr/bin:/bin",
        "HOME": "/home/student",
        "JENKINS_ADMIN_PASSWORD": "x",
        "REPO_URL": "https://github.com/student/spam-classifier.git",
        "DOCKERHUB_USER": "student",
        "DOCKERHUB_TOKEN": "token",
    }
    result = subprocess.run(
        [*command, "-f", "compose.yaml", "config", "-q"],
        cwd=JENKINS,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    missing = subprocess.run(
        [*command, "-f", "compose.yaml", "config", "-q"],
        cwd=JENKINS,
        env={"PATH": "/usr/bin:/bin", "HOME": "/home/student"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert missing.returncode != 0 and "JENKINS_ADMIN_PASSWORD" in missing.stderr, "required variables not enforced"


def test_env_example_lists_every_required_variable() -> None:
    example = (JENKINS / ".env.example").read_text()
    compose = (JENKINS / "compose.yaml").read_text()
    required = set(re.findall(r"\$\{(\w+):\?", compose)) | {"DOCKER_GID"}
    listed = set(re.findall(r"^([A-Z_]+)=", example, re.MULTILINE))
    assert required <= listed, f".env.example lacks {sorted(required - listed)}"
