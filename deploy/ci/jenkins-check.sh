#!/usr/bin/env bash
# `make jenkins-check` (part of `make test-deploy`): everything about the Jenkins path and the docs that can be checked
# without Jenkins, as one pytest run with JUnit XML in reports/junit/jenkins-check.xml:
#   deploy/tests/test_jenkins_pipeline.py     npm-groovy-lint on the Jenkinsfile, its declarative structure, the make
#                                             targets / scripts / playbooks it reaches, credentials, CI parity
#   deploy/tests/test_jenkins_controller.py   hadolint on deploy/jenkins/Dockerfile, plugins.txt, casc.yaml, compose.yaml
#   deploy/tests/test_jenkins_release.py      push-images.sh (refuses stand-ins), smoke-test.sh, rollback.sh, retrain.sh
#   deploy/tests/test_jenkins_junit.py        the JUnit XML files the make targets write parse
#   deploy/tests/test_docs_references.py      paths, make targets, playbooks, ports, URLs named in the runbook and docs
#
# npm-groovy-lint lives in its own lock (deploy/ci/groovy-lint/, ~38 MB) so the service's `npm ci` stays small; it is
# installed here on first use. It needs Java >= 17 (Debian: openjdk-17-jre-headless, deploy/ci/install-system-deps.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."

fail() { echo "jenkins-check: $*" >&2; exit 1; }

lint_dir=deploy/ci/groovy-lint
stamp="$lint_dir/node_modules/.installed"
if [ ! -f "$stamp" ] || [ "$lint_dir/package-lock.json" -nt "$stamp" ]; then
  echo "jenkins-check: installing npm-groovy-lint (pinned in $lint_dir/package-lock.json)"
  npm ci --prefix "$lint_dir" --no-audit --no-fund --loglevel=error >/dev/null
  touch "$stamp"
fi

if ! java -version >/dev/null 2>&1; then
  fail "no Java runtime: npm-groovy-lint needs Java >= 17 (apt-get install openjdk-17-jre-headless, or run make deps-system as root)"
fi

[ -x .venv-ops/bin/pytest ] || fail ".venv-ops is missing: run make setup-ops"
mkdir -p reports/junit
exec .venv-ops/bin/pytest -q -p no:cacheprovider \
  deploy/tests/test_jenkins_pipeline.py deploy/tests/test_jenkins_controller.py deploy/tests/test_jenkins_release.py \
  deploy/tests/test_jenkins_junit.py deploy/tests/test_docs_references.py \
  --junitxml=reports/junit/jenkins-check.xml "$@"
