#!/usr/bin/env bash
# make observability-test: Prometheus for real (promtool on the shipped configs and rules, rule unit tests, a live
# Prometheus scraping the real service), the ELK files against the log contract and a real service run, the
# kubernetes/elk and kubernetes/monitoring manifests, the compose profiles. docs/observability.md says what each
# proves. JUnit XML: reports/junit/observability.xml. About 2 minutes (the model training takes ~25 s of it).
set -euo pipefail
cd "$(dirname "$0")/../.."

for tool in promtool prometheus kubectl; do
  command -v "$tool" >/dev/null || { echo "$tool is missing: make deps-system (Debian package prometheus) / make k8s-check" >&2; exit 1; }
done

# The live tests start the built service (dist/main.js), as the image does.
npm run build --silent

# The tests record the pid of every server they start (the service, Prometheus) here; whatever happens to pytest,
# they are stopped on exit.
OBS_PID_DIR=$(mktemp -d)
export OBS_PID_DIR
cleanup() {
  local pidfile
  for pidfile in "$OBS_PID_DIR"/*; do
    [ -e "$pidfile" ] && kill "$(basename "$pidfile")" 2>/dev/null || true
  done
  rm -rf "$OBS_PID_DIR"
}
trap cleanup EXIT

mkdir -p reports/junit
.venv-ops/bin/pytest -q -p no:cacheprovider --junitxml=reports/junit/observability.xml \
  deploy/tests/test_prometheus_*.py deploy/tests/test_elk_*.py

# The numbers the issue asks for, counted from the files.
.venv-ops/bin/python - <<'PY'
import sys
sys.path.insert(0, "deploy/tests")
from elk_contract import FILES, kibana_objects
from prometheus_files import RULE_FILES, RULE_TESTS, alert_names, rule_test_count

rules = [path.read_text() for path in RULE_FILES]
dashboard = [o for o in kibana_objects(FILES["kibana"].read_text()) if o["type"] == "dashboard"][0]
print(f"observability: {rule_test_count(RULE_TESTS.read_text())} promtool rule checks, {len(alert_names(rules))} alerts, "
      f"{len(dashboard['references'])} dashboard panels")
PY
