#!/usr/bin/env bash
# `sigplay play SOURCE` without a display (no DISPLAY, no WAYLAND_DISPLAY):
# one line says so and where the frame went; the frame at --start is drawn
# into a PNG named like a window screenshot, exactly what `sigplay render`
# draws for the same moment, layout and chat; exit 0. Bad options still
# fail as usage errors.
set -u
BIN=${SIGPLAY_BIN:?} SAMPLE=${SIGPLAY_SAMPLE_DIR:?}
TMP=${SIGPLAY_TEST_TMP:?}/play_nodisplay
rm -rf "$TMP" && mkdir -p "$TMP/shots"
command -v compare >/dev/null || { echo "FAIL: compare (imagemagick) is missing"; exit 1; }
fail=0
nodisplay() { env -u DISPLAY -u WAYLAND_DISPLAY -u SDL_VIDEODRIVER "$@"; }

nodisplay "$BIN" play "$SAMPLE/replay.json" --start 0:20 --layout focus --chat \
  --screenshot-dir "$TMP/shots" >"$TMP/out" 2>"$TMP/err"
rc=$?
[ "$rc" -eq 0 ] && echo "ok: exit 0" || { echo "FAIL: exit $rc: $(cat "$TMP/err")"; fail=1; }
lines=$(wc -l <"$TMP/out")
[ "$lines" -eq 1 ] && echo "ok: one line" || { echo "FAIL: $lines lines: $(cat "$TMP/out")"; fail=1; }
grep -q "no display" "$TMP/out" && echo "ok: says there is no display" \
  || { echo "FAIL: no 'no display' in: $(cat "$TMP/out")"; fail=1; }
png=$(ls "$TMP"/shots/sigplay-0h00m20.000s-*.png 2>/dev/null | head -1)
if [ -n "$png" ] && grep -qF "$png" "$TMP/out"; then echo "ok: wrote and named $png"
else echo "FAIL: no PNG named in the line: $(cat "$TMP/out"); $(ls "$TMP/shots")"; fail=1; fi

"$BIN" render "$SAMPLE/replay.json" --at 20000 --layout focus --chat -o "$TMP/render.png" \
  2>"$TMP/render.err" || [ $? -eq 1 ] || { echo "FAIL: render: $(cat "$TMP/render.err")"; fail=1; }
if [ -n "$png" ]; then
  ae=$(compare -metric AE "$png" "$TMP/render.png" "$TMP/diff.png" 2>&1)
  [ "$ae" = 0 ] && echo "ok: the frame is what sigplay render draws" \
    || { echo "FAIL: differs from render in $ae pixels"; fail=1; }
fi

# the golden cases of test_render (each preset and the custom layout) and
# the service's layouts (a request file, a model by name, a scaled size):
# the window's drawing (the same engine callbacks) gives render's pixels
SRC=${SIGPLAY_SOURCE_DIR:?}
while read -r name at args; do
  rm -f "$TMP"/shots/*
  # shellcheck disable=SC2086
  nodisplay "$BIN" play "$SAMPLE/replay.json" --start "$at" $args --screenshot-dir "$TMP/shots" \
    >/dev/null 2>"$TMP/err" || { echo "FAIL: $name: play: $(cat "$TMP/err")"; fail=1; continue; }
  # shellcheck disable=SC2086
  "$BIN" render "$SAMPLE/replay.json" --at "$at" $args -o "$TMP/$name.png" 2>"$TMP/err" \
    || [ $? -eq 1 ] || { echo "FAIL: $name: render: $(cat "$TMP/err")"; fail=1; continue; }
  ae=$(compare -metric AE "$TMP"/shots/sigplay-*.png "$TMP/$name.png" "$TMP/diff-$name.png" 2>&1)
  [ "$ae" = 0 ] && echo "ok: $name: play draws what render draws" \
    || { echo "FAIL: $name: play and render differ in $ae pixels"; fail=1; }
done <<EOF_CASES
board 12000 --layout board --size 640x360
grid 5000 --layout grid --size 640x360 --chat
focus 45000 --layout focus --size 640x360 --chat
custom 25000 --layout $SRC/tests/data/layouts/classroom.json --size 640x400 --chat
custom_chat_by_layout 25000 --layout $SRC/tests/data/layouts/classroom.json --size 640x400
model2 12000 --layout $SAMPLE/task-model2.json --size 812x500
model1 12000 --layout model1 --size 660x612
EOF_CASES

# usage errors stay usage errors (64), with or without a display
nodisplay "$BIN" play "$SAMPLE/replay.json" --speed 3 >/dev/null 2>"$TMP/err2"
rc=$?
[ "$rc" -eq 64 ] && echo "ok: bad --speed is a usage error" || { echo "FAIL: --speed 3 exit $rc"; fail=1; }
nodisplay "$BIN" play "$SAMPLE/replay.json" --layout "$TMP/nope.json" >/dev/null 2>"$TMP/err3"
rc=$?
[ "$rc" -eq 2 ] && grep -q "nope.json" "$TMP/err3" && echo "ok: a missing layout file is named" \
  || { echo "FAIL: missing layout: exit $rc: $(cat "$TMP/err3")"; fail=1; }
exit $fail
