#!/bin/sh
# fuzz_campaign.sh - run fuzz targets for a while, keep what they grew.
#
#   scripts/fuzz_campaign.sh TARGET... [--seconds N | --cpu-seconds C [--seconds N]]
#                            [--jobs J] [--workers W] [--build DIR] [--max-files M] [--no-table]
#
# TARGET is a fuzz target's name with or without "fuzz_" (manifest,
# fuzz_msgpage, ...). For each one, in turn:
#   1. runs it for N seconds (default 300) on a copy of its corpus, niced,
#      with libFuzzer's -jobs/-workers when given (each job runs N seconds);
#      with --cpu-seconds C it runs in chunks of at most 300 s until the
#      fuzzer has used C seconds of CPU (measured, not assumed: a niced run
#      on a busy machine gets less than its wall time), or N wall seconds
#      have passed (default 4*C), or the file fuzz-campaign/STOP exists in
#      the build (the current chunk ends first);
#   2. merges the grown corpus into tests/fuzz/corpus/<target>/ with
#      -merge=1, so only inputs that add coverage are kept (named seeds,
#      whose names are not 40 hex digits, always stay);
#   3. copies every finding (crash-, leak-, timeout-, oom- files) into the
#      corpus as regress-<kind>-<sha1>: the suite's fuzz test replays the
#      corpus, so a finding fails the suite until it is fixed;
#   4. appends a row (date, seconds, CPU-seconds, execs, corpus size before
#      and after, findings) to the table in docs/fuzzing.md. CPU-seconds is
#      the user+system time of the fuzzer processes, read with `times`.
#      Several campaigns may run at once on one build once its targets are
#      built: the table is appended under a lock (flock).
#
# The fuzz build is DIR (default build-fuzz, or $SIGPLAY_FUZZ_BUILD); it is
# configured (clang, ASan+UBSan, libFuzzer) when it is missing, and the
# targets are built in it before they run. Exit status: 0, or 1 if any
# target had a finding, 2 on a usage or build error.
set -eu

src=$(cd "$(dirname "$0")/.." && pwd)
seconds=
cpu_budget=
jobs=1
workers=
build=${SIGPLAY_FUZZ_BUILD:-$src/build-fuzz}
max_files=400
table=1
targets=

usage() {
    sed -n '3,5p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

num() { # num OPTION VALUE: VALUE is a positive integer
    case $2 in
    '' | *[!0-9]* | 0) echo "fuzz_campaign: $1 needs a positive integer, got '$2'" >&2; exit 2 ;;
    esac
}

while [ $# -gt 0 ]; do
    case $1 in
    --seconds) [ $# -ge 2 ] || usage; num "$1" "$2"; seconds=$2; shift 2 ;;
    --cpu-seconds) [ $# -ge 2 ] || usage; num "$1" "$2"; cpu_budget=$2; shift 2 ;;
    --jobs) [ $# -ge 2 ] || usage; num "$1" "$2"; jobs=$2; shift 2 ;;
    --workers) [ $# -ge 2 ] || usage; num "$1" "$2"; workers=$2; shift 2 ;;
    --build) [ $# -ge 2 ] || usage; build=$2; shift 2 ;;
    --max-files) [ $# -ge 2 ] || usage; num "$1" "$2"; max_files=$2; shift 2 ;;
    --no-table) table=0; shift ;;
    -h | --help) usage ;;
    -*) echo "fuzz_campaign: unknown option $1" >&2; usage ;;
    *) targets="$targets ${1#fuzz_}"; shift ;;
    esac
done
[ -n "$targets" ] || usage
[ -n "$workers" ] || workers=$jobs
if [ -z "$seconds" ]; then
    if [ -n "$cpu_budget" ]; then seconds=$((cpu_budget * 4)); else seconds=300; fi
fi

for t in $targets; do
    if [ ! -f "$src/tests/fuzz/fuzz_$t.c" ]; then
        echo "fuzz_campaign: no fuzz target '$t' (tests/fuzz/fuzz_$t.c)" >&2
        exit 2
    fi
done

if [ ! -f "$build/CMakeCache.txt" ]; then
    CC=clang cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSIGPLAY_SANITIZE=ON \
        -DSIGPLAY_FUZZ=ON -DSIGPLAY_UI=OFF >/dev/null || exit 2
fi
build=$(cd "$build" && pwd) # the runs happen in its subdirectories
if ! grep -q '^SIGPLAY_FUZZ:BOOL=ON' "$build/CMakeCache.txt"; then
    echo "fuzz_campaign: $build is not a fuzz build (SIGPLAY_FUZZ=OFF)" >&2
    exit 2
fi
for t in $targets; do
    nice cmake --build "$build" -j2 --target "fuzz_$t" >/dev/null || exit 2
done

hex40() { # hex40 NAME: the name is a libFuzzer sha1 name
    case $1 in
    *[!0-9a-f]*) return 1 ;;
    esac
    [ ${#1} -eq 40 ]
}

# execs from libFuzzer's final stats, summed over the jobs' logs
execs_of() {
    cat "$@" 2>/dev/null | sed -n 's/^stat::number_of_executed_units: *//p' |
        awk '{ s += $1 } END { print s + 0 }'
}

# note_cpu FILE writes this shell's `times` into FILE: it must run in this
# shell, since a command substitution forks and sees no finished children.
# cpu_of FILE reads the CPU seconds (user+system) of the children from it.
note_cpu() { times >"$1"; }
cpu_of() {
    sed -n 2p "$1" | awk '{
        s = 0
        for (i = 1; i <= 2; i++) { split($i, a, /[ms]/); s += a[1] * 60 + a[2] }
        printf "%d\n", s
    }'
}

status=0
if [ -e "$build/fuzz-campaign/STOP" ]; then
    echo "fuzz_campaign: removing a STOP file left by an earlier campaign" >&2
    rm -f "$build/fuzz-campaign/STOP"
fi
for t in $targets; do
    # STOP ends the campaign: the running target after its chunk (below),
    # the targets not begun are not begun
    if [ -e "$build/fuzz-campaign/STOP" ]; then
        echo "fuzz_campaign: STOP: $t and the targets after it not run" >&2
        break
    fi
    bin=$build/tests/fuzz_$t
    corpus=$src/tests/fuzz/corpus/$t
    work=$build/fuzz-campaign/$t
    rm -rf "$work"
    mkdir -p "$work/grown" "$work/crashes" "$work/merged" "$corpus"
    before=$(ls "$corpus" | wc -l)
    # libFuzzer writes new inputs into the first directory only: the
    # committed corpus is read, never written, while the run goes on
    cp "$corpus"/. "$work/grown" -R 2>/dev/null || true

    if [ -n "$cpu_budget" ]; then
        echo "fuzz_campaign: $t until ${cpu_budget} CPU-s (at most ${seconds}s), $jobs job(s) on $workers worker(s)"
    else
        echo "fuzz_campaign: $t for ${seconds}s, $jobs job(s) on $workers worker(s)"
    fi
    start=$(date +%s)
    note_cpu "$work/times"
    cpu0=$(cpu_of "$work/times")
    chunk=0
    while :; do
        if [ -n "$cpu_budget" ]; then
            note_cpu "$work/times"
            used=$(($(cpu_of "$work/times") - cpu0))
            [ "$used" -lt "$cpu_budget" ] || break
            [ $(($(date +%s) - start)) -lt "$seconds" ] || break
            [ "$chunk" -eq 0 ] || [ ! -e "$build/fuzz-campaign/STOP" ] || break
            run=$((cpu_budget - used))
            [ "$run" -le 300 ] || run=300
            [ "$run" -ge 30 ] || run=30
        else
            [ "$chunk" -eq 0 ] || break
            run=$seconds
        fi
        chunk=$((chunk + 1))
        set -- -max_total_time="$run" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
            -print_final_stats=1 -artifact_prefix="$work/crashes/"
        if [ "$jobs" -gt 1 ]; then
            set -- "$@" -jobs="$jobs" -workers="$workers"
        fi
        # a finding stops a job: that is reported below, not a script failure
        (cd "$work" && ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} \
            LSAN_OPTIONS=suppressions=$src/tests/lsan.supp:print_suppressions=0 \
            nice -n 15 "$bin" "$@" grown >"$work/run-$chunk.log" 2>&1) || true
        # libFuzzer's -jobs logs are named by job number: keep each chunk's
        for f in "$work"/fuzz-*.log; do
            [ -f "$f" ] && mv "$f" "$work/chunk$chunk-$(basename "$f")"
        done
        # a finding ends the campaign for this target
        [ -z "$(ls "$work/crashes")" ] || break
    done
    end=$(date +%s)
    elapsed=$((end - start))
    note_cpu "$work/times"
    cpu=$(($(cpu_of "$work/times") - cpu0))
    if [ "$jobs" -gt 1 ]; then
        execs=$(execs_of "$work"/chunk*-fuzz-*.log)
    else
        execs=$(execs_of "$work"/run-*.log)
    fi

    # named seeds stay whatever their coverage; hashed inputs only if they
    # add coverage to them
    for f in "$corpus"/*; do
        [ -f "$f" ] || continue
        n=$(basename "$f")
        hex40 "$n" || cp "$f" "$work/merged/"
    done
    # the leaks inside system libraries (fontconfig's cache) are no finding
    # here either: without the suppressions the merge writes an empty "crash"
    (cd "$work" && LSAN_OPTIONS=suppressions=$src/tests/lsan.supp:print_suppressions=0 \
        nice -n 15 "$bin" -merge=1 -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
        merged grown >"$work/merge.log" 2>&1) || {
        echo "fuzz_campaign: $t: merge failed, corpus left as it was (see $work/merge.log)" >&2
        status=1
        continue
    }
    kept=$(ls "$work/merged" | wc -l)
    if [ "$kept" -gt "$max_files" ]; then
        echo "fuzz_campaign: $t: $kept inputs after merging, over --max-files $max_files;" \
            "corpus left as it was (grown corpus in $work/merged)" >&2
        status=1
        continue
    fi
    for f in "$corpus"/*; do
        [ -f "$f" ] || continue
        n=$(basename "$f")
        # drop hashed inputs the merge did not keep; findings stay
        if hex40 "$n" && [ ! -f "$work/merged/$n" ]; then rm -f "$f"; fi
    done
    cp "$work/merged"/. "$corpus" -R

    findings=0
    names=
    for f in "$work"/crashes/*; do
        [ -f "$f" ] || continue
        kind=$(basename "$f" | sed 's/-.*//')
        sum=$(sha1sum "$f" | cut -c1-40)
        cp "$f" "$corpus/regress-$kind-$sum"
        findings=$((findings + 1))
        names="$names regress-$kind-$sum"
    done
    after=$(ls "$corpus" | wc -l)
    rate=$((execs / (elapsed > 0 ? elapsed : 1)))
    if [ "$findings" -gt 0 ]; then
        status=1
        found="$findings:$names"
    else
        found=none
    fi
    echo "fuzz_campaign: $t: $execs execs in ${elapsed}s ($rate/s), corpus $before -> $after," \
        "findings: $found"

    if [ "$table" = 1 ]; then
        doc=$src/docs/fuzzing.md
        row="| $(date -u +%Y-%m-%d) | $t | $elapsed | $cpu | $execs | $rate | $before | $after | $found |"
        # campaigns running side by side append one at a time
        (
            flock 9
            if ! grep -q '^| date ' "$doc" 2>/dev/null; then
                {
                    echo
                    echo "| date | target | seconds | CPU-seconds | execs | execs/s | corpus before | corpus after | findings |"
                    echo "|---|---|---|---|---|---|---|---|---|"
                } >>"$doc"
            fi
            # the table is the last one in the file: a row goes after its last row
            awk -v row="$row" '
                { lines[NR] = $0; if ($0 ~ /^\|/) last = NR }
                END { for (i = 1; i <= NR; i++) { print lines[i]; if (i == last) print row } }
            ' "$doc" >"$doc.tmp.$$" && mv "$doc.tmp.$$" "$doc"
        ) 9>"$build/fuzz-campaign/table.lock"
    fi
done
exit $status
