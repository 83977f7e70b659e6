"""The shipped Prometheus files (deploy/prometheus) and the checks the tests run on them, written as functions that
take text, so that the tests can also run them on mutated copies and see them fail."""

from __future__ import annotations

import copy
import re
import subprocess
from pathlib import Path
from typing import Any

import yaml

from contracts import REPO, documented_metric_names

PROMETHEUS = REPO / "deploy" / "prometheus"
CONFIGS = {
    "kubernetes": PROMETHEUS / "prometheus.kubernetes.yml",
    "compose": PROMETHEUS / "prometheus.compose.yml",
}
RULE_FILES = sorted((PROMETHEUS / "rules").glob("*.yml"))
RULE_TESTS = PROMETHEUS / "tests" / "spam-classifier.test.yml"
JOB = "spam-classifier"

# Series Prometheus itself provides for every target (not the service's contract).
PROMETHEUS_OWN = {"up", "scrape_duration_seconds", "scrape_samples_scraped"}
_PROMQL_WORDS = {
    "sum",
    "by",
    "without",
    "on",
    "ignoring",
    "group_left",
    "group_right",
    "and",
    "or",
    "unless",
    "bool",
    "offset",
    "rate",
    "irate",
    "increase",
    "histogram_quantile",
    "abs",
    "absent",
    "avg_over_time",
    "changes",
    "count",
    "max",
    "min",
    "avg",
    "resets",
    "vector",
    "time",
    "le",
}


def promtool(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["promtool", *args],
        check=False,
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
    )


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def without_kubernetes_discovery(config: dict[str, Any], file_sd_path: str) -> dict[str, Any]:
    """The config with every kubernetes_sd_configs block replaced by a file_sd_configs one (same relabelling).

    Debian's promtool/prometheus are built without Kubernetes discovery (it rejects the key), so the checks feed
    the targets that discovery would produce through a file instead; everything else is the shipped config."""
    changed = copy.deepcopy(config)
    for job in changed["scrape_configs"]:
        if job.pop("kubernetes_sd_configs", None) is not None:
            job["file_sd_configs"] = [{"files": [file_sd_path], "refresh_interval": "1s"}]
    return changed


def metric_names_in(expr: str) -> set[str]:
    """Series names an expression selects (PromQL functions, keywords, label names and numbers removed)."""
    text = re.sub(r'"[^"]*"', "", expr)
    text = re.sub(r"\{[^}]*\}", "", text)
    text = re.sub(r"\[[^\]]*\]", "", text)
    text = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", "", text)
    names = set(re.findall(r"[a-zA-Z_:][a-zA-Z0-9_:]*", text))
    return {name for name in names if name not in _PROMQL_WORDS}


def documented(name: str) -> bool:
    """True when docs/metrics.md names the series (histogram suffixes and `family_*` rows included)."""
    names = documented_metric_names()
    base = re.sub(r"_(bucket|count|sum)$", "", name)
    return (
        name in names
        or base in names
        or any(entry.endswith("*") and name.startswith(entry[:-1]) for entry in names)
        or name in PROMETHEUS_OWN
    )


def undocumented_series(rule_texts: list[str]) -> list[str]:
    """Series used by the rules that are neither in docs/metrics.md, nor Prometheus' own, nor recorded by a rule."""
    groups = [group for text in rule_texts for group in yaml.safe_load(text)["groups"]]
    rules = [rule for group in groups for rule in group["rules"]]
    recorded = {rule["record"] for rule in rules if "record" in rule}
    used = {name for rule in rules for name in metric_names_in(rule["expr"])}
    return sorted(name for name in used if name not in recorded and not documented(name))


def alert_names(rule_texts: list[str]) -> list[str]:
    return [
        rule["alert"]
        for text in rule_texts
        for group in yaml.safe_load(text)["groups"]
        for rule in group["rules"]
        if "alert" in rule
    ]


def rule_test_cases(test_text: str) -> dict[str, dict[str, int]]:
    """For each alert: how many checks expect it firing and how many expect it silent."""
    cases: dict[str, dict[str, int]] = {}
    for test in yaml.safe_load(test_text)["tests"]:
        for check in test.get("alert_rule_test", []):
            counts = cases.setdefault(check["alertname"], {"fires": 0, "silent": 0})
            counts["fires" if check.get("exp_alerts") else "silent"] += 1
    return cases


def rule_test_count(test_text: str) -> int:
    """Individual promtool checks: alert_rule_test and promql_expr_test entries."""
    tests = yaml.safe_load(test_text)["tests"]
    return sum(len(test.get("alert_rule_test", [])) + len(test.get("promql_expr_test", [])) for test in tests)
