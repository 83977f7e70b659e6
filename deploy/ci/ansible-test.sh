#!/usr/bin/env bash
# `make ansible-test`: ansible-lint (production profile) and --syntax-check of every playbook; the secrets role's
# Vault-side tasks for real against OpenBao's `bao server -dev` on 127.0.0.1 (two runs: configure, then changed=0;
# the policy reads and does not write); the overlay rendering at an image tag (idempotent); the secret scan; the
# names against docs/deployment.md. Cluster-side tasks (minikube, kubectl apply, rollout) are lint/syntax only.
# JUnit: reports/junit/ansible.xml. The tests start and stop their own OpenBao servers.
set -euo pipefail
cd "$(dirname "$0")/../.."

OPS=.venv-ops/bin
for tool in ansible-playbook ansible-lint ansible-vault bao pytest; do
  [ -x "$OPS/$tool" ] || { echo "ansible-test: FAIL: $OPS/$tool missing (make setup-ops)" >&2; exit 1; }
done
command -v kubectl >/dev/null || { echo "ansible-test: FAIL: kubectl missing (the overlay rendering uses kubectl kustomize)" >&2; exit 1; }
command -v openssl >/dev/null || { echo "ansible-test: FAIL: openssl missing" >&2; exit 1; }

mkdir -p reports/junit
# The venv's tools first: ansible-lint calls ansible-playbook and ansible-galaxy by name.
PATH="$PWD/$OPS:$PATH" "$OPS/pytest" -q -p no:cacheprovider deploy/tests/test_ansible_*.py \
  --junitxml=reports/junit/ansible.xml -o junit_suite_name=ansible
