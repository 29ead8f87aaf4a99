#!/usr/bin/env bash
# A class whose media and board clocks begin before RecordStartTime (the
# service starts recording about 2 s after it is asked to, and rounds the
# time either way; REPLAY-FORMAT section 6): generated with the true start
# 400 ms, 2 s and 10 s before RecordStartTime*1000, it must play as the
# class it is. For each:
# - `play --headless --max-speed` (audio mixed into the null sink): a line
#   per frame of the class, and every shown lane frame's board time within
#   one frame interval below the TRUE w(t) (truth.json's start, not the
#   player's own idea of it); w(t) itself within a frame of the truth; the
#   board shows the same ops at every t as the class without the offset,
#   and the chat the messages truth.json has up to t;
# - `render --at T` at the start, inside the first second, before and after
#   the pause: the teacher's picture is the media frame the true w(T) names
#   (within one frame), found by comparing the PNG against every frame of
#   the segment (ffmpeg psnr);
# - `export` of the first 3 s: its frames at 0, 0.53 and 2 s likewise.
set -euo pipefail
BIN="$SIGPLAY_BIN"
TMP="$SIGPLAY_TEST_TMP/start_before_record"
MK="$SIGPLAY_BIN"-mkclass
[ -x "$MK" ] || MK="$(dirname "$BIN")/sigplay-mkclass"
rm -rf "$TMP"
mkdir -p "$TMP"
fail() { echo "FAIL: $*" >&2; exit 1; }
command -v ffmpeg >/dev/null || fail "needs ffmpeg"
command -v jq >/dev/null || fail "needs jq"

DUR=12000 FPS=15
# check TRUTH TRACE REF_TRACE: prints "rows cells"; fails on any lane cell
# off the true w(t), a w(t) off the truth, board ops other than the
# reference's at the same t, or a chat count other than truth.json's (its
# messages, placeholders left out, whose play_ms <= t: chat times are whole
# seconds of wall time, so the shifted class's chat is not the
# reference's at the same t).
check() {
  awk -v F="$(awk -v f=$FPS 'BEGIN { printf "%.6f", 1000 / f }')" \
      -v S="$(jq .true_start_ms "$1")" \
      -v CH="$(jq -r '[.chat_messages[] | select(.placeholder | not) | .play_ms] | join(" ")' "$1")" \
      -v PV="$(jq '.pauses[0].video_time' "$1")" \
      -v PD="$(jq '.pauses[0].resume_time - .pauses[0].pause_time' "$1")" -F'\t' '
    BEGIN { nch = split(CH, ch, " ") }
    FNR == NR { if (!/^#/) ref[$1] = $(NF - 1); next }
    /^#/ { next }
    { t = $1; wt = S + t + (t >= PV ? PD : 0); rows++
      k = 0; for (i = 1; i <= nch; i++) if (ch[i] <= t + 0.0005) k++
      if (k != $NF) { bad++; if (bad <= 5) print "t=" t ": " $NF " chat messages shown, truth has " k > "/dev/stderr" }
      if ($2 - wt >= F || wt - $2 >= F) { bad++; if (bad <= 5) print "t=" t ": w=" $2 ", true w=" wt > "/dev/stderr" }
      if ((t in ref) && ref[t] != $(NF - 1)) { bad++; if (bad <= 5) print "t=" t ": board ops " $(NF - 1) ", without the offset " ref[t] > "/dev/stderr" }
      for (i = 3; i <= NF - 2; i++) {
        if ($i !~ /@/) continue
        c = $i; sub(/~$/, "", c); split(c, a, "@"); d = wt - a[2]; n++
        if (d < -0.0005 || d >= F) { bad++; if (bad <= 5) print "lane " i - 2 " at t=" t ": true w - board = " d > "/dev/stderr" }
      } }
    END { if (bad) exit 1; print rows + 0, n + 0 }' "$3" "$2"
}

# best_frame MEDIA PNG: the 0-based index of the media frame closest to PNG.
# The closest must also be a match (PSNR of at least 20 dB; a true match
# scores about 30, its neighbours 26): a picture that is no frame of the
# segment at all (a name tile, a black lane) scores about 12 against every
# frame, and the closest of those would be an arbitrary index.
best_frame() {
  ffmpeg -v error -i "$1" -loop 1 -i "$2" -lavfi \
    "[0:v]format=rgb24[a];[1:v]format=rgb24[b];[a][b]psnr=stats_file=$TMP/psnr.txt:shortest=1" \
    -f null - || return 1
  awk '{ split($1, a, ":"); split($6, b, ":"); if (b[2] == "inf") b[2] = 1e9
         if (best == "" || b[2] + 0 > best) { best = b[2] + 0; n = a[2] - 1 } }
       END { if (best < 20) { print "no frame of the segment (best PSNR " best " dB)" > "/dev/stderr"; exit 1 }
             print n }' "$TMP/psnr.txt"
}

# the teacher's camera alone, pixel for pixel
cat >"$TMP/teacher.json" <<'JSON'
{"Canvas": {"LayoutParams": {"Width": 640, "Height": 360}, "BackgroundColor": "#000000"},
 "InputStreamList": [{"LayoutParams": {"X": 0, "Y": 0, "Width": 640, "Height": 360},
                      "InputStreamId": "teacher_01", "FillMode": 1}]}
JSON

"$MK" -q -o "$TMP/c0" --duration-ms $DUR --fps $FPS
"$BIN" play "$TMP/c0/replay.json" --headless --max-speed --trace "$TMP/ref.tsv" 2>/dev/null \
  || [ $? -eq 1 ] || fail "the class without offset did not play"
want_rows=$((DUR * FPS / 1000))

for off in -400 -2000 -10000; do
  c="$TMP/c$off"
  "$MK" -q -o "$c" --start-offset-ms $off --duration-ms $DUR --fps $FPS
  rst=$(jq .record_start_time "$c/truth.json")
  start=$(jq .true_start_ms "$c/truth.json")
  [ $((rst * 1000 - start)) -eq $((-off)) ] || fail "$off: mkclass put the true start at $start"
  rc=0
  "$BIN" play "$c/replay.json" --headless --max-speed --trace "$TMP/t$off.tsv" 2>"$TMP/e$off" || rc=$?
  [ $rc -le 1 ] || fail "$off: play exited $rc ($(cat "$TMP/e$off"))"
  read -r rows cells < <(check "$c/truth.json" "$TMP/t$off.tsv" "$TMP/ref.tsv") \
    || fail "$off: play --headless --max-speed: off the true w(t)"
  [ "$rows" -ge "$want_rows" ] || fail "$off: $rows presented frames, want >= $want_rows"
  [ "$cells" -ge $((2 * want_rows)) ] || fail "$off: only $cells shown lane frames"
  echo "ok: start ${off} ms: $rows frames, $cells lane frames within a frame of the true w(t)"

  # render: the frame at T is the one the true w(T) names
  fms=$((1000 / FPS))
  pv=$(jq '.pauses[0].video_time' "$c/truth.json")
  for T in 0 500 3000 $((pv + 2500)); do
    rc=0
    "$BIN" render "$c/replay.json" --at $T --layout "$TMP/teacher.json" -q -o "$TMP/r.png" \
      2>"$TMP/render.err" || rc=$?
    [ $rc -le 1 ] || fail "$off: render --at $T exited $rc: $(cat "$TMP/render.err")"
    seg=$(jq -c --argjson t $T '[.segments[] | select(.user_id == "teacher_01" and .video_play_time <= $t and .video_play_time + .video_duration > $t)][0]' "$c/truth.json")
    file=$(jq -r .file <<<"$seg")
    first=$(jq .first_frame_board_ms <<<"$seg")
    wt=$((start + T + (T >= pv ? $(jq '.pauses[0].resume_time - .pauses[0].pause_time' "$c/truth.json") : 0)))
    want=$(((wt - first) * FPS / 1000))
    got=$(best_frame "$c/$file" "$TMP/r.png") || fail "$off: render --at $T shows no frame of $file"
    d=$((got - want))
    [ ${d#-} -le 1 ] || fail "$off: render --at $T shows frame $got of $file, the true w(t) is frame $want"
  done
  echo "ok: start ${off} ms: render --at shows the frames of the true w(t)"

  # export: its frame j (t = j / FPS s) is the media frame of the true w(t)
  "$BIN" export "$c/replay.json" -o "$TMP/x.mp4" --layout "$TMP/teacher.json" --fps $FPS \
    --to 3000 --crf 10 --preset ultrafast >/dev/null 2>&1 || [ $? -eq 1 ] || fail "$off: export failed"
  seg0=$(jq -c '[.segments[] | select(.user_id == "teacher_01")][0]' "$c/truth.json")
  first=$(jq .first_frame_board_ms <<<"$seg0")
  for j in 0 8 30; do
    ffmpeg -v error -y -i "$TMP/x.mp4" -vf "select=eq(n\,$j)" -frames:v 1 "$TMP/x.png"
    want=$(((start + j * 1000 / FPS - first) * FPS / 1000))
    got=$(best_frame "$c/$(jq -r .file <<<"$seg0")" "$TMP/x.png") || fail "$off: export frame $j shows no frame of the segment"
    d=$((got - want))
    [ ${d#-} -le 1 ] || fail "$off: export frame $j shows media frame $got, the true w(t) is frame $want"
  done
  echo "ok: start ${off} ms: export shows the frames of the true w(t)"
done
echo "PASS"
