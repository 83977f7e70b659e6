#!/usr/bin/env bash
# `check-prerequisites.sh python`: print the first Python >= 3.11 on PATH (macOS's python3 is Apple's 3.9; Homebrew's
# python@3.11 installs python3.11), or fail saying what to install. `check-prerequisites.sh node`: fail unless Node
# >= 20.19 (NestJS 12 is ESM-only and needs require(esm) fixes of 20.19). Used by the Makefile's set-up targets.
set -euo pipefail

# Overridable only so that the tests can move the bar above the interpreter they run on.
python_minimum="${PYTHON_MINIMUM:-3.11}"
node_minimum="${NODE_MINIMUM:-20.19.0}"

case "${1:-}" in
  python)
    for candidate in "${PYTHON:-}" python3 python3.13 python3.12 python3.11; do
      [ -n "$candidate" ] && command -v "$candidate" >/dev/null || continue
      if "$candidate" -c 'import sys, venv; sys.exit(sys.version_info[:2] < tuple(map(int, sys.argv[1].split("."))))' \
        "$python_minimum" 2>/dev/null; then
        command -v "$candidate"
        exit 0
      fi
    done
    {
      echo "no Python >= $python_minimum with the venv module on PATH (found: $(python3 --version 2>&1 || echo none))."
      echo "  Ubuntu 22.04: sudo apt-get install python3.11 python3.11-venv   (24.04: sudo apt-get install python3-venv)"
      echo "  macOS:        brew install python@3.11"
      echo "  or name one:  make <target> PYTHON=/path/to/python3.11"
    } >&2
    exit 1
    ;;
  node)
    if ! command -v node >/dev/null; then
      echo "Node.js is not installed: Node >= $node_minimum is needed (https://nodejs.org, or nvm install 20)" >&2
      exit 1
    fi
    version="$(node -p 'process.versions.node')"
    if ! node -e '
      const [a, b] = process.argv[1].split(".").map(Number), [x, y] = process.argv[2].split(".").map(Number);
      process.exit(a > x || (a === x && b >= y) ? 0 : 1);' "$version" "$node_minimum"; then
      echo "Node $version is too old: Node >= $node_minimum is needed (nvm install 20, or your package manager's node 20/22)" >&2
      exit 1
    fi
    ;;
  *)
    echo "usage: $0 python|node" >&2
    exit 2
    ;;
esac
