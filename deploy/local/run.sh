#!/usr/bin/env bash
# `make run`: a local MLflow tracking server (sqlite + proxied artifacts under .mlflow/) and the service, on
# loopback only. If the registry has no production model yet, trains one through the server first, so the version's
# artifacts get `mlflow-artifacts:/` URIs the service can download. Ctrl-C (or SIGTERM) stops both.
#
# Overridable (the make-run test uses free ports and a temporary store):
#   MLFLOW_PORT (5000)  PORT (3000)  MLFLOW_STORE_DIR (.mlflow)  TRAIN_ARGS (extra args for python -m training.train)
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD

mlflow_port=${MLFLOW_PORT:-5000}
service_port=${PORT:-3000}
store=$(realpath -m "${MLFLOW_STORE_DIR:-.mlflow}")
model_name=${MODEL_NAME:-spam-classifier}
tracking_uri="http://127.0.0.1:${mlflow_port}"
mkdir -p "$store/artifacts"

mlflow_pid=""
service_pid=""
stop_all() {
  trap - EXIT INT TERM
  echo "stopping service and MLflow..." >&2
  # The service drains (readiness 503, in-flight requests finish); mlflow runs in its own process group (workers).
  [ -n "$service_pid" ] && kill -TERM "$service_pid" 2>/dev/null || true
  [ -n "$mlflow_pid" ] && kill -TERM -- "-$mlflow_pid" 2>/dev/null || true
  [ -n "$service_pid" ] && wait "$service_pid" 2>/dev/null || true
  [ -n "$mlflow_pid" ] && wait "$mlflow_pid" 2>/dev/null || true
  # MLflow 3's job consumers (huey) shut down seconds after the server itself: wait for the whole group (at most
  # 15 s, then kill it), so that nothing of ours is left running when the script returns.
  if [ -n "$mlflow_pid" ]; then
    for _ in $(seq 1 30); do group_alive "$mlflow_pid" || break; sleep 0.5; done
    kill -KILL -- "-$mlflow_pid" 2>/dev/null || true
  fi
  echo "stopped" >&2
}
# group_alive PGID: some process of the group still runs (zombies, already exited, do not count). Linux and macOS ps.
group_alive() {
  ps -A -o pgid=,stat= | awk -v group="$1" '$1 == group && $2 !~ /^Z/ { found = 1 } END { exit !found }'
}
trap stop_all EXIT

# wait_until_up NAME URL PID TRIES: poll URL every 0.5 s until it answers 2xx; fail if PID dies or time runs out.
wait_until_up() {
  local name=$1 url=$2 pid=$3 tries=$4
  for _ in $(seq 1 "$tries"); do
    curl -fsS "$url" >/dev/null 2>&1 && return 0
    kill -0 "$pid" 2>/dev/null || { echo "$name died" >&2; exit 1; }
    sleep 0.5
  done
  echo "$name did not come up within $((tries / 2)) s" >&2
  exit 1
}
trap 'exit 130' INT
trap 'exit 143' TERM

npm run --silent build

setsid "$root/.venv/bin/mlflow" server \
  --host 127.0.0.1 --port "$mlflow_port" --workers 1 \
  --backend-store-uri "sqlite:///$store/mlflow.db" \
  --artifacts-destination "$store/artifacts" --serve-artifacts \
  --allowed-hosts "127.0.0.1:${mlflow_port},localhost:${mlflow_port}" \
  >"$store/mlflow-server.log" 2>&1 &
mlflow_pid=$!
echo "mlflow server pid $mlflow_pid (log: $store/mlflow-server.log)" >&2

wait_until_up "mlflow server (log: $store/mlflow-server.log)" "$tracking_uri/health" "$mlflow_pid" 240

if ! curl -fsS "$tracking_uri/api/2.0/mlflow/registered-models/alias?name=${model_name}&alias=production" >/dev/null 2>&1; then
  echo "no production model in $store yet: training one (output in $store/train.log)..." >&2
  # shellcheck disable=SC2086  # TRAIN_ARGS is a list of words on purpose
  MLFLOW_TRACKING_URI="$tracking_uri" "$root/.venv/bin/python" -m training.train \
    --model-name "$model_name" --output-dir "$store/last-training" ${TRAIN_ARGS:-} 2>"$store/train.log"
fi

MLFLOW_TRACKING_URI="$tracking_uri" HOST=127.0.0.1 PORT="$service_port" \
  MODEL_CACHE_DIR="${MODEL_CACHE_DIR:-$store/service-cache}" \
  node --max-semi-space-size=64 "$root/dist/main.js" &
service_pid=$!
echo "service pid $service_pid" >&2

wait_until_up "service" "http://127.0.0.1:${service_port}/health/ready" "$service_pid" 120
echo "" >&2
echo "  MLflow UI:  $tracking_uri" >&2
echo "  Service:    http://127.0.0.1:${service_port}   (web UI; API under /api/v1, /metrics, /health/ready)" >&2
echo "  Ctrl-C stops both." >&2
wait "$service_pid"
