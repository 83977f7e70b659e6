#!/bin/sh
# MLflow tracking server + model registry. Every setting comes from the environment so compose, Kubernetes and a
# plain `docker run` configure it the same way; see docs/containers.md for the table.
set -eu

: "${MLFLOW_BACKEND_STORE_URI:=sqlite:////mlflow/db/mlflow.db}"
: "${MLFLOW_ARTIFACTS_DESTINATION:=/mlflow/artifacts}"
: "${MLFLOW_PORT:=5000}"
: "${MLFLOW_WORKERS:=2}"

exec mlflow server \
  --host 0.0.0.0 \
  --port "$MLFLOW_PORT" \
  --workers "$MLFLOW_WORKERS" \
  --backend-store-uri "$MLFLOW_BACKEND_STORE_URI" \
  --serve-artifacts \
  --artifacts-destination "$MLFLOW_ARTIFACTS_DESTINATION" \
  "$@"
