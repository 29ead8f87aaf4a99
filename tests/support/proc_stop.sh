# proc_stop.sh - sourced by shell tests: stops a background child without
# ever waiting on it unboundedly (a bare `wait` in a cleanup trap hung a
# run for the whole ctest timeout when a player never answered SIGTERM).
#
#   proc_stop PID [SECS]   SIGTERM, then up to SECS (default 10) for PID to
#                          end; if it has not, prints its threads' stacks
#                          (gdb, when installed: where it was stuck is the
#                          finding) and SIGKILLs it. Reaps PID. Returns 0
#                          if it ended on SIGTERM, 1 if it had to be killed
#                          (and sets PROC_STOP_KILLED=1)
#   proc_stop_verdict      in a cleanup trap, last: exit 1 if any proc_stop
#                          had to kill (a player deaf to SIGTERM is a bug)
#   proc_stacks PID        prints PID's threads' stacks (gdb, when
#                          installed), for a test that finds a child not
#                          answering: where it is stuck is the finding
proc_stop() {
  local pid=$1 secs=${2:-10} _i
  kill "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null; return 0; }
  for _i in $(seq $((secs * 10))); do
    kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null; return 0; }
    sleep 0.1
  done
  echo "FAIL: process $pid ($(tr '\0' ' ' </proc/"$pid"/cmdline 2>/dev/null | cut -c1-200)) still running ${secs} s after SIGTERM; its stacks:"
  proc_stacks "$pid"
  kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  PROC_STOP_KILLED=1
  return 1
}

proc_stacks() {
  if command -v gdb >/dev/null; then
    timeout 60 gdb -q -batch -p "$1" -ex 'thread apply all bt 30' 2>&1 | grep -E '^(Thread|#)' | head -300
  fi
}

proc_stop_verdict() {
  [ -z "${PROC_STOP_KILLED:-}" ] || exit 1
}
