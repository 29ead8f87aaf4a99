#!/usr/bin/env bash
# test_verify.sh - `sigplay verify` on the sample class (clean: exit 0, full
# and --quick, JSON report) and on damaged copies, each with the finding it
# must produce and its exit code: a truncated segment, a segment whose SEI is
# 700 ms off, a missing message page, a segment the server answers 404 for
# (the expired-link explanation), plus a hole in the timeline.
set -u
source "$SIGPLAY_SOURCE_DIR/tests/support/nginx.sh"
W=$(mktemp -d "$SIGPLAY_TEST_TMP/verify.XXXXXX")
trap 'nginx_stop; rm -rf "$W"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
S=$SIGPLAY_SAMPLE_DIR
[ -f "$S/replay.json" ] || fail "no sample class at $S"

# run NAME SOURCE [ARGS...]: report in $W/NAME.out, JSON in $W/NAME.json, exit in $rc
run() {
    local name=$1
    shift
    "$SIGPLAY_BIN" verify "$@" --json "$W/$name.json" >"$W/$name.out" 2>"$W/$name.err"
    rc=$?
}
expect_exit() { [ "$rc" -eq "$2" ] || fail "$1: exit $rc, expected $2: $(cat "$W/$1.out" "$W/$1.err")"; }
expect_finding() { # NAME SEVERITY CODE TEXT
    jq -e --arg s "$2" --arg c "$3" --arg t "$4" \
        '[.findings[] | select(.severity == $s and .code == $c and (.message | contains($t)))]
         | length >= 1' "$W/$1.json" >/dev/null \
        || fail "$1: no $2 $3 finding containing '$4': $(jq -c '.findings' "$W/$1.json")"
    grep -q -F -- "$4" "$W/$1.out" || fail "$1: human report lacks '$4'"
}
copy() { rm -rf "$W/$1" && cp -r "$S" "$W/$1"; }

# ---- the sample: clean ----------------------------------------------------
run clean "$S/replay.json"
expect_exit clean 0
grep -q "^result      OK (exit 0)" "$W/clean.out" || fail "clean: no OK line: $(cat "$W/clean.out")"
jq -e '.schema == "sigplay-verify/1" and .result == "ok" and .exit_code == 0
       and (.segments | length) == 6 and .counts.error == 0 and .counts.warning == 0
       and .messages.pages_read == .messages.pages and .messages.board_ops > 0
       and .messages.chat_items > 0 and (.coverage.gaps | length) == 0' "$W/clean.json" \
    >/dev/null || fail "clean: JSON summary: $(jq -c 'del(.segments)' "$W/clean.json")"
# measurements against what the generator says it wrote
while read -r file frames; do
    jq -e --arg f "$file" --argjson n "$frames" \
        '.segments[] | select(.file == $f) | .frames_decoded == $n and .decode_errors == 0
         and .size_bytes == .video_size and (.duration_ms - .video_duration_ms | fabs) <= .frame_ms' \
        "$W/clean.json" >/dev/null || fail "clean: $file measured wrong: \
$(jq -c --arg f "$file" '.segments[] | select(.file == $f)' "$W/clean.json")"
done < <(jq -r '.segments[] | "\(.file | split("/") | last) \(.frames)"' "$S/truth.json")
# offsets: what truth.json says each segment's first frame really is off
# (student_02 joined late), to the ms
while read -r file off; do
    jq -e --arg f "$file" --argjson o "$off" \
        '.segments[] | select(.file == $f) | .offset_refined_ms == $o' "$W/clean.json" \
        >/dev/null || fail "clean: $file offset is not $off ms"
done < <(jq -r '.segments[] | "\(.file | split("/") | last) \(.true_offset_ms)"' "$S/truth.json")
jq -e '.sync.refined_origin_ms == 1700000000000 and .sync.estimates == 6' "$W/clean.json" \
    >/dev/null || fail "clean: refined origin: $(jq -c .sync "$W/clean.json")"
jq -e '[.segments[] | select(.kind == "camera") | .audio_dbfs > -60 and .sei.anchors > 0
        and .sei.max_gap_ms <= 5000] | all' "$W/clean.json" >/dev/null \
    || fail "clean: camera audio / SEI"

run quick "$S/replay.json" --quick
expect_exit quick 0
jq -e '.quick == true and .result == "ok"
       and ([.segments[] | .frames_decoded] | add) < ([.segments[] | .video_packets] | add)' \
    "$W/quick.json" >/dev/null || fail "quick: did not sample: $(jq -c 'del(.segments)' "$W/quick.json")"

# ---- a truncated segment: size, decoding, duration errors ----------------------
copy trunc
f="$W/trunc/media/teacher_01-1.mp4"
truncate -s $(($(stat -c %s "$f") / 2)) "$f"
run trunc "$W/trunc/replay.json"
expect_exit trunc 2
expect_finding trunc error media.size "teacher_01-1.mp4: $(stat -c %s "$f") bytes, VideoSize says"
expect_finding trunc error media.duration "teacher_01-1.mp4: media lasts"
jq -e '.segments[] | select(.file == "teacher_01-1.mp4") | .decode_errors > 0' \
    "$W/trunc.json" >/dev/null || fail "trunc: no decoding error listed"
run trunc-quick "$W/trunc/replay.json" --quick
expect_exit trunc-quick 2
expect_finding trunc-quick error media.size "teacher_01-1.mp4"

# ---- one segment's SEI 700 ms off: a sync warning, exit 1 ------------------
# Every syncTime of the file is rewritten in place with +700 ms (same number
# of digits, so the MP4's sizes and offsets stay right).
copy sei
f="$W/sei/media/teacher_01-1.mp4"
perl -0777 -pi -e 's/"syncTime":(\d+)/"\"syncTime\":" . ($1 + 700)/ge' "$f"
[ "$(cmp -l "$S/media/teacher_01-1.mp4" "$f" | wc -l)" -ge 10 ] || fail "sei: nothing rewritten"
run sei "$W/sei/replay.json"
expect_exit sei 1
expect_finding sei warning sync.offset "teacher_01-1.mp4: first frame is at board time +700 ms"
jq -e '.counts.error == 0 and .counts.warning == 1 and .sync.refined_origin_ms == 1700000000000
       and (.segments[] | select(.file == "teacher_01-1.mp4") | .offset_refined_ms == 700)' \
    "$W/sei.json" >/dev/null || fail "sei: $(jq -c '[.sync, .counts]' "$W/sei.json")"

# ---- a missing message page: an error naming it -----------------------------
copy page
rm "$W/page/im/messages-004.json"
run page "$W/page/replay.json"
expect_exit page 2
expect_finding page error pages.unreadable "messages-004.json"
jq -e '.messages.pages_read == .messages.pages - 1' "$W/page.json" >/dev/null \
    || fail "page: pages_read"

# ---- a hole in the timeline: no lane has media (a local file gone) ----------
# The three lanes' first segments all gone: nothing from 0 to 30 s.
copy hole
rm "$W/hole/media/teacher_01-0.mp4" "$W/hole/media/student_02-0.mp4" \
    "$W/hole/media/tic_substream_teacher_01-0.mp4"
run hole "$W/hole/replay.json"
expect_exit hole 2
expect_finding hole error media.unreachable "teacher_01-0.mp4"
expect_finding hole warning coverage.gap "no lane has media from 0.000 s to 30.000 s"

# ---- a segment the server answers 404 for: the expired-link explanation -------
copy web
rm "$W/web/media/student_02-1.mp4"
nginx_start "$W/web" "$W/nginx" || fail "nginx"
run web "http://127.0.0.1:$NGINX_PORT/replay.json" --cache-dir "$W/cache"
expect_exit web 2
expect_finding web error media.unreachable "student_02-1.mp4: HTTP 404"
grep -q "3 days" "$W/web.out" || fail "web: no expired-link explanation: $(cat "$W/web.out")"
jq -e '[.segments[] | select(.reachable)] | length == 5' "$W/web.json" >/dev/null \
    || fail "web: the other segments were not checked"
nginx_stop

# ---- JSON on stdout, bad command lines ---------------------------------------
"$SIGPLAY_BIN" verify "$S/replay.json" --quick --json - 2>/dev/null | jq -e '.result == "ok"' \
    >/dev/null || fail "--json - did not print the JSON report"
"$SIGPLAY_BIN" verify >/dev/null 2>&1; [ $? -eq 64 ] || fail "no SOURCE: not a usage error"
"$SIGPLAY_BIN" verify x --json >/dev/null 2>&1; [ $? -eq 64 ] || fail "--json without FILE"
"$SIGPLAY_BIN" verify "$W/none.json" >"$W/none.out" 2>&1; [ $? -eq 2 ] || fail "missing SOURCE"
echo "ok"
