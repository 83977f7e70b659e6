"""ELK contract tests: elk/ against docs/logging.md, docs/deployment.md and the log lines a real service run wrote.

Elasticsearch, Logstash, Kibana and Filebeat cannot run here; these tests bind their files to the contracts (what
docs/observability.md lists as checked only on the demo machine is not covered). Every check is also run on a
mutated copy of the files (in memory) and must then report the problem.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pytest

from contracts import REPO
from elk_contract import (
    ELK,
    kibana_fields,
    kibana_objects,
    mapping_problems,
    naming_problems,
    probe_problems,
    reference_problems,
    texts,
    undocumented_fields,
)
from observability_live import LiveService, live_service

FILES = texts()


@pytest.fixture(scope="module")
def service() -> LiveService:
    return live_service()


def test_every_field_the_elk_files_name_is_documented() -> None:
    assert undocumented_fields(FILES) == []


def test_every_aggregated_field_is_mapped_and_the_logged_values_fit(
    service: LiveService,
) -> None:
    events = service.events()
    actions = {event.get("event.action") for event in events}
    assert {"http-request", "prediction", "model-swap", "startup"} <= actions
    assert {event.get("http.response.status_code") for event in events} >= {
        200,
        400,
        404,
    }
    assert mapping_problems(FILES, events) == []


def test_every_reference_in_the_ndjson_resolves() -> None:
    assert reference_problems(FILES["kibana"]) == []


def test_names_agree_across_logstash_template_kibana_filebeat_and_docs() -> None:
    assert naming_problems(FILES) == []


def test_logstash_handles_health_probes_and_only_routes() -> None:
    assert probe_problems(FILES["logstash"]) == []


def test_dashboard_has_the_panels_the_issue_lists() -> None:
    objects = {obj["id"]: obj for obj in kibana_objects(FILES["kibana"])}
    (dashboard,) = [obj for obj in objects.values() if obj["type"] == "dashboard"]
    titles = [objects[ref["id"]]["attributes"]["title"] for ref in dashboard["references"]]
    assert titles == [
        "Requests per minute by status class",
        "Predictions per minute by label",
        "Spam share over time",
        "Latency percentiles (event.duration)",
        "Model version served over time",
        "Model swaps",
        "Errors and refused models",
        "Latest events",
    ]
    assert {
        "event.duration",
        "spam.label",
        "spam.model_version",
        "http.response.status_code",
    } <= kibana_fields(FILES["kibana"])[0]


def test_committed_ndjson_is_the_generators_output() -> None:
    sys.path.insert(0, str(ELK / "kibana"))
    import generate_saved_objects

    assert FILES["kibana"] == generate_saved_objects.ndjson(), "run python3 elk/kibana/generate_saved_objects.py"


def _replace(name: str, old: str, new: str) -> Callable[[dict[str, str]], dict[str, str]]:
    def mutate(files: dict[str, str]) -> dict[str, str]:
        assert old in files[name], f"mutation target {old!r} not in {name}"
        return {**files, name: files[name].replace(old, new)}

    return mutate


def _component_template(
    change: Callable[[dict[str, Any]], None],
) -> Callable[[dict[str, str]], dict[str, str]]:
    def mutate(files: dict[str, str]) -> dict[str, str]:
        document = json.loads(files["component-template"])
        change(document["template"]["mappings"]["properties"])
        return {**files, "component-template": json.dumps(document)}

    return mutate


MUTATIONS: dict[str, tuple[Callable[[dict[str, str]], dict[str, str]], str]] = {
    "kibana names an undocumented field": (
        _replace("kibana", "spam.label", "spam.lable"),
        "undocumented",
    ),
    "logstash names an undocumented field": (
        _replace("logstash", "[url][path]", "[url][original]"),
        "undocumented",
    ),
    "filebeat names an undocumented field": (
        _replace(
            "filebeat-compose",
            "com_docker_compose_service",
            "com_docker_compose_project",
        ),
        "undocumented",
    ),
    "template maps an undocumented field": (
        _component_template(lambda p: p["spam"]["properties"].update(text={"type": "keyword"})),
        "undocumented",
    ),
    "template loses event.duration": (
        _component_template(lambda p: p["event"]["properties"].pop("duration")),
        "mapping",
    ),
    "template maps spam.probability as long": (
        _component_template(lambda p: p["spam"]["properties"]["probability"].update(type="long")),
        "mapping",
    ),
    "template maps spam.model_version as long": (
        _component_template(lambda p: p["spam"]["properties"]["model_version"].update(type="long")),
        "mapping",
    ),
    "template maps client.ip as a date": (
        _component_template(lambda p: p["client"]["properties"]["ip"].update(type="date")),
        "mapping",
    ),
    "a reference to an object not in the file": (
        _replace("kibana", '"id": "spam-share", "name"', '"id": "spam-shar", "name"'),
        "references",
    ),
    "a panel without its reference": (
        _replace("kibana", '"name": "3:panel_3"', '"name": "3:panel_x"'),
        "references",
    ),
    "logstash writes another data stream": (
        _replace("logstash", '"spam_classifier"', '"spam"'),
        "naming",
    ),
    "filebeat keeps another label": (
        _replace(
            "filebeat-kubernetes",
            "app_kubernetes_io/name: spam-classifier",
            "app_kubernetes_io/name: mlflow",
        ),
        "naming",
    ),
    "filebeat ships to another host": (
        _replace(
            "filebeat-kubernetes",
            "logstash.logging.svc:5044",
            "logstash.default.svc:5044",
        ),
        "naming",
    ),
    "filebeat ships to another port": (
        _replace("filebeat-compose", "logstash:5044", "logstash:5045"),
        "naming",
    ),
    "logstash no longer handles probes": (
        _replace("logstash", "=~ /^\\/health\\//", "=~ /^\\/healthz\\//"),
        "probes",
    ),
    "logstash adds a field": (
        _replace(
            "logstash",
            'add_tag => ["health_probe"]',
            'add_field => { "text" => "%{message}" }',
        ),
        "probes",
    ),
}


@pytest.mark.parametrize("mutation", sorted(MUTATIONS))
def test_each_check_fails_on_a_mutated_file(mutation: str, service: LiveService) -> None:
    mutate, check = MUTATIONS[mutation]
    files = mutate(dict(FILES))
    problems = {
        "undocumented": lambda: undocumented_fields(files),
        "mapping": lambda: mapping_problems(files, service.events()),
        "references": lambda: reference_problems(files["kibana"]),
        "naming": lambda: naming_problems(files),
        "probes": lambda: probe_problems(files["logstash"]),
    }[check]()
    assert problems, f"{check} check did not notice: {mutation}"


def test_import_script_is_executable_python() -> None:
    result = subprocess.run(
        [
            sys.executable,
            str(ELK / "kibana" / "import_saved_objects.py"),
            "http://127.0.0.1:9",
        ],
        check=False,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 1 and "cannot reach Kibana" in result.stderr
    assert (REPO / "elk" / "kibana" / "import_saved_objects.py").stat().st_mode & 0o111
