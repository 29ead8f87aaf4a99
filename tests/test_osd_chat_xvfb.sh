#!/usr/bin/env bash
# The OSD beside the chat, its state while paused, and how fast `q` ends
# the process, in the player window under a virtual X display (no window
# manager):
#  - with the chat on and the OSD shown, the OSD band (state file) does
#    not meet the chat panel, and the chat column on the screen is the
#    picture without the OSD (the `s` screenshot) pixel for pixel: the
#    newest message at the chat's bottom is not under the band;
#  - paused, the state file's osd_alpha goes to 0 once the OSD has hidden;
#  - `q` ends the process within WINDOW_QUIT_MAX_MS.
set -u
BIN=${SIGPLAY_BIN:?} SAMPLE=${SIGPLAY_SAMPLE_DIR:?}
TMP=${SIGPLAY_TEST_TMP:?}/osd_chat_xvfb
rm -rf "$TMP" && mkdir -p "$TMP/shots"
for tool in Xvfb xdotool jq import compare convert; do
  command -v $tool >/dev/null || { echo "FAIL: $tool is missing (scripts/deps.sh installs it)"; exit 1; }
done
# 300 ms as the issue asks, in a build without sanitizers: a sanitizer
# build is slower at everything and LeakSanitizer scans the heap at exit
# (seconds on a loaded machine), so there the time is printed, not judged,
# unless SIGPLAY_QUIT_MAX_MS asks for a bound
WINDOW_QUIT_MAX_MS=${SIGPLAY_QUIT_MAX_MS:-300}
if [ -z "${SIGPLAY_QUIT_MAX_MS:-}" ] &&
   grep -qs '^SIGPLAY_SANITIZE:BOOL=ON' "${SIGPLAY_BUILD_DIR:-.}/CMakeCache.txt"; then
  WINDOW_QUIT_MAX_MS=
fi

source "$SIGPLAY_SOURCE_DIR/tests/support/window.sh"
window_setup 1280x720

fail=0
check() { # description, jq expression that must be true
  if jq -e "$2" "$STATE" >/dev/null 2>&1; then echo "ok: $1"
  else echo "FAIL: $1 ($2) state: $(cat "$STATE" 2>/dev/null)"; fail=1; fi
}
wait_for() { state_wait "$@"; }

player_start '.t_ms == 45000' 30 "$SAMPLE/replay.json" --start 0:45 --pause --chat \
  --screenshot-dir "$TMP/shots"

# ---- the OSD and the chat -------------------------------------------------
wait_for '.chat == true and .lanes[0].state == "showing"' 20
xdotool key s
wait_for '.screenshot != ""' || { echo "FAIL: no screenshot"; fail=1; }
shot=$(jq -r .screenshot "$STATE")
# the message of `s` is drawn over the picture at the top left; it is gone
# after 1.5 s, and a mouse move keeps the OSD shown
for _ in $(seq 40); do
  xdotool mousemove --window "$WID" 300 $((300 + RANDOM % 20))
  jq -e '.screenshot == ""' "$STATE" >/dev/null 2>&1 && break
  sleep 0.1
done
# the screen with the OSD shown: a mouse move shows it for 2 s; on a
# loaded machine the capture may come later than that, so it is taken
# again until the band is on it (the bottom left differs from the bare
# picture)
band_drawn=false
for i in 1 2 3 4 5; do
  xdotool mousemove --window "$WID" $((320 + i)) 330
  wait_for '.osd_alpha == 1' 5
  [ $i = 1 ] && check "OSD shown, chat on" '.osd_alpha == 1 and .chat == true and .chat_rect[2] > 0'
  import -window root "$TMP/screen.png"
  convert "$TMP/screen.png" -crop 400x60+0+660 +repage "$TMP/band-osd.png"
  convert "$shot" -crop 400x60+0+660 +repage "$TMP/band-shot.png"
  ae=$(compare -metric AE "$TMP/band-osd.png" "$TMP/band-shot.png" null: 2>&1)
  [ "$ae" != 0 ] && { band_drawn=true; break; }
done
$band_drawn && echo "ok: the OSD band is drawn beside the chat" \
  || { echo "FAIL: no OSD band on the screen"; fail=1; }
check "the OSD band and the chat panel do not meet" \
  '.osd_band as [$x, $y, $w, $h] | .chat_rect as [$cx, $cy, $cw, $ch]
   | ($x + $w <= $cx or $cx + $cw <= $x or $y + $h <= $cy or $cy + $ch <= $y)'
check "the band still spans the pictures" '.osd_band[2] >= 600 and .osd_band[1] + .osd_band[3] == 720'
geom=$(jq -r '.chat_rect | "\(.[2])x\(.[3])+\(.[0])+\(.[1])"' "$STATE")
convert "$TMP/screen.png" -crop "$geom" +repage "$TMP/chat-osd.png"
convert "$shot" -crop "$geom" +repage "$TMP/chat-shot.png"
ae=$(compare -metric AE "$TMP/chat-osd.png" "$TMP/chat-shot.png" "$TMP/chat-diff.png" 2>&1)
[ "$ae" = 0 ] && echo "ok: with the OSD shown the chat column is the picture without it" \
  || { echo "FAIL: the OSD covers $ae pixels of the chat ($TMP/chat-diff.png)"; fail=1; }
# a click on the (narrower) bar still lands where it is drawn: its last
# column is the end of the class
bx=$(jq -r '.osd_band[0] + .osd_band[2] - 17' "$STATE")
xdotool mousemove --window "$WID" "$bx" 652 click 1
wait_for '.t_ms == .duration_ms' && echo "ok: the bar's end is the class's end" \
  || { echo "FAIL: a click at x $bx: $(jq .t_ms "$STATE")"; fail=1; }

# ---- paused, the OSD hides and the state file says so ---------------------
check "paused" '.paused == true'
wait_for '.osd_alpha == 0' 6 && echo "ok: paused, osd_alpha goes to 0 once the OSD hides" \
  || { echo "FAIL: paused, osd_alpha stays $(jq .osd_alpha "$STATE")"; fail=1; }

# ---- q ends the process quickly -------------------------------------------
xdotool key space
wait_for '.paused == false' || { echo "FAIL: does not play"; fail=1; }
sleep 0.5
t0=$(date +%s%N)
xdotool key --window "$WID" q
while kill -0 "$PLAYER_PID" 2>/dev/null; do
  [ $(( ($(date +%s%N) - t0) / 1000000 )) -gt 10000 ] && break
  sleep 0.01
done
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
wait "$PLAYER_PID"; rc=$?; PLAYER_PID=
[ "$rc" = 0 ] || { echo "FAIL: exit $rc"; tail -20 "$TMP/player.log"; fail=1; }
if [ -z "$WINDOW_QUIT_MAX_MS" ]; then
  echo "note: q ended the process in $ms ms (sanitizer build: not judged)"
elif [ "$ms" -le "$WINDOW_QUIT_MAX_MS" ]; then
  echo "ok: q ends the process in $ms ms"
else echo "FAIL: q took $ms ms to end the process (limit $WINDOW_QUIT_MAX_MS)"; fail=1; fi
exit $fail
