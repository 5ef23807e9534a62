#!/usr/bin/env bash
# Create (or reuse) the project's virtualenv with everything the suite needs, pinned by constraints.txt.
# Usage: bash tools/setup-venv.sh [VENV_DIR]     (default .venv; then '. VENV_DIR/bin/activate')
set -euo pipefail
VENV="${1:-${VENV:-.venv}}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY="${PYTHON:-python3}"
if [ ! -x "$VENV/bin/python" ]; then
  "$PY" -m venv "$VENV"
fi
PIP=("$VENV/bin/python" -m pip --disable-pip-version-check -q)
# torch first, pinned: any other request pulls a multi-GB CUDA build on this kind of machine.
"${PIP[@]}" install -c "$ROOT/constraints.txt" torch
"${PIP[@]}" install -c "$ROOT/constraints.txt" -e "$ROOT[test,lint,docs]"
# Upstream, for --impl=mmagic: its full dependency list is huge, and the suite needs none of it.
"${PIP[@]}" install -c "$ROOT/constraints.txt" --no-deps mmagic
