/* bench_fetch.c - one download through player/net/fetch into an empty cache.
 *
 * Usage: bench_fetch URL CACHE_DIR
 * Prints "<seconds> <bytes>" for the transfer (cache set-up excluded).
 * bench/fetch_vs_curl.sh runs it against curl on the same server. */
#include "player/net/cache.h"
#include "player/net/fetch.h"
#include "base/sp_error.h"

#include <stdio.h>
#include <time.h>

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: bench_fetch URL CACHE_DIR\n");
        return 64;
    }
    struct fetch_opts o;
    fetch_opts_init(&o);
    o.cache_dir = argv[2];
    struct fetch *f;
    struct diag_list d = {0};
    if (fetch_create(&o, &f, &d)) {
        diag_print(&d, stderr);
        return 2;
    }
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    int r = fetch_download(f, argv[1], 0, NULL, NULL, &d);
    clock_gettime(CLOCK_MONOTONIC, &b);
    struct cache_entry *e;
    struct cache_info ci = {0};
    if (!r && !cache_entry_open(fetch_cache(f), argv[1], &e)) {
        cache_entry_info(e, &ci);
        cache_entry_release(&e);
    }
    fetch_destroy(&f);
    if (r) {
        diag_print(&d, stderr);
        diag_clear(&d);
        return 2;
    }
    diag_clear(&d);
    printf("%.6f %lld\n", (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9,
           (long long)ci.length);
    return 0;
}
