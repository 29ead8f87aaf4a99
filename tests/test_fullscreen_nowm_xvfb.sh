#!/usr/bin/env bash
# Fullscreen and kiosk on a bare X server (Xvfb, no window manager, as a
# kiosk runs): the window covers the screen and the picture fills it,
# centred with black bars (1280x720 on 1600x1000: 1600x900 with 50 rows
# above and below), and it is `sigplay render` of the same moment scaled
# up; `f` goes back to the window and again to the screen; a later size
# change of the window is followed (it covers the screen again).
set -u
BIN=${SIGPLAY_BIN:?} SAMPLE=${SIGPLAY_SAMPLE_DIR:?}
TMP=${SIGPLAY_TEST_TMP:?}/fullscreen_nowm_xvfb
rm -rf "$TMP" && mkdir -p "$TMP"
for tool in Xvfb xdotool jq import compare convert; do
  command -v $tool >/dev/null || { echo "FAIL: $tool is missing (scripts/deps.sh installs it)"; exit 1; }
done

source "$SIGPLAY_SOURCE_DIR/tests/support/window.sh"
window_setup 1600x1000

fail=0
check() { # description, jq expression that must be true
  if jq -e "$2" "$STATE" >/dev/null 2>&1; then echo "ok: $1"
  else echo "FAIL: $1 ($2) state: $(cat "$STATE" 2>/dev/null)"; fail=1; fi
}
wait_for() { state_wait "$@"; }
geometry() { # the window's "X,Y WxH"
  xdotool getwindowgeometry "$WID" | awk '/Position/ {p=$2} /Geometry/ {g=$2} END {print p, g}'
}
wait_geometry() { # expected "X,Y WxH"; up to 5 s
  for _ in $(seq 50); do [ "$(geometry)" = "$1" ] && return 0; sleep 0.1; done
  return 1
}
start_player() { # extra options...
  rm -f "$STATE"
  player_start '.t_ms >= 0' 30 "$SAMPLE/replay.json" "$@"
}
stop_player() {
  for _ in $(seq 100); do kill -0 "$PLAYER_PID" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$PLAYER_PID" 2>/dev/null; then echo "FAIL: player did not quit"; fail=1; return; fi
  wait "$PLAYER_PID"; local rc=$?; PLAYER_PID=
  [ "$rc" = 0 ] || { echo "FAIL: player exit $rc"; tail -20 "$TMP/player.log"; fail=1; }
}
# the screen: black bars of 50 rows, and between them the rendered frame
# scaled to 1600x900 (SDL's and ImageMagick's linear filters differ a
# little: 30 dB; a cropped or shifted picture is near 10 dB)
check_screen() { # name
  import -window root "$TMP/$1.png"
  local top bottom psnr
  top=$(convert "$TMP/$1.png" -crop 1600x50+0+0 -format '%[fx:maxima]' info:)
  bottom=$(convert "$TMP/$1.png" -crop 1600x50+0+950 -format '%[fx:maxima]' info:)
  [ "$top" = 0 ] && [ "$bottom" = 0 ] && echo "ok: $1: black bars above and below" \
    || { echo "FAIL: $1: bars not black (max $top, $bottom)"; fail=1; }
  convert "$TMP/$1.png" -crop 1600x900+0+50 +repage "$TMP/$1-picture.png"
  psnr=$(compare -metric PSNR "$TMP/$1-picture.png" "$TMP/render-1600.png" null: 2>&1)
  if [ "$psnr" = inf ] || awk -v p="$psnr" 'BEGIN {exit !(p + 0 >= 30)}'; then
    echo "ok: $1: the picture fills the screen between the bars ($psnr dB against render)"
  else echo "FAIL: $1: the picture is not render's, scaled to the screen ($psnr dB)"; fail=1; fi
}

"$BIN" render "$SAMPLE/replay.json" --at 45000 -o "$TMP/render.png" 2>"$TMP/render.log" \
  || [ $? -eq 1 ] || { echo "FAIL: render: $(cat "$TMP/render.log")"; exit 1; }
convert "$TMP/render.png" -filter Triangle -resize '1600x900!' "$TMP/render-1600.png"

# ---- --fullscreen, paused at 45 s ---------------------------------------
start_player --fullscreen --pause --start 45000
wait_geometry "0,0 1600x1000" && echo "ok: the window covers the screen" \
  || { echo "FAIL: window at $(geometry) on a 1600x1000 screen"; fail=1; }
check "fullscreen in the state file" '.fullscreen == true'
wait_for '.osd_alpha == 0 and .lanes[0].state == "showing" and .lanes[0].skew_ms == 0
          and .lanes[2].state == "showing" and .lanes[2].skew_ms == 0' 20
check "paused at 45 s on exact frames, OSD hidden" '.t_ms == 45000 and .osd_alpha == 0'
check_screen fullscreen

xdotool key f
wait_for '.fullscreen == false'
wait_geometry "160,140 1280x720" && echo "ok: f: back to the 1280x720 window, centred" \
  || { echo "FAIL: f: window at $(geometry)"; fail=1; }
xdotool key f
wait_for '.fullscreen == true'
wait_geometry "0,0 1600x1000" && echo "ok: f again: the screen again" \
  || { echo "FAIL: f again: window at $(geometry)"; fail=1; }
# a size change later (here the window's own, asked by another client):
# it covers the screen again
xdotool windowsize "$WID" 800 600
sleep 0.5
wait_geometry "0,0 1600x1000" && echo "ok: a later size change is followed" \
  || { echo "FAIL: after a resize the window is at $(geometry)"; fail=1; }
wait_for '.osd_alpha == 0' 6
check_screen fullscreen-again
xdotool key q
stop_player

# ---- --kiosk ----------------------------------------------------------------
start_player --kiosk
wait_geometry "0,0 1600x1000" && echo "ok: kiosk: the window covers the screen" \
  || { echo "FAIL: kiosk: window at $(geometry)"; fail=1; }
check "kiosk: fullscreen, playing" '.fullscreen == true and .paused == false'
import -window root "$TMP/kiosk.png"
top=$(convert "$TMP/kiosk.png" -crop 1600x50+0+0 -format '%[fx:maxima]' info:)
mid=$(convert "$TMP/kiosk.png" -crop 1600x900+0+50 -format '%k' info:)
[ "$top" = 0 ] && [ "$mid" -gt 200 ] && echo "ok: kiosk: bars, the picture between them ($mid colours)" \
  || { echo "FAIL: kiosk: bar max $top, $mid colours in the picture"; fail=1; }
xdotool key ctrl+alt+q
stop_player
exit $fail
