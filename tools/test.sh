#!/usr/bin/env bash
# The project's own tests, from a fresh machine (sets up .venv first).
#
#   bash tools/test.sh          the gate CI runs (.ci/run), a few minutes:
#     1. the conformance suite on the reference, with branch coverage of reference/ completed by
#        the spec's examples on the reference with every intent (tools/all-intents.toml) and
#        tests/test_intents.py: 100% required;
#     2. the conformance suite on upstream mmagic, random order;
#     3. ruff;
#     4. the JavaScript port (ports/js, needs node >= 20): its node tests and its replay of every
#        golden case, bit for bit (docs/fixtures.md, "For porters").
#   bash tools/test.sh --full   everything (an hour or more; before a release or a fixture change):
#     the gate, then the whole suite on the reference with every intent declared, the suite's own
#     tests (tests/: fixture integrity, traceability, --impl handling, deviations, reports, the
#     mutants, the install in fresh virtualenvs and the fork workflow), a byte-identical fixture
#     regeneration, the differential check, the suite on upstream under SEEDS more random orders
#     (default 3; 0 skips), the mmengine version matrix through tox (MATRIX=0 skips it) and the
#     documentation site (tox -e docs, warnings as errors).
#     `tox -e mutation` (the mutation score) and `tox -e bench` are separate (README).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
FULL=0
case "${1:-}" in
  --full) FULL=1 ;;
  '') ;;
  *) echo "usage: bash tools/test.sh [--full]" >&2; exit 2 ;;
esac
# The gate ends with the JavaScript port: check for node now rather than after the suites.
if ! command -v node >/dev/null 2>&1; then
  echo 'tools/test.sh: node is not on PATH; the gate replays the goldens with the JavaScript' \
    'port (ports/js/README.md): install Node.js 20 or later' >&2
  exit 1
fi
if ! node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)'; then
  echo "tools/test.sh: node $(node --version) is too old for ports/js: Node.js 20 or later" >&2
  exit 1
fi
VENV="${VENV:-.venv}"
bash tools/setup-venv.sh "$VENV"
PY="$VENV/bin/python"
DIFF_COUNT="${DIFF_COUNT:-10000}"
ALL_INTENTS="$("$PY" -c 'import reference; print(",".join(sorted(reference.INTENTS)))')"

echo '== conformance suite, --impl=reference, with branch coverage of reference/'
"$PY" -m pytest conformance --impl=reference -p no:randomly -n 0 \
  --cov=reference --cov-branch --cov-report=
echo "== the spec's intent examples on the reference with every intent (coverage of the intents)"
"$PY" -m pytest conformance/test_spec_examples.py "--impl=reference[$ALL_INTENTS]" \
  --deviations=tools/all-intents.toml -p no:randomly -n 0 --cov=reference --cov-branch \
  --cov-append --cov-report=
echo "== the reference's intent selection API (reference/intents.py), completing the coverage"
"$PY" -m pytest tests/test_intents.py -p no:randomly -n 0 --cov=reference --cov-branch \
  --cov-append --cov-report=term-missing --cov-fail-under=100
echo '== conformance suite, --impl=mmagic (upstream), random order'
"$PY" -m pytest conformance --impl=mmagic
echo '== ruff'
"$VENV/bin/ruff" check .
echo '== the JavaScript port: node --test ports/js/, then its replay of every golden case'
node --test ports/js/
node ports/js/replay.mjs
[ "$FULL" = 1 ] || exit 0

echo '== conformance suite, the reference with every intent declared (tools/all-intents.toml)'
"$PY" -m pytest conformance "--impl=reference[$ALL_INTENTS]" --deviations=tools/all-intents.toml \
  -p no:randomly
echo "== the suite's own tests"
"$PY" -m pytest tests -n 2 --dist loadgroup   # one worker per install/workflow virtualenv
echo '== fixtures regenerate byte-identically'
"$PY" -m conformance.generate_fixtures --check
echo "== differential check: reference vs upstream on $DIFF_COUNT random scenarios"
"$PY" -m conformance.differential --count "$DIFF_COUNT" --seed 0
if [ "${SEEDS:-3}" != 0 ]; then
  echo "== independence of test order: --impl=mmagic under seeds 1..${SEEDS:-3}"
  PYTHON="$PY" bash tools/seeds.sh mmagic "${SEEDS:-3}"
fi
if [ "${MATRIX:-1}" != 0 ]; then
  echo '== mmengine version matrix (LOOP-MMENGINE-VERSIONS, docs/versions.md)'
  "$VENV/bin/tox" -e mmengine08,mmengine09,mmengine010
fi
echo '== the documentation site, warnings as errors (tox -e docs)'
"$VENV/bin/tox" -e docs
