# Sourced by build-images.sh, compose.sh and container-test.sh: image names and tags, the compose command, the engine.
# Run from the repository root.

IMAGE_PREFIX="${IMAGE_PREFIX:-spam-classifier}"
APP_VERSION="${APP_VERSION:-$(node -p "require('./package.json').version" 2>/dev/null || echo 0.0.0)}"
GIT_COMMIT="${GIT_COMMIT:-$(git rev-parse --short HEAD 2>/dev/null || echo unknown)}"
# An image built from uncommitted changes must not pass for the commit it names.
if [ -z "${IMAGE_TAG:-}" ]; then
  IMAGE_TAG="$APP_VERSION-$GIT_COMMIT"
  [ -z "$(git status --porcelain 2>/dev/null)" ] || IMAGE_TAG="$IMAGE_TAG-dirty"
fi
export IMAGE_PREFIX APP_VERSION GIT_COMMIT IMAGE_TAG

image_name() { echo "$IMAGE_PREFIX-$1:$IMAGE_TAG"; }

# The v2 plugin when present, else Debian's docker-compose v1 (>= 1.29 understands the same file).
compose() {
  if docker compose version >/dev/null 2>&1; then docker compose "$@"; else docker-compose "$@"; fi
}

engine_up() { docker info >/dev/null 2>&1; }

# CI machines start with no daemon. Start one detached from this shell (it outlives the build, keeping the layer
# cache warm for the next run); a concurrent start loses the pid-file race and exits, and both then see the winner.
ensure_engine() {
  engine_up && return 0
  command -v dockerd >/dev/null && [ "$(id -u)" -eq 0 ] || return 1
  echo "starting dockerd (log: /var/log/dockerd-ci.log)" >&2
  setsid dockerd >>/var/log/dockerd-ci.log 2>&1 </dev/null &
  local _
  for _ in $(seq 60); do
    engine_up && return 0
    sleep 1
  done
  return 1
}

# wait_for_ready URL SECONDS: poll until URL answers 2xx (0) or time runs out (1).
wait_for_ready() {
  local url=$1 seconds=$2 _
  for _ in $(seq $((seconds * 2))); do
    curl -fsS -o /dev/null "$url" 2>/dev/null && return 0
    sleep 0.5
  done
  return 1
}
