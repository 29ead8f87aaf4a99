#!/usr/bin/env bash
# Every public header compiles alone (it includes what it uses), with the
# project's warning flags. A header that leans on an include made before it
# breaks the next file that includes it first.
set -u
cd "$SIGPLAY_SOURCE_DIR" || exit 1
CC=${CC:-cc}
flags="-std=c11 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes"
flags="$flags $(pkg-config --cflags libavformat libavcodec libavutil libswscale libswresample \
  libavfilter sdl2 libwebsockets libcjson freetype2 fontconfig) -I."
fail=0 n=0
for h in base/*.h base/platform/*.h player/*.h im/*.h render/*.h app/*.h; do
  [ -e "$h" ] || continue
  n=$((n + 1))
  if ! printf '#include "%s"\n#include "%s"\n' "$h" "$h" | $CC $flags -fsyntax-only -x c - 2>"$SIGPLAY_TEST_TMP/header.err"; then
    echo "FAIL: $h does not compile alone:"; sed 's/^/  /' "$SIGPLAY_TEST_TMP/header.err"; fail=1
  fi
done
echo "checked $n headers"
[ "$n" -gt 0 ] || fail=1
exit $fail
