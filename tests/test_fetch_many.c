/* test_fetch_many.c - many small documents through fetch_get() from several
 * threads at once, as the signaling reader fetches IM pages: byte-exact
 * results, connections kept alive and reused (at most
 * FETCH_MAX_CONNS_PER_HOST), a stalled page failing alone, a warm cache
 * revalidated on the same connections (also against a server that sends
 * 304 without Content-Length, as nginx does), torn cache entries caught and
 * refetched, and a set of pages validated with a bounded number of
 * requests. The test server (tests/support/httpd.c) counts the connections
 * it accepted and the requests on each. */
#include "player/net/cache.h"
#include "player/net/fetch.h"
#include "base/sp_error.h"
#include "support/httpd.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#define NDOCS 200
#define NTHREADS 8

static char root[512];
static char cachedir[1024];
static struct httpd *srv;
static char *docs[NDOCS];
static size_t doc_len[NDOCS];

/* Page-like JSON of 10-20 KB, different for every i, in root and in
 * docs[i]. Runs before any test: returns false instead of asserting. */
static bool make_doc(int i)
{
    unsigned seed = 7u + (unsigned)i * 2654435761u;
    size_t n = 10 * 1024 + (size_t)(i * 37 % (10 * 1024));
    char *p = malloc(n + 1);
    if (!p)
        return false;
    int h = snprintf(p, n, "{\"page\": %d, \"msgs\": \"", i);
    for (size_t k = (size_t)h; k < n - 3; k++) {
        seed = seed * 1103515245u + 12345u;
        p[k] = (char)('a' + (seed >> 16) % 26);
    }
    memcpy(p + n - 3, "\"}\n", 3);
    p[n] = '\0';
    docs[i] = p;
    doc_len[i] = n;
    char path[700];
    snprintf(path, sizeof(path), "%s/p%03d.json", root, i);
    FILE *f = fopen(path, "wb");
    bool ok = f && fwrite(p, 1, n, f) == n;
    if (f)
        ok = fclose(f) == 0 && ok;
    return ok;
}

static struct fetch *new_fetch(int timeout_ms)
{
    struct fetch_opts o;
    fetch_opts_init(&o);
    o.cache_dir = cachedir;
    o.backoff_us = 50000;
    o.connect_timeout_us = (timeout_ms ? timeout_ms : 5000) * (int64_t)1000;
    o.idle_timeout_us = (timeout_ms ? timeout_ms : 5000) * (int64_t)1000;
    struct fetch *f = NULL;
    assert_int_equal(fetch_create(&o, &f, NULL), 0);
    return f;
}

struct run {
    struct fetch *f;
    int n;                 /* documents 0..n-1 */
    const char *prefix[2]; /* fault prefix for stalled[k] ("" none) */
    int stalled[2];        /* indices fetched through a fault prefix, -1 none */
    atomic_int next;
    int rc[NDOCS];
    bool exact[NDOCS];
    enum sp_doc_origin origin[NDOCS];
    double done_at[NDOCS]; /* seconds since start */
    double t0;
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *worker(void *arg)
{
    struct run *r = arg;
    for (;;) {
        int i = atomic_fetch_add(&r->next, 1);
        if (i >= r->n)
            return NULL;
        const char *pre = "";
        for (int k = 0; k < 2; k++)
            if (r->stalled[k] == i)
                pre = r->prefix[k];
        char url[300];
        snprintf(url, sizeof(url), "http://127.0.0.1:%d%s/p%03d.json", httpd_port(srv), pre, i);
        char *data = NULL;
        size_t len = 0;
        struct diag_list d = {0};
        r->rc[i] = fetch_get_ex(r->f, url, 1 << 20, 0, &data, &len, &r->origin[i], &d);
        r->exact[i] = !r->rc[i] && len == doc_len[i] && !memcmp(data, docs[i], len);
        r->done_at[i] = now_s() - r->t0;
        free(data);
        diag_clear(&d);
    }
}

static void run_all(struct run *r)
{
    pthread_t t[NTHREADS];
    atomic_init(&r->next, 0);
    r->t0 = now_s();
    for (int i = 0; i < NTHREADS; i++)
        assert_int_equal(pthread_create(&t[i], NULL, worker, r), 0);
    for (int i = 0; i < NTHREADS; i++)
        pthread_join(t[i], NULL);
}

static struct run *new_run(struct fetch *f, int n)
{
    struct run *r = calloc(1, sizeof(*r));
    assert_non_null(r);
    r->f = f;
    r->n = n;
    r->stalled[0] = r->stalled[1] = -1;
    return r;
}

static int setup(void **state)
{
    (void)state;
    static int serial;
    snprintf(cachedir, sizeof(cachedir), "%s/cache-%d", root, serial++);
    httpd_reset_counts(srv);
    return 0;
}

static bool doc5_changed; /* test_warm_revalidation_... rewrote p005 */

static int teardown(void **state)
{
    (void)state;
    httpd_set_nginx_304(srv, false);
    if (doc5_changed) {
        char path[700];
        snprintf(path, sizeof(path), "%s/p005.json", root);
        FILE *fp = fopen(path, "wb");
        if (!fp || fwrite(docs[5], 1, doc_len[5], fp) != doc_len[5])
            return -1;
        if (fclose(fp) != 0)
            return -1;
        doc5_changed = false;
    }
    char cmd[1200];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", cachedir);
    return system(cmd) == 0 ? 0 : -1;
}

static void test_many_docs_reuse_connections(void **state)
{
    (void)state;
    struct fetch *f = new_fetch(0);
    struct run *r = new_run(f, NDOCS);
    int before = httpd_requests(srv);
    run_all(r);
    for (int i = 0; i < NDOCS; i++) {
        assert_int_equal(r->rc[i], 0);
        assert_true(r->exact[i]);
        assert_int_equal(r->origin[i], SP_DOC_NETWORK);
    }
    assert_int_equal(httpd_requests(srv) - before, NDOCS); /* one request each */
    int conns = httpd_connections(srv);
    print_message("%d documents over %d connections (at most %d requests on one)\n", NDOCS, conns,
                  httpd_max_requests_per_connection(srv));
    assert_true(conns >= 1 && conns <= FETCH_MAX_CONNS_PER_HOST);
    assert_true(httpd_max_requests_per_connection(srv) >= NDOCS / FETCH_MAX_CONNS_PER_HOST);

    /* warm cache: every document revalidated (one conditional request
     * each, If-Range on the kept-alive connections), found unchanged,
     * served from the cache, byte-exact, on the same few connections */
    httpd_reset_counts(srv);
    free(r);
    r = new_run(f, NDOCS);
    before = httpd_requests(srv);
    run_all(r);
    for (int i = 0; i < NDOCS; i++) {
        assert_int_equal(r->rc[i], 0);
        assert_true(r->exact[i]);
        assert_int_equal(r->origin[i], SP_DOC_VALIDATED);
    }
    int ifr = 0, kept = 0;
    httpd_if_range_counts(srv, &ifr, &kept);
    assert_int_equal(httpd_requests(srv) - before, NDOCS);
    assert_int_equal(ifr, NDOCS);
    assert_int_equal(kept, NDOCS);
    assert_true(httpd_connections(srv) <= FETCH_MAX_CONNS_PER_HOST);
    free(r);
    fetch_destroy(&f);
}

/* Rewrites page i with other content of another length (so another ETag). */
static void change_doc(int i, const char *text)
{
    char path[700];
    snprintf(path, sizeof(path), "%s/p%03d.json", root, i);
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(text, 1, strlen(text), fp), strlen(text));
    assert_int_equal(fclose(fp), 0);
}

/* nginx answers 304 with no Content-Length. Revalidating a warm cache
 * against such a server must not cost a connection per page: the whole
 * pass runs on at most FETCH_MAX_CONNS_PER_HOST connections, and a page
 * that changed meanwhile comes new, on those same connections. */
static void test_warm_revalidation_nginx_304_keeps_connections(void **state)
{
    (void)state;
    httpd_set_nginx_304(srv, true);
    struct fetch *f = new_fetch(0);
    struct run *r = new_run(f, NDOCS);
    run_all(r);
    for (int i = 0; i < NDOCS; i++)
        assert_int_equal(r->rc[i], 0);
    free(r);
    const char *changed = "{\"page\": 5, \"changed\": true}\n";
    doc5_changed = true;
    change_doc(5, changed);
    httpd_reset_counts(srv);
    int before = httpd_requests(srv);
    r = new_run(f, NDOCS);
    run_all(r);
    int conns = httpd_connections(srv);
    print_message("warm pass, 304 without length: %d requests over %d connections\n",
                  httpd_requests(srv) - before, conns);
    for (int i = 0; i < NDOCS; i++) {
        assert_int_equal(r->rc[i], 0);
        if (i == 5)
            continue;
        assert_true(r->exact[i]);
        assert_int_equal(r->origin[i], SP_DOC_VALIDATED);
    }
    assert_int_equal(r->origin[5], SP_DOC_NETWORK);
    char *data = NULL;
    size_t len = 0;
    char url[300];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/p005.json", httpd_port(srv));
    assert_int_equal(fetch_get_cached(f, url, 1 << 20, &data, &len), 0);
    assert_int_equal(len, strlen(changed));
    assert_memory_equal(data, changed, len);
    free(data);
    /* one request a page, the changed one too (If-Range answered it with
     * the new content); the kept-alive connections of the first pass
     * carried it, at most a few new ones */
    assert_int_equal(httpd_requests(srv) - before, NDOCS);
    assert_true(conns <= FETCH_MAX_CONNS_PER_HOST);
    free(r);
    fetch_destroy(&f);
}

static void entry_file_path(char *buf, size_t size, const char *url, const char *ext)
{
    char key[65];
    cache_key(url, key);
    snprintf(buf, size, "%s/%s.%s", cachedir, key, ext);
}

/* A document entry is written without fsync; what a crash can leave, a
 * sidecar saying complete over a .data that is shorter or different, must
 * read as absent and be fetched again, whole and exact. */
static void test_torn_entry_refetched(void **state)
{
    (void)state;
    struct fetch *f = new_fetch(0);
    char u1[300], u2[300];
    snprintf(u1, sizeof(u1), "http://127.0.0.1:%d/p010.json", httpd_port(srv));
    snprintf(u2, sizeof(u2), "http://127.0.0.1:%d/p011.json", httpd_port(srv));
    char *data = NULL;
    size_t len = 0;
    assert_int_equal(fetch_get(f, u1, 1 << 20, &data, &len, NULL), 0);
    free(data);
    assert_int_equal(fetch_get(f, u2, 1 << 20, &data, &len, NULL), 0);
    free(data);
    /* the process ends (a crash, below, damages what it left) */
    fetch_destroy(&f);
    /* one write each: the content and its sidecar, nothing else left */
    char path[1200];
    struct stat st;
    entry_file_path(path, sizeof(path), u1, "part");
    assert_int_not_equal(stat(path, &st), 0);
    entry_file_path(path, sizeof(path), u1, "data.tmp");
    assert_int_not_equal(stat(path, &st), 0);
    entry_file_path(path, sizeof(path), u1, "json.tmp");
    assert_int_not_equal(stat(path, &st), 0);
    /* same length, one byte different */
    entry_file_path(path, sizeof(path), u1, "data");
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal((size_t)st.st_size, doc_len[10]);
    FILE *fp = fopen(path, "r+b");
    assert_non_null(fp);
    fseek(fp, 100, SEEK_SET);
    fputc(docs[10][100] ^ 1, fp);
    assert_int_equal(fclose(fp), 0);
    /* shorter */
    entry_file_path(path, sizeof(path), u2, "data");
    assert_int_equal(truncate(path, (off_t)doc_len[11] / 2), 0);
    f = new_fetch(0);
    assert_int_equal(fetch_get_cached(f, u1, 1 << 20, &data, &len), SP_ENOENT);
    assert_int_equal(fetch_get_cached(f, u2, 1 << 20, &data, &len), SP_ENOENT);
    httpd_reset_counts(srv);
    int before = httpd_requests(srv);
    enum sp_doc_origin o;
    assert_int_equal(fetch_get_ex(f, u1, 1 << 20, 0, &data, &len, &o, NULL), 0);
    assert_int_equal(len, doc_len[10]);
    assert_memory_equal(data, docs[10], len);
    assert_int_equal(o, SP_DOC_NETWORK);
    free(data);
    assert_int_equal(fetch_get_ex(f, u2, 1 << 20, 0, &data, &len, &o, NULL), 0);
    assert_int_equal(len, doc_len[11]);
    assert_memory_equal(data, docs[11], len);
    assert_int_equal(o, SP_DOC_NETWORK);
    free(data);
    /* fetched whole, not revalidated: the damaged copies were dropped */
    int ifr = 0, kept = 0, cond = 0, nm = 0;
    httpd_if_range_counts(srv, &ifr, &kept);
    httpd_conditional_counts(srv, &cond, &nm);
    assert_int_equal(httpd_requests(srv) - before, 2);
    assert_int_equal(ifr + cond, 0);
    /* and the new copies read back */
    assert_int_equal(fetch_get_cached(f, u1, 1 << 20, &data, &len), 0);
    assert_memory_equal(data, docs[10], len);
    free(data);
    fetch_destroy(&f);
}

/* The signaling cache's warm open: a sample of the pages is checked with
 * the server (conditional requests), and when every one is unchanged the
 * rest are read from the cache through the loader without any request. */
static void test_bounded_validation_through_loader(void **state)
{
    (void)state;
    struct fetch *f = new_fetch(0);
    struct run *r = new_run(f, NDOCS);
    run_all(r);
    free(r);
    struct sp_loader_ex l = fetch_loader_ex(f);
    const int sample = 8;
    int before = httpd_requests(srv);
    bool all_valid = true;
    for (int k = 0; k < sample; k++) {
        int i = k * (NDOCS - 1) / (sample - 1);
        char url[300];
        snprintf(url, sizeof(url), "http://127.0.0.1:%d/p%03d.json", httpd_port(srv), i);
        char *data = NULL;
        size_t len = 0;
        enum sp_doc_origin o = SP_DOC_UNKNOWN;
        assert_int_equal(sp_loader_get_ex(&l, url, 1 << 20, 0, &data, &len, &o, NULL), 0);
        assert_memory_equal(data, docs[i], len);
        all_valid = all_valid && o == SP_DOC_VALIDATED;
        free(data);
    }
    assert_true(all_valid);
    for (int i = 0; i < NDOCS; i++) {
        char url[300];
        snprintf(url, sizeof(url), "http://127.0.0.1:%d/p%03d.json", httpd_port(srv), i);
        char *data = NULL;
        size_t len = 0;
        enum sp_doc_origin o = SP_DOC_UNKNOWN;
        assert_int_equal(
            sp_loader_get_ex(&l, url, 1 << 20, SP_LOAD_CACHED_ONLY, &data, &len, &o, NULL), 0);
        assert_int_equal(len, doc_len[i]);
        assert_memory_equal(data, docs[i], len);
        assert_int_equal(o, SP_DOC_CACHED);
        free(data);
    }
    /* the sample's requests, nothing for the other pages */
    assert_int_equal(httpd_requests(srv) - before, sample);
    /* a page not cached: SP_ENOENT with no request, no line */
    struct diag_list d = {0};
    char url[300], *data = NULL;
    size_t len = 0;
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/none.json", httpd_port(srv));
    assert_int_equal(sp_loader_get_ex(&l, url, 1 << 20, SP_LOAD_CACHED_ONLY, &data, &len, NULL, &d),
                     SP_ENOENT);
    assert_int_equal(d.count, 0);
    assert_int_equal(httpd_requests(srv) - before, sample);
    /* the plain half of the loader is fetch_get */
    assert_int_equal(l.base.get(l.base.opaque, url, 1 << 20, &data, &len, &d), SP_ENOENT);
    assert_int_equal(d.count, 1);
    diag_clear(&d);
    fetch_destroy(&f);
}

static void test_get_cached(void **state)
{
    (void)state;
    struct fetch *f = new_fetch(0);
    char url[300], other[300];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/p007.json", httpd_port(srv));
    snprintf(other, sizeof(other), "http://127.0.0.1:%d/p008.json", httpd_port(srv));
    char *data = NULL;
    size_t len = 0;
    /* nothing cached yet: no copy, and no request made to find out */
    int before = httpd_requests(srv);
    assert_int_equal(fetch_get_cached(f, url, 1 << 20, &data, &len), SP_ENOENT);
    assert_null(data);
    assert_int_equal(httpd_requests(srv), before);
    assert_int_equal(fetch_get(f, url, 1 << 20, &data, &len, NULL), 0);
    free(data);
    before = httpd_requests(srv);
    assert_int_equal(fetch_get_cached(f, url, 1 << 20, &data, &len), 0);
    assert_int_equal(len, doc_len[7]);
    assert_memory_equal(data, docs[7], len);
    assert_int_equal(data[len], '\0');
    free(data);
    assert_int_equal(fetch_get_cached(f, url, 100, &data, &len), SP_ELIMIT);
    assert_null(data);
    assert_int_equal(fetch_get_cached(f, other, 1 << 20, &data, &len), SP_ENOENT);
    assert_int_equal(httpd_requests(srv), before);
    /* a local file is read from disk */
    char path[700];
    snprintf(path, sizeof(path), "%s/p008.json", root);
    assert_int_equal(fetch_get_cached(f, path, 1 << 20, &data, &len), 0);
    assert_int_equal(len, doc_len[8]);
    free(data);
    fetch_destroy(&f);
}

/* One page whose server sends headers and then nothing, one whose server
 * never answers at all: each ends by its own timeout while the other pages
 * of the same host keep arriving on the other connections. */
static void test_stalled_page_times_out_alone(void **state)
{
    (void)state;
    /* long enough that the other pages, even under sanitizers on a busy
     * machine, are all in well before it; the stalled pages are the first
     * ones asked for, so nothing may queue behind them */
    const int timeout_ms = 4000;
    struct fetch *f = new_fetch(timeout_ms);
    struct run *r = new_run(f, 80);
    r->stalled[0] = 0;
    r->prefix[0] = "/stall";
    r->stalled[1] = 1;
    r->prefix[1] = "/hang";
    run_all(r);
    double last_other = 0;
    for (int i = 0; i < r->n; i++) {
        if (i == 0 || i == 1) {
            assert_int_equal(r->rc[i], SP_ETIMEOUT);
            assert_true(r->done_at[i] >= timeout_ms / 1000.0 * 0.9);
            continue;
        }
        assert_int_equal(r->rc[i], 0);
        assert_true(r->exact[i]);
        if (r->done_at[i] > last_other)
            last_other = r->done_at[i];
    }
    /* the other 78 did not wait for the stalled two */
    print_message("other pages done after %.3f s; stalled ones after %.3f s and %.3f s\n",
                  last_other, r->done_at[0], r->done_at[1]);
    assert_true(last_other < r->done_at[0] && last_other < r->done_at[1]);
    free(r);
    fetch_destroy(&f);
}

int main(void)
{
    snprintf(root, sizeof(root), "%s/fetch-many-%d", SIGPLAY_TEST_TMP, (int)getpid());
    mkdir(root, 0700);
    for (int i = 0; i < NDOCS; i++) {
        if (!make_doc(i)) {
            fprintf(stderr, "cannot write the test documents\n");
            return 1;
        }
    }
    if (httpd_start(root, &srv)) {
        fprintf(stderr, "cannot start the test server\n");
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_many_docs_reuse_connections, setup, teardown),
        cmocka_unit_test_setup_teardown(test_get_cached, setup, teardown),
        cmocka_unit_test_setup_teardown(test_warm_revalidation_nginx_304_keeps_connections, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_torn_entry_refetched, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bounded_validation_through_loader, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stalled_page_times_out_alone, setup, teardown),
    };
    int r = cmocka_run_group_tests(tests, NULL, NULL);
    httpd_stop(&srv);
    for (int i = 0; i < NDOCS; i++)
        free(docs[i]);
    char cmd[700];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", root);
    return r;
}
