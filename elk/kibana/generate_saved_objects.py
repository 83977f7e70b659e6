"""Writes elk/kibana/spam-classifier.ndjson: the Kibana 8 saved objects of the service's dashboard.

Kibana stores a visualisation's state and a search's source as JSON *strings* inside the object; writing them by
hand is error-prone, so this script builds them from Python dicts. The output is the format of Kibana's
saved-objects export (one object per line, then the export summary line) and is imported with
import_saved_objects.py. Objects use the legacy `visualization` types (XY charts, TSVB for the annotated
model-version chart) and `search`, with `migrationVersion` set, so every Kibana 8.x migrates them on import.

Run: python3 elk/kibana/generate_saved_objects.py   (a test fails if the committed .ndjson is not its output)
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

OUTPUT = Path(__file__).resolve().parent / "spam-classifier.ndjson"
DATA_VIEW = "spam-classifier-logs"
INDEX_PATTERN = "logs-spam_classifier-*"
INDEX_REF = "kibanaSavedObjectMeta.searchSourceJSON.index"
NOT_PROBES = "not url.path : /health/*"


def search_source(query: str, with_index: bool = True) -> str:
    source: dict[str, Any] = {
        "query": {"query": query, "language": "kuery"},
        "filter": [],
    }
    if with_index:
        source["indexRefName"] = INDEX_REF
    return json.dumps(source)


def index_reference() -> list[dict[str, str]]:
    return [{"id": DATA_VIEW, "name": INDEX_REF, "type": "index-pattern"}]


def xy_params(chart: str, *, percentage: bool = False, y_title: str = "Count") -> dict[str, Any]:
    """Parameters of a legacy XY chart (the shape Kibana's own sample dashboards use)."""
    return {
        "type": chart,
        "grid": {"categoryLines": False},
        "categoryAxes": [
            {
                "id": "CategoryAxis-1",
                "type": "category",
                "position": "bottom",
                "show": True,
                "style": {},
                "scale": {"type": "linear"},
                "labels": {"show": True, "filter": True, "truncate": 100},
                "title": {},
            }
        ],
        "valueAxes": [
            {
                "id": "ValueAxis-1",
                "name": "LeftAxis-1",
                "type": "value",
                "position": "left",
                "show": True,
                "style": {},
                "scale": {
                    "type": "linear",
                    "mode": "percentage" if percentage else "normal",
                },
                "labels": {"show": True, "rotate": 0, "filter": False, "truncate": 100},
                "title": {"text": y_title},
            }
        ],
        "seriesParams": [
            {
                "show": True,
                "type": "line" if chart == "line" else ("area" if chart == "area" else "histogram"),
                "mode": "normal" if chart == "line" else "stacked",
                "data": {"label": y_title, "id": "1"},
                "valueAxis": "ValueAxis-1",
                "drawLinesBetweenPoints": True,
                "lineWidth": 2,
                "showCircles": True,
                "interpolate": "linear",
            }
        ],
        "addTooltip": True,
        "legendPosition": "right",
        "times": [],
        "addTimeMarker": False,
        "labels": {"show": False},
        "thresholdLine": {
            "show": False,
            "value": 10,
            "width": 1,
            "style": "full",
            "color": "#E7664C",
        },
        "detailedTooltip": True,
    }


def date_histogram(agg_id: str) -> dict[str, Any]:
    return {
        "id": agg_id,
        "enabled": True,
        "type": "date_histogram",
        "schema": "segment",
        "params": {
            "field": "@timestamp",
            "useNormalizedEsInterval": True,
            "scaleMetricValues": False,
            "interval": "m",
            "drop_partials": False,
            "min_doc_count": 1,
            "extended_bounds": {},
        },
    }


def terms(agg_id: str, field: str, size: int = 10) -> dict[str, Any]:
    return {
        "id": agg_id,
        "enabled": True,
        "type": "terms",
        "schema": "group",
        "params": {
            "field": field,
            "orderBy": "1",
            "order": "desc",
            "size": size,
            "otherBucket": False,
            "otherBucketLabel": "Other",
            "missingBucket": False,
            "missingBucketLabel": "Missing",
        },
    }


def count() -> dict[str, Any]:
    return {
        "id": "1",
        "enabled": True,
        "type": "count",
        "schema": "metric",
        "params": {},
    }


def visualization(
    obj_id: str,
    title: str,
    description: str,
    vis_type: str,
    params: dict[str, Any],
    aggs: list[dict[str, Any]],
    query: str,
) -> dict[str, Any]:
    vis_state = {"title": title, "type": vis_type, "aggs": aggs, "params": params}
    return {
        "id": obj_id,
        "type": "visualization",
        "migrationVersion": {"visualization": "7.14.0"},
        "attributes": {
            "title": title,
            "description": description,
            "visState": json.dumps(vis_state),
            "uiStateJSON": "{}",
            "version": 1,
            "kibanaSavedObjectMeta": {"searchSourceJSON": search_source(query)},
        },
        "references": index_reference(),
    }


def saved_search(obj_id: str, title: str, description: str, columns: list[str], query: str) -> dict[str, Any]:
    return {
        "id": obj_id,
        "type": "search",
        "migrationVersion": {"search": "7.9.3"},
        "attributes": {
            "title": title,
            "description": description,
            "columns": columns,
            "sort": [["@timestamp", "desc"]],
            "hits": 0,
            "version": 1,
            "kibanaSavedObjectMeta": {"searchSourceJSON": search_source(query)},
        },
        "references": index_reference(),
    }


def model_versions_tsvb() -> dict[str, Any]:
    """TSVB time series: predictions per model version, with each model-swap event drawn as an annotation."""
    params = {
        "id": "b3f1c1a0-0000-4000-8000-000000000001",
        "type": "timeseries",
        "series": [
            {
                "id": "b3f1c1a0-0000-4000-8000-000000000002",
                "color": "#54B399",
                "split_mode": "terms",
                "terms_field": "spam.model_version",
                "terms_size": "10",
                "terms_order_by": "b3f1c1a0-0000-4000-8000-000000000003",
                "metrics": [{"id": "b3f1c1a0-0000-4000-8000-000000000003", "type": "count"}],
                "filter": {"query": 'event.action : "prediction"', "language": "kuery"},
                "label": "Predictions",
                "chart_type": "bar",
                "stacked": "stacked",
                "line_width": 1,
                "point_size": 1,
                "fill": 0.5,
                "axis_position": "right",
                "formatter": "number",
                "separate_axis": 0,
                "split_color_mode": "kibana",
                "override_index_pattern": 0,
            }
        ],
        "time_field": "@timestamp",
        "use_kibana_indexes": True,
        "index_pattern_ref_name": "metrics_0_index_pattern",
        "interval": "",
        "axis_position": "left",
        "axis_formatter": "number",
        "axis_scale": "normal",
        "show_legend": 1,
        "show_grid": 1,
        "tooltip_mode": "show_all",
        "drop_last_bucket": 0,
        "annotations": [
            {
                "id": "b3f1c1a0-0000-4000-8000-000000000004",
                "color": "#E7664C",
                "icon": "fa-tag",
                "time_field": "@timestamp",
                "index_pattern_ref_name": "metrics_1_index_pattern",
                "query_string": {
                    "query": 'event.action : "model-swap"',
                    "language": "kuery",
                },
                "fields": "spam.model_version,event.outcome",
                "template": "model-swap {{event.outcome}}: {{spam.model_version}}",
                "ignore_global_filters": 1,
                "ignore_panel_filters": 1,
            }
        ],
    }
    vis_state = {
        "title": "Model version served over time",
        "type": "metrics",
        "aggs": [],
        "params": params,
    }
    return {
        "id": "spam-model-versions",
        "type": "visualization",
        "migrationVersion": {"visualization": "7.14.0"},
        "attributes": {
            "title": "Model version served over time",
            "description": "Predictions per model version (spam.model_version); each model-swap event is a marker "
            "(success or failure, the version it swapped to).",
            "visState": json.dumps(vis_state),
            "uiStateJSON": "{}",
            "version": 1,
            "kibanaSavedObjectMeta": {"searchSourceJSON": search_source("", with_index=False)},
        },
        "references": [
            {
                "id": DATA_VIEW,
                "name": "metrics_0_index_pattern",
                "type": "index-pattern",
            },
            {
                "id": DATA_VIEW,
                "name": "metrics_1_index_pattern",
                "type": "index-pattern",
            },
        ],
    }


def status_class_filters() -> dict[str, Any]:
    classes = [
        ("2xx", 200, 300),
        ("3xx", 300, 400),
        ("4xx", 400, 500),
        ("5xx", 500, 600),
    ]
    return {
        "id": "3",
        "enabled": True,
        "type": "filters",
        "schema": "group",
        "params": {
            "filters": [
                {
                    "input": {
                        "query": f"http.response.status_code >= {low} and http.response.status_code < {high}",
                        "language": "kuery",
                    },
                    "label": label,
                }
                for label, low, high in classes
            ]
        },
    }


def objects() -> list[dict[str, Any]]:
    data_view = {
        "id": DATA_VIEW,
        "type": "index-pattern",
        # Empty: Kibana runs every data-view migration on import (as its own sample data does).
        "migrationVersion": {},
        "attributes": {
            "title": INDEX_PATTERN,
            "name": "spam-classifier logs",
            "timeFieldName": "@timestamp",
            # event.duration is logged in nanoseconds (ECS); shown in milliseconds.
            "fieldFormatMap": json.dumps(
                {
                    "event.duration": {
                        "id": "duration",
                        "params": {
                            "inputFormat": "nanoseconds",
                            "outputFormat": "asMilliseconds",
                            "outputPrecision": 2,
                        },
                    }
                }
            ),
        },
        "references": [],
    }
    requests = visualization(
        "spam-requests-by-status",
        "Requests per minute by status class",
        "http-request events per minute, split into 2xx/3xx/4xx/5xx "
        "(successful health probes are dropped by Logstash).",
        "histogram",
        xy_params("histogram", y_title="Requests"),
        [count(), date_histogram("2"), status_class_filters()],
        'event.action : "http-request"',
    )
    predictions = visualization(
        "spam-predictions-by-label",
        "Predictions per minute by label",
        "prediction events per minute (a batch counts each message), split by spam.label.",
        "histogram",
        xy_params("histogram", y_title="Predictions"),
        [count(), date_histogram("2"), terms("3", "spam.label", 2)],
        'event.action : "prediction"',
    )
    share = visualization(
        "spam-share",
        "Spam share over time",
        "Share of spam and ham among the predictions of each minute (stacked to 100 %).",
        "area",
        xy_params("area", percentage=True, y_title="Share"),
        [count(), date_histogram("2"), terms("3", "spam.label", 2)],
        'event.action : "prediction"',
    )
    latency = visualization(
        "spam-latency-percentiles",
        "Latency percentiles (event.duration)",
        "p50/p95/p99 of event.duration of http-request events, health probes excluded.",
        "line",
        xy_params("line", y_title="Duration"),
        [
            {
                "id": "1",
                "enabled": True,
                "type": "percentiles",
                "schema": "metric",
                "params": {"field": "event.duration", "percents": [50, 95, 99]},
            },
            date_histogram("2"),
        ],
        f'event.action : "http-request" and {NOT_PROBES}',
    )
    errors = visualization(
        "spam-errors",
        "Errors and refused models",
        "error and warn events by event.action: 5xx responses, refused models (model-swap failure), "
        "registry unreachable (model-check), no model (model-load).",
        "histogram",
        xy_params("histogram", y_title="Events"),
        [count(), date_histogram("2"), terms("3", "event.action", 10)],
        'log.level : ("error" or "warn")',
    )
    swaps = saved_search(
        "spam-model-swaps",
        "Model swaps",
        "Every model-swap event: which version came in, which it replaced, and why a version was refused.",
        [
            "event.outcome",
            "spam.model_version",
            "spam.previous_model_version",
            "spam.served_model_version",
            "spam.model_source",
            "error.type",
            "error.message",
        ],
        'event.action : "model-swap"',
    )
    latest = saved_search(
        "spam-latest-events",
        "Latest events",
        "The newest events of the service, health probes excluded.",
        [
            "log.level",
            "event.action",
            "message",
            "http.response.status_code",
            "spam.label",
            "spam.probability",
            "spam.model_version",
            "kubernetes.pod.name",
        ],
        f'event.dataset : "spam-classifier" and {NOT_PROBES}',
    )
    panels = [
        (requests, 0, 0, 24, 12),
        (predictions, 24, 0, 24, 12),
        (share, 0, 12, 24, 12),
        (latency, 24, 12, 24, 12),
        (model_versions_tsvb(), 0, 24, 32, 14),
        (swaps, 32, 24, 16, 14),
        (errors, 0, 38, 24, 12),
        (latest, 24, 38, 24, 12),
    ]
    panels_json = []
    references = []
    for index, (obj, x, y, w, h) in enumerate(panels, start=1):
        panels_json.append(
            {
                "version": "8.0.0",
                "type": obj["type"],
                "gridData": {"x": x, "y": y, "w": w, "h": h, "i": str(index)},
                "panelIndex": str(index),
                "embeddableConfig": {"enhancements": {}},
                "panelRefName": f"panel_{index}",
            }
        )
        references.append({"id": obj["id"], "name": f"{index}:panel_{index}", "type": obj["type"]})
    dashboard = {
        "id": "spam-classifier-overview",
        "type": "dashboard",
        "migrationVersion": {"dashboard": "7.14.0"},
        "attributes": {
            "title": "Spam classifier: service activity",
            "description": "Requests, predictions, spam share, latency, model versions and swaps, errors, "
            "latest events (docs/observability.md explains each panel).",
            "panelsJSON": json.dumps(panels_json),
            "optionsJSON": json.dumps({"hidePanelTitles": False, "useMargins": True}),
            "timeRestore": True,
            "timeFrom": "now-30m",
            "timeTo": "now",
            "refreshInterval": {"pause": False, "value": 10000},
            "version": 1,
            "kibanaSavedObjectMeta": {"searchSourceJSON": search_source("", with_index=False)},
        },
        "references": references,
    }
    return [data_view, *(obj for obj, *_ in panels), dashboard]


def ndjson() -> str:
    found = objects()
    summary = {
        "excludedObjects": [],
        "excludedObjectsCount": 0,
        "exportedCount": len(found),
        "missingRefCount": 0,
        "missingReferences": [],
    }
    return "".join(json.dumps(obj, sort_keys=True) + "\n" for obj in [*found, summary])


if __name__ == "__main__":
    OUTPUT.write_text(ndjson(), encoding="utf-8")
    sys.stdout.write(f"wrote {OUTPUT} ({len(objects())} objects)\n")
