#!/usr/bin/env bash
# Command 1 of the README: installs what is missing, builds sigplay, generates
# the bundled sample class and plays it in a window with the chat shown (on
# a machine without a display, sigplay says so and draws a frame into a
# PNG instead). Extra arguments go to `sigplay play`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
BUILD=${SIGPLAY_BUILD:-build}
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSIGPLAY_TESTS=OFF -DSIGPLAY_BENCH=OFF >/dev/null
cmake --build "$BUILD" -j"$(nproc)"
SAMPLE="$BUILD/sample/replay.json"
exec "$BUILD/sigplay" play "$SAMPLE" --chat "$@"
