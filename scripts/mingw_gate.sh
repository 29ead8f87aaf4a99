#!/usr/bin/env bash
# The Windows compile gate: Debian's MinGW-w64 cross compiler
# (gcc-mingw-w64-x86-64) compiles every C file that goes into `sigplay`
# (base/ im/ player/ verify/ render/ ui/ app/) for 64-bit Windows with
# -fsyntax-only at -Wall -Wextra (and the project's other warnings) and
# -Werror: any error or warning fails it. This is not a Windows build (no
# object is linked, nothing is run on Windows; docs/building.md says how
# to build there): it is the strongest check this machine can make, and it
# catches every POSIX-only call and header outside base/platform/.
#
# The dependencies' own public headers are copied from this machine's
# Debian packages into BUILD/mingw-gate/include (FFmpeg, SDL2, cJSON,
# FreeType, fontconfig, libwebsockets and the OpenSSL it includes): they are platform-neutral or guard
# their platform parts with _WIN32. Two are configured for Linux by their
# build, and for those a small configuration shim from scripts/mingw-shims/
# stands in (each says what it changes and why): SDL_config.h,
# lws_config.h and OpenSSL's configuration.h (libwebsockets.h includes
# OpenSSL's headers). Nothing of sigplay's own is stubbed.
#
# usage: scripts/mingw_gate.sh [BUILD_DIR]   (default build-mingw-gate)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${1:-$ROOT/build-mingw-gate}
CC=${SIGPLAY_MINGW_CC:-x86_64-w64-mingw32-gcc}
if ! command -v "$CC" >/dev/null; then
  echo "mingw gate: FAIL: $CC not found (Debian package gcc-mingw-w64-x86-64; scripts/deps.sh installs it)"
  exit 1
fi
GATE=$OUT/mingw-gate
INC=$GATE/include
rm -rf "$INC" && mkdir -p "$INC" "$GATE/generated"

# ---- the dependencies' public headers --------------------------------------
copy_dir() { # first existing of the candidates -> $INC/name
  local name=$1; shift
  for d in "$@"; do
    if [ -d "$d/$name" ]; then cp -r "$d/$name" "$INC/"; return 0; fi
  done
  echo "mingw gate: FAIL: headers $name not found (in $*)"; exit 1
}
MA=/usr/include/$(gcc -dumpmachine 2>/dev/null || echo x86_64-linux-gnu)
for lib in libavformat libavcodec libavutil libswscale libswresample libavfilter; do
  copy_dir "$lib" "$MA" /usr/include
done
copy_dir SDL2 /usr/include
copy_dir cjson /usr/include
copy_dir fontconfig /usr/include
copy_dir freetype /usr/include/freetype2
cp /usr/include/freetype2/ft2build.h "$INC/"
# zlib's two headers guard their platform parts themselves
cp /usr/include/zlib.h /usr/include/zconf.h "$INC/"
copy_dir libwebsockets /usr/include
cp /usr/include/libwebsockets.h "$INC/"
# libwebsockets.h includes OpenSSL's headers: the portable ones, then the
# two generated for this machine (opensslconf.h, configuration.h)
copy_dir openssl /usr/include
cp "$MA"/openssl/*.h "$INC/openssl/"
# the configuration shims (scripts/mingw-shims/*.h says what and why)
rm -f "$INC/SDL2/_real_SDL_config.h"
cp "$ROOT/scripts/mingw-shims/SDL_config.h" "$INC/SDL2/SDL_config.h"
cp /usr/include/lws_config.h "$INC/lws_config_debian.h"
cp "$ROOT/scripts/mingw-shims/lws_config.h" "$INC/lws_config.h"
mv "$INC/openssl/configuration.h" "$INC/openssl/configuration_debian.h"
cp "$ROOT/scripts/mingw-shims/openssl_configuration.h" "$INC/openssl/configuration.h"
# the generated version header, as CMake writes it
sed 's/@SIGPLAY_VERSION_STRING@/mingw-gate/; s/@[A-Z_]*@/0/g' \
  "$ROOT/cmake/sigplay_version.h.in" >"$GATE/generated/sigplay_version.h"

# ---- every source file of sigplay ------------------------------------------
# -D__USE_MINGW_ANSI_STDIO=1: MinGW's C99 printf (%zu, %lld), as the
# Windows build uses it (docs/building.md); the include folders are the
# ones pkg-config gives on every system (cjson/, freetype2/, SDL2/)
FLAGS=(-std=c11 -D_POSIX_C_SOURCE=200809L -D__USE_MINGW_ANSI_STDIO=1 -DSIGPLAY_HAVE_UI=1
  -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Werror
  -I"$ROOT" -I"$GATE/generated" -I"$INC" -I"$INC/SDL2" -I"$INC/cjson")
mapfile -t SRCS < <(cd "$ROOT" && find base im player verify render ui app -name '*.c' | sort)
LOG=$GATE/log
rm -rf "$GATE/out" && mkdir -p "$GATE/out"
one() { # src -> $GATE/out/<n>.txt holds its diagnostics, if any
  local src=$1 n=$2
  (cd "$ROOT" && "$CC" "${FLAGS[@]}" -fsyntax-only "$src") >"$GATE/out/$n.txt" 2>&1 ||
    echo "$src" >>"$GATE/out/$n.failed"
}
# two at a time: the machine is shared
n=0
for src in "${SRCS[@]}"; do
  n=$((n + 1))
  one "$src" "$n" &
  if [ $((n % 2)) -eq 0 ]; then wait; fi
done
wait
: >"$LOG"
failed=0 warned=0
for ((i = 1; i <= n; i++)); do
  src=${SRCS[$((i - 1))]}
  if [ -f "$GATE/out/$i.failed" ]; then failed=$((failed + 1)); fi
  if [ -s "$GATE/out/$i.txt" ]; then
    warned=$((warned + 1))
    { echo "== $src"; cat "$GATE/out/$i.txt"; } >>"$LOG"
  fi
done
if [ "$failed" -ne 0 ] || [ "$warned" -ne 0 ]; then
  cat "$LOG"
  echo "mingw gate: FAIL: $failed of $n files do not compile for Windows, $warned with diagnostics ($CC $("$CC" -dumpversion); log $LOG)"
  exit 1
fi
# test the gate: a POSIX-only header and a Linux-only call, each planted in
# a copy of a real file, must fail under the same flags
plant() { # what src line
  local copy=$GATE/planted.c
  { cat "$ROOT/$2"; printf '%s\n' "$3"; } >"$copy"
  if (cd "$ROOT" && "$CC" "${FLAGS[@]}" -iquote "$ROOT/$(dirname "$2")" -fsyntax-only "$copy") >/dev/null 2>&1; then
    echo "mingw gate: FAIL: a planted $1 compiled for Windows"
    exit 1
  fi
  echo "mingw gate: ok: a planted $1 fails"
}
plant "#include <sys/mman.h>" base/log.c '#include <sys/mman.h>'
plant "fdatasync() call" base/log.c 'int planted(int fd); int planted(int fd) { return fdatasync(fd); }'
echo "mingw gate: ok: all $n source files of sigplay compile for Windows (x86_64-w64-mingw32, $("$CC" -dumpversion)) with zero warnings at -Wall -Wextra"
