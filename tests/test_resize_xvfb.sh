#!/usr/bin/env bash
# A window resized is laid out again for its new shape (docs/layouts.md,
# "Resizing"): the sample class starts at 1280x720 with the chat, paused at
# 45 s; the window is made 720x1280 (xdotool windowsize, on a bare X server
# that grants it at once), then 480x270, then 1280x720 again. Each time the
# state file reports the canvas at the window's size and the layout's kind,
# the window shows the canvas pixel for pixel (a grab of the window against
# `sigplay render --size WxH` of the same moment: portrait with the chat as
# a band at the bottom, the small window with readable text), and `s` saves
# exactly what render draws.
set -u
BIN=${SIGPLAY_BIN:?} SAMPLE=${SIGPLAY_SAMPLE_DIR:?}
TMP=${SIGPLAY_TEST_TMP:?}/resize_xvfb
rm -rf "$TMP" && mkdir -p "$TMP/shots"
for tool in Xvfb xdotool jq import compare identify; do
  command -v $tool >/dev/null || { echo "FAIL: $tool is missing (scripts/deps.sh installs it)"; exit 1; }
done

source "$SIGPLAY_SOURCE_DIR/tests/support/window.sh"
window_setup 1400x1400

fail=0
check() { # description, jq expression that must be true
  if jq -e "$2" "$STATE" >/dev/null 2>&1; then echo "ok: $1"
  else echo "FAIL: $1 ($2) state: $(cat "$STATE" 2>/dev/null)"; fail=1; fi
}
jget() { jq -r "$1" "$STATE"; }
# every lane on its exact frame at 45 s, the OSD hidden: a still picture
STILL='.t_ms == 45000 and .osd_alpha == 0 and ([.lanes[] | select(.state != "showing" or .skew_ms != 0)] | length) == 0'

render_at() { # WxH, output
  "$BIN" render "$SAMPLE/replay.json" --at "$(jget .t_ms)" --chat --size "$1" -o "$2" \
    >"$TMP/render.log" 2>&1 || [ $? -eq 1 ] || { echo "FAIL: render $1: $(cat "$TMP/render.log")"; fail=1; }
}
# the window (its contents, 1:1) against render at its size; SDL presents
# the canvas unscaled, so anything but a near copy is a scaled or
# letterboxed picture (a 1280x720 canvas in a 720x1280 window: ~10 dB)
check_window() { # WxH kind
  local w=${1%x*} h=${1#*x}
  if state_wait ".canvas.w == $w and .canvas.h == $h and .layout_kind == \"$2\"" 20; then
    echo "ok: $1: the canvas follows the window, laid out $2"
  else # the picture is compared all the same: it shows what went wrong
    echo "FAIL: $1: the canvas did not follow the window: $(cat "$STATE")"; fail=1
  fi
  state_wait "$STILL" 20 || { echo "FAIL: $1: no still picture: $(cat "$STATE")"; fail=1; return; }
  render_at "$1" "$TMP/render-$1.png"
  import -window "$WID" "$TMP/window-$1.png"
  local size psnr
  size=$(identify -format '%wx%h' "$TMP/window-$1.png")
  [ "$size" = "$1" ] || { echo "FAIL: $1: the window is $size"; fail=1; return; }
  [ "$(identify -format '%wx%h' "$TMP/render-$1.png")" = "$1" ] || { echo "FAIL: render $1"; fail=1; return; }
  psnr=$(compare -metric PSNR "$TMP/window-$1.png" "$TMP/render-$1.png" null: 2>&1)
  if [ "$psnr" = inf ] || awk -v p="$psnr" 'BEGIN {exit !(p + 0 >= 30)}'; then
    echo "ok: $1: the window shows render's picture at its size ($psnr dB)"
  else
    echo "FAIL: $1: the window is not render --size $1 ($psnr dB; $TMP/window-$1.png)"; fail=1
  fi
}

player_start '.t_ms == 45000' 60 "$SAMPLE/replay.json" --chat --pause --start 45000 \
  --screenshot-dir "$TMP/shots"
check "starts at 1280x720, landscape" \
  '.canvas.w == 1280 and .canvas.h == 720 and .layout_kind == "landscape"'

# at the screen's top left, so that the whole of a tall window is on it
xdotool windowmove "$WID" 0 0
xdotool windowsize "$WID" 720 1280
check_window 720x1280 portrait
check "portrait: the chat is a band across the bottom" \
  '.chat_rect[2] >= 700 and .chat_rect[1] > 640 and .chat_rect[1] + .chat_rect[3] >= 1270'
# s: the canvas itself, exactly what render draws (one drawing path)
xdotool key s
if state_wait '.screenshot != ""' 10; then
  shot=$(jget .screenshot)
  ae=$(compare -metric AE "$shot" "$TMP/render-720x1280.png" "$TMP/diff.png" 2>&1)
  [ "$ae" = 0 ] && echo "ok: s at 720x1280 == sigplay render --size 720x1280" \
    || { echo "FAIL: the screenshot differs from render in $ae pixels ($TMP/diff.png)"; fail=1; }
else
  echo "FAIL: s saved no screenshot"; fail=1
fi

xdotool windowsize "$WID" 480 270
check_window 480x270 landscape

xdotool windowsize "$WID" 1280 720
check_window 1280x720 landscape

xdotool key q
for _ in $(seq 100); do kill -0 "$PLAYER_PID" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$PLAYER_PID" 2>/dev/null; then echo "FAIL: player did not quit"; fail=1
else
  wait "$PLAYER_PID"; rc=$?; PLAYER_PID=
  [ "$rc" = 0 ] && echo "ok: player exited 0" || { echo "FAIL: player exit $rc"; tail -20 "$TMP/player.log"; fail=1; }
fi
exit $fail
