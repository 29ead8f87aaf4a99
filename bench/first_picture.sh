#!/usr/bin/env bash
# first_picture.sh - the window's first picture: from process start to the
# first presented frame of `sigplay play SAMPLE` (the state file's
# first_present_us, CLOCK_MONOTONIC, against the same clock read just
# before the process is started), beside ffplay's time to its first picture
# on one of the sample's files (ffplay maps its window when it shows its
# first frame: the MapNotify seen on the root window). Both in the same
# run, interleaved, under one X display (DISPLAY, else a private Xvfb);
# prints each run and the medians.
#
# Usage: bench/first_picture.sh [BUILD_DIR] [CLASS_DIR]
#   BUILD_DIR: a release build (default: build); CLASS_DIR: a class made by
#   sigplay-mkclass (default: BUILD_DIR/sample). Env: RUNS (default 5);
#   BREAKDOWN=1 runs sigplay with SIGPLAY_LOG=debug and prints, per run,
#   when each startup step ended (its "startup: ... at N us" lines, on the
#   same clock), from the process's start.
#   HTTP=1: the class is served by nginx on 127.0.0.1 and played from its
#   URL with an empty --cache-dir each run (the cold open of a remote
#   class; ffplay still opens the local file).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../build}
class=${2:-$build/sample}
runs=${RUNS:-5}
bin=$build/sigplay
[ -x "$bin" ] || { echo "no $bin: build first" >&2; exit 64; }
[ -f "$class/replay.json" ] || { echo "no $class/replay.json" >&2; exit 64; }
command -v ffplay >/dev/null || { echo "needs ffplay (ffmpeg)" >&2; exit 64; }
py=/usr/bin/python3
[ -x "$py" ] || py=python3

tmp=$(mktemp -d)
XVFB_PID=
trap '[ -n "$XVFB_PID" ] && kill "$XVFB_PID" 2>/dev/null; nginx_stop 2>/dev/null; rm -rf "$tmp"' EXIT
replay=$class/replay.json
if [ "${HTTP:-0}" = 1 ]; then
  command -v nginx >/dev/null || { echo "HTTP=1 needs nginx" >&2; exit 64; }
  source "$here/../tests/support/nginx.sh"
  nginx_start "$(cd "$class" && pwd)" "$tmp/nginx"
  replay="http://127.0.0.1:$NGINX_PORT/replay.json"
fi
if [ -z "${DISPLAY:-}" ]; then
  command -v Xvfb >/dev/null || { echo "needs DISPLAY or Xvfb" >&2; exit 64; }
  source "$here/../tests/support/xvfb.sh"
  xvfb_start 1280x720 "$tmp/xvfb.log" || exit 1
fi
export SDL_AUDIODRIVER=${SDL_AUDIODRIVER:-dummy}
first=$(ls "$class"/media/*.mp4 | head -1)

"$py" - "$bin" "$replay" "$first" "$runs" "$tmp" <<'EOF'
import ctypes, json, os, re, signal, statistics, subprocess, sys, time

binary, replay, media, runs, tmp = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
breakdown = os.environ.get("BREAKDOWN") == "1"
x = ctypes.CDLL("libX11.so.6")
x.XOpenDisplay.restype = ctypes.c_void_p
x.XOpenDisplay.argtypes = [ctypes.c_char_p]
x.XDefaultRootWindow.restype = ctypes.c_ulong
x.XDefaultRootWindow.argtypes = [ctypes.c_void_p]
x.XSelectInput.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_long]
x.XPending.argtypes = [ctypes.c_void_p]
x.XNextEvent.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
x.XConnectionNumber.argtypes = [ctypes.c_void_p]
x.XFlush.argtypes = [ctypes.c_void_p]
dpy = x.XOpenDisplay(None)
if not dpy:
    sys.exit("cannot open the display")
SUBSTRUCTURE_NOTIFY, MAP_NOTIFY = 1 << 19, 19
x.XSelectInput(dpy, x.XDefaultRootWindow(dpy), SUBSTRUCTURE_NOTIFY)
x.XFlush(dpy)
ev = (ctypes.c_long * 24)()

def drain():
    while x.XPending(dpy):
        x.XNextEvent(dpy, ev)

def wait_map(deadline):
    """Monotonic time of the next top-level window mapped, or None."""
    import select
    while time.monotonic() < deadline:
        while x.XPending(dpy):
            x.XNextEvent(dpy, ev)
            if ctypes.cast(ev, ctypes.POINTER(ctypes.c_int))[0] == MAP_NOTIFY:
                return time.monotonic()
        select.select([x.XConnectionNumber(dpy)], [], [], 0.005)
    return None

def stop(p):
    p.send_signal(signal.SIGTERM)
    try:
        p.wait(10)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()

def sigplay_run(i):
    state = os.path.join(tmp, "state%d.json" % i)
    drain()
    t0 = time.monotonic()
    env = dict(os.environ)
    if breakdown:
        env["SIGPLAY_LOG"] = "debug"
    err = open(os.path.join(tmp, "stderr%d.txt" % i), "w")
    args = [binary, "play", replay, "--state-file", state]
    if replay.startswith("http"):
        args += ["--cache-dir", os.path.join(tmp, "cache%d" % i)]  # cold: empty
    p = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=err, env=env)
    mapped = wait_map(t0 + 30)
    first = None
    while time.monotonic() < t0 + 30 and p.poll() is None:
        try:
            us = json.load(open(state)).get("first_present_us", 0)
        except (OSError, ValueError):
            us = 0
        if us:
            first = us / 1e6 - t0
            break
        time.sleep(0.002)
    stop(p)
    err.close()
    if breakdown:
        steps = []
        for line in open(err.name):
            m = re.search(r"startup: (.*) at (\d+) us", line)
            if m:
                steps.append("%s +%.0f" % (m.group(1), int(m.group(2)) / 1e3 - t0 * 1e3))
        print("  sigplay run %d, ms from the start: %s" % (i + 1, "; ".join(steps)))
    return first, (mapped - t0) if mapped else None

def ffplay_run():
    drain()
    t0 = time.monotonic()
    p = subprocess.Popen(["ffplay", "-loglevel", "quiet", "-nostats", "-an", media],
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    mapped = wait_map(t0 + 30)
    stop(p)
    return (mapped - t0) if mapped else None

sp, spm, ff = [], [], []
for i in range(runs):
    a, am = sigplay_run(i)
    b = ffplay_run()
    print("run %d: sigplay first picture %s ms (window mapped %s ms), ffplay first picture %s ms"
          % (i + 1, "%.0f" % (a * 1000) if a else "-", "%.0f" % (am * 1000) if am else "-",
             "%.0f" % (b * 1000) if b else "-"), flush=True)
    if a: sp.append(a)
    if am: spm.append(am)
    if b: ff.append(b)
if not sp or not ff:
    sys.exit("no measurement")
ms, mf = statistics.median(sp) * 1000, statistics.median(ff) * 1000
print("median of %d: sigplay %.0f ms (window mapped %.0f ms), ffplay %.0f ms, ratio %.2f"
      % (runs, ms, statistics.median(spm) * 1000 if spm else 0, mf, ms / mf))
EOF
