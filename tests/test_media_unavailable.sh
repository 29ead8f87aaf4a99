#!/usr/bin/env bash
# A lane whose media is missing gets its own tile, not the one of a lane
# that has not joined: on a copy of the sample without
# media/student_02-1.mp4, at 0:40 student_02's tile carries a red "media
# unavailable" badge in `render` and in `export` alike; the window's state
# file says "unavailable" with the reason, and the `i` overlay draws that
# lane's line in red. Before student_02 joins (0:05) and on the intact
# sample there is no badge.
set -u
BIN=${SIGPLAY_BIN:?} SAMPLE=${SIGPLAY_SAMPLE_DIR:?}
TMP=${SIGPLAY_TEST_TMP:?}/media_unavailable
rm -rf "$TMP" && mkdir -p "$TMP"
for tool in Xvfb xdotool jq convert ffmpeg import; do
  command -v $tool >/dev/null || { echo "FAIL: $tool is missing (scripts/deps.sh installs it)"; exit 1; }
done
fail=0
cp -r "$SAMPLE" "$TMP/class" && rm "$TMP/class/media/student_02-1.mp4"
DMG=$TMP/class/replay.json

# pixels of the badge's red (#C5221F) in an image; fuzz for a video's colours
red_pixels() { # image fuzz%
  convert "$1" -fuzz "$2%" -fill black +opaque '#C5221F' -fill white -opaque '#C5221F' \
    -format '%[fx:round(mean*w*h)]' info:
}
render() { # source t out
  "$BIN" render "$1" --at "$2" -o "$3" -q 2>>"$TMP/render.log" || [ $? -eq 1 ] \
    || { echo "FAIL: render $1 --at $2: $(tail -3 "$TMP/render.log")"; fail=1; }
}
render "$DMG" 0:40 "$TMP/dmg-40.png"
render "$DMG" 0:05 "$TMP/dmg-05.png"
render "$SAMPLE/replay.json" 0:40 "$TMP/ok-40.png"
n=$(red_pixels "$TMP/dmg-40.png" 3); n05=$(red_pixels "$TMP/dmg-05.png" 3); nok=$(red_pixels "$TMP/ok-40.png" 3)
[ "$n" -gt 1000 ] && echo "ok: render: the missing file's lane has the red badge ($n pixels)" \
  || { echo "FAIL: render: no badge at 0:40 ($n red pixels)"; fail=1; }
[ "$n05" -lt 200 ] && [ "$nok" -lt 200 ] && echo "ok: no badge before the lane joins ($n05) nor on the intact class ($nok)" \
  || { echo "FAIL: a badge where none belongs: 0:05 $n05, intact $nok"; fail=1; }
grep -q "student_02-1.mp4" "$TMP/render.log" && echo "ok: render names the missing file" \
  || { echo "FAIL: render says nothing about the missing file"; fail=1; }

# export draws the same frame (H.264 shifts colours a little: a wider fuzz)
"$BIN" export "$DMG" --from 40000 --to 41000 -o "$TMP/dmg.mp4" -q 2>"$TMP/export.log" || [ $? -eq 1 ] \
  || { echo "FAIL: export: $(tail -3 "$TMP/export.log")"; fail=1; }
ffmpeg -nostdin -v error -y -i "$TMP/dmg.mp4" -frames:v 1 "$TMP/export-40.png"
ne=$(red_pixels "$TMP/export-40.png" 12)
[ "$ne" -gt 1000 ] && echo "ok: export: the same badge ($ne pixels)" \
  || { echo "FAIL: export: no badge ($ne red pixels)"; fail=1; }

# ---- the window -----------------------------------------------------------
source "$SIGPLAY_SOURCE_DIR/tests/support/window.sh"
window_setup 1280x720
wait_for() { state_wait "$@"; }
player_start '.t_ms == 40000' 30 "$DMG" --start 0:40 --pause
if wait_for '.lanes[1].state == "unavailable"' 20; then
  echo "ok: state file: student_02 unavailable: $(jq -r '.lanes[1].reason' "$STATE")"
else echo "FAIL: state file: $(jq -c '.lanes[1]' "$STATE")"; fail=1; fi
jq -e '.lanes[1].reason | test("student_02-1.mp4: No such file")' "$STATE" >/dev/null \
  && echo "ok: the reason names the file and the error" || { echo "FAIL: reason: $(jq '.lanes[1].reason' "$STATE")"; fail=1; }
jq -e '.lanes[0].state != "unavailable" and .lanes[0].reason == ""' "$STATE" >/dev/null \
  && echo "ok: the intact lanes are not" || { echo "FAIL: teacher_01: $(jq -c '.lanes[0]' "$STATE")"; fail=1; }
xdotool windowfocus --sync "$WID" 2>/dev/null || true
xdotool key i
wait_for '.stats == true'
sleep 0.5
import -window root "$TMP/stats.png"
# the overlay's red line (255,82,82) at the top right
nr=$(convert "$TMP/stats.png" -crop 640x160+640+0 +repage -fuzz 8% -fill black +opaque '#FF5252' \
  -fill white -opaque '#FF5252' -format '%[fx:round(mean*w*h)]' info:)
[ "$nr" -gt 100 ] && echo "ok: the i overlay draws the reason in red ($nr pixels)" \
  || { echo "FAIL: no red line in the i overlay ($nr pixels)"; fail=1; }
xdotool key q
for _ in $(seq 100); do kill -0 "$PLAYER_PID" 2>/dev/null || break; sleep 0.1; done
wait "$PLAYER_PID" 2>/dev/null; PLAYER_PID=
exit $fail
