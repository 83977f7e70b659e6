#!/usr/bin/env python3
"""Imports the dashboard's saved objects into Kibana and fails on any per-object error.

    python3 elk/kibana/import_saved_objects.py [KIBANA_URL] [NDJSON]
    (defaults: $KIBANA_URL or http://localhost:5601, elk/kibana/spam-classifier.ndjson)

Kibana's POST /api/saved_objects/_import answers HTTP 200 even when some objects failed (a missing reference, an
unknown type): the failures are in the body's `errors`. So this script checks `success`, `errors` and that
`successCount` equals the number of objects sent, prints each error, and exits 1 on any of them. It needs only the
Python standard library (a laptop with Kibana port-forwarded has python3). KIBANA_USERNAME / KIBANA_PASSWORD are
sent as basic auth when set (Kibana with security on).
"""

from __future__ import annotations

import base64
import json
import os
import sys
import urllib.error
import urllib.request
import uuid
from pathlib import Path

DEFAULT_FILE = Path(__file__).resolve().parent / "spam-classifier.ndjson"


def objects_in(ndjson: bytes) -> int:
    """Saved objects in an export file (its last line may be the export summary, which is not an object)."""
    lines = [json.loads(line) for line in ndjson.decode("utf-8").splitlines() if line.strip()]
    return sum(1 for line in lines if "type" in line and "id" in line)


def multipart(field: str, filename: str, content: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{filename}"\r\n'
            "Content-Type: application/ndjson\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


def import_objects(kibana_url: str, path: Path) -> list[str]:
    """Sends the file; returns the problems found (empty list = every object imported)."""
    content = path.read_bytes()
    expected = objects_in(content)
    body, content_type = multipart("file", path.name, content)
    request = urllib.request.Request(
        f"{kibana_url.rstrip('/')}/api/saved_objects/_import?overwrite=true",
        data=body,
        method="POST",
        # kbn-xsrf: Kibana refuses API writes without it (CSRF protection); any value works.
        headers={"kbn-xsrf": "spam-classifier-import", "Content-Type": content_type},
    )
    user, password = (
        os.environ.get("KIBANA_USERNAME"),
        os.environ.get("KIBANA_PASSWORD"),
    )
    if user and password:
        request.add_header(
            "Authorization",
            "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode(),
        )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            answer = json.loads(response.read())
    except urllib.error.HTTPError as error:
        return [f"HTTP {error.code} from Kibana: {error.read().decode(errors='replace')[:500]}"]
    except (urllib.error.URLError, OSError) as error:
        return [f"cannot reach Kibana at {kibana_url}: {error}"]
    except json.JSONDecodeError:
        return ["Kibana's answer is not JSON"]
    problems = [
        f"{e.get('type')}/{e.get('id')} ({e.get('meta', {}).get('title', '')}): {json.dumps(e.get('error'))}"
        for e in answer.get("errors") or []
    ]
    if answer.get("success") is not True and not problems:
        problems.append(f"Kibana reported success={answer.get('success')!r}")
    if answer.get("successCount") != expected:
        problems.append(f"{answer.get('successCount')} of {expected} objects imported")
    return problems


def main(argv: list[str]) -> int:
    kibana_url = argv[1] if len(argv) > 1 else os.environ.get("KIBANA_URL", "http://localhost:5601")
    path = Path(argv[2]) if len(argv) > 2 else DEFAULT_FILE
    problems = import_objects(kibana_url, path)
    for problem in problems:
        print(f"import error: {problem}", file=sys.stderr)
    if problems:
        return 1
    print(f"imported {objects_in(path.read_bytes())} saved objects from {path.name} into {kibana_url}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
