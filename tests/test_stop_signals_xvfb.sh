#!/usr/bin/env bash
# test_stop_signals_xvfb.sh - SIGTERM and SIGHUP to `sigplay play` with a
# window (test_stop_signals.sh covers headless play and export): the
# window closes, what the media downloads have received is kept in the
# cache (checkpointed at the exit), one line names the signal, and the
# exit status is 128+N, promptly: the loop looks for the signal at least
# every 100 ms, and the shutdown after it (SIGPLAY_LOG=debug's "shut down
# in") must take under a second; the process's exit is only bounded at
# 5 s, since a sanitizer's exit-time leak check alone takes a second or
# two on a loaded machine. Before, SIGTERM was SDL's quit (exit 0, no line) and
# SIGHUP killed the process (the bytes since the last checkpoint lost).
# SIGINT is left out: a background job of a script starts with it
# ignored, and an ignored signal stays ignored.
set -u
BIN=${SIGPLAY_BIN:?} SAMPLE=${SIGPLAY_SAMPLE_DIR:?}
TMP=${SIGPLAY_TEST_TMP:?}/stop_signals_xvfb
rm -rf "$TMP" && mkdir -p "$TMP"
for tool in Xvfb xdotool jq nginx curl; do
  command -v $tool >/dev/null || { echo "FAIL: $tool is missing (scripts/deps.sh installs it)"; exit 1; }
done
source "$SIGPLAY_SOURCE_DIR/tests/support/nginx.sh"
source "$SIGPLAY_SOURCE_DIR/tests/support/cache_bytes.sh"
source "$SIGPLAY_SOURCE_DIR/tests/support/window.sh"
fail=0
check() { if ! eval "$2"; then echo "FAIL: $1"; fail=1; else echo "ok: $1"; fi; }

mkdir -p "$TMP/www"
cp -r "$SAMPLE/replay.json" "$SAMPLE/im" "$TMP/www/"
ln -s "$SAMPLE/media" "$TMP/www/media"
# media trickle in (the whole class needs a minute), pages come at once
export NGINX_EXTRA_SERVER='location /media/ { limit_rate 64k; }'
nginx_start "$TMP/www" "$TMP/nginx" || { echo "FAIL: nginx"; exit 1; }
URL="http://127.0.0.1:$NGINX_PORT/replay.json"
window_setup 1280x720
trap 'nginx_stop; window_cleanup' EXIT
export SIGPLAY_LOG=debug # the shutdown's own time


for sig in TERM HUP; do
  n=$(kill -l "$sig")
  rm -rf "$TMP/cache" "$STATE"
  PLAYER_LOG=$TMP/player-$sig.log
  player_start '.first_present_us > 0' 60 "$URL" --no-audio --cache-dir "$TMP/cache"
  t=0
  while [ "$(cache_on_disk "$TMP/cache")" -eq 0 ] && [ $t -lt 100 ]; do sleep 0.1; t=$((t + 1)); done
  sleep 0.5
  kill -s "$sig" "$PLAYER_PID"
  t0=$(date +%s%N) ms=0 gone=
  while [ "$ms" -lt 5000 ]; do
    kill -0 "$PLAYER_PID" 2>/dev/null || { gone=1; break; }
    sleep 0.01
    ms=$(( ($(date +%s%N) - t0) / 1000000 ))
  done
  [ -n "$gone" ] || kill -KILL "$PLAYER_PID" 2>/dev/null
  wait "$PLAYER_PID"
  rc=$?
  PLAYER_PID=
  check "SIG$sig: the window closed and the process ended ($ms ms)" '[ -n "$gone" ] && [ "$ms" -lt 5000 ]'
  us=$(grep -o 'play: debug: shut down in [0-9]*' "$PLAYER_LOG" | grep -o '[0-9]*$')
  check "SIG$sig: shut down in ${us:-?} us after the loop left" '[ -n "$us" ] && [ "$us" -lt 1000000 ]'
  check "SIG$sig: exit $((128 + n)) (got $rc)" '[ "$rc" -eq $((128 + n)) ]'
  check "SIG$sig: one line naming the signal" \
    '[ "$(grep -c "play: stopped by signal $n" "$PLAYER_LOG")" -eq 1 ]'
  check "SIG$sig: every media byte received is kept ($(cache_held "$TMP/cache") of $(cache_on_disk "$TMP/cache"))" \
    '[ "$(cache_held "$TMP/cache")" -gt 0 ] && [ "$(cache_held "$TMP/cache")" -eq "$(cache_on_disk "$TMP/cache")" ]'
  [ "$fail" -eq 0 ] || cat "$PLAYER_LOG"
done
exit $fail
