#!/usr/bin/env bash
# exit_after_q.sh - how long `sigplay play` takes to exit after `q`: from
# the key press (sent through XTest, as `xdotool key q` does, and synced
# with the X server) to the process's exit (waitpid), in the window under
# one X display (DISPLAY, else a private Xvfb), playing with audio on SDL's
# dummy driver (SDL_AUDIODRIVER may say otherwise). Each run waits for the
# first picture, then PLAY_MS of playback, then presses q. Prints each run
# and the median.
#
# The key comes from this script's one long-lived process: starting
# xdotool itself takes 50-250 ms on a loaded machine, which is not the
# player's time. xdotool only finds and focuses the window, untimed.
#
# Usage: bench/exit_after_q.sh [BUILD_DIR] [SOURCE]
#   BUILD_DIR: a release build (default: build); SOURCE: a replay.json or a
#   URL (default: BUILD_DIR/sample/replay.json; serve it slowly with
#   tests/support/nginx.sh to measure with downloads in flight).
#   Env: RUNS (default 7), PLAY_MS (default 1000), SIGPLAY_OPTS (more
#   options for `play`, e.g. "--cache-dir DIR"); SIGPLAY_LOG=debug makes
#   each run's log (kept in KEEP_LOGS=DIR) say how long each part of the
#   shutdown took.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../build}
src=${2:-$build/sample/replay.json}
runs=${RUNS:-7}
play_ms=${PLAY_MS:-1000}
bin=$build/sigplay
[ -x "$bin" ] || { echo "no $bin: build first" >&2; exit 64; }
command -v xdotool >/dev/null || { echo "needs xdotool" >&2; exit 64; }
py=/usr/bin/python3
[ -x "$py" ] || py=python3

tmp=$(mktemp -d)
XVFB_PID=
trap '[ -n "$XVFB_PID" ] && kill "$XVFB_PID" 2>/dev/null; rm -rf "$tmp"' EXIT
if [ -z "${DISPLAY:-}" ]; then
  command -v Xvfb >/dev/null || { echo "needs DISPLAY or Xvfb" >&2; exit 64; }
  source "$here/../tests/support/xvfb.sh"
  xvfb_start 1280x720 "$tmp/xvfb.log" || exit 1
fi
export SDL_VIDEODRIVER=x11 SDL_AUDIODRIVER=${SDL_AUDIODRIVER:-dummy}

# shellcheck disable=SC2086
"$py" - "$bin" "$src" "$runs" "$play_ms" "${KEEP_LOGS:-$tmp}" ${SIGPLAY_OPTS:-} <<'PY'
import ctypes, json, os, statistics, subprocess, sys, time

binary, src, runs, play_ms, logs = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
extra = sys.argv[6:]
os.makedirs(logs, exist_ok=True)
x = ctypes.CDLL("libX11.so.6")
xt = ctypes.CDLL("libXtst.so.6")
x.XOpenDisplay.restype = ctypes.c_void_p
x.XOpenDisplay.argtypes = [ctypes.c_char_p]
x.XStringToKeysym.restype = ctypes.c_ulong
x.XStringToKeysym.argtypes = [ctypes.c_char_p]
x.XKeysymToKeycode.restype = ctypes.c_ubyte
x.XKeysymToKeycode.argtypes = [ctypes.c_void_p, ctypes.c_ulong]
x.XSync.argtypes = [ctypes.c_void_p, ctypes.c_int]
xt.XTestFakeKeyEvent.argtypes = [ctypes.c_void_p, ctypes.c_uint, ctypes.c_int, ctypes.c_ulong]
dpy = x.XOpenDisplay(None)
if not dpy:
    sys.exit("cannot open the display")
q = x.XKeysymToKeycode(dpy, x.XStringToKeysym(b"q"))

def run(i):
    state = os.path.join(logs, "state%d.json" % i)
    try:
        os.unlink(state)
    except OSError:
        pass
    log = open(os.path.join(logs, "play%d.log" % i), "w")
    p = subprocess.Popen([binary, "play", src, "--state-file", state] + extra,
                         stdout=log, stderr=log)
    deadline = time.monotonic() + 30
    while True:
        if time.monotonic() > deadline or p.poll() is not None:
            p.kill()
            p.wait()
            sys.exit("run %d: no first picture (%s)" % (i, open(log.name).read()[-300:]))
        try:
            if json.load(open(state)).get("first_present_us", 0):
                break
        except (OSError, ValueError):
            pass
        time.sleep(0.02)
    wid = subprocess.run(["xdotool", "search", "--sync", "--onlyvisible", "--name", "^sigplay$"],
                         capture_output=True, text=True).stdout.split()
    if wid:
        subprocess.run(["xdotool", "windowfocus", "--sync", wid[0]], capture_output=True)
    time.sleep(play_ms / 1000)
    xt.XTestFakeKeyEvent(dpy, q, 1, 0)
    xt.XTestFakeKeyEvent(dpy, q, 0, 0)
    x.XSync(dpy, 0)
    t0 = time.monotonic()
    try:
        p.wait(30)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
        sys.exit("run %d: still running 30 s after q" % i)
    return (time.monotonic() - t0) * 1000

ms = []
for i in range(1, runs + 1):
    ms.append(run(i))
    print("run %d: exit after q: %.0f ms" % (i, ms[-1]), flush=True)
print("median of %d: exit after q: %.0f ms (min %.0f, max %.0f)"
      % (runs, statistics.median(ms), min(ms), max(ms)))
PY
