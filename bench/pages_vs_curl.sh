#!/usr/bin/env bash
# pages_vs_curl.sh - many page-sized documents (IM pages) fetched by
# sigplay's fetch_get() from 8 threads into an empty cache, against
# `curl -Z --parallel-max 8` writing files, from the same nginx on 127.0.0.1
# in the same run. Median of 5 each, interleaved. Then one warm pass: the
# same documents again through the last run's cache (every one revalidated
# with the server), with the connections nginx saw for it; and, when strace
# is installed, the file syscalls of one cold run per document.
#
# Usage: bench/pages_vs_curl.sh [BUILD_DIR]   (default: build; use a release
#        build: cmake -B build -DCMAKE_BUILD_TYPE=Release && cmake --build build
#        --target bench_fetch_pages)
# Env: FILES (default 2000), SIZE_KB (default 15), RUNS (default 5),
#      BENCH_TMP (default $TMPDIR).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../build}
bin=$build/bench/bench_fetch_pages
[ -x "$bin" ] || { echo "no $bin: build the bench_fetch_pages target first" >&2; exit 64; }
files=${FILES:-2000}
size_kb=${SIZE_KB:-15}
runs=${RUNS:-5}
source "$here/../tests/support/nginx.sh"
W=$(mktemp -d "${BENCH_TMP:-${TMPDIR:-/tmp}}/sigplay-bench-pages.XXXXXX")
export NGINX_ACCESS_LOG=$W/access.log
trap 'nginx_stop; rm -rf "$W"' EXIT
mkdir -p "$W/www"
for i in $(seq -w 1 "$files"); do
    head -c $((size_kb * 1024)) /dev/urandom >"$W/www/p$i.json"
done
nginx_start "$W/www" "$W/nginx"
base="http://127.0.0.1:$NGINX_PORT"
: >"$W/urls"
: >"$W/curl.cfg"
for i in $(seq -w 1 "$files"); do
    echo "$base/p$i.json" >>"$W/urls"
    printf 'url = "%s/p%s.json"\noutput = "%s/out/p%s.json"\n' "$base" "$i" "$W" "$i" >>"$W/curl.cfg"
done
bytes=$((files * size_kb * 1024))

now() { date +%s.%N; }
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
calc() { awk "BEGIN { printf \"%.6f\\n\", $1 }"; }

: >"$W/t_curl"
: >"$W/t_sigplay"
for i in $(seq "$runs"); do
    rm -rf "$W/out"
    mkdir -p "$W/out"
    # both timed the same way, from outside: process start included
    t0=$(now)
    curl -sS --no-progress-meter -Z --parallel-max 8 -K "$W/curl.cfg"
    t1=$(now)
    calc "$t1 - $t0" >>"$W/t_curl"
    got=$(cat "$W/out"/*.json | wc -c)
    [ "$got" = "$bytes" ] || { echo "curl fetched $got of $bytes bytes" >&2; exit 1; }
    rm -rf "$W/cache"
    t0=$(now)
    "$bin" "$W/urls" "$W/cache" 8 >"$W/bench_out"
    t1=$(now)
    read -r _ ndocs got <"$W/bench_out"
    [ "$ndocs" = "$files" ] && [ "$got" = "$bytes" ] ||
        { echo "sigplay fetched $ndocs documents, $got of $bytes bytes" >&2; exit 1; }
    calc "$t1 - $t0" >>"$W/t_sigplay"
    if [ "$i" = 1 ]; then
        # byte-exact: a sample of cache entries against the served files
        for k in 1 $((files / 2)) "$files"; do
            n=$(printf "%0${#files}d" "$k")
            key=$(printf '%s' "$base/p$n.json" | sha256sum | cut -d' ' -f1)
            cmp -s "$W/cache/$key.data" "$W/www/p$n.json" || { echo "cache differs: p$n" >&2; exit 1; }
            cmp -s "$W/out/p$n.json" "$W/www/p$n.json" || { echo "curl output differs: p$n" >&2; exit 1; }
        done
    fi
done
mc=$(median <"$W/t_curl")
ms=$(median <"$W/t_sigplay")
printf '%d documents of %d KB from nginx on 127.0.0.1, 8 at a time, median of %d runs\n' \
    "$files" "$size_kb" "$runs"
printf '  curl -Z         %7.3f s  %7.0f docs/s   (runs: %s)\n' "$mc" "$(calc "$files / $mc")" \
    "$(tr '\n' ' ' <"$W/t_curl")"
printf '  sigplay fetch   %7.3f s  %7.0f docs/s   (runs: %s)\n' "$ms" "$(calc "$files / $ms")" \
    "$(tr '\n' ' ' <"$W/t_sigplay")"
printf '  ratio sigplay/curl time: %.2f\n' "$(calc "$ms / $mc")"

# warm: the last run's cache, every document revalidated
: >"$NGINX_ACCESS_LOG"
t0=$(now)
"$bin" "$W/urls" "$W/cache" 8 >"$W/bench_out"
t1=$(now)
read -r _ ndocs got <"$W/bench_out"
[ "$ndocs" = "$files" ] && [ "$got" = "$bytes" ] ||
    { echo "warm: sigplay fetched $ndocs documents, $got of $bytes bytes" >&2; exit 1; }
sleep 0.2 # nginx writes its log lines after the answers
conns=$(awk '{print $1}' "$NGINX_ACCESS_LOG" | sort -u | wc -l)
statuses=$(awk '{print $2}' "$NGINX_ACCESS_LOG" | sort | uniq -c | awk '{printf "%s x %s, ", $1, $2}')
printf '  warm cache      %7.3f s  %d requests over %d connections (%s)\n' \
    "$(calc "$t1 - $t0")" "$(wc -l <"$NGINX_ACCESS_LOG")" "$conns" "${statuses%, }"

if command -v strace >/dev/null; then
    rm -rf "$W/cache"
    strace -f -qq -c -o "$W/strace" -e trace=fsync,fdatasync,openat,rename,unlink \
        "$bin" "$W/urls" "$W/cache" 8 >/dev/null
    awk -v n="$files" '$NF ~ /^(fsync|fdatasync|openat|rename|unlink)$/ {
        c = ($4 ~ /^[0-9]+$/) ? $4 : $3; printf "%s%s %.2f", sep, $NF, c / n; sep = ", " }
        END { print "" }' "$W/strace" | sed 's/^/  syscalls per document (cold, strace): /'
fi
