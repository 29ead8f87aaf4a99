#!/usr/bin/env bash
# Lane-offset correction in the window (docs/offsets.md, format section 8),
# on a class whose screen share (lane 3) is 320 ms late and says nothing of
# it (tests/support/offsets_class.sh):
# - before: every frame lane 3 shows is 320 ms (to one frame more) older
#   than the true w(t), in a headless trace of the whole class;
# - in the window under Xvfb: `i`, Tab to lane 3 (the state file marks it
#   selected), 32 x Alt+Shift+Left is -320 ms, Ctrl+Shift+Left one frame
#   more (-386.667), Ctrl+Shift+Right back; the picture changes at once
#   (two screenshots of the paused window differ in the lane's tile); `w`
#   writes <manifest>.offsets.json and one stdout line says where;
# - the file holds both of the lane's segments at -320 ms;
# - after: every frame of lane 3 is within one frame below the true w(t);
#   `render` at a few times draws lane 3's tile exactly as the uncorrected
#   render 320 ms later does (and not as the uncorrected one at that time);
# - verify then has no sync warning and lists the two corrections.
set -u
BIN=${SIGPLAY_BIN:?}
TMP=${SIGPLAY_TEST_TMP:?}/offsets_xvfb
rm -rf "$TMP" && mkdir -p "$TMP"
for tool in Xvfb xdotool jq compare convert; do
  command -v $tool >/dev/null || { echo "FAIL: $tool is missing (scripts/deps.sh installs it)"; exit 1; }
done
source "${SIGPLAY_SOURCE_DIR:?}/tests/support/offsets_class.sh"
source "${SIGPLAY_SOURCE_DIR:?}/tests/support/xvfb.sh"
XVFB_PID= PLAYER_PID=
cleanup() {
  [ -n "$PLAYER_PID" ] && proc_stop "$PLAYER_PID"
  [ -n "$XVFB_PID" ] && proc_stop "$XVFB_PID"
  proc_stop_verdict
}
trap cleanup EXIT
fail=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fail=1; }
CLS=$TMP/class
OFF=$CLS/replay.json.offsets.json
F=66.667 # one frame at 15 fps, ms

offsets_class "$CLS" || { echo "FAIL: the lagged class could not be made"; exit 1; }
lane3_trace "$CLS" "$TMP/before.tsv" 2>"$TMP/before.err" || [ $? -eq 1 ] \
  || { echo "FAIL: play: $(cat "$TMP/before.err")"; exit 1; }
n=$(lane3_late "$CLS" "$TMP/before.tsv" 320 "$(awk -v f=$F 'BEGIN { print 320 + f }')") \
  && [ "$n" -gt 100 ] && ok "before: lane 3's $n frames are 320 ms late" \
  || bad "before: lane 3 is not 320 ms late ($n frames)"

xvfb_start 1280x720 "$TMP/xvfb.log" || { echo "FAIL: no virtual display"; exit 1; }
export SDL_VIDEODRIVER=x11 SDL_AUDIODRIVER=dummy
STATE=$TMP/state.json
"$BIN" play "$CLS/replay.json" --start 2500 --pause --no-audio --state-file "$STATE" \
  --screenshot-dir "$TMP" >"$TMP/player.log" 2>&1 &
PLAYER_PID=$!
for _ in $(seq 100); do jq -e '.t_ms >= 0' "$STATE" >/dev/null 2>&1 && break; sleep 0.1; done
window_find "$PLAYER_PID" || { echo "FAIL: no window"; exit 1; }
xdotool windowfocus --sync "$WID" 2>/dev/null || true
wait_state() { # jq condition, what: waits up to 5 s
  for _ in $(seq 50); do jq -e "$1" "$STATE" >/dev/null 2>&1 && return 0; sleep 0.1; done
  return 1
}
wait_state '[.lanes[] | select(.state == "showing")] | length == 3' || bad "lanes not showing"
# Tab belongs to the overlay: without it nothing is selected
xdotool key --window "$WID" Tab
sleep 0.3
jq -e '[.lanes[] | select(.selected)] | length == 0' "$STATE" >/dev/null \
  && ok "Tab without the overlay selects nothing" || bad "Tab acted without the overlay"
xdotool key --window "$WID" i Tab Tab Tab
wait_state '.stats and .lanes[2].selected and ([.lanes[] | select(.selected)] | length == 1)' \
  && ok "i, Tab x3 selects lane 3" || bad "lane 3 not selected: $(jq -c '[.lanes[].selected]' "$STATE")"
xdotool key --window "$WID" s
wait_state '.screenshot != ""' || bad "no screenshot before the nudge"
shot=$(jq -r .screenshot "$STATE")
sleep 0.5
cp "$shot" "$TMP/shot-before.png" 2>/dev/null
xdotool key --window "$WID" --delay 30 --repeat 32 alt+shift+Left
wait_state '.lanes[2].offset_ms == -320' && ok "32 x Alt+Shift+Left: lane 3 at -320 ms" \
  || bad "Alt+Shift+Left: offset $(jq '.lanes[2].offset_ms' "$STATE")"
jq -e '.lanes[0].offset_ms == 0 and .lanes[1].offset_ms == 0' "$STATE" >/dev/null \
  && ok "the other lanes keep 0" || bad "other lanes moved: $(jq -c '[.lanes[].offset_ms]' "$STATE")"
xdotool key --window "$WID" ctrl+shift+Left
wait_state '.lanes[2].offset_ms < -386.6 and .lanes[2].offset_ms > -386.7' \
  && ok "Ctrl+Shift+Left: one frame interval more (-386.667 ms)" \
  || bad "Ctrl+Shift+Left: offset $(jq '.lanes[2].offset_ms' "$STATE")"
xdotool key --window "$WID" ctrl+shift+Right
wait_state '.lanes[2].offset_ms == -320' && ok "Ctrl+Shift+Right: back to -320 ms" \
  || bad "Ctrl+Shift+Right: offset $(jq '.lanes[2].offset_ms' "$STATE")"
wait_state '.lanes[2].state == "showing"' || bad "lane 3 not showing after the nudge"
sleep 0.3
# paused at the same t, the screenshot has the same name: wait for new bytes
xdotool key --window "$WID" s
for _ in $(seq 50); do cmp -s "$shot" "$TMP/shot-before.png" || break; sleep 0.1; done
sleep 0.5
tile=$(jq -r '.lanes[2].tile | "\(.[2])x\(.[3])+\(.[0])+\(.[1])"' "$STATE")
# tile_ae A B: pixels of lane 3's tile that differ between two pictures
tile_ae() {
  convert "$1" -crop "$tile" +repage "$TMP/a.png" && convert "$2" -crop "$tile" +repage "$TMP/b.png" \
    && compare -metric AE "$TMP/a.png" "$TMP/b.png" null: 2>&1 | cut -d' ' -f1
}
ae=$(tile_ae "$TMP/shot-before.png" "$shot")
[ "${ae%.*}" -gt 100 ] 2>/dev/null && ok "the paused picture of lane 3 follows at once ($ae pixels differ)" \
  || bad "lane 3's tile did not change with the nudge (AE $ae)"
xdotool key --window "$WID" w
for _ in $(seq 50); do [ -s "$OFF" ] && break; sleep 0.1; done
sleep 0.3
grep -qF "sigplay: Sync corrections written to $OFF (2 entries)" "$TMP/player.log" \
  && ok "w says where, in one stdout line" || bad "w: no line naming $OFF: $(cat "$TMP/player.log")"
[ "$(grep -c 'Sync corrections written' "$TMP/player.log")" -eq 1 ] || bad "w said it more than once"
jq -e '.offsets_file | endswith("replay.json.offsets.json")' "$STATE" >/dev/null \
  || bad "state file: offsets_file $(jq .offsets_file "$STATE")"
xdotool key --window "$WID" q 2>/dev/null
for _ in $(seq 50); do kill -0 "$PLAYER_PID" 2>/dev/null || break; sleep 0.1; done
wait "$PLAYER_PID" 2>/dev/null; PLAYER_PID=
jq -e '.Version == 1 and (.Offsets | length == 2) and ([.Offsets[] | .UserId == "tic_substream_teacher_01"
  and .OffsetMs == -320 and (.VideoId | length > 0)] | all)' "$OFF" >/dev/null \
  && ok "the file holds lane 3's two segments at -320 ms" || bad "offsets file: $(cat "$OFF")"

lane3_trace "$CLS" "$TMP/after.tsv" 2>"$TMP/after.err" || [ $? -eq 1 ] \
  || { echo "FAIL: play: $(cat "$TMP/after.err")"; exit 1; }
grep -q "sync corrections from $OFF: 2 segments corrected" "$TMP/after.err" \
  && ok "play says it applies the file, in one note" || bad "no note: $(cat "$TMP/after.err")"
n=$(lane3_late "$CLS" "$TMP/after.tsv" 0 $F) && [ "$n" -gt 100 ] \
  && ok "after: lane 3's $n frames are within one frame of w(t)" || bad "after: lane 3 still off"

# render: lane 3's tile at T with the correction is the uncorrected one at T + 320
for T in 1500 6000; do
  "$BIN" render "$CLS/replay.json" --at $T -o "$TMP/fix-$T.png" -q 2>"$TMP/render.err" || [ $? -eq 1 ] \
    || bad "render --at $T: $(cat "$TMP/render.err")"
  "$BIN" render "$CLS/replay.json" --at $((T + 320)) -o "$TMP/late-$T.png" -q --no-offsets 2>/dev/null
  "$BIN" render "$CLS/replay.json" --at $T -o "$TMP/old-$T.png" -q --no-offsets 2>/dev/null
  same=$(tile_ae "$TMP/fix-$T.png" "$TMP/late-$T.png")
  diff=$(tile_ae "$TMP/fix-$T.png" "$TMP/old-$T.png")
  if [ "${same%.*}" = 0 ] && [ "${diff%.*}" -gt 100 ] 2>/dev/null; then
    ok "render --at $T: lane 3 shows the frame drawn at w($T)"
  else
    bad "render --at $T: tile differs from the frame 320 ms later by $same px, from the old one by $diff"
  fi
done

"$BIN" verify "$CLS/replay.json" --quick --json "$TMP/verify.json" >"$TMP/verify.txt" 2>&1
! grep -q 'sync.offset' "$TMP/verify.txt" && ok "verify: no sync warning" \
  || bad "verify warns: $(grep sync.offset "$TMP/verify.txt")"
jq -e '.offsets.read and .offsets.corrected_segments == 2 and
  ([.segments[] | select(.user_id == "tic_substream_teacher_01") | .correction_ms == -320] | all) and
  ([.findings[] | select(.code == "offsets")] | length == 3)' "$TMP/verify.json" >/dev/null \
  && ok "verify --json lists the corrections" || bad "verify json: $(jq -c .offsets "$TMP/verify.json")"
exit $fail
