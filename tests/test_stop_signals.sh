#!/usr/bin/env bash
# test_stop_signals.sh - SIGTERM, SIGINT or SIGHUP during `play --headless`
# or `export` of a remote class ends it cleanly: one line naming the
# signal, exit 128+N, no partial export left, and what the media downloads
# had received is kept in the cache (checkpointed at the exit), where the
# default action would have thrown it away.
set -u
source "$SIGPLAY_SOURCE_DIR/tests/support/nginx.sh"
source "$SIGPLAY_SOURCE_DIR/tests/support/cache_bytes.sh"
W=$(mktemp -d "$SIGPLAY_TEST_TMP/stop-signals.XXXXXX")
trap 'nginx_stop; rm -rf "$W"' EXIT
fail=0
check() { if ! eval "$2"; then echo "FAIL: $1"; fail=1; else echo "ok: $1"; fi; }
S="$SIGPLAY_SAMPLE_DIR"
[ -f "$S/replay.json" ] || { echo "FAIL: no sample class in $S"; exit 1; }
mkdir -p "$W/www"
cp -r "$S/replay.json" "$S/im" "$W/www/"
ln -s "$S/media" "$W/www/media"
# media trickle in (the whole class needs a minute), pages come at once
export NGINX_EXTRA_SERVER='location /media/ { limit_rate 64k; }'
nginx_start "$W/www" "$W/nginx" || { echo "FAIL: nginx"; exit 1; }
url="http://127.0.0.1:$NGINX_PORT/replay.json"


# run_stopped SIGNAL CMD...: starts sigplay, waits until media bytes flow,
# sends SIGNAL; sets rc and $W/err
run_stopped() {
    local sig=$1
    shift
    # a background job of a script starts with SIGINT ignored: reset it
    /usr/bin/python3 -c 'import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
os.execv(sys.argv[1], sys.argv[1:])' "$SIGPLAY_BIN" "$@" >"$W/out" 2>"$W/err" &
    local pid=$!
    # until media bytes are on disk (a loaded machine takes longer to start)
    local t=0
    while [ "$(cache_on_disk "$W/cache")" -eq 0 ] && [ $t -lt 300 ] && kill -0 $pid 2>/dev/null; do
        sleep 0.1
        t=$((t + 1))
    done
    sleep 1
    kill -s "$sig" $pid
    local waited=0
    while kill -0 $pid 2>/dev/null && [ $waited -lt 300 ]; do sleep 0.1; waited=$((waited + 1)); done
    kill -0 $pid 2>/dev/null && { kill -KILL $pid; echo "FAIL: still running 30 s after $sig"; fail=1; }
    wait $pid
    rc=$?
}

for sig in TERM INT HUP; do
    n=$(kill -l "$sig")
    rm -rf "$W/cache"
    run_stopped "$sig" play "$url" --headless --speed 1 --no-audio --cache-dir "$W/cache"
    check "play, SIG$sig: exit $((128 + n)) (got $rc)" '[ "$rc" -eq $((128 + n)) ]'
    check "play, SIG$sig: one line naming the signal" \
      '[ "$(grep -c "play: stopped by signal $n" "$W/err")" -eq 1 ]'
    check "play, SIG$sig: every media byte received is kept ($(cache_held "$W/cache") of $(cache_on_disk "$W/cache"))" \
      '[ "$(cache_held "$W/cache")" -gt 0 ] && [ "$(cache_held "$W/cache")" -eq "$(cache_on_disk "$W/cache")" ]'
done

rm -rf "$W/cache"
run_stopped TERM export "$url" -o "$W/out.mp4" --cache-dir "$W/cache"
check "export, SIGTERM: exit 143 (got $rc)" '[ "$rc" -eq 143 ]'
check "export, SIGTERM: one line naming the signal" \
  '[ "$(grep -c "export: stopped by signal 15" "$W/err")" -eq 1 ]'
check "export, SIGTERM: no partial file left" '[ ! -e "$W/out.mp4" ]'
check "export, SIGTERM: every media byte received is kept ($(cache_held "$W/cache") of $(cache_on_disk "$W/cache"))" \
  '[ "$(cache_held "$W/cache")" -gt 0 ] && [ "$(cache_held "$W/cache")" -eq "$(cache_on_disk "$W/cache")" ]'
exit $fail
