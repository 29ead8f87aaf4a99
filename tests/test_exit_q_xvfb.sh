#!/usr/bin/env bash
# test_exit_q_xvfb.sh - `q` ends the process promptly while requests hang.
# The sample class is served by nginx on 127.0.0.1, its IM pages at one a
# minute (the rest wait in nginx's queue: page requests stay in flight for
# minutes) and its media at 32 KB/s (media downloads in flight). The window
# plays with sound on SDL's dummy driver; after its first picture and a
# second of playback, `q` must end the process within 3 s (a generous
# bound: this is no timing test, but code that waits for a request or a
# network timeout, tens of seconds, fails it) with exit status 0 or 1 (a
# warning), and the log must not say a transfer was left open.
set -u
BIN=${SIGPLAY_BIN:?} SAMPLE=${SIGPLAY_SAMPLE_DIR:?}
TMP=${SIGPLAY_TEST_TMP:?}/exit_q_xvfb
rm -rf "$TMP" && mkdir -p "$TMP"
for tool in Xvfb xdotool jq nginx curl; do
  command -v $tool >/dev/null || { echo "FAIL: $tool is missing (scripts/deps.sh installs it)"; exit 1; }
done
source "$SIGPLAY_SOURCE_DIR/tests/support/nginx.sh"
source "$SIGPLAY_SOURCE_DIR/tests/support/xvfb.sh"

XVFB_PID= PLAYER_PID=
cleanup() {
  [ -n "$PLAYER_PID" ] && { kill -9 "$PLAYER_PID" 2>/dev/null; wait "$PLAYER_PID" 2>/dev/null; }
  [ -n "$XVFB_PID" ] && proc_stop "$XVFB_PID"
  nginx_stop
  proc_stop_verdict
}
trap cleanup EXIT
fail=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fail=1; }

export NGINX_EXTRA_HTTP='limit_req_zone $binary_remote_addr zone=pages:1m rate=1r/m;'
export NGINX_EXTRA_SERVER='location /im/ { limit_req zone=pages burst=100; }
                           location /media/ { limit_rate 32k; }'
nginx_start "$SAMPLE" "$TMP/nginx" || { echo "FAIL: nginx"; exit 1; }
URL="http://127.0.0.1:$NGINX_PORT/replay.json"

xvfb_start 1280x720 "$TMP/xvfb.log" || { echo "FAIL: no virtual display"; exit 1; }
export SDL_VIDEODRIVER=x11 SDL_AUDIODRIVER=dummy

STATE=$TMP/state.json
wait_for() { # jq expression, tenths of a second
  for _ in $(seq "${2:-50}"); do jq -e "$1" "$STATE" >/dev/null 2>&1 && return 0; sleep 0.1; done
  return 1
}

for round in 1 2; do
  rm -f "$STATE"
  # round 2 finds the first bytes in the cache of round 1 and resumes them
  "$BIN" play "$URL" --cache-dir "$TMP/cache" --state-file "$STATE" >"$TMP/player$round.log" 2>&1 &
  PLAYER_PID=$!
  wait_for '.first_present_us > 0' 150 || { bad "round $round: no first picture"; cat "$TMP/player$round.log"; break; }
  jq -e '.board_loading == true' "$STATE" >/dev/null \
    && ok "round $round: pages still loading at the first picture" \
    || bad "round $round: the pages were all read (no request in flight): $(cat "$STATE")"
  window_find "$PLAYER_PID" && xdotool windowfocus --sync "$WID" 2>/dev/null
  sleep 1
  xdotool key q
  t0=$(date +%s%N)
  gone= ms=0
  while [ "$ms" -lt 3000 ]; do
    kill -0 "$PLAYER_PID" 2>/dev/null || { gone=1; break; }
    sleep 0.01
    ms=$(( ($(date +%s%N) - t0) / 1000000 ))
  done
  if [ -z "$gone" ]; then
    bad "round $round: still running $ms ms after q"
    kill -9 "$PLAYER_PID" 2>/dev/null
  else
    ok "round $round: exited $ms ms after q"
  fi
  wait "$PLAYER_PID"; rc=$?
  PLAYER_PID=
  [ -n "$gone" ] && { [ "$rc" -eq 0 ] || [ "$rc" -eq 1 ]; } && ok "round $round: exit status $rc" \
    || { [ -n "$gone" ] && bad "round $round: exit status $rc: $(tail -5 "$TMP/player$round.log")"; }
  if grep -q "still open at shutdown" "$TMP/player$round.log"; then
    bad "round $round: a transfer was left open: $(grep "still open" "$TMP/player$round.log" | head -2)"
  fi
done
exit $fail
