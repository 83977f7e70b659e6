#!/usr/bin/env bash
# Builds the service, MLflow and trainer images, tagged $IMAGE_PREFIX-<name>:<version>-<short sha>[-dirty] and :latest.
# Base images that cannot be pulled are replaced by local stand-ins first (deploy/ci/stand-in-base-images.sh).
# Prints the build time and size of each image; full build logs go to build/container-logs/.
set -euo pipefail
cd "$(dirname "$0")/../.."
source deploy/ci/containers-env.sh

ensure_engine || { echo "build-images: no Docker engine reachable" >&2; exit 1; }
deploy/ci/stand-in-base-images.sh

logs=build/container-logs
mkdir -p "$logs"
source_url="$(git config --get remote.origin.url 2>/dev/null || true)"
case "$source_url" in https://*) ;; *) source_url=unknown ;; esac

build() {
  local name=$1 dockerfile=$2 started
  started=$(date +%s)
  # Host network: on build machines behind a proxy the default bridge has no DNS; on a laptop it changes nothing.
  if ! docker build --network "${DOCKER_BUILD_NETWORK:-host}" -f "$dockerfile" \
    --build-arg APP_VERSION="$APP_VERSION" --build-arg GIT_COMMIT="$GIT_COMMIT" --build-arg SOURCE_URL="$source_url" \
    -t "$(image_name "$name")" -t "$IMAGE_PREFIX-$name:latest" . >"$logs/$name-build.log" 2>&1; then
    tail -40 "$logs/$name-build.log" >&2
    echo "build-images: $name failed (full log: $logs/$name-build.log)" >&2
    return 1
  fi
  printf 'build-images: %-48s %4ss  %s\n' "$(image_name "$name")" "$(($(date +%s) - started))" \
    "$(docker image inspect -f '{{.Size}}' "$(image_name "$name")" | awk '{printf "%.0f MB", $1/1e6}')"
}

build app Dockerfile
build mlflow mlflow/Dockerfile
build trainer training/Dockerfile
