"""The JUnit XML files Jenkins publishes (`junit 'reports/junit/*.xml'`) are written by the make targets and parse.

The expected files are read from where they are configured (pytest `--junitxml` in the Makefile and the deploy/ci
scripts, `JEST_JUNIT_OUTPUT_NAME` in package.json's scripts, jest-junit's outputDirectory), so a new suite is
covered when it is added there. In `make test` these checks run after `make test-python` and `make test-node`, so
their files exist; a file not written yet (e.g. `make jenkins-check` alone) is skipped with the target that writes it,
except under CI=true after those targets ran (JUNIT_REQUIRE_ALL=1), where a missing file fails.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from contracts import REPO

JUNIT = REPO / "reports" / "junit"


def configured_reports() -> dict[str, str]:
    """reports/junit/<file> -> what writes it."""
    found: dict[str, str] = {}
    makefile = (REPO / "Makefile").read_text()
    for target, recipe in re.findall(r"^([a-z-]+):[^\n]*\n((?:\t[^\n]*\n)+)", makefile, re.MULTILINE):
        for path in re.findall(r"--junitxml=(reports/junit/[\w.-]+\.xml)", recipe):
            found[path] = f"make {target}"
    for script in sorted((REPO / "deploy" / "ci").glob("*.sh")):
        for path in re.findall(r"--junitxml=(reports/junit/[\w.-]+\.xml)", script.read_text()):
            found.setdefault(path, str(script.relative_to(REPO)))
    package = json.loads((REPO / "package.json").read_text())
    directory = package.get("jest-junit", {}).get("outputDirectory", "")
    assert directory == "reports/junit", "package.json jest-junit.outputDirectory must be reports/junit"
    for name, command in package["scripts"].items():
        match = re.search(r"JEST_JUNIT_OUTPUT_NAME=([\w.-]+\.xml)", command)
        if match:
            assert "--reporters=jest-junit" in command, f"npm run {name} sets a JUnit name but not the reporter"
            found[f"{directory}/{match.group(1)}"] = f"npm run {name}"
    return found


def junit_problems(path: Path) -> list[str]:
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as error:
        return [f"{path.name}: not XML ({error})"]
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    if root.tag not in ("testsuite", "testsuites") or not suites:
        return [f"{path.name}: no <testsuite>"]
    cases = sum(len(suite.findall("testcase")) for suite in suites)
    return [] if cases else [f"{path.name}: no <testcase>"]


def test_each_suite_writes_its_own_file() -> None:
    reports = configured_reports()
    expected = {
        "reports/junit/pytest-training.xml",
        "reports/junit/jest.xml",
        "reports/junit/jest-integration.xml",
        "reports/junit/jest-ui.xml",
        "reports/junit/jenkins-check.xml",
    }
    assert expected <= set(reports), f"not configured: {sorted(expected - set(reports))}"


@pytest.mark.parametrize("report", sorted(configured_reports()))
def test_junit_file_parses(report: str) -> None:
    path = REPO / report
    if report.endswith("jenkins-check.xml"):
        pytest.skip("written by this very run, when it ends")
    if not path.exists():
        if os.environ.get("JUNIT_REQUIRE_ALL") == "1":
            pytest.fail(f"{report} was not written by {configured_reports()[report]}")
        pytest.skip(f"{report} not written yet: run {configured_reports()[report]}")
    assert junit_problems(path) == []


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("<testsuites><testsuite name='a'><testcase name='b'/>", "not XML"),
        ("<testsuites/>", "no <testsuite>"),
        ("<testsuite name='a'/>", "no <testcase>"),
        ("<html/>", "no <testsuite>"),
    ],
    ids=["truncated", "no suite", "no case", "not junit"],
)
def test_junit_check_fails_on_broken_files(tmp_path: Path, content: str, problem: str) -> None:
    path = tmp_path / "broken.xml"
    path.write_text(content)
    assert any(problem in entry for entry in junit_problems(path))


def test_a_real_pytest_report_passes_the_check(tmp_path: Path) -> None:
    """The checker accepts what pytest really writes (a small suite run here)."""
    suite = tmp_path / "test_sample.py"
    suite.write_text("def test_one():\n    assert True\n")
    report = tmp_path / "sample.xml"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            str(suite),
            f"--junitxml={report}",
        ],
        check=True,
        capture_output=True,
        cwd=tmp_path,
    )
    assert junit_problems(report) == []
