#!/usr/bin/env bash
# A diagnostic is printed once per run, with a count when it recurred: a
# lane whose segment has no VideoUrl (misspelled "VideoURL") warns on every
# step, and the Interrupts note is said once even when the command reads
# the source twice (play without a display draws the frame instead).
set -u
fail=0
check() { if ! eval "$2"; then echo "FAIL: $1"; fail=1; else echo "ok: $1"; fi; }
tmp="$SIGPLAY_TEST_TMP/diag_once"
rm -rf "$tmp" && mkdir -p "$tmp"
cp -r "$SIGPLAY_SAMPLE_DIR" "$tmp/c"
# the first VideoUrl only
sed -i '0,/"VideoUrl"/s//"VideoURL"/' "$tmp/c/replay.json"
check "the copy has one misspelled VideoURL" '[ "$(grep -c "\"VideoURL\"" "$tmp/c/replay.json")" = 1 ]'

"$SIGPLAY_BIN" play "$tmp/c/replay.json" --headless --no-audio --max-speed 2>"$tmp/err" >/dev/null
n=$(grep -c "has no VideoUrl; skipped" "$tmp/err")
check "the lane's warning is printed once (got $n lines)" '[ "$n" = 1 ]'
check "with how many times it recurred" \
    'grep -Eq "has no VideoUrl; skipped \(repeated [0-9]+ times\)$" "$tmp/err"'
dups=$(sort "$tmp/err" | uniq -d | wc -l)
check "no line of stderr is printed twice (got $dups)" '[ "$dups" = 0 ]'
n=$(grep -c "Interrupts" "$tmp/err")
check "the Interrupts note is printed once by play --headless (got $n)" '[ "$n" = 1 ]'

(cd "$tmp" && env -u DISPLAY -u WAYLAND_DISPLAY "$SIGPLAY_BIN" play "$SIGPLAY_SAMPLE_DIR/replay.json" \
    >/dev/null 2>"$tmp/err2")
n=$(grep -c "Interrupts" "$tmp/err2")
check "the Interrupts note is printed once by play without a display (got $n)" '[ "$n" = 1 ]'
check "and not as a repeat" '! grep -q "Interrupts.*repeated" "$tmp/err2"'
for cmd in probe render export; do
    extra=()
    [ $cmd = render ] && extra=(--at 1000 -o "$tmp/r.png")
    [ $cmd = export ] && extra=(--to 500 --size 320x180 --fps 5 -o "$tmp/r.mp4")
    "$SIGPLAY_BIN" $cmd "$SIGPLAY_SAMPLE_DIR/replay.json" "${extra[@]}" >/dev/null 2>"$tmp/err3"
    n=$(grep -c "Interrupts" "$tmp/err3")
    check "the Interrupts note is printed once by $cmd (got $n)" '[ "$n" = 1 ]'
done
exit $fail
