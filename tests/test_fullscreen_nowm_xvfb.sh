#!/usr/bin/env bash
# Fullscreen and kiosk on a bare X server (Xvfb, no window manager, as a
# kiosk runs): the window covers the screen. With a size asked for
# (--size 1280x720 on 1600x1000) the picture fills it centred with black
# bars (1600x900 with 50 rows above and below), and it is `sigplay
# render` of the same moment scaled up; `f` goes back to the window and
# again to the screen; a later size change of the window is followed (it
# covers the screen again). With no size asked for, a kiosk takes the
# screen's shape: 1280x800 on 1600x1000, and 720x1280, arranged for
# portrait, on a 720x1280 screen: no bars.
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
start_player --fullscreen --pause --start 45000 --size 1280x720
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

# ---- --kiosk, no size asked for: the screen's shape, no bars ------------------
kiosk_on() { # screen WxH, expected canvas W H, layout_kind
  local W=${1%x*} H=${1#*x}
  start_player --kiosk
  wait_geometry "0,0 $1" && echo "ok: kiosk on $1: the window covers the screen" \
    || { echo "FAIL: kiosk on $1: window at $(geometry)"; fail=1; }
  check "kiosk on $1: fullscreen, playing, canvas $2x$3, $4" \
    ".fullscreen == true and .paused == false and .canvas.w == $2 and .canvas.h == $3
     and .layout_kind == \"$4\""
  wait_for '.osd_alpha == 0' 6
  import -window root "$TMP/kiosk-$1.png"
  local top bottom
  top=$(convert "$TMP/kiosk-$1.png" -crop "${W}x8+0+0" -format '%[fx:maxima]' info:)
  bottom=$(convert "$TMP/kiosk-$1.png" -crop "${W}x8+0+$((H - 8))" -format '%[fx:maxima]' info:)
  awk -v t="$top" -v b="$bottom" 'BEGIN {exit !(t > 0 && b > 0)}' \
    && echo "ok: kiosk on $1: the picture reaches the top and bottom edges (no bars)" \
    || { echo "FAIL: kiosk on $1: black bands at the edges (max $top, $bottom)"; fail=1; }
  xdotool key ctrl+alt+q
  stop_player
}
kiosk_on 1600x1000 1280 800 landscape
# a portrait screen: a display of its own (the cleanup trap stops it)
kill "$XVFB_PID" && wait "$XVFB_PID" 2>/dev/null
xvfb_start 720x1280 "$TMP/xvfb-portrait.log" || { echo "FAIL: no portrait display"; exit 1; }
kiosk_on 720x1280 720 1280 portrait
exit $fail
