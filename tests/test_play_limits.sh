#!/usr/bin/env bash
# test_play_limits.sh - `sigplay play` of recordings at the edges: a
# segment whose MP4 lists no samples is warned about (and play ends
# non-zero, as verify reports it), and a class of 65 lanes names the
# 64-lane limit and plays the first 64.
set -u
W=$(mktemp -d "$SIGPLAY_TEST_TMP/play-limits.XXXXXX")
trap 'rm -rf "$W"' EXIT
fail=0
check() { if ! eval "$2"; then echo "FAIL: $1"; fail=1; else echo "ok: $1"; fi; }
S="$SIGPLAY_SAMPLE_DIR"
[ -f "$S/result.json" ] || { echo "FAIL: no sample class in $S"; exit 1; }
media=$(ls "$S"/media/teacher_01-*.mp4 | head -1)

# ---- an MP4 with an index but no samples ---------------------------------------
# every sample table's entry count set to 0; the sample descriptions stay
/usr/bin/python3 - "$media" "$W/empty.mp4" <<'PY'
import sys
d = bytearray(open(sys.argv[1], 'rb').read())
for name, off in ((b'stts', 4), (b'stsc', 4), (b'stco', 4), (b'co64', 4), (b'stss', 4),
                  (b'ctts', 4), (b'stsz', 8)):
    i = d.find(name)
    while i >= 0:
        d[i + 4 + off:i + 8 + off] = b'\0\0\0\0'
        i = d.find(name, i + 4)
open(sys.argv[2], 'wb').write(d)
PY
jq '.VideoInfos = [.VideoInfos[0] | .VideoUrl = "empty.mp4" | del(.VideoSize)]' "$S/result.json" \
    >"$W/empty.json"
timeout 120 "$SIGPLAY_BIN" play "$W/empty.json" --headless --max-speed --no-audio >"$W/out" 2>"$W/err"
rc=$?
check "no samples: play warns, naming the file" \
  'grep -q "warning: teacher_01: .*empty.mp4: has no samples" "$W/err"'
check "no samples: play exits non-zero ($rc)" '[ $rc -eq 1 ]'
"$SIGPLAY_BIN" verify "$W/empty.json" >"$W/vout" 2>&1
check "no samples: verify agrees (an error)" '[ $? -eq 2 ]'

# ---- 65 lanes ----------------------------------------------------------------------
jq --arg m "$media" '.VideoInfos = [range(65) as $i | .VideoInfos[0]
    | .UserId = ("user\($i + 100)") | .VideoUrl = ("file://" + $m) | del(.VideoSize)]
    | del(.Interrupts)' "$S/result.json" >"$W/many.json"
timeout 300 "$SIGPLAY_BIN" play "$W/many.json" --headless --max-speed --no-audio --until 1s \
    --trace "$W/many.tsv" >"$W/out" 2>"$W/err"
rc=$?
check "65 lanes: the limit named" \
  'grep -q "many.json: 65 lanes, more than the limit of 64; playing the first 64 (lanes user164 to user164 are not played)" "$W/err"'
check "65 lanes: play ran to --until (exit $rc)" '[ $rc -eq 1 ]'
cols=$(head -1 "$W/many.tsv" | awk -F'\t' '{print NF}')
check "65 lanes: the trace has 64 lane columns ($cols fields)" '[ "$cols" -eq $((3 + 64 + 2)) ]'
check "65 lanes: rows of 64 lanes; the first and the 64th show frames" \
  'awk -F"\t" '"'"'!/^#/ && $3 != "-" && $66 != "-" && NF == 68 {ok=1} END {exit !ok}'"'"' "$W/many.tsv"'
exit $fail
