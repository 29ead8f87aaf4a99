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
  local root=$1
  (cd "$root" && find base im player verify render ui app -name '*.[ch]' 2>/dev/null | sort) |
    while read -r f; do
      room=${f%%/*}
      case $room in
        base) allowed="base" ;;
        im) allowed="base im" ;;
        player) allowed="base im player" ;;
        verify) allowed="base im player verify" ;;
        render) allowed="base im player render" ;;
        ui) allowed="base im player render ui" ;;
        app) allowed="base im player verify render ui app" ;;
      esac
      grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"]' "$root/$f" | while IFS= read -r line; do
        n=${line%%:*}
        inc=$(printf '%s' "$line" | sed -E 's/^[0-9]+:[[:space:]]*#[[:space:]]*include[[:space:]]*[<"]([^>"]+)[>"].*/\1/')
        case $inc in
          SDL*|*/SDL*)
            [ "$room" = ui ] || [ "$room" = app ] || echo "$f:$n: $room/ includes SDL ($inc)"
            continue ;;
        esac
        target=${inc%%/*}
        [ "$target" = "$inc" ] && continue # a system header or commands.def
        case " base im player verify render ui app " in *" $target "*) ;; *) continue ;; esac
        case " $allowed " in
          *" $target "*) ;;
          *) echo "$f:$n: $room/ includes $inc, a room above it" ;;
        esac
        case $inc in
          *_internal.h)
            [ "$(dirname "$inc")" = "$(dirname "$f")" ] \
              || echo "$f:$n: includes $inc, internal to another folder" ;;
        esac
      done
    done | tee "$root/.layers.out" >/dev/null
  local out; out=$(cat "$root/.layers.out"); rm -f "$root/.layers.out"
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
