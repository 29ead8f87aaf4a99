#!/usr/bin/env bash
# test_verify_fleet.sh - `sigplay verify` over a list (docs/batch.md): 20
# small recordings, some damaged (a truncated MP4, a missing message page, a
# malformed manifest, a segment the server answers 404 for, a sync warning,
# a SOURCE that does not exist), checked with --list --jsonl --jobs 2:
# 20 valid JSON lines in input order, each naming its SOURCE, with the exit
# code each recording deserves, the worst as the run's exit code, the
# summary on stderr, and peak RSS under a stated bound. The same list from
# stdin gives the same lines; --jobs 1 gives the same set of reports. Also
# several SOURCEs as arguments (human blocks under headings, then the
# summary) and bad lists. Threads: the jobs run on worker threads (label
# "threads": the suite runs it again under ThreadSanitizer).
set -u
source "$SIGPLAY_SOURCE_DIR/tests/support/nginx.sh"
W=$(mktemp -d "$SIGPLAY_TEST_TMP/verify_fleet.XXXXXX")
trap 'nginx_stop; rm -rf "$W"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok: $*"; }
BIN=$SIGPLAY_BIN PY=/usr/bin/python3
MK="${SIGPLAY_BUILD_DIR:?}/sigplay-mkclass"

# Peak RSS bound of the 20-recording run with --jobs 2, in MB
# (docs/batch.md). Measured: 59 MB in a Release build (53 MB for one
# recording alone, 59 MB for 40 with --jobs 2: it does not grow with the
# list), 394 to 407 MB with ASan + UBSan (its quarantine keeps freed memory),
# 103 MB under TSan.
# A sanitizer build gets its own bound; SIGPLAY_FLEET_RSS_MB overrides both.
RSS_MB=${SIGPLAY_FLEET_RSS_MB:-100}
if [ -z "${SIGPLAY_FLEET_RSS_MB:-}" ] &&
   grep -qsE '^SIGPLAY_(SANITIZE|TSAN):BOOL=ON' "$SIGPLAY_BUILD_DIR/CMakeCache.txt"; then
    RSS_MB=600
fi

# ---- 20 recordings ----------------------------------------------------------
"$MK" -q -o "$W/base" --duration-ms 4000 --size 160x90 --fps 10 --ops 100 --pause-ms 2000 \
    || fail "mkclass"
for i in $(seq -w 1 20); do cp -r "$W/base" "$W/c$i"; done
# damage; expected exit code per recording in want[]
declare -A want
for i in $(seq -w 1 20); do want[$i]=0; done
f="$W/c03/media/teacher_01-1.mp4"
truncate -s $(($(stat -c %s "$f") / 2)) "$f" && want[03]=2             # truncated MP4
rm "$W/c07/im/messages-001.json" && want[07]=2                          # a missing page
truncate -s $(($(stat -c %s "$W/c11/replay.json") / 2)) "$W/c11/replay.json" && want[11]=2 # malformed manifest
perl -0777 -pi -e 's/"syncTime":(\d+)/"\"syncTime\":" . ($1 + 700)/ge' \
    "$W/c05/media/teacher_01-1.mp4" && want[05]=1                       # SEI 700 ms off: a warning
rm -rf "$W/c19" && want[19]=2                                           # no such recording
rm "$W/c15/media/student_02-1.mp4" && want[15]=2                        # 404 over HTTP
# 15, 16 and 17 over HTTP, next to each other in the list, 17 naming the
# same recording as 16: the run's one network client and its cache entries
# used by two jobs at once
nginx_start "$W" "$W/nginx" || fail "nginx"

{
    echo "# the day's recordings"
    for i in $(seq -w 1 20); do
        if [ "$i" = 15 ] || [ "$i" = 16 ]; then echo "http://127.0.0.1:$NGINX_PORT/c$i/replay.json"
        elif [ "$i" = 17 ]; then echo "http://127.0.0.1:$NGINX_PORT/c16/replay.json"
        elif [ "$i" = 10 ]; then printf '  %s  \r\n\n' "$W/c$i/replay.json" # trimmed, CRLF, blank
        else echo "$W/c$i/replay.json"; fi
    done
} >"$W/list"
mapfile -t SOURCES < <(grep -v '^#' "$W/list" | tr -d '\r' | sed 's/^ *//; s/ *$//' | grep -v '^$')
[ ${#SOURCES[@]} -eq 20 ] || fail "the list has ${#SOURCES[@]} sources"

# ---- --list FILE --jsonl --jobs 2 --------------------------------------------
/usr/bin/time -f %M -o "$W/rss" "$BIN" verify --list "$W/list" --jsonl --jobs 2 \
    --cache-dir "$W/cache" >"$W/j2.out" 2>"$W/j2.err"
rc=$?
[ "$rc" -eq 2 ] || fail "--jobs 2: exit $rc, expected 2 (the worst): $(tail -5 "$W/j2.err")"
ok "exit 2, the worst of them"
# each line on its own is one JSON object, naming its SOURCE, in input order,
# with the exit code that recording deserves
"$PY" - "$W/j2.out" "${SOURCES[@]}" <<'PY' || fail "--jobs 2: the JSON lines (above)"
import json, sys
lines = open(sys.argv[1], encoding="utf-8").read().split("\n")
assert lines[-1] == "", "the output does not end in a newline"
lines = lines[:-1]
want = sys.argv[2:]
assert len(lines) == 20, "%d lines, expected 20" % len(lines)
for i, (line, src) in enumerate(zip(lines, want)):
    o = json.loads(line)
    assert o["schema"] == "sigplay-verify/1", o["schema"]
    assert o["source"] == src, "line %d names %r, expected %r" % (i + 1, o["source"], src)
PY
ok "20 valid JSON lines, each naming its SOURCE, in input order"
n=0
for i in $(seq -w 1 20); do
    n=$((n + 1))
    got=$(sed -n "${n}p" "$W/j2.out" | jq -r .exit_code)
    [ "$got" = "${want[$i]}" ] || fail "recording $i: exit_code $got, expected ${want[$i]}: \
$(sed -n "${n}p" "$W/j2.out" | jq -c '[.findings[] | select(.severity != "info") | .code]')"
done
ok "each recording's exit code is the one its damage deserves"
sed -n 3p "$W/j2.out" | jq -e '[.findings[].code] | index("media.size")' >/dev/null \
    || fail "the truncated MP4 has no media.size finding"
sed -n 7p "$W/j2.out" | jq -e '[.findings[].code] | index("pages.unreadable")' >/dev/null \
    || fail "the missing page has no pages.unreadable finding"
sed -n 15p "$W/j2.out" | jq -e '[.findings[] | select(.code == "media.unreachable")
    | .message | contains("HTTP 404")] | any' >/dev/null || fail "no 404 finding"
grep -qx "verify: 20 checked: 14 OK, 1 with warnings, 5 with errors; [0-9.]* s wall time, 2 job(s)" \
    "$W/j2.err" || fail "no summary line on stderr: $(tail -3 "$W/j2.err")"
ok "the summary on stderr"
rss_kb=$(tail -1 "$W/rss")
echo "peak RSS of --jobs 2 over 20 recordings: $((rss_kb / 1024)) MB (bound $RSS_MB MB)"
[ "$rss_kb" -lt $((RSS_MB * 1024)) ] || fail "peak RSS $((rss_kb / 1024)) MB over $RSS_MB MB"

# ---- the same list from stdin --------------------------------------------------
"$BIN" verify --list - --jsonl --jobs 2 --cache-dir "$W/cache" <"$W/list" >"$W/stdin.out" \
    2>"$W/stdin.err"
rc=$?
[ "$rc" -eq 2 ] || fail "--list -: exit $rc"
cmp -s "$W/j2.out" "$W/stdin.out" || fail "--list - gives other lines: $(diff <(jq -c \
    '{source, exit_code}' "$W/j2.out") <(jq -c '{source, exit_code}' "$W/stdin.out"))"
ok "--list - gives the same lines"

# ---- --jobs 1: the same set of reports -----------------------------------------
"$BIN" verify --list "$W/list" --jsonl --jobs 1 --cache-dir "$W/cache" >"$W/j1.out" 2>"$W/j1.err"
rc=$?
[ "$rc" -eq 2 ] || fail "--jobs 1: exit $rc"
cmp -s <(sort "$W/j1.out") <(sort "$W/j2.out") || fail "--jobs 1 and --jobs 2 differ"
grep -q "1 job(s)$" "$W/j1.err" || fail "--jobs 1 summary: $(tail -1 "$W/j1.err")"
ok "--jobs 1 and --jobs 2 give the same reports"
nginx_stop

# ---- several SOURCEs as arguments, human blocks ---------------------------------
"$BIN" verify "$W/c01/replay.json" "$W/c05/replay.json" --jobs 2 >"$W/human.out" 2>"$W/human.err"
rc=$?
[ "$rc" -eq 1 ] || fail "two SOURCEs (clean, a warning): exit $rc, expected 1"
grep -qx "== \[1/2\] $W/c01/replay.json" "$W/human.out" || fail "no heading for the first"
grep -qx "== \[2/2\] $W/c05/replay.json" "$W/human.out" || fail "no heading for the second"
[ "$(grep -c '^result ' "$W/human.out")" = 2 ] || fail "not two result lines"
tail -1 "$W/human.out" | grep -qx \
    "verify: 2 checked: 1 OK, 1 with warnings, 0 with errors; [0-9.]* s wall time, 2 job(s)" \
    || fail "human summary: $(tail -1 "$W/human.out")"
ok "several SOURCEs: one block each under its heading, then the summary"

# ---- bad lists and command lines -------------------------------------------------
printf '%s\nbad\000line\n' "$W/c01/replay.json" >"$W/nul.list"
"$BIN" verify --list "$W/nul.list" --jsonl >"$W/nul.out" 2>"$W/nul.err"
rc=$?
[ "$rc" -eq 2 ] || fail "a list with a NUL byte: exit $rc, expected 2"
grep -q "nul.list:2: holds a NUL byte" "$W/nul.err" || fail "no line for the NUL: $(cat "$W/nul.err")"
[ ! -s "$W/nul.out" ] || fail "a bad list was checked anyway"
printf '# nothing\n\n' >"$W/empty.list"
"$BIN" verify --list "$W/empty.list" >/dev/null 2>"$W/empty.err"; rc=$?
[ "$rc" -eq 64 ] || fail "an empty list: exit $rc, expected 64"
grep -q "no SOURCE in the list" "$W/empty.err" || fail "empty list: $(head -1 "$W/empty.err")"
"$BIN" verify --list "$W/none.list" >/dev/null 2>"$W/none.err"; rc=$?
[ "$rc" -eq 2 ] || fail "a missing list: exit $rc"
grep -q "none.list: cannot read" "$W/none.err" || fail "missing list: $(cat "$W/none.err")"
"$BIN" verify a b --json x.json >/dev/null 2>&1; [ $? -eq 64 ] || fail "--json with two SOURCEs"
"$BIN" verify --list "$W/list" --json x.json >/dev/null 2>&1; [ $? -eq 64 ] || fail "--json with --list"
"$BIN" verify a --jobs 0 >/dev/null 2>&1; [ $? -eq 64 ] || fail "--jobs 0"
"$BIN" verify a --jobs x >/dev/null 2>&1; [ $? -eq 64 ] || fail "--jobs x"
"$BIN" verify --list >/dev/null 2>&1; [ $? -eq 64 ] || fail "--list without FILE"
ok "bad lists and command lines"
echo "ok"
