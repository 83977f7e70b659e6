"""promtool on the shipped Prometheus files: configs, rules, rule unit tests; and the rules' metric names against
docs/metrics.md. Each check is also run on a mutated copy to show that it can fail."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import yaml

from contracts import codes, table
from prometheus_files import (
    CONFIGS,
    JOB,
    PROMETHEUS,
    RULE_FILES,
    RULE_TESTS,
    alert_names,
    load_yaml,
    promtool,
    rule_test_cases,
    rule_test_count,
    undocumented_series,
    without_kubernetes_discovery,
)

RULE_TEXTS = [path.read_text(encoding="utf-8") for path in RULE_FILES]
ALERTS = alert_names(RULE_TEXTS)


def checkable_copy(config_path: Path, directory: Path) -> Path:
    """The config and its rules in `directory`, Kubernetes discovery swapped for a file (see prometheus_files)."""
    shutil.copytree(PROMETHEUS / "rules", directory / "rules")
    (directory / "targets.json").write_text("[]", encoding="utf-8")
    config = without_kubernetes_discovery(load_yaml(config_path), "targets.json")
    copy = directory / config_path.name
    copy.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return copy


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_promtool_check_config(name: str, tmp_path: Path) -> None:
    result = promtool("check", "config", str(checkable_copy(CONFIGS[name], tmp_path)))
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"SUCCESS: {len(RULE_FILES)} rule files found" in result.stdout


def test_promtool_check_config_fails_on_a_broken_config(tmp_path: Path) -> None:
    copy = checkable_copy(CONFIGS["compose"], tmp_path)
    copy.write_text(copy.read_text(encoding="utf-8").replace("scrape_interval: 15s", "scrape_interval: often"))
    assert promtool("check", "config", str(copy)).returncode != 0


def test_kubernetes_discovery_keeps_the_documented_pods() -> None:
    """The pod discovery is written against docs/deployment.md: namespace, the name label, the three annotations."""
    namespaces = table("deployment.md", "Namespaces").column("namespace")
    assert "`spam-classifier`" in namespaces
    (job,) = [job for job in load_yaml(CONFIGS["kubernetes"])["scrape_configs"] if job["job_name"] == JOB]
    (discovery,) = job["kubernetes_sd_configs"]
    assert discovery["role"] == "pod"
    assert discovery["namespaces"]["names"] == ["spam-classifier"]
    deployment_doc = (PROMETHEUS.parents[1] / "docs" / "deployment.md").read_text(encoding="utf-8")
    annotations = dict(re.findall(r'`prometheus\.io/(\w+): "?([^"`]+)"?`', deployment_doc))
    assert annotations == {"scrape": "true", "port": "3000", "path": "/metrics"}
    sources = {tuple(rule["source_labels"]): rule for rule in job["relabel_configs"] if "source_labels" in rule}
    keep = sources[("__meta_kubernetes_pod_annotation_prometheus_io_scrape",)]
    assert (keep["action"], keep["regex"]) == ("keep", annotations["scrape"])
    assert sources[("__meta_kubernetes_pod_label_app_kubernetes_io_name",)]["regex"] == "spam-classifier"
    assert sources[("__meta_kubernetes_pod_annotation_prometheus_io_path",)]["target_label"] == "__metrics_path__"
    assert (
        sources[("__address__", "__meta_kubernetes_pod_annotation_prometheus_io_port")]["target_label"] == "__address__"
    )


def test_compose_config_scrapes_the_app_service() -> None:
    (job,) = [job for job in load_yaml(CONFIGS["compose"])["scrape_configs"] if job["job_name"] == JOB]
    assert job["static_configs"][0]["targets"] == ["app:3000"]
    compose = yaml.safe_load((PROMETHEUS.parents[1] / "docker-compose.yml").read_text(encoding="utf-8"))
    assert "3000" in str(compose["services"]["app"]["ports"])


def test_promtool_check_rules() -> None:
    result = promtool("check", "rules", *map(str, RULE_FILES))
    assert result.returncode == 0, result.stdout + result.stderr


def test_rules_use_only_documented_metrics() -> None:
    assert undocumented_series(RULE_TEXTS) == []


def test_undocumented_metric_in_a_rule_is_caught() -> None:
    mutated = [text.replace("model_reload_total", "model_reloads_total") for text in RULE_TEXTS]
    assert undocumented_series(mutated) == ["model_reloads_total"]


def test_documented_queries_use_documented_metrics() -> None:
    queries = [query for query in codes((PROMETHEUS.parents[1] / "docs" / "metrics.md").read_text()) if "(" in query]
    assert len(queries) >= 4
    assert (
        undocumented_series([json.dumps({"groups": [{"rules": [{"expr": q, "record": "x"} for q in queries]}]})]) == []
    )


def test_promtool_rule_unit_tests_pass() -> None:
    result = promtool("test", "rules", str(RULE_TESTS))
    assert result.returncode == 0, result.stdout + result.stderr
    print(f"promtool rule checks: {rule_test_count(RULE_TESTS.read_text())}, alerts: {len(ALERTS)}")


def test_every_alert_has_a_firing_and_a_silent_case() -> None:
    cases = rule_test_cases(RULE_TESTS.read_text(encoding="utf-8"))
    assert sorted(cases) == sorted(ALERTS)
    assert {alert: counts for alert, counts in cases.items() if not (counts["fires"] and counts["silent"])} == {}


def mutated_rule_tests(tmp_path: Path, alert: str, old: str, new: str, recording: Path | None = None) -> str:
    """promtool's verdict on the rule tests of `alert` once `old` is replaced by `new` in its rule (`new` alone
    when `old` is empty; nothing when both are) and, if given, with another recording rules file."""
    rules_dir = tmp_path / "rules"
    rules_dir.mkdir()
    for path in RULE_FILES:
        document = load_yaml(recording if recording and "recording" in path.name else path)
        for group in document["groups"]:
            for rule in group["rules"]:
                if rule.get("alert") == alert:
                    assert old in rule["expr"], f"{old!r} is not in {alert}"
                    rule["expr"] = rule["expr"].replace(old, new) if old else (new or rule["expr"])
        (rules_dir / path.name).write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    tests = load_yaml(RULE_TESTS)
    # Only the groups about this alert: the day-long spam-share series make the whole file take seconds.
    tests["tests"] = [t for t in tests["tests"] if any(c["alertname"] == alert for c in t.get("alert_rule_test", []))]
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / RULE_TESTS.name).write_text(yaml.safe_dump(tests, sort_keys=False), encoding="utf-8")
    result = promtool("test", "rules", f"tests/{RULE_TESTS.name}", cwd=tmp_path)
    return "pass" if result.returncode == 0 else "fail"


@pytest.mark.parametrize("mutation", ["always", "never"])
@pytest.mark.parametrize("alert", ALERTS)
def test_rule_tests_catch_an_alert_that_always_or_never_fires(alert: str, mutation: str, tmp_path: Path) -> None:
    assert (
        mutated_rule_tests(
            tmp_path,
            alert,
            "",
            "vector(1)" if mutation == "always" else "vector(1) == 2",
        )
        == "fail"
    )


# Smaller mistakes in one rule, each of which a rule test must notice.
MISTAKES = {
    "5xx threshold too high": ("SpamClassifierHigh5xxRatio", "> 0.05", "> 0.2"),
    "p99 threshold too high": ("SpamClassifierHighP99Latency", "> 0.25", "> 0.5"),
    "spam share without the traffic guard": (
        "SpamClassifierSpamShareUnusual",
        '\nand on (job) sum by (job) (job_label:spam_predictions:rate5m{job="spam-classifier"}) > 0.1',
        "",
    ),
    "restart alert on one restart": ("SpamClassifierRestarting", ">= 2", ">= 1"),
    "score drift alert at a moderate PSI": ("SpamClassifierScoreDrift", "> 0.25", "> 0.1"),
    "model loaded check per job instead of per pod": (
        "SpamClassifierNoModelLoaded",
        "on (job, instance)",
        "on (job)",
    ),
}


@pytest.mark.parametrize("mistake", sorted(MISTAKES))
def test_rule_tests_catch_a_wrong_threshold_or_guard(mistake: str, tmp_path: Path) -> None:
    alert, old, new = MISTAKES[mistake]
    assert mutated_rule_tests(tmp_path, alert, old, new) == "fail"


def test_p99_excludes_probes_or_a_rule_test_fails(tmp_path: Path) -> None:
    """The exclusion lives in the recording rule; without it the probe case of the p99 alert must fire."""
    recording = load_yaml(PROMETHEUS / "rules" / "spam-classifier.recording.yml")
    for rule in recording["groups"][0]["rules"]:
        rule["expr"] = rule["expr"].replace('{route!~"/health/.+|/metrics"}', "")
    mutated = tmp_path / "recording.yml"
    mutated.write_text(yaml.safe_dump(recording), encoding="utf-8")
    assert mutated_rule_tests(tmp_path, "SpamClassifierHighP99Latency", "", "", recording=mutated) == "fail"
