#!/usr/bin/env bash
# clang-tidy over every source file of sim/ with the project's .clang-tidy
# checks, in parallel over the release build's compile database; any finding
# fails (make lint, make test).
#   scripts/run-clang-tidy.sh [BUILD_DIR]     (default: build; JOBS, default 2)
set -euo pipefail
SOURCE_DIR="$(cd "$(dirname "$0")/.." && pwd)"
BUILD_DIR="${1:-$SOURCE_DIR/build}"
JOBS="${JOBS:-2}"
if [[ ! -f "$BUILD_DIR/compile_commands.json" ]]; then
  echo "run-clang-tidy: no $BUILD_DIR/compile_commands.json; run make build first" >&2
  exit 2
fi
start=$(date +%s)
log="$BUILD_DIR/clang-tidy.log"
# Only the files of sim/ (the database also lists tests/ and benchmarks/);
# headers are checked through them (.clang-tidy: HeaderFilterRegex).
set +e
run-clang-tidy -p "$BUILD_DIR" -j "$JOBS" -quiet \
  "^$SOURCE_DIR/sim/" >"$log" 2>&1
status=$?
set -e
findings=$(grep -c "warning:\|error:" "$log" || true)
echo "run-clang-tidy: $(grep -c '"file": "'"$SOURCE_DIR"'/sim/' "$BUILD_DIR/compile_commands.json") files of sim/, ${findings} findings, $(( $(date +%s) - start )) s (log: $log)"
if [[ $status -ne 0 || $findings -ne 0 ]]; then
  grep -E "warning:|error:" "$log" | sed 's/\x1b\[[0-9;]*m//g' | sort -u >&2
  exit 1
fi
