#!/usr/bin/env bash
# test_play_remote.sh - `sigplay play` of the sample class served over HTTP
# (nginx on 127.0.0.1): the media goes through the download cache and the
# max-speed trace is frame for frame the trace of the local files; every
# media file ends up in the cache byte for byte; with the server gone the
# same URL plays again from the cache alone.
set -u
source "$SIGPLAY_SOURCE_DIR/tests/support/nginx.sh"
W=$(mktemp -d "$SIGPLAY_TEST_TMP/play-remote.XXXXXX")
trap 'nginx_stop; rm -rf "$W"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

nginx_start "$SIGPLAY_SAMPLE_DIR" "$W/nginx" || fail "nginx"
URL="http://127.0.0.1:$NGINX_PORT/replay.json"

"$SIGPLAY_BIN" play "$SIGPLAY_SAMPLE_DIR/replay.json" --headless --max-speed --trace "$W/local.tsv" \
    2>"$W/local.err" || [ $? -eq 1 ] || fail "local play: $(cat "$W/local.err")"
"$SIGPLAY_BIN" play "$URL" --headless --max-speed --cache-dir "$W/c" --trace "$W/remote.tsv" \
    2>"$W/remote.err" || [ $? -eq 1 ] || fail "remote play: $(cat "$W/remote.err")"
# same frames at the same t (w differs only in the source's name: no)
lines=$(grep -vc '^#' "$W/remote.tsv")
[ "$lines" -ge 900 ] || fail "remote: only $lines presented frames"
cmp -s <(grep -v '^#' "$W/local.tsv") <(grep -v '^#' "$W/remote.tsv") \
    || fail "remote play shows other frames than local play"

for f in "$SIGPLAY_SAMPLE_DIR"/media/*.mp4; do
    rel=${f#"$SIGPLAY_SAMPLE_DIR"/}
    key=$(printf '%s' "http://127.0.0.1:$NGINX_PORT/$rel" | sha256sum | cut -d' ' -f1)
    [ -f "$W/c/$key.data" ] || fail "$rel not in the cache"
    [ "$(sha256sum <"$W/c/$key.data")" = "$(sha256sum <"$f")" ] || fail "$rel differs in the cache"
done

# a media file the server does not have (404): one line that says so, the
# lane a placeholder, everything else plays
cp -r "$SIGPLAY_SAMPLE_DIR" "$W/gone"
rm "$W/gone/media/student_02-1.mp4"
nginx_stop
nginx_start "$W/gone" "$W/nginx2" || fail "nginx (second)"
"$SIGPLAY_BIN" play "http://127.0.0.1:$NGINX_PORT/replay.json" --headless --max-speed \
    --no-cache --no-audio --trace "$W/gone.tsv" 2>"$W/gone.err"
rc=$?
[ $rc -eq 1 ] || fail "404: exit $rc, want 1 (warnings): $(cat "$W/gone.err")"
[ "$(grep -c 'student_02-1.mp4' "$W/gone.err")" -eq 1 ] \
    || fail "404: want one line about the missing file: $(cat "$W/gone.err")"
grep 'student_02-1.mp4' "$W/gone.err" | grep -q "student_02: .*404" \
    || fail "404: the line does not name lane and status: $(cat "$W/gone.err")"
awk -F'\t' '!/^#/ && $1 + 0 > 31000 && ($4 != "-" || $3 == "-") { exit 1 }' "$W/gone.tsv" \
    || fail "404: the lane is not a placeholder or the teacher stopped"
nginx_stop

# the server gone: from the cache alone
"$SIGPLAY_BIN" play "$URL" --headless --max-speed --cache-dir "$W/c" --trace "$W/offline.tsv" \
    2>"$W/offline.err" || [ $? -eq 1 ] || fail "offline play: $(cat "$W/offline.err")"
cmp -s <(grep -v '^#' "$W/local.tsv") <(grep -v '^#' "$W/offline.tsv") \
    || fail "offline play shows other frames: $(cat "$W/offline.err")"
echo "ok: $lines frames, remote and offline as local"
