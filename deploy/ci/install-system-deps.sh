#!/usr/bin/env bash
# Debian packages the test suite needs. Idempotent: apt-get runs only when something is missing.
# On a machine where we are not root (a student laptop) it only reports what is missing.
# With arguments, only those packages of the list (`make lint-docker` needs compose, not a browser or an engine).
set -euo pipefail

packages=(
  chromium          # headless UI test (driven by playwright-core, never a downloaded browser)
  docker.io         # engine for container-test
  docker-compose    # Debian's compose v1, used when the v2 plugin is absent
  debootstrap       # stand-in base images (nothing can be pulled here)
  curl              # container-test and compose.sh talk HTTP to the stack
  prometheus        # observability-test: promtool and a real Prometheus (built without Kubernetes discovery)
  openjdk-17-jre-headless  # npm-groovy-lint (make jenkins-check) runs CodeNarc on Java >= 17
  haproxy           # rollout-drill: plays a Service's endpoints in front of the service containers
  openssl           # ansible-test: the demo ansible-vault password and test tokens
  wrk               # make bench: the load generator (written in C: its own CPU cost stays small next to Node's)
)

if [ $# -gt 0 ]; then
  for wanted in "$@"; do
    [[ " ${packages[*]} " == *" $wanted "* ]] || { echo "install-system-deps: $wanted is not in the list" >&2; exit 2; }
  done
  packages=("$@")
fi

# An engine or compose that is already there (docker-ce from docker.com, Docker Desktop) is used as it is: Debian's
# docker.io would conflict with docker-ce's containerd and replace the student's engine.
engine_present() { command -v dockerd >/dev/null || docker info >/dev/null 2>&1; }
compose_present() { docker compose version >/dev/null 2>&1 || command -v docker-compose >/dev/null; }

missing=()
for p in "${packages[@]}"; do
  case "$p" in
    docker.io) engine_present && continue ;;
    docker-compose) compose_present && continue ;;
  esac
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "missing Debian packages: ${missing[*]} (run as root: apt-get install ${missing[*]})" >&2
  exit 0
fi
echo "installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
