#!/usr/bin/env bash
# test_dense_stroke_render.sh - issue 15's trigger for item 9, end to end:
# one pen stroke, width 3, of N random (self-crossing) points on the board
# made `sigplay render` exit 2 with "render: out of memory" and `export`
# write no file (FreeType's scan converter ran out of cells). A small
# generated class gets, after its last board op, a page of its own with one
# such stroke of 200 and then 2000 points (test_raster draws 20000 too;
# before the fix 2000 points failed here, 200 drew at this scale already);
# `render --at` the end and `export` of the last second must draw it: exit
# 0 or 1, no "not drawn" or "out of memory" line, the stroke's red on the
# picture.
set -u
BIN="$SIGPLAY_BIN"
MK="$(dirname "$BIN")/sigplay-mkclass"
W="$SIGPLAY_TEST_TMP/dense_stroke_render"
rm -rf "$W"
mkdir -p "$W"
fail=0
check() { if ! eval "$2"; then echo "FAIL: $1"; fail=1; else echo "ok: $1"; fi; }

"$MK" -q -o "$W/c0" --duration-ms 4000 --size 160x90 --fps 5 --ops 100 --pause-ms 2000 --chat 9 ||
  { echo "FAIL: mkclass"; exit 1; }
# the last board op; the class ends at w = 1700000006000 (4 s, a 2 s pause)
last=$(jq -s '[.[].RspMsgList[].MsgBody[] | select(.MsgType == "TIMCustomElem")
               | .MsgContent.Data | (try fromjson catch empty) | .ops[]?.t] | max' "$W"/c0/im/*.json)
t=$((last + 50))
[ "$t" -lt 1700000005950 ] || { echo "FAIL: the class's last op is at $last"; exit 1; }

for n in 200 2000; do
  c="$W/c$n"
  cp -r "$W/c0" "$c"
  # n points anywhere on the 1280x720 board: long segments crossing often
  pts=$(awk -v n=$n 'BEGIN { srand(n); for (i = 0; i < n; i++)
          printf "%s%d,%d", i ? "," : "", 20 + int(rand() * 1240), 20 + int(rand() * 680) }')
  data=$(jq -nc --argjson t $t --argjson pts "[$pts]" '{v: 1, ops: [
    {t: $t, op: "board.add", user: "teacher_01", board: "dense", color: "#ffffff"},
    {t: $t, op: "board.switch", user: "teacher_01", board: "dense"},
    {t: ($t + 1), op: "stroke.begin", user: "teacher_01", id: "dense", board: "dense",
     tool: "pen", color: "#ff0000", width: 3, pts: $pts},
    {t: ($t + 2), op: "stroke.end", user: "teacher_01", id: "dense"}]}')
  # pages list their newest message first
  jq --arg d "$data" --argjson ts $((t / 1000)) '.RspMsgList = [{From_Account: "teacher_01",
      MsgSeq: 9000, MsgRandom: 1, MsgTimeStamp: $ts, IsPlaceMsg: 0, MsgPriority: 1,
      MsgBody: [{MsgType: "TIMCustomElem", MsgContent: {Data: $d, Desc: "",
      Ext: "TXWhiteBoardExt"}}]}] + .RspMsgList' "$W/c0/im/messages-000.json" >"$c/im/messages-000.json"

  "$BIN" render "$c/replay.json" --at 3950 -o "$W/r$n.png" 2>"$W/render$n.err"
  rc=$?
  check "$n points: render exits 0 or 1 ($rc)" '[ $rc -le 1 ]'
  check "$n points: render draws it (no skip, no out of memory)" \
    '! grep -qi "not drawn\|out of memory" "$W/render$n.err"'
  # the stroke's red: a visible share of the picture
  red=$(convert "$W/r$n.png" -fuzz 25% -fill black +opaque "#ff0000" -fill white -opaque "#ff0000" \
        -colorspace gray -format "%[fx:mean]" info: 2>/dev/null || echo 0)
  check "$n points: the stroke is on the picture (red share $red)" \
    'awk -v r="$red" "BEGIN { exit !(r > 0.005) }"'

  "$BIN" export "$c/replay.json" -o "$W/x$n.mp4" --fps 5 --from 3000 --to 4000 \
    --preset ultrafast >/dev/null 2>"$W/export$n.err"
  rc=$?
  check "$n points: export exits 0 or 1 ($rc) and writes the file" '[ $rc -le 1 ] && [ -s "$W/x$n.mp4" ]'
  check "$n points: export draws it" '! grep -qi "not drawn\|out of memory" "$W/export$n.err"'
  [ $fail -eq 0 ] || { cat "$W/render$n.err" "$W/export$n.err"; break; }
done
exit $fail
