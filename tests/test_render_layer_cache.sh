#!/usr/bin/env bash
# `sigplay render` keeps the board's crowded page layers in the cache
# folder (render/layer_cache.h): a second render of a generated class,
# from the same --cache-dir, takes the page from its layer file and writes
# the same PNG, byte for byte, as a render with --no-cache that draws every
# stroke; so does a render later on the same page (drawn on the stored
# layer), and a render after the layer file was damaged (drawn again from
# scratch, and the file written again).
set -euo pipefail
BIN="$SIGPLAY_BIN"
MK="$(dirname "$BIN")/sigplay-mkclass"
W="$SIGPLAY_TEST_TMP/render_layer_cache"
rm -rf "$W"
mkdir -p "$W"
fail() { echo "FAIL: $*" >&2; exit 1; }
[ -x "$MK" ] || fail "no sigplay-mkclass beside $BIN"
# a minute, 3000 ops: a page of a few hundred strokes from 50 s on
"$MK" -q -o "$W/class" --duration-ms 60000 --lanes 3 --size 160x90 --fps 1 --ops 3000 \
    --chat 9 --pause-ms 2000
src="$W/class/replay.json"
r() { # AT OUT ARGS...
    local at=$1 out=$2
    shift 2
    "$BIN" render "$src" --at "$at" -o "$out" -q "$@" 2>"$out.err" || [ $? -eq 1 ] \
        || fail "render at $at: $(head -3 "$out.err")"
}
layers() { ls "$W/cache/layers/"*.layer 2>/dev/null | wc -l; }
T1=50000
T2=59000
r $T1 "$W/fresh1.png" --no-cache
r $T2 "$W/fresh2.png" --no-cache
[ ! -d "$W/cache/layers" ] || fail "layers written under --no-cache"
r $T1 "$W/first.png" --cache-dir "$W/cache"
cmp -s "$W/fresh1.png" "$W/first.png" || fail "first render differs from --no-cache"
[ "$(layers)" -ge 1 ] || fail "no layer file after the first render"
f=$(ls "$W/cache/layers/"*.layer | head -1)
i0=$(stat -c %i "$f")
r $T1 "$W/again.png" --cache-dir "$W/cache"
cmp -s "$W/fresh1.png" "$W/again.png" || fail "render from the layer file differs"
# used, not refused: a refused file is written again (a new file renamed over it)
[ "$(stat -c %i "$f")" = "$i0" ] || fail "the layer file was not used (written again)"
r $T2 "$W/later.png" --cache-dir "$W/cache"
cmp -s "$W/fresh2.png" "$W/later.png" || fail "later render on the stored layer differs"
# damaged: a byte in the middle flipped
size=$(stat -c %s "$f")
printf '\xA5' | dd of="$f" bs=1 seek=$((size / 2)) conv=notrunc status=none
r $T1 "$W/damaged.png" --cache-dir "$W/cache"
cmp -s "$W/fresh1.png" "$W/damaged.png" || fail "render after the layer file was damaged differs"
# and cut short
head -c 1000 "$f" >"$f.cut" && mv "$f.cut" "$f"
r $T1 "$W/cut.png" --cache-dir "$W/cache"
cmp -s "$W/fresh1.png" "$W/cut.png" || fail "render after the layer file was cut differs"
[ "$(stat -c %s "$f")" -gt 1000 ] || fail "the cut layer file was not written again"
echo "ok: layer files give the same PNGs as --no-cache ($(layers) file(s))"
