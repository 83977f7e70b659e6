"""A STAND-IN for kubectl, for running the roles' kubectl tasks without a cluster (deploy/tests/test_ansible_tasks.py).

    port-forward svc/kibana LOCAL:REMOTE  serves a Kibana stand-in on 127.0.0.1:LOCAL until killed (status API
                                          "available"; the saved-objects import answers as FAKE_KIBANA_IMPORT says:
                                          "ok" or "error", a per-object error with HTTP 200 as Kibana does)
    get job NAME -o jsonpath=...          prints the Job's true conditions, one a line: nothing for the first
                                          FAKE_JOB_PENDING calls, then FAKE_JOB_CONDITIONS (comma-separated)
Each call appends one JSON line to FAKE_KUBECTL_LOG. It is not kubectl: it checks the arguments the roles pass and
plays the answers the real API gives; what the cluster does is checked on the demo machine.
"""

from __future__ import annotations

import json
import os
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

LOG = Path(os.environ["FAKE_KUBECTL_LOG"])


def log(entry: dict[str, Any]) -> None:
    with LOG.open("a", encoding="utf-8") as out:
        out.write(json.dumps(entry) + "\n")


def objects_sent(body: bytes) -> int:
    count = 0
    for line in body.decode("utf-8", "replace").splitlines():
        try:
            item = json.loads(line)
        except ValueError:
            continue
        count += isinstance(item, dict) and "type" in item and "id" in item
    return count


class Kibana(BaseHTTPRequestHandler):
    def answer(self, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        self.answer({"status": {"overall": {"level": "available"}}})

    def do_POST(self) -> None:
        sent = objects_sent(self.rfile.read(int(self.headers["Content-Length"])))
        log({"import": self.path, "objects": sent})
        if os.environ.get("FAKE_KIBANA_IMPORT", "ok") == "ok":
            self.answer({"success": True, "successCount": sent, "errors": []})
        else:
            error = {"id": "x", "type": "dashboard", "error": {"type": "missing_references"}}
            self.answer({"success": False, "successCount": sent - 1, "errors": [error]})

    def log_message(self, *_: Any) -> None:
        pass


def job_conditions() -> str:
    calls = LOG.with_suffix(".job-calls")
    seen = int(calls.read_text()) if calls.exists() else 0
    calls.write_text(str(seen + 1))
    if seen < int(os.environ.get("FAKE_JOB_PENDING", "0")):
        return ""
    return "".join(f"{condition}\n" for condition in os.environ["FAKE_JOB_CONDITIONS"].split(","))


def main(argv: list[str]) -> int:
    log({"argv": argv, "pid": os.getpid()})
    args = argv[2:] if argv[:1] == ["-n"] else argv
    if args[:2] == ["port-forward", "svc/kibana"]:
        local, _, remote = args[2].partition(":")
        if remote != "5601":
            print(f"error: service kibana has no port {remote}", file=sys.stderr)
            return 1
        HTTPServer(("127.0.0.1", int(local)), Kibana).serve_forever()
    if args[:2] == ["get", "job"] and args[3] == "-o" and args[4].startswith("jsonpath="):
        sys.stdout.write(job_conditions())
        return 0
    print(f"fake kubectl: unexpected arguments {argv}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
