#!/usr/bin/env bash
# sigplay export against ffmpeg composing the same lanes, in the same run.
#
# The class: sigplay-mkclass, 3 lanes of 640x360 at 25 fps, DURATION_MS of
# playback (default 10 minutes), each lane in two segments (a pause in the
# middle), the student joining at 8 s; generated once into WORK/class.
# sigplay: `sigplay export` of the whole class at 1280x720, 25 fps, x264
# PRESET and CRF: the board preset (board, three lane tiles), chat on, audio
# mixed from the lanes.
# ffmpeg (baseline): the same lane files (each lane's segments joined with
# the concat demuxer), each scaled to a 400x225 tile and overlaid on a
# 1280x720 background of the layout's color, the student's tile padded
# with its 8 s of absence; the three lanes' audio mixed with amix; the same
# x264 preset and CRF, AAC 128 kb/s. No board, no chat. The filter graph:
#
#   color=c=0x1E1F22:s=1280x720:r=25:d=D[bg];
#   [0:v]scale=400:225,setsar=1[a]; [1:v]scale=400:225,setsar=1,tpad=start_duration=8[b];
#   [2:v]scale=400:225,setsar=1[c];
#   [bg][a]overlay=870:10[o1]; [o1][b]overlay=870:245[o2]; [o2][c]overlay=870:480:shortest=1[v];
#   [1:a]adelay=8000:all=1[sa]; [0:a][sa]amix=inputs=2:normalize=0:duration=longest[au]
# (the screen share has no audio)
#
# Prints each run's wall time, the medians and sigplay / ffmpeg (target:
# at most 1.2). Usage: bench/export_vs_ffmpeg.sh BUILD_DIR [WORK] [RUNS]
# (BUILD_DIR: a Release build with sigplay and sigplay-mkclass). Env:
# DURATION_MS (600000), PRESET (veryfast), CRF (23).
set -eu
build=${1:?usage: export_vs_ffmpeg.sh BUILD_DIR [WORK] [RUNS]}
work=${2:-$build/bench-export}
runs=${3:-3}
dur_ms=${DURATION_MS:-600000}
preset=${PRESET:-veryfast}
crf=${CRF:-23}
class=$work/class-$dur_ms
mkdir -p "$work"
work=$(cd "$work" && pwd) # ffmpeg's concat lists resolve relative to their own folder
if [ ! -f "$class/replay.json" ]; then
    echo "generating a $((dur_ms / 1000)) s 3-lane class into $class ..."
    "$build/sigplay-mkclass" -o "$class" --duration-ms "$dur_ms" --lanes 3 --size 640x360 \
        --fps 25 -q
fi
d=$(python3 -c "print($dur_ms / 1000)")

# each lane's segments, in order, for the concat demuxer
lanes=(teacher_01 student_02 tic_substream_teacher_01)
for l in "${lanes[@]}"; do
    : >"$work/$l.txt"
    for f in $(ls "$class/media/$l"-*.mp4 | sort -V); do
        echo "file '$f'" >>"$work/$l.txt"
    done
done
join_ms=$(python3 -c "
import json
r = json.load(open('$class/replay.json'))
print(min(v['VideoPlayTime'] for v in r['VideoInfos'] if v['UserId'] == 'student_02'))")
js=$(python3 -c "print($join_ms / 1000)")

graph="color=c=0x1E1F22:s=1280x720:r=25:d=$d[bg];\
[0:v]scale=400:225,setsar=1[a];\
[1:v]scale=400:225,setsar=1,tpad=start_duration=$js[b];\
[2:v]scale=400:225,setsar=1[c];\
[bg][a]overlay=870:10[o1];[o1][b]overlay=870:245[o2];[o2][c]overlay=870:480:shortest=1[v];\
[1:a]adelay=$join_ms:all=1[sa];[0:a][sa]amix=inputs=2:normalize=0:duration=longest[au]"

run_ffmpeg() {
    ffmpeg -v error -y -f concat -safe 0 -i "$work/${lanes[0]}.txt" \
        -f concat -safe 0 -i "$work/${lanes[1]}.txt" -f concat -safe 0 -i "$work/${lanes[2]}.txt" \
        -filter_complex "$graph" -map "[v]" -map "[au]" -t "$d" \
        -c:v libx264 -preset "$preset" -crf "$crf" -pix_fmt yuv420p \
        -c:a aac -b:a 128k -ar 48000 -ac 2 -movflags +faststart "$work/ffmpeg.mp4"
}
run_sigplay() {
    "$build/sigplay" export "$class/replay.json" -o "$work/sigplay.mp4" --size 1280x720 \
        --fps 25 --preset "$preset" --crf "$crf" --chat 2>/dev/null || [ $? -eq 1 ]
}
now() { date +%s.%N; }
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

ts=() tf=()
for i in $(seq "$runs"); do
    a=$(now); run_sigplay; b=$(now)
    ts+=("$(awk -v a="$a" -v b="$b" 'BEGIN {printf "%.2f", b - a}')")
    a=$(now); run_ffmpeg; b=$(now)
    tf+=("$(awk -v a="$a" -v b="$b" 'BEGIN {printf "%.2f", b - a}')")
    echo "run $i: sigplay ${ts[-1]} s, ffmpeg ${tf[-1]} s"
done
ms=$(median "${ts[@]}") mf=$(median "${tf[@]}")
echo "class: $d s of 3 lanes 640x360@25; output 1280x720@25, x264 $preset crf $crf, AAC"
echo "median sigplay export: $ms s ($(awk -v d="$d" -v t="$ms" 'BEGIN {printf "%.2fx real time", d / t}'))"
echo "median ffmpeg overlay: $mf s ($(awk -v d="$d" -v t="$mf" 'BEGIN {printf "%.2fx real time", d / t}'))"
echo "ratio sigplay / ffmpeg: $(awk -v a="$ms" -v b="$mf" 'BEGIN {printf "%.2f", a / b}') (target <= 1.2)"
