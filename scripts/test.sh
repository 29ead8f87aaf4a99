#!/usr/bin/env bash
# Command 2 of the README: builds sigplay with clang, -Werror,
# AddressSanitizer + UndefinedBehaviorSanitizer and libFuzzer, then runs the
# whole test suite (unit tests, CLI tests, fuzz targets for a fixed number
# of runs). Then builds a second tree with ThreadSanitizer and runs the
# tests that start threads (ctest label "threads", tests/CMakeLists.txt)
# under it: any data race or lock-order inversion fails the run. Ends with
# each ctest's summary line. SIGPLAY_TSAN_TESTS=0 skips the second stage.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
BUILD=${SIGPLAY_TEST_BUILD:-build-test}
TSAN_BUILD=${SIGPLAY_TSAN_BUILD:-build-tsan}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:strict_string_checks=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tests/lsan.supp:print_suppressions=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# No benchmarks: ctest never runs them (bench/CMakeLists.txt), and building
# them under the sanitizers was an eighth of this tree's compile time.
CC=clang cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Debug -DSIGPLAY_WERROR=ON \
  -DSIGPLAY_SANITIZE=ON -DSIGPLAY_FUZZ=ON -DSIGPLAY_BENCH=OFF >/dev/null
cmake --build "$BUILD" -j"$(nproc)"
rc=0
(cd "$BUILD" && ctest --output-on-failure -j"$(nproc)" "$@") || rc=$?

if [ "${SIGPLAY_TSAN_TESTS:-1}" != 0 ]; then
  # The races are fixed, not suppressed: tests/tsan.supp names only races
  # inside system libraries' own code, each entry with its reason.
  export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1:suppressions=$PWD/tests/tsan.supp}
  CC=clang cmake -S . -B "$TSAN_BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSIGPLAY_WERROR=ON \
    -DSIGPLAY_TSAN=ON -DSIGPLAY_FUZZ=OFF -DSIGPLAY_BENCH=OFF >/dev/null
  # only what the threaded tests run: the binary, the sample class, the tests
  tsan_targets=$(cd "$TSAN_BUILD" && ctest -N -L threads | sed -n 's/^ *Test *#[0-9]*: \(test_[a-z0-9_]*\)$/\1/p')
  build_targets="sigplay sample"
  for t in $tsan_targets; do
    [ -f "tests/$t.c" ] && build_targets="$build_targets $t"
  done
  # shellcheck disable=SC2086 # one word per target
  cmake --build "$TSAN_BUILD" -j"$(nproc)" --target $build_targets
  (cd "$TSAN_BUILD" && ctest --output-on-failure -j"$(nproc)" -L threads) || rc=$?
fi
exit $rc
