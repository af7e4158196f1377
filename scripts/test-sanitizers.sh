#!/usr/bin/env bash
# Builds the asan (ASan+UBSan) and tsan (ThreadSanitizer) presets one after
# the other and runs, under each, the [unit] tests and a small regression
# subset (the CI budget allows no more: 2 cores, well under 30 minutes).
#   scripts/test-sanitizers.sh [asan] [tsan]    (default: both)
# Environment: JOBS (default 2); SANITIZER_REGRESSION, a Catch2 test spec
# for the regression subset.
set -euo pipefail

SOURCE_DIR="$(cd "$(dirname "$0")/.." && pwd)"
cd "$SOURCE_DIR"
JOBS="${JOBS:-2}"
PRESETS=("$@")
[[ ${#PRESETS[@]} -eq 0 ]] && PRESETS=(asan tsan)
# Output safety and hostile input end to end, plus the TBB-parallel run
# compared across thread counts (the code ThreadSanitizer is here for).
REGRESSION="${SANITIZER_REGRESSION:-[reliability][regression],one thread and two threads give bit-identical runs}"

# Any report fails the run; UBSan otherwise only prints.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:strict_string_checks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
# ThreadSanitizer needs oneTBB itself instrumented, or it cannot see the
# scheduler's synchronisation and reports false races in every parallel body:
# the tsan stage builds Debian's oneTBB source with -fsanitize=thread first.
export TSAN_OPTIONS="${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1}"
TSAN_TBB_PREFIX="$SOURCE_DIR/build-tsan-tbb"

# TSan must be live and must not see TBB's scheduler as racy: the canary's
# race-free loop gives no report, its deliberate race gives one.
check_tsan_canary() {
  local canary="$1" out
  if ! out=$("$canary" 2>&1); then
    echo "== tsan canary: FAILED: a race-free parallel_for was reported:"; echo "$out"; return 1
  fi
  if out=$("$canary" race 2>&1) || ! grep -q "WARNING: ThreadSanitizer: data race" <<<"$out"; then
    echo "== tsan canary: FAILED: a deliberate race went unreported"; return 1
  fi
  echo "== tsan canary: race-free loop silent, deliberate race reported"
}

status=0
for preset in "${PRESETS[@]}"; do
  start=$(date +%s)
  echo "== $preset: configure and build"
  configure_args=()
  if [[ "$preset" == tsan ]]; then
    JOBS="$JOBS" bash scripts/build-tsan-tbb.sh "$TSAN_TBB_PREFIX"
    configure_args=(-DTBB_DIR="$TSAN_TBB_PREFIX/lib/cmake/TBB")
  fi
  cmake --preset "$preset" "${configure_args[@]}" >/dev/null
  cmake --build --preset "$preset" -j "$JOBS"
  built=$(date +%s)
  tests="build-$preset/bin/mutsim_tests"
  log="build-$preset/sanitizer-tests.log"
  # A subshell, whose exit status says whether either run failed: it is one
  # side of a pipe, so an assignment to `status` in it would be lost.
  (
    failed=0
    echo "== $preset: [unit]"
    "$tests" "[unit]" --order lex || failed=1
    echo "== $preset: regression subset: $REGRESSION"
    "$tests" "$REGRESSION" --order lex || failed=1
    exit "$failed"
  ) 2>&1 | tee "$log"
  if [[ ${PIPESTATUS[0]} -ne 0 ]]; then
    echo "== $preset: FAILED (a test run failed or crashed; see $log)"
    status=1
  fi
  done_at=$(date +%s)
  if [[ "$preset" == tsan ]]; then
    check_tsan_canary "build-$preset/bin/tsan_canary" || status=1
  fi
  reports=$(grep -c "WARNING: ThreadSanitizer\|ERROR: AddressSanitizer\|runtime error:" "$log" || true)
  echo "== $preset: build $((built - start)) s, tests $((done_at - built)) s, sanitizer reports: $reports (log: $log)"
done
exit $status
