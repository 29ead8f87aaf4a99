#!/usr/bin/env bash
# The rooms and their arrows (docs/architecture.md): a file may include
# headers only from its own room and the rooms below it,
#   base <- im <- player <- verify, render <- ui <- app
# an *_internal.h header only from its own folder, and no room below ui/
# includes SDL. And the OS is called from one room only: outside
# base/platform/ no file includes an OS header (unistd.h, fcntl.h, sys/*,
# dirent.h, malloc.h, windows.h, ...) or calls the OS directly
# (clock_gettime, nanosleep, open, pread, fsync, mallopt, fopen, rename,
# ...: the list in check_os); comments and strings do not count. Run on the
# source tree (default) or on DIR; then the test tests itself: a copy with
# a planted wrong-way include, a planted SDL include, a planted foreign
# internal header, a planted player internal in ui/ (the clock, the media
# pipeline), a planted OS header and planted OS calls must each
# fail, and the same call inside a comment or inside base/platform/ must
# not.
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
        # the UI calls the player, not its parts: no clock, no media pipeline
        if (room == "ui" && (inc == "player/clock.h" || inc ~ /^player\/media\//))
          print f ":" n ": ui/ includes " inc ", a player internal (use player/playloop.h, player/player_audio.h)"
        if (inc ~ /_internal\.h$/) {
          di = inc; sub(/\/[^\/]*$/, "", di); df = f; sub(/\/[^\/]*$/, "", df)
          if (di != df) print f ":" n ": includes " inc ", internal to another folder"
        }
      }')
  [ -z "$out" ] && return 0
  printf '%s\n' "$out"
  return 1
}

# OS headers and OS calls outside base/platform/ -> prints offences,
# returns 1 if any. pthread.h and time.h stay allowed: pthreads exist on
# all three systems (base/platform/os_time.h says why) and time.h is ISO C;
# their OS-specific parts (clock_gettime, localtime_r, condattr clocks)
# are in the call list.
check_os() { # root
  local root=$1 out
  out=$(cd "$root" && find base im player verify render ui app -name '*.[ch]' 2>/dev/null |
    grep -v '^base/platform/' | sort | xargs perl -e '
      my $hdr = qr{^(?:unistd|fcntl|dirent|malloc|windows|winbase|io|direct|pwd|grp|dlfcn|poll|
                      termios|libgen|spawn|sched|semaphore|bcrypt|shlobj)\.h$
                   |^(?:sys|mach|linux|arpa|netinet)/}x;
      my @calls = qw(clock_gettime clock_nanosleep nanosleep usleep sleep gettimeofday
        mallopt malloc_trim sync_file_range fsync fdatasync fcntl flock lockf open openat
        creat close read write pread pwrite lseek ftruncate truncate stat fstat lstat access
        unlink rmdir mkdir mkdtemp mkstemp opendir readdir closedir rename remove utimensat
        utime utimes futimens getcwd chdir getpid isatty fileno fdopen fopen freopen
        localtime_r gmtime_r pthread_condattr_setclock mmap munmap mlock dlopen dlsym fork
        execv execvp kill sysconf _wfopen _wopen CreateFileW GetTickCount64
        QueryPerformanceCounter strndup strerrordesc_np strerror_r);
      my $call = join("|", @calls);
      for my $f (@ARGV) {
        open(my $fh, "<", $f) or next;
        local $/; my $t = <$fh>; close($fh);
        # comments and string/char literals become blanks, newlines kept
        $t =~ s{(/\*.*?\*/|//[^\n]*|"(?:\\.|[^"\\\n])*"|\x27(?:\\.|[^\x27\\\n])*\x27)}
               { my $m = $1; $m =~ /^["\x27]/ ? "\"\"" . ("\n" x ($m =~ tr/\n//)) : " " . ("\n" x ($m =~ tr/\n//)) }gse;
        my $n = 0;
        for my $l (split /\n/, $t, -1) {
          $n++;
          if ($l =~ /^\s*#\s*include\s*<([^>]+)>/) {
            my $h = $1;
            print "$f:$n: includes <$h>, an OS header (base/platform/ wraps the OS)\n" if $h =~ $hdr;
            next;
          }
          while ($l =~ /(?<![\w.>])($call)\s*\(/g) {
            print "$f:$n: calls $1() directly (use base/platform/)\n";
          }
        }
      }' 2>&1)
  [ -z "$out" ] && return 0
  printf '%s\n' "$out"
  return 1
}

fail=0
if check_tree "$SRC"; then echo "ok: every include points down the rooms"
else echo "FAIL: includes that point the wrong way (above)"; fail=1; fi
if check_os "$SRC"; then echo "ok: no OS header or OS call outside base/platform/"
else echo "FAIL: OS headers or calls outside base/platform/ (above)"; fail=1; fi

# test the test: three planted offences, each must be caught
TMP=${SIGPLAY_TEST_TMP:-/tmp}/layers.$$
trap 'rm -rf "$TMP"' EXIT
# one copy of the tree; each plant appends to one file and puts it back
rm -rf "$TMP" && mkdir -p "$TMP"
(cd "$SRC" && tar cf - base im player verify render ui app) | (cd "$TMP" && tar xf -)
planted() { # file line -> 0 if the planted tree passes both checks
  cp "$TMP/$1" "$TMP/.orig"
  printf '%s\n' "$2" >>"$TMP/$1"
  local rc=1
  check_tree "$TMP" >/dev/null && check_os "$TMP" >/dev/null && rc=0
  mv "$TMP/.orig" "$TMP/$1"
  return $rc
}
plant() { # name file line: must be caught
  if planted "$2" "$3"; then echo "FAIL: the planted $1 was not caught"; fail=1
  else echo "ok: a planted $1 is caught"; fi
}
plant_ok() { # name file line: must stay clean
  if planted "$2" "$3"; then echo "ok: $1 is not an offence"
  else echo "FAIL: $1 was taken for an offence"; fail=1; fi
}
plant "wrong-way include (player -> render)" player/class.c '#include "render/canvas.h"'
plant "SDL include in render/" render/canvas.c '#include <SDL2/SDL.h>'
plant "foreign internal header" player/class.c '#include "player/board/board_internal.h"'
plant "im -> player include" im/chat.c '#include "player/class.h"'
plant "player clock in ui/" ui/engine_ui.c '#include "player/clock.h"'
plant "media pipeline in ui/" ui/audio_out.c '#include "player/media/audio_mix.h"'
plant_ok "the player's audio API in ui/" ui/audio_out.c '#include "player/player_audio.h"'
plant "OS header <sys/mman.h> in player/" player/class.c '#include <sys/mman.h>'
plant "OS header <unistd.h> in base/ outside the layer" base/log.c '#include <unistd.h>'
plant "direct clock_gettime in render/" render/canvas.c \
  'static long planted(void) { struct timespec ts; clock_gettime(CLOCK_MONOTONIC, &ts); return ts.tv_nsec; }'
plant "direct fsync in player/net/" player/net/cache.c 'static int planted(int fd) { return fsync (fd); }'
plant "direct fopen in app/" app/main.c 'static void *planted(void) { return fopen("x", "r"); }'
plant_ok "clock_gettime in a comment" render/canvas.c '/* not clock_gettime(CLOCK_MONOTONIC, &ts) */'
plant_ok "open( in a string" render/canvas.c 'static const char *planted_s = "open(";'
plant_ok "a method named read" render/canvas.c 'static int planted_m(struct { int (*read)(void); } *o) { return o->read(); }'
plant_ok "clock_gettime inside base/platform/" base/platform/os_time.c \
  'static long planted(void) { struct timespec ts; clock_gettime(CLOCK_MONOTONIC, &ts); return ts.tv_nsec; }'

[ $fail -eq 0 ] && echo PASS || echo FAILED
exit $fail
