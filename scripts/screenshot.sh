#!/usr/bin/env bash
# Regenerates the README screenshot: the player window on the bundled sample
# class, paused at playback time T (ms, default 40000) with the chat shown
# and the on-screen controls visible, on a virtual X display (Xvfb), saved
# as a 1280x720 PNG (default docs/screenshot.png).
#
#   bash scripts/screenshot.sh [T] [OUT.png]
#
# Builds into $SIGPLAY_BUILD (default build/) like scripts/demo.sh if sigplay
# is not built yet. Needs Xvfb, xdotool, jq and ImageMagick (scripts/deps.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
T=${1:-40000}
OUT=${2:-docs/screenshot.png}
BUILD=${SIGPLAY_BUILD:-build}
for tool in Xvfb xdotool jq import; do
  command -v $tool >/dev/null || { echo "screenshot.sh: $tool is missing (bash scripts/deps.sh)" >&2; exit 1; }
done
if [ ! -x "$BUILD/sigplay" ] || [ ! -e "$BUILD/sample/replay.json" ]; then
  cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSIGPLAY_TESTS=OFF -DSIGPLAY_BENCH=OFF >/dev/null
  cmake --build "$BUILD" -j"$(nproc)"
fi

TMP=$(mktemp -d)
XVFB_PID= PLAYER_PID=
cleanup() {
  [ -n "$PLAYER_PID" ] && kill "$PLAYER_PID" 2>/dev/null
  [ -n "$XVFB_PID" ] && kill "$XVFB_PID" 2>/dev/null
  wait 2>/dev/null
  rm -rf "$TMP"
}
trap cleanup EXIT

DISPLAY_NUM=
for n in $(seq 80 180); do
  if [ ! -e /tmp/.X11-unix/X$n ] && [ ! -e /tmp/.X$n-lock ]; then DISPLAY_NUM=$n; break; fi
done
[ -n "$DISPLAY_NUM" ] || { echo "screenshot.sh: no free X display number" >&2; exit 1; }
Xvfb :$DISPLAY_NUM -screen 0 1280x720x24 -nolisten tcp >"$TMP/xvfb.log" 2>&1 &
XVFB_PID=$!
for _ in $(seq 50); do [ -e /tmp/.X11-unix/X$DISPLAY_NUM ] && break; sleep 0.1; done
export DISPLAY=:$DISPLAY_NUM SDL_VIDEODRIVER=x11 SDL_AUDIODRIVER=dummy

STATE=$TMP/state.json
"$BUILD/sigplay" play "$BUILD/sample/replay.json" --chat --start "$T" --pause \
  --state-file "$STATE" >"$TMP/player.log" 2>&1 &
PLAYER_PID=$!
# wait until every lane shows the exact frame for T (not waiting for data)
ready='.t_ms == '"$T"' and ([.lanes[] | select(.state == "waiting")] | length) == 0
       and ([.lanes[] | select(.state == "showing" and .skew_ms != 0)] | length) == 0'
for _ in $(seq 200); do jq -e "$ready" "$STATE" >/dev/null 2>&1 && break; sleep 0.1; done
jq -e "$ready" "$STATE" >/dev/null 2>&1 \
  || { echo "screenshot.sh: the player did not settle at $T ms:" >&2; cat "$TMP/player.log" "$STATE" >&2; exit 1; }
WID=$(xdotool search --sync --onlyvisible --name '^sigplay$' | head -1)
# a mouse move shows the on-screen controls (they hide 2 s later)
xdotool mousemove --window "$WID" 400 300
sleep 0.4
import -window root "$TMP/shot.png"
convert "$TMP/shot.png" -strip -define png:compression-level=9 "$OUT"
echo "wrote $OUT ($(identify -format '%wx%h' "$OUT"), $(( $(stat -c %s "$OUT") / 1024 )) KiB) at t = $T ms"
