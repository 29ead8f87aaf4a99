#!/usr/bin/env bash
# `sigplay render --at T` reads the IM pages only as far as the frame at T
# needs (docs/signaling.md, "Reading up to a bound"), and its signaling
# cache keeps that prefix:
#   - with a late page removed, an early render still exits 0 (the page is
#     never asked for) and draws what the complete class draws, byte for
#     byte;
#   - a second render at T or earlier comes from the prefix file, the same
#     PNG; a render at the end reads the rest (the missing page is named,
#     exit 1), and with the page back, writes the same PNG as --no-cache.
set -euo pipefail
BIN="$SIGPLAY_BIN"
MK="$(dirname "$BIN")/sigplay-mkclass"
W="$SIGPLAY_TEST_TMP/render_prefix"
rm -rf "$W"
mkdir -p "$W"
fail() { echo "FAIL: $*" >&2; exit 1; }
[ -x "$MK" ] || fail "no sigplay-mkclass beside $BIN"
"$MK" -q -o "$W/class" --duration-ms 60000 --lanes 3 --size 160x90 --fps 1 --ops 3000 \
    --chat 200 --pause-ms 2000
src="$W/class/replay.json"
r() { # AT OUT ARGS...: renders; the exit code in $W/rc
  local at=$1 out=$2 rc=0
  shift 2
  "$BIN" render "$src" --at "$at" -o "$out" -q "$@" 2>"$out.err" || rc=$?
  echo $rc >"$W/rc"
  [ $rc -le 1 ] || fail "render at $at: exit $rc: $(head -3 "$out.err")"
}
T1=12000
END=60000
r $T1 "$W/ref1.png" --no-cache
r $END "$W/refend.png" --no-cache

# the page holding the messages at about 85 % of the class (chronologically):
# beyond what a render at T1 reads (its pages and a window of 32 after them),
# and not at either end of the list (both ends are read to learn its order)
mapfile -t pages < <(for f in "$W"/class/im/*.json; do
  printf '%s %s\n' "$(jq '[.RspMsgList[].MsgTimeStamp] | max // 0' "$f")" "$f"
done | sort -n | awk '{print $2}')
n=${#pages[@]}
[ "$n" -ge 60 ] || fail "only $n pages"
late=${pages[$((n * 85 / 100))]}
mv "$late" "$late.away"

r $T1 "$W/nolate.png" --no-cache
[ "$(cat "$W/rc")" = 0 ] || fail "render at $T1 read the late page: $(head -3 "$W/nolate.png.err")"
cmp -s "$W/ref1.png" "$W/nolate.png" || fail "render at $T1 without the late page differs"

r $T1 "$W/first.png" --cache-dir "$W/cache"
cmp -s "$W/ref1.png" "$W/first.png" || fail "first render at $T1 differs"
sig=$(ls "$W"/cache/signaling/*.sig) || fail "no signaling cache file"
i0=$(stat -c %i "$sig")
r $((T1 - 2000)) "$W/earlier.png" --cache-dir "$W/cache"
r $T1 "$W/again.png" --cache-dir "$W/cache"
cmp -s "$W/ref1.png" "$W/again.png" || fail "render at $T1 from the prefix file differs"
[ "$(stat -c %i "$sig")" = "$i0" ] || fail "the prefix file was not used (written again)"

r $END "$W/end-missing.png" --cache-dir "$W/cache"
[ "$(cat "$W/rc")" = 1 ] || fail "render at the end: exit $(cat "$W/rc"), the missing page not named"
grep -q "$(basename "$late")" "$W/end-missing.png.err" || fail "the missing page is not named: $(head -3 "$W/end-missing.png.err")"
mv "$late.away" "$late"
r $END "$W/end.png" --cache-dir "$W/cache"
cmp -s "$W/refend.png" "$W/end.png" || fail "render at the end differs from --no-cache"
r $T1 "$W/after.png" --cache-dir "$W/cache"
cmp -s "$W/ref1.png" "$W/after.png" || fail "render at $T1 from the full file differs"
echo "ok: render reads the pages up to its frame; the prefix file serves a later render"
