#!/usr/bin/env bash
# The 1 key mutes lane 1, heard at the audio device: the window plays the
# sample class with SDL's disk audio driver (the device's output written to
# a file, in real time), and the output's level of each lane's tone
# (docs/sample-class.md: teacher_01 220 Hz, student_02 330 Hz) is measured
# before and after the key: lane 1's tone goes, lane 2's stays; 1 again
# brings it back. The state file says the same (lanes[].muted).
set -u
BIN=${SIGPLAY_BIN:?} SAMPLE=${SIGPLAY_SAMPLE_DIR:?} SRC=${SIGPLAY_SOURCE_DIR:?}
TMP=${SIGPLAY_TEST_TMP:?}/lane_mute_audio
rm -rf "$TMP" && mkdir -p "$TMP"
for tool in Xvfb xdotool jq; do
  command -v $tool >/dev/null || { echo "FAIL: $tool is missing"; exit 1; }
done
source "$SRC/tests/support/window.sh"
window_setup 1280x720
RAW=$TMP/out.raw
# the disk driver instead of window_setup's dummy one
export SDL_AUDIODRIVER=disk SDL_DISKAUDIOFILE=$RAW

fail=0
ok() { echo "ok: $1"; }
bad() { echo "FAIL: $1"; fail=1; }
wait_for() { state_wait "$1" 10; }
size() { stat -c %s "$RAW" 2>/dev/null || echo 0; }
SEC=$((48000 * 8)) # bytes per second: 48 kHz, stereo float32
level() { /usr/bin/python3 "$SRC/tests/support/tone_level.py" "$RAW" "$1" "$2" 220 330; }
# waits until the device has written at least $1 more bytes (bounded: 30 s)
grow() { local want=$(( $(size) + $1 )); for _ in $(seq 300); do [ "$(size)" -ge $want ] && return 0; sleep 0.1; done; return 1; }

"$BIN" probe "$SAMPLE/replay.json" --json >"$TMP/probe.json" 2>/dev/null
tone() { jq -r --arg u "$(jq -r ".lanes[$1].user_id" "$TMP/probe.json")" \
  '[.segments[] | select(.user_id == $u) | .tone_hz] | first' "$SAMPLE/truth.json"; }
[ "$(tone 0)" = 220 ] && [ "$(tone 1)" = 330 ] \
  || { echo "FAIL: lanes 1 and 2 of the sample do not have the 220/330 Hz tones: $(tone 0) $(tone 1)"; exit 1; }
# from 12 s both cameras are on (student_02 joins at 8 s)
player_start '.paused == false and .t_ms >= 12000' 10 "$SAMPLE/replay.json" --start 12s
grow $SEC || { echo "FAIL: the disk audio driver writes nothing ($(size) bytes)"; exit 1; }
a=$(size); read -r on220 on330 < <(level $((a - SEC)) "$a")
echo "  before (t $(jq .t_ms "$STATE") ms): 220 Hz $on220, 330 Hz $on330"
xdotool key --window "$WID" 1
wait_for '.lanes[0].muted == true' && ok "1: the state file says lane 1 is muted" || bad "1: $(jq -c '[.lanes[].muted]' "$STATE")"
# what the device had queued when the key came (two buffers) plays out first: skip 0.5 s
b=$(size); grow $((SEC / 2 + SEC)); c=$(size)
read -r off220 off330 < <(level $((b + SEC / 2)) "$c")
echo "  after 1 (t $(jq .t_ms "$STATE") ms):  220 Hz $off220, 330 Hz $off330"
# levels are compared with the other lane's in the same stretch: on a loaded
# machine the device may be fed silence for a moment (both tones drop then)
awk -v a="$on220" -v b="$on330" 'BEGIN { exit !(a > 0.005 && b > 0.005 && a > b * 0.5) }' \
  && ok "before: both tones are heard" || bad "before: 220 Hz $on220, 330 Hz $on330"
awk -v a="$off220" -v b="$off330" 'BEGIN { exit !(b > 0.003 && a < b * 0.05) }' \
  && ok "after 1: lane 1's tone (220 Hz) is gone from the output, lane 2's (330 Hz) is still heard" \
  || bad "after 1: 220 Hz $off220, 330 Hz $off330"
xdotool key --window "$WID" 1
wait_for '.lanes[0].muted == false' || bad "1 again: $(jq -c '[.lanes[].muted]' "$STATE")"
b=$(size); grow $((SEC / 2 + SEC)); c=$(size)
read -r back220 back330 < <(level $((b + SEC / 2)) "$c")
echo "  1 again:  220 Hz $back220, 330 Hz $back330"
awk -v a="$back220" -v b="$back330" 'BEGIN { exit !(a > 0.005 && a > b * 0.5) }' \
  && ok "1 again brings lane 1's tone back" || bad "after unmuting: 220 Hz $back220, 330 Hz $back330"

xdotool key --window "$WID" q
for _ in $(seq 50); do kill -0 "$PLAYER_PID" 2>/dev/null || break; sleep 0.1; done
exit $fail
