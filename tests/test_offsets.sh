#!/usr/bin/env bash
# Sync corrections from the command line (docs/offsets.md, format section 8),
# on a class whose screen share (lane 3) is 320 ms late and says nothing of
# it (tests/support/offsets_class.sh), and one whose screen share's
# SyncTime says it is 800 ms off:
# - --offsets FILE takes a file elsewhere (an entry matched by UserId +
#   VideoPlayTime): lane 3 within one frame of w(t), one note naming FILE;
# - the default file is read; --no-offsets with it present gives the old
#   picture, and no note;
# - a stale entry (a VideoId that matches nothing) is one warning and
#   changes nothing; a bad entry is one warning naming its field;
# - a malformed default file is one error line, and play goes on, unchanged;
# - render and export say they apply the file, in one note;
# - verify --suggest-offsets writes <manifest>.offsets.json with the
#   correction that cancels each offset above the limit; applied, verify's
#   sync warnings are gone (and the JSON report lists the corrections);
#   --suggest-offsets=FILE writes FILE.
set -u
BIN=${SIGPLAY_BIN:?}
TMP=${SIGPLAY_TEST_TMP:?}/offsets
rm -rf "$TMP" && mkdir -p "$TMP"
command -v jq >/dev/null || { echo "FAIL: jq is missing (scripts/deps.sh installs it)"; exit 1; }
source "${SIGPLAY_SOURCE_DIR:?}/tests/support/offsets_class.sh"
fail=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fail=1; }
CLS=$TMP/class
DEF=$CLS/replay.json.offsets.json
F=66.667
LATE_HI=$(awk -v f=$F 'BEGIN { print 320 + f }')
offsets_class "$CLS" || { echo "FAIL: the lagged class could not be made"; exit 1; }
# trace NAME [ARGS]: the whole class into $TMP/NAME.tsv, stderr in $TMP/NAME.err
trace() {
  local n=$1
  shift
  lane3_trace "$CLS" "$TMP/$n.tsv" "$@" 2>"$TMP/$n.err" || [ $? -eq 1 ] \
    || bad "$n: play failed: $(cat "$TMP/$n.err")"
}
lines() { grep -c "$1" "$2"; }

trace plain
lane3_late "$CLS" "$TMP/plain.tsv" 320 "$LATE_HI" >/dev/null && ok "without a file lane 3 is 320 ms late" \
  || bad "lane 3 not 320 ms late without a file"
[ "$(lines 'sync corrections' "$TMP/plain.err")" -eq 0 ] || bad "a note without a file"

# --offsets FILE, matched by UserId + VideoPlayTime (no VideoId)
cat >"$TMP/elsewhere.json" <<'EOF'
{"Version": 1, "Offsets": [
  {"UserId": "tic_substream_teacher_01", "VideoPlayTime": 0, "OffsetMs": -320},
  {"UserId": "tic_substream_teacher_01", "VideoPlayTime": 4000, "OffsetMs": -320}]}
EOF
trace other --offsets "$TMP/elsewhere.json"
lane3_late "$CLS" "$TMP/other.tsv" 0 $F >/dev/null && ok "--offsets FILE: lane 3 within a frame of w(t)" \
  || bad "--offsets FILE: lane 3 still off"
[ "$(lines "sigplay: note: sync corrections from $TMP/elsewhere.json: 2 segments corrected" "$TMP/other.err")" -eq 1 ] \
  && ok "one note names the file and the number of corrections" || bad "note: $(cat "$TMP/other.err")"

# the default file, and --no-offsets
cp "$TMP/elsewhere.json" "$DEF"
trace default
lane3_late "$CLS" "$TMP/default.tsv" 0 $F >/dev/null && ok "the default file <manifest>.offsets.json is read" \
  || bad "the default file is not applied"
trace none --no-offsets
lane3_late "$CLS" "$TMP/none.tsv" 320 "$LATE_HI" >/dev/null && ok "--no-offsets restores the old picture" \
  || bad "--no-offsets: not the picture without a file"
[ "$(lines 'sync corrections' "$TMP/none.err")" -eq 0 ] && ok "--no-offsets: no note" \
  || bad "--no-offsets: $(cat "$TMP/none.err")"

# a stale entry and a bad one: one warning each, nothing changes
printf '%s\n' '{"Version":1,"Offsets":[{"VideoId":"1234","OffsetMs":-320},{"VideoId":5,"OffsetMs":-320}]}' >"$DEF"
trace stale
[ "$(lines 'warning: .*Offsets\[0\]: no segment with VideoId 1234.*stale' "$TMP/stale.err")" -eq 1 ] \
  && ok "a stale entry is one warning" || bad "stale: $(cat "$TMP/stale.err")"
[ "$(lines 'warning: .*Offsets\[1\]\.VideoId: expected string, got number' "$TMP/stale.err")" -eq 1 ] \
  && ok "a bad entry is one warning naming its field" || bad "bad entry: $(cat "$TMP/stale.err")"
[ "$(lines 'warning' "$TMP/stale.err")" -eq 2 ] || bad "more warnings than two: $(cat "$TMP/stale.err")"
lane3_late "$CLS" "$TMP/stale.tsv" 320 "$LATE_HI" >/dev/null || bad "a stale entry changed the picture"

# a malformed file: one error line, play goes on unchanged
printf '{"Version": 1, "Offsets": [' >"$DEF"
trace broken
[ "$(lines 'sigplay: error: ' "$TMP/broken.err")" -eq 1 ] \
  && grep -q "error: $DEF: not a JSON object; no corrections applied" "$TMP/broken.err" \
  && ok "a malformed file is one error line naming it" || bad "malformed: $(cat "$TMP/broken.err")"
n=$(lane3_late "$CLS" "$TMP/broken.tsv" 320 "$LATE_HI") && [ "$n" -gt 100 ] \
  && ok "and play goes on, unchanged ($n frames of lane 3)" || bad "malformed: play did not go on unchanged"

# render applies it and says so
cp "$TMP/elsewhere.json" "$DEF"
"$BIN" render "$CLS/replay.json" --at 1500 -o "$TMP/r.png" -q 2>"$TMP/render.err" || [ $? -eq 1 ] \
  || bad "render failed: $(cat "$TMP/render.err")"
[ "$(lines "note: sync corrections from $DEF: 2 segments corrected" "$TMP/render.err")" -eq 1 ] \
  && ok "render says it applies the file" || bad "render: $(cat "$TMP/render.err")"

# export applies it and says so
"$BIN" export "$CLS/replay.json" -o "$TMP/e.mp4" --size 320x180 --to 1s 2>"$TMP/export.err" >/dev/null \
  || [ $? -eq 1 ] || bad "export failed: $(cat "$TMP/export.err")"
[ "$(lines "note: sync corrections from $DEF: 2 segments corrected" "$TMP/export.err")" -eq 1 ] \
  && ok "export says it applies the file" || bad "export: $(cat "$TMP/export.err")"

# verify --suggest-offsets on a class whose screen share's SyncTime is 800 ms off
C8=$TMP/class800
"$(dirname "$BIN")/sigplay-mkclass" -q -o "$C8" --duration-ms 8000 --size 320x180 \
  --lag-ms tic_substream_teacher_01:800 || { echo "FAIL: mkclass"; exit 1; }
"$BIN" verify "$C8/replay.json" --quick >"$TMP/v0.txt" 2>&1
[ "$(lines 'warning sync.offset' "$TMP/v0.txt")" -eq 2 ] && ok "verify: two sync warnings before" \
  || bad "verify before: $(grep -c sync.offset "$TMP/v0.txt") sync warnings"
"$BIN" verify "$C8/replay.json" --quick --suggest-offsets >/dev/null 2>"$TMP/v1.err"
grep -q "suggested sync corrections for 2 segments written to $C8/replay.json.offsets.json" "$TMP/v1.err" \
  && ok "--suggest-offsets says where" || bad "--suggest-offsets: $(cat "$TMP/v1.err")"
jq -e '(.Offsets | length == 2) and ([.Offsets[] | .UserId == "tic_substream_teacher_01"
  and .OffsetMs == 800] | all)' "$C8/replay.json.offsets.json" >/dev/null \
  && ok "the file cancels the -800 ms offsets" || bad "suggested: $(cat "$C8/replay.json.offsets.json")"
"$BIN" verify "$C8/replay.json" --quick --json - >"$TMP/v2.json" 2>/dev/null
jq -e '([.findings[] | select(.code == "sync.offset")] | length == 0) and .offsets.corrected_segments == 2
  and ([.segments[] | select(.user_id == "tic_substream_teacher_01")
        | .correction_ms == 800 and .offset_refined_ms == -800 and .offset_corrected_ms == 0] | all)' \
  "$TMP/v2.json" >/dev/null && ok "applied, verify has no sync warning and lists the corrections" \
  || bad "verify after: $(jq -c '[.findings[] | select(.code | startswith("sync") or startswith("offsets"))]' "$TMP/v2.json")"
"$BIN" verify "$C8/replay.json" --quick --no-offsets --suggest-offsets="$TMP/s.json" >/dev/null 2>&1
cmp -s <(jq -S . "$TMP/s.json") <(jq -S . "$C8/replay.json.offsets.json") \
  && ok "--suggest-offsets=FILE writes FILE" || bad "--suggest-offsets=FILE: $(cat "$TMP/s.json")"
exit $fail
