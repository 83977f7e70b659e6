#!/usr/bin/env bash
# `make retrain` (Jenkins parameter RETRAIN, or by hand): run the trainer Job again, print the promotion gate's
# verdict, and leave the rest to the service: it polls the `production` alias (MODEL_POLL_INTERVAL_SECONDS, 30 s)
# and hot-swaps a promoted model without a restart (docs/api.md "Model lifecycle").
#
# A Job's pod template is immutable, so the old Job is deleted and the trainer kustomization ($TRAINER_KUSTOMIZATION,
# default kubernetes/trainer) applied again. With DOCKERHUB_USER set, the Job runs this build's pushed trainer image
# $DOCKERHUB_USER/spam-classifier-trainer:$IMAGE_TAG, set through a throw-away kustomization under build/.
set -euo pipefail
cd "$(dirname "$0")/../.."
source deploy/ci/containers-env.sh

namespace="${DEPLOY_NAMESPACE:-spam-classifier}"
kustomization="${TRAINER_KUSTOMIZATION:-kubernetes/trainer}"
timeout="${TRAINER_TIMEOUT:-600s}"

fail() { echo "retrain: $*" >&2; exit 1; }
command -v kubectl >/dev/null || fail "kubectl is not installed"
[ -f "$kustomization/kustomization.yaml" ] || fail "$kustomization/kustomization.yaml does not exist"

target="$kustomization"
if [ -n "${DOCKERHUB_USER:-}" ]; then
  target=build/retrain
  rm -rf "$target" && mkdir -p "$target"
  # kustomize accepts only relative paths to other kustomizations.
  cat >"$target/kustomization.yaml" <<YAML
resources:
  - ../../$kustomization
images:
  - name: spam-classifier-trainer
    newName: $DOCKERHUB_USER/spam-classifier-trainer
    newTag: "$IMAGE_TAG"
YAML
fi

kubectl -n "$namespace" delete job trainer --ignore-not-found --wait=true
kubectl apply -k "$target"
echo "retrain: waiting for job/trainer (at most $timeout)"
if ! kubectl -n "$namespace" wait --for=condition=complete job/trainer --timeout "$timeout"; then
  kubectl -n "$namespace" logs job/trainer --tail 30 >&2 || true
  fail "job/trainer did not complete"
fi
# The trainer's stdout is one JSON summary line (docs/training.md): show the gate's verdict from it.
kubectl -n "$namespace" logs job/trainer | python3 -c '
import json, sys
summaries = []
for line in sys.stdin:
    try:
        record = json.loads(line)
    except ValueError:
        continue  # stderr log lines share the container log
    if isinstance(record, dict) and "promoted" in record:
        summaries.append(record)
if not summaries:
    sys.exit("retrain: no JSON summary line in the trainer log")
summary = summaries[-1]
verdict = "PROMOTED to production" if summary["promoted"] else "not promoted"
version, reason = summary["model_version"], summary["reason"]
print(f"retrain: model version {version} {verdict}: {reason}")
'
