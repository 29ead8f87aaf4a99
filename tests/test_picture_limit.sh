#!/usr/bin/env bash
# A segment whose pictures are over the size limit (player/media/
# picture_limit.h): on a copy of the sample whose media/student_02-0.mp4 is
# 15 copies of a 23-byte progressive JPEG declaring 47873x1282 (61 Mpx, an
# MJPEG MP4 of 1 KB), `verify`, `play --headless --max-speed` and `render`
# each say so in one line naming the file and the limit, keep the other
# lanes, and stay small: that kilobyte used to make each allocate 600 MB to
# 1 GB and spend 5 to 16 s (release build). The peak RSS is the measure;
# the bound is well under one such picture (92 MB) plus the sanitizer's
# baseline.
set -u
BIN=${SIGPLAY_BIN:?} SAMPLE=${SIGPLAY_SAMPLE_DIR:?}
TMP=${SIGPLAY_TEST_TMP:?}/picture_limit
rm -rf "$TMP" && mkdir -p "$TMP"
for tool in ffmpeg jq /usr/bin/time; do
  command -v $tool >/dev/null || { echo "FAIL: $tool is missing (scripts/deps.sh installs it)"; exit 1; }
done
fail=0
cp -r "$SAMPLE" "$TMP/class"
SEG=$TMP/class/media/student_02-0.mp4
printf '\xff\xd8\xff\xc2\x00\x11\x08\x05\x02\xbb\x01\x03\x00\x11\x00\x02\x11\x01\x03\x11\x00\xff\xd9' >"$TMP/one.jpg"
for i in $(seq 15); do cat "$TMP/one.jpg"; done >"$TMP/huge.mjpeg"
ffmpeg -v error -y -f mjpeg -framerate 15 -i "$TMP/huge.mjpeg" -c copy "$SEG" \
  || { echo "FAIL: ffmpeg could not write the damaged segment"; exit 1; }

# The RSS bound, MB: the same command on the intact sample plus 64 MB (half
# the smallest allocation the damaged file used to cost, sanitizers or not).
# run NAME CMD...: stdout+stderr in NAME.log, exit in NAME.rc, peak kB in NAME.kb
run() {
  local name=$1; shift
  /usr/bin/time -f %M -o "$TMP/$name.kb" "$@" >"$TMP/$name.log" 2>&1
  echo $? >"$TMP/$name.rc"
}
LIMIT_TEXT="over the size limit (16384 px a side, 35.7 Mpx)"
check() { # name expected-rc baseline-name
  local name=$1 want=$2 base=$3
  local rc kb bkb
  rc=$(cat "$TMP/$name.rc"); kb=$(tail -1 "$TMP/$name.kb"); bkb=$(tail -1 "$TMP/$base.kb")
  [ "$rc" = "$want" ] && echo "ok: $name exits $rc" \
    || { echo "FAIL: $name exits $rc, expected $want: $(tail -5 "$TMP/$name.log")"; fail=1; }
  local n
  n=$(grep -c -F "$LIMIT_TEXT" "$TMP/$name.log")
  [ "$n" = 1 ] && grep -F "$LIMIT_TEXT" "$TMP/$name.log" | grep -q "student_02-0.mp4" \
    && echo "ok: $name says it once, naming the file: $(grep -F "$LIMIT_TEXT" "$TMP/$name.log")" \
    || { echo "FAIL: $name names the limit $n times (want 1, with the file): $(cat "$TMP/$name.log")"; fail=1; }
  [ "$kb" -le $((bkb + 65536)) ] && echo "ok: $name peak RSS $((kb / 1024)) MB (intact: $((bkb / 1024)) MB)" \
    || { echo "FAIL: $name peak RSS $((kb / 1024)) MB, intact sample $((bkb / 1024)) MB"; fail=1; }
}

run verify-ok "$BIN" verify "$SAMPLE/replay.json" --json "$TMP/verify-ok.json"
run verify "$BIN" verify "$TMP/class/replay.json" --json "$TMP/verify.json"
check verify 2 verify-ok
jq -e '[.findings[] | select(.code == "media.picture_size" and .severity == "error"
        and (.message | contains("student_02-0.mp4: the video declares 47873x1282")))] | length == 1' \
  "$TMP/verify.json" >/dev/null && echo "ok: verify files it as media.picture_size" \
  || { echo "FAIL: no media.picture_size error: $(jq -c .findings "$TMP/verify.json")"; fail=1; }
# the other segments are measured as on the intact sample
jq -e --slurpfile ok "$TMP/verify-ok.json" \
  '[.segments[] | select(.file != "student_02-0.mp4") | .frames_decoded] ==
   [$ok[0].segments[] | select(.file != "student_02-0.mp4") | .frames_decoded]' "$TMP/verify.json" \
  >/dev/null && echo "ok: verify decodes every other segment as on the intact sample" \
  || { echo "FAIL: other segments measured differently"; fail=1; }

# play to 0:35, past the damaged segment (0:08 to 0:30 on the timeline)
run play-ok "$BIN" play --headless --max-speed --until 0:35 "$SAMPLE/replay.json"
run play "$BIN" play --headless --max-speed --until 0:35 "$TMP/class/replay.json"
check play 1 play-ok

run render-ok "$BIN" render "$SAMPLE/replay.json" --at 0:15 -o "$TMP/render-ok.png"
run render "$BIN" render "$TMP/class/replay.json" --at 0:15 -o "$TMP/render.png"
check render 1 render-ok
[ -s "$TMP/render.png" ] && echo "ok: render wrote the frame" || { echo "FAIL: no frame"; fail=1; }
exit $fail
