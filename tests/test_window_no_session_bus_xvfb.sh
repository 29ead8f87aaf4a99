#!/usr/bin/env bash
# test_window_no_session_bus_xvfb.sh - the window opens on a machine with
# no D-Bus session bus (a kiosk, a CI box, ssh -X), without starting one.
#
# With no bus to find, libdbus would fork the threaded player to exec
# `dbus-launch --autolaunch` while SDL's video starts, and read the
# child's pipe with no timeout: a child stuck before its exec left the
# window unopened for good (seen under load). Here PATH holds a
# dbus-launch that notes it was run and then never answers, the old
# stall made certain: the window must show its first picture, take a
# remote `quit` and end, and the fake dbus-launch must never have run.
# The second case gives an address where no bus listens (a session that
# went away): the window opens all the same.
set -u
BIN=${SIGPLAY_BIN:?} SAMPLE=${SIGPLAY_SAMPLE_DIR:?}
TMP=${SIGPLAY_TEST_TMP:?}/window_no_session_bus
rm -rf "$TMP" && mkdir -p "$TMP/bin"
for tool in Xvfb jq; do
  command -v $tool >/dev/null || { echo "FAIL: $tool is missing (scripts/deps.sh installs it)"; exit 1; }
done
source "$SIGPLAY_SOURCE_DIR/tests/support/xvfb.sh"

XVFB_PID= PLAYER_PID=
cleanup() {
  [ -n "$PLAYER_PID" ] && proc_stop "$PLAYER_PID"
  [ -n "$XVFB_PID" ] && proc_stop "$XVFB_PID"
  [ -f "$TMP/dbus-launch.pids" ] && kill $(cat "$TMP/dbus-launch.pids") 2>/dev/null
  proc_stop_verdict
}
trap cleanup EXIT
fail=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fail=1; }

cat >"$TMP/bin/dbus-launch" <<EOF
#!/bin/sh
echo "\$*" >>"$TMP/dbus-launch.ran"
echo \$\$ >>"$TMP/dbus-launch.pids"
exec sleep 3600
EOF
chmod +x "$TMP/bin/dbus-launch"

xvfb_start 1280x720 "$TMP/xvfb.log" || { echo "FAIL: no virtual display"; exit 1; }
export SDL_VIDEODRIVER=x11 SDL_AUDIODRIVER=dummy

# run_case NAME [ENV...]: plays the sample paused until its first picture,
# then sends SIGTERM (a stop signal ends the window's loop as q does)
run_case() {
  local name=$1 state=$TMP/$1.state.json
  shift
  rm -f "$TMP/dbus-launch.ran"
  env -u DBUS_SESSION_BUS_ADDRESS -u XDG_RUNTIME_DIR PATH="$TMP/bin:$PATH" "$@" \
    SIGPLAY_LOG=debug "$BIN" play "$SAMPLE/replay.json" --no-audio --pause --size 640x360 \
    --state-file "$state" >"$TMP/$name.log" 2>&1 &
  PLAYER_PID=$!
  local seen=0
  for _ in $(seq 600); do # a minute: a first picture takes well under a second
    jq -e '.first_present_us > 0' "$state" >/dev/null 2>&1 && { seen=1; break; }
    kill -0 "$PLAYER_PID" 2>/dev/null || break
    sleep 0.1
  done
  if [ $seen = 1 ]; then
    ok "$name: the window showed its first picture"
  else
    bad "$name: no first picture in a minute; the player's log and stacks:"
    grep -v ': trace: ' "$TMP/$name.log" | tail -20
    kill -0 "$PLAYER_PID" 2>/dev/null && proc_stacks "$PLAYER_PID"
  fi
  if proc_stop "$PLAYER_PID" 10; then
    ok "$name: a stop signal ended it"
  else
    bad "$name: still running 10 s after SIGTERM"
  fi
  PLAYER_PID=
  if [ -e "$TMP/dbus-launch.ran" ]; then
    bad "$name: dbus-launch was run: $(cat "$TMP/dbus-launch.ran")"
  else
    ok "$name: no dbus-launch was run"
  fi
}

# 1. no session bus at all
run_case no_bus
# 2. an address where no bus listens: libdbus fails to connect, SDL goes on
run_case gone_bus DBUS_SESSION_BUS_ADDRESS="unix:path=$TMP/no-such-bus"

[ $fail = 0 ] && echo PASS
exit $fail
