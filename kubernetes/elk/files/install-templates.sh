#!/usr/bin/env bash
# Installs the component template (field mappings) and the index template of the data stream
# logs-spam_classifier-* into Elasticsearch. Run before the first event arrives (the Kubernetes Job and the compose
# service `elk-setup` do); re-running it is harmless (PUT replaces). Usage: install-templates.sh [ELASTICSEARCH_URL]
set -euo pipefail
es=${1:-${ELASTICSEARCH_URL:-http://localhost:9200}}
here=$(cd "$(dirname "$0")" && pwd)

# Elasticsearch takes a minute to start on a small node: wait at most 5 minutes.
for _ in $(seq 60); do
  curl -fsS "$es/_cluster/health?wait_for_status=yellow&timeout=5s" >/dev/null 2>&1 && break
  sleep 5
done

put() {
  curl -fsS -X PUT "$es/$1" -H 'Content-Type: application/json' --data-binary "@$here/$2"
  echo
}
put _component_template/spam-classifier-mappings component-template.json
# priority 200: above the built-in logs-*-* template (100), so logs-spam_classifier-* gets these mappings.
put _index_template/logs-spam_classifier index-template.json
