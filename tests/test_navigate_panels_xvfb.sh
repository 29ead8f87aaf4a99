#!/usr/bin/env bash
# What the window draws for navigating (docs/keys.md), under Xvfb through
# keys, clicks, the state file and the screen (ImageMagick's import):
#   - C opens the chapter list; Down, Down, Enter lands on the third
#     chapter `sigplay probe` lists; a click on a row lands on its chapter;
#     Esc closes the list without moving;
#   - a tick stands above the seek bar at each chapter's column;
#   - / opens the search field in the chat panel (a blue frame while
#     typing); after Enter the hit's message is framed in green in the
#     panel and a green mark sits under the bar at the hit's column;
#   - the lanes' numbers are on their tiles while the OSD shows, and the
#     number of a muted lane turns red.
set -u
BIN=${SIGPLAY_BIN:?} SAMPLE=${SIGPLAY_SAMPLE_DIR:?} SRC=${SIGPLAY_SOURCE_DIR:?}
TMP=${SIGPLAY_TEST_TMP:?}/navigate_panels_xvfb
rm -rf "$TMP" && mkdir -p "$TMP"
for tool in Xvfb xdotool jq import convert; do
  command -v $tool >/dev/null || { echo "FAIL: $tool is missing"; exit 1; }
done
source "$SRC/tests/support/window.sh"
window_setup 1280x720

fail=0
ok() { echo "ok: $1"; }
bad() { echo "FAIL: $1"; fail=1; }
wait_for() { state_wait "$1" 10; }
tms() { jq -r .t_ms "$STATE"; }
st() { jq -r "$1" "$STATE"; }
n=0
shot() { # shows the OSD (a mouse move over the picture), then takes the screen
  n=$((n + 1)); xdotool mousemove $((X + 300)) $((Y + 200 + n % 2)); sleep 0.5
  import -window root "$TMP/s$n.png"; SHOT=$TMP/s$n.png
}
px() { # x y: "R G B" of the last screenshot at window point (x, y)
  convert "$SHOT" -crop "1x1+$((X + $1))+$((Y + $2))" -depth 8 txt:- | tail -1 |
    sed -E 's/^[^(]*\(([0-9]+),([0-9]+),([0-9]+).*/\1 \2 \3/'
}
bright() { read -r r g b < <(px "$1" "$2"); [ "$r" -ge 200 ] && [ "$g" -ge 200 ] && [ "$b" -ge 200 ]; }
greenish() { read -r r g b < <(px "$1" "$2"); [ "$g" -ge 150 ] && [ "$g" -gt $((r + 40)) ] && [ "$g" -gt $((b + 40)) ]; }
bar_x() { # the bar column of playback ms $1 (render/osd.h: x0 + t * (w - 1) / duration, rounded)
  read -r bx _ bw _ < <(jq -r '.places.bar | "\(.[0]) \(.[1]) \(.[2]) \(.[3])"' "$STATE")
  echo $(( bx + ($1 * (bw - 1) + dur / 2) / dur ))
}

"$BIN" probe "$SAMPLE/replay.json" --json >"$TMP/probe.json" 2>/dev/null
player_start '.t_ms >= 0 and .board_loading == false' 60 "$SAMPLE/replay.json" --pause --no-audio --chat
eval "$(xdotool getwindowgeometry --shell "$WID")"
xdotool windowfocus --sync "$WID" 2>/dev/null || true
dur=$(st .duration_ms)
mapfile -t chapters < <(jq -r '.chapters[].t_ms' "$TMP/probe.json")
[ "$(st .chapters.count)" = ${#chapters[@]} ] && ok "the window knows the ${#chapters[@]} chapters probe lists" \
  || bad "chapters: window $(st .chapters.count), probe ${#chapters[@]}"

# ---- the chapter list -------------------------------------------------------------
xdotool key --window "$WID" shift+c
wait_for '.chapters.open == true' && ok "C opens the chapter list" || bad "C: $(jq -c .chapters "$STATE")"
sel0=$(st .chapters.selected)
xdotool key --window "$WID" Down Down
wait_for ".chapters.selected == $((sel0 + 2))" || bad "Down Down: $(jq -c .chapters "$STATE")"
xdotool key --window "$WID" Return
want=${chapters[$((sel0 + 2))]}
wait_for ".t_ms == $want and .chapters.open == false" && ok "Down, Down, Enter lands on chapter $((sel0 + 3)) ($want ms) and closes the list" \
  || bad "Enter: t $(tms), want $want; $(jq -c .chapters "$STATE")"
xdotool key --window "$WID" shift+c; wait_for '.chapters.open == true'
k=$(( ${#chapters[@]} - 1 ))
read -r lx ry rh first < <(jq -r '.places.chapter_list | "\(.box[0]) \(.rows_y) \(.row_h) \(.first)"' "$STATE")
[ "$k" -ge "$first" ] || k=$first
xdotool mousemove $((X + lx + 40)) $((Y + ry + (k - first) * rh + rh / 2)); sleep 0.2; xdotool click 1
wait_for ".t_ms == ${chapters[$k]} and .chapters.open == false" && ok "a click on the last row lands on its chapter (${chapters[$k]} ms)" \
  || bad "click: t $(tms), want ${chapters[$k]}"
xdotool key --window "$WID" shift+c; wait_for '.chapters.open == true'
before=$(tms); xdotool key --window "$WID" Escape
wait_for '.chapters.open == false' && [ "$(tms)" = "$before" ] && kill -0 $PLAYER_PID 2>/dev/null \
  && ok "Esc closes the list, the player stays where it was" || bad "Esc: $(jq -c .chapters "$STATE"), t $(tms)"

# ---- chapter ticks on the bar --------------------------------------------------------
xdotool key --window "$WID" Home; wait_for '.t_ms == 0'
shot
bar_y=$(jq -r '.places.bar[1]' "$STATE")
ticks=0
for c in "${chapters[@]}"; do
  [ "$c" -eq 0 ] && continue # the play head covers the start
  x=$(bar_x "$c"); bright "$x" $((bar_y - 3)) && ticks=$((ticks + 1)) || echo "  no tick at $x ($c ms): $(px "$x" $((bar_y - 3)))"
done
want_ticks=$(printf '%s\n' "${chapters[@]}" | awk '$1 > 0' | wc -l)
# a column away from every chapter and pause is dark there (the control)
free_x=$(bar_x $(( dur - 1500 )))
[ "$ticks" -eq "$want_ticks" ] && ! bright "$free_x" $((bar_y - 3)) && ok "a tick above the bar at each of the $want_ticks chapters" \
  || bad "ticks: $ticks of $want_ticks (control $(px "$free_x" $((bar_y - 3))))"

# ---- the search field and the hit -------------------------------------------------------
xdotool key --window "$WID" slash; wait_for '.search.open == true'
xdotool type --window "$WID" "GOT it"; wait_for '.search.query == "GOT it"'
shot
read -r fx fy fw fh < <(jq -r '.places.search_field | "\(.[0]) \(.[1]) \(.[2]) \(.[3])"' "$STATE")
read -r r g b < <(px $((fx - 1)) $((fy + fh / 2)))
[ "$b" -ge 200 ] && [ "$r" -le 120 ] && ok "the search field is drawn in the chat panel, framed in blue while typing" \
  || bad "no field at ($fx,$fy): frame pixel $r $g $b"
xdotool key --window "$WID" Return
wait_for '.search.hit == 0 and .search.hit_rect[2] > 0' || bad "Enter: $(jq -c .search "$STATE")"
sleep 0.3; shot
read -r hx hy hw hh < <(jq -r '.search.hit_rect | "\(.[0]) \(.[1]) \(.[2]) \(.[3])"' "$STATE")
greenish $((hx + 1)) $((hy + hh / 2)) && ok "the hit's message is framed in green in the panel" \
  || bad "hit frame at ($hx,$hy): $(px $((hx + 1)) $((hy + hh / 2)))"
read -r r g b < <(px $((fx - 1)) $((fy + fh / 2)))
[ "$b" -lt 200 ] && ok "the field's frame is grey once Enter ends the typing" || bad "frame still blue: $r $g $b"
hit_t=$(tms); x=$(bar_x "$hit_t")
read -r _ by _ bh < <(jq -r '.places.bar | "\(.[0]) \(.[1]) \(.[2]) \(.[3])"' "$STATE")
greenish "$x" $((by + bh + 1)) && ! greenish "$free_x" $((by + bh + 1)) \
  && ok "a green mark under the bar at the hit ($hit_t ms)" || bad "hit mark at $x: $(px "$x" $((by + bh + 1)))"
xdotool key --window "$WID" Escape; wait_for '.search.open == false'

# ---- lane numbers ---------------------------------------------------------------------------
read -r tx ty _ _ < <(jq -r '.lanes[0].tile | "\(.[0]) \(.[1]) \(.[2]) \(.[3])"' "$STATE")
shot
read -r r0 g0 b0 < <(px $((tx + 5)) $((ty + 5)))
xdotool key --window "$WID" 1; wait_for '.lanes[0].muted == true'
shot
read -r r1 g1 b1 < <(px $((tx + 5)) $((ty + 5)))
[ "$r1" -ge 100 ] && [ "$r1" -gt $((g1 * 2)) ] && [ "$r0" -lt $((r1 - 40)) ] \
  && ok "lane 1's number box turns red when 1 mutes it ($r0,$g0,$b0 -> $r1,$g1,$b1)" || bad "lane box: $r0,$g0,$b0 -> $r1,$g1,$b1"
xdotool mousemove $((X + 300)) $((Y + 200)); sleep 3.5 # the OSD hides after 2 s
import -window root "$TMP/hidden.png"; SHOT=$TMP/hidden.png
read -r r2 g2 b2 < <(px $((tx + 5)) $((ty + 5)))
# the tile's own pixel then: brighter than under the dark box, greener than under the red one
[ "$r2" -gt $((r0 + 60)) ] && [ "$g2" -gt $((g1 + 60)) ] && ok "the numbers go with the OSD ($r2,$g2,$b2)" \
  || bad "with the OSD hidden: $r2,$g2,$b2"

xdotool key --window "$WID" q
for _ in $(seq 50); do kill -0 "$PLAYER_PID" 2>/dev/null || break; sleep 0.1; done
exit $fail
