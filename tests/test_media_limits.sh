#!/usr/bin/env bash
# Media whose sizes are over the player's limits, on copies of the sample:
#
# - pictures (player/media/picture_limit.h): media/student_02-0.mp4 made of
#   15 copies of a 23-byte progressive JPEG declaring 47873x1282 (61 Mpx,
#   an MJPEG MP4 of 1 KB);
# - an audio rate (audio_mix.h): media/teacher_01-0.mp4 remade as a MOV of
#   the same picture and 16-bit PCM whose sample entry says 1 Hz.
#
# `verify`, `play --headless --max-speed` and `render` (and `export` for the
# audio) each say so in one line naming the file and the limit, keep the
# other lanes, and stay small. The pictures' kilobyte used to make each
# allocate 600 MB to 1 GB and spend 5 to 16 s (release build); the 1 Hz
# audio made play take 2 GB and 8 s, export 2.2 GB and 12 s, with no word.
# The peak RSS is the measure: at most the intact sample's plus 64 MB.
set -u
BIN=${SIGPLAY_BIN:?} SAMPLE=${SIGPLAY_SAMPLE_DIR:?}
TMP=${SIGPLAY_TEST_TMP:?}/media_limits
rm -rf "$TMP" && mkdir -p "$TMP"
for tool in ffmpeg jq /usr/bin/python3 /usr/bin/time; do
  command -v $tool >/dev/null || { echo "FAIL: $tool is missing (scripts/deps.sh installs it)"; exit 1; }
done
fail=0
cp -r "$SAMPLE" "$TMP/class"
SEG=$TMP/class/media/student_02-0.mp4
printf '\xff\xd8\xff\xc2\x00\x11\x08\x05\x02\xbb\x01\x03\x00\x11\x00\x02\x11\x01\x03\x11\x00\xff\xd9' >"$TMP/one.jpg"
for i in $(seq 15); do cat "$TMP/one.jpg"; done >"$TMP/huge.mjpeg"
ffmpeg -v error -y -f mjpeg -framerate 15 -i "$TMP/huge.mjpeg" -c copy "$SEG" \
  || { echo "FAIL: ffmpeg could not write the damaged segment"; exit 1; }

# The RSS bound: the same command on the intact sample plus 64 MB (a tenth
# of the least the damaged files used to cost, sanitizers or not).
# run NAME CMD...: stdout+stderr in NAME.log, exit in NAME.rc, peak kB in NAME.kb
run() {
  local name=$1; shift
  /usr/bin/time -f %M -o "$TMP/$name.kb" "$@" >"$TMP/$name.log" 2>&1
  echo $? >"$TMP/$name.rc"
}
check() { # name expected-rc baseline-name text file
  local name=$1 want=$2 base=$3 LIMIT_TEXT=$4 file=$5
  local rc kb bkb
  rc=$(cat "$TMP/$name.rc"); kb=$(tail -1 "$TMP/$name.kb"); bkb=$(tail -1 "$TMP/$base.kb")
  [ "$rc" = "$want" ] && echo "ok: $name exits $rc" \
    || { echo "FAIL: $name exits $rc, expected $want: $(tail -5 "$TMP/$name.log")"; fail=1; }
  local n
  n=$(grep -c -F "$LIMIT_TEXT" "$TMP/$name.log")
  [ "$n" = 1 ] && grep -F "$LIMIT_TEXT" "$TMP/$name.log" | grep -q -F "$file" \
    && echo "ok: $name says it once, naming the file: $(grep -F "$LIMIT_TEXT" "$TMP/$name.log")" \
    || { echo "FAIL: $name names the limit $n times (want 1, with the file): $(cat "$TMP/$name.log")"; fail=1; }
  [ "$kb" -le $((bkb + 65536)) ] && echo "ok: $name peak RSS $((kb / 1024)) MB (intact: $((bkb / 1024)) MB)" \
    || { echo "FAIL: $name peak RSS $((kb / 1024)) MB, intact sample $((bkb / 1024)) MB"; fail=1; }
}

PIC="over the size limit (16384 px a side, 35.7 Mpx)"
run verify-ok "$BIN" verify "$SAMPLE/replay.json" --json "$TMP/verify-ok.json"
run verify "$BIN" verify "$TMP/class/replay.json" --json "$TMP/verify.json"
check verify 2 verify-ok "$PIC" student_02-0.mp4
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
check play 1 play-ok "$PIC" student_02-0.mp4

run render-ok "$BIN" render "$SAMPLE/replay.json" --at 0:15 -o "$TMP/render-ok.png"
run render "$BIN" render "$TMP/class/replay.json" --at 0:15 -o "$TMP/render.png"
check render 1 render-ok "$PIC" student_02-0.mp4
[ -s "$TMP/render.png" ] && echo "ok: render wrote the frame" || { echo "FAIL: no frame"; fail=1; }

# ---- an audio rate outside what the mixer plays --------------------------
cp -r "$SAMPLE" "$TMP/rate"
SEG=$TMP/rate/media/teacher_01-0.mp4
ffmpeg -v error -y -f lavfi -i "sine=f=440:r=16000:d=30" -f lavfi -i "color=c=gray:s=160x90:r=15:d=30" \
  -c:a pcm_s16le -c:v mpeg4 -shortest "$TMP/pcm.mov" \
  || { echo "FAIL: ffmpeg could not write the PCM segment"; exit 1; }
# the sound sample entry (QuickTime v0): its rate, 16.16 fixed point, is
# 24 bytes into the entry past its size and type
/usr/bin/python3 - "$TMP/pcm.mov" "$SEG" <<'PY' || { echo "FAIL: no sowt entry to patch"; exit 1; }
import sys
d = bytearray(open(sys.argv[1], 'rb').read())
i = d.find(b'sowt')
assert i > 4
d[i + 28:i + 32] = (1 << 16).to_bytes(4, 'big')
open(sys.argv[2], 'wb').write(d)
PY
RATE="the audio declares 1 Hz, outside the rates played (1000 to 768000 Hz)"
run rate-verify "$BIN" verify "$TMP/rate/replay.json" --json "$TMP/rate-verify.json"
check rate-verify 2 verify-ok "$RATE" teacher_01-0.mp4
jq -e '[.findings[] | select(.code == "audio.rate" and .severity == "warning")] | length == 1' \
  "$TMP/rate-verify.json" >/dev/null && echo "ok: verify files it as audio.rate" \
  || { echo "FAIL: no audio.rate warning: $(jq -c .findings "$TMP/rate-verify.json")"; fail=1; }
run rate-play "$BIN" play --headless --max-speed --until 0:35 "$TMP/rate/replay.json"
check rate-play 1 play-ok "$RATE" teacher_01-0.mp4
run export-ok "$BIN" export "$SAMPLE/replay.json" --to 0:10 -o "$TMP/export-ok.mp4"
run rate-export "$BIN" export "$TMP/rate/replay.json" --to 0:10 -o "$TMP/rate-export.mp4"
check rate-export 1 export-ok "$RATE" teacher_01-0.mp4
# the lane's video still plays: its picture is in the export
ffprobe -v error -count_frames -select_streams v -show_entries stream=nb_read_frames -of csv=p=0 \
  "$TMP/rate-export.mp4" | grep -q '^[1-9]' && echo "ok: export wrote its video" \
  || { echo "FAIL: export has no video"; fail=1; }
exit $fail
