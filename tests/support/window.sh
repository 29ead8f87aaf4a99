# window.sh - sourced by the window tests: a virtual display of their own,
# the player in it, and waits on its state file (never fixed sleeps).
#
#   window_setup WxH            starts Xvfb (xvfb.sh) with a cleanup trap
#                               that stops the player and the display,
#                               selects SDL's x11 video and dummy audio,
#                               sets STATE=$TMP/state.json; exits with a
#                               FAIL line when no display starts
#   state_wait EXPR [SECS]      0 once the jq expression EXPR holds in
#                               $STATE, polled every 0.1 s for up to SECS
#                               (default 10); 1 if it never did
#   player_start READY SECS ARGS...
#                               `$BIN play ARGS --state-file $STATE` in the
#                               background (log: $TMP/player.log, or
#                               $PLAYER_LOG), PLAYER_PID set; waits SECS for
#                               READY to hold, then for the window (WID);
#                               exits with a FAIL line if either is missing
# Needs BIN and TMP set by the caller; sources xvfb.sh next to this file.
source "$(dirname "${BASH_SOURCE[0]}")/xvfb.sh"

XVFB_PID= PLAYER_PID=
window_cleanup() {
  [ -n "$PLAYER_PID" ] && proc_stop "$PLAYER_PID"
  [ -n "$XVFB_PID" ] && proc_stop "$XVFB_PID"
  proc_stop_verdict
}

window_setup() {
  trap window_cleanup EXIT
  xvfb_start "$1" "$TMP/xvfb.log" || { echo "FAIL: no virtual display"; exit 1; }
  export SDL_VIDEODRIVER=x11 SDL_AUDIODRIVER=dummy
  STATE=$TMP/state.json
}

state_wait() {
  local _i
  for _i in $(seq $((${2:-10} * 10))); do
    jq -e "$1" "$STATE" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  return 1
}

player_start() {
  local ready=$1 secs=$2 log=${PLAYER_LOG:-$TMP/player.log}
  shift 2
  "$BIN" play "$@" --state-file "$STATE" >"$log" 2>&1 &
  PLAYER_PID=$!
  state_wait "$ready" "$secs" || { echo "FAIL: no state file"; cat "$log"; exit 1; }
  window_find "$PLAYER_PID" || { echo "FAIL: no window"; exit 1; }
}
