#!/usr/bin/env bash
# Command 2 of the README: builds sigplay with clang, -Werror,
# AddressSanitizer + UndefinedBehaviorSanitizer and libFuzzer, then runs the
# whole test suite (unit tests, CLI tests, fuzz targets for a fixed number
# of runs). Ends with ctest's summary line.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
BUILD=${SIGPLAY_TEST_BUILD:-build-test}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:strict_string_checks=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tests/lsan.supp:print_suppressions=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
CC=clang cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Debug -DSIGPLAY_WERROR=ON \
  -DSIGPLAY_SANITIZE=ON -DSIGPLAY_FUZZ=ON >/dev/null
cmake --build "$BUILD" -j"$(nproc)"
cd "$BUILD"
ctest --output-on-failure -j"$(nproc)" "$@"
