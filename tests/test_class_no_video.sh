#!/usr/bin/env bash
# The board and chat run on the class's clock, with or without video:
# - a class whose only media is audio (VideoType 4, mp3) and a class whose
#   cameras have a 10 s hole while the board is drawn, generated here;
# - headless: a max-speed trace lists every board change of truth.json at
#   its board time (a row whose w(t) is the change's wall time), also
#   where no frame changes;
# - window: under Xvfb with no window manager and no input sent at all
#   (kiosk: no OSD; --start on the command line: the audio-only class from
#   3 s, the other from the start of the hole, so that all its shots fall
#   where no camera has video), three screenshots taken while it plays by itself
#   differ from each other (the board and chat moved with nothing else
#   changing) and each equals `sigplay render` at the state file's t,
#   within the golden tolerance (test_render.c: at most 0.1% of pixels
#   off by more than a quarter of the range).
set -u
BIN=${SIGPLAY_BIN:?}
TMP=${SIGPLAY_TEST_TMP:?}/class_no_video
MKCLASS="$(dirname "$BIN")/sigplay-mkclass"
rm -rf "$TMP" && mkdir -p "$TMP"
for tool in Xvfb jq xwd convert compare python3; do
  command -v $tool >/dev/null || { echo "FAIL: $tool is missing (scripts/deps.sh installs it)"; exit 1; }
done
fail=0

"$MKCLASS" -q -o "$TMP/audio" --audio-only || { echo "FAIL: mkclass --audio-only"; exit 1; }
"$MKCLASS" -q -o "$TMP/hole" --camera-hole-ms 20000:10000 || { echo "FAIL: mkclass --camera-hole-ms"; exit 1; }
jq -e '[.. | objects | select(has("VideoType")) | .VideoType] | all(. == 4)' \
  "$TMP/audio/replay.json" >/dev/null && echo "ok: the audio-only class has only VideoType 4" \
  || { echo "FAIL: audio-only class has video"; fail=1; }

# ---- headless: every board change is a row at its board time -------------------------
for c in audio hole; do
  "$BIN" play "$TMP/$c/replay.json" --headless --max-speed --no-audio --trace "$TMP/$c.tsv" \
    2>"$TMP/$c.err"
  rc=$?
  [ $rc -le 1 ] || { echo "FAIL: $c: headless play exit $rc: $(head -3 "$TMP/$c.err")"; fail=1; }
  out=$(python3 - "$TMP/$c.tsv" "$TMP/$c/truth.json" <<'EOF'
import json, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if not l.startswith("#")]
walls = {int(float(r[1])) for r in rows}
plays = {int(float(r[0])) for r in rows}
truth = json.load(open(sys.argv[2]))
changes = truth["board_changes"]
# a change made during a pause shows at the pause's playback time, where
# w(t) is already past the pause: matched by its playback time
missing = [c["wall_ms"] for c in changes
           if c["wall_ms"] not in walls and c["play_ms"] not in plays]
hole = truth.get("camera_hole")
inside = 0
if hole:
    inside = sum(1 for c in changes if hole["start_ms"] <= c["play_ms"] < hole["end_ms"])
print(len(rows), len(changes), len(missing), inside, missing[:5])
EOF
)
  read -r nrows nchanges nmissing inside rest <<<"$out"
  if [ "$nchanges" -gt 20 ] && [ "$nmissing" = 0 ]; then
    echo "ok: $c: all $nchanges board changes are trace rows at their board time ($nrows rows)"
  else
    echo "FAIL: $c: $nmissing of $nchanges board changes have no trace row: $rest"; fail=1
  fi
  if [ "$c" = hole ]; then
    [ "$inside" -gt 3 ] && echo "ok: hole: $inside board changes inside the cameras' hole" \
      || { echo "FAIL: hole: only $inside board changes inside the hole"; fail=1; }
  fi
done

# ---- window: no input, the picture moves with the board --------------------------------
XVFB_PID= PLAYER_PID=
cleanup() {
  [ -n "$PLAYER_PID" ] && proc_stop "$PLAYER_PID"
  [ -n "$XVFB_PID" ] && proc_stop "$XVFB_PID"
  proc_stop_verdict
}
trap cleanup EXIT
source "${SIGPLAY_SOURCE_DIR:?}/tests/support/xvfb.sh"
xvfb_start 1280x720 "$TMP/xvfb.log" || { echo "FAIL: no virtual display"; exit 1; }
export SDL_VIDEODRIVER=x11 SDL_AUDIODRIVER=dummy

# quiet(T_MS, truth): the board time at T is at least 400 ms from any
# board change or chat message, so the picture holds still around it
quiet_gaps() { # truth.json FROM_MS -> "A B": stretches of at least 1.5 s without a change, from FROM_MS + 1 s
  python3 - "$1" "$2" <<'EOF'
import json, sys
t = json.load(open(sys.argv[1]))
start = int(sys.argv[2]) + 1000
ev = sorted({c["play_ms"] for c in t["board_changes"]} |
            {m["play_ms"] for m in t["chat_messages"] if not m["placeholder"]})
for a, b in zip(ev, ev[1:]):
    if b - a >= 1500 and a >= start:
        print(a, b)
EOF
}

state_t() { # state file -> t_ms (-1 if unreadable), without starting a process
  local line="" re='"t_ms":(-?[0-9]+)'
  IFS= read -r line <"$1" 2>/dev/null
  if [[ $line =~ $re ]]; then echo "${BASH_REMATCH[1]}"; else echo -1; fi
}

window_case() { # name FROM_MS: plays from FROM_MS (--start: still no input)
  local c=$1 from=$2 state=$TMP/$1-state.json
  rm -f "$state"
  # half speed: each still stretch lasts twice as long on the wall clock,
  # room for a busy machine between reading t and taking the picture
  "$BIN" play "$TMP/$c/replay.json" --kiosk --chat --speed 0.5 --start "$from" --state-file "$state" \
    >"$TMP/$c-player.log" 2>&1 &
  PLAYER_PID=$!
  mapfile -t gaps < <(quiet_gaps "$TMP/$c/truth.json" "$from")
  [ "${#gaps[@]}" -ge 3 ] || { echo "FAIL: $c: fewer than 3 quiet stretches in truth.json"; fail=1; return; }
  # three still stretches, early, middle and late in the class; a stretch
  # missed (a busy machine read t too late) is a note and the next one
  # is taken instead
  local shots=0 prev="" k
  for k in $(seq 0 $(( ${#gaps[@]} - 1 ))); do
    [ "$shots" -ge 3 ] && break
    read -r a b <<<"${gaps[$k]}"
    # the picture holds still for t in [a, b): shoot inside [a+200, b-900]
    local g0=$((a + 200)) g1=$((b - 900))
    # wait (bounded) until the class, playing by itself, is inside the gap
    local t=-1 tries=0
    while [ $tries -lt 3000 ]; do
      t=$(state_t "$state")
      [ "$t" -ge "$g0" ] && break
      sleep 0.05; tries=$((tries + 1))
    done
    if ! { [ "$t" -ge "$g0" ] && [ "$t" -lt "$g1" ]; } 2>/dev/null; then
      echo "note: $c: missed the still stretch $g0..$g1 (t=$t)"; continue
    fi
    xwd -root -silent >"$TMP/$c-shot$k.xwd"
    local t2; t2=$(state_t "$state")
    convert "xwd:$TMP/$c-shot$k.xwd" "$TMP/$c-shot$k.png"
    if [ "$t2" -ge "$b" ]; then echo "note: $c: the still stretch $a..$b passed during the screenshot"; continue; fi
    "$BIN" render "$TMP/$c/replay.json" --at "$t2" --chat -o "$TMP/$c-render$k.png" \
      2>"$TMP/$c-render$k.log" || [ $? -eq 1 ] || { echo "FAIL: $c: render: $(cat "$TMP/$c-render$k.log")"; fail=1; }
    local ae; ae=$(compare -metric AE -fuzz 25% "$TMP/$c-shot$k.png" "$TMP/$c-render$k.png" null: 2>&1)
    if [ "${ae%%.*}" -le 921 ] 2>/dev/null; then
      echo "ok: $c: window at t=$t2 ms == render (pixels off: $ae)"; shots=$((shots + 1))
    else
      echo "FAIL: $c: window at t=$t2 ms differs from render in $ae pixels"; fail=1
    fi
    if [ -n "$prev" ]; then
      local d; d=$(compare -metric AE -fuzz 25% "$prev" "$TMP/$c-shot$k.png" null: 2>&1)
      [ "${d%%.*}" -gt 921 ] 2>/dev/null && echo "ok: $c: the picture moved by itself ($d pixels)" \
        || { echo "FAIL: $c: the window did not change between screenshots ($d)"; fail=1; }
    fi
    prev=$TMP/$c-shot$k.png
  done
  proc_stop "$PLAYER_PID" || fail=1; PLAYER_PID=
  [ "$shots" -ge 3 ] || { echo "FAIL: $c: fewer than three screenshots compared"; fail=1; }
}
# the audio-only class from 3 s (the still stretches from 4 s on, as when
# it played from the start and skipped the first 3 s); the other from
# the start of the cameras' hole: every screenshot inside it, where only
# the class's clock moves the board (before, the shots were all taken
# before the hole, and the wait for them at half speed was the longest
# part of the test)
window_case audio 3000
hole_start=$(jq .camera_hole.start_ms "$TMP/hole/truth.json")
window_case hole "$hole_start"

[ $fail -eq 0 ] && echo "PASS" || echo "FAILED"
exit $fail
