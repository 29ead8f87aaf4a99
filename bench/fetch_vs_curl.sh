#!/usr/bin/env bash
# fetch_vs_curl.sh - download throughput of sigplay's fetch (player/net/fetch into
# its disk cache) against curl writing a file, from the same nginx on
# 127.0.0.1 in the same run. Median of 5 each, interleaved.
#
# Usage: bench/fetch_vs_curl.sh [BUILD_DIR]   (default: build; use a release
#        build: cmake -B build -DCMAKE_BUILD_TYPE=Release && cmake --build build
#        --target bench_fetch)
# Env: SIZE_MB (default 200), RUNS (default 5), BENCH_TMP (default $TMPDIR).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../build}
bin=$build/bench/bench_fetch
[ -x "$bin" ] || { echo "no $bin: build the bench_fetch target first" >&2; exit 64; }
size_mb=${SIZE_MB:-200}
runs=${RUNS:-5}
source "$here/../tests/support/nginx.sh"
W=$(mktemp -d "${BENCH_TMP:-${TMPDIR:-/tmp}}/sigplay-bench-fetch.XXXXXX")
trap 'nginx_stop; rm -rf "$W"' EXIT
mkdir -p "$W/www"
head -c $((size_mb * 1024 * 1024)) /dev/urandom >"$W/www/big.bin"
want=$(sha256sum <"$W/www/big.bin")
nginx_start "$W/www" "$W/nginx"
url="http://127.0.0.1:$NGINX_PORT/big.bin"
bytes=$((size_mb * 1024 * 1024))

now() { date +%s.%N; }
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# floating point arithmetic with awk (always there), e.g. calc "$a / $b"
calc() { awk "BEGIN { printf \"%.6f\\n\", $1 }"; }

: >"$W/t_curl"
: >"$W/t_sigplay"
for i in $(seq "$runs"); do
    rm -f "$W/out.bin"
    t0=$(now)
    curl -s -o "$W/out.bin" "$url"
    t1=$(now)
    calc "$t1 - $t0" >>"$W/t_curl"
    rm -rf "$W/cache"
    # both timed the same way, from outside: process start included
    t0=$(now)
    "$bin" "$url" "$W/cache" >"$W/bench_out"
    t1=$(now)
    read -r _ got <"$W/bench_out"
    [ "$got" = "$bytes" ] || { echo "sigplay fetched $got of $bytes bytes" >&2; exit 1; }
    calc "$t1 - $t0" >>"$W/t_sigplay"
    if [ "$i" = 1 ]; then
        key=$(printf '%s' "$url" | sha256sum | cut -d' ' -f1)
        [ "$(sha256sum <"$W/cache/$key.data")" = "$want" ] || { echo "cache differs" >&2; exit 1; }
        [ "$(sha256sum <"$W/out.bin")" = "$want" ] || { echo "curl output differs" >&2; exit 1; }
    fi
done
mc=$(median <"$W/t_curl")
ms=$(median <"$W/t_sigplay")
rc=$(calc "$bytes / $mc / 1000000")
rs=$(calc "$bytes / $ms / 1000000")
printf 'download of %d MB from nginx on 127.0.0.1, median of %d runs\n' "$size_mb" "$runs"
printf '  curl          %7.3f s  %8.1f MB/s   (runs: %s)\n' "$mc" "$rc" "$(tr '\n' ' ' <"$W/t_curl")"
printf '  sigplay fetch %7.3f s  %8.1f MB/s   (runs: %s)\n' "$ms" "$rs" "$(tr '\n' ' ' <"$W/t_sigplay")"
printf '  ratio sigplay/curl throughput: %.2f (target >= 0.80)\n' "$(calc "$rs / $rc")"
