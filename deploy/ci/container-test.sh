#!/usr/bin/env bash
# `make container-test`: build the three images and run the docker-compose stack for real, then check it end to end:
# trainer exits 0, the service gets ready, classifies a spam and a ham message through its published port, runs as
# non-root on a read-only root file system, and serves the version the MLflow container has under the alias.
# Under CI=true a missing Docker engine fails the run; elsewhere it is skipped with a message.
set -euo pipefail
cd "$(dirname "$0")/../.."
source deploy/ci/containers-env.sh

MODEL_NAME=spam-classifier
MODEL_ALIAS=production
# A unique project: concurrent runs on this machine, or a developer's own `make compose-up`, are left alone.
export COMPOSE_PROJECT_NAME="spamct$$"
# The full candidate grid takes minutes; --quick trains the same candidates on one grid point with the same gate.
export TRAINER_ARGS="${CONTAINER_TEST_TRAINER_ARGS:---output-dir /tmp/model --quick}"

fail() {
  echo "container-test: FAIL: $*" >&2
  exit 1
}
info() { echo "container-test: $*"; }

if ! command -v docker >/dev/null || ! ensure_engine; then
  [ "${CI:-}" = true ] && fail "no Docker engine (CI=true: containers must be tested)"
  echo "container-test: SKIPPED: no Docker engine here (install Docker, or run as root with docker.io installed)"
  exit 0
fi

deploy/ci/compose.sh check
deploy/ci/build-images.sh

# 3000/5000 when free (the documented ports), else any free port: other test runs share this machine.
free_port() {
  python3 -c '
import socket, sys
for port in (int(sys.argv[1]), 0):
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            continue
        print(s.getsockname()[1])
        break' "$1"
}
APP_PORT="$(free_port 3000)"
MLFLOW_PORT="$(free_port 5000)"
export APP_PORT MLFLOW_PORT
app_url="http://127.0.0.1:$APP_PORT"
mlflow_url="http://127.0.0.1:$MLFLOW_PORT"

logs=build/container-logs
mkdir -p "$logs"
teardown() {
  local status=$?
  if [ "$status" -ne 0 ]; then compose logs --no-color >"$logs/stack.log" 2>&1 || true; fi
  compose down --volumes --remove-orphans >/dev/null 2>&1 || true
  [ "$status" -eq 0 ] || echo "container-test: stack logs in $logs/stack.log" >&2
}
trap teardown EXIT

# json_field a.b.c < document: one field of a JSON document on stdin.
json_field() {
  python3 -c '
import json, sys
value = json.load(sys.stdin)
for key in sys.argv[1].split("."):
    value = value[key]
print(value)' "$1"
}

# state_epoch <container> <StartedAt|FinishedAt>: that moment as Unix seconds (Docker prints RFC 3339 with up to 9
# fractional digits, more than Python's fromisoformat takes).
state_epoch() {
  python3 -c '
import datetime, re, sys
whole, fraction = re.fullmatch(r"(.{19})(?:\.(\d+))?Z", sys.argv[1]).groups()
print(datetime.datetime.fromisoformat(whole + "+00:00").timestamp() + float("0." + (fraction or "0")))' \
    "$(docker inspect -f "{{.State.$2}}" "$1")"
}
seconds() { python3 -c 'import sys; print(f"{float(sys.argv[2]) - float(sys.argv[1]):.1f}")' "$1" "$2"; }

started=$(date +%s.%N)
info "starting stack $COMPOSE_PROJECT_NAME (images $IMAGE_TAG, app port $APP_PORT, mlflow port $MLFLOW_PORT)"
# Compose waits for mlflow to be healthy and the trainer to complete before it creates the app.
compose up -d --no-build >"$logs/compose-up.log" 2>&1 || { cat "$logs/compose-up.log" >&2; fail "compose up"; }
trainer_id="$(compose ps -a -q trainer)"
[ "$(docker inspect -f '{{.State.Status}} {{.State.ExitCode}}' "$trainer_id")" = "exited 0" ] \
  || fail "trainer did not complete successfully: $(docker inspect -f '{{.State.Status}} {{.State.ExitCode}}' "$trainer_id")"
summary="$(docker logs "$trainer_id" 2>/dev/null | tail -1)"
trained_version="$(json_field model_version <<<"$summary")"
info "trainer exited 0: registered version $trained_version, promoted=$(json_field promoted <<<"$summary")"

wait_for_ready "$app_url/health/ready" 120 || fail "service not ready on $app_url within 120 s"
ready_at=$(date +%s.%N)
app_id="$(compose ps -a -q app)"
mlflow_id="$(compose ps -a -q mlflow)"
info "timings (s): compose up -> service ready $(seconds "$started" "$ready_at");" \
  "mlflow start -> trainer start (healthy) $(seconds "$(state_epoch "$mlflow_id" StartedAt)" "$(state_epoch "$trainer_id" StartedAt)");" \
  "trainer run $(seconds "$(state_epoch "$trainer_id" StartedAt)" "$(state_epoch "$trainer_id" FinishedAt)");" \
  "service container start -> ready $(seconds "$(state_epoch "$app_id" StartedAt)" "$ready_at")"

# The image's own HEALTHCHECK (a node one-liner, no curl) must pass too: compose and `docker ps` rely on it.
for _ in $(seq 30); do
  [ "$(docker inspect -f '{{.State.Health.Status}}' "$app_id")" = healthy ] && break
  sleep 1
done
[ "$(docker inspect -f '{{.State.Health.Status}}' "$app_id")" = healthy ] || fail "service HEALTHCHECK not healthy"

app_user="$(docker exec "$app_id" id -u)"
[ "$app_user" != 0 ] || fail "service runs as root"
[ "$(docker inspect -f '{{.HostConfig.ReadonlyRootfs}}' "$app_id")" = true ] || fail "root file system is writable"
info "service healthy, runs as uid $app_user on a read-only root file system"

predict() {
  curl -fsS -X POST -H 'content-type: application/json' --data "$(python3 -c 'import json, sys; print(json.dumps({"text": sys.argv[1]}))' "$1")" \
    "$app_url/api/v1/predict"
}
spam="$(predict 'WINNER!! You have been selected to receive a £900 prize reward. To claim call 09061701461. Claim code KL341. Valid 12 hours only.')" \
  || fail "POST /api/v1/predict failed"
ham="$(predict 'Are we still meeting for lunch tomorrow? I can pick you up at noon.')" || fail "POST /api/v1/predict failed"
[ "$(json_field label <<<"$spam")" = spam ] || fail "spam message classified as: $spam"
[ "$(json_field label <<<"$ham")" = ham ] || fail "ham message classified as: $ham"
info "spam -> $spam"
info "ham  -> $ham"

bad_status="$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'content-type: application/json' --data '{"text": 42}' \
  "$app_url/api/v1/predict")"
[ "$bad_status" = 400 ] || fail "invalid input answered $bad_status, expected 400"

registered="$(curl -fsS "$mlflow_url/api/2.0/mlflow/registered-models/alias?name=$MODEL_NAME&alias=$MODEL_ALIAS")" \
  || fail "MLflow has no $MODEL_NAME@$MODEL_ALIAS"
registered_version="$(json_field model_version.version <<<"$registered")"
served="$(curl -fsS "$app_url/api/v1/model")" || fail "GET /api/v1/model failed"
served_version="$(json_field version <<<"$served")"
[ "$served_version" = "$registered_version" ] \
  || fail "service reports model version $served_version, MLflow has $MODEL_NAME@$MODEL_ALIAS = $registered_version"
[ "$served_version" = "$trained_version" ] || fail "served version $served_version is not the trained $trained_version"
[ "$(json_field gitCommit <<<"$served")" = "$GIT_COMMIT" ] || fail "service reports a commit other than $GIT_COMMIT"
info "service serves $MODEL_NAME v$served_version = MLflow $MODEL_NAME@$MODEL_ALIAS; commit $GIT_COMMIT"
info "PASS"
