#!/usr/bin/env bash
# Navigating the sample class in the player window (docs/keys.md): PgDn /
# PgUp land on each chapter `sigplay probe --json` lists; Ctrl+Right and
# Ctrl+Left, over the start, the pause and the end, land on every board
# change truth.json lists there (stroke parts aside: a stroke is one step)
# in order and retrace each other; Alt+Right / Alt+Left land on the chat
# messages' play_ms; Ctrl+Up / Ctrl+Down on the pause; `/`, typing, Enter
# and n land on the chat search hits; the 1 key mutes lane 1 (state file).
# Under Xvfb with xdotool, read back from the state file.
set -u
BIN=${SIGPLAY_BIN:?} SAMPLE=${SIGPLAY_SAMPLE_DIR:?}
TMP=${SIGPLAY_TEST_TMP:?}/navigate_xvfb
rm -rf "$TMP" && mkdir -p "$TMP"
for tool in Xvfb xdotool jq; do
  command -v $tool >/dev/null || { echo "FAIL: $tool is missing"; exit 1; }
done
source "$SIGPLAY_SOURCE_DIR/tests/support/window.sh"
window_setup 1280x720

fail=0
TRUTH=$SAMPLE/truth.json
ok() { echo "ok: $1"; }
bad() { echo "FAIL: $1"; fail=1; }
wait_for() { state_wait "$1" 20; } # returns as soon as it holds
# T: the state file's t_ms (-1 while unreadable), read without starting a
# process: a key's step is waited for by polling every 20 ms, so the walk
# costs what the player takes, not a fixed settle per key
T=-1
read_t() {
  local line="" re='"t_ms":(-?[0-9]+)'
  IFS= read -r line <"$STATE" 2>/dev/null
  if [[ $line =~ $re ]]; then T=${BASH_REMATCH[1]}; else T=-1; fi
}
tms() { read_t; echo "$T"; }
key() { # KEY [SECS]: sends KEY, then waits up to SECS (default 10) until t moves; 1 if it did not
  local before i
  read_t; before=$T
  xdotool key --window "$WID" "$1"
  for ((i = 0; i < ${2:-10} * 50; i++)); do
    read_t
    [ "$T" != "$before" ] && [ "$T" != -1 ] && return 0
    sleep 0.02
  done
  return 1
}
# type_query TEXT: types TEXT into the open search field and waits until the
# state file shows it. xdotool types a character the keymap lacks (the
# Chinese ones) by binding it to a spare keycode for a moment: a player slow
# to read the events (a loaded machine) may see another key or none, so a
# query that did not arrive as typed is erased and typed again (3 tries).
type_query() {
  local LC_ALL=C.UTF-8 text=$1 try q
  for try in 1 2 3; do
    xdotool type --delay 300 --window "$WID" "$text"
    state_wait ".search.query == $(jq -Rn --arg s "$text" '$s')" 10 && return 0
    q=$(jq -r .search.query "$STATE")
    while [ -n "$q" ]; do xdotool key --window "$WID" BackSpace; q=${q:1}; done
    state_wait '.search.query == ""' 10
  done
  return 1
}
key_to() { # KEY COND: sends KEY (Home, End), waits until ".t_ms COND" holds; sets T
  xdotool key --window "$WID" "$1"
  wait_for ".t_ms $2"
  read_t
}

"$BIN" probe "$SAMPLE/replay.json" --json >"$TMP/probe.json" 2>/dev/null
player_start '.t_ms >= 0 and .board_loading == false' 60 "$SAMPLE/replay.json" --pause --no-audio
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

# ---- board changes: Ctrl+Right / Ctrl+Left over three stretches -----------------
# Each key is a seek the player draws (under the sanitizers most of this
# test's time), so not all 113 steps are walked: the start, the changes
# before and across the pause, and the end, forward and back. In each stretch the steps must move
# one way and land on every change of truth.json they pass (the steps in
# between are stroke ends, which truth.json does not list), and Ctrl+Left
# must retrace the Ctrl+Right steps exactly.
pause_t=$(jq -r '.pauses[0].video_time' "$TRUTH")
mapfile -t changes < <(jq -r '[.board_changes[] | select(.op != "stroke.begin" and .op != "stroke.append") | .play_ms] | unique | .[]' "$TRUTH")
WALK=()
walk() { # KEY N STOP: KEY up to N times, until t reaches STOP (>= for Right, <= for Left)
  local k=$1 n=$2 stop=$3 i
  WALK=()
  for ((i = 0; i < n; i++)); do
    key "$k" || break
    WALK+=("$T")
    case $k in *Right) [ "$T" -ge "$stop" ] && break ;; *Left) [ "$T" -le "$stop" ] && break ;; esac
  done
}
covers() { # NAME FROM DIR: WALK moves one way from FROM and holds every change of truth.json it passes
  local name=$1 from=$2 dir=$3 prev=$2 t c lo hi missing=()
  [ ${#WALK[@]} -gt 0 ] || { bad "$name: no step"; return; }
  for t in "${WALK[@]}"; do
    if [ "$dir" -gt 0 ]; then [ "$t" -gt "$prev" ]; else [ "$t" -lt "$prev" ]; fi \
      || { bad "$name: $t after $prev (steps ${WALK[*]})"; return; }
    prev=$t
  done
  if [ "$dir" -gt 0 ]; then lo=$from hi=$prev; else lo=$prev hi=$from; fi
  local n=0
  for c in "${changes[@]}"; do
    { [ "$c" -gt "$lo" ] && [ "$c" -lt "$hi" ]; } || [ "$c" = "$prev" ] || continue
    n=$((n + 1))
    printf '%s\n' "${WALK[@]}" | grep -qx "$c" || missing+=("$c")
  done
  [ ${#missing[@]} -eq 0 ] && [ $n -ge 3 ] \
    && ok "$name: ${#WALK[@]} steps from $from to $prev land on all $n changes of truth.json there" \
    || bad "$name: missing ${missing[*]} of $n (steps ${WALK[*]})"
}
key_to Home '== 0'
walk ctrl+Right 14 6300
covers "Ctrl+Right from the start" 0 1
fwd=("${WALK[@]}")
walk ctrl+Left 14 "${fwd[0]}"
mapfile -t want_back < <(printf '%s\n' "${fwd[@]:0:${#fwd[@]}-1}" | sort -rn)
[ "${WALK[*]}" = "${want_back[*]}" ] && ok "Ctrl+Left retraces them to the first change" \
  || bad "Ctrl+Left: ${WALK[*]}, want ${want_back[*]}"
# around the pause (30000): Ctrl+Up there, Ctrl+Left back over the changes
# before it, Ctrl+Right over them again and past it (the changes made in it
# land on it)
key_to Home '== 0'
key ctrl+Up
[ "$T" = "$pause_t" ] || bad "Ctrl+Up from the start: $T, want $pause_t"
walk ctrl+Left 10 28521
covers "Ctrl+Left before the pause" "$pause_t" -1
from=${WALK[-1]}
walk ctrl+Right 12 30122
covers "Ctrl+Right across the pause" "$from" 1
printf '%s\n' "${WALK[@]}" | grep -qx "$pause_t" && ok "a step lands on the pause ($pause_t)" \
  || bad "no step on the pause: ${WALK[*]}"
# the end: Ctrl+Left from the end, then Ctrl+Right back
key_to End "> ${changes[-1]}"
end_t=$T
walk ctrl+Left 6 58000
covers "Ctrl+Left from the end" "$end_t" -1
back=("${WALK[@]}")
walk ctrl+Right 6 "${back[0]}"
mapfile -t want_fwd < <(printf '%s\n' "${back[@]:0:${#back[@]}-1}" | sort -n)
[ "${WALK[*]}" = "${want_fwd[*]}" ] && ok "Ctrl+Right retraces them" || bad "Ctrl+Right: ${WALK[*]}, want ${want_fwd[*]}"

# ---- chat messages: Alt+Right from the start, Alt+Left from the end ----------------
mapfile -t msgs < <(jq -r '[.chat_messages[] | select(.placeholder | not) | .play_ms] | unique | .[] | select(. > 0)' "$TRUTH")
key_to Home '== 0'
got=()
for _ in 1 2 3 4 5; do key alt+Right; got+=("$T"); done
[ "${got[*]}" = "${msgs[*]:0:5}" ] && ok "Alt+Right lands on each of the first 5 chat messages" \
  || bad "Alt+Right: got ${got[*]}, want ${msgs[*]:0:5}"
key_to End "> ${msgs[-1]}"
got=()
for _ in 1 2 3; do key alt+Left; got+=("$T"); done
want=("${msgs[-1]}" "${msgs[-2]}" "${msgs[-3]}")
[ "${got[*]}" = "${want[*]}" ] && ok "Alt+Left from the end lands on the last 3 messages" \
  || bad "Alt+Left: got ${got[*]}, want ${want[*]}"

# ---- pause edge: Ctrl+Up -------------------------------------------------------------
key_to Home '== 0'
pause=$(jq -r '.pauses[0].video_time' "$TRUTH")
key ctrl+Up
[ "$(tms)" = "$pause" ] && ok "Ctrl+Up lands on the pause ($pause)" || bad "Ctrl+Up: $(tms), want $pause"
key_to End "> $pause"
key ctrl+Down
[ "$(tms)" = "$pause" ] && ok "Ctrl+Down from the end goes back to it" || bad "Ctrl+Down: $(tms)"

# ---- chat search: "/" then a Chinese word (xdotool types it through text input) -----------
key_to Home '== 0'
word=分数
"$BIN" probe "$SAMPLE/replay.json" --chat-search "$word" >"$TMP/hits.txt" 2>/dev/null
mapfile -t hits < <(cut -f1 "$TMP/hits.txt")
xdotool key --window "$WID" slash
wait_for '.search.open == true' && ok "/ opens the search field" || bad "/ did not open the search"
type_query "$word"
wait_for ".search.query == \"$word\"" && ok "typing reaches the field through text input" \
  || bad "query: $(jq -c .search "$STATE")"
xdotool key --window "$WID" Return; wait_for '.search.hit >= 0'; read_t
first=$(tms)
[ ${#hits[@]} -ge 1 ] && { [ "$first" = "${hits[0]}" ] || [ "${hits[0]}" = "0" ]; } \
  && ok "Enter goes to the first hit (${hits[0]})" || bad "Enter: $first, hits ${hits[*]}"
# a Latin word, case-folded: the sample chat has "OK, got it"
xdotool key --window "$WID" Escape; wait_for '.search.open == false'
key_to Home '== 0'
"$BIN" probe "$SAMPLE/replay.json" --chat-search "GOT it" >"$TMP/hits2.txt" 2>/dev/null
mapfile -t hits2 < <(cut -f1 "$TMP/hits2.txt")
xdotool key --window "$WID" slash; wait_for '.search.open == true'
xdotool key --window "$WID" BackSpace BackSpace BackSpace BackSpace BackSpace BackSpace
type_query "GOT it"
wait_for '.search.query == "GOT it"'
xdotool key --window "$WID" Return; wait_for '.search.hit >= 0'; read_t
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
proc_stop "$PLAYER_PID" || fail=1; PLAYER_PID=

# ---- --mute-lane on the command line ----------------------------------------------------------
lane1=$(jq -r '.lanes[1].user_id' "$TMP/probe.json")
"$BIN" play "$SAMPLE/replay.json" --pause --no-audio --mute-lane "$lane1" --state-file "$STATE" >"$TMP/player2.log" 2>&1 &
PLAYER_PID=$!
wait_for '.lanes[1].muted == true and .lanes[0].muted == false' && ok "--mute-lane $lane1 starts with it muted" \
  || bad "--mute-lane: $(jq -c '[.lanes[].muted]' "$STATE" 2>/dev/null)"
proc_stop "$PLAYER_PID" || fail=1; PLAYER_PID=
kill "$XVFB_PID" 2>/dev/null; wait "$XVFB_PID" 2>/dev/null; XVFB_PID=

exit $fail
