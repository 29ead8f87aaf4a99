#!/usr/bin/env bash
# Small things a new user sees: a directory as SOURCE, the real reason an
# output cannot be written, PNGs that follow the umask, and one line on
# success from render and export (none with -q).
set -u
fail=0
check() { if ! eval "$2"; then echo "FAIL: $1"; fail=1; else echo "ok: $1"; fi; }
S="$SIGPLAY_SAMPLE_DIR"
tmp="$SIGPLAY_TEST_TMP/cli_small"
rm -rf "$tmp" && mkdir -p "$tmp/empty"

"$SIGPLAY_BIN" probe "$S" >"$tmp/out" 2>"$tmp/err"
rc=$?
check "a directory with a replay.json plays as SOURCE (probe exit $rc)" '[ $rc -le 1 ] && grep -q "replay.json" "$tmp/out"'
"$SIGPLAY_BIN" probe "$tmp/empty" >/dev/null 2>"$tmp/err"
rc=$?
check "a directory without one: exit 2 (got $rc)" '[ $rc -eq 2 ]'
check "says it is a directory" 'grep -q "empty: is a directory, and holds no replay.json" "$tmp/err"'
check "not input/output error" '! grep -q "input/output error" "$tmp/err"'

: >"$tmp/afile"
"$SIGPLAY_BIN" render "$S/replay.json" --at 1s -o "$tmp/afile/x.png" >/dev/null 2>"$tmp/err"
rc=$?
check "an unwritable output: exit 2 (got $rc)" '[ $rc -eq 2 ]'
check "with the system's reason" 'grep -q "afile/x.png: cannot write: Not a directory" "$tmp/err"'

for mask in 022 002; do
    (umask $mask && "$SIGPLAY_BIN" render "$S/replay.json" --at 1s -o "$tmp/m$mask.png" \
        >"$tmp/out$mask" 2>/dev/null)
    want=$(printf '%o' $((0666 & ~8#$mask)))
    got=$(stat -c %a "$tmp/m$mask.png")
    check "umask $mask: the PNG is $want (got $got)" '[ "$got" = "$want" ]'
done
check "render prints one line: path, size, frame" \
    '[ "$(wc -l <"$tmp/out022")" = 1 ] && grep -Eq "^sigplay: render: wrote .*m022.png \([0-9.]+ [kKM]?B, 1280x720, the frame at 0:01\)$" "$tmp/out022"'
"$SIGPLAY_BIN" render "$S/replay.json" --at 1s -q -o "$tmp/q.png" >"$tmp/outq" 2>/dev/null
check "render -q prints nothing" '[ -s "$tmp/q.png" ] && [ ! -s "$tmp/outq" ]'
"$SIGPLAY_BIN" export "$S/replay.json" --from 1s --to 3s --size 320x180 --fps 5 -o "$tmp/e.mp4" \
    >"$tmp/oute" 2>/dev/null
check "export prints one line: path, size, duration" \
    'grep -Eq "^sigplay: export: wrote .*e.mp4 \([0-9.]+ [kKM]?B, 320x180, 0:02\)$" "$tmp/oute"'
"$SIGPLAY_BIN" export "$S/replay.json" --to 1s --size 320x180 --fps 5 -q -o "$tmp/q.mp4" \
    >"$tmp/outeq" 2>/dev/null
check "export -q prints nothing" '[ -s "$tmp/q.mp4" ] && [ ! -s "$tmp/outeq" ]'
exit $fail
