#!/usr/bin/env bash
# `sigplay probe`: the human and JSON summaries, exit codes, and the
# messages a person reads when something is wrong. JSON is checked with jq.
set -u
fail=0
check() { if ! eval "$2"; then echo "FAIL: $1"; fail=1; else echo "ok: $1"; fi; }
data="$SIGPLAY_SOURCE_DIR/tests/data"
tmp="$SIGPLAY_TEST_TMP/probe"
mkdir -p "$tmp"
seed="$data/seed-result.json"
probe() { "$SIGPLAY_BIN" probe "$@" >"$tmp/out" 2>"$tmp/err"; rc=$?; }
jqt() { jq -e "$1" "$tmp/out" >/dev/null; } # true when the filter yields true

# ---- the seed's example result ---------------------------------------------
probe "$seed"
check "seed: exit 0" '[ $rc -eq 0 ]'
check "seed: no diagnostics" '[ ! -s "$tmp/err" ]'
start=$(date -u -d @1558613140 +%Y-%m-%dT%H:%M:%SZ)
p0=$(date -u -d @$((1558613140 + 900)) +%Y-%m-%dT%H:%M:%SZ)
p1=$(date -u -d @$((1558613140 + 960)) +%Y-%m-%dT%H:%M:%SZ)
check "seed: start in ISO 8601 UTC" 'grep -q "^started     $start (RecordStartTime 1558613140)$" "$tmp/out"'
check "seed: total and wall durations" \
  'grep -q "^duration    24:00.000 playback (1440000 ms), 25:00.000 wall (1500000 ms)$" "$tmp/out"'
check "seed: 3 lanes, 6 segments" 'grep -q "3 lane(s), 6 segment(s)" "$tmp/out"'
# 60 columns of 24000 ms: ios_test1 has media in [0, 1200000) = columns 0-49,
# with the pause (900000 ms) in column 37.
bar="$(printf '#%.0s' $(seq 37))|$(printf '#%.0s' $(seq 12))$(printf '.%.0s' $(seq 10))"
check "seed: ios_test1 camera bar" 'grep -qF "ios_test1                camera     [$bar] 2 seg" "$tmp/out"'
check "seed: pc_test1 camera lane" 'grep -q "^  pc_test1 .* camera " "$tmp/out"'
check "seed: whiteboard video lane" 'grep -q "^  whiteboard .* whiteboard " "$tmp/out"'
check "seed: the pause with wall-clock times" \
  'grep -qF "at 15:00.000 (900000 ms) for 1:00.000 (60000 ms): wall $p0 to $p1 (inferred)" "$tmp/out"'

probe "$seed" --json
check "seed --json: exit 0" '[ $rc -eq 0 ]'
check "seed --json: valid JSON with schema" 'jqt ".schema == \"sigplay-probe/1\" and .ok == true and .error == null"'
check "seed --json: 3 lanes by name and kind" \
  'jqt "[.lanes[] | [.name, .kind]] == [[\"ios_test1\",\"camera\"],[\"pc_test1\",\"camera\"],[\"whiteboard\",\"whiteboard\"]]"'
check "seed --json: 6 segments where the figure has them" \
  'jqt "[.lanes[] | [.segments[] | [.play_ms, .end_ms]]] == [[[0,900000],[900000,1200000]],[[300000,900000],[900000,1110000]],[[120000,900000],[900000,1440000]]]"'
check "seed --json: one inferred pause at 900000 for 60000" \
  'jqt ".pauses == [.pauses[0]] and .pauses[0].video_ms == 900000 and .pauses[0].duration_ms == 60000 and .pauses[0].inferred == true"'
check "seed --json: total and wall" 'jqt ".total_ms == 1440000 and .wall_ms == 1500000 and .start_utc == \"$start\""'
check "seed --json: no errors or warnings" 'jqt ".errors == 0 and .warnings == 0 and .diagnostics == []"'

# ---- errors and warnings -------------------------------------------------------
probe "$data/probe/stopped.json"
check "stopped: exit 2" '[ $rc -eq 2 ]'
check "stopped: says what STOPPED means" \
  'grep -qx "sigplay: error: stopped.json: Status: STOPPED: recording has stopped and the result is still being processed; try again later" "$tmp/err"'
probe "$data/probe/stopped.json" --json
check "stopped --json: exit 2, not ready" 'jqt ".ready == false and .error == \"recording not ready\"" && [ $rc -eq 2 ]'

probe "$data/probe/bad-field.json"
check "bad field: exit 2" '[ $rc -eq 2 ]'
check "bad field: file, field, reason" \
  'grep -qx "sigplay: error: bad-field.json: VideoInfos\[3\].VideoPlayTime: expected integer, got string" "$tmp/err"'
check "bad field: still summarises the rest" 'grep -q "1 lane(s), 3 segment(s)" "$tmp/out"'

probe "$data/probe/warn-user-id.json"
check "warning only: exit 0" '[ $rc -eq 0 ]'
check "warning only: RecordUserId warned" \
  'grep -qx "sigplay: warning: warn-user-id.json: RecordUserId: '"'"'recorder'"'"' does not look like tic_record_user_1234_<random>" "$tmp/err"'

probe "$data/probe/not-json.txt"
check "not JSON: exit 2" '[ $rc -eq 2 ]'
check "not JSON: one clear line" \
  '[ "$(cat "$tmp/err")" = "sigplay: error: not-json.txt: not valid JSON (line 1, column 1)" ]'
check "not JSON: no summary" '[ ! -s "$tmp/out" ]'
probe "$data/probe/not-json.txt" --json
check "not JSON --json: ok false, error named" 'jqt ".ok == false and .error == \"malformed input\" and .errors == 1"'

probe "$tmp/no-such-file.json"
check "missing file: exit 2" '[ $rc -eq 2 ]'
check "missing file: named" 'grep -qF "no-such-file.json: cannot read: no such file" "$tmp/err"'

# Nothing listens on the discard port: a network error naming the URL.
probe "http://127.0.0.1:9/r/replay.json" --no-cache
check "http, nothing listening: exit 2" '[ $rc -eq 2 ]'
check "http, nothing listening: the URL is named" 'grep -qF "http://127.0.0.1:9/r/replay.json" "$tmp/err"'
probe "$seed" --cache-dir
check "network option without its value: exit 64" '[ $rc -eq 64 ]'

# ---- sources: the web player's link, ReplayUrl -----------------------------------
enc=$(jq -rn --arg u "file://$seed" '$u|@uri')
probe "file:///opt/web/replay/index.html?url=$enc&showChatMessages=1" --json
check "player link: exit 0" '[ $rc -eq 0 ]'
check "player link: reads the target and showChatMessages" \
  'jqt ".show_chat == true and (.document | endswith(\"/seed-result.json\")) and (.lanes | length) == 3"'

cp "$seed" "$tmp/replay.json"
printf '{"Status":"FINISHED","RoomId":1234,"RecordStartTime":1558613140,"RecordStopTime":1558614640,"TotalTime":1440000,"ReplayUrl":"replay.json","VideoInfos":[]}' >"$tmp/callback.json"
probe "$tmp/callback.json" --json
check "callback: follows ReplayUrl" 'jqt "(.document | endswith(\"/probe/replay.json\")) and (.lanes | length) == 3" && [ $rc -eq 0 ]'

# ---- command line --------------------------------------------------------------
probe
check "no SOURCE: exit 64" '[ $rc -eq 64 ]'
probe a.json b.json
check "two SOURCEs: exit 64" '[ $rc -eq 64 ]'
probe --bogus "$seed"
check "unknown option: exit 64" '[ $rc -eq 64 ] && grep -q "unknown option '"'"'--bogus'"'"'" "$tmp/err"'
probe --help
check "--help: exit 0 with usage" '[ $rc -eq 0 ] && grep -q "Usage: sigplay probe SOURCE \[--json\]" "$tmp/out"'
"$SIGPLAY_BIN" --help >"$tmp/out"
check "listed in sigplay --help" 'grep -q "probe SOURCE \[--json\]" "$tmp/out"'

# ---- the generated sample class --------------------------------------------------
s="$SIGPLAY_SAMPLE_DIR"
for f in replay result callback seedlike; do
  probe "$s/$f.json" --json
  check "sample $f: exit 0" '[ $rc -eq 0 ]'
  check "sample $f: 3 lanes, 6 segments, 60 s" \
    'jqt "(.lanes | length) == 3 and ([.lanes[].segments[]] | length) == 6 and .total_ms == 60000"'
  check "sample $f: one 20 s pause at 30000" \
    'jqt "(.pauses | length) == 1 and .pauses[0].video_ms == 30000 and .pauses[0].duration_ms == 20000"'
done
probe "$s/seedlike.json" --json
check "sample seedlike: the pause is inferred" 'jqt ".pauses[0].inferred == true"'
probe "$s/replay.json" --json
check "sample replay: the pause is given; board and pages" \
  'jqt ".pauses[0].inferred == false and .board == {\"width\":1280,\"height\":960} and (.message_pages | length) > 0 and .kind == \"manifest\""'
check "sample replay: lanes" \
  'jqt "[.lanes[] | [.name, .kind]] == [[\"teacher_01\",\"camera\"],[\"student_02\",\"camera\"],[\"teacher_01 (screen)\",\"screen\"]]"'
check "sample replay: student_02 joins at 8000" 'jqt ".lanes[1].segments[0].play_ms == 8000"'
probe "$s/callback.json" --json
check "sample callback: leads to replay.json" 'jqt ".document | endswith(\"/replay.json\")"'
probe "$s/result.json" --json
check "sample result: a plain result" 'jqt ".kind == \"result\" and .message_pages == []"'
exit $fail
