#!/usr/bin/env bash
# Command 1 of the README: installs what is missing, builds sigplay, generates
# the bundled sample class and runs sigplay's main job on it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
BUILD=${SIGPLAY_BUILD:-build}
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSIGPLAY_TESTS=OFF -DSIGPLAY_BENCH=OFF >/dev/null
cmake --build "$BUILD" -j"$(nproc)"
SAMPLE="$BUILD/sample/replay.json"
# Until the player lands, the main job is a summary of the sample class.
exec "$BUILD/sigplay" probe "$SAMPLE" "$@"
