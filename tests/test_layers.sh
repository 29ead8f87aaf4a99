#!/usr/bin/env bash
# The rooms and their arrows (docs/architecture.md): a file may include
# headers only from its own room and the rooms below it,
#   base <- im <- player <- verify, render <- ui <- app
# an *_internal.h header only from its own folder, and no room below ui/
# includes SDL. Run on the source tree (default) or on DIR; then the test
# tests itself: a copy with a planted wrong-way include, a planted SDL
# include and a planted foreign internal header must each fail.
set -u
SRC=${1:-${SIGPLAY_SOURCE_DIR:-$(cd "$(dirname "$0")/.." && pwd)}}

check_tree() { # root -> prints offences, returns 1 if any
  local root=$1 out
  # one grep over the tree, one awk to judge: fast on a busy machine
  out=$(cd "$root" && find base im player verify render ui app -name '*.[ch]' 2>/dev/null | sort |
    xargs grep -Hn '^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"]' /dev/null |
    awk -F: '
      BEGIN {
        allow["base"] = " base "; allow["im"] = " base im "
        allow["player"] = " base im player "; allow["verify"] = " base im player verify "
        allow["render"] = " base im player render "; allow["ui"] = " base im player render ui "
        allow["app"] = " base im player verify render ui app "
        rooms = " base im player verify render ui app "
      }
      {
        f = $1; n = $2; line = $0; sub(/^[^:]*:[^:]*:/, "", line)
        room = f; sub(/\/.*/, "", room)
        inc = line; sub(/^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"]/, "", inc)
        sub(/[>"].*/, "", inc)
        if (inc ~ /^SDL/ || inc ~ /\/SDL/) {
          if (room != "ui" && room != "app") print f ":" n ": " room "/ includes SDL (" inc ")"
          next
        }
        target = inc; if (index(target, "/") == 0) next
        sub(/\/.*/, "", target)
        if (index(rooms, " " target " ") == 0) next
        if (index(allow[room], " " target " ") == 0)
          print f ":" n ": " room "/ includes " inc ", a room above it"
        if (inc ~ /_internal\.h$/) {
          di = inc; sub(/\/[^\/]*$/, "", di); df = f; sub(/\/[^\/]*$/, "", df)
          if (di != df) print f ":" n ": includes " inc ", internal to another folder"
        }
      }')
  [ -z "$out" ] && return 0
  printf '%s\n' "$out"
  return 1
}

fail=0
if check_tree "$SRC"; then echo "ok: every include points down the rooms"
else echo "FAIL: includes that point the wrong way (above)"; fail=1; fi

# test the test: three planted offences, each must be caught
TMP=${SIGPLAY_TEST_TMP:-/tmp}/layers.$$
trap 'rm -rf "$TMP"' EXIT
plant() { # name file line
  rm -rf "$TMP" && mkdir -p "$TMP"
  (cd "$SRC" && tar cf - base im player verify render ui app) | (cd "$TMP" && tar xf -)
  printf '%s\n' "$3" >>"$TMP/$2"
  if check_tree "$TMP" >/dev/null; then echo "FAIL: the planted $1 was not caught"; fail=1
  else echo "ok: a planted $1 is caught"; fi
}
plant "wrong-way include (player -> render)" player/class.c '#include "render/canvas.h"'
plant "SDL include in render/" render/canvas.c '#include <SDL2/SDL.h>'
plant "foreign internal header" player/class.c '#include "player/board/board_internal.h"'
plant "im -> player include" im/chat.c '#include "player/class.h"'

[ $fail -eq 0 ] && echo PASS || echo FAILED
exit $fail
