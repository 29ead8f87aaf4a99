#!/usr/bin/env bash
# Board batches delivered as files (REPLAY-FORMAT.md section 4: a
# TIMFileElem whose FileName is TXWhiteBoardExt, its Url relative to the
# page): the sample class with every stroke-carrying batch moved out of its
# custom message into such a file draws exactly the same board, from disk
# and over HTTP; verify counts the file-borne batches; fetch downloads them
# (the class then draws the same board with the server gone); when the files are
# gone (404 over HTTP), each is one warning naming its MsgSeq and URL, the
# strokes they held are missing and the rest of the board still draws.
set -euo pipefail
source "$SIGPLAY_SOURCE_DIR/tests/support/nginx.sh"
source "$SIGPLAY_SOURCE_DIR/tests/support/file_batches.sh"
BIN="$SIGPLAY_BIN"
SAMPLE="$SIGPLAY_SAMPLE_DIR"
W="$SIGPLAY_TEST_TMP/file_batches"
rm -rf "$W"
mkdir -p "$W"
trap 'nginx_stop 2>/dev/null || true' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

fb_make "$SAMPLE" "$W/files"
moved=$FB_MOVED
[ "$moved" -gt 5 ] || fail "only $moved batches moved"
! grep -q '"stroke.begin' "$W/files"/im/*.json || fail "strokes left in the pages"

same_png() { compare -metric AE "$1" "$2" null: 2>&1 | awk '{ exit ($1 + 0 == 0) ? 0 : 1 }'; }
differs() { ! same_png "$1" "$2"; }

# 1. from disk: every probe time shows the board the custom messages draw
for T in 5000 20000 45000 59000; do
  "$BIN" render "$SAMPLE/replay.json" --at "$T" -o "$W/want-$T.png" --cache-dir "$W/c0" \
    2>/dev/null || [ $? -eq 1 ] || fail "render sample at $T"
  "$BIN" render "$W/files/replay.json" --at "$T" -o "$W/local-$T.png" --cache-dir "$W/c1" \
    2>"$W/local.err" || [ $? -eq 1 ] || fail "render (files) at $T: $(cat "$W/local.err")"
  same_png "$W/want-$T.png" "$W/local-$T.png" || fail "local: board at $T differs"
  ! grep -q "board batch file" "$W/local.err" || fail "local: $(cat "$W/local.err")"
done
# the moved strokes are visible at all: without the files the board differs
"$BIN" verify "$W/files/replay.json" --quick --json "$W/v.json" >/dev/null 2>&1 || true
[ "$(jq .messages.file_batches "$W/v.json")" -eq "$moved" ] \
  || fail "verify: file_batches $(jq .messages.file_batches "$W/v.json"), want $moved"
[ "$(jq .messages.file_batches_failed "$W/v.json")" -eq 0 ] || fail "verify: failures"

# 2. over HTTP, through the download cache
nginx_start "$W/files" "$W/nginx" || fail "nginx"
URL="http://127.0.0.1:$NGINX_PORT/replay.json"
for T in 20000 45000; do
  "$BIN" render "$URL" --at "$T" -o "$W/http-$T.png" --cache-dir "$W/c2" 2>"$W/http.err" \
    || [ $? -eq 1 ] || fail "render over HTTP at $T: $(cat "$W/http.err")"
  same_png "$W/want-$T.png" "$W/http-$T.png" || fail "http: board at $T differs"
done
ls "$W/c2" >/dev/null || fail "no cache"

# 2b. sigplay fetch lists and downloads the batch files, so the class plays
# offline: with the server gone, the cached class draws the same board
"$BIN" fetch "$URL" --cache-dir "$W/c5" >"$W/fetch.out" 2>"$W/fetch.err" \
  || fail "fetch: $(cat "$W/fetch.err")"
# each file once, though a message on two pages' boundary names it twice
files=$(ls "$W/files/board" | wc -l)
grep -q " $files board files," "$W/fetch.out" \
  || fail "fetch: not $files board files: $(cat "$W/fetch.out")"
nginx_stop
"$BIN" render "$URL" --at 45000 -o "$W/offline.png" --cache-dir "$W/c5" 2>"$W/off.err" \
  || [ $? -eq 1 ] || fail "render offline after fetch: $(cat "$W/off.err")"
same_png "$W/want-45000.png" "$W/offline.png" || fail "offline: board at 45000 differs"
! grep -q "board batch file" "$W/off.err" || fail "offline: $(cat "$W/off.err")"
nginx_start "$W/files" "$W/nginx" || fail "nginx again"
URL="http://127.0.0.1:$NGINX_PORT/replay.json"

# 3. the files gone (404): one warning per batch naming MsgSeq and URL; the
# rest of the board (shapes, text, pages) still draws
rm -r "$W/files/board"
"$BIN" render "$URL" --at 45000 -o "$W/gone.png" --cache-dir "$W/c3" 2>"$W/gone.err" \
  && fail "render with missing batch files exits 0"
n=$(grep -c "MsgSeq [0-9]*: board batch file http://127.0.0.1:$NGINX_PORT/board/batch-[0-9]*.json: .*its operations are missing" "$W/gone.err" || true)
[ "$n" -ge 1 ] || fail "no warning naming MsgSeq and URL: $(head -3 "$W/gone.err")"
# warnings are one line each, at most one per moved batch
[ "$n" -le "$moved" ] || fail "$n warnings for $moved batches"
differs "$W/want-45000.png" "$W/gone.png" || fail "the moved strokes are drawn without files"
"$BIN" fetch "$URL" --cache-dir "$W/c6" >"$W/fetch2.out" 2>"$W/fetch2.err" \
  && fail "fetch with missing batch files exits 0"
grep -q "board/batch-[0-9]*.json" "$W/fetch2.err" || fail "fetch names no batch file: $(head -3 "$W/fetch2.err")"
"$BIN" verify "$URL" --quick --json "$W/v2.json" --cache-dir "$W/c4" >/dev/null 2>&1 || true
[ "$(jq .messages.file_batches_failed "$W/v2.json")" -eq "$moved" ] \
  || fail "verify: file_batches_failed $(jq .messages.file_batches_failed "$W/v2.json")"
echo "ok: $moved batches moved to files"
