#!/usr/bin/env bash
# bench/compare_builds.sh CLASS BUILD... - the same inputs through several
# builds of sigplay (say, the commits before and after a refactor), to show
# that a change left performance alone.
#
# Per build: instructions (valgrind's callgrind; they do not depend on the
# machine's load, so one run is enough) of `render --at 30s` and of 10 s of
# headless play without audio; then the CPU seconds (user+sys) of the whole
# class played headless at max speed with audio mixed, and of bench_board
# and bench_chat when the build has them, RUNS rounds (default 3) with the
# builds interleaved, medians. Each build gets its own empty cache. The
# rendered PNGs are compared byte for byte with the first build's.
# Builds: Release trees (cmake -DCMAKE_BUILD_TYPE=Release), e.g. of two
# `git worktree add --detach` checkouts. CLASS: a class from sigplay-mkclass
# (the builds read the same files).
set -euo pipefail
class=${1:?usage: bench/compare_builds.sh CLASS BUILD...}
shift
[ $# -ge 1 ] || { echo "usage: bench/compare_builds.sh CLASS BUILD..." >&2; exit 64; }
command -v valgrind >/dev/null || { echo "compare_builds: valgrind is missing" >&2; exit 2; }
RUNS=${RUNS:-3}
src=$class/replay.json
[ -f "$src" ] || src=$class
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
instr() { # out-file command...: the total instructions callgrind counted
  local out=$1; shift
  valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.out" "$@" >/dev/null 2>"$out" || true
  sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$out" | tail -1
}
cpu() { # command...: user+sys seconds
  /usr/bin/time -f "%U %S" -o "$tmp/t" "$@" >/dev/null 2>&1 || true
  awk '{print $1 + $2}' "$tmp/t"
}
i=0
for b in "$@"; do
  i=$((i + 1))
  bin=$b/sigplay
  [ -x "$bin" ] || { echo "compare_builds: $bin is missing" >&2; exit 2; }
  export XDG_CACHE_HOME=$tmp/cache-$i
  # older builds have no -q; the PNG is what is compared
  r=$(instr "$tmp/render-$i.err" "$bin" render "$src" --at 30000 -o "$tmp/r-$i.png")
  p=$(instr "$tmp/play-$i.err" "$bin" play "$src" --headless --max-speed --no-audio --until 10000)
  same=yes
  [ "$i" = 1 ] || cmp -s "$tmp/r-1.png" "$tmp/r-$i.png" || same=NO
  printf '%s\trender instructions %s\tplay 10 s instructions %s\tPNG identical to build 1: %s\n' \
    "$b" "$r" "$p" "$same"
done
for r in $(seq "$RUNS"); do
  i=0
  for b in "$@"; do
    i=$((i + 1))
    export XDG_CACHE_HOME=$tmp/cache-$i
    cpu "$b/sigplay" play "$src" --headless --max-speed >>"$tmp/play-$i"
    for x in bench_board bench_chat; do
      [ -x "$b/bench/$x" ] && cpu "$b/bench/$x" >>"$tmp/$x-$i"
    done
  done
done
i=0
for b in "$@"; do
  i=$((i + 1))
  line="$b	play CPU $(median <"$tmp/play-$i") s"
  for x in bench_board bench_chat; do
    [ -s "$tmp/$x-$i" ] && line="$line	$x CPU $(median <"$tmp/$x-$i") s"
  done
  echo "$line (medians of $RUNS)"
done
