#!/usr/bin/env bash
# The Windows compile gate in the suite: every C file of sigplay compiles
# for 64-bit Windows with MinGW-w64 at -Wall -Wextra with zero warnings
# (scripts/mingw_gate.sh; docs/building.md says what it proves and what it
# does not). Fails when the cross compiler is missing: scripts/deps.sh
# installs gcc-mingw-w64-x86-64.
set -u
SRC=${SIGPLAY_SOURCE_DIR:-$(cd "$(dirname "$0")/.." && pwd)}
OUT=${SIGPLAY_BUILD_DIR:-${SIGPLAY_TEST_TMP:-/tmp}}
bash "$SRC/scripts/mingw_gate.sh" "$OUT"
