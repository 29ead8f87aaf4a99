#!/usr/bin/env bash
# test_doc_safety.sh - what a recording may make sigplay do: no FFmpeg
# protocol reachable from a VideoUrl (tcp:, pipe:, concat:, data:, ftp:),
# no local file reachable from a remote document (media, pages, the web
# player's url=), no terminal escape printed raw (probe, verify, JSON),
# and no string silently cut at a NUL.
set -u
source "$SIGPLAY_SOURCE_DIR/tests/support/nginx.sh"
W=$(mktemp -d "$SIGPLAY_TEST_TMP/doc-safety.XXXXXX")
listener=
writer=
trap 'nginx_stop; for p in $listener $writer; do kill "$p" 2>/dev/null; done; rm -rf "$W"' EXIT
fail=0
check() { if ! eval "$2"; then echo "FAIL: $1"; fail=1; else echo "ok: $1"; fi; }
S="$SIGPLAY_SAMPLE_DIR"
[ -f "$S/result.json" ] || { echo "FAIL: no sample class in $S"; exit 1; }
ln -s "$S/media" "$W/media"

# A class of one segment whose VideoUrl is $1, written to $2.
one_segment() {
    jq --arg u "$1" '.VideoInfos = [.VideoInfos[0] | .VideoUrl = $u]' "$S/result.json" >"$2"
}
# sigplay's stdin: a FIFO whose writer never writes nor closes (pipe:0
# would wait on it for ever).
mkfifo "$W/stdin"
sleep 600 >"$W/stdin" &
writer=$!
# Runs sigplay; $T gets the elapsed milliseconds, $W/all both outputs.
run() {
    local t0 t1
    t0=$(date +%s%N)
    timeout 20 "$SIGPLAY_BIN" "$@" <"$W/stdin" >"$W/out" 2>"$W/err"
    rc=$?
    t1=$(date +%s%N)
    T=$(((t1 - t0) / 1000000))
    cat "$W/out" "$W/err" >"$W/all"
}

# ---- item 5: FFmpeg protocols ---------------------------------------------------
# A TCP server that accepts and never answers: an FFmpeg tcp:// read hangs.
# Each connection it takes is a line in $W/accepts: nothing of sigplay's
# should ever connect to it.
python3 -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(8)
print(s.getsockname()[1], flush=True)
conns = []
while True:
    c, _ = s.accept(); conns.append(c)
    sys.stderr.write("accept\n"); sys.stderr.flush()
' >"$W/port" 2>"$W/accepts" &
listener=$!
for _ in $(seq 50); do [ -s "$W/port" ] && break; sleep 0.1; done
port=$(cat "$W/port")
# What the same command costs on the same document when its one VideoUrl
# is a local file that does not exist: start-up, the manifest, the class
# without media, exit (sanitizers included). `baseline verify|play` runs it
# and sets B (ms); it is taken just before each timed run, so that a load
# that comes and goes on a shared machine weighs on both alike.
one_segment "media/none.mp4" "$W/none.json"
baseline() {
    if [ "$1" = play ]; then
        run play "$W/none.json" --headless --max-speed --no-audio
    else
        run verify "$W/none.json"
    fi
    B=$T
}
for u in "tcp://127.0.0.1:$port/x.mp4" "pipe:0" "concat:/etc/passwd|/etc/hostname" \
         "data:video/mp4;base64,AAAA" "ftp://127.0.0.1:$port/x.mp4"; do
    one_segment "$u" "$W/proto.json"
    for cmd in verify play; do
        # a second try when the first is over the second: a load spike
        # passes, a refusal that waits on anything does not
        for try in 1 2; do
            baseline $cmd
            if [ $cmd = play ]; then
                run play "$W/proto.json" --headless --max-speed --no-audio
            else
                run verify "$W/proto.json"
            fi
            [ "$T" -ge $((B + 1000)) ] || break
        done
        n=$(grep -c "VideoInfos\[0\].VideoUrl: .*URL scheme not allowed" "$W/all")
        check "$cmd $u: one clear error line" '[ "$n" -eq 1 ]'
        check "$cmd $u: exits non-zero" '[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ]'
        # within a second of the missing-file run (the refusal needs no I/O
        # at all; a sanitizer build on a shared machine can take a good part
        # of a second just to start and exit, which the baseline holds)
        check "$cmd $u: ends within a second ($T ms, a missing local file: $B ms)" \
          '[ "$T" -lt $((B + 1000)) ]'
        check "$cmd $u: FFmpeg never saw it" '! grep -qi "cannot open\|protocol" "$W/all"'
    done
done

# ---- item 6: a remote document names only http(s) --------------------------------
mkdir -p "$W/www"
jq '.VideoInfos = [.VideoInfos[0] | .VideoUrl = "file:///etc/passwd"]
    | .Messages = [{"Url": "file:///etc/passwd"}]' "$S/replay.json" >"$W/www/replay.json"
cp "$W/www/replay.json" "$W/local-file.json"
nginx_start "$W/www" "$W/nginx" || { echo "FAIL: nginx"; exit 1; }
base="http://127.0.0.1:$NGINX_PORT"
run probe "$base/replay.json" --no-cache
check "remote manifest naming file://: media refused, named" \
  'grep -qF "replay.json: VideoInfos[0].VideoUrl: '"'"'file:///etc/passwd'"'"': a remote document may name only http:// or https:// URLs" "$W/err"'
check "remote manifest naming file://: the page refused too" \
  'grep -q "Messages\[0\].Url: .*a remote document may name only" "$W/err"'
check "remote manifest naming file://: no local path listed" '! grep -q "/etc/passwd" "$W/out"'
baseline verify
run verify "$base/replay.json" --no-cache
check "verify of it: nothing of /etc/passwd read" '! grep -q "root:" "$W/all"'
check "verify of it: one line for the media" '[ "$(grep -c "VideoInfos\[0\].VideoUrl: .*remote document" "$W/all")" -eq 1 ]'
# remote runs fetch from the local server, which a loaded machine can hold
# up for seconds: bounded well below any timeout (15 s to connect, 20 s
# for the whole run) instead of within a second
check "verify of it: no wait ($T ms, a local verify $B ms)" '[ "$T" -lt $((B + 5000)) ]'
baseline verify
run probe "$base/index.html?url=file%3A%2F%2F%2Fetc%2Fpasswd" --no-cache
check "web-player link to file://: refused in one line" \
  '[ "$(wc -l <"$W/err")" -eq 1 ] && grep -q "url: .*file:///etc/passwd.*a remote document may name only" "$W/err" && [ $rc -ne 0 ]'
check "web-player link to file://: no wait ($T ms, a local verify $B ms)" '[ "$T" -lt $((B + 5000)) ]'
# FFmpeg's own protocols stay shut for remote media too: a remote class
# whose media is an HLS playlist naming a segment on the silent server.
# Remote media comes through our AVIO with an empty protocol_whitelist, so
# FFmpeg's HLS reader may open nothing itself (with http allowed it would
# fetch the segment past the allow-list and the cache, and here hang).
mkdir -p "$W/www/hls"
printf '#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXTINF:2.0,\nhttp://127.0.0.1:%s/seg.ts\n#EXT-X-ENDLIST\n' \
  "$port" >"$W/www/hls/list.m3u8"
one_segment "$base/hls/list.m3u8" "$W/www/hls.json"
baseline verify
run verify "$base/hls.json" --no-cache
check "remote HLS playlist as media: not followed (no connection to its segment's host)" \
  '[ ! -s "$W/accepts" ]'
check "remote HLS playlist as media: one line, the file cannot be opened" \
  '[ "$(grep -c "list.m3u8: cannot open" "$W/all")" -eq 1 ]'
check "remote HLS playlist as media: no wait on the silent host ($T ms, a local verify $B ms)" \
  '[ "$T" -lt $((B + 5000)) ]'
baseline play
run play "$base/hls.json" --no-cache --headless --max-speed --no-audio
check "play of it: not followed either" '[ ! -s "$W/accepts" ]'
check "play of it: no wait either ($T ms, a local play $B ms)" '[ "$T" -lt $((B + 5000)) ]'
# the same document on disk may name local files
run probe "$W/local-file.json"
check "local manifest: file:// allowed" '! grep -q "remote document" "$W/err" && grep -qF "file:///etc/passwd" "$W/out"'

# ---- a board image refused by the allow-list: one line with the reason -------------
# The sample class served over http, its slides named as file:// URLs: not
# read, and said once each, never as an image that failed to decode.
mkdir -p "$W/www/cls/im"
cp "$S/replay.json" "$W/www/cls/"
ln -s "$S/media" "$W/www/cls/media"
for p in "$S"/im/*.json; do
    sed "s|images/slide-0\([0-9]\)\.png|file://$S/images/slide-0\1.png|g" "$p" >"$W/www/cls/im/${p##*/}"
done
run render "$base/cls/replay.json" --no-cache --at 0:20 -o "$W/refused.png"
check "render of a remote page naming a file:// slide: one line with the reason" \
  '[ "$(grep -c "slide-02.png: image not loaded: a remote document may name only http:// or https:// URLs" "$W/err")" -eq 1 ]'
check "render of it: no decode or read warning" '! grep -qi "decode\|cannot read" "$W/err"'
check "render of it: the frame is written (exit 1: warnings)" '[ $rc -eq 1 ] && [ -s "$W/refused.png" ]'

# ---- item 7: terminal escapes -----------------------------------------------------
# UserId with a title-setting OSC and a right-to-left override, Status with
# a clear-screen CSI, a C1 CSI (U+009B) in the group id.
jq '.VideoInfos[0].UserId = "ev\u001b]0;pwned\u0007il\u202eAB"
    | .Status = "\u001b[2J\u001b[HFINISHED" | .GroupId = "g\u009b31m"' "$S/result.json" \
    >"$W/esc.json"
run probe "$W/esc.json"
esc=$(printf '\033')
rlo=$(printf '\342\200\256')
c1=$(printf '\302\233')
check "probe into a pipe: no raw ESC, BEL, RLO or C1" \
  '! grep -q "[$esc$(printf "\a")]" "$W/out" "$W/err" && ! grep -qF "$rlo" "$W/out" "$W/err" && ! grep -qF "$c1" "$W/out" "$W/err"'
check "probe: the UserId shown escaped" 'grep -qF "ev\\x1b]0;pwned\\x07il\\u202eAB" "$W/out"'
check "probe: the Status shown escaped (in its diagnostic)" 'grep -qF "\\x1b[2J\\x1b[HFINISHED" "$W/all"'
check "probe: the C1 control shown escaped" 'grep -qF "g\\u009b31m" "$W/out"'
run probe "$W/esc.json" --json
check "probe --json: no raw ESC, RLO or C1" \
  '! grep -q "$esc" "$W/out" && ! grep -qF "$rlo" "$W/out" && ! grep -qF "$c1" "$W/out"'
check "probe --json: the same strings, JSON-escaped" \
  'jq -e ".lanes[0].name == \"ev\u001b]0;pwned\u0007il\u202eAB\"" "$W/out" >/dev/null'
run verify "$W/esc.json"
check "verify into a pipe: no raw ESC or RLO" '! grep -q "$esc" "$W/out" "$W/err" && ! grep -qF "$rlo" "$W/out" "$W/err"'
check "verify: the UserId shown escaped (its column cut at 24)" 'grep -qF "ev\\x1b]0;pwned\\x07il\\u2" "$W/out"'
run verify "$W/esc.json" --json -
check "verify --json: no raw ESC or RLO" '! grep -q "$esc" "$W/out" && ! grep -qF "$rlo" "$W/out"'
run play "$W/esc.json" --headless --max-speed --no-audio --trace -
check "play --trace -: no raw ESC or RLO" '! grep -q "$esc" "$W/out" "$W/err" && ! grep -qF "$rlo" "$W/out" "$W/err"'

# ---- item 10: a NUL inside a JSON string -------------------------------------------
jq '.VideoInfos[1].VideoUrl = "media/x.mp4\u0000.evil"' "$S/result.json" >"$W/nul.json"
run probe "$W/nul.json"
check "NUL in VideoUrl: an error naming the field" \
  'grep -qF "nul.json: VideoInfos[1].VideoUrl: a string holds a NUL character" "$W/err" && [ $rc -eq 2 ]'
check "NUL in VideoUrl: x.mp4 is not opened" '! grep -q "media/x.mp4" "$W/out"'
exit $fail
