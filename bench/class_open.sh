#!/usr/bin/env bash
# bench/class_open.sh BUILD [CLASS] - how fast a two-hour class opens.
#
# The class (generated when missing): 2 h, 3 lanes at 160x90 5 fps, 500k
# board ops, 20k chat messages (about 10,600 IM pages, 150 MB of JSON), a
# 10-minute pause. Served by nginx on 127.0.0.1. Baseline measured in the
# same run: `curl -Z --parallel-max 8` of the same page URLs. Each case is
# timed from outside the process (so start-up counts), RUNS times; medians.
#
#   render --at 1h, cold cache      over http, an empty --cache-dir
#   render --at 1h, warm cache      over http, the same --cache-dir again
#   render --at 1h, local, first    local files, an empty --cache-dir
#   render --at 1h, local, before   local files, the same --cache-dir again
# KEEP_PNG=FILE keeps the last local frame (to compare two builds' pictures).
# Peak RSS (max resident set, /usr/bin/time) is printed for each, and the
# CPU seconds (user + system, all threads): a measure that does not grow
# with the machine's load the way the wall-clock seconds do.
set -euo pipefail
build=${1:?usage: bench/class_open.sh BUILD [CLASS]}
class=${2:-$build/class2h}
RUNS=${RUNS:-3}
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "$build" && pwd)
tmp=$(mktemp -d)
trap 'nginx_stop 2>/dev/null; rm -rf "$tmp"' EXIT
. "$here/../tests/support/nginx.sh"
if [ ! -f "$class/replay.json" ]; then
  echo "generating the class into $class (a few minutes)" >&2
  "$build/sigplay-mkclass" -q -o "$class" --duration-ms 7200000 --lanes 3 --size 160x90 --fps 5 \
    --ops 500000 --chat 20000 --pause-ms 600000
fi
class=$(cd "$class" && pwd)
nginx_start "$class" "$tmp/nginx"
base="http://127.0.0.1:$NGINX_PORT"
pages=$(jq -r '.Messages | length' "$class/replay.json")
jq -r --arg b "$base" '.Messages[].Url | "url = \"" + $b + "/" + . + "\"\noutput = \"/dev/null\""' \
  "$class/replay.json" >"$tmp/curl.cfg"

median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
timed() { # out-prefix command...: appends "seconds peak_kb cpu_seconds" to $1
  local out=$1; shift
  /usr/bin/time -f "%e %M %U %S" -o "$tmp/t" "$@" >/dev/null 2>"$tmp/err" || {
    local rc=$?; [ $rc -eq 1 ] || { echo "failed ($rc): $*" >&2; tail -3 "$tmp/err" >&2; exit 1; }; }
  tail -1 "$tmp/t" | awk '{print $1, $2, $3 + $4}' >>"$out"
}
load0=$(uptime)
for _ in $(seq "$RUNS"); do
  timed "$tmp/curl" curl -s -Z --parallel-max 8 -K "$tmp/curl.cfg"
done
at=3600000
for r in $(seq "$RUNS"); do
  rm -rf "$tmp/cache$r" "$tmp/lcache$r"
  timed "$tmp/cold" "$build/sigplay" render "$base/replay.json" --at $at -o "$tmp/cold.png" \
    --cache-dir "$tmp/cache$r"
  timed "$tmp/warm" "$build/sigplay" render "$base/replay.json" --at $at -o "$tmp/warm.png" \
    --cache-dir "$tmp/cache$r"
  timed "$tmp/lfirst" "$build/sigplay" render "$class/replay.json" --at $at -o "$tmp/lfirst.png" \
    --cache-dir "$tmp/lcache$r"
  timed "$tmp/lbefore" "$build/sigplay" render "$class/replay.json" --at $at -o "$tmp/lbefore.png" \
    --cache-dir "$tmp/lcache$r"
done
[ -n "${KEEP_PNG:-}" ] && cp "$tmp/lbefore.png" "$KEEP_PNG"
cmp -s "$tmp/cold.png" "$tmp/lfirst.png" || echo "note: the http and local frames differ" >&2
cmp -s "$tmp/warm.png" "$tmp/lbefore.png" || echo "note: the warm and local frames differ" >&2
c=$(cut -d' ' -f1 "$tmp/curl" | median)
echo "class: $pages IM pages; nginx on 127.0.0.1; $RUNS runs each, medians"
echo "load before: ${load0#*load average: }; after: $(uptime | sed 's/.*load average: //')"
cc=$(cut -d' ' -f3 "$tmp/curl" | median)
printf '%-34s %8s %10s %8s %8s\n' case seconds "peak MB" "x curl" "CPU s"
printf '%-34s %8.2f %10s %8s %8.2f\n' "curl -Z --parallel-max 8 (pages)" "$c" - 1.00 "$cc"
for k in cold warm lfirst lbefore; do
  case $k in
    cold) name="render --at 1h, cold cache" ;;
    warm) name="render --at 1h, warm cache" ;;
    lfirst) name="render --at 1h, local, first open" ;;
    lbefore) name="render --at 1h, local, opened before" ;;
  esac
  s=$(cut -d' ' -f1 "$tmp/$k" | median)
  m=$(cut -d' ' -f2 "$tmp/$k" | median)
  u=$(cut -d' ' -f3 "$tmp/$k" | median)
  printf '%-34s %8.2f %10.0f %8.2f %8.2f\n' "$name" "$s" "$(awk -v m="$m" 'BEGIN{print m/1024}')" \
    "$(awk -v s="$s" -v c="$c" 'BEGIN{print s/c}')" "$u"
done
