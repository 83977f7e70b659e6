#!/usr/bin/env bash
# `make compose-up` / `make compose-down`: the docker-compose.yml stack with the images `make images` built.
#   compose.sh up     start mlflow -> trainer -> app, wait until the service is ready, print the URLs
#   compose.sh down   stop and remove the containers (volumes, i.e. the registry and its models, are kept)
#   compose.sh purge  the same and delete the volumes
#   compose.sh check  validate docker-compose.yml (`compose config`); needs no engine
# Project name: $COMPOSE_PROJECT_NAME (default spam-classifier); ports: $APP_PORT (3000), $MLFLOW_PORT (5000).
set -euo pipefail
cd "$(dirname "$0")/../.."
source deploy/ci/containers-env.sh
export COMPOSE_PROJECT_NAME="${COMPOSE_PROJECT_NAME:-spam-classifier}"

case "${1:-}" in
  check)
    if ! docker compose version >/dev/null 2>&1 && ! command -v docker-compose >/dev/null; then
      [ "${CI:-}" = true ] && { echo "compose: no docker compose / docker-compose (CI=true)" >&2; exit 1; }
      echo "compose: SKIPPED check: neither docker compose nor docker-compose is installed"
      exit 0
    fi
    compose config -q && echo "compose: docker-compose.yml is valid"
    ;;
  up)
    ensure_engine || { echo "compose: no Docker engine reachable" >&2; exit 1; }
    # Waits for mlflow to be healthy and the trainer to finish before it starts the app.
    compose up -d --no-build
    app_url="http://127.0.0.1:${APP_PORT:-3000}"
    if ! wait_for_ready "$app_url/health/ready" 120; then
      compose logs --tail 50 app >&2
      echo "compose: the service did not become ready; see the logs above" >&2
      exit 1
    fi
    echo "classifier: $app_url    MLflow: http://127.0.0.1:${MLFLOW_PORT:-5000}    (images $IMAGE_TAG)"
    ;;
  down) compose down --remove-orphans ;;
  purge) compose down --remove-orphans --volumes ;;
  *)
    echo "usage: $0 up|down|purge|check" >&2
    exit 2
    ;;
esac
