#!/usr/bin/env bash
# The project's own tests, from a fresh machine: set up .venv, then
#  1. the conformance suite on the reference, then on the reference with every intent declared
#     (tools/all-intents.toml), with branch coverage of reference/ over both plus
#     tests/test_intents.py (the with_intents argument checks): 100% required,
#  2. the conformance suite on upstream mmagic,
#  3. the suite's own tests (tests/): fixtures integrity, traceability, --impl handling, mutants,
#     the install in a fresh virtualenv and the fork workflow (tests/test_install.py, test_workflow.py),
#  4. fixture regeneration is byte-identical, the differential check, ruff,
#  5. independence of test order: the suite on upstream under SEEDS more pytest-randomly seeds,
#  6. the mmengine version matrix: the suite on upstream with mmengine 0.8.5, 0.9.1 and 0.10.0 (tox).
# SEEDS (default 3: seeds 1..3; 0 skips step 5); MATRIX=0 leaves out step 6 (it builds three more
# virtualenvs, a few minutes).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
VENV="${VENV:-.venv}"
bash tools/setup-venv.sh "$VENV"
PY="$VENV/bin/python"
DIFF_COUNT="${DIFF_COUNT:-10000}"

echo '== conformance suite, --impl=reference, with branch coverage of reference/'
"$PY" -m pytest conformance --impl=reference -p no:randomly -n 2 \
  --cov=reference --cov-branch --cov-report=
echo '== conformance suite, the reference with every intent declared (tools/all-intents.toml)'
ALL_INTENTS="$("$PY" -c 'import reference; print(",".join(sorted(reference.INTENTS)))')"
"$PY" -m pytest conformance "--impl=reference[$ALL_INTENTS]" --deviations=tools/all-intents.toml \
  -p no:randomly -n 2 --cov=reference --cov-branch --cov-append --cov-report=
echo "== the reference's intent selection API (reference/intents.py), completing the coverage"
"$PY" -m pytest tests/test_intents.py -p no:randomly --cov=reference --cov-branch --cov-append \
  --cov-report=term-missing --cov-fail-under=100
echo '== conformance suite, --impl=mmagic (upstream), random order'
"$PY" -m pytest conformance --impl=mmagic -n 2
echo "== the suite's own tests"
"$PY" -m pytest tests -n 2 --dist loadgroup   # one worker per install/workflow virtualenv
echo '== fixtures regenerate byte-identically'
"$PY" -m conformance.generate_fixtures --check
echo "== differential check: reference vs upstream on $DIFF_COUNT random scenarios"
"$PY" -m conformance.differential --count "$DIFF_COUNT" --seed 0
echo '== ruff'
"$VENV/bin/ruff" check .
if [ "${SEEDS:-3}" != 0 ]; then
  echo "== independence of test order: --impl=mmagic under seeds 1..${SEEDS:-3}"
  PYTHON="$PY" bash tools/seeds.sh mmagic "${SEEDS:-3}"
fi
if [ "${MATRIX:-1}" != 0 ]; then
  echo '== mmengine version matrix (LOOP-MMENGINE-VERSIONS, docs/versions.md)'
  "$VENV/bin/tox" -e mmengine08,mmengine09,mmengine010
fi
