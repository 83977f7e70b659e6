#!/usr/bin/env bash
# `make rollback` (Jenkins: after a failed deploy or smoke test; by hand in the demo): `kubectl rollout undo` of the
# service's Deployment, then wait for that rollout.
#
# In a pipeline (IMAGE_TAG set by make) it undoes only when this build's tag is the one live: the Ansible deploy
# playbook rolls back by itself when its rollout fails, and a second undo would bring the broken revision back.
# ROLLBACK_FORCE=1 (the demo's manual rollback) undoes whatever is live.
set -euo pipefail

namespace="${DEPLOY_NAMESPACE:-spam-classifier}"
deployment="${DEPLOY_NAME:-spam-classifier}"
timeout="${ROLLOUT_TIMEOUT:-180s}"

fail() { echo "rollback: $*" >&2; exit 1; }
command -v kubectl >/dev/null || fail "kubectl is not installed"

live_image="$(kubectl -n "$namespace" get "deployment/$deployment" \
  -o jsonpath='{.spec.template.spec.containers[0].image}')" \
  || fail "cannot read deployment/$deployment in namespace $namespace (KUBECONFIG=${KUBECONFIG:-~/.kube/config})"
echo "rollback: live image $live_image"

if [ "${ROLLBACK_FORCE:-0}" != 1 ] && [ -n "${IMAGE_TAG:-}" ] && [ "${live_image##*:}" != "$IMAGE_TAG" ]; then
  echo "rollback: this build's tag $IMAGE_TAG is not live (already rolled back, or never applied): nothing to undo"
  exit 0
fi

kubectl -n "$namespace" rollout undo "deployment/$deployment"
kubectl -n "$namespace" rollout status "deployment/$deployment" --timeout "$timeout"
echo "rollback: now serving $(kubectl -n "$namespace" get "deployment/$deployment" \
  -o jsonpath='{.spec.template.spec.containers[0].image}')"
