#!/usr/bin/env bash
# The parsed-signaling cache and board batches delivered as files
# (REPLAY-FORMAT.md section 5): the cache file lists every batch file the
# board was built from with its validator, so a batch file that changes
# behind unchanged pages makes the next open read the class again, from
# disk and over HTTP. Unchanged files: the cache is used.
#
# "The cache was used" is seen from outside by the cache file itself: a
# warm open that uses it leaves it alone; one that finds it stale reads the
# class again and replaces it (a new file renamed over it: a new inode and
# a new mtime). Both are compared: after two replacements the file system
# may hand the first file's freed inode to the third.
set -euo pipefail
source "$SIGPLAY_SOURCE_DIR/tests/support/nginx.sh"
source "$SIGPLAY_SOURCE_DIR/tests/support/file_batches.sh"
BIN="$SIGPLAY_BIN"
W="$SIGPLAY_TEST_TMP/signal_cache_batches"
rm -rf "$W"
mkdir -p "$W"
trap 'nginx_stop 2>/dev/null || true' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
same_png() { compare -metric AE "$1" "$2" null: 2>&1 | awk '{ exit ($1 + 0 == 0) ? 0 : 1 }'; }
# two times on two pages: 59000 shows the stroke fb_add_stroke adds (at
# 58.1 s on the page shown from 52.6 s), 45000 the page before (52000, on
# that page too, cost 12 more renders of the class and showed no more)
TIMES="45000 59000"

sig_id() { # the one signaling cache file's inode and mtime (ns)
    local f
    f=$(ls "$1"/signaling/*.sig 2>/dev/null) || return 1
    [ "$(echo "$f" | wc -l)" -eq 1 ] || return 1
    stat -c '%i %y' "$f"
}
# render_all SOURCE PREFIX CACHE-ARGS...: a PNG per time in $TIMES (or
# in $ONLY when set)
render_all() {
    local src=$1 prefix=$2 t
    shift 2
    for t in ${ONLY:-$TIMES}; do
        "$BIN" render "$src" --at "$t" -o "$prefix-$t.png" "$@" 2>"$prefix.err" \
            || [ $? -eq 1 ] || fail "render $src at $t: $(head -3 "$prefix.err")"
    done
}
all_same() { local t; for t in $TIMES; do same_png "$1-$t.png" "$2-$t.png" || return 1; done; }
any_differs() { local t; for t in $TIMES; do same_png "$1-$t.png" "$2-$t.png" || return 0; done; return 1; }

# check NAME SOURCE CLASS-DIR: the whole story for one way of serving the class
check() {
    local name=$1 src=$2 dir=$3 c="$W/cache-$1" i0 i1 i2 f
    render_all "$src" "$W/$name-cold" --cache-dir "$c"
    i0=$(sig_id "$c") || fail "$name: no signaling cache file after the first open"
    # unchanged: the cache is used (the file stays), the same board
    render_all "$src" "$W/$name-warm" --cache-dir "$c"
    i1=$(sig_id "$c") || fail "$name: cache file gone"
    [ "$i1" = "$i0" ] || fail "$name: unchanged class, but the cache was not used"
    all_same "$W/$name-cold" "$W/$name-warm" || fail "$name: warm board differs"
    # one batch file changes (an extra stroke, mtime moved on), pages do not
    f=$(fb_first_file "$dir")
    [ -f "$f" ] || fail "$name: no first batch file ($f)"
    fb_add_stroke "$f"
    # the earlier time first, alone: the cache file covers it, so only the
    # batch file's validator can make this open read the class again (the
    # later time may replace the file anyway: its bound is past a prefix)
    local first=${TIMES%% *}
    ONLY=$first render_all "$src" "$W/$name-changed" --cache-dir "$c"
    i2=$(sig_id "$c") || fail "$name: cache file gone after the change"
    [ "$i2" != "$i1" ] || fail "$name: the changed class was served from the cache"
    ONLY=${TIMES#* } render_all "$src" "$W/$name-changed" --cache-dir "$c"
    render_all "$src" "$W/$name-fresh" --no-cache
    any_differs "$W/$name-cold" "$W/$name-fresh" || fail "$name: the extra stroke shows nowhere"
    all_same "$W/$name-changed" "$W/$name-fresh" \
        || fail "$name: after the batch file changed, the cached open shows the old board"
    i2=$(sig_id "$c") || fail "$name: cache file gone after the change"
    # and the rebuilt file is used again
    render_all "$src" "$W/$name-again" --cache-dir "$c"
    [ "$(sig_id "$c")" = "$i2" ] || fail "$name: rebuilt cache not used"
    all_same "$W/$name-again" "$W/$name-fresh" || fail "$name: rebuilt cache's board differs"
    echo "ok: $name"
}

# 1. local files
fb_make "$SIGPLAY_SAMPLE_DIR" "$W/local"
[ "$FB_MOVED" -gt 5 ] || fail "only $FB_MOVED batches moved"
check local "$W/local/replay.json" "$W/local"

# 2. over HTTP (the download cache revalidates each file it is asked for)
fb_make "$SIGPLAY_SAMPLE_DIR" "$W/http"
nginx_start "$W/http" "$W/nginx" || fail "nginx"
check http "http://127.0.0.1:$NGINX_PORT/replay.json" "$W/http"
