#!/usr/bin/env bash
# Hover thumbnails of the seek bar (docs/keys.md "The OSD"): hovering over
# the bar shows, above the pointer, the board at the hovered time. The
# thumbnail is taken from the screen (ImageMagick's import of the Xvfb
# root window, at the place the state file gives) and compared with
# `sigplay render` of the board alone (a layout whose one region is the
# board) at the same time, scaled down to the thumbnail's size: it must be
# close (PSNR) to that picture and clearly closer to it than to the board
# at the other hovered time (another page). Hovering must not move the
# player. Near the player's time the teacher's frame, already decoded, is
# put over the board; far from it the thumbnail is the board alone.
set -u
BIN=${SIGPLAY_BIN:?} SAMPLE=${SIGPLAY_SAMPLE_DIR:?} SRC=${SIGPLAY_SOURCE_DIR:?}
TMP=${SIGPLAY_TEST_TMP:?}/thumb_xvfb
rm -rf "$TMP" && mkdir -p "$TMP"
for tool in Xvfb xdotool jq import convert compare; do
  command -v $tool >/dev/null || { echo "FAIL: $tool is missing"; exit 1; }
done
source "$SRC/tests/support/window.sh"
window_setup 1280x720

fail=0
ok() { echo "ok: $1"; }
bad() { echo "FAIL: $1"; fail=1; }
wait_for() { state_wait "$1" 10; }
psnr() { # a b: PSNR in dB (inf -> 99)
  local v; v=$(compare -metric PSNR "$1" "$2" null: 2>&1 | awk '{print $1}')
  case $v in inf*|"") echo 99 ;; *) echo "$v" ;; esac
}

"$BIN" probe "$SAMPLE/replay.json" --json >"$TMP/probe.json" 2>/dev/null
player_start '.t_ms >= 0 and .board_loading == false' 60 "$SAMPLE/replay.json" --pause --no-audio
eval "$(xdotool getwindowgeometry --shell "$WID")" # X, Y, WIDTH, HEIGHT of the window
[ "$WIDTH" = 1280 ] && [ "$HEIGHT" = 720 ] || { echo "FAIL: window is ${WIDTH}x$HEIGHT, not the canvas"; exit 1; }
t0=$(jq -r .t_ms "$STATE")

# two times on different pages: the middle of the first two page chapters after the start
mapfile -t pages < <(jq -r '[.chapters[] | select(.title | startswith("Page")) | .t_ms] | .[]' "$TMP/probe.json")
[ ${#pages[@]} -ge 3 ] || { echo "FAIL: the sample has too few page chapters: ${pages[*]}"; exit 1; }
dur=$(jq -r .duration_ms "$STATE")
# the bar's column for a time: OSD geometry at 1280x720 (render/osd.h): the bar
# runs from x0 to x0 + w - 1; found by hovering its two ends
bar_y=$(( HEIGHT - 60 )) x0= x1=
for y in $(seq $((HEIGHT - 80)) $((HEIGHT - 20))); do
  xdotool mousemove $((X + 640)) $((Y + y)); sleep 0.15
  if jq -e '.thumb.shown' "$STATE" >/dev/null 2>&1; then bar_y=$y; break; fi
done
jq -e '.thumb.shown' "$STATE" >/dev/null || { echo "FAIL: no thumbnail over the bar: $(jq -c .thumb "$STATE")"; exit 1; }
ok "hovering over the bar shows a thumbnail ($(jq -c '[.thumb.w, .thumb.h]' "$STATE"))"

i=0
for want in $(( (pages[1] + pages[2]) / 2 )) $(( (pages[0] + pages[1]) / 2 )); do
  x=$(( 16 + (want * (1280 - 32) + dur / 2) / dur )) # near enough: the state says the time
  xdotool mousemove $((X + x)) $((Y + bar_y)); sleep 0.2
  xdotool mousemove $((X + x + 1)) $((Y + bar_y))
  wait_for ".thumb.shown and .thumb.t_ms != ${last_t:--1}" || bad "no new thumbnail at column $x"
  sleep 0.3
  # the X server shows a presented frame a moment after the state file says
  # so (much later on a loaded machine): take the screen until two takes
  # agree, and the state file says the same thumbnail before and after each
  # (it may still describe the column before the last move: a thumbnail one
  # pixel off its place)
  prev= prev_state=
  for take in $(seq 20); do
    # a move of one row keeps the hovered time and the OSD shown (it hides
    # after 2 s without input, which a loaded machine reaches quickly)
    xdotool mousemove $((X + x + 1)) $((Y + bar_y + take % 2))
    sleep 0.3
    before=$(jq -r '.thumb | "\(.t_ms) \(.x) \(.y) \(.w) \(.h) \(.frame)"' "$STATE")
    import -window root "$TMP/screen$i.png"
    read -r tt tx ty tw th tframe <<<"$before"
    convert "$TMP/screen$i.png" -crop "${tw}x${th}+$((X + tx))+$((Y + ty))" +repage "$TMP/thumb$i.$take.png"
    after=$(jq -r '.thumb | "\(.t_ms) \(.x) \(.y) \(.w) \(.h) \(.frame)"' "$STATE")
    if [ -n "$prev" ] && [ "$before" = "$after" ] && [ "$before" = "$prev_state" ] &&
      [ "$(compare -metric AE "$prev" "$TMP/thumb$i.$take.png" null: 2>&1)" = 0 ]; then break; fi
    prev=$TMP/thumb$i.$take.png prev_state=$after
  done
  last_t=$tt
  [ "$tframe" = false ] || bad "the thumbnail at $tt has the teacher's frame, but the player is at $t0"
  cp "$TMP/thumb$i.$take.png" "$TMP/thumb$i.png"
  "$BIN" render "$SAMPLE/replay.json" --at "$tt" --layout "$SRC/tests/data/layouts/board_only.json" \
    --size 960x720 -q -o "$TMP/board$i.png" 2>>"$TMP/render.log" || bad "render --at $tt failed"
  convert "$TMP/board$i.png" -resize "${tw}x${th}!" "$TMP/ref$i.png"
  T[$i]=$tt
  i=$((i + 1))
done
p00=$(psnr "$TMP/thumb0.png" "$TMP/ref0.png") p11=$(psnr "$TMP/thumb1.png" "$TMP/ref1.png")
p01=$(psnr "$TMP/thumb0.png" "$TMP/ref1.png") p10=$(psnr "$TMP/thumb1.png" "$TMP/ref0.png")
echo "  PSNR: thumb at ${T[0]} vs render ${p00} dB (vs the other time ${p01}); at ${T[1]}: ${p11} dB (vs ${p10})"
awk -v a="$p00" -v b="$p11" 'BEGIN { exit !(a >= 24 && b >= 24) }' \
  && ok "each thumbnail equals sigplay render of the board at its time, scaled (PSNR >= 24 dB)" \
  || bad "thumbnails differ from the render: $p00 / $p11 dB"
awk -v a="$p00" -v b="$p11" -v c="$p01" -v d="$p10" 'BEGIN { exit !(a > c + 3 && b > d + 3) }' \
  && ok "... and not the board at the other time (another page)" \
  || bad "a thumbnail matches the other time as well: $p00/$p01, $p11/$p10"

# near the player's position the teacher's lane has a decoded frame: it is
# put over the board (lower right), and no decode is started for it
x=$(( 16 + ((t0 + 1000) * (1280 - 32) + dur / 2) / dur ))
xdotool mousemove $((X + x)) $((Y + bar_y)); sleep 0.2
xdotool mousemove $((X + x + 1)) $((Y + bar_y))
wait_for ".thumb.shown and .thumb.frame" \
  && ok "hovering near the player's time adds the teacher's frame ($(jq -c '[.thumb.t_ms, .thumb.frame]' "$STATE"))" \
  || bad "no teacher's frame in the thumbnail near the player's time: $(jq -c .thumb "$STATE")"

[ "$(jq -r .t_ms "$STATE")" = "$t0" ] && ok "hovering did not move the player (t_ms $t0)" \
  || bad "hover moved the player: $(jq -r .t_ms "$STATE") (was $t0)"
echo "  drawing the last thumbnail took $(jq -r .thumb.draw_us "$STATE") µs (this build)"
xdotool mousemove $((X + 640)) $((Y + 200)); sleep 0.3
wait_for '.thumb.shown == false' && ok "leaving the bar hides it" || bad "the thumbnail stays off the bar"

xdotool key --window "$WID" q
for _ in $(seq 50); do kill -0 "$PLAYER_PID" 2>/dev/null || break; sleep 0.1; done
exit $fail
