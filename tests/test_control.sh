#!/usr/bin/env bash
# The remote control (docs/control.md), driven by Python's websockets
# (Debian's python3-websockets, run with Debian's /usr/bin/python3): for
# headless play and for the real window under Xvfb, tests/control_client.py
# checks authentication refused and accepted, seek (the state file
# agreeing, in the window), pause, speed, layout, observe events in order,
# screenshot, 50 malformed messages with the player still running, a
# ninth client refused, load of a second recording, and quit (the process
# then exits 0 by itself).
set -euo pipefail
source "$SIGPLAY_SOURCE_DIR/tests/support/xvfb.sh"
BIN="$SIGPLAY_BIN"
SAMPLE="$SIGPLAY_SAMPLE_DIR"
TMP="$SIGPLAY_TEST_TMP/control"
PY=/usr/bin/python3
CLIENT="$SIGPLAY_SOURCE_DIR/tests/control_client.py"
rm -rf "$TMP"
mkdir -p "$TMP"
fail() { echo "FAIL: $*" >&2; exit 1; }
"$PY" -c 'import websockets' 2>/dev/null \
  || fail "Debian's python3-websockets is missing (scripts/deps.sh installs it)"

# a second, shorter recording for "load"
"$SIGPLAY_BUILD_DIR/sigplay-mkclass" -q -o "$TMP/second" --duration-ms 20000 \
  || fail "mkclass"
SECOND="$TMP/second/replay.json"

free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# run_case NAME STATE SHOT -- sigplay args...
run_case() {
  local name=$1 state=$2 shot=$3; shift 4
  local port; port=$(free_port)
  # debug: the startup steps, so a player that stops answering says where
  SIGPLAY_LOG=debug "$BIN" play "$SAMPLE/replay.json" "$@" --control "$port" \
    >"$TMP/$name.out" 2>"$TMP/$name.err" &
  local pid=$!
  local token=""
  for _ in $(seq 100); do
    token=$(sed -n 's/^sigplay: play: control on ws:.* token \([0-9a-f]*\)$/\1/p' "$TMP/$name.out")
    [ -n "$token" ] && break
    kill -0 $pid 2>/dev/null || break
    sleep 0.1
  done
  [ -n "$token" ] || { kill $pid 2>/dev/null; fail "$name: no token printed ($(cat "$TMP/$name.err"))"; }
  [ "$(grep -c token "$TMP/$name.out")" -eq 1 ] || fail "$name: the token printed more than once"
  if ! timeout 120 "$PY" "$CLIENT" "$port" "$token" "$state" "$SECOND" "$shot" "$name" \
      >"$TMP/$name.client" 2>&1; then
    cat "$TMP/$name.client" >&2
    echo "$name: the player's log:" >&2
    grep -v ': trace: ' "$TMP/$name.err" | tail -40 >&2
    if kill -0 $pid 2>/dev/null; then
      echo "$name: the player is still running; its stacks:" >&2
      proc_stacks $pid >&2
      proc_stop $pid 5 >&2 || true
    fi
    fail "$name: the client failed"
  fi
  sed "s/^/$name: /" "$TMP/$name.client"
  local rc=0
  for _ in $(seq 100); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
  if kill -0 $pid 2>/dev/null; then kill $pid; fail "$name: still running after quit"; fi
  wait $pid || rc=$?
  [ $rc -le 1 ] || fail "$name: exit $rc after quit ($(cat "$TMP/$name.err"))"
  echo "ok: $name: exited $rc after quit"
}

run_case headless - - -- --headless --no-audio --pause

# the real window, under Xvfb
if command -v Xvfb >/dev/null; then
  # Xvfb picks a free display itself and says which once it listens (a
  # player started before that would find no display)
  xvfb_start 1280x720 "$TMP/xvfb.log" || fail "Xvfb did not start"
  trap 'proc_stop $XVFB_PID >/dev/null 2>&1 || true' EXIT
  export SDL_VIDEODRIVER=x11 SDL_AUDIODRIVER=dummy
  run_case window "$TMP/state.json" "$TMP/shot.png" -- --no-audio --pause --size 960x540 \
    --state-file "$TMP/state.json"
  identify "$TMP/shot.png" | grep -q '960x540' || fail "window: the screenshot is not 960x540"
  echo "ok: window: the screenshot is a 960x540 PNG"
else
  fail "Xvfb is missing (scripts/deps.sh installs it)"
fi
echo PASS
