#!/usr/bin/env bash
# The shapes a recording result arrives in (REPLAY-FORMAT.md section 1a), as
# users save them, through every command:
# - the event callback envelope and the HTTP API answer (mkclass's
#   callback.json and api-answer.json) open the same recording as the bare
#   result; probe says which shape the given file was (human and JSON);
# - a video generation result (VideoInfoList, with a deprecated single-object
#   VideoInfos beside it) plays as its composed videos, one lane each;
# - a failed task (callback with Error, the API's error form, an answer with
#   only RequestId, inside Response or bare), the other callback events and
#   a queued generation task give one line naming the event, the Code and
#   Message or the RequestId, and exit 2 for probe, play, render, export,
#   verify and fetch. The file names say nothing: every file is copied to a
#   neutral name first.
set -euo pipefail
BIN="$SIGPLAY_BIN"
SAMPLE="$SIGPLAY_SAMPLE_DIR"
DATA="$SIGPLAY_SOURCE_DIR/tests/data/shapes"
TMP="$SIGPLAY_TEST_TMP/shapes"
rm -rf "$TMP"
mkdir -p "$TMP"
fail() { echo "FAIL: $*" >&2; exit 1; }

# Every shape lives beside the sample's media under a name that gives
# nothing away, so only the keys can tell them apart.
cp -r "$SAMPLE/." "$TMP/class"
cp "$SAMPLE/callback.json" "$TMP/class/a.json"
cp "$SAMPLE/api-answer.json" "$TMP/class/b.json"

# 1. callback and API answer: the same lanes as replay.json, shape named
want=$("$BIN" probe "$SAMPLE/replay.json" --json | jq -c '[.lanes[] | [.name, (.segments | length)]]')
for f in a b; do
  "$BIN" probe "$TMP/class/$f.json" --json >"$TMP/$f.probe.json" 2>"$TMP/$f.err" \
    || fail "$f.json: probe exit $? ($(cat "$TMP/$f.err"))"
  got=$(jq -c '[.lanes[] | [.name, (.segments | length)]]' "$TMP/$f.probe.json")
  [ "$got" = "$want" ] || fail "$f.json: lanes $got, want $want"
done
[ "$(jq -r .shape "$TMP/a.probe.json")" = callback ] || fail "a.json: shape not callback"
[ "$(jq -r .shape "$TMP/b.probe.json")" = api-answer ] || fail "b.json: shape not api-answer"
[ "$(jq -r .shape <("$BIN" probe "$SAMPLE/result.json" --json))" = result ] \
  || fail "result.json: shape not result"
"$BIN" probe "$TMP/class/a.json" | grep -q '^shape  *event callback' \
  || fail "human probe does not name the callback shape"
"$BIN" probe "$TMP/class/b.json" | grep -q '^shape  *HTTP API answer' \
  || fail "human probe does not name the API answer shape"
# the callback plays like the manifest it leads to
"$BIN" play "$TMP/class/a.json" --headless --max-speed --no-audio --until 3000 \
  --trace "$TMP/a.tsv" 2>/dev/null || [ $? -eq 1 ] || fail "callback: play failed"
"$BIN" play "$SAMPLE/replay.json" --headless --max-speed --no-audio --until 3000 \
  --trace "$TMP/r.tsv" 2>/dev/null || [ $? -eq 1 ] || fail "replay: play failed"
cmp -s <(grep -v '^#' "$TMP/a.tsv") <(grep -v '^#' "$TMP/r.tsv") \
  || fail "the callback plays other frames than replay.json"

# 2. a video generation result, in the API answer as the service returns it
cat >"$TMP/class/c.json" <<'JSON'
{"Response": {"TaskId": "gen-4f2a", "Status": "FINISHED", "Progress": 100, "TotalTime": 12000,
  "VideoInfos": {"VideoUrl": "media/teacher_01-0.mp4", "VideoDuration": 12000},
  "VideoInfoList": [
    {"VideoPlayTime": 0, "VideoSize": 1000, "VideoFormat": "mp4", "VideoDuration": 12000,
     "VideoUrl": "media/teacher_01-0.mp4", "VideoId": "v-1", "VideoType": 3,
     "UserId": "tic_mixstream_880321_2", "Width": 640, "Height": 360},
    {"VideoPlayTime": 0, "VideoSize": 1000, "VideoFormat": "mp4", "VideoDuration": 12000,
     "VideoUrl": "media/student_02-0.mp4", "VideoId": "v-2", "VideoType": 3,
     "UserId": "tic_mixstream_880321_2", "Width": 640, "Height": 360}],
  "RequestId": "0f0e0d0c-3333-4d4e-8f8a-99aabbccddee"}}
JSON
"$BIN" probe "$TMP/class/c.json" --json >"$TMP/c.probe.json" 2>"$TMP/c.err" \
  || fail "generation result: probe exit $? ($(cat "$TMP/c.err"))"
[ "$(jq -r .kind "$TMP/c.probe.json")" = generation ] || fail "generation result: kind"
[ "$(jq -r .shape "$TMP/c.probe.json")" = api-answer ] || fail "generation result: shape"
[ "$(jq -c '[.lanes[] | [.name, .kind, (.segments | length)]]' "$TMP/c.probe.json")" = \
  '[["composed video 1","mixed",1],["composed video 2","mixed",1]]' ] \
  || fail "generation result: lanes $(jq -c .lanes "$TMP/c.probe.json")"
"$BIN" probe "$TMP/class/c.json" | grep -q '^kind  *video generation result' \
  || fail "human probe does not say video generation result"
"$BIN" play "$TMP/class/c.json" --headless --max-speed --no-audio --until 2000 \
  --trace "$TMP/c.tsv" 2>"$TMP/c.err" || [ $? -eq 1 ] || fail "generation: play failed"
# both composed videos show a picture: two lane columns with a frame
awk -F'\t' '!/^#/ && $3 ~ /@/ && $4 ~ /@/ { ok = 1 } END { exit ok ? 0 : 1 }' "$TMP/c.tsv" \
  || fail "generation result: not both composed videos shown ($(tail -2 "$TMP/c.tsv"))"
jq 'del(.Response) + .Response' "$TMP/class/c.json" >"$TMP/class/d.json"
[ "$(jq -r .shape <("$BIN" probe "$TMP/class/d.json" --json))" = generation-result ] \
  || fail "bare generation result: shape"

# 3. failures: one line, exit 2, for every command
check_fail() { # FILE PATTERN
  local f="$1" pat="$2" c rc
  cp "$f" "$TMP/class/x.json"
  for c in "probe" "probe --json" "play --headless --max-speed" "render --at 0 -o $TMP/x.png" \
           "export -o $TMP/x.mp4" "verify --quick" "fetch --cache-dir $TMP/cache"; do
    set +e
    # shellcheck disable=SC2086
    "$BIN" $c "$TMP/class/x.json" >"$TMP/x.out" 2>"$TMP/x.err"
    rc=$?
    set -e
    [ "$rc" -eq 2 ] || fail "$(basename "$f"): $c: exit $rc, want 2 ($(cat "$TMP/x.err"))"
    grep -q -- "$pat" "$TMP/x.err" "$TMP/x.out" \
      || fail "$(basename "$f"): $c: no line matching '$pat': $(cat "$TMP/x.err")"
    ! grep -q "RecordStartTime: missing" "$TMP/x.err" \
      || fail "$(basename "$f"): $c: shown as an empty recording: $(cat "$TMP/x.err")"
  done
}
check_fail "$SAMPLE/task-failed.json" \
  "EventType OnlineRecordFinished: the task failed: FailedOperation.Transcode: "
check_fail "$DATA/api-error.json" \
  "the task failed: ResourceNotFound.TaskNotExist: The task does not exist.; RequestId 6ca31e3a"
check_fail "$DATA/request-id-only.json" "holds only RequestId 4a1b2c3d-0000-4e5f-8a9b-112233445566"
check_fail "$DATA/bare-request-id.json" "holds only RequestId 9f8e7d6c-1111-4a2b-9c3d-665544332211"
check_fail "$DATA/event-started.json" "EventType OnlineRecordStarted: .*still running"
check_fail "$DATA/event-force-stopped.json" \
  "EventType OnlineRecordLongPauseForceStopped: .*paused too long"
check_fail "$DATA/generation-queued.json" "Status: QUEUED: "
# the JSON probe of a failure says so
cp "$DATA/api-error.json" "$TMP/class/x.json"
"$BIN" probe "$TMP/class/x.json" --json >"$TMP/x.json" 2>/dev/null || true
[ "$(jq -r '.ok, .error' "$TMP/x.json" | tr '\n' ' ')" = "false the recording task failed " ] \
  || fail "probe --json of a failed task: $(jq -c '{ok, error}' "$TMP/x.json")"
echo "ok"
