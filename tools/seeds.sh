#!/usr/bin/env bash
# Run the whole conformance suite under several random test orders (pytest-randomly seeds), to show
# that no test depends on what ran before it in the same process.
# Usage: bash tools/seeds.sh [IMPL] [COUNT | SEED|FROM-TO ...]
#   IMPL   the --impl value (default mmagic)
#   COUNT  a single number: seeds 1..COUNT (default 20)
#   SEED, FROM-TO   two or more seeds, or ranges of seeds: e.g. 7-7 for seed 7 alone, 21-40, 3 5 8
# Prints one line per seed (pass or FAIL, wall time, pytest's summary) and exits 1 if any seed
# failed. PYTHON (default .venv/bin/python) runs pytest; each run's full output is kept under
# SEEDS_LOG_DIR (default: a new temporary directory), whose path is printed first.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PY="${PYTHON:-.venv/bin/python}"
IMPL="${1:-mmagic}"
shift || true
SPECS=("$@")
[ "${#SPECS[@]}" -gt 0 ] || SPECS=(20)

SEEDS=()
if [ "${#SPECS[@]}" -eq 1 ] && [[ "${SPECS[0]}" =~ ^[0-9]+$ ]]; then
  for ((n = 1; n <= 10#${SPECS[0]}; n++)); do SEEDS+=("$n"); done
else
  for spec in "${SPECS[@]}"; do
    if [[ "$spec" =~ ^([0-9]+)-([0-9]+)$ ]]; then
      for ((n = 10#${BASH_REMATCH[1]}; n <= 10#${BASH_REMATCH[2]}; n++)); do SEEDS+=("$n"); done
    elif [[ "$spec" =~ ^[0-9]+$ ]]; then
      SEEDS+=("$spec")
    else
      echo "tools/seeds.sh: not a count, seed or FROM-TO range: $spec" >&2
      exit 2
    fi
  done
fi
[ "${#SEEDS[@]}" -gt 0 ] || { echo 'tools/seeds.sh: no seeds to run' >&2; exit 2; }

LOG_DIR="${SEEDS_LOG_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/seeds.XXXXXX")}"
mkdir -p "$LOG_DIR"
echo "impl=$IMPL seeds=${SEEDS[*]} logs=$LOG_DIR"

failed=()
for seed in "${SEEDS[@]}"; do
  log="$LOG_DIR/$IMPL-seed$seed.log"
  start=$SECONDS
  if "$PY" -m pytest conformance --impl="$IMPL" -p randomly --randomly-seed="$seed" -q \
      >"$log" 2>&1; then
    result=pass
  else
    result=FAIL
    failed+=("$seed")
  fi
  summary="$(tail -n 1 "$log" | tr -d '=' | sed 's/^ *//; s/ *$//')"
  printf 'seed %-4s %-4s %5ss  %s\n' "$seed" "$result" "$((SECONDS - start))" "$summary"
  if [ "$result" = FAIL ]; then
    grep -E '^(FAILED|ERROR) ' "$log" | sed 's/^/    /' || true
  fi
done

if [ "${#failed[@]}" -gt 0 ]; then
  echo "FAILED seeds (impl=$IMPL): ${failed[*]}"
  exit 1
fi
echo "all ${#SEEDS[@]} seeds passed (impl=$IMPL)"
