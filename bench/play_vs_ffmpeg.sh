#!/usr/bin/env bash
# play_vs_ffmpeg.sh - CPU time of the whole headless engine at max speed
# (`sigplay play SOURCE --headless --max-speed`: demux, decode every lane's
# video and audio, SEI, selection, mix, null sink) against the baseline of
# decoding the same files with `ffmpeg -i each.mp4 -f null -`, in the same
# run, interleaved; and time to first frame (`--until 0`) against ffmpeg
# decoding one frame of one file. Prints medians and the ratios.
#
# Usage: bench/play_vs_ffmpeg.sh [BUILD_DIR] [CLASS_DIR]
#   BUILD_DIR: a release build (default: build); CLASS_DIR: a class made by
#   sigplay-mkclass (default: BUILD_DIR/sample). Env: RUNS (default 5).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../build}
class=${2:-$build/sample}
runs=${RUNS:-5}
bin=$build/sigplay
[ -x "$bin" ] || { echo "no $bin: build first" >&2; exit 64; }
[ -f "$class/replay.json" ] || { echo "no $class/replay.json" >&2; exit 64; }
command -v ffmpeg >/dev/null || { echo "needs ffmpeg" >&2; exit 64; }

median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# cpu CMD...: user+sys seconds of CMD and its children
cpu() {
  /usr/bin/time -f "%U %S" -o /tmp/sp_bench_time.$$ "$@" >/dev/null 2>&1 || true
  awk '{ print $1 + $2 }' /tmp/sp_bench_time.$$
}
wall() {
  local s e
  s=$(date +%s.%N); "$@" >/dev/null 2>&1 || true; e=$(date +%s.%N)
  awk -v s="$s" -v e="$e" 'BEGIN { print e - s }'
}
ffmpeg_all() {
  for f in "$class"/media/*.mp4; do
    ffmpeg -nostdin -v error -i "$f" -f null - || return 1
  done
}
export -f ffmpeg_all
export class
first=$(ls "$class"/media/*.mp4 | head -1)

: >/tmp/sp_bench_play.$$; : >/tmp/sp_bench_ff.$$; : >/tmp/sp_bench_t1.$$; : >/tmp/sp_bench_f1.$$
trap 'rm -f /tmp/sp_bench_*.$$' EXIT
for i in $(seq "$runs"); do
  cpu "$bin" play "$class/replay.json" --headless --max-speed >>/tmp/sp_bench_play.$$
  cpu bash -c ffmpeg_all >>/tmp/sp_bench_ff.$$
  wall "$bin" play "$class/replay.json" --headless --max-speed --until 0 >>/tmp/sp_bench_t1.$$
  wall ffmpeg -nostdin -v error -i "$first" -frames:v 1 -f null - >>/tmp/sp_bench_f1.$$
done
p=$(median </tmp/sp_bench_play.$$); f=$(median </tmp/sp_bench_ff.$$)
t1=$(median </tmp/sp_bench_t1.$$); f1=$(median </tmp/sp_bench_f1.$$)
echo "class: $class ($(ls "$class"/media/*.mp4 | wc -l) media files), $runs runs, medians"
awk -v p="$p" -v f="$f" 'BEGIN { printf "cpu  sigplay play --max-speed  %.3f s\ncpu  ffmpeg -f null (all)      %.3f s\nratio                         %.3f (target <= 1.15)\n", p, f, p / f }'
awk -v p="$t1" -v f="$f1" 'BEGIN { printf "time to first frame           %.1f ms (target < 300)\nffmpeg first frame (1 file)   %.1f ms\n", p * 1000, f * 1000 }'
