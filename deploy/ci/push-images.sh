#!/usr/bin/env bash
# `make push-images` (Jenkins stage "Push to Docker Hub"): tag the three images `make images` built as
# $DOCKERHUB_USER/spam-classifier-<name>:$IMAGE_TAG and push them. Credentials come from the environment
# (Jenkins: withCredentials 'dockerhub' -> DOCKERHUB_USER, DOCKERHUB_TOKEN, an access token, not the password).
#
# Refuses, before logging in:
#   - an image labelled stand-in=true: it was built on a local stand-in of an official base image
#     (deploy/ci/stand-in-base-images.sh, for machines that cannot pull) and must never reach a registry;
#   - a tag ending in -dirty: built from uncommitted changes, it does not match the commit it names.
# DOCKER_REGISTRY (default: empty = Docker Hub) names another registry, host[:port].
set -euo pipefail
cd "$(dirname "$0")/../.."
source deploy/ci/containers-env.sh

fail() { echo "push-images: $*" >&2; exit 1; }

[ -n "${DOCKERHUB_USER:-}" ] || fail "DOCKERHUB_USER is not set (Jenkins credential 'dockerhub', or export it)"
[ -n "${DOCKERHUB_TOKEN:-}" ] || fail "DOCKERHUB_TOKEN is not set (a Docker Hub access token)"
case "$IMAGE_TAG" in *-dirty)
  fail "tag $IMAGE_TAG was built from uncommitted changes; commit, then make images again" ;;
esac
ensure_engine || fail "no Docker engine reachable"

names=(app mlflow trainer)
for name in "${names[@]}"; do
  local_image="$(image_name "$name")"
  docker image inspect "$local_image" >/dev/null 2>&1 || fail "$local_image is missing: run make images first"
  stand_in="$(docker image inspect -f '{{index .Config.Labels "stand-in"}}' "$local_image")"
  if [ "$stand_in" = true ]; then
    fail "$local_image is built on a local stand-in base image (label stand-in=true), never pushed: it carries \
this machine's CA bundle and is not the official base. On a machine with internet: docker rmi the stand-in \
(docker images --filter label=stand-in=true), docker pull node:20-bookworm-slim python:3.11-slim-bookworm, make images"
  fi
done

# A throw-away client config: the token never lands in the Jenkins home's ~/.docker/config.json.
DOCKER_CONFIG="$(mktemp -d)"
export DOCKER_CONFIG
trap 'rm -rf "$DOCKER_CONFIG"' EXIT
registry="${DOCKER_REGISTRY:-}"
printf '%s' "$DOCKERHUB_TOKEN" | docker login --username "$DOCKERHUB_USER" --password-stdin ${registry:+"$registry"} \
  >/dev/null || fail "docker login as $DOCKERHUB_USER to ${registry:-Docker Hub} failed (check the 'dockerhub' credential's token)"

for name in "${names[@]}"; do
  remote="${registry:+$registry/}$DOCKERHUB_USER/spam-classifier-$name:$IMAGE_TAG"
  docker tag "$(image_name "$name")" "$remote"
  docker push --quiet "$remote" >/dev/null || fail "docker push $remote failed"
  echo "push-images: pushed $remote"
done
