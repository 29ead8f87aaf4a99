#!/usr/bin/env bash
# The sigplay entry point: version, help, and errors on a bad command line.
set -u
fail=0
check() { if ! eval "$2"; then echo "FAIL: $1"; fail=1; else echo "ok: $1"; fi; }

out=$("$SIGPLAY_BIN" --version); rc=$?
check "--version exits 0" '[ $rc -eq 0 ]'
# the project version, or git describe's (0.1.0-g1a2b3c4-dirty, 0.2.0-3-g1a2b3c4)
check "--version prints the version" '[[ "$out" =~ ^sigplay\ [0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]]'

out=$("$SIGPLAY_BIN" --help); rc=$?
check "--help exits 0" '[ $rc -eq 0 ]'
check "--help shows usage" '[[ "$out" == *"Usage: sigplay COMMAND"* ]]'

"$SIGPLAY_BIN" no-such-command >/dev/null 2>"$SIGPLAY_TEST_TMP/cli.err"; rc=$?
check "unknown command exits 64" '[ $rc -eq 64 ]'
check "unknown command is named" 'grep -q "unknown command '"'"'no-such-command'"'"'" "$SIGPLAY_TEST_TMP/cli.err"'

"$SIGPLAY_BIN" >/dev/null 2>&1; rc=$?
check "no arguments exits 64" '[ $rc -eq 64 ]'

# `sigplay SOURCE` is `sigplay play SOURCE`: the same trace, line for line
if [ -n "${SIGPLAY_SAMPLE_DIR:-}" ] && [ -f "$SIGPLAY_SAMPLE_DIR/replay.json" ]; then
  a=$("$SIGPLAY_BIN" "$SIGPLAY_SAMPLE_DIR/replay.json" --headless --max-speed --no-audio \
      --until 2000 --trace - 2>/dev/null); rc=$?
  b=$("$SIGPLAY_BIN" play "$SIGPLAY_SAMPLE_DIR/replay.json" --headless --max-speed --no-audio \
      --until 2000 --trace - 2>/dev/null)
  check "sigplay SOURCE plays (exit $rc)" '[ $rc -le 1 ] && [ "$(printf "%s\n" "$a" | wc -l)" -gt 10 ]'
  check "sigplay SOURCE is sigplay play SOURCE" '[ "$a" = "$b" ]'
fi
exit $fail
