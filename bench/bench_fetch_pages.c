/* bench_fetch_pages.c - many small documents through fetch_get() from 8
 * threads into an empty cache, the way the signaling reader fetches IM
 * pages.
 *
 * Usage: bench_fetch_pages URL_LIST CACHE_DIR [THREADS]
 *   URL_LIST: one URL a line.
 * Prints "<seconds> <documents> <bytes>" for the fetches (set-up and
 * shutdown excluded); exit status 2 if any document failed.
 * bench/pages_vs_curl.sh runs it against curl on the same server. */
#include "player/net/fetch.h"
#include "base/sp_error.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_THREADS 64

struct job {
    struct fetch *f;
    char **urls;
    int n;
    atomic_int next;
    atomic_int failed;
    atomic_llong bytes;
};

static void *worker(void *arg)
{
    struct job *j = arg;
    for (;;) {
        int i = atomic_fetch_add(&j->next, 1);
        if (i >= j->n)
            return NULL;
        char *data = NULL;
        size_t len = 0;
        struct diag_list d = {0};
        if (fetch_get(j->f, j->urls[i], 1 << 20, &data, &len, &d)) {
            diag_print(&d, stderr);
            atomic_fetch_add(&j->failed, 1);
        } else
            atomic_fetch_add(&j->bytes, (long long)len);
        free(data);
        diag_clear(&d);
    }
}

static int read_urls(const char *path, char ***out)
{
    FILE *fp = fopen(path, "r");
    if (!fp)
        return -1;
    char line[8192];
    char **v = NULL;
    int n = 0, cap = 0;
    while (fgets(line, sizeof(line), fp)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (!line[0])
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 256;
            char **nv = realloc(v, (size_t)cap * sizeof(*v));
            if (!nv)
                break;
            v = nv;
        }
        if (!(v[n] = strdup(line)))
            break;
        n++;
    }
    fclose(fp);
    *out = v;
    return n;
}

int main(int argc, char **argv)
{
    if (argc < 3 || argc > 4) {
        fprintf(stderr, "usage: bench_fetch_pages URL_LIST CACHE_DIR [THREADS]\n");
        return 64;
    }
    int threads = argc == 4 ? atoi(argv[3]) : 8;
    if (threads < 1 || threads > MAX_THREADS) {
        fprintf(stderr, "THREADS must be 1..%d\n", MAX_THREADS);
        return 64;
    }
    struct job j = {0};
    j.n = read_urls(argv[1], &j.urls);
    if (j.n <= 0) {
        fprintf(stderr, "%s: no URLs\n", argv[1]);
        return 64;
    }
    atomic_init(&j.next, 0);
    atomic_init(&j.failed, 0);
    atomic_init(&j.bytes, 0);
    struct fetch_opts o;
    fetch_opts_init(&o);
    o.cache_dir = argv[2];
    struct diag_list d = {0};
    if (fetch_create(&o, &j.f, &d)) {
        diag_print(&d, stderr);
        return 2;
    }
    pthread_t t[MAX_THREADS];
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    int started = 0;
    for (; started < threads; started++)
        if (pthread_create(&t[started], NULL, worker, &j) != 0)
            break;
    for (int i = 0; i < started; i++)
        pthread_join(t[i], NULL);
    clock_gettime(CLOCK_MONOTONIC, &b);
    fetch_destroy(&j.f);
    for (int i = 0; i < j.n; i++)
        free(j.urls[i]);
    free(j.urls);
    printf("%.6f %d %lld\n", (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9,
           j.n - atomic_load(&j.failed), (long long)atomic_load(&j.bytes));
    return atomic_load(&j.failed) || !started ? 2 : 0;
}
