# xvfb.sh - sourced by shell tests: a virtual X display of their own.
#
#   xvfb_start WxH LOGFILE   starts Xvfb on a free display (Xvfb picks it
#                            itself with -displayfd: no race with another
#                            X server starting at the same moment), sets
#                            XVFB_PID and exports DISPLAY; returns 1 if it
#                            did not start within 10 s
#   proc_stop "$XVFB_PID"    stops it (the caller's cleanup trap;
#                            proc_stop.sh, sourced here, never waits
#                            unboundedly)
#   window_find PID          sets WID to the player's visible window,
#                            waiting at most 60 s; returns 1 without one,
#                            after printing the stacks of PID (a player
#                            stuck before its window must fail the test,
#                            not hang it)
source "$(dirname "${BASH_SOURCE[0]}")/proc_stop.sh"

xvfb_start() {
  local size=$1 log=$2 fifo
  fifo=$(mktemp -u)
  Xvfb -displayfd 3 -screen 0 "${size}x24" -nolisten tcp 3>"$fifo.num" >"$log" 2>&1 &
  XVFB_PID=$!
  local _i
  for _i in $(seq 100); do
    [ -s "$fifo.num" ] && break
    kill -0 "$XVFB_PID" 2>/dev/null || break
    sleep 0.1
  done
  local n; n=$(head -1 "$fifo.num" 2>/dev/null)
  rm -f "$fifo.num"
  [ -n "$n" ] || { echo "Xvfb did not start: $(cat "$log")" >&2; return 1; }
  export DISPLAY=:$n
}

window_find() {
  WID=$(timeout 60 xdotool search --sync --onlyvisible --name '^sigplay$' | head -1) || WID=
  [ -n "$WID" ] && return 0
  echo "no sigplay window within 60 s; the player's stacks:"
  proc_stacks "$1"
  return 1
}
