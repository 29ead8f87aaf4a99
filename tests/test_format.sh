#!/usr/bin/env bash
# Every C file of the tree is formatted as .clang-format says: clang-format
# --dry-run --Werror over every tracked .c/.h file (and new ones not yet
# committed, unless .gitignore'd). Fix a failure with `clang-format -i FILE`.
# The style is pinned by .clang-format; the Debian 12 clang-format (14) is
# the reference, another version may break lines differently.
set -u
cd "$SIGPLAY_SOURCE_DIR" || exit 1
CLANG_FORMAT=${CLANG_FORMAT:-clang-format}
if ! command -v "$CLANG_FORMAT" >/dev/null; then
  echo "FAIL: $CLANG_FORMAT is missing (Debian: clang-format; bash scripts/deps.sh)"
  exit 1
fi
"$CLANG_FORMAT" --version
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  list() { git ls-files --cached --others --exclude-standard -- '*.c' '*.h'; }
else
  # a tree without git (a release tarball): every C file but the build trees
  list() { find . -path './build*' -prune -o \( -name '*.c' -o -name '*.h' \) -print | sed 's|^\./||'; }
fi
fail=0 n=0 bad=0
while IFS= read -r f; do
  [ -e "$f" ] || continue # deleted in the work tree, not yet committed
  n=$((n + 1))
  if ! "$CLANG_FORMAT" --dry-run --Werror "$f" >"$SIGPLAY_TEST_TMP/format.err" 2>&1; then
    bad=$((bad + 1))
    echo "FAIL: $f is not clang-formatted (clang-format -i $f):"
    head -20 "$SIGPLAY_TEST_TMP/format.err" | sed 's/^/  /'
    fail=1
  fi
done < <(list)
echo "checked $n C files, $bad not formatted"
[ "$n" -gt 0 ] || fail=1
exit $fail
