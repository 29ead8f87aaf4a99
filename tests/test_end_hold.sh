#!/usr/bin/env bash
# The end of the class holds each lane's last frame, as mpv holds the last
# frame at the end of a file: `render --at TotalTime` is the picture just
# before the end (no lane turns into its name tile), and in the window both
# End and playing up to the end leave every lane that was showing a frame
# showing it (state file, under a virtual X display).
set -u
BIN=${SIGPLAY_BIN:?} SAMPLE=${SIGPLAY_SAMPLE_DIR:?}
TMP=${SIGPLAY_TEST_TMP:?}/end_hold
rm -rf "$TMP" && mkdir -p "$TMP"
for tool in Xvfb xdotool jq compare; do
  command -v $tool >/dev/null || { echo "FAIL: $tool is missing (scripts/deps.sh installs it)"; exit 1; }
done
fail=0
total=$(jq -r '.TotalTime' "$SAMPLE/replay.json")
[ "$total" -gt 1000 ] 2>/dev/null || { echo "FAIL: no TotalTime in the sample ($total)"; exit 1; }

# ---- render at the end == render 1 ms before -------------------------------
for t in $((total - 1)) "$total"; do
  "$BIN" render "$SAMPLE/replay.json" --at "$t" -o "$TMP/at-$t.png" -q 2>"$TMP/render.log" \
    || [ $? -eq 1 ] || { echo "FAIL: render --at $t: $(cat "$TMP/render.log")"; exit 1; }
done
ae=$(compare -metric AE "$TMP/at-$((total - 1)).png" "$TMP/at-$total.png" "$TMP/diff.png" 2>&1)
[ "$ae" = 0 ] && echo "ok: render --at TotalTime ($total) holds the last frames" \
  || { echo "FAIL: render at the end differs from 1 ms before in $ae pixels ($TMP/diff.png)"; fail=1; }

# ---- the window -----------------------------------------------------------
source "$SIGPLAY_SOURCE_DIR/tests/support/window.sh"
window_setup 1280x720
wait_for() { state_wait "$@"; }
# the lanes showing a frame 1 s before the end (jq array of names)
player_start '.t_ms >= 0' 30 "$SAMPLE/replay.json" --start $((total - 1000)) --pause
wait_for '([.lanes[] | select(.state == "waiting")] | length) == 0 and ([.lanes[] | select(.state == "showing")] | length) > 0' 20
before=$(jq -c '[.lanes[] | select(.state == "showing") | .name]' "$STATE")
echo "showing 1 s before the end: $before"
xdotool windowfocus --sync "$WID" 2>/dev/null || true

xdotool key End
if wait_for ".t_ms == $total and ([.lanes[] | select(.state == \"showing\") | .name]) == $before" 20; then
  echo "ok: End: the lanes hold their last frames"
else echo "FAIL: End: $(jq -c '[.t_ms, [.lanes[] | [.name, .state]]]' "$STATE")"; fail=1; fi

# play the last seconds through: at the end, still the same lanes' frames
xdotool key Left
wait_for ".t_ms == $((total - 5000))" || echo "note: Left: $(jq .t_ms "$STATE")"
xdotool key space
if wait_for ".ended == true and .t_ms == $total" 30 &&
   wait_for "([.lanes[] | select(.state == \"showing\") | .name]) == $before" 10; then
  echo "ok: played to the end: the lanes hold their last frames"
else echo "FAIL: played to the end: $(jq -c '[.t_ms, .ended, [.lanes[] | [.name, .state]]]' "$STATE")"; fail=1; fi
xdotool key q
for _ in $(seq 100); do kill -0 "$PLAYER_PID" 2>/dev/null || break; sleep 0.1; done
wait "$PLAYER_PID" 2>/dev/null; PLAYER_PID=
exit $fail
