#!/usr/bin/env bash
# Navigating the sample class in the player window (docs/keys.md): PgDn /
# PgUp land on each chapter `sigplay probe --json` lists; Ctrl+Right visits
# every board change truth.json lists (stroke parts aside: a stroke is one
# step) in order; Alt+Right lands on each chat message's play_ms; Ctrl+Up
# on the pause; `/`, typing, Enter and n land on the chat search hits; the
# 1 key mutes lane 1 (state file). Under Xvfb with xdotool, read back from
# the state file.
set -u
BIN=${SIGPLAY_BIN:?} SAMPLE=${SIGPLAY_SAMPLE_DIR:?}
TMP=${SIGPLAY_TEST_TMP:?}/navigate_xvfb
rm -rf "$TMP" && mkdir -p "$TMP"
for tool in Xvfb xdotool jq; do
  command -v $tool >/dev/null || { echo "FAIL: $tool is missing"; exit 1; }
done
XVFB_PID= PLAYER_PID=
cleanup() {
  [ -n "$PLAYER_PID" ] && kill "$PLAYER_PID" 2>/dev/null
  [ -n "$XVFB_PID" ] && kill "$XVFB_PID" 2>/dev/null
  wait 2>/dev/null
}
trap cleanup EXIT
source "${SIGPLAY_SOURCE_DIR:?}/tests/support/xvfb.sh"
xvfb_start 1280x720 "$TMP/xvfb.log" || { echo "FAIL: no virtual display"; exit 1; }
export SDL_VIDEODRIVER=x11 SDL_AUDIODRIVER=dummy

fail=0
STATE=$TMP/state.json
TRUTH=$SAMPLE/truth.json
ok() { echo "ok: $1"; }
bad() { echo "FAIL: $1"; fail=1; }
wait_for() { for _ in $(seq 50); do jq -e "$1" "$STATE" >/dev/null 2>&1 && return 0; sleep 0.1; done; return 1; }
tms() { jq -r .t_ms "$STATE"; }
key() { # key; then wait until the state file says t_ms moved (or 5 s)
  local before; before=$(tms)
  xdotool key --window "$WID" "$1"
  wait_for ".t_ms != $before" || true
  sleep 0.2
}

"$BIN" probe "$SAMPLE/replay.json" --json >"$TMP/probe.json" 2>/dev/null
"$BIN" play "$SAMPLE/replay.json" --pause --no-audio --state-file "$STATE" >"$TMP/player.log" 2>&1 &
PLAYER_PID=$!
wait_for '.t_ms >= 0 and .board_loading == false' || { echo "FAIL: no state file"; cat "$TMP/player.log"; exit 1; }
WID=$(xdotool search --sync --onlyvisible --name '^sigplay$' | head -1)
[ -n "$WID" ] || { echo "FAIL: no window"; exit 1; }
xdotool windowfocus --sync "$WID" 2>/dev/null || true

# ---- chapters: PgDn through all of them, then PgUp back ------------------------
mapfile -t chapters < <(jq -r '.chapters[].t_ms' "$TMP/probe.json")
[ ${#chapters[@]} -ge 5 ] && ok "probe lists ${#chapters[@]} chapters" || bad "probe chapters: ${chapters[*]}"
got=()
for c in "${chapters[@]}"; do
  [ "$c" -eq 0 ] && continue # the start: already there
  key Next; got+=("$(tms)")
done
want=(); for c in "${chapters[@]}"; do [ "$c" -ne 0 ] && want+=("$c"); done
[ "${got[*]}" = "${want[*]}" ] && ok "PgDn lands on each chapter" || bad "PgDn: got ${got[*]}, want ${want[*]}"
last=${want[-1]} prev=${want[-2]}
key Prior
[ "$(tms)" = "$prev" ] && ok "PgUp at a chapter's start goes to the one before" || bad "PgUp: $(tms), want $prev"

# ---- board changes: Ctrl+Right from 0 ------------------------------------------
xdotool key --window "$WID" Home; wait_for '.t_ms == 0'
mapfile -t changes < <(jq -r '[.board_changes[] | select(.op != "stroke.begin" and .op != "stroke.append") | .play_ms] | unique | .[]' "$TRUTH")
visited=()
for _ in $(seq 400); do
  before=$(tms); key ctrl+Right; now=$(tms)
  [ "$now" = "$before" ] && break
  visited+=("$now")
done
missing=0
for c in "${changes[@]}"; do
  [ "$c" -eq 0 ] && continue
  printf '%s\n' "${visited[@]}" | grep -qx "$c" || { missing=$((missing + 1)); echo "  missing change at $c"; }
done
sorted=$(printf '%s\n' "${visited[@]}" | sort -n | tr '\n' ' ')
[ "$sorted" = "$(printf '%s\n' "${visited[@]}" | tr '\n' ' ')" ] && [ $missing -eq 0 ] && [ ${#visited[@]} -gt 0 ] \
  && ok "Ctrl+Right visits all ${#changes[@]} board changes of truth.json in order (${#visited[@]} steps)" \
  || bad "Ctrl+Right: $missing missing, visited ${visited[*]}"
key ctrl+Left
[ "$(tms)" = "${visited[-2]}" ] && ok "Ctrl+Left goes back one change" || bad "Ctrl+Left: $(tms), want ${visited[-2]}"

# ---- chat messages: Alt+Right -----------------------------------------------------
xdotool key --window "$WID" Home; wait_for '.t_ms == 0'
mapfile -t msgs < <(jq -r '[.chat_messages[] | select(.placeholder | not) | .play_ms] | unique | .[] | select(. > 0)' "$TRUTH")
got=()
for _ in "${msgs[@]}"; do key alt+Right; got+=("$(tms)"); done
[ "${got[*]}" = "${msgs[*]}" ] && ok "Alt+Right lands on each chat message" || bad "Alt+Right: got ${got[*]}, want ${msgs[*]}"

# ---- pause edge: Ctrl+Up -------------------------------------------------------------
xdotool key --window "$WID" Home; wait_for '.t_ms == 0'
pause=$(jq -r '.pauses[0].video_time' "$TRUTH")
key ctrl+Up
[ "$(tms)" = "$pause" ] && ok "Ctrl+Up lands on the pause ($pause)" || bad "Ctrl+Up: $(tms), want $pause"
xdotool key --window "$WID" End; wait_for ".t_ms > $pause"
key ctrl+Down
[ "$(tms)" = "$pause" ] && ok "Ctrl+Down from the end goes back to it" || bad "Ctrl+Down: $(tms)"

# ---- chat search: "/" then a Chinese word (xdotool types it through text input) -----------
xdotool key --window "$WID" Home; wait_for '.t_ms == 0'
word=分数
"$BIN" probe "$SAMPLE/replay.json" --chat-search "$word" >"$TMP/hits.txt" 2>/dev/null
mapfile -t hits < <(cut -f1 "$TMP/hits.txt")
xdotool key --window "$WID" slash
wait_for '.search.open == true' && ok "/ opens the search field" || bad "/ did not open the search"
xdotool type --delay 300 --window "$WID" "$word"
wait_for ".search.query == \"$word\"" && ok "typing reaches the field through text input" \
  || bad "query: $(jq -c .search "$STATE")"
xdotool key --window "$WID" Return; sleep 0.5
first=$(tms)
[ ${#hits[@]} -ge 1 ] && { [ "$first" = "${hits[0]}" ] || [ "${hits[0]}" = "0" ]; } \
  && ok "Enter goes to the first hit (${hits[0]})" || bad "Enter: $first, hits ${hits[*]}"
# a Latin word, case-folded: the sample chat has "OK, got it"
xdotool key --window "$WID" Escape; wait_for '.search.open == false'
xdotool key --window "$WID" Home; wait_for '.t_ms == 0'
"$BIN" probe "$SAMPLE/replay.json" --chat-search "GOT it" >"$TMP/hits2.txt" 2>/dev/null
mapfile -t hits2 < <(cut -f1 "$TMP/hits2.txt")
xdotool key --window "$WID" slash; wait_for '.search.open == true'
xdotool key --window "$WID" BackSpace BackSpace BackSpace BackSpace BackSpace BackSpace
xdotool type --window "$WID" "GOT it"
wait_for '.search.query == "GOT it"'
xdotool key --window "$WID" Return; sleep 0.4
got=("$(tms)")
for _ in $(seq 2 ${#hits2[@]}); do key n; got+=("$(tms)"); done
[ ${#hits2[@]} -ge 1 ] && [ "${got[*]}" = "${hits2[*]}" ] && ok "Enter and n visit every hit of 'GOT it' (${#hits2[@]})" \
  || bad "n: got ${got[*]}, want ${hits2[*]}"
if [ ${#hits2[@]} -ge 2 ]; then
  key shift+n
  [ "$(tms)" = "${hits2[-2]}" ] && ok "N goes to the previous hit" || bad "N: $(tms)"
fi
xdotool key --window "$WID" Escape
wait_for '.search.open == false' && ok "Esc closes the field (the player keeps running)" || bad "Esc"
kill -0 $PLAYER_PID 2>/dev/null || bad "Esc in the search quit the player"

# ---- lanes: 1 mutes lane 1, Shift+2 solos lane 2, Shift+0 clears ---------------------------
xdotool key --window "$WID" 1
wait_for '.lanes[0].muted == true and .lanes[1].muted == false' && ok "1 mutes lane 1" || bad "1: $(jq -c '[.lanes[].muted]' "$STATE")"
xdotool key --window "$WID" 1
wait_for '.lanes[0].muted == false' && ok "1 again unmutes it" || bad "1 again"
xdotool key --window "$WID" shift+2
wait_for '.lanes[1].muted == false and ([.lanes[] | .muted] | map(select(.)) | length) == (.lanes | length) - 1' \
  && ok "Shift+2 solos lane 2" || bad "Shift+2: $(jq -c '[.lanes[].muted]' "$STATE")"
xdotool key --window "$WID" shift+0
wait_for '[.lanes[].muted] | all | not' && wait_for '([.lanes[] | .muted] | any) == false' \
  && ok "Shift+0 clears the solo" || bad "Shift+0: $(jq -c '[.lanes[].muted]' "$STATE")"

xdotool key --window "$WID" q
for _ in $(seq 50); do kill -0 "$PLAYER_PID" 2>/dev/null || break; sleep 0.1; done
kill "$PLAYER_PID" 2>/dev/null; wait "$PLAYER_PID" 2>/dev/null; PLAYER_PID=

# ---- --mute-lane on the command line ----------------------------------------------------------
lane1=$(jq -r '.lanes[1].user_id' "$TMP/probe.json")
"$BIN" play "$SAMPLE/replay.json" --pause --no-audio --mute-lane "$lane1" --state-file "$STATE" >"$TMP/player2.log" 2>&1 &
PLAYER_PID=$!
wait_for '.lanes[1].muted == true and .lanes[0].muted == false' && ok "--mute-lane $lane1 starts with it muted" \
  || bad "--mute-lane: $(jq -c '[.lanes[].muted]' "$STATE" 2>/dev/null)"
kill "$PLAYER_PID" 2>/dev/null; wait "$PLAYER_PID" 2>/dev/null; PLAYER_PID=
kill "$XVFB_PID" 2>/dev/null; wait "$XVFB_PID" 2>/dev/null; XVFB_PID=

exit $fail
