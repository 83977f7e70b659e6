"""The Jenkinsfile: linted by npm-groovy-lint, and checked for what that linter cannot see.

npm-groovy-lint checks Groovy syntax and style, not the declarative model (an unknown directive or a stage without
steps passes it), so a small parser below reads the Jenkinsfile into nested blocks and the tests check:
the known sections and directives, every stage has steps, `post` publishes the JUnit files, the push trigger;
every `sh` step is a plain `make <target>` whose target exists, and every script / playbook those targets reach
exists; every credential id is declared in casc.yaml and documented in docs/deployment.md; and the targets of
`make test` (what `.ci/run` runs) are the stages Jenkins runs before it pushes anything.

What this does not prove: that Jenkins accepts the file (no Jenkins here; the plugins' step signatures are not
checked) or that the stages pass on the laptop.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

from contracts import REPO, codes, jenkins_credential_ids, make_closure, makefile_rules, table

JENKINSFILE = REPO / "Jenkinsfile"
CASC = REPO / "deploy" / "jenkins" / "casc.yaml"
GROOVY_LINT = REPO / "deploy" / "ci" / "groovy-lint" / "node_modules" / ".bin" / "npm-groovy-lint"

# Declarative Pipeline syntax reference (jenkins.io/doc/book/pipeline/syntax).
PIPELINE_SECTIONS = {
    "agent",
    "triggers",
    "options",
    "parameters",
    "environment",
    "tools",
    "libraries",
    "stages",
    "post",
}
STAGE_DIRECTIVES = {
    "agent",
    "environment",
    "input",
    "when",
    "options",
    "tools",
    "post",
    "steps",
    "stages",
    "parallel",
    "matrix",
    "failFast",
}
POST_CONDITIONS = {
    "always",
    "changed",
    "fixed",
    "regression",
    "aborted",
    "failure",
    "success",
    "unstable",
    "unsuccessful",
    "cleanup",
}
REQUIRED_OPTIONS = {
    "timestamps",
    "timeout",
    "disableConcurrentBuilds",
    "buildDiscarder",
}


# ---------------------------------------------------------------- a small reader of Groovy blocks
_TOKEN = re.compile(
    r"""(?P<comment>//[^\n]*|/\*.*?\*/)
      |(?P<string>'''.*?'''|\"\"\".*?\"\"\"|'(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*")
      |(?P<ident>[A-Za-z_][A-Za-z0-9_.]*)
      |(?P<punct>[{}()\[\],:])
      |(?P<other>\S)""",
    re.DOTALL | re.VERBOSE,
)


@dataclass
class Token:
    kind: str
    text: str
    line: int = 0

    @property
    def value(self) -> str:
        """A string literal without its quotes."""
        quote = 3 if self.text[:3] in ("'''", '"""') else 1
        return self.text[quote:-quote]


@dataclass
class Block:
    """`name(args) { ... }`: the children are blocks; calls are `name(args)` or `name 'arg'` without a body."""

    name: str
    args: list[Token] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)
    calls: list[Block] = field(default_factory=list)
    position: int = 0

    def block(self, name: str) -> Block | None:
        return next((child for child in self.blocks if child.name == name), None)

    def names(self) -> set[str]:
        return {child.name for child in self.blocks} | {call.name for call in self.calls}

    def walk(self):
        yield self
        for child in self.blocks:
            yield from child.walk()

    def all_calls(self, name: str) -> list[Block]:
        found = [call for block in self.walk() for call in block.calls if call.name == name]
        found += [block for block in self.walk() if block.name == name]
        return sorted(found, key=lambda block: block.position)

    def strings(self) -> list[str]:
        return [token.value for token in self.args if token.kind == "string"]


def tokenize(text: str) -> list[Token]:
    tokens = []
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup or "other"
        if kind != "comment":
            tokens.append(Token(kind, match.group(), text.count("\n", 0, match.start())))
    return tokens


def _matching(tokens: list[Token], start: int, open_: str, close: str) -> int:
    depth = 0
    for index in range(start, len(tokens)):
        if tokens[index].text == open_:
            depth += 1
        elif tokens[index].text == close:
            depth -= 1
            if depth == 0:
                return index
    raise ValueError(f"unbalanced {open_!r} at token {start}")


def parse_blocks(tokens: list[Token], start: int = 0, end: int | None = None, name: str = "<file>") -> Block:
    node = Block(name)
    end = len(tokens) if end is None else end
    index = start
    while index < end:
        token = tokens[index]
        nxt = tokens[index + 1] if index + 1 < end else None
        if token.kind == "ident" and nxt is not None:
            args: list[Token] = []
            after = index + 1
            called = nxt.text == "("
            if called:
                close = _matching(tokens, after, "(", ")")
                args = tokens[after + 1 : close]
                after = close + 1
            elif nxt.kind in ("string", "ident") and nxt.line == token.line:
                # Command syntax (`sh 'make lint'`, `junit testResults: '...', allowEmptyResults: true`): the
                # arguments run to the end of the line.
                after = index + 1
                while after < end and tokens[after].line == token.line and tokens[after].text not in "{}":
                    args.append(tokens[after])
                    after += 1
            if after < end and tokens[after].text == "{":
                close = _matching(tokens, after, "{", "}")
                child = parse_blocks(tokens, after + 1, close, token.text)
                child.args, child.position = args, index
                node.blocks.append(child)
                index = close + 1
                continue
            if args or called:
                node.calls.append(Block(token.text, args, position=index))
                index = after
                continue
        index += 1
    return node


def pipeline_of(text: str) -> Block:
    top = parse_blocks(tokenize(text))
    assert [block.name for block in top.blocks] == ["pipeline"], "the Jenkinsfile must be one declarative pipeline {}"
    return top.blocks[0]


# ---------------------------------------------------------------- structure
def stage_problems(pipeline: Block) -> list[str]:
    """Every stage: known directives, non-empty steps, known post conditions."""
    problems: list[str] = []
    stages = pipeline.block("stages")
    stage_blocks = [block for block in (stages.blocks if stages else []) if block.name == "stage"]
    if not stage_blocks:
        problems.append("no stage in stages")
    for stage in stage_blocks:
        label = stage.strings()[0] if stage.strings() else "<unnamed>"
        unknown = stage.names() - STAGE_DIRECTIVES
        if unknown:
            problems.append(f"stage {label!r}: unknown directives {sorted(unknown)}")
        steps = stage.block("steps")
        if steps is None:
            problems.append(f"stage {label!r} has no steps")
        elif not (steps.calls or steps.blocks):
            problems.append(f"stage {label!r} has empty steps")
        for post in [stage.block("post")] if stage.block("post") else []:
            bad = post.names() - POST_CONDITIONS
            if bad:
                problems.append(f"stage {label!r}: unknown post conditions {sorted(bad)}")
    return problems


def structure_problems(text: str) -> list[str]:
    """Everything wrong with the declarative structure (empty = fine)."""
    problems: list[str] = []
    pipeline = pipeline_of(text)
    unknown = pipeline.names() - PIPELINE_SECTIONS
    if unknown:
        problems.append(f"unknown pipeline sections {sorted(unknown)}")
    for required in ("agent", "triggers", "options", "stages", "post"):
        if required not in pipeline.names():
            problems.append(f"pipeline has no {required}")
    triggers = pipeline.block("triggers")
    if triggers is None or "githubPush" not in {call.name for call in triggers.calls} | triggers.names():
        problems.append("triggers has no githubPush() (the job's 'GitHub hook trigger for GITScm polling')")
    options = pipeline.block("options")
    missing_options = REQUIRED_OPTIONS - (options.names() if options else set())
    if missing_options:
        problems.append(f"options lacks {sorted(missing_options)}")
    problems += stage_problems(pipeline)
    post = pipeline.block("post")
    if post is not None:
        bad = post.names() - POST_CONDITIONS
        if bad:
            problems.append(f"unknown post conditions {sorted(bad)}")
        always = post.block("always")
        junit = always.all_calls("junit") if always else []
        patterns = [token.value for call in junit for token in call.args if token.kind == "string"]
        if not any(pattern.startswith("reports/junit/") for pattern in patterns):
            problems.append("post { always { junit 'reports/junit/*.xml' } } is missing")
    return problems


def stage_names(text: str) -> list[str]:
    stages = pipeline_of(text).block("stages")
    assert stages is not None
    return [block.strings()[0] for block in stages.blocks if block.name == "stage"]


def sh_commands(text: str) -> list[str]:
    return [value for call in pipeline_of(text).all_calls("sh") for value in call.strings()]


def make_targets_by_stage(text: str) -> list[tuple[str, str]]:
    """(stage name, make target) for every `sh 'make <target>'`, in file order."""
    found = []
    stages = pipeline_of(text).block("stages")
    assert stages is not None
    for stage in (block for block in stages.blocks if block.name == "stage"):
        for call in stage.all_calls("sh"):
            for command in call.strings():
                match = re.fullmatch(r"make ([a-z0-9-]+)", command.strip())
                if match:
                    found.append((stage.strings()[0], match.group(1)))
    return found


def credential_ids(text: str) -> set[str]:
    return set(re.findall(r"credentialsId:\s*'([^']+)'", text)) | set(re.findall(r"credentials\('([^']+)'\)", text))


def casc_credential_ids(casc_text: str) -> set[str]:
    casc = yaml.safe_load(casc_text)
    ids = set()
    for domain in casc["credentials"]["system"]["domainCredentials"]:
        for entry in domain["credentials"]:
            for body in entry.values():
                ids.add(body["id"])
    return ids


def referenced_files(targets: list[str], makefile: Path = REPO / "Makefile") -> dict[str, list[str]]:
    """Scripts (deploy/...sh) and playbooks the recipes of these targets and their prerequisites name."""
    rules = makefile_rules(makefile)
    found: dict[str, list[str]] = {}
    for target in targets:
        for name in make_closure(target, rules):
            for line in rules[name][1]:
                for script in re.findall(r"(?<![\w/])(deploy/[\w./-]+\.sh)", line):
                    found.setdefault(script, []).append(name)
                if "ansible-playbook" in line.replace("$(ANSIBLE_PLAYBOOK)", "ansible-playbook"):
                    directory = re.search(r"cd (\S+) &&", line)
                    for playbook in re.findall(r"([\w-]+\.ya?ml)", line):
                        path = f"{directory.group(1)}/{playbook}" if directory else playbook
                        found.setdefault(path, []).append(name)
    return found


def sh_problems(text: str, makefile: Path = REPO / "Makefile") -> list[str]:
    rules = makefile_rules(makefile)
    commands = sh_commands(text)
    problems = [] if commands else ["no sh steps found"]
    for command in commands:
        match = re.fullmatch(r"make ([a-z0-9-]+)", command.strip())
        if not match:
            problems.append(f"sh {command!r}: only `make <target>`; put the logic in a script the target calls")
        elif match.group(1) not in rules:
            problems.append(f"sh {command!r}: the Makefile has no target {match.group(1)}")
    return problems


def missing_files(text: str, makefile: Path = REPO / "Makefile") -> list[str]:
    """Scripts and playbooks the pipeline's make targets reach that do not exist; non-executable scripts count
    as missing."""
    targets = [target for _, target in make_targets_by_stage(text)]
    missing = []
    for path, via in sorted(referenced_files(targets, makefile).items()):
        label = f"{path} (make {', '.join(sorted(set(via)))})"
        file = REPO / path
        if file.exists():
            if path.endswith(".sh") and not os.access(file, os.X_OK):
                missing.append(label + " is not executable")
        else:
            missing.append(label)
    return missing


def credential_problems(text: str, casc_text: str) -> list[str]:
    used = credential_ids(text)
    declared = casc_credential_ids(casc_text)
    documented = jenkins_credential_ids()
    problems = [] if used else ["the Jenkinsfile uses no credential"]
    if used - declared:
        problems.append(f"used but not declared in casc.yaml: {sorted(used - declared)}")
    if declared != documented:
        problems.append(f"casc.yaml declares {sorted(declared)}, docs/deployment.md documents {sorted(documented)}")
    return problems


def ci_parity_problems(text: str) -> list[str]:
    """`.ci/run` runs `make test`; Jenkins must run each of its prerequisites as a stage, all before any push."""
    problems = []
    if not re.search(r"^make test$", (REPO / ".ci" / "run").read_text(), re.MULTILINE):
        problems.append(".ci/run no longer calls make test")
    ci_targets = makefile_rules()["test"][0]
    targets = [target for _, target in make_targets_by_stage(text)]
    missing = [target for target in ci_targets if target not in targets]
    if missing:
        problems.append(f"make test runs {missing}, Jenkins does not")
    releases = [targets.index(target) for target in ("push-images", "deploy") if target in targets]
    if not releases:
        problems.append("no push-images / deploy stage")
        return problems
    late = [target for target in ci_targets if target in targets and targets.index(target) > min(releases)]
    if late:
        problems.append(f"{late} run after the push: a failing test must stop the build before Docker Hub")
    if "smoke-test" not in targets or targets.index("smoke-test") < targets.index("deploy"):
        problems.append("no smoke-test after deploy")
    return problems


# ---------------------------------------------------------------- tests on the real files
def test_groovy_lint_passes() -> None:
    """npm-groovy-lint, recommended-jenkinsfile rules, fails on errors (jenkins-check.sh installs it)."""
    result = run_groovy_lint(JENKINSFILE)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]


def run_groovy_lint(path: Path) -> subprocess.CompletedProcess[str]:
    if not GROOVY_LINT.exists():
        pytest.fail(
            "npm-groovy-lint is not installed: run deploy/ci/jenkins-check.sh (it installs deploy/ci/groovy-lint)"
        )
    return subprocess.run(
        [
            str(GROOVY_LINT),
            "--config",
            "recommended-jenkinsfile",
            "--failon",
            "error",
            "--noserver",
            "--output",
            "txt",
            str(path),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=path.parent,
        check=False,
    )


def test_declarative_structure() -> None:
    assert structure_problems(JENKINSFILE.read_text()) == []


def test_every_sh_step_is_a_make_target_that_exists() -> None:
    """No logic in Groovy that CI cannot run: each `sh` is `make <target>`, and the target is in the Makefile."""
    assert sh_problems(JENKINSFILE.read_text()) == []


def test_scripts_and_playbooks_reached_by_the_pipeline_exist() -> None:
    missing = missing_files(JENKINSFILE.read_text())
    assert not missing, "the Jenkinsfile reaches files that do not exist:\n  " + "\n  ".join(missing)


def test_credentials_are_declared_and_documented() -> None:
    assert credential_problems(JENKINSFILE.read_text(), CASC.read_text()) == []


def parameter_problems(text: str) -> list[str]:
    """The pipeline's parameters are the ones docs/deployment.md's Jenkins table names (rows `parameter: ...`),
    which the runbook tells the examiners to tick."""
    used = set(re.findall(r"booleanParam\(\s*name:\s*'(\w+)'", text))
    documented = {
        codes(value)[0] for what, value in table("deployment.md", "Jenkins").rows if what.startswith("parameter")
    }
    return (
        []
        if used == documented
        else [f"Jenkinsfile parameters {sorted(used)}, docs/deployment.md {sorted(documented)}"]
    )


def test_parameters_are_documented() -> None:
    assert parameter_problems(JENKINSFILE.read_text()) == []


def test_parameter_check_fails_on_a_renamed_parameter() -> None:
    assert parameter_problems(_replace(JENKINSFILE.read_text(), "name: 'RETRAIN'", "name: 'TRAIN'"))


def test_jenkins_runs_the_ci_targets_before_it_pushes() -> None:
    assert ci_parity_problems(JENKINSFILE.read_text()) == []


# ---------------------------------------------------------------- each check seen failing on a mutated copy
def _replace(text: str, old: str, new: str) -> str:
    assert old in text, f"mutation anchor {old!r} not found in the Jenkinsfile"
    return text.replace(old, new, 1)


STRUCTURE_MUTATIONS = {
    "no push trigger": ("githubPush()", "cron('H 2 * * *')"),
    "unknown directive": ("    options {", "    optoins {"),
    "stage without steps": (
        "stage('Lint') {\n            steps {\n                sh 'make lint'\n            }",
        "stage('Lint') {\n            when { branch 'main' }",
    ),
    "empty steps": ("sh 'make lint'", ""),
    "no junit in post": (
        "junit testResults: 'reports/junit/*.xml', allowEmptyResults: true",
        "echo 'done'",
    ),
    "no timeout": ("timeout(time: 60, unit: 'MINUTES')", ""),
}


@pytest.mark.parametrize("mutation", sorted(STRUCTURE_MUTATIONS))
def test_structure_check_fails_on_mutated_jenkinsfile(mutation: str) -> None:
    text = _replace(JENKINSFILE.read_text(), *STRUCTURE_MUTATIONS[mutation])
    assert structure_problems(text), f"mutation {mutation!r} was not detected"


def test_groovy_lint_fails_on_a_syntax_error(tmp_path: Path) -> None:
    broken = tmp_path / "Jenkinsfile"
    broken.write_text(_replace(JENKINSFILE.read_text(), "sh 'make lint'", "sh 'make lint"))
    result = run_groovy_lint(broken)
    assert result.returncode != 0, "npm-groovy-lint accepted an unterminated string"


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("sh 'make lint'", "sh 'make lint && echo ok'"),
        ("sh 'make lint'", "sh 'make lint-everything'"),
    ],
    ids=["shell logic", "unknown target"],
)
def test_sh_check_fails_on_mutated_jenkinsfile(old: str, new: str) -> None:
    assert sh_problems(_replace(JENKINSFILE.read_text(), old, new))


def test_credential_check_fails_on_undeclared_id() -> None:
    text = _replace(JENKINSFILE.read_text(), "credentialsId: 'kubeconfig'", "credentialsId: 'kube'")
    assert any("not declared" in problem for problem in credential_problems(text, CASC.read_text()))


def test_credential_check_fails_on_undocumented_casc_id() -> None:
    casc = CASC.read_text().replace("id: kubeconfig", "id: kubeconfig-minikube")
    assert credential_problems(JENKINSFILE.read_text(), casc)


def test_ci_parity_fails_when_a_stage_is_dropped() -> None:
    text = _replace(JENKINSFILE.read_text(), "sh 'make container-test'", "sh 'make images'")
    assert any("container-test" in problem for problem in ci_parity_problems(text))


def test_missing_script_is_reported(tmp_path: Path) -> None:
    makefile = tmp_path / "Makefile"
    makefile.write_text((REPO / "Makefile").read_text().replace("deploy/ci/smoke-test.sh", "deploy/ci/smoke-tst.sh"))
    missing = missing_files(JENKINSFILE.read_text(), makefile)
    assert any("deploy/ci/smoke-tst.sh" in entry for entry in missing)


def test_parser_reads_nested_blocks() -> None:
    """The reader itself: calls, command syntax, closures in arguments, comments and strings with braces."""
    text = """// a { comment
pipeline {
    agent any
    stages {
        stage('A') {
            steps {
                withCredentials([file(credentialsId: 'x', variable: 'X')]) {
                    sh 'make a'   /* } */
                }
                sh "echo '{'"
            }
        }
    }
}"""
    pipeline = pipeline_of(text)
    assert pipeline.names() == {"agent", "stages"}
    assert sh_commands(text) == ["make a", "echo '{'"]
    assert make_targets_by_stage(text) == [("A", "a")]
