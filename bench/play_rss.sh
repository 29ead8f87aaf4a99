#!/usr/bin/env bash
# play_rss.sh - memory of the playback engine over a long class: peak RSS
# while playing a 2-hour 4-lane class headless at max speed (every frame of
# every lane decoded and selected, all audio mixed), and RSS at ten points
# of playback time to show it stays flat (ratio of the last quarter's mean
# to the first quarter's). Baseline in the same run: the peak RSS of
# `ffmpeg -i SEGMENT -f null -` decoding one of the class's media files.
# Target (issue): peak under 250 MB, flat over time.
#
# The class is generated with sigplay-mkclass when missing: 2 h, 4 lanes,
# small frames (default 160x90 at 10 fps, so generating takes minutes, not
# hours; frame size changes the decoder's buffers, not the engine's
# queues, which are bounded in frames and packets).
#
# Usage: bench/play_rss.sh [BUILD_DIR] [CLASS_DIR]
#   BUILD_DIR: a release build (default: build); CLASS_DIR: default
#   BUILD_DIR/class2h. Env: RUNS (default 1), SIZE (160x90), FPS (10),
#   INTERVAL (RSS sampling period in wall seconds, default 0.5).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../build}
class=${2:-$build/class2h}
runs=${RUNS:-1}
size=${SIZE:-160x90}
fps=${FPS:-10}
interval=${INTERVAL:-0.5}
bin=$build/sigplay
[ -x "$bin" ] || { echo "no $bin: build first" >&2; exit 64; }
[ -x /usr/bin/time ] || { echo "needs GNU time (/usr/bin/time)" >&2; exit 64; }
command -v ffmpeg >/dev/null || { echo "needs ffmpeg" >&2; exit 64; }
if [ ! -f "$class/replay.json" ]; then
  echo "generating a 2-hour 4-lane class at $size, $fps fps into $class ..." >&2
  "$build/sigplay-mkclass" -q -o "$class" --duration-ms 7200000 --lanes 4 --size "$size" \
    --fps "$fps"
fi
total_ms=$(grep -o '"TotalTime":[[:space:]]*[0-9]*' "$class/replay.json" | head -1 | grep -o '[0-9]*$')
[ -n "$total_ms" ] || { echo "no TotalTime in $class/replay.json" >&2; exit 64; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# One run: samples "t_ms rss_kb" into $tmp/samples.N while playing; peak
# (max resident, kB) from GNU time into $tmp/peak.N; wall seconds to
# $tmp/wall.N.
play_once() {
  local n=$1 trace=$tmp/trace.$1
  : >"$tmp/samples.$n"
  local s e
  s=$(date +%s.%N)
  /usr/bin/time -f "%M" -o "$tmp/peak.$n" \
    "$bin" play "$class/replay.json" --headless --max-speed --trace "$trace" \
    >/dev/null 2>"$tmp/err.$n" &
  local tpid=$!
  local pid=""
  for _ in $(seq 50); do
    pid=$(pgrep -P "$tpid" -x sigplay || true)
    [ -n "$pid" ] && break
    sleep 0.1
  done
  while [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; do
    rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status" 2>/dev/null || true)
    # playback time reached: the last complete trace line (stdio buffers
    # the trace, so this lags by a few KB of lines at most)
    t=$({ tail -c 4096 "$trace" 2>/dev/null || true; } |
        awk -F'\t' '!/^#/ && NF > 2 { l = $1 } END { print l + 0 }')
    [ -n "$rss" ] && echo "$t $rss" >>"$tmp/samples.$n"
    sleep "$interval"
  done
  wait "$tpid" || { echo "play failed: $(tail -3 "$tmp/err.$n")" >&2; return 1; }
  e=$(date +%s.%N)
  awk -v s="$s" -v e="$e" 'BEGIN { print e - s }' >"$tmp/wall.$n"
  rm -f "$trace"
}

seg=$(ls -S "$class"/media/*.mp4 | head -1) # the biggest file
for n in $(seq "$runs"); do
  play_once "$n"
  /usr/bin/time -f "%M" -o "$tmp/ffpeak.$n" ffmpeg -nostdin -v error -i "$seg" -f null - \
    >/dev/null 2>&1
done

peak=$(cat "$tmp"/peak.* | median)
ffpeak=$(cat "$tmp"/ffpeak.* | median)
wall=$(cat "$tmp"/wall.* | median)
echo "class: $class ($(ls "$class"/media/*.mp4 | wc -l) media files, TotalTime $total_ms ms," \
  "$(grep -o '"lanes":[[:space:]]*[0-9]*' "$class/truth.json" | grep -o '[0-9]*$') lanes," \
  "$size at $fps fps), $runs run(s), medians"
echo "wall time (max speed)           $(awk -v w="$wall" 'BEGIN { printf "%.1f s", w }')"
awk -v p="$peak" -v f="$ffpeak" 'BEGIN {
  printf "peak RSS sigplay play          %.1f MB (target < 250)\n", p / 1024
  printf "peak RSS ffmpeg -f null (1 file) %.1f MB\n", f / 1024
  printf "ratio                           %.2f\n", p / f }'
# RSS at ten points of playback time (first run), and flatness
awk -v T="$total_ms" '
  { t[NR] = $1; r[NR] = $2 }
  END {
    if (NR == 0) { print "no RSS samples"; exit 1 }
    printf "RSS over playback time (MB):"
    for (k = 1; k <= 10; k++) {
      want = T * k / 10; best = 1
      for (i = 1; i <= NR; i++) if (t[i] <= want) best = i
      printf " %d%%:%.1f", k * 10, r[best] / 1024
    }
    printf "\n"
    for (i = 1; i <= NR; i++) {
      if (t[i] <= T / 4) { q1 += r[i]; n1++ }
      if (t[i] >= T * 3 / 4) { q4 += r[i]; n4++ }
    }
    if (n1 && n4)
      printf "flatness: last quarter / first quarter mean RSS = %.3f (%d and %d samples)\n",
             (q4 / n4) / (q1 / n1), n4, n1
  }' "$tmp/samples.1"
