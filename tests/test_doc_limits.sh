#!/usr/bin/env bash
# test_doc_limits.sh - the board-data caps the docs give are the ones the
# code has: a board batch (BOARD_MAX_BATCH_BYTES, player/board/board.h) and
# a Data inline in an IM page (MSG_MAX_TEXT_BYTES, im/msgpage.h), as
# docs/board.md and docs/chat.md state them. They once disagreed (1 MiB in
# the page reader, 4 MiB in board.md, with nothing saying why).
set -u
src="$SIGPLAY_SOURCE_DIR"
fail=0
check() { if ! eval "$2"; then echo "FAIL: $1"; fail=1; else echo "ok: $1"; fi; }

# the value in MiB of "#define NAME (Nu << 20)" in FILE
mib() { sed -n "s/^#define $1 (\([0-9]*\)u << 20).*/\1/p" "$2"; }
batch=$(mib BOARD_MAX_BATCH_BYTES "$src/player/board/board.h")
inline=$(mib MSG_MAX_TEXT_BYTES "$src/im/msgpage.h")
check "BOARD_MAX_BATCH_BYTES read from board.h ($batch MiB)" '[ -n "$batch" ]'
check "MSG_MAX_TEXT_BYTES read from msgpage.h ($inline MiB)" '[ -n "$inline" ]'
[ -n "$batch" ] && [ -n "$inline" ] || exit 1

board="$src/docs/board.md"
chat="$src/docs/chat.md"
check "board.md: the batch cap is $batch MiB" \
  'grep -qF "| \`BOARD_MAX_BATCH_BYTES\` | $batch MiB |" "$board"'
check "board.md: an inline Data is at most $inline MiB" \
  'grep -qF "inline in an IM page never gets here above $inline MiB" "$board"'
check "chat.md: Text, Data, Desc are capped at $inline MiB" \
  'grep -qF "| \`Text\`, \`Data\`, \`Desc\` | $inline MiB |" "$chat"'
check "chat.md: a batch delivered as a file holds up to $batch MiB" \
  'grep -qF "a batch delivered as a file may hold up to $batch MiB" "$chat"'
exit $fail
