#!/usr/bin/env bash
# The "i" overlay's orange means something is wrong: the sample is 15 fps
# (a frame every 66.7 ms), and in normal play under a virtual X display no
# showing lane is orange. Read from the state file (sync_warn is the colour
# the overlay draws each lane in, sync_limit_ms the threshold it uses).
set -u
BIN=${SIGPLAY_BIN:?} SAMPLE=${SIGPLAY_SAMPLE_DIR:?}
TMP=${SIGPLAY_TEST_TMP:?}/sync_overlay_xvfb
rm -rf "$TMP" && mkdir -p "$TMP"
for tool in Xvfb xdotool jq; do
  command -v $tool >/dev/null || { echo "FAIL: $tool is missing (scripts/deps.sh installs it)"; exit 1; }
done
source "$SIGPLAY_SOURCE_DIR/tests/support/window.sh"
window_setup 1280x720
fail=0
player_start '.t_ms >= 0' 60 "$SAMPLE/replay.json" --start 10000
xdotool windowfocus --sync "$WID" 2>/dev/null || true
xdotool key --window "$WID" i
state_wait '.stats and ([.lanes[] | select(.state == "showing")] | length) == 3' 5 || true
samples=0 orange=0 limit_ok=0
for _ in $(seq 30); do
  sleep 0.15
  jq -e '.stats and .paused == false' "$STATE" >/dev/null 2>&1 || continue
  samples=$((samples + 1))
  o=$(jq '[.lanes[] | select(.state == "showing" and .sync_warn)] | length' "$STATE")
  [ "$o" -gt 0 ] && { orange=$((orange + 1)); echo "orange: $(jq -c '.lanes' "$STATE")"; }
  jq -e '[.lanes[] | select(.state == "showing") | .sync_limit_ms == 87] | all' "$STATE" \
    >/dev/null 2>&1 && limit_ok=$((limit_ok + 1))
done
proc_stop "$PLAYER_PID" || fail=1; PLAYER_PID=
if [ $samples -ge 10 ]; then echo "ok: $samples samples with the overlay on"; else echo "FAIL: only $samples samples"; fail=1; fi
if [ $orange -eq 0 ]; then echo "ok: no showing lane orange in normal play at 15 fps"
else echo "FAIL: a showing lane was orange in $orange of $samples samples"; fail=1; fi
if [ $limit_ok -eq $samples ]; then echo "ok: the threshold is one 15 fps interval + 20 ms (87 ms)"
else echo "FAIL: threshold not 87 ms in $((samples - limit_ok)) samples"; fail=1; fi
exit $fail
