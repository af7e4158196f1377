#!/usr/bin/env bash
# Fuzzes the scenario loader with libFuzzer for a bounded time.
#   scripts/run-fuzz.sh [SECONDS]      (default: $FUZZ_SECONDS or 60)
# Builds build-fuzz/ with clang (-DMUTSIM_BUILD_FUZZERS=ON), seeds a working
# corpus from tests/fuzz/corpus, the scenarios and tests/data (good and bad),
# and runs one libFuzzer process. Findings (crashes, non-ConfigError
# exceptions, sanitizer reports, timeouts, out-of-memory) are written to
# build-fuzz/findings/ and make the script exit non-zero. The seed corpus in
# git is never modified; the grown corpus stays in build-fuzz/corpus.
set -euo pipefail

SECONDS_TO_RUN="${1:-${FUZZ_SECONDS:-60}}"
SOURCE_DIR="$(cd "$(dirname "$0")/.." && pwd)"
BUILD_DIR="${FUZZ_BUILD_DIR:-$SOURCE_DIR/build-fuzz}"
JOBS="${JOBS:-2}"

if [[ ! -f "$BUILD_DIR/CMakeCache.txt" ]]; then
  CC=clang CXX=clang++ cmake -S "$SOURCE_DIR" -B "$BUILD_DIR" \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMUTSIM_BUILD_FUZZERS=ON -DMUTSIM_BUILD_TESTS=OFF
fi
cmake --build "$BUILD_DIR" --target fuzz_scenario -j "$JOBS"

corpus="$BUILD_DIR/corpus"
findings="$BUILD_DIR/findings"
mkdir -p "$corpus" "$findings"
cp -n "$SOURCE_DIR"/tests/fuzz/corpus/* "$SOURCE_DIR"/scenarios/*.yaml \
  "$SOURCE_DIR"/tests/data/*.yaml "$corpus"/ 2>/dev/null || true
# The malformed corpus, bar files over max_len.
find "$SOURCE_DIR/tests/data/bad" -name '*.yaml' -size -32k -exec cp -n {} "$corpus"/ \;

log="$BUILD_DIR/fuzz.log"
set +e
ASAN_OPTIONS="detect_leaks=1:allocator_may_return_null=1" \
UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
"$BUILD_DIR/bin/fuzz_scenario" \
  -max_total_time="$SECONDS_TO_RUN" -max_len=32768 -timeout=10 -rss_limit_mb=2048 \
  -dict="$SOURCE_DIR/tests/fuzz/scenario.dict" -artifact_prefix="$findings/" \
  -print_final_stats=1 "$corpus" 2>&1 | tee "$log" | grep -E "^#[0-9]+.*(pulse|DONE)|ERROR|SUMMARY|Test unit written|stat::"
status=${PIPESTATUS[0]}
set -e
runs=$(grep -oE 'Done [0-9]+ runs' "$log" | grep -oE '[0-9]+' || echo 0)
echo "run-fuzz: ${runs} executions in ${SECONDS_TO_RUN} s; exit status ${status}; log: $log"
if [[ $status -ne 0 ]]; then
  echo "run-fuzz: FINDING: see $findings/ (reproduce: $BUILD_DIR/bin/fuzz_scenario FILE)" >&2
  exit 1
fi
