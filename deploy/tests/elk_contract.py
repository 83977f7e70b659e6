"""The ELK files (elk/) read as data, and the contract checks run on them. Each check takes texts and returns the
problems it finds, so the tests run it on the shipped files (no problem) and on mutated copies (a problem)."""

from __future__ import annotations

import fnmatch
import ipaddress
import json
import re
from datetime import datetime
from typing import Any

import yaml

from contracts import REPO, codes, documented_log_fields, table

ELK = REPO / "elk"
FILES = {
    "filebeat-kubernetes": ELK / "filebeat" / "filebeat.kubernetes.yml",
    "filebeat-compose": ELK / "filebeat" / "filebeat.compose.yml",
    "logstash": ELK / "logstash" / "pipeline" / "spam-classifier.conf",
    "component-template": ELK / "elasticsearch" / "component-template.json",
    "index-template": ELK / "elasticsearch" / "index-template.json",
    "kibana": ELK / "kibana" / "spam-classifier.ndjson",
}
_CONDITIONS = {"equals", "contains", "regexp", "range"}
_FIELD_REF = re.compile(r"(?:\[[A-Za-z0-9_@.\-]+\])+")
_KQL_FIELD = re.compile(r"([A-Za-z_@][\w.@/]*)\s*(?::|>=|<=|<|>)")


def texts() -> dict[str, str]:
    return {name: path.read_text(encoding="utf-8") for name, path in FILES.items()}


def shipper_fields() -> set[str]:
    """Fields Filebeat/Logstash add or name that the service does not log (docs/observability.md lists them)."""
    return {
        code
        for cell in table("observability.md", "Fields the log pipeline adds").column("field")
        for code in codes(cell)
    }


# ------------------------------------------------------------------ fields each file names
def filebeat_fields(text: str) -> set[str]:
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if (key in _CONDITIONS and isinstance(value, dict)) or key == "has_fields":
                    found.update(value)
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(yaml.safe_load(text))
    return found


def logstash_fields(text: str) -> set[str]:
    code = "\n".join(line.split("#", 1)[0] for line in text.splitlines())
    found = {".".join(re.findall(r"\[([^\]]+)\]", ref)) for ref in _FIELD_REF.findall(code)}
    if "add_tag" in code:
        found.add("tags")
    return {field for field in found if not field.startswith("@metadata")}


def template_mappings(component_text: str) -> dict[str, str]:
    """Dotted field path -> mapping type."""
    mapped: dict[str, str] = {}

    def walk(properties: dict[str, Any], prefix: str) -> None:
        for name, spec in properties.items():
            if "properties" in spec:
                walk(spec["properties"], f"{prefix}{name}.")
            else:
                mapped[f"{prefix}{name}"] = spec["type"]

    walk(json.loads(component_text)["template"]["mappings"]["properties"], "")
    return mapped


def kibana_objects(ndjson: str) -> list[dict[str, Any]]:
    return [obj for obj in map(json.loads, filter(str.strip, ndjson.splitlines())) if "type" in obj and "id" in obj]


def kql_fields(query: str) -> set[str]:
    return {match for match in _KQL_FIELD.findall(query) if match not in {"and", "or", "not"}}


def kibana_fields(ndjson: str) -> tuple[set[str], set[str]]:
    """(fields the dashboard aggregates or filters on, every field the objects name)."""
    aggregated: set[str] = set()
    shown: set[str] = set()
    for obj in kibana_objects(ndjson):
        attributes = obj["attributes"]
        source = json.loads(attributes.get("kibanaSavedObjectMeta", {}).get("searchSourceJSON", "{}"))
        aggregated |= kql_fields(source.get("query", {}).get("query", ""))
        if obj["type"] == "index-pattern":
            aggregated.add(attributes["timeFieldName"])
            shown |= set(json.loads(attributes.get("fieldFormatMap", "{}")))
        if obj["type"] == "search":
            shown |= set(attributes["columns"]) | {field for field, _ in attributes["sort"]}
        if obj["type"] == "visualization":
            vis = json.loads(attributes["visState"])
            for agg in vis["aggs"]:
                params = agg["params"]
                if "field" in params:
                    aggregated.add(params["field"])
                for entry in params.get("filters", []):
                    aggregated |= kql_fields(entry["input"]["query"])
            tsvb = vis["params"]
            for series in tsvb.get("series", []):
                aggregated |= {series[key] for key in ("terms_field",) if series.get(key)}
                aggregated |= kql_fields(series.get("filter", {}).get("query", ""))
            for note in tsvb.get("annotations", []):
                aggregated |= kql_fields(note["query_string"]["query"]) | {note["time_field"]}
                shown |= {field.strip() for field in note["fields"].split(",")}
                shown |= set(re.findall(r"\{\{([^}]+)\}\}", note["template"]))
            if tsvb.get("time_field"):
                aggregated.add(tsvb["time_field"])
    return aggregated, aggregated | shown


# ------------------------------------------------------------------ checks (each returns problems)
def undocumented_fields(files: dict[str, str]) -> list[str]:
    """Fields named by Filebeat, Logstash, the template or Kibana that neither docs/logging.md nor the pipeline table
    of docs/observability.md knows."""
    known = documented_log_fields() | shipper_fields()
    named = {
        "filebeat-kubernetes": filebeat_fields(files["filebeat-kubernetes"]),
        "filebeat-compose": filebeat_fields(files["filebeat-compose"]),
        "logstash": logstash_fields(files["logstash"]),
        "component-template": set(template_mappings(files["component-template"])),
        "kibana": kibana_fields(files["kibana"])[1],
    }
    return sorted(f"{source}: {field}" for source, fields in named.items() for field in fields if field not in known)


def _fits(value: Any, mapping: str) -> bool:  # noqa: PLR0911 (one return per mapping type reads best)
    if isinstance(value, list):
        return all(_fits(item, mapping) for item in value)
    if mapping in {"keyword", "text", "match_only_text"}:
        return isinstance(value, str)
    if mapping == "long":
        return isinstance(value, int) and not isinstance(value, bool) and -(2**63) <= value < 2**63
    if mapping == "float":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if mapping == "date":
        try:
            datetime.fromisoformat(str(value))  # Python >= 3.11 reads the trailing Z
            return True
        except ValueError:
            return False
    if mapping == "ip":
        try:
            ipaddress.ip_address(str(value))
            return True
        except ValueError:
            return False
    return False


def mapping_problems(files: dict[str, str], events: list[dict[str, Any]]) -> list[str]:
    """Aggregated fields that are unmapped, or never logged; logged values that do not fit their mapping type."""
    mapped = template_mappings(files["component-template"])
    aggregated, _ = kibana_fields(files["kibana"])
    problems = [f"aggregated but not mapped: {field}" for field in sorted(aggregated) if field not in mapped]
    logged = {key for event in events for key in event}
    service_fields = documented_log_fields()
    problems += [
        f"aggregated but never logged by the service run: {field}"
        for field in sorted(aggregated & service_fields)
        if field not in logged
    ]
    for event in events:
        for key, value in event.items():
            if key in mapped and not _fits(value, mapped[key]):
                problems.append(f"{key}={value!r} does not fit {mapped[key]}")
            clashes = [leaf for leaf in mapped if key.startswith(f"{leaf}.")]
            problems += [f"{key} is logged below {leaf}, which is mapped as a leaf" for leaf in clashes]
    return sorted(set(problems))


def reference_problems(ndjson: str) -> list[str]:
    """References that do not resolve inside the file, and reference names the objects use but do not declare."""
    objects = kibana_objects(ndjson)
    present = {(obj["type"], obj["id"]) for obj in objects}
    problems = []
    for obj in objects:
        declared = {ref["name"] for ref in obj["references"]}
        for ref in obj["references"]:
            if (ref["type"], ref["id"]) not in present:
                problems.append(f"{obj['id']}: reference {ref['name']} -> {ref['type']}/{ref['id']} is not in the file")
        attributes = obj["attributes"]
        used = set(
            re.findall(
                r'"(?:indexRefName|index_pattern_ref_name)": "([^"]+)"',
                json.dumps(attributes),
            )
        )
        used |= set(
            re.findall(
                r'\\"(?:indexRefName|index_pattern_ref_name)\\": \\"([^"\\]+)',
                json.dumps(attributes),
            )
        )
        if obj["type"] == "dashboard":
            used |= {f"{p['panelIndex']}:{p['panelRefName']}" for p in json.loads(attributes["panelsJSON"])}
        problems += [f"{obj['id']}: uses reference name {name}, not declared" for name in sorted(used - declared)]
    summary = json.loads(ndjson.strip().splitlines()[-1])
    if summary.get("exportedCount") != len(objects) or summary.get("missingRefCount") != 0:
        problems.append(f"export summary says {summary.get('exportedCount')} objects, the file has {len(objects)}")
    return problems


def naming_problems(files: dict[str, str]) -> list[str]:
    """The data stream Logstash writes, the index template's patterns and the Kibana data view must agree, and
    Filebeat must keep the documented label and ship to the documented Logstash port."""
    problems = []
    settings = dict(re.findall(r'(data_stream_\w+)\s*=>\s*"([^"]+)"', files["logstash"]))
    stream = "-".join(str(settings.get(f"data_stream_{part}")) for part in ("type", "dataset", "namespace"))
    patterns = json.loads(files["index-template"])["index_patterns"]
    if not any(fnmatch.fnmatch(stream, pattern) for pattern in patterns):
        problems.append(f"Logstash writes {stream}, the index template matches {patterns}")
    titles = [obj["attributes"]["title"] for obj in kibana_objects(files["kibana"]) if obj["type"] == "index-pattern"]
    problems += [f"data view {title} does not match {stream}" for title in titles if not fnmatch.fnmatch(stream, title)]
    deployment = (REPO / "docs" / "deployment.md").read_text(encoding="utf-8")
    label, value = re.search(
        r"Filebeat keeps only the logs of pods labelled\s+`([^:`]+): ([^`]+)`",
        deployment,
    ).groups()
    condition = yaml.safe_load(files["filebeat-kubernetes"])["filebeat.autodiscover"]["providers"][0]["templates"][0]
    expected = {"kubernetes.labels." + label.replace(".", "_"): value}
    if condition["condition"].get("equals") != expected:
        problems.append(f"Filebeat keeps {condition['condition']}, docs/deployment.md says {expected}")
    port = re.search(r"\| Logstash \(beats input\) \| `logging` \| `([^`]+)` \| (\d+) \|", deployment).groups()
    for name in ("filebeat-kubernetes", "filebeat-compose"):
        hosts = yaml.safe_load(files[name])["output.logstash"]["hosts"]
        if not all(host.endswith(f":{port[1]}") for host in hosts):
            problems.append(f"{name} ships to {hosts}, Logstash listens on {port[1]}")
    kubernetes_hosts = yaml.safe_load(files["filebeat-kubernetes"])["output.logstash"]["hosts"]
    if kubernetes_hosts != [f"{port[0]}:{port[1]}"]:
        problems.append(
            f"Filebeat on Kubernetes ships to {kubernetes_hosts}, docs/deployment.md says {port[0]}:{port[1]}"
        )
    if f"port => {port[1]}" not in files["logstash"]:
        problems.append(f"Logstash beats input is not on port {port[1]}")
    return problems


def probe_problems(logstash_text: str) -> list[str]:
    """Health-probe access lines must be dropped or tagged, and nothing may add a text field."""
    problems = []
    if not re.search(r"\[url\]\[path\]\s*=~\s*/\^\\/health\\//", logstash_text):
        problems.append("no condition on url.path /health/ (health probes would drown the dashboard)")
    code = "\n".join(line.split("#", 1)[0] for line in logstash_text.splitlines())
    if re.search(r"\b(add_field|replace|copy|rename|merge)\s*=>", code):
        problems.append("the pipeline adds or rewrites fields (it must only route, tag or drop)")
    return problems
