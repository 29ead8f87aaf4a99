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
files=()
while IFS= read -r f; do
  [ -e "$f" ] && files+=("$f") # a file deleted in the work tree is not checked
done < <(list)
n=${#files[@]}
[ "$n" -gt 0 ] || { echo "FAIL: no C files found"; exit 1; }
# one clang-format for all the files (one per file is slow on a busy machine)
out=$SIGPLAY_TEST_TMP/format.err
printf '%s\0' "${files[@]}" | xargs -0 "$CLANG_FORMAT" --dry-run --Werror >"$out" 2>&1; rc=$?
bad=$(sed -n 's/^\([^:]*\):[0-9]*:[0-9]*: error: code should be clang-formatted.*/\1/p' "$out" | sort -u)
for f in $bad; do echo "FAIL: $f is not clang-formatted (clang-format -i $f)"; done
if [ $rc -ne 0 ]; then
  echo "clang-format's report:"
  head -60 "$out" | sed 's/^/  /'
fi
echo "checked $n C files, $(printf '%s' "$bad" | grep -c .) not formatted"
[ $rc -eq 0 ]
