#!/usr/bin/env bash
# test_fetch_cli.sh - `sigplay fetch` against nginx on 127.0.0.1 serving the
# sample class (manifest, pages, media, page and chat images): HTTP, HTTPS
# with a self-signed certificate (refused by default, accepted with --ca-file
# or --insecure), a 404, and a second run with the server gone (everything
# comes from the cache).
set -u
source "$SIGPLAY_SOURCE_DIR/tests/support/nginx.sh"
W=$(mktemp -d "$SIGPLAY_TEST_TMP/fetch-cli.XXXXXX")
trap 'nginx_stop; rm -rf "$W"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

openssl req -x509 -newkey rsa:2048 -nodes -keyout "$W/key.pem" -out "$W/cert.pem" -days 2 \
    -subj /CN=127.0.0.1 -addext "subjectAltName=IP:127.0.0.1" 2>/dev/null \
    || fail "openssl could not make a certificate"
nginx_start "$SIGPLAY_SAMPLE_DIR" "$W/nginx" "$W/cert.pem" "$W/key.pem" || fail "nginx"
HTTP="http://127.0.0.1:$NGINX_PORT"
HTTPS="https://127.0.0.1:$NGINX_TLS_PORT"

# plain HTTP: everything cached, byte for byte
"$SIGPLAY_BIN" fetch "$HTTP/replay.json" --cache-dir "$W/c1" >"$W/out" 2>"$W/err" \
    || fail "fetch over http: $(cat "$W/err")"
grep -q "^fetched" "$W/out" || fail "no summary line"
n=0
for f in "$SIGPLAY_SAMPLE_DIR"/media/*.mp4 "$SIGPLAY_SAMPLE_DIR"/im/*.json \
         "$SIGPLAY_SAMPLE_DIR"/replay.json; do
    rel=${f#"$SIGPLAY_SAMPLE_DIR"/}
    key=$(printf '%s' "$HTTP/$rel" | sha256sum | cut -d' ' -f1)
    [ -f "$W/c1/$key.data" ] || fail "$rel not in the cache"
    [ "$(sha256sum <"$W/c1/$key.data")" = "$(sha256sum <"$f")" ] || fail "$rel differs"
    n=$((n + 1))
done
[ $n -ge 8 ] || fail "too few files checked ($n)"

# the images the pages refer to (whiteboard page images, every size of every
# chat image; relative to the manifest), each cached byte for byte, and the
# files truth.json says the generator wrote are exactly those
jq -r '.RspMsgList[]? | select((.IsPlaceMsg // 0) != 1) | .MsgBody[]? |
    if .MsgType == "TIMImageElem" then (.MsgContent.ImageInfoArray[]?.URL // empty)
    elif .MsgType == "TIMCustomElem" and .MsgContent.Ext == "TXWhiteBoardExt" then
        (.MsgContent.Data | fromjson | .ops[]? | .image // empty)
    else empty end' "$SIGPLAY_SAMPLE_DIR"/im/*.json | sort -u >"$W/images.txt" \
    || fail "jq could not read the pages"
jq -r '.images[].file' "$SIGPLAY_SAMPLE_DIR/truth.json" | sort -u >"$W/truth-images.txt"
[ -s "$W/images.txt" ] || fail "the sample pages refer to no image"
cmp -s "$W/images.txt" "$W/truth-images.txt" \
    || fail "pages and truth.json disagree on images: $(paste -sd' ' "$W/images.txt")"
ni=$(wc -l <"$W/images.txt")
while read -r rel; do
    key=$(printf '%s' "$HTTP/$rel" | sha256sum | cut -d' ' -f1)
    [ -f "$W/c1/$key.data" ] || fail "image $rel not in the cache"
    cmp -s "$W/c1/$key.data" "$SIGPLAY_SAMPLE_DIR/$rel" || fail "image $rel differs"
done <"$W/images.txt"
grep -q " $ni images;" "$W/out" || fail "summary does not count $ni images: $(cat "$W/out")"
ls "$W/c1" | grep -vq '^[0-9a-f]\{64\}\.\(data\|json\|lock\)$' && fail "unexpected cache file names"

# HTTPS, self-signed: refused by default with one line, then accepted
"$SIGPLAY_BIN" fetch "$HTTPS/replay.json" --cache-dir "$W/c2" >/dev/null 2>"$W/err"
[ $? -eq 2 ] || fail "untrusted certificate accepted"
[ "$(wc -l <"$W/err")" -eq 1 ] || fail "expected one error line: $(cat "$W/err")"
grep -q -- "--ca-file" "$W/err" || fail "error does not say what to do: $(cat "$W/err")"
"$SIGPLAY_BIN" fetch "$HTTPS/replay.json" --cache-dir "$W/c2" --ca-file "$W/cert.pem" \
    >/dev/null 2>"$W/err" || fail "--ca-file refused: $(cat "$W/err")"
"$SIGPLAY_BIN" fetch "$HTTPS/replay.json" --cache-dir "$W/c3" --insecure \
    >/dev/null 2>"$W/err" || fail "--insecure refused: $(cat "$W/err")"

# a missing document: exit 2, one line naming it
"$SIGPLAY_BIN" fetch "$HTTP/missing.json" --cache-dir "$W/c3" >/dev/null 2>"$W/err"
[ $? -eq 2 ] || fail "404 not an error"
[ "$(wc -l <"$W/err")" -eq 1 ] && grep -q "missing.json: HTTP 404" "$W/err" \
    || fail "404 message: $(cat "$W/err")"

# proxies: a host in no_proxy is reached directly; otherwise the proxy is
# used (here one that does not exist, so the fetch must fail)
http_proxy="http://127.0.0.1:9" no_proxy="127.0.0.1" \
    "$SIGPLAY_BIN" fetch "$HTTP/replay.json" --cache-dir "$W/c4" >/dev/null 2>"$W/err" \
    || fail "no_proxy not honoured: $(cat "$W/err")"
http_proxy="http://127.0.0.1:9" \
    "$SIGPLAY_BIN" fetch "$HTTP/replay.json" --cache-dir "$W/c5" >/dev/null 2>"$W/err"
[ $? -eq 2 ] || fail "http_proxy ignored"

# network gone: the same SOURCE is served from the cache
nginx_stop
"$SIGPLAY_BIN" fetch "$HTTP/replay.json" --cache-dir "$W/c1" >"$W/out" 2>"$W/err" \
    || fail "offline fetch failed: $(cat "$W/err")"
grep -q " $ni images;" "$W/out" || fail "offline: images not all listed: $(cat "$W/out")"
"$SIGPLAY_BIN" probe "$HTTP/replay.json" --cache-dir "$W/c1" >"$W/out" 2>"$W/err" \
    || fail "offline probe failed: $(cat "$W/err")"
grep -q "replay manifest" "$W/out" || fail "offline probe printed no summary"

# bad command lines
"$SIGPLAY_BIN" fetch >/dev/null 2>&1; [ $? -eq 64 ] || fail "no SOURCE: not a usage error"
"$SIGPLAY_BIN" fetch x --ca-file >/dev/null 2>&1; [ $? -eq 64 ] || fail "--ca-file without value"
echo "ok"
