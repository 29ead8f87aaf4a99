#!/usr/bin/env bash
# Every time option (--start, --until, --at, --from, --to) takes the same
# syntax (app/timearg.h), and a time past the end is an error naming the
# class's length. The parsed value is read back from the headless trace's
# first line (the time of the first frame presented).
set -u
fail=0
check() { if ! eval "$2"; then echo "FAIL: $1"; fail=1; else echo "ok: $1"; fi; }
S="$SIGPLAY_SAMPLE_DIR/replay.json" # 60 s long
tmp="$SIGPLAY_TEST_TMP/time_options"
rm -rf "$tmp" && mkdir -p "$tmp"

# the first frame's t_ms when starting at T
start_at() {
    "$SIGPLAY_BIN" play "$S" --headless --max-speed --no-audio --start "$1" --until "$1" \
        --trace - 2>/dev/null | awk -F'\t' '!/^#/ { print $1; exit }'
}

# value -> ms, the option table
while read -r value ms; do
    value=${value//_/ } # "65.5_s" stands for "65.5 s"
    got=$(start_at "$value")
    check "--start '$value' is $ms ms (got '$got')" '[ "$got" = "$ms.000" ]'
done <<'TABLE'
40 40
40000 40000
40s 40000
40.5s 40500
40.25_s 40250
0:40 40000
00:40.125 40125
0:00:40.5 40500
0:00:40 40000
40s 40000
1m 60000
0m40s 40000
0h0m41.5s 41500
TABLE

for bad in 40.5 1:75 1:02:60 abc 1m1h 4O -5 "" 0:40.1234 1.5m30s; do
    "$SIGPLAY_BIN" play "$S" --headless --max-speed --no-audio --start "$bad" \
        >/dev/null 2>"$tmp/bad.err"
    rc=$?
    check "--start '$bad' is refused (64, got $rc)" '[ $rc -eq 64 ]'
    check "--start '$bad' names the forms" 'grep -q "expected ms, SS.mmm s, MM:SS" "$tmp/bad.err"'
done

# past the end: an error naming the class's length, for every option
past() { # what, expected rc, command...
    local what=$1 want=$2
    shift 2
    "$@" >/dev/null 2>"$tmp/past.err"
    local rc=$?
    check "$what past the end is refused ($want, got $rc)" '[ $rc -eq '"$want"' ]'
    check "$what names the class's length" 'grep -q "past the end of the class (it is 1:00.000 long, 60000 ms)" "$tmp/past.err"'
}
past "play --headless --start 1:05" 64 "$SIGPLAY_BIN" play "$S" --headless --no-audio --start 1:05
past "play --start 1m5s (window)" 64 env -u DISPLAY -u WAYLAND_DISPLAY "$SIGPLAY_BIN" play "$S" \
    --start 1m5s --screenshot-dir "$tmp"
past "render --at 61s" 64 "$SIGPLAY_BIN" render "$S" --at 61s -o "$tmp/x.png"
past "export --from 1:01" 64 "$SIGPLAY_BIN" export "$S" --from 1:01 -o "$tmp/x.mp4"
past "export --to 60001" 64 "$SIGPLAY_BIN" export "$S" --to 60001 -o "$tmp/x.mp4"
check "nothing was drawn for a time past the end" '! ls "$tmp"/*.png "$tmp"/*.mp4 2>/dev/null'

# render and export take the same forms as play
"$SIGPLAY_BIN" render "$S" --at 0:40 -o "$tmp/a.png" 2>/dev/null
rc=$?
check "render --at 0:40 is accepted (rc $rc)" '[ $rc -le 1 ] && [ -s "$tmp/a.png" ]'
"$SIGPLAY_BIN" render "$S" --at 40000 -o "$tmp/b.png" 2>/dev/null
check "render --at 0:40 draws the frame of --at 40000" 'cmp -s "$tmp/a.png" "$tmp/b.png"'
"$SIGPLAY_BIN" render "$S" --at 60s -o "$tmp/end.png" 2>/dev/null
rc=$?
check "render --at 60s (the very end) is accepted (rc $rc)" '[ $rc -le 1 ]'
"$SIGPLAY_BIN" export "$S" --from 0:58.5 --to 59s --size 320x180 --fps 5 -o "$tmp/c.mp4" \
    >/dev/null 2>&1
rc=$?
check "export --from 0:58.5 --to 59s is accepted (rc $rc)" '[ $rc -le 1 ] && [ -s "$tmp/c.mp4" ]'
exit $fail
