#!/usr/bin/env bash
# `make k8s-check`: every kustomization under kubernetes/ (found, not listed: kubernetes/elk, /monitoring, /vault are
# checked as soon as they exist) is rendered with `kubectl kustomize`, every rendered object is validated against
# the Kubernetes OpenAPI schemas in strict mode (unknown fields are errors), then the policy tests
# (deploy/tests/test_kubernetes_*.py) bind the manifests to the service's own contracts. No cluster is needed.
set -euo pipefail
cd "$(dirname "$0")/../.."

# The oldest release these manifests target (the kubectl of this machine) and the newest one the validator knows.
read -ra K8S_VERSIONS <<<"${K8S_CHECK_VERSIONS:-1.32 1.37}"
# kubectl's built-in kustomize understands `labels:` and components from kubectl 1.27 (kustomize v5).
MIN_KUBECTL_MINOR=27
OPS=.venv-ops/bin
out=build/k8s-check

fail() {
  echo "k8s-check: FAIL: $*" >&2
  exit 1
}

command -v kubectl >/dev/null ||
  fail "kubectl is not installed. Install kubectl >= 1.$MIN_KUBECTL_MINOR (https://kubernetes.io/docs/tasks/tools/;" \
    "Debian's kubernetes-client 1.20 is too old for kustomize v5), then run make k8s-check again."
minor=$(kubectl version --client -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)["clientVersion"]["minor"].rstrip("+"))')
[ "$minor" -ge "$MIN_KUBECTL_MINOR" ] || fail "kubectl 1.$minor is too old: kustomize v5 needs kubectl >= 1.$MIN_KUBECTL_MINOR"
[ -x "$OPS/kubernetes-validate" ] || fail "$OPS/kubernetes-validate is missing: run make setup-ops"

started=$(date +%s)
rm -rf "$out"
mkdir -p "$out" reports/junit

# The sources first: YAML syntax and duplicate keys (a YAML parser keeps one of the two silently) of every file under
# kubernetes/. Style rules are left out on purpose: the folders of other issues need not share this one's style.
"$OPS/yamllint" -d '{rules: {key-duplicates: enable}}' kubernetes || fail "yamllint found problems in kubernetes/"

# Components (kind: Component) cannot be rendered alone; they are checked through the kustomization using them.
mapfile -t dirs < <(find kubernetes -name kustomization.yaml -o -name kustomization.yml -o -name Kustomization |
  xargs -r grep -L '^kind: *Component' | xargs -r -n1 dirname | sort)
[ ${#dirs[@]} -gt 0 ] || fail "no kustomization found under kubernetes/"

objects=0
for dir in "${dirs[@]}"; do
  rendered="$out/$(echo "$dir" | tr / _).yaml"
  kubectl kustomize "$dir" >"$rendered" 2>"$rendered.err" || fail "kubectl kustomize $dir: $(cat "$rendered.err")"
  count=$(grep -c '^kind:' "$rendered" || true)
  [ "$count" -gt 0 ] || fail "$dir renders no object"
  for version in "${K8S_VERSIONS[@]}"; do
    # kubernetes-validate exits 0 on an apiVersion/kind it has no schema for (only a WARN line): that is a failure
    # here, a typo in apiVersion would otherwise pass unchecked.
    if ! report=$("$OPS/kubernetes-validate" --strict --quiet -k "$version" "$rendered" 2>&1) || [ -n "$report" ]; then
      echo "$report" >&2
      fail "$dir does not validate against Kubernetes $version (strict)"
    fi
  done
  objects=$((objects + count))
  printf 'k8s-check: %-40s %3d objects, valid against Kubernetes %s (strict)\n' "$dir" "$count" "${K8S_VERSIONS[*]}"
done

"$OPS/pytest" -q -p no:cacheprovider deploy/tests/test_kubernetes_*.py --junitxml=reports/junit/k8s-check.xml
echo "k8s-check: OK: ${#dirs[@]} kustomizations, $objects objects, policy tests passed in $(($(date +%s) - started)) s"
