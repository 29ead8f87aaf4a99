# offsets_class.sh - sourced by the sync-correction tests (docs/offsets.md).
#
#   offsets_class DIR      generates an 8 s class whose screen share
#                          (tic_substream_teacher_01, lane 3, "teacher_01
#                          (screen)") is 320 ms late, and nothing in it says
#                          so: sigplay-mkclass --lag-ms writes the true board
#                          times into the lane's SyncTime, which is removed
#                          here, so the lane is placed by VideoPlayTime alone,
#                          its pictures 320 ms late (a client whose clock
#                          stamps are missing: what a QA desk corrects by eye)
#   lane3_trace DIR OUT [ARGS...]
#                          a max-speed headless trace of the whole class into
#                          OUT (ARGS go to `sigplay play`)
#   lane3_late DIR TRACE LO HI
#                          checks every presented frame of lane 3 in TRACE:
#                          the true w(t) (truth.json: the true start + t,
#                          + the pause after it) minus the board time drawn
#                          on the frame (its segment's first frame's board
#                          time + its media time) must be in [LO, HI) ms.
#                          The true w, not the trace's: the player's origin
#                          estimate may be a few tens of ms off for a while
#                          (the late joiner's estimate), which moves every
#                          lane alike but is not what this lane is about;
#                          prints the frames checked, fails (1) if any is not
# Needs BIN (the sigplay binary) and jq.
offsets_class() {
  local dir=$1 mk
  mk="$(dirname "$BIN")/sigplay-mkclass"
  "$mk" -q -o "$dir" --duration-ms 8000 --size 320x180 --lag-ms tic_substream_teacher_01:320 \
    || return 1
  jq '(.VideoInfos[] | select(.UserId == "tic_substream_teacher_01")) |= del(.SyncTime)' \
    "$dir/replay.json" >"$dir/replay.tmp" && mv "$dir/replay.tmp" "$dir/replay.json"
}

lane3_trace() {
  local dir=$1 out=$2
  shift 2
  "$BIN" play "$dir/replay.json" --headless --max-speed --no-audio --trace "$out" "$@"
}

lane3_late() {
  local dir=$1 trace=$2 lo=$3 hi=$4 segs
  segs=$(jq -r '[.segments[] | select(.user_id == "tic_substream_teacher_01")]
    | sort_by(.video_play_time) | map("\(.video_play_time) \(.first_frame_board_ms)") | join(" ")' \
    "$dir/truth.json")
  local wt
  wt=$(jq -r '"\(.true_start_ms) \(.pauses[0].video_time) \(.pauses[0].resume_time - .pauses[0].pause_time)"' \
    "$dir/truth.json")
  awk -v S="$segs" -v W="$wt" -v lo="$lo" -v hi="$hi" -F'\t' '
    BEGIN { split(W, ww, " "); n = split(S, a, " "); for (i = 1; i <= n; i += 2) { vpt[(i + 1) / 2] = a[i]; first[(i + 1) / 2] = a[i + 1] }; k = n / 2 }
    /^#/ { next }
    $5 ~ /@/ { t = $1 + 0; f = first[1]; for (i = 1; i <= k; i++) if (vpt[i] <= t) f = first[i]
      w = ww[1] + t + (t >= ww[2] ? ww[3] : 0)
      split($5, c, "@"); d = w - (f + c[1])
      if (d < lo || d >= hi) { bad++; if (bad <= 3) print "t=" $1 ": w - drawn = " d > "/dev/stderr" }
      m++ }
    END { print m + 0; exit bad ? 1 : 0 }' "$trace"
}
