#!/usr/bin/env bash
# Run the conformance suite against one implementation, setting up .venv first.
# Usage: bash tools/conformance.sh IMPL [extra pytest args...]   e.g.  bash tools/conformance.sh mmagic
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
IMPL="${1:?usage: tools/conformance.sh IMPL [pytest args...] (IMPL: reference, mmagic, a module, module:adapter)}"
shift
VENV="${VENV:-.venv}"
bash tools/setup-venv.sh "$VENV"
exec "$VENV/bin/python" -m pytest conformance --impl="$IMPL" "$@"
