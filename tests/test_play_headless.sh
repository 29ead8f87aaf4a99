#!/usr/bin/env bash
# Headless play of the generated sample class (sigplay play --headless):
# - in a max-speed trace of the whole class, every lane shown (SEI lanes,
#   the SyncTime screen share, the late joiner) has a board time within one
#   frame interval below w(t) at every presented frame; same for the
#   seed-like manifest (pause inferred) and for a class whose
#   RecordStartTime is truncated (origin refined from SEI), and for one
#   whose cameras use SEI payload types 100 and 243 beside type-244 decoys;
# - seeks to 20 probe times (around the pause and the late join included)
#   show exactly the frames continuous play shows at those times;
# - bad media (truncated, garbage-filled, missing files) gives warnings that
#   name the lane, and everything else plays on within the same bound.
set -euo pipefail
BIN="$SIGPLAY_BIN"
SAMPLE="$SIGPLAY_SAMPLE_DIR"
TMP="$SIGPLAY_TEST_TMP/play_headless"
rm -rf "$TMP"
mkdir -p "$TMP"
fail() { echo "FAIL: $*" >&2; exit 1; }

# check_trace TRACE FRAME_MS [LANES]: every shown cell (of the lanes listed,
# 1-based, comma-separated; default all) has 0 <= w - board < FRAME_MS;
# prints the number of shown cells checked.
check_trace() {
  awk -v F="$2" -v L="${3:-}" -F'\t' '
    BEGIN { if (L != "") { k = split(L, ls, ","); for (j = 1; j <= k; j++) want[ls[j] + 2] = 1 } }
    /^#/ { next }
    { w = $2
      for (i = 3; i <= NF; i++) {
        if ($i == "-" || $i !~ /@/ || (L != "" && !(i in want))) continue # lanes only
        c = $i; sub(/~$/, "", c); split(c, a, "@")
        d = w - a[2]
        if (d < -0.0005 || d >= F) { bad++; if (bad <= 5) print "lane " i-2 " at t=" $1 ": w-board=" d > "/dev/stderr" }
        n++
      } }
    END { if (bad) exit 1; print n + 0 }' "$1"
}

# first_cells TRACE T: the lane cells of the last line with t <= T
cells_at() {
  awk -v T="$2" -F'\t' '/^#/ {next} $1 + 0 <= T + 0 { line = $0 } END {
    n = split(line, f, "\t"); out = ""
    for (i = 3; i <= n; i++) out = out f[i] " "
    print out }' "$1"
}

frame_ms=$(awk 'BEGIN { printf "%.6f", 1000 / 15 }')

# 1. the whole class, max speed
"$BIN" play "$SAMPLE/replay.json" --headless --max-speed --trace "$TMP/full.tsv" 2>"$TMP/full.err" \
  || fail "play exited $? ($(cat "$TMP/full.err"))"
n=$(check_trace "$TMP/full.tsv" "$frame_ms") || fail "replay.json: board time off w(t)"
[ "$n" -gt 2000 ] || fail "replay.json: only $n shown cells"
lines=$(grep -vc '^#' "$TMP/full.tsv")
# 60 s at 15 fps from three lanes with offsets: at least one line per frame
[ "$lines" -ge 900 ] || fail "only $lines presented frames"
# the teacher (SEI) and the screen share (SyncTime) are never a placeholder
awk -F'\t' '!/^#/ && ($3 == "-" || $5 == "-") { bad++ } END { exit bad ? 1 : 0 }' "$TMP/full.tsv" \
  || fail "teacher or screen share shown as placeholder"
# the late student is a placeholder before it joins at 8 s and shown after
awk -F'\t' '!/^#/ && $1 + 0 < 8000 && $4 != "-" { exit 1 }' "$TMP/full.tsv" \
  || fail "student shown before joining"
awk -F'\t' '!/^#/ && $1 + 0 > 9000 && $4 == "-" { exit 1 }' "$TMP/full.tsv" \
  || fail "student missing after joining"

# 2. seeks: 20 probe times, incl. just before/after the pause and the join
for T in 0 1 500 7999 8000 8200 12345 20000 29000 29933 29999 30000 30001 30066 33333 \
         41000 50000 55555 59000 59933; do
  got=$("$BIN" play "$SAMPLE/replay.json" --headless --max-speed --start "$T" --until "$T" \
        --trace - 2>/dev/null | awk -F'\t' '!/^#/ { l = $0 } END { n = split(l, f, "\t");
        out = ""; for (i = 3; i <= n; i++) out = out f[i] " "; print out }')
  want=$(cells_at "$TMP/full.tsv" "$T")
  [ "$got" = "$want" ] || fail "seek to $T: shows '$got', continuous play shows '$want'"
done

# 3. seed-like manifest (no OmittedDurations: the pause is inferred)
"$BIN" play "$SAMPLE/seedlike.json" --headless --max-speed --no-audio --trace "$TMP/seed.tsv" \
  2>"$TMP/seed.err" || [ $? -eq 1 ] || fail "seedlike play failed: $(cat "$TMP/seed.err")"
check_trace "$TMP/seed.tsv" "$frame_ms" >/dev/null || fail "seedlike.json: board time off w(t)"
cmp -s <(cut -f1,3- "$TMP/full.tsv" | grep -v '^#') <(cut -f1,3- "$TMP/seed.tsv" | grep -v '^#') \
  || fail "seedlike.json plays other frames than replay.json"

# 4. truncated RecordStartTime: the true start is 437 ms after it
"$SIGPLAY_BIN"-mkclass -q -o "$TMP/trunc" --start-offset-ms 437 --duration-ms 12000 2>/dev/null \
  || "$(dirname "$BIN")/sigplay-mkclass" -q -o "$TMP/trunc" --start-offset-ms 437 --duration-ms 12000
"$BIN" play "$TMP/trunc/replay.json" --headless --max-speed --no-audio --trace "$TMP/trunc.tsv" \
  2>"$TMP/trunc.err" || [ $? -eq 1 ] || fail "truncated-start play failed: $(cat "$TMP/trunc.err")"
check_trace "$TMP/trunc.tsv" "$frame_ms" >/dev/null || fail "truncated start: board time off w(t)"
w0=$(awk -F'\t' '!/^#/ { print $2; exit }' "$TMP/trunc.tsv")
[ "$w0" = "1700000000437.000" ] || fail "truncated start: w(0) = $w0, want 1700000000437.000"

# 4b. SEI payload types 100 and 243 on the two camera lanes, each sync SEI
# beside a type-244 decoy whose syncTime is 4321 ms off: the lanes still
# play within one frame of w(t), and verify names the types it read
MK="$SIGPLAY_BIN"-mkclass
[ -x "$MK" ] || MK="$(dirname "$BIN")/sigplay-mkclass"
"$MK" -q -o "$TMP/sei" --start-offset-ms 437 --duration-ms 12000 --sei-types 100,243 \
  --sei-decoy-244
[ "$(jq .sei_decoy_offset_ms "$TMP/sei/truth.json")" -eq 4321 ] || fail "mkclass wrote no decoys"
"$BIN" play "$TMP/sei/replay.json" --headless --max-speed --no-audio --trace "$TMP/sei.tsv" \
  2>"$TMP/sei.err" || [ $? -eq 1 ] || fail "SEI 100/243 play failed: $(cat "$TMP/sei.err")"
nsei=$(check_trace "$TMP/sei.tsv" "$frame_ms") || fail "SEI 100/243 + 244 decoys: board time off w(t)"
[ "$nsei" -gt 300 ] || fail "SEI 100/243: only $nsei shown cells"
w0=$(awk -F'\t' '!/^#/ { print $2; exit }' "$TMP/sei.tsv")
[ "$w0" = "1700000000437.000" ] || fail "SEI 100/243: w(0) = $w0, want 1700000000437.000"
"$BIN" verify "$TMP/sei/replay.json" --quick --json "$TMP/sei-verify.json" >/dev/null 2>&1 || true
types=$(jq -c '[.segments[] | select(.sei.anchors > 0) | .sei.payload_types[]] | unique' \
  "$TMP/sei-verify.json")
[ "$types" = "[100,243]" ] || fail "verify: SEI payload types $types, want [100,243]"
jq -e '[.segments[] | select(.sei.anchors > 0) | .sei.sdk_timestamps_ignored] | all' \
  "$TMP/sei-verify.json" >/dev/null || fail "verify: 244 decoys not reported as ignored"

# 5. bad media: a truncated file, garbage mid-file, a missing file
cp -r "$SAMPLE" "$TMP/bad"
f="$TMP/bad/media/teacher_01-1.mp4"
head -c $(( $(stat -c %s "$f") / 2 )) "$f" > "$f.cut" && mv "$f.cut" "$f"
f="$TMP/bad/media/student_02-0.mp4"
size=$(stat -c %s "$f")
dd if=/dev/urandom of="$f" bs=1 seek=$(( size / 3 )) count=$(( size / 4 )) conv=notrunc \
  status=none
rm "$TMP/bad/media/tic_substream_teacher_01-1.mp4"
set +e
"$BIN" play "$TMP/bad/replay.json" --headless --max-speed --trace "$TMP/bad.tsv" 2>"$TMP/bad.err"
rc=$?
set -e
[ "$rc" -eq 1 ] || fail "bad media: exit $rc, want 1 (warnings); $(cat "$TMP/bad.err")"
grep -q "teacher_01 (screen).*tic_substream_teacher_01-1.mp4.*cannot open" "$TMP/bad.err" \
  || fail "no warning naming the missing screen-share file: $(cat "$TMP/bad.err")"
grep -q "student_02.*student_02-0.mp4.*at [0-9.]* s" "$TMP/bad.err" \
  || fail "no warning naming lane and time for the garbage: $(cat "$TMP/bad.err")"
# unharmed media plays exactly; the damaged lane within two frames, as a
# hole turns into a placeholder after two frame intervals
check_trace "$TMP/bad.tsv" "$frame_ms" 1,3 >/dev/null || fail "bad media: others off w(t)"
two=$(awk -v f="$frame_ms" 'BEGIN { printf "%.6f", 2 * f }')
check_trace "$TMP/bad.tsv" "$two" 2 >/dev/null || fail "bad media: damaged lane off w(t)"
grep -c "SEI" "$TMP/bad.err" | awk '{ exit ($1 <= 5) ? 0 : 1 }' || fail "SEI warnings flood"
[ "$(grep -c 'cannot open' "$TMP/bad.err")" -eq 1 ] || fail "a warning repeated"
last=$(grep -v '^#' "$TMP/bad.tsv" | tail -1 | cut -f1)
awk -v l="$last" 'BEGIN { exit (l + 0 > 59000) ? 0 : 1 }' || fail "bad media: stopped at $last"
# the screen share after the pause is a placeholder, the teacher plays on
awk -F'\t' '!/^#/ && $1 + 0 > 31000 && $5 != "-" { exit 1 }' "$TMP/bad.tsv" \
  || fail "missing screen-share segment not a placeholder"
echo "ok: $n cells checked, $lines frames"
