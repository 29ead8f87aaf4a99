#!/usr/bin/env bash
# soak.sh - a two-hour class played headless with its audio mixed into the
# null sink: is memory flat, and does the sound stay with the pictures?
#
# - RSS (VmRSS) of the player every INTERVAL wall seconds (default 10);
#   flatness = mean RSS of the last quarter of the samples / mean of the
#   first quarter (1.00 is flat).
# - A/V offset from the trace (`--trace-av`): at each lane's frame
#   presentation (a line where that lane's picture changed) while the lane
#   sounds, the playback time its sound at the sink was stamped for minus
#   the one of the frame (ms; positive = audio early). Reported as p5 / p50
#   / p95 against ATSC IS-191's window: audio at most 15 ms early and at
#   most 45 ms late (+15 / -45 ms).
#
# The class (generated when missing, the parameters of bench/class_open.sh):
# 2 h, 3 lanes at 160x90 5 fps, 500k board ops, 20k chat messages, a
# 10-minute pause.
#
# Usage: bench/soak.sh BUILD [CLASS]
#   BUILD: a release build (sigplay, sigplay-mkclass); CLASS: default
#   BUILD/class2h.
# Env:
#   SPEED     max (default: --max-speed, no clock; the null sink reads the
#             mix up to each step's t) or a real-time speed 0.5 .. 2 (the
#             system clock paces play, the null sink is the master the way
#             a device is, as in the window); real time at 1 takes the
#             class's length
#   UNTIL     class time to play (any form of --until: 15m, 1:00:00;
#             default the whole class)
#   INTERVAL  RSS sampling period, wall seconds (default 10)
set -euo pipefail
build=${1:?usage: bench/soak.sh BUILD [CLASS]}
class=${2:-$build/class2h}
speed=${SPEED:-max}
until_t=${UNTIL:-}
interval=${INTERVAL:-10}
bin=$build/sigplay
[ -x "$bin" ] || { echo "no $bin: build first" >&2; exit 64; }
if [ ! -f "$class/replay.json" ]; then
  echo "generating the class into $class (a few minutes)" >&2
  "$build/sigplay-mkclass" -q -o "$class" --duration-ms 7200000 --lanes 3 --size 160x90 --fps 5 \
    --ops 500000 --chat 20000 --pause-ms 600000
fi
tmp=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT

mode=(--max-speed)
[ "$speed" = max ] || mode=(--speed "$speed")
args=("$class/replay.json" --headless "${mode[@]}" --trace "$tmp/trace.tsv" --trace-av)
[ -z "$until_t" ] || args+=(--until "$until_t")

start=$(date +%s)
"$bin" play "${args[@]}" >/dev/null 2>"$tmp/err" &
pid=$!
: >"$tmp/rss"
while kill -0 "$pid" 2>/dev/null; do
  rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status" 2>/dev/null || true)
  # playback time reached: the last complete trace line
  t=$({ tail -c 4096 "$tmp/trace.tsv" 2>/dev/null || true; } |
      awk -F'\t' '!/^#/ && NF > 2 { l = $1 } END { print l + 0 }')
  [ -z "$rss" ] || echo "$(($(date +%s) - start)) $t $rss" >>"$tmp/rss"
  sleep "$interval"
done
rc=0
wait "$pid" || rc=$?
pid=""
wall=$(($(date +%s) - start))
[ $rc -le 1 ] || { echo "play failed ($rc): $(tail -3 "$tmp/err")" >&2; exit 1; }

# offsets at each lane's frame presentations (lane cells are columns 3 ..
# NF-3; the last column is av_ms: "lane:ms,lane:ms" or "-")
awk -F'\t' '/^#/ { next }
  { n = split($NF, it, ",")
    for (k = 1; k <= n; k++) {
      if (split(it[k], kv, ":") != 2) continue
      if ($(kv[1] + 2) != prev[kv[1]]) print kv[2]
    }
    for (i = 3; i <= NF - 3; i++) prev[i - 2] = $i
    last = $1 }
  END { print last > "/dev/stderr" }' "$tmp/trace.tsv" 2>"$tmp/last" | sort -g >"$tmp/av"
played=$(cat "$tmp/last")
lines=$(grep -vc '^#' "$tmp/trace.tsv" || true)

echo "class: $class, TotalTime $(jq .TotalTime "$class/replay.json") ms;" \
  "played to t = ${played} ms at speed $speed in $wall s wall ($lines trace lines, exit $rc)"
echo "command: $bin play ${args[*]/#$tmp\/trace.tsv/TRACE}"
# samples before the first presented frame (opening the class, reading
# its pages) are start-up, not playing: left out of the quarters
awk -v I="$interval" '$2 > 0 { n++; w[n] = $1; t[n] = $2; r[n] = $3 }
  END {
    if (n < 4) { print "RSS: only " n " samples while playing: too short a run to judge"; exit }
    q = int(n / 4)
    for (i = 1; i <= q; i++) a += r[i]
    for (i = n - q + 1; i <= n; i++) b += r[i]
    for (i = 1; i <= n; i++) if (r[i] > peak) peak = r[i]
    printf "RSS: %d samples every %d s while playing; first quarter %.1f MB, last quarter" \
           " %.1f MB, peak %.1f MB; flatness (last / first) %.3f\n", n, I, a / q / 1024,
           b / q / 1024, peak / 1024, b / a
    printf "RSS over the run (wall s / t s / MB):"
    for (k = 1; k <= 8; k++) { i = int(n * k / 8); if (i < 1) i = 1
      printf " %d/%.0f/%.1f", w[i], t[i] / 1000, r[i] / 1024 }
    printf "\n" }' "$tmp/rss"
awk '{ v[NR] = $1 }
  END {
    if (NR == 0) { print "A/V: no lane sounded at a frame presentation"; exit 1 }
    p = "5 50 95"; split(p, ps, " ")
    for (k = 1; k <= 3; k++) { i = int(NR * ps[k] / 100 + 0.999999); if (i < 1) i = 1; q[k] = v[i] }
    for (i = 1; i <= NR; i++) if (v[i] > 15 || v[i] < -45) out++
    printf "A/V offset (ms, + = audio early) at %d frame presentations: min %.3f p5 %.3f" \
           " p50 %.3f p95 %.3f max %.3f; outside +15/-45: %d (%.3f%%)\n", NR, v[1], q[1], q[2],
           q[3], v[NR], out, 100 * out / NR
    ok = q[3] <= 15 && q[1] >= -45
    printf "ATSC IS-191 (+15 / -45 ms) at p5/p95: %s\n", ok ? "within" : "OUTSIDE"
    exit ok ? 0 : 1 }' "$tmp/av"
