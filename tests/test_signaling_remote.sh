#!/usr/bin/env bash
# test_signaling_remote.sh - a class of 200-odd IM pages served by nginx on
# 127.0.0.1 that hands the pages out slowly (limit_req: about 6 a second,
# so the whole list takes about 35 s; the manifest and the media come at
# once). Under a virtual X display, no input but the keys named:
#   - the window's first picture comes before the last page was served:
#     the first state file says board_loading true with pages still to
#     come; board_pages_done grows; loading ends (false, done == total);
#   - a seek made during loading (Right, Right while paused) lands right:
#     once loaded, the state's t is the seek's and the screenshot equals
#     `sigplay render` of the local files at that t (AE 0);
#   - after loading, `render` over http and over the web player's link is
#     the local render exactly (AE 0); after `sigplay fetch` and with the
#     server gone, `render` from the same cache directory still is.
set -u
BIN=${SIGPLAY_BIN:?} BUILD=${SIGPLAY_BUILD_DIR:?}
MKCLASS=$BUILD/sigplay-mkclass
TMP=${SIGPLAY_TEST_TMP:?}/signaling_remote
rm -rf "$TMP" && mkdir -p "$TMP/shots"
for tool in Xvfb xdotool jq compare nginx curl; do
  command -v $tool >/dev/null || { echo "FAIL: $tool is missing (scripts/deps.sh installs it)"; exit 1; }
done
[ -x "$MKCLASS" ] || { echo "FAIL: $MKCLASS not built"; exit 1; }
source "$SIGPLAY_SOURCE_DIR/tests/support/nginx.sh"

source "$SIGPLAY_SOURCE_DIR/tests/support/window.sh"
trap nginx_stop EXIT
fail=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fail=1; }

# ---- the class: about (3000 ops / 3 + 2700 chat) / 20 pages ------------------
CLASS=$TMP/class
"$MKCLASS" -q -o "$CLASS" --duration-ms 60000 --lanes 3 --size 160x90 --fps 5 \
  --ops 3000 --chat 2700 || { echo "FAIL: mkclass"; exit 1; }
pages=$(jq '.Messages | length' "$CLASS/replay.json")
[ "$pages" -ge 200 ] && ok "the class has $pages IM pages" || bad "only $pages pages"

# nginx that serves the IM pages at about 6 a second (the excess waits in a
# queue of up to 1000), everything else at once
export NGINX_EXTRA_HTTP='limit_req_zone $binary_remote_addr zone=pages:1m rate=6r/s;'
export NGINX_EXTRA_SERVER='location /im/ { limit_req zone=pages burst=1000; }'
nginx_start "$CLASS" "$TMP/nginx" || { echo "FAIL: nginx"; exit 1; }
BASE="http://127.0.0.1:$NGINX_PORT"
URL="$BASE/replay.json"
enc=$(jq -rn --arg u "$URL" '$u | @uri')
LINK="$BASE/web/replay/index.html?url=$enc&showChatMessages=1"

render() { # out source [options]: sigplay render at $AT; warnings are fine
  local out=$1 src=$2; shift 2
  "$BIN" render "$src" --at "$AT" -o "$out" "$@" 2>"$out.log" || [ $? -eq 1 ] \
    || { bad "render $src: $(tail -3 "$out.log")"; return 1; }
}
same() { # description a.png b.png
  local ae
  ae=$(compare -metric AE "$2" "$3" "$TMP/diff.png" 2>&1)
  [ "$ae" = 0 ] && ok "$1" || bad "$1: $ae pixels differ ($TMP/diff.png)"
}

# ---- the window while the pages come in ------------------------------------------
window_setup 1280x720
trap 'window_cleanup; nginx_stop' EXIT
wait_for() { state_wait "$1" "${2:-5}"; } # jq expression, seconds (default 5)
jget() { jq -r "$1" "$STATE"; }

t_start=$(date +%s.%N)
"$BIN" play "$URL" --pause --cache-dir "$TMP/wcache" --state-file "$STATE" \
  --screenshot-dir "$TMP/shots" >"$TMP/player.log" 2>&1 &
PLAYER_PID=$!
wait_for '.t_ms >= 0' 10 || { echo "FAIL: no state file"; cat "$TMP/player.log"; exit 1; }
first=$(cat "$STATE")
t_first=$(date +%s.%N)
echo "first state after $(echo "$t_first - $t_start" | bc) s: $(jq -c '{board_loading, board_pages_done, board_pages_total}' <<<"$first")"
jq -e '.board_loading == true and .board_pages_done < .board_pages_total' <<<"$first" >/dev/null \
  && ok "the first picture came before the last page (board loading, pages to come)" \
  || bad "the first picture waited for the pages: $first"
window_find "$PLAYER_PID" || { echo "FAIL: no window"; exit 1; }
xdotool windowfocus --sync "$WID" 2>/dev/null || true

# a seek while the pages still come: +10 s
xdotool key Right
wait_for '.t_ms == 5000' && xdotool key Right
wait_for '.t_ms == 10000' || bad "the seeks did not land: $(cat "$STATE")"
jq -e '.board_loading == true' "$STATE" >/dev/null \
  && ok "seeked to 10 s during loading" || bad "loading ended before the seek (too fast a server?)"
# progress grows, then loading ends
d0=$(jget .board_pages_done)
wait_for ".board_pages_done > $d0" 5 && ok "board_pages_done grows ($d0 -> $(jget .board_pages_done))" \
  || bad "board_pages_done stays at $d0"
wait_for '.board_loading == false' 30 || bad "loading never ended: $(cat "$STATE")"
jq -e '.board_pages_done == .board_pages_total' "$STATE" >/dev/null \
  && ok "loading ended with every page ($(jget .board_pages_done))" || bad "ended early: $(cat "$STATE")"

# the seek made during loading is right now that its ops are in
wait_for '.t_ms == 10000 and ([.lanes[] | select(.state == "waiting")] | length) == 0
          and ([.lanes[] | select(.state == "showing" and .skew_ms != 0)] | length) == 0' 10
[ "$(jget .t_ms)" = 10000 ] && ok "the state's t is the seek's" || bad "t is $(jget .t_ms), not 10000"
xdotool key s
wait_for '.screenshot != ""' || bad "no screenshot"
shot=$(jget .screenshot)
AT=10000
render "$TMP/local10.png" "$CLASS/replay.json" && same "the window after the seek == local render" \
  "$shot" "$TMP/local10.png"
xdotool key q
for _ in $(seq 50); do kill -0 "$PLAYER_PID" 2>/dev/null || break; sleep 0.1; done
wait "$PLAYER_PID" 2>/dev/null
PLAYER_PID=

# ---- render over the network, then offline --------------------------------------------
# Nothing below needs a slow server (each render and the fetch load every
# page before drawing): the same files again, served at once.
nginx_stop
unset NGINX_EXTRA_HTTP NGINX_EXTRA_SERVER
nginx_start "$CLASS" "$TMP/nginx2" || { echo "FAIL: nginx (again)"; exit 1; }
BASE="http://127.0.0.1:$NGINX_PORT"
URL="$BASE/replay.json"
enc=$(jq -rn --arg u "$URL" '$u | @uri')
LINK="$BASE/web/replay/index.html?url=$enc&showChatMessages=1"
AT=42000
render "$TMP/local.png" "$CLASS/replay.json"
render "$TMP/http.png" "$URL" --cache-dir "$TMP/rcache" \
  && same "render over http == local render" "$TMP/http.png" "$TMP/local.png"
# the link asks for the chat (showChatMessages=1): the local render with --chat
render "$TMP/local-chat.png" "$CLASS/replay.json" --chat
render "$TMP/link.png" "$LINK" --no-cache \
  && same "render over the web player's link == local render" "$TMP/link.png" "$TMP/local-chat.png"
"$BIN" fetch "$URL" --cache-dir "$TMP/fcache" >"$TMP/fetch.log" 2>&1 || [ $? -eq 1 ] \
  || bad "fetch: $(tail -3 "$TMP/fetch.log")"
nginx_stop
curl -s -o /dev/null --max-time 1 "$URL" && bad "the server is still up"
render "$TMP/offline.png" "$URL" --cache-dir "$TMP/fcache" \
  && same "render offline after fetch == local render" "$TMP/offline.png" "$TMP/local.png"
render "$TMP/offline-link.png" "$LINK" --cache-dir "$TMP/fcache" \
  && same "render of the link offline after fetch == local render" "$TMP/offline-link.png" \
    "$TMP/local-chat.png"

[ $fail -eq 0 ] && echo "PASS" || echo "FAILED"
exit $fail
