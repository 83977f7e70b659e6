#!/usr/bin/env bash
# `make smoke-test` (Jenkins stage "Smoke test", after the deploy): the deployed service answers, is ready, classifies
# a message, and GET /api/v1/info reports this build's commit ($GIT_COMMIT, the short sha make exports), i.e. the
# rollout really replaced the old version.
#
# Where: SMOKE_URL if set (e.g. http://$(minikube ip):30080, or http://127.0.0.1:3000 for a local stack); otherwise a
# `kubectl port-forward` to svc/spam-classifier in namespace spam-classifier on a free loopback port, which works
# wherever kubectl works (the Jenkins container has no minikube binary).
set -euo pipefail
cd "$(dirname "$0")/../.."
source deploy/ci/containers-env.sh

namespace="${DEPLOY_NAMESPACE:-spam-classifier}"
service="${DEPLOY_NAME:-spam-classifier}"
attempts="${SMOKE_ATTEMPTS:-30}"

fail() { echo "smoke-test: $*" >&2; exit 1; }
command -v curl >/dev/null || fail "curl is not installed"

if [ -z "${SMOKE_URL:-}" ]; then
  command -v kubectl >/dev/null || fail "kubectl is not installed (or set SMOKE_URL)"
  port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  log="$(mktemp)"
  kubectl -n "$namespace" port-forward "svc/$service" "$port:3000" --address 127.0.0.1 >"$log" 2>&1 &
  forward_pid=$!
  trap 'kill "$forward_pid" 2>/dev/null || true; rm -f "$log"' EXIT
  SMOKE_URL="http://127.0.0.1:$port"
fi
SMOKE_URL="${SMOKE_URL%/}"
echo "smoke-test: $SMOKE_URL, expecting commit $GIT_COMMIT"

# A rollout that just finished may still be swapping endpoints: bounded retries, 1 s apart.
info=""
for _ in $(seq "$attempts"); do
  if curl -fsS --max-time 5 -o /dev/null "$SMOKE_URL/health/ready" 2>/dev/null \
    && info="$(curl -fsS --max-time 5 "$SMOKE_URL/api/v1/info" 2>/dev/null)"; then
    break
  fi
  info=""
  sleep 1
done
[ -n "$info" ] || { cat "${log:-/dev/null}" >&2 2>/dev/null || true; fail "$SMOKE_URL did not become ready within $attempts s"; }

served_commit="$(python3 -c 'import json, sys; print(json.load(sys.stdin).get("gitCommit", ""))' <<<"$info")"
[ "$served_commit" = "$GIT_COMMIT" ] \
  || fail "the service reports commit '$served_commit', this build is '$GIT_COMMIT' (/api/v1/info: $info)"

label="$(curl -fsS --max-time 5 -X POST -H 'content-type: application/json' \
  --data '{"text": "WINNER!! You have been selected to receive a £900 prize reward. To claim call 09061701461. Claim code KL341. Valid 12 hours only."}' \
  "$SMOKE_URL/api/v1/predict" | python3 -c 'import json, sys; print(json.load(sys.stdin)["label"])')" \
  || fail "POST /api/v1/predict failed"
[ "$label" = spam ] || fail "an obvious spam message was classified '$label'"
echo "smoke-test: ok (commit $served_commit, spam classified as spam)"
