#!/usr/bin/env bash
# `make rollout-drill`: the Deployment's rolling update replayed with the real service image under load, no cluster.
#
# Two replicas (old = APP_VERSION A) run behind HAProxy, which plays the Service's endpoints: it health-checks
# the readiness route every second and routes only to replicas that pass (deploy/rollout/haproxy.cfg.template),
# balancing per request (the ingress path) and per connection (as kube-proxy does).
# A load generator (deploy/rollout/load-generator.js) sends predictions through it for the whole drill and polls
# /api/v1/info. The replicas are then replaced one by one as the Deployment's strategy does (maxSurge 1,
# maxUnavailable 0): start a new one (version B), wait until it is ready plus minReadySeconds, then stop an old one
# with SIGTERM and the grace period (`docker stop -t`), whose SHUTDOWN_DELAY_SECONDS keeps it serving while the
# balancer drops it. Pass: 0 failed requests of >= 2,000, and /api/v1/info seen switching from A to B.
# Then the control run: the same with SHUTDOWN_DELAY_SECONDS=0 and no readiness wait must show failures.
#
# Every timing comes from the rendered overlay (deploy/rollout/manifest_values.py), not from this script.
# Model: a model.json trained by the training CLI (--quick, local sqlite store), cached under build/rollout-drill.
set -euo pipefail
cd "$(dirname "$0")/../.."
source deploy/ci/containers-env.sh

OVERLAY=kubernetes/overlays/minikube
MIN_REQUESTS=2000
RATE="${ROLLOUT_DRILL_RATE:-100}"
work=build/rollout-drill
prefix="rollout$$"
log() { echo "rollout-drill: $*"; }
# One JUnit test case for CI's test report: reports/junit/rollout-drill.xml.
junit() {
  local failure="" out
  [ "$1" = pass ] || failure="<failure message=\"$(printf '%s' "$2" | sed 's/&/\&amp;/g; s/"/\&quot;/g; s/</\&lt;/g')\"/>"
  out=$(printf '%s' "$2" | sed 's/&/\&amp;/g; s/</\&lt;/g')
  mkdir -p reports/junit
  printf '<testsuite name="rollout-drill" tests="1" failures="%d"><testcase classname="rollout-drill" name="rolling update under load">%s<system-out>%s</system-out></testcase></testsuite>\n' \
    "$([ -n "$failure" ] && echo 1 || echo 0)" "$failure" "$out" >reports/junit/rollout-drill.xml
}
fail() {
  echo "rollout-drill: FAIL: $*" >&2
  junit fail "$*"
  exit 1
}

if ! command -v docker >/dev/null || ! ensure_engine; then
  [ "${CI:-}" = true ] && fail "no Docker engine (CI=true: the drill must run)"
  log "SKIPPED: no Docker engine here (install Docker, or run as root with docker.io installed)"
  exit 0
fi
command -v haproxy >/dev/null || fail "haproxy is not installed (deploy/ci/install-system-deps.sh installs it)"
command -v kubectl >/dev/null || fail "kubectl is not installed (see deploy/ci/k8s-check.sh for the version needed)"
[ -x .venv/bin/python ] || make -s setup-python

mkdir -p "$work"
started=$(date +%s)

# ---------------------------------------------------------------- what the manifest says
kubectl kustomize "$OVERLAY" >"$work/rendered.yaml"
eval "$(.venv/bin/python deploy/rollout/manifest_values.py "$work/settings.env" <"$work/rendered.yaml")"
log "from $OVERLAY: $REPLICAS replicas, maxSurge $MAX_SURGE, minReadySeconds $MIN_READY_SECONDS," \
  "SHUTDOWN_DELAY_SECONDS $SHUTDOWN_DELAY_SECONDS, terminationGracePeriodSeconds $TERMINATION_GRACE_SECONDS," \
  "memory limit $((MEMORY_LIMIT / 1048576)) MiB, user $RUN_AS"
[ "$MAX_SURGE" = 1 ] || fail "the drill replays maxSurge 1; the manifest says $MAX_SURGE"

# ---------------------------------------------------------------- the image and a model
deploy/ci/build-images.sh >"$work/build.log" 2>&1 || {
  cat "$work/build.log" >&2
  fail "image build failed"
}
image=$(image_name app)

model_key=$(cat training/*.py training/requirements.lock data/spam.csv data/stopwords-english.txt \
  data/recent-sms-samples.tsv | sha256sum | cut -c1-16)
if [ "$(cat "$work/model/key" 2>/dev/null)" != "$model_key" ]; then
  log "training a model for the replicas (training CLI --quick, local sqlite store; cached afterwards)"
  rm -rf "$work/model" "$work/mlflow"
  .venv/bin/python -m training.train --quick --tracking-uri "sqlite:///$PWD/$work/mlflow/mlflow.db" \
    --output-dir "$work/model" >"$work/train.json" 2>"$work/train.log" || {
    tail -20 "$work/train.log" >&2
    fail "training failed"
  }
  rm -rf "$work/mlflow"
  echo "$model_key" >"$work/model/key"
fi
chmod -R a+rX "$work/model"

# ---------------------------------------------------------------- one drill
free_ports() {
  python3 -c '
import socket, sys
socks = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))
for s in socks:
    s.close()' "$1"
}

t0=0
now() { python3 -c "import time; print(f'{time.time() - $t0:.1f}')"; }
event() { log "  +$(now)s $*"; }

cleanup() {
  docker ps -aq --filter "name=^${prefix}-" | xargs -r docker rm -f >/dev/null 2>&1 || true
  [ -z "${lb_pid:-}" ] || kill "$lb_pid" 2>/dev/null || true
  [ -z "${load_pid:-}" ] || kill "$load_pid" 2>/dev/null || true
}
trap cleanup EXIT

# start_replica NAME PORT VERSION DELAY: the pod's container as the manifest describes it (user, read-only root,
# writable volumes, memory limit, settings), serving the local model file instead of asking MLflow.
start_replica() {
  local mounts=() path
  for path in $WRITABLE_MOUNTS; do mounts+=(--tmpfs "$path:rw,uid=${RUN_AS%:*},gid=${RUN_AS#*:},size=64m"); done
  docker run -d --name "$1" --user "$RUN_AS" --read-only "${mounts[@]}" --cap-drop ALL \
    --security-opt no-new-privileges --memory "$MEMORY_LIMIT" -p "127.0.0.1:$2:$CONTAINER_PORT" \
    --env-file "$work/settings.env" -e APP_VERSION="$3" -e SHUTDOWN_DELAY_SECONDS="$4" \
    -e MODEL_SOURCE=file:/model/model.json -v "$PWD/$work/model:/model:ro" "$image" >/dev/null
}

lb_status() { curl -fsS "http://127.0.0.1:$stats_port/stats;csv" | awk -F, -v s="$1" '$1 == "replicas" && $2 == s { print $18 }'; }

# stop_replica NAME: what the kubelet does to a deleted pod (SIGTERM, SIGKILL after the grace period), in the
# background like the Deployment, which goes on without waiting for the old pod to be gone.
stop_replica() {
  (
    local from=$SECONDS
    docker stop -t "$TERMINATION_GRACE_SECONDS" "$1" >/dev/null
    echo "$1 exited $(docker inspect -f '{{.State.ExitCode}}' "$1") after $((SECONDS - from)) s" >>"$work/$mode.stops"
  ) &
  stoppers+=($!)
}

# run_drill KIND LB_MODE: KIND "drain" (as the manifest says) or "control" (no drain delay, no readiness wait);
# LB_MODE "http" (per-request balancing) or "tcp" (per-connection).
run_drill() {
  local kind=$1 lb_mode=$2
  mode=$kind-$lb_mode
  local delay=$SHUTDOWN_DELAY_SECONDS wait_ready=true version_a="drill-a" version_b="drill-b" i ports slots
  if [ "$kind" = control ]; then delay=0 wait_ready=false; fi
  stoppers=()
  : >"$work/$mode.stops"
  read -r -a ports <<<"$(free_ports $((2 + 2 * REPLICAS)))"
  listen_port=${ports[0]} stats_port=${ports[1]} slots=("${ports[@]:2}")
  local servers="" slot
  for i in "${!slots[@]}"; do servers+="    server slot$((i + 1)) 127.0.0.1:${slots[$i]} check"$'\n'; done
  sed -e "s|@LB_MODE@|$lb_mode|" -e "s|@READINESS_PATH@|$READINESS_PATH|" -e "s|@LISTEN_PORT@|$listen_port|" -e "s|@STATS_PORT@|$stats_port|" \
    deploy/rollout/haproxy.cfg.template | awk -v servers="$servers" '{ if ($0 == "@SERVERS@") printf "%s", servers; else print }' \
    >"$work/$mode.haproxy.cfg"
  haproxy -c -q -f "$work/$mode.haproxy.cfg" || fail "haproxy rejects $work/$mode.haproxy.cfg"

  local unit=request
  [ "$lb_mode" = http ] || unit=connection
  log "$kind run, balancing per $unit: SHUTDOWN_DELAY_SECONDS=$delay, readiness wait: $wait_ready"
  for i in $(seq "$REPLICAS"); do start_replica "$prefix-$mode-a$i" "${slots[$((i - 1))]}" "$version_a" "$delay"; done
  for i in $(seq "$REPLICAS"); do
    wait_for_ready "http://127.0.0.1:${slots[$((i - 1))]}$READINESS_PATH" 60 || fail "replica a$i never got ready"
  done
  haproxy -f "$work/$mode.haproxy.cfg" -db >"$work/$mode.haproxy.log" 2>&1 &
  lb_pid=$!
  # Old replicas in, empty slots out, before any load is sent.
  for _ in $(seq 40); do
    local states=""
    for i in "${!slots[@]}"; do states+="$(lb_status "slot$((i + 1))" 2>/dev/null || true) "; done
    [ "$states" = "$(printf 'UP %.0s' $(seq "$REPLICAS"))$(printf 'DOWN %.0s' $(seq "$REPLICAS"))" ] && break
    sleep 0.25
  done
  [ "$states" = "$(printf 'UP %.0s' $(seq "$REPLICAS"))$(printf 'DOWN %.0s' $(seq "$REPLICAS"))" ] ||
    fail "haproxy never saw the old replicas up and the free slots down: $states"

  t0=$(python3 -c 'import time; print(time.time())')
  node deploy/rollout/load-generator.js --url "http://127.0.0.1:$listen_port" --rate "$RATE" --seconds 150 \
    --info-every-ms 250 --t0 "$t0" >"$work/$mode.load.json" 2>"$work/$mode.load.err" &
  load_pid=$!
  event "load generator started: $RATE predictions/s through haproxy on 127.0.0.1:$listen_port"
  sleep 3
  for i in $(seq "$REPLICAS"); do
    slot=$((REPLICAS + i - 1))
    start_replica "$prefix-$mode-b$i" "${slots[$slot]}" "$version_b" "$delay"
    event "new replica b$i started ($version_b)"
    if $wait_ready; then
      wait_for_ready "http://127.0.0.1:${slots[$slot]}$READINESS_PATH" 60 || fail "replica b$i never got ready"
      event "b$i ready; waiting minReadySeconds ($MIN_READY_SECONDS s)"
      sleep "$MIN_READY_SECONDS"
    fi
    stop_replica "$prefix-$mode-a$i"
    event "old replica a$i: SIGTERM (grace $TERMINATION_GRACE_SECONDS s, drain $delay s)"
  done
  wait "${stoppers[@]}"
  event "old replicas gone: $(paste -sd ';' "$work/$mode.stops")"
  # Enough requests for the verdict, and a few seconds of the new version alone.
  if [ "$kind" = drain ]; then
    while [ "$(now | cut -d. -f1)" -lt $((MIN_REQUESTS / RATE + 3)) ]; do sleep 0.5; done
  fi
  sleep 2
  kill -TERM "$load_pid"
  wait "$load_pid" || true
  load_pid=
  kill "$lb_pid" 2>/dev/null || true
  wait "$lb_pid" 2>/dev/null || true
  lb_pid=
  docker ps -aq --filter "name=^${prefix}-$mode-" | xargs -r docker rm -f >/dev/null
  [ -s "$work/$mode.load.json" ] || fail "the load generator printed no summary: $(cat "$work/$mode.load.err")"

  python3 - "$work/$mode.load.json" "$mode" "$version_a" "$version_b" <<'PY'
import json, sys
summary, mode, a, b = json.load(open(sys.argv[1])), *sys.argv[2:]
versions = {v["version"]: v for v in summary["versions"]}
print(f"rollout-drill: {mode}: {summary['requests']} requests in {summary['durationSeconds']} s "
      f"({summary['requestsPerSecond']}/s), {summary['failures']} failed, {summary['skipped']} skipped, statuses {summary['byStatus']}, "
      f"errors {summary['errors']}, p50 {summary['latencyMs']['p50']} ms, p99 {summary['latencyMs']['p99']} ms")
if a in versions and b in versions:
    print(f"rollout-drill: {mode}: version switch: {b} first answered at +{versions[b]['first']} s, "
          f"{a} last answered at +{versions[a]['last']} s")
for failure in summary["firstFailures"][:5]:
    print(f"rollout-drill: {mode}:   failure at +{failure['at']} s: {failure['status'] or failure['error']}")
PY
}

verdict() { python3 -c "import json,sys; s=json.load(open(sys.argv[1])); print($2)" "$work/$1.load.json"; }

switched='[v["version"] for v in s["versions"]] == ["drill-a", "drill-b"] and s["versions"][0]["last"] <= s["versions"][1]["last"]'
run_drill drain http
[ "$(verdict drain-http 's["failures"]')" = 0 ] || fail "requests failed during the rolling update"
[ "$(verdict drain-http 's["requests"]')" -ge "$MIN_REQUESTS" ] || fail "fewer than $MIN_REQUESTS requests sent"
[ "$(verdict drain-http "$switched")" = True ] || fail "/api/v1/info did not switch from drill-a to drill-b"
if grep -qv 'exited 0 ' "$work/drain-http.stops"; then
  fail "an old replica did not exit cleanly: $(cat "$work/drain-http.stops")"
fi

# Per connection (kube-proxy: ClusterIP, NodePort) a kept-alive connection stays on its old pod until the pod closes
# it; the service answers `Connection: close` while draining (src/http/drain-connections.ts), so no request races
# the close. Without that header this run lost 0-4 requests per ~3,000 (docs/kubernetes.md).
run_drill drain tcp
[ "$(verdict drain-tcp 's["failures"]')" = 0 ] || fail "requests failed with per-connection balancing"

run_drill control http
[ "$(verdict control-http 's["failures"]')" -gt 0 ] ||
  fail "the control run (no drain, no readiness wait) had no failures: the drill cannot tell a bad rollout"

summary() { verdict "$1" "f'{s[\"failures\"]} failures of {s[\"requests\"]}'"; }
result="with the drain $(summary drain-http) requests balanced per request ($(summary drain-tcp) per connection);"
result+=" without it $(summary control-http) ($(($(date +%s) - started)) s in all)"
junit pass "$result"
log "PASS: $result"
