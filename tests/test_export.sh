#!/usr/bin/env bash
# sigplay export on the sample class: the MP4 lasts TotalTime (and to - from
# for a range) within one frame, has H.264 video and non-silent AAC audio
# whose beeps (one at every whole board second) sit where the video says,
# and frames sampled at 10 times match `sigplay render --at` of the same
# times (PSNR >= 35 dB). Bad command lines exit 64. (The service's layouts:
# test_export_layout.sh.)
set -u
fail=0
check() { if ! eval "$2"; then echo "FAIL: $1"; fail=1; else echo "ok: $1"; fi; }

bin=$SIGPLAY_BIN
sample=$SIGPLAY_SAMPLE_DIR/replay.json
tmp=$SIGPLAY_TEST_TMP/export
rm -rf "$tmp" && mkdir -p "$tmp"
fps=15
size=320x180 # small: the checks are of time and sync, and compose costs by the pixel
total=$(python3 -c "import json;print(json.load(open('$sample'))['TotalTime'])")

# ---- bad command lines ------------------------------------------------------
"$bin" export "$sample" >/dev/null 2>&1; rc=$?
check "no -o exits 64" '[ $rc -eq 64 ]'
"$bin" export "$sample" -o "$tmp/x.mp4" --size 641x360 2>"$tmp/err"; rc=$?
check "odd --size exits 64" '[ $rc -eq 64 ] && grep -q "even" "$tmp/err"'
"$bin" export "$sample" -o "$tmp/x.mp4" --from 5000 --to 4000 2>/dev/null; rc=$?
check "--from after --to exits 64" '[ $rc -eq 64 ]'
"$bin" export "$sample" -o "$tmp/x.mp4" --to $((total + 1)) 2>/dev/null; rc=$?
check "--to past TotalTime exits 64" '[ $rc -eq 64 ]'
"$bin" export "$sample" -o "$tmp/x.mp4" --preset warp 2>/dev/null; rc=$?
check "unknown --preset exits 64" '[ $rc -eq 64 ]'
check "nothing written by refused runs" '[ ! -e "$tmp/x.mp4" ]'
"$bin" export "$SIGPLAY_SAMPLE_DIR/no-such.json" -o "$tmp/x.mp4" 2>/dev/null; rc=$?
check "missing source exits 2" '[ $rc -eq 2 ]'

# ---- helpers ----------------------------------------------------------------
dur() { ffprobe -v error -show_entries "$1" -of csv=p=0 "$2" | head -1 | tr -d ','; }
# |a - b| <= tol (seconds)
near() { python3 -c "import sys; sys.exit(0 if abs($1 - ($2)) <= $3 else 1)"; }

# The onsets of the 880 Hz beeps (the teacher's), one per whole board
# second, in seconds of the file: the first 5 ms window of each beep whose
# level in a narrow band around 880 Hz rises above -35 dBFS.
beeps() {
    ffmpeg -v error -i "$1" -vn -af "asetnsamples=n=240,bandpass=f=880:width_type=h:w=60,astats=metadata=1:reset=1,ametadata=print:key=lavfi.astats.Overall.RMS_level:file=$1.rms" -f null - &&
    python3 - "$1.rms" <<'EOF'
import re, sys
t, on, last = None, [], -1.0
for line in open(sys.argv[1]):
    m = re.search(r'pts_time:([-\d.]+)', line)
    if m:
        t = float(m.group(1))
        continue
    m = re.search(r'RMS_level=(\S+)', line)
    if m and t is not None:
        v = m.group(1)
        level = -200.0 if 'inf' in v or 'nan' in v else float(v)
        if level > -35 and t - last > 0.5:
            on.append(t)
        if level > -35:
            last = t
print(' '.join('%.3f' % x for x in on))
EOF
}

# expected onsets: whole seconds of board time, i.e. playback ms k*1000
# (the sample's start and pause are whole seconds), minus from, in [from, to)
# check_beeps FILE FROM_MS TO_MS
check_beeps() {
    local got; got=$(beeps "$1")
    python3 - "$2" "$3" "$got" <<'EOF'
import sys
frm, to, got = int(sys.argv[1]), int(sys.argv[2]), [float(x) for x in sys.argv[3].split()]
want = [(k * 1000 - frm) / 1000 for k in range(0, to // 1000 + 1) if frm <= k * 1000 <= to - 60]
bad = [w for w in want if not any(abs(g - w) <= 0.020 for g in got)]
print('beeps: %d expected, %d found, %d missing or off by more than 20 ms %s'
      % (len(want), len(got), len(bad), bad[:5]))
sys.exit(1 if bad or len(want) < 3 else 0)
EOF
}

# psnr A B: the PSNR (dB, average over Y, U, V) of two pictures in yuv420p
psnr() {
    ffmpeg -hide_banner -i "$1" -i "$2" \
        -lavfi "[0]format=yuv420p[a];[1]format=yuv420p[b];[a][b]psnr" -f null - 2>&1 |
        sed -n 's/.*PSNR.* average:\([0-9.inf]*\).*/\1/p' | tail -1
}

# compare_frames MP4 FROM_MS "T1 T2 ...": frame i of the file was composed
# for t = from + i * 1000 / fps; each T must lie on that grid
compare_frames() {
    local mp4=$1 from=$2 ts=$3 sel="" n k=0
    for T in $ts; do
        n=$(( (T - from) * fps / 1000 ))
        sel="$sel${sel:++}eq(n\\,$n)"
    done
    ffmpeg -v error -y -i "$mp4" -vf "select='$sel'" -vsync 0 "$tmp/got-%02d.png"
    for T in $ts; do
        k=$((k + 1))
        local got; got=$(printf "%s/got-%02d.png" "$tmp" $k)
        "$bin" render "$sample" --at "$T" --size $size -o "$tmp/want-$T.png" 2>/dev/null
        local p; p=$(psnr "$got" "$tmp/want-$T.png")
        check "frame at $T ms matches render --at (PSNR $p dB >= 35)" \
            'python3 -c "import sys; p=\"$p\"; sys.exit(0 if p == \"inf\" or (p and float(p) >= 35) else 1)"'
    done
}

# ---- the whole class ---------------------------------------------------------
"$bin" export "$sample" -o "$tmp/all.mp4" --size $size --fps $fps 2>"$tmp/all.err"; rc=$?
check "export exits 0 or 1" '[ $rc -le 1 ]'
check "no progress bar when stderr is not a terminal" '! grep -q "ETA" "$tmp/all.err"'
d=$(dur format=duration "$tmp/all.mp4")
check "duration $d s = TotalTime $total ms within one frame" \
    'near "$d" "$total / 1000" "1.0 / $fps"'
nf=$(ffprobe -v error -select_streams v -show_entries stream=nb_frames -of csv=p=0 "$tmp/all.mp4")
check "$nf video frames = TotalTime * fps" '[ "$nf" = $(( (total * fps + 999) / 1000 )) ]'
# video and audio (the chapters travel as the MP4's chapter track, a data
# stream ffprobe names bin_data)
codecs=$(ffprobe -v error -select_streams V -show_entries stream=codec_name -of csv=p=0 \
  "$tmp/all.mp4" | tr '\n' ' ')
acodecs=$(ffprobe -v error -select_streams a -show_entries stream=codec_name -of csv=p=0 \
  "$tmp/all.mp4" | tr '\n' ' ')
check "H.264 and AAC ($codecs$acodecs)" '[ "$codecs$acodecs" = "h264 aac " ]'
ad=$(ffprobe -v error -select_streams a -show_entries stream=duration -of csv=p=0 "$tmp/all.mp4")
check "audio lasts TotalTime ($ad s)" 'near "$ad" "$total / 1000" 0.025'
mean=$(ffmpeg -hide_banner -i "$tmp/all.mp4" -vn -af volumedetect -f null - 2>&1 |
       sed -n 's/.*mean_volume: \(-*[0-9.]*\) dB.*/\1/p')
check "audio is not silent (mean $mean dB)" '[ -n "$mean" ] && near "$mean" -30 25'
check "audio in sync: beeps at whole board seconds" 'check_beeps "$tmp/all.mp4" 0 $total'
faststart=$(head -c 64 "$tmp/all.mp4" | grep -c moov)
check "index at the front (+faststart)" '[ "$faststart" -ge 1 ]'
compare_frames "$tmp/all.mp4" 0 "0 4200 8000 8200 15000 29800 30000 30200 44600 $((total - 200))"

# ---- a range ------------------------------------------------------------------
from=12340 to=20000
"$bin" export "$sample" -o "$tmp/range.mp4" --size $size --fps $fps --from $from \
    --to $to 2>/dev/null; rc=$?
check "range export exits 0 or 1" '[ $rc -le 1 ]'
d=$(dur format=duration "$tmp/range.mp4")
check "range duration $d s = to - from within one frame" \
    'near "$d" "($to - $from) / 1000.0" "1.0 / $fps"'
check "range audio in sync" 'check_beeps "$tmp/range.mp4" $from $to'
compare_frames "$tmp/range.mp4" $from "$from $((from + 1000)) $((from + 5400))"

exit $fail
