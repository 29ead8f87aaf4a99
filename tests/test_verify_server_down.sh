#!/usr/bin/env bash
# verify judges the server, not the cache: serve the sample over HTTP,
# fetch it, stop the server. verify URL then warns per file (exit 1) when
# the cached copy is complete and valid, and errs (exit 2) when it is not;
# --offline checks the cached copy alone (exit 0). fetch of a copy whose
# media is shorter than its VideoSize is a warning naming it (exit 1).
set -u
source "$SIGPLAY_SOURCE_DIR/tests/support/nginx.sh"
W=$(mktemp -d "$SIGPLAY_TEST_TMP/verify-down.XXXXXX")
trap 'nginx_stop; rm -rf "$W"' EXIT
fail=0
check() { if ! eval "$2"; then echo "FAIL: $1"; fail=1; else echo "ok: $1"; fi; }
nmedia=$(ls "$SIGPLAY_SAMPLE_DIR"/media/*.mp4 | wc -l)

cp -r "$SIGPLAY_SAMPLE_DIR" "$W/site"
nginx_start "$W/site" "$W/nginx" || { echo "FAIL: nginx"; exit 1; }
URL="http://127.0.0.1:$NGINX_PORT/replay.json"
"$SIGPLAY_BIN" fetch "$URL" --cache-dir "$W/c" >/dev/null 2>"$W/err"
rc=$?
check "fetch over http exits 0 (got $rc)" '[ $rc -eq 0 ]'
"$SIGPLAY_BIN" verify "$URL" --cache-dir "$W/c" --quick >"$W/up.txt" 2>&1
rc=$?
check "verify with the server up exits 0 (got $rc)" '[ $rc -eq 0 ]'

nginx_stop
"$SIGPLAY_BIN" verify "$URL" --cache-dir "$W/c" --quick --json "$W/down.json" >"$W/down.txt" 2>&1
rc=$?
check "verify with the server down, cache complete: exit 1 (got $rc)" '[ $rc -eq 1 ]'
check "the report does not say OK" '! grep -q "OK (exit 0)" "$W/down.txt"'
n=$(jq '[.findings[] | select(.code == "media.server_unreachable" and .severity == "warning")] | length' "$W/down.json")
check "one warning per media file ($n of $nmedia)" '[ "$n" = "$nmedia" ]'
check "the manifest's own warning" \
    'jq -e "[.findings[] | select(.code == \"manifest.unreachable\" and .severity == \"warning\")] | length == 1" "$W/down.json" >/dev/null'
check "each names its file" \
    'jq -e "[.findings[] | select(.code == \"media.server_unreachable\") | .message | test(\"/media/[a-z_0-9-]+\\\\.mp4: \")] | all" "$W/down.json" >/dev/null'

"$SIGPLAY_BIN" verify "$URL" --cache-dir "$W/c" --quick --offline >"$W/off.txt" 2>&1
rc=$?
check "verify --offline with the cache complete: exit 0 (got $rc)" '[ $rc -eq 0 ]'

# a cached copy that is not complete: the server down is an error
key=$(printf '%s' "http://127.0.0.1:$NGINX_PORT/media/teacher_01-1.mp4" | sha256sum | cut -d' ' -f1)
check "the media file is in the cache" '[ -f "$W/c/$key.data" ]'
rm -f "$W/c/$key.data" "$W/c/$key.json"
"$SIGPLAY_BIN" verify "$URL" --cache-dir "$W/c" --quick --json "$W/down2.json" >/dev/null 2>&1
rc=$?
check "verify with the server down, a file not cached: exit 2 (got $rc)" '[ $rc -eq 2 ]'
check "that file is the error" \
    'jq -e "[.findings[] | select(.severity == \"error\") | .message | test(\"teacher_01-1.mp4\")] | any" "$W/down2.json" >/dev/null'
"$SIGPLAY_BIN" verify "$URL" --cache-dir "$W/c" --quick --offline >/dev/null 2>&1
rc=$?
check "verify --offline, a file not cached: exit 2 (got $rc)" '[ $rc -eq 2 ]'

# fetch: a file shorter than its VideoSize, local and over HTTP
cp -r "$SIGPLAY_SAMPLE_DIR" "$W/short"
truncate -s 300000 "$W/short/media/teacher_01-1.mp4"
"$SIGPLAY_BIN" fetch "$W/short/replay.json" >"$W/f.out" 2>"$W/f.err"
rc=$?
check "fetch of a local copy with a truncated file exits 1 (got $rc)" '[ $rc -eq 1 ]'
check "the warning names the file and both sizes" \
    'grep -q "warning: .*teacher_01-1.mp4: 300000 bytes, but the recording says [0-9]* (VideoSize)" "$W/f.err"'
check "only that file" '[ "$(grep -c warning "$W/f.err")" = 1 ]'
nginx_start "$W/short" "$W/nginx2" || { echo "FAIL: nginx"; exit 1; }
"$SIGPLAY_BIN" fetch "http://127.0.0.1:$NGINX_PORT/replay.json" --cache-dir "$W/c3" \
    >"$W/f.out" 2>"$W/f.err"
rc=$?
check "fetch over http of a short file exits 1 (got $rc)" '[ $rc -eq 1 ]'
check "the warning names it" 'grep -q "warning: .*teacher_01-1.mp4: 300000 bytes" "$W/f.err"'
"$SIGPLAY_BIN" fetch "$SIGPLAY_SAMPLE_DIR/replay.json" >/dev/null 2>"$W/f.err"
rc=$?
check "fetch of the intact sample exits 0 (got $rc)" '[ $rc -eq 0 ]'
exit $fail
