# Single entry point. The README's two commands are `make run` and `make test`; both set themselves up idempotently.
# Chain: lint -> unit/integration tests -> images -> container-test. Jenkins and .ci/run call these same targets.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
APP_VERSION := $(shell node -p "require('./package.json').version" 2>/dev/null || echo 0.0.0)
GIT_COMMIT := $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
export APP_VERSION GIT_COMMIT

.PHONY: help run test lint clean train setup setup-python setup-node deps-system \
        lint-python lint-node lint-docker test-python test-node test-integration test-ui bench \
        images compose-up compose-down container-test

help: ## list targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-18s %s\n", $$1, $$2}'

# ---------------------------------------------------------------- set-up
setup: setup-python setup-node ## install Python venv and node_modules

setup-python: $(VENV)/.installed
$(VENV)/.installed: training/requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r training/requirements.lock
	touch $@

setup-node: node_modules/.installed
node_modules/.installed: package-lock.json
	npm ci --no-audit --no-fund
	touch $@

deps-system: ## Debian packages the tests need (Chromium, Docker engine + compose, debootstrap, curl)
	deploy/ci/install-system-deps.sh

# ---------------------------------------------------------------- the two commands
run: setup ## train if needed, then run MLflow on :5000 and the service on :3000 (Ctrl-C stops both)
	deploy/local/run.sh

test: lint test-python test-node container-test ## every test: lint, Python, jest unit+e2e, integration, UI, containers

# ---------------------------------------------------------------- training (Python)
# Options go through TRAIN_ARGS, e.g. `make train TRAIN_ARGS="--force-promote 3"` (see docs/training.md).
train: setup-python ## train, evaluate, register and gate a model version (one JSON summary line on stdout)
	$(PY) -m training.train $(TRAIN_ARGS)

lint-python: setup-python ## ruff check + format check of training/
	$(VENV)/bin/ruff check training
	$(VENV)/bin/ruff format --check training

test-python: setup-python ## pytest: data, code, model tests and a real mlflow server (about 3 minutes)
	$(VENV)/bin/pytest -q training/tests

# ---------------------------------------------------------------- service (TypeScript / NestJS)
lint-node: setup-node ## eslint + tsc --noEmit (strict)
	npm run lint
	npx tsc --noEmit -p tsconfig.json

test-node: setup-node setup-python deps-system ## jest unit + e2e, then the integration and browser tests
	npm test
	$(MAKE) test-integration test-ui

test-integration: setup-node setup-python ## real mlflow server: train, serve, hot swap under load, cache fallback, make run
	npm run test:integration

test-ui: setup-node deps-system ## web UI in headless Debian Chromium (playwright-core)
	npm run test:ui

bench: setup-node ## autocannon benchmark of the built server (prints req/s and latency)
	npm run bench

# ---------------------------------------------------------------- containers
lint-docker: setup-python deps-system ## hadolint on the three Dockerfiles, compose file validation
	$(VENV)/bin/hadolint Dockerfile mlflow/Dockerfile training/Dockerfile
	deploy/ci/compose.sh check

images: deps-system ## build app, mlflow and trainer images tagged with version + short git sha
	deploy/ci/build-images.sh

compose-up: images ## MLflow -> trainer -> service with the built images (127.0.0.1:3000 and :5000)
	deploy/ci/compose.sh up

compose-down: ## stop the compose stack (the registry volumes are kept; `deploy/ci/compose.sh purge` drops them)
	deploy/ci/compose.sh down

container-test: deps-system ## build and run the images for real (skipped only on a laptop without Docker)
	deploy/ci/container-test.sh

lint: lint-python lint-node lint-docker ## ruff, eslint, tsc --noEmit, hadolint

clean: ## remove build output, environments and local MLflow stores
	rm -rf build dist coverage reports .mlflow mlruns mlartifacts $(VENV) node_modules .pytest_cache .ruff_cache
