"""elk/kibana/import_saved_objects.py against a STAND-IN for Kibana: a small HTTP server on 127.0.0.1 written here,
which records the request and answers like Kibana's _import API (success, per-object errors, short count, HTTP
error). It is not Kibana: whether Kibana accepts the objects is checked on the demo machine (docs/observability.md).
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from elk_contract import FILES, kibana_objects

SCRIPT = FILES["kibana"].parent / "import_saved_objects.py"
OBJECTS = len(kibana_objects(FILES["kibana"].read_text(encoding="utf-8")))


class StandIn:
    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.status = 200
        self.answer: dict[str, Any] = {
            "success": True,
            "successCount": OBJECTS,
            "errors": [],
        }
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                stand_in.requests.append(
                    {
                        "path": self.path,
                        "headers": {k.lower(): v for k, v in self.headers.items()},
                        "body": body,
                    }
                )
                payload = json.dumps(stand_in.answer).encode()
                self.send_response(stand_in.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *_: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def kibana() -> Iterator[StandIn]:
    stand_in = StandIn()
    yield stand_in
    stand_in.server.shutdown()
    stand_in.server.server_close()


def run_import(url: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), url],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_sends_the_ndjson_to_the_import_api_with_overwrite_and_xsrf(
    kibana: StandIn,
) -> None:
    result = run_import(kibana.url)
    assert result.returncode == 0, result.stderr
    assert f"imported {OBJECTS} saved objects" in result.stdout
    (request,) = kibana.requests
    assert request["path"] == "/api/saved_objects/_import?overwrite=true"
    assert request["headers"]["kbn-xsrf"]
    assert request["headers"]["content-type"].startswith("multipart/form-data; boundary=")
    assert b'name="file"; filename="spam-classifier.ndjson"' in request["body"]
    assert FILES["kibana"].read_bytes() in request["body"]


def test_fails_on_a_per_object_error_even_with_http_200(kibana: StandIn) -> None:
    kibana.answer = {
        "success": False,
        "successCount": OBJECTS - 1,
        "errors": [
            {
                "id": "spam-share",
                "type": "visualization",
                "meta": {"title": "Spam share over time"},
                "error": {
                    "type": "missing_references",
                    "references": [{"type": "index-pattern", "id": "x"}],
                },
            }
        ],
    }
    result = run_import(kibana.url)
    assert result.returncode == 1
    assert "visualization/spam-share" in result.stderr and "missing_references" in result.stderr


def test_fails_when_fewer_objects_were_imported_than_sent(kibana: StandIn) -> None:
    kibana.answer = {"success": True, "successCount": 1}
    result = run_import(kibana.url)
    assert result.returncode == 1 and f"1 of {OBJECTS} objects imported" in result.stderr


def test_fails_on_an_http_error(kibana: StandIn) -> None:
    kibana.status, kibana.answer = (
        400,
        {"statusCode": 400, "error": "Bad Request", "message": "missing kbn-xsrf"},
    )
    result = run_import(kibana.url)
    assert result.returncode == 1 and "HTTP 400" in result.stderr
