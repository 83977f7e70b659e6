# Single entry point. The README's two commands are `make run` and `make test`; both set themselves up idempotently.
# Chain: lint -> unit/integration tests -> images -> container-test. Jenkins and .ci/run call these same targets.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

# The first Python >= 3.11 on PATH (empty when there is none: the set-up targets then say what to install).
ifndef PYTHON
PYTHON := $(shell deploy/local/check-prerequisites.sh python 2>/dev/null)
endif
VENV := .venv
PY := $(VENV)/bin/python
# Deployment tooling (ansible, ansible-lint, kubernetes-validate, OpenBao's bao, pytest for deploy/tests) lives in its
# own venv: its pins must not move the trainer's lock, which the trainer and MLflow images install.
OPS_VENV := .venv-ops
OPS := $(OPS_VENV)/bin
APP_VERSION := $(shell node -p "require('./package.json').version" 2>/dev/null || echo 0.0.0)
GIT_COMMIT := $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
export APP_VERSION GIT_COMMIT

.PHONY: help run test lint clean train setup setup-python setup-node setup-ops deps-system \
        lint-python lint-node lint-docker test-python test-node test-integration test-ui bench bench-layers \
        images compose-up compose-down container-test \
        test-deploy test-setup k8s-check rollout-drill capacity observability-test ansible-test jenkins-check \
        push-images deploy smoke-test rollback retrain

help: ## list targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-18s %s\n", $$1, $$2}'

# ---------------------------------------------------------------- set-up
setup: setup-python setup-node ## install Python venv and node_modules

setup-python: $(VENV)/.installed
$(VENV)/.installed: training/requirements.lock
	@PYTHON=$(PYTHON) deploy/local/check-prerequisites.sh python >/dev/null
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r training/requirements.lock
	touch $@

setup-ops: $(OPS_VENV)/.installed
$(OPS_VENV)/.installed: deploy/requirements-ops.txt
	@PYTHON=$(PYTHON) deploy/local/check-prerequisites.sh python >/dev/null
	$(PYTHON) -m venv $(OPS_VENV)
	$(OPS)/python -m pip install --quiet --upgrade pip
	$(OPS)/python -m pip install --quiet -r deploy/requirements-ops.txt
	touch $@

setup-node: node_modules/.installed
node_modules/.installed: package-lock.json
	@deploy/local/check-prerequisites.sh node
	npm ci --no-audit --no-fund
	touch $@

deps-system: ## Debian packages the tests need (Chromium, Docker engine + compose, debootstrap, curl)
	deploy/ci/install-system-deps.sh

# ---------------------------------------------------------------- the two commands
run: setup ## train if needed, then run MLflow on :5000 and the service on :3000 (Ctrl-C stops both)
	deploy/local/run.sh

test: lint test-python test-node test-deploy container-test rollout-drill ## every test: lint, Python, jest, deployment checks, containers

# ---------------------------------------------------------------- training (Python)
# Options go through TRAIN_ARGS, e.g. `make train TRAIN_ARGS="--force-promote 3"` (see docs/training.md).
train: setup-python ## train, evaluate, register and gate a model version (one JSON summary line on stdout)
	$(PY) -m training.train $(TRAIN_ARGS)

lint-python: setup-python ## ruff check + format check of training/, deploy/ and elk/
	$(VENV)/bin/ruff check training deploy elk
	$(VENV)/bin/ruff format --check training deploy elk

test-python: setup-python ## pytest: data, code, model tests and a real mlflow server (about 3 minutes)
	$(VENV)/bin/pytest -q training/tests --junitxml=reports/junit/pytest-training.xml

# ---------------------------------------------------------------- service (TypeScript / NestJS)
lint-node: setup-node ## eslint + tsc --noEmit (strict)
	npm run lint
	npx tsc --noEmit -p tsconfig.json

test-node: setup-node setup-python setup-ops deps-system ## jest unit + e2e, then the integration and browser tests
	npm test
	$(MAKE) test-integration test-ui

test-integration: setup-node setup-python ## real mlflow server: train, serve, hot swap under load, cache fallback, make run
	npm run test:integration

test-ui: setup-node deps-system ## web UI in headless Debian Chromium (playwright-core)
	npm run test:ui

bench: setup-node ## wrk benchmark: service and bare node:http in one run, prints req/s, p99, batch msg/s and ratios
	deploy/ci/install-system-deps.sh wrk
	npm run bench

bench-layers: setup-node ## per-request cost ladder (bare node:http ... full service) of docs/benchmark.md, with wrk
	deploy/ci/install-system-deps.sh wrk
	npm run build
	node bench/run-layers.js

# ---------------------------------------------------------------- containers
lint-docker: setup-python ## hadolint on the three Dockerfiles, compose file validation (installs compose only)
	deploy/ci/install-system-deps.sh docker-compose
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

# ---------------------------------------------------------------- deployment path (Kubernetes, ELK, Ansible, Jenkins)
test-deploy: test-setup k8s-check observability-test ansible-test jenkins-check ## every deployment check that needs no cluster

test-setup: setup-ops ## the set-up scripts refuse an old Python or Node with what to install
	$(OPS)/pytest -q -p no:cacheprovider deploy/tests/test_prerequisites.py --junitxml=reports/junit/setup.xml

k8s-check: setup-ops ## render every kustomize tree, validate against the Kubernetes schemas, policy tests
	deploy/ci/k8s-check.sh

rollout-drill: deps-system ## two service containers behind haproxy replaced one by one under load: 0 failures
	deploy/ci/rollout-drill.sh

capacity: deps-system ## requests/s of one service container limited to the Deployment's CPU request
	deploy/ci/capacity.sh

observability-test: setup-ops setup-node setup-python deps-system ## promtool, Prometheus live test, ELK contracts
	deploy/ci/observability-test.sh

ansible-test: setup-ops setup-node setup-python ## ansible-lint, syntax checks, the secrets role against a real OpenBao
	deploy/ci/ansible-test.sh

jenkins-check: setup-ops setup-node setup-python deps-system ## Jenkinsfile lint and structure, CasC, runbook/docs references
	deploy/ci/jenkins-check.sh

# ---------------------------------------------------------------- release (the Jenkins stages after the tests)
# IMAGE_TAG is the tag `make images` gives (deploy/ci/containers-env.sh: <version>-<short sha>[-dirty]); evaluated
# only where used. DOCKERHUB_USER comes from the Jenkins credential 'dockerhub' or the shell.
IMAGE_TAG ?= $(shell bash -c 'source deploy/ci/containers-env.sh && echo "$$IMAGE_TAG"')
# The pinned Ansible of .venv-ops (deploy/requirements-ops.txt); the recipe runs it from ansible/.
ANSIBLE_PLAYBOOK ?= $(CURDIR)/$(OPS)/ansible-playbook

push-images: ## tag and push the three images to Docker Hub as <DOCKERHUB_USER>/spam-classifier-<name>:<tag>
	IMAGE_TAG=$(IMAGE_TAG) deploy/ci/push-images.sh

deploy: setup-ops ## Ansible deploy playbook: the service at this commit's image tag, waits for the rollout
	@[ -n "$(DOCKERHUB_USER)" ] || { echo "deploy: DOCKERHUB_USER is not set" >&2; exit 1; }
	cd ansible && $(ANSIBLE_PLAYBOOK) deploy.yml -e image_tag=$(IMAGE_TAG) -e dockerhub_user=$(DOCKERHUB_USER)

smoke-test: ## the deployed service answers and /api/v1/info reports this commit
	IMAGE_TAG=$(IMAGE_TAG) deploy/ci/smoke-test.sh

rollback: ## kubectl rollout undo of the service (only if this commit's tag is live; ROLLBACK_FORCE=1: always)
	IMAGE_TAG=$(IMAGE_TAG) deploy/ci/rollback.sh

retrain: ## a trainer Job from the deployed CronJob template; prints the promotion gate's verdict
	IMAGE_TAG=$(IMAGE_TAG) deploy/ci/retrain.sh

lint: lint-python lint-node lint-docker ## ruff, eslint, tsc --noEmit, hadolint

clean: ## remove build output, environments and local MLflow stores
	rm -rf build dist coverage reports .mlflow mlruns mlartifacts $(VENV) $(OPS_VENV) node_modules .pytest_cache .ruff_cache
