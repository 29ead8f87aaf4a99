#!/usr/bin/env bash
# sigplay export --layout with a video generation request (the sample's
# task-model2.json, MixStream ModelId 2 with TeacherId): the MP4 has the
# service's canvas size, 1624x1000, and its frame is what `sigplay render`
# draws with the same layout (PSNR >= 35 dB); --size 812x500 scales the
# whole canvas; ModelId 3 is one error line naming the field, exit 2, and
# nothing written.
set -u
fail=0
check() { if ! eval "$2"; then echo "FAIL: $1"; fail=1; else echo "ok: $1"; fi; }

bin=$SIGPLAY_BIN
sample=$SIGPLAY_SAMPLE_DIR/replay.json
tmp=$SIGPLAY_TEST_TMP/export_layout
rm -rf "$tmp" && mkdir -p "$tmp"
fps=15
psnr() {
    ffmpeg -hide_banner -i "$1" -i "$2" \
        -lavfi "[0]format=yuv420p[a];[1]format=yuv420p[b];[a][b]psnr" -f null - 2>&1 |
        sed -n 's/.*PSNR.* average:\([0-9.inf]*\).*/\1/p' | tail -1
}

# ---- the service's layout: a CreateVideoGenerationTask request ----------------
task=$SIGPLAY_SAMPLE_DIR/task-model2.json
from=10000 to=11000
"$bin" export "$sample" -o "$tmp/model2.mp4" --layout "$task" --fps $fps --from $from --to $to \
    2>"$tmp/model2.err"; rc=$?
check "export --layout task-model2.json exits 0 or 1" '[ $rc -le 1 ]'
wh=$(ffprobe -v error -select_streams v -show_entries stream=width,height -of csv=p=0 \
    "$tmp/model2.mp4")
check "the MP4 has ModelId 2's canvas, 1624x1000 ($wh)" '[ "$wh" = "1624,1000" ]'
n=$(( 500 * fps / 1000 ))
ffmpeg -v error -y -i "$tmp/model2.mp4" -vf "select='eq(n\,$n)'" -vsync 0 "$tmp/model2-got.png"
"$bin" render "$sample" --at $((from + 500)) --layout "$task" -o "$tmp/model2-want.png" 2>/dev/null
p=$(psnr "$tmp/model2-got.png" "$tmp/model2-want.png")
check "its frame matches render --layout task-model2.json (PSNR $p dB >= 35)" \
    'python3 -c "import sys; p=\"$p\"; sys.exit(0 if p == \"inf\" or (p and float(p) >= 35) else 1)"'
"$bin" export "$sample" -o "$tmp/model2s.mp4" --layout "$task" --size 812x500 --fps $fps \
    --from $from --to $to 2>/dev/null; rc=$?
wh=$(ffprobe -v error -select_streams v -show_entries stream=width,height -of csv=p=0 \
    "$tmp/model2s.mp4")
check "with --size 812x500 the whole canvas scales ($wh)" '[ $rc -le 1 ] && [ "$wh" = "812,500" ]'
printf '{"MixStream":{"ModelId":3}}' >"$tmp/model3.json"
"$bin" export "$sample" -o "$tmp/model3.mp4" --layout "$tmp/model3.json" 2>"$tmp/model3.err"; rc=$?
check "ModelId 3: exit 2, one line naming the field, nothing written" \
    '[ $rc -eq 2 ] && [ "$(grep -c "error:" "$tmp/model3.err")" = 1 ] &&
     grep -q "model3.json: MixStream.ModelId: 3 is not a layout" "$tmp/model3.err" &&
     [ ! -e "$tmp/model3.mp4" ]'

exit $fail
