#!/usr/bin/env bash
# Kiosk mode over HTTP keeps looping from the cache when the network drops:
# a short class (4 s, generated) served by nginx on 127.0.0.1 plays in a
# window under a virtual X display with --kiosk; after the first pass the
# media are complete in the cache and the server is stopped; the player
# must wrap around at least twice more, the lanes showing decoded frames
# (not their name tiles) in each pass, all read back from --state-file.
# Then --loop alone (no kiosk) wraps around too. About 25 s.
set -u
BIN=${SIGPLAY_BIN:?}
TMP=${SIGPLAY_TEST_TMP:?}/play_kiosk_offline
rm -rf "$TMP" && mkdir -p "$TMP"
for tool in Xvfb jq nginx curl; do
  command -v $tool >/dev/null || { echo "FAIL: $tool is missing (scripts/deps.sh installs it)"; exit 1; }
done
source "$SIGPLAY_SOURCE_DIR/tests/support/nginx.sh"

MKCLASS="$(dirname "$BIN")/sigplay-mkclass"
"$MKCLASS" -q -o "$TMP/class" --duration-ms 4000 --size 160x90 --fps 10 --pause-ms 2000 \
  --ops 100 --chat 9 || { echo "FAIL: mkclass"; exit 1; }


XVFB_PID= PLAYER_PID=
cleanup() {
  [ -n "$PLAYER_PID" ] && proc_stop "$PLAYER_PID"
  [ -n "$XVFB_PID" ] && proc_stop "$XVFB_PID"
  nginx_stop
  proc_stop_verdict
}
trap cleanup EXIT

source "$SIGPLAY_SOURCE_DIR/tests/support/xvfb.sh"
xvfb_start 640x480 "$TMP/xvfb.log" || { echo "FAIL: no virtual display"; exit 1; }
export SDL_VIDEODRIVER=x11 SDL_AUDIODRIVER=dummy

nginx_start "$TMP/class" "$TMP/nginx" || { echo "FAIL: nginx"; exit 1; }
URL="http://127.0.0.1:$NGINX_PORT/replay.json"
STATE=$TMP/state.json
fail=0

# Samples the state file every 100 ms until `passes` wrap-arounds (t going
# back by more than a second) or `secs` seconds; appends
# "pass t_ms lane0_state lane0_active ..." lines to $SAMPLES.
# Leaves the number of wraps in WRAPS.
watch_passes() { # passes secs
  WRAPS=0
  local prev=-1 t line
  for _ in $(seq $(($2 * 10))); do
    line=$(jq -r '[.t_ms, (.lanes[] | .state, .active)] | map(tostring) | join(" ")' "$STATE" \
      2>/dev/null) || { sleep 0.1; continue; }
    [ -n "$line" ] || { sleep 0.1; continue; }
    t=${line%% *}
    if [ "$prev" -ge 0 ] && [ "$t" -lt $((prev - 1000)) ]; then
      WRAPS=$((WRAPS + 1))
      [ $WRAPS -ge $1 ] && return 0
    fi
    prev=$t
    echo "$WRAPS $line" >>"$SAMPLES"
    sleep 0.1
  done
  return 1
}

start_player() { # log, options...
  LOG=$TMP/$1.log
  shift
  rm -f "$STATE"
  "$BIN" play "$@" --state-file "$STATE" >"$LOG" 2>&1 &
  PLAYER_PID=$!
  for _ in $(seq 100); do jq -e '.t_ms >= 0' "$STATE" >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "FAIL: no state file"; cat "$LOG"; exit 1
}

# ---- kiosk over HTTP, then offline -------------------------------------------
SAMPLES=$TMP/online.txt
start_player kiosk "$URL" --kiosk --cache-dir "$TMP/cache"
watch_passes 1 15 && echo "ok: kiosk: the first pass wrapped around" \
  || { echo "FAIL: kiosk: no wrap-around in 15 s"; cat "$LOG"; exit 1; }
# every media file of the class is complete in the cache
for f in "$TMP/class"/media/*.mp4; do
  rel=${f#"$TMP/class"/}
  key=$(printf '%s' "http://127.0.0.1:$NGINX_PORT/$rel" | sha256sum | cut -d' ' -f1)
  cmp -s "$f" "$TMP/cache/$key.data" || { echo "FAIL: $rel not complete in the cache"; fail=1; }
done
nginx_stop
curl -s -o /dev/null --max-time 1 "$URL" && { echo "FAIL: the server still answers"; exit 1; }
log_lines=$(wc -l <"$LOG")
SAMPLES=$TMP/offline.txt
watch_passes 3 20 && echo "ok: kiosk: wrapped around $WRAPS times more with the server gone" \
  || { echo "FAIL: kiosk offline: $WRAPS wrap-arounds in 20 s"; fail=1; }
kill -0 "$PLAYER_PID" 2>/dev/null && echo "ok: kiosk still running" || { echo "FAIL: kiosk exited"; fail=1; }
# passes 1 and 2 were played entirely without the server (pass 0 began
# before the wrap was seen): in each, every lane showed decoded frames
# while its segment was active; the teacher's camera and screen, which
# have a frame at every t, rarely show their tile there (it can show for a
# step after the loop's seek to 0; the student's first frame comes a
# little after its segment starts, so its tile is expected for a while)
for pass in 1 2; do
  for lane in 0 1 2; do
    s=$((3 + 2 * lane)) a=$((4 + 2 * lane))
    showing=$(awk -v p=$pass -v s=$s -v a=$a '$1 == p && $a == "true" && $s == "showing"' \
      "$SAMPLES" | wc -l)
    tiles=$(awk -v p=$pass -v s=$s -v a=$a '$1 == p && $a == "true" && $s == "placeholder"' \
      "$SAMPLES" | wc -l)
    if [ "$showing" -ge 3 ] && { [ $lane -eq 1 ] || [ "$tiles" -le $((showing / 4)) ]; }; then
      echo "ok: offline pass $pass lane $lane: $showing samples with frames, $tiles with the tile"
    else
      echo "FAIL: offline pass $pass lane $lane: $showing samples with frames, $tiles with the tile"
      fail=1
    fi
  done
done
tail -n +$((log_lines + 1)) "$LOG" | grep -i "error\|fail\|cannot\|refused" \
  && { echo "FAIL: the player complained offline"; fail=1; }
proc_stop "$PLAYER_PID" || fail=1; PLAYER_PID=

# ---- --loop alone -------------------------------------------------------------
SAMPLES=$TMP/loop.txt
start_player loop "$TMP/class/replay.json" --loop --start 2500
watch_passes 1 10 && echo "ok: --loop wraps around at the end" || { echo "FAIL: --loop: no wrap"; fail=1; }
jq -e '.paused == false and .ended == false and .osd_alpha >= 0' "$STATE" >/dev/null \
  && echo "ok: --loop plays on" || { echo "FAIL: --loop stopped: $(cat "$STATE")"; fail=1; }
proc_stop "$PLAYER_PID" || fail=1; PLAYER_PID=

exit $fail
