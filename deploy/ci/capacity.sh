#!/usr/bin/env bash
# `make capacity` (not part of `make test`): what one pod of the service sustains, for the HPA arithmetic of
# docs/kubernetes.md. One service container, started as the Deployment describes it (user, read-only root, memory
# limit, settings; deploy/rollout/manifest_values.py reads them from the rendered overlay), under a closed-loop load
# through 127.0.0.1:
#   1. `docker run --cpus=<the Deployment's CPU request>`, single predictions: the requests/s one pod sustains at
#      its request, which is what the HPA's utilisation target refers to;
#   2. the same with batches of 100 messages (/api/v1/predict/batch): predictions/s when clients batch;
#   3. single predictions without a CPU cap (the Deployment sets none): one pod on a node with idle CPU.
# Memory: the container's peak (cgroup) and the highest `docker stats` sample, against the Deployment's limit.
# The load generator shares the machine's cores with the container: read the figures with the load average printed.
set -euo pipefail
cd "$(dirname "$0")/../.."
source deploy/ci/containers-env.sh

OVERLAY=kubernetes/overlays/minikube
WARMUP_SECONDS="${CAPACITY_WARMUP_SECONDS:-5}"
MEASURE_SECONDS="${CAPACITY_SECONDS:-20}"
CONNECTIONS="${CAPACITY_CONNECTIONS:-16}"
work=build/capacity
name="capacity$$"
log() { echo "capacity: $*"; }
fail() {
  echo "capacity: FAIL: $*" >&2
  exit 1
}

command -v docker >/dev/null && ensure_engine || fail "no Docker engine"
command -v kubectl >/dev/null || fail "kubectl is not installed"
[ -x .venv/bin/python ] || make -s setup-python
mkdir -p "$work"
kubectl kustomize "$OVERLAY" >"$work/rendered.yaml"
eval "$(.venv/bin/python deploy/rollout/manifest_values.py "$work/settings.env" <"$work/rendered.yaml")"
deploy/ci/build-images.sh >"$work/build.log" 2>&1 || fail "image build failed (log: $work/build.log)"
image=$(image_name app)

# The rollout drill's model (trained once by the training CLI and cached there).
model=build/rollout-drill/model
[ -f "$model/model.json" ] || fail "no model yet: run make rollout-drill once (it trains and caches one)"

cleanup() { docker rm -f "$name" >/dev/null 2>&1 || true; }
trap cleanup EXIT

# peak_memory_bytes CONTAINER: the cgroup's high-water mark (v1 max_usage_in_bytes, v2 memory.peak), else empty.
peak_memory_bytes() {
  local id
  id=$(docker inspect -f '{{.Id}}' "$1")
  cat "/sys/fs/cgroup/memory/docker/$id/memory.max_usage_in_bytes" \
    "/sys/fs/cgroup/system.slice/docker-$id.scope/memory.peak" 2>/dev/null | head -1 || true
}

# measure LABEL CPUS BATCH: one container (CPUS empty = no cap), warm-up, then a closed-loop load of single
# predictions (BATCH 0) or batches; prints one summary line.
measure() {
  local label=$1 cpus=$2 batch=$3 port mounts=() path
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  for path in $WRITABLE_MOUNTS; do mounts+=(--tmpfs "$path:rw,uid=${RUN_AS%:*},gid=${RUN_AS#*:},size=64m"); done
  docker run -d --name "$name" ${cpus:+--cpus "$cpus"} --user "$RUN_AS" --read-only "${mounts[@]}" --cap-drop ALL \
    --security-opt no-new-privileges --memory "$MEMORY_LIMIT" -p "127.0.0.1:$port:$CONTAINER_PORT" \
    --env-file "$work/settings.env" -e RATE_LIMIT_PER_MINUTE=0 -e MODEL_SOURCE=file:/model/model.json \
    -v "$PWD/$model:/model:ro" "$image" >/dev/null
  wait_for_ready "http://127.0.0.1:$port$READINESS_PATH" 60 || fail "the service never got ready"
  local load_options=(--url "http://127.0.0.1:$port" --rate 0 --batch "$batch")
  # Batches of 100 take ~40x longer each: fewer connections keep the latency figures meaningful.
  load_options+=(--connections "$([ "$batch" -gt 0 ] && echo 4 || echo "$CONNECTIONS")")
  node deploy/rollout/load-generator.js "${load_options[@]}" --seconds "$WARMUP_SECONDS" >/dev/null
  node deploy/rollout/load-generator.js "${load_options[@]}" --seconds "$MEASURE_SECONDS" >"$work/$label.json" &
  local load=$! stats_max=0 sample
  while kill -0 "$load" 2>/dev/null; do
    sample=$(docker stats --no-stream --format '{{.MemUsage}}' "$name" 2>/dev/null | awk '{print $1}')
    # A sample taken while the container changes state can be empty or "0B": keep the maximum so far.
    stats_max=$(python3 -c "
import re, sys
match = re.fullmatch(r'([0-9.]+)([KMG]i?B)', sys.argv[1])
scale = {'KiB': 2**10, 'MiB': 2**20, 'GiB': 2**30, 'kB': 1e3, 'MB': 1e6, 'GB': 1e9}
sample = int(float(match[1]) * scale[match[2]]) if match else 0
print(max(sample, int(sys.argv[2])))" "$sample" "$stats_max")
  done
  wait "$load"
  local peak
  peak=$(peak_memory_bytes "$name")
  docker rm -f "$name" >/dev/null
  python3 - "$work/$label.json" "$label" "${cpus:-none}" "$stats_max" "${peak:-0}" "$MEMORY_LIMIT" <<'PY'
import json, sys
path, label, cpus, stats_max, peak, limit = sys.argv[1:]
s = json.load(open(path))
mib = lambda b: f"{int(b) / 2**20:.0f} MiB"
print(f"capacity: {label}: --cpus {cpus}: {s['requestsPerSecond']} req/s = {s['predictionsPerSecond']} predictions/s "
      f"over {s['durationSeconds']} s, "
      f"{s['failures']} failed, p50 {s['latencyMs']['p50']:.1f} ms, p99 {s['latencyMs']['p99']:.1f} ms; memory: "
      f"docker stats max {mib(stats_max)}, cgroup peak {mib(peak) if int(peak) else 'n/a'}, limit {mib(limit)}")
PY
}

log "load average before: $(cut -d' ' -f1-3 /proc/loadavg); closed loop, $CONNECTIONS connections (batches: 4)"
measure single-at-request "$CPU_REQUEST" 0
measure batch-at-request "$CPU_REQUEST" 100
measure single-uncapped "" 0
log "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
