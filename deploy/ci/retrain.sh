#!/usr/bin/env bash
# `make retrain` (Jenkins parameter RETRAIN, or by hand): run the trainer Job again, print the promotion gate's
# verdict, and leave the rest to the service: it polls the `production` alias (MODEL_POLL_INTERVAL_SECONDS, 30 s)
# and hot-swaps a promoted model without a restart (docs/api.md "Model lifecycle").
#
# The trainer is the suspended CronJob `trainer` of the overlay (docs/kubernetes.md "Why the trainer is a suspended
# CronJob"): the deploy keeps its image at the deployed tag, and a run is a Job made from it. With IMAGE_TAG set (Jenkins),
# the CronJob must already carry this build's trainer image, i.e. the deploy stage ran first: otherwise the retrain
# would test an older trainer than the commit being built.
set -euo pipefail
cd "$(dirname "$0")/../.."

namespace="${DEPLOY_NAMESPACE:-spam-classifier}"
timeout="${TRAINER_TIMEOUT:-600s}"

fail() { echo "retrain: $*" >&2; exit 1; }
command -v kubectl >/dev/null || fail "kubectl is not installed"

image="$(kubectl -n "$namespace" get cronjob/trainer -o jsonpath='{.spec.jobTemplate.spec.template.spec.containers[0].image}')" \
  || fail "no cronjob/trainer in namespace $namespace: apply kubernetes/overlays/minikube (make deploy) first"
if [ -n "${IMAGE_TAG:-}" ] && [ "${image##*:}" != "$IMAGE_TAG" ]; then
  fail "cronjob/trainer runs $image, not this build's tag $IMAGE_TAG: deploy this build first (make deploy)"
fi

kubectl -n "$namespace" delete job trainer --ignore-not-found --wait=true
kubectl -n "$namespace" create job trainer --from=cronjob/trainer
echo "retrain: job/trainer from $image, waiting (at most $timeout)"
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
