/* test_fetch_faults.c - the faults a hostile or broken server can throw at
 * player/net/fetch, each against the suite's own server
 * (tests/support/httpd.c): a chunked body cut before its final chunk, a
 * bad chunk size, a Content-Length shorter than the body, Range ignored
 * with the connection dropped, a file changed between attempts without
 * validators, gzip and deflate bodies, headers trickled byte by byte, and
 * two processes downloading into one cache. Each ends either with the
 * cache holding exactly the server's file or with an error and no entry
 * that reads as complete; none retries without bound. */
#include "player/net/cache.h"
#include "player/net/fetch.h"
#include "base/sp_error.h"
#include "support/fetch_fixture.h"
#include "support/httpd.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include <cmocka.h>

extern char **environ;

#define BIG_SIZE (1024 * 1024 + 77) /* odd size, several reads */
#define SLOW_SIZE (40 * 1024)

/* root/name := data; root/name.gz (gzip) and root/name.zz (zlib
 * "deflate", as HTTP means it) := its encoded forms. */
static void write_served(const char *name, const void *data, size_t n)
{
    char path[700];
    snprintf(path, sizeof(path), "%s/%s", ff.root, name);
    ff_write_file(path, data, n);
    for (int gz = 0; gz < 2; gz++) {
        z_stream z;
        memset(&z, 0, sizeof(z));
        assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, gz ? 31 : 15, 8, Z_DEFAULT_STRATEGY),
                         Z_OK);
        uLong cap = deflateBound(&z, (uLong)n);
        unsigned char *out = malloc(cap);
        z.next_in = (Bytef *)data;
        z.avail_in = (uInt)n;
        z.next_out = out;
        z.avail_out = (uInt)cap;
        assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
        snprintf(path, sizeof(path), "%s/%s.%s", ff.root, name, gz ? "gz" : "zz");
        ff_write_file(path, out, z.total_out);
        deflateEnd(&z);
        free(out);
    }
}

static bool entry_complete(struct fetch *f, const char *url, int64_t *length)
{
    struct cache_entry *e;
    assert_int_equal(cache_entry_open(fetch_cache(f), url, &e), 0);
    struct cache_info ci;
    cache_entry_info(e, &ci);
    cache_entry_release(&e);
    if (length)
        *length = ci.length;
    return ci.complete;
}

/* The entry of url is complete and holds exactly src. */
static void assert_cached_exact(struct fetch *f, const char *url, const unsigned char *src,
                                size_t n)
{
    struct cache_entry *e;
    assert_int_equal(cache_entry_open(fetch_cache(f), url, &e), 0);
    struct cache_info ci;
    cache_entry_info(e, &ci);
    assert_true(ci.complete);
    assert_int_equal(ci.length, (int64_t)n);
    unsigned char *buf = malloc(n + 1);
    int64_t got = 0;
    while (got < (int64_t)n) {
        int64_t k = cache_entry_read(e, got, buf + got, n - (size_t)got);
        assert_true(k > 0);
        got += k;
    }
    assert_memory_equal(buf, src, n);
    free(buf);
    cache_entry_release(&e);
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The fixture's case (ff_setup), and big.bin written afresh with its
 * encoded forms: a case may have changed it. */
static int setup(void **state)
{
    ff_setup(state);
    write_served("big.bin", ff.big, BIG_SIZE);
    return 0;
}

/* A fault that can only end in an error: fetch_download fails with one
 * line, within the time bound, after at most max_tries requests, and the
 * entry does not read as complete. */
static void assert_fails_incomplete(const char *path, int expect_err)
{
    struct fetch *f = ff_new_fetch(0, 3);
    char url[256];
    ff_url_of(url, sizeof(url), path);
    int before = httpd_requests(ff.srv);
    struct diag_list d = {0};
    int64_t t0 = mono_ms();
    int r = fetch_download(f, url, 0, NULL, NULL, &d);
    int64_t took = mono_ms() - t0;
    int requests = httpd_requests(ff.srv) - before;
    if (r == 0 || d.count != 1)
        print_error("%s: r=%d (%s), %zu lines: %s\n", path, r, sp_strerror(r), d.count,
                    d.count ? d.items[0].text : "");
    assert_int_not_equal(r, 0);
    if (expect_err)
        assert_int_equal(r, expect_err);
    assert_int_equal(d.count, 1);
    assert_non_null(strstr(d.items[0].text, url));
    assert_true(requests >= 1 && requests <= 3);
    assert_true(took < 60000);
    assert_false(entry_complete(f, url, NULL));
    diag_clear(&d);
    fetch_destroy(&f);
}

/* A whole chunked answer, its final chunk included, is complete. */
static void test_chunked_whole_is_complete(void **state)
{
    (void)state;
    struct fetch *f = ff_new_fetch(0, 3);
    char url[256];
    ff_url_of(url, sizeof(url), "/chunked/big.bin");
    assert_int_equal(fetch_download(f, url, 0, NULL, NULL, NULL), 0);
    assert_cached_exact(f, url, ff.big, BIG_SIZE);
    fetch_destroy(&f);
}

static void test_chunked_cut_is_not_complete(void **state)
{
    (void)state;
    assert_fails_incomplete("/chunkcut/big.bin", SP_ENET);
}

static void test_bad_chunk_size_is_not_complete(void **state)
{
    (void)state;
    assert_fails_incomplete("/badchunk/big.bin", 0);
}

/* A Content-Length shorter than the body looks like a complete answer to
 * HTTP; the length the recording gives (VideoSize) is what proves it is
 * not: a warning naming both sizes, and no complete entry. */
static void test_short_content_length_is_not_complete(void **state)
{
    (void)state;
    struct fetch *f = ff_new_fetch(0, 3);
    char url[256];
    ff_url_of(url, sizeof(url), "/shortlen/big.bin");
    struct diag_list d = {0};
    int r = fetch_download_expect(f, url, FETCH_MEDIA, BIG_SIZE, NULL, NULL, &d);
    assert_int_equal(r, SP_ERANGE);
    assert_int_equal(d.count, 1);
    assert_int_equal(d.items[0].level, DIAG_WARNING);
    char want[128];
    snprintf(want, sizeof(want), "%d bytes, but the recording says %d (VideoSize)", BIG_SIZE / 2,
             BIG_SIZE);
    assert_non_null(strstr(d.items[0].text, want));
    assert_false(entry_complete(f, url, NULL));
    diag_clear(&d);
    /* the same file, complete in the cache from a download that did not
     * know the size, is dropped and fetched again when the size is known */
    assert_int_equal(fetch_download(f, url, 0, NULL, NULL, NULL), 0);
    assert_true(entry_complete(f, url, NULL));
    int before = httpd_requests(ff.srv);
    assert_int_equal(fetch_download_expect(f, url, FETCH_MEDIA, BIG_SIZE, NULL, NULL, &d),
                     SP_ERANGE);
    assert_true(httpd_requests(ff.srv) > before);
    assert_false(entry_complete(f, url, NULL));
    diag_clear(&d);
    fetch_destroy(&f);
}

/* Range ignored and every answer dropped halfway: no attempt gets past
 * the bytes already held, so the retries run out. */
static void test_range_ignored_with_drop_is_bounded(void **state)
{
    (void)state;
    assert_fails_incomplete("/norangedrop/big.bin", SP_ENET);
}

/* The first attempt is dropped halfway; then the file changes on the
 * server, which sends no validator. The resume must start over, so the
 * cache holds the new file, not the old first half joined to it. */
static void test_changed_without_validators_starts_over(void **state)
{
    (void)state;
    char url[256];
    ff_url_of(url, sizeof(url), "/novalid/big.bin");
    struct fetch *f = ff_new_fetch(0, 1);
    struct diag_list d = {0};
    assert_int_not_equal(fetch_download(f, url, 0, NULL, NULL, &d), 0);
    diag_clear(&d);
    fetch_destroy(&f);
    /* the cache holds the old first half (else there is nothing to stitch
     * and the check below proves nothing) */
    f = ff_new_fetch(0, 0);
    struct cache_entry *e;
    assert_int_equal(cache_entry_open(fetch_cache(f), url, &e), 0);
    struct cache_info ci;
    cache_entry_info(e, &ci);
    cache_entry_release(&e);
    assert_false(ci.complete);
    assert_true(ci.have >= BIG_SIZE / 4);
    fetch_destroy(&f);
    unsigned char *other = malloc(BIG_SIZE);
    ff_fill(other, BIG_SIZE, 99);
    write_served("big.bin", other, BIG_SIZE);
    f = ff_new_fetch(0, 3);
    assert_int_equal(fetch_download(f, url, 0, NULL, NULL, &d), 0);
    diag_clear(&d);
    assert_cached_exact(f, url, other, BIG_SIZE);
    fetch_destroy(&f);
    free(other);
}

/* A complete entry whose .data file has the wrong length (truncated on
 * disk) is dropped and fetched again. */
static void test_complete_entry_wrong_length_refetched(void **state)
{
    (void)state;
    char url[256];
    ff_url_of(url, sizeof(url), "/big.bin");
    struct fetch *f = ff_new_fetch(0, 0);
    assert_int_equal(fetch_download(f, url, 0, NULL, NULL, NULL), 0);
    fetch_destroy(&f);
    char key[65], path[1200];
    cache_key(url, key);
    snprintf(path, sizeof(path), "%s/%s.data", ff.cachedir, key);
    assert_int_equal(truncate(path, BIG_SIZE / 3), 0);
    f = ff_new_fetch(0, 0);
    assert_false(entry_complete(f, url, NULL));
    int before = httpd_requests(ff.srv);
    assert_int_equal(fetch_download(f, url, 0, NULL, NULL, NULL), 0);
    assert_true(httpd_requests(ff.srv) > before);
    assert_cached_exact(f, url, ff.big, BIG_SIZE);
    fetch_destroy(&f);
}

/* Every request says Accept-Encoding: identity; a server that sends gzip
 * or deflate anyway is decoded, documents and media alike. */
static void test_encoded_bodies_decoded(void **state)
{
    (void)state;
    static const char doc[] = "{\"RecordStartTime\": 1700000000, \"pad\": \"aaaaaaaaaaaaaaaaaaaa"
                              "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}\n";
    write_served("doc.json", doc, sizeof(doc) - 1);
    struct fetch *f = ff_new_fetch(0, 0);
    const char *paths[] = {"/gzip/doc.json", "/deflate/doc.json"};
    for (int i = 0; i < 2; i++) {
        char url[256];
        ff_url_of(url, sizeof(url), paths[i]);
        char *data = NULL;
        size_t len = 0;
        struct diag_list d = {0};
        int r = fetch_get(f, url, 1 << 20, &data, &len, &d);
        if (r)
            print_error("%s: %s\n", paths[i], d.count ? d.items[0].text : sp_strerror(r));
        assert_int_equal(r, 0);
        assert_int_equal(len, sizeof(doc) - 1);
        assert_memory_equal(data, doc, len);
        free(data);
        diag_clear(&d);
        char ae[128];
        httpd_last_accept_encoding(ff.srv, ae, sizeof(ae));
        assert_string_equal(ae, "identity");
    }
    char url[256];
    ff_url_of(url, sizeof(url), "/gzip/big.bin");
    assert_int_equal(fetch_download(f, url, 0, NULL, NULL, NULL), 0);
    assert_cached_exact(f, url, ff.big, BIG_SIZE);
    fetch_destroy(&f);
}

/* A gzip body that decodes to more than the length the recording gives
 * is refused as soon as it passes it, naming the URL and the cap: not
 * inflated to its end first (a small body can decode to gigabytes). */
static void test_gzip_body_capped(void **state)
{
    (void)state;
    struct fetch *f = ff_new_fetch(0, 0);
    char url[256];
    ff_url_of(url, sizeof(url), "/gzip/big.bin");
    struct diag_list d = {0};
    int r = fetch_download_expect(f, url, FETCH_MEDIA, BIG_SIZE / 4, NULL, NULL, &d);
    assert_int_equal(r, SP_ERANGE);
    assert_int_equal(d.count, 1);
    char want[160];
    snprintf(want, sizeof(want),
             "big.bin: the server's compressed (Content-Encoding) body "
             "decodes to more than %d bytes (the length the recording gives); refused",
             BIG_SIZE / 4);
    print_message("gzip cap: %s\n", d.items[0].text);
    assert_non_null(strstr(d.items[0].text, want));
    assert_false(entry_complete(f, url, NULL));
    diag_clear(&d);
    fetch_destroy(&f);
}

/* Headers trickled at 10 B/s never end: the error names the timeout. */
static void test_trickled_headers_name_the_timeout(void **state)
{
    (void)state;
    httpd_set_slow_ms(ff.srv, 100);
    struct fetch_opts o;
    fetch_opts_init(&o);
    o.cache_dir = ff.cachedir;
    o.connect_timeout_us = 1500000;
    o.idle_timeout_us = 1500000;
    struct fetch *f = NULL;
    assert_int_equal(fetch_create(&o, &f, NULL), 0);
    char url[256];
    ff_url_of(url, sizeof(url), "/trickle/big.bin");
    struct diag_list d = {0};
    int64_t t0 = mono_ms();
    int r = fetch_download(f, url, 0, NULL, NULL, &d);
    int64_t took = mono_ms() - t0;
    assert_int_equal(d.count, 1);
    print_message("trickle: %s (%lld ms)\n", d.items[0].text, (long long)took);
    assert_int_equal(r, SP_ETIMEOUT);
    assert_non_null(strstr(d.items[0].text, "timed out"));
    assert_null(strstr(d.items[0].text, "closed early"));
    assert_true(took < 20000);
    diag_clear(&d);
    fetch_destroy(&f);
}

/* The user's case: headers trickled at 1 B/s, with the default timeouts
 * (a 15 s connect timeout, which covers the answer's headers). lws's own
 * timer for a connection holding a header table (10 s) used to close it
 * first, and the line said "connection closed early" (retried, 3 times).
 * Now the connect timeout ends it: SP_ETIMEOUT, one line naming it, not
 * retried. */
static void test_trickled_headers_default_timeout(void **state)
{
    (void)state;
    httpd_set_slow_ms(ff.srv, 1000);
    struct fetch_opts o;
    fetch_opts_init(&o);
    o.cache_dir = ff.cachedir;
    struct fetch *f = NULL;
    assert_int_equal(fetch_create(&o, &f, NULL), 0);
    char url[256];
    ff_url_of(url, sizeof(url), "/trickle/big.bin");
    struct diag_list d = {0};
    int before = httpd_requests(ff.srv);
    int64_t t0 = mono_ms();
    int r = fetch_download(f, url, 0, NULL, NULL, &d);
    int64_t took = mono_ms() - t0;
    print_message("trickle, defaults: %s (%lld ms, %d requests)\n", d.count ? d.items[0].text : "",
                  (long long)took, httpd_requests(ff.srv) - before);
    assert_int_equal(r, SP_ETIMEOUT); /* the code, which decisions read */
    assert_int_equal(d.count, 1);
    char want[64];
    snprintf(want, sizeof(want), "(%.1f s, the connect timeout)",
             FETCH_DEFAULT_CONNECT_TIMEOUT_US / 1e6);
    assert_non_null(strstr(d.items[0].text, want));
    assert_int_equal(httpd_requests(ff.srv) - before, 1); /* a timeout is not retried */
    assert_true(took >= FETCH_DEFAULT_CONNECT_TIMEOUT_US / 1000 - 1000);
    assert_true(took < FETCH_DEFAULT_CONNECT_TIMEOUT_US / 1000 + 5000);
    diag_clear(&d);
    fetch_destroy(&f);
}

/* Two processes download the same slow file into one cache at once: both
 * succeed, and the file is byte-exact. */
static void test_two_processes_one_cache(void **state)
{
    (void)state;
    httpd_set_slow_ms(ff.srv, 20); /* 50 KB/s: about a second for the file */
    char url[256];
    ff_url_of(url, sizeof(url), "/slow/slow.bin");
    char *argv[] = {ff.self_exe, "--child-download", url, ff.cachedir, NULL};
    pid_t pid[2];
    for (int i = 0; i < 2; i++)
        assert_int_equal(posix_spawn(&pid[i], ff.self_exe, NULL, NULL, argv, environ), 0);
    for (int i = 0; i < 2; i++) {
        int status = 0;
        assert_int_equal(waitpid(pid[i], &status, 0), pid[i]);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
    }
    struct fetch *f = ff_new_fetch(0, 0);
    assert_cached_exact(f, url, ff.slowdata, SLOW_SIZE);
    fetch_destroy(&f);
}

/* A download cancelled before its first checkpoint (what SIGTERM does to
 * `sigplay fetch`) keeps the bytes it has. */
static void test_cancel_keeps_partial(void **state)
{
    (void)state;
    httpd_set_slow_ms(ff.srv, 50); /* 20 KB/s */
    char url[256];
    ff_url_of(url, sizeof(url), "/slow/slow.bin");
    struct fetch *f = ff_new_fetch(0, 0);
    struct fetch_stream *s = NULL;
    assert_int_equal(fetch_stream_open(f, url, 0, &s), 0);
    unsigned char buf[1024];
    assert_true(fetch_stream_read(s, 0, buf, sizeof(buf)) > 0);
    fetch_cancel_all(f);
    fetch_stream_close(&s);
    fetch_destroy(&f);
    f = ff_new_fetch(0, 0);
    struct cache_entry *e;
    assert_int_equal(cache_entry_open(fetch_cache(f), url, &e), 0);
    struct cache_info ci;
    cache_entry_info(e, &ci);
    assert_false(ci.complete);
    assert_true(ci.have >= 1024);
    assert_true(cache_entry_read(e, 0, buf, sizeof(buf)) == (int64_t)sizeof(buf));
    assert_memory_equal(buf, ff.slowdata, sizeof(buf));
    cache_entry_release(&e);
    fetch_destroy(&f);
}

/* `sigplay fetch` of a recording served slowly gets SIGTERM before its
 * first checkpoint (64 MB): it exits 128+15 with one line, and the media
 * file it was downloading keeps the bytes it had, exact. */
static void test_sigterm_keeps_partial_download(void **state)
{
    (void)state;
    struct httpd *cls = NULL;
    assert_int_equal(httpd_start(SIGPLAY_SAMPLE_DIR, &cls), 0);
    httpd_set_slow_ms(cls, 4); /* about 250 KB/s */
    char url[256];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/slow/replay.json", httpd_port(cls));
    char errpath[1100];
    snprintf(errpath, sizeof(errpath), "%s.err", ff.cachedir);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 2, errpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    char *argv[] = {SIGPLAY_BIN, "fetch", url, "--cache-dir", ff.cachedir, NULL};
    pid_t pid;
    assert_int_equal(posix_spawn(&pid, SIGPLAY_BIN, &fa, NULL, argv, environ), 0);
    posix_spawn_file_actions_destroy(&fa);
    /* wait (bounded) until some media file is 100 KB into its download */
    char media_dir[600], part_url[512] = "", path[1400];
    snprintf(media_dir, sizeof(media_dir), "%s/media", SIGPLAY_SAMPLE_DIR);
    int64_t t0 = mono_ms();
    while (!part_url[0] && mono_ms() - t0 < 60000) {
        DIR *dir = opendir(media_dir);
        assert_non_null(dir);
        struct dirent *de;
        while ((de = readdir(dir)) && !part_url[0]) {
            if (de->d_name[0] == '.')
                continue;
            char u[512], key[65];
            snprintf(u, sizeof(u), "http://127.0.0.1:%d/slow/media/%s", httpd_port(cls),
                     de->d_name);
            cache_key(u, key);
            snprintf(path, sizeof(path), "%s/%s.part", ff.cachedir, key);
            struct stat st;
            if (stat(path, &st) == 0 && st.st_size > 100 * 1024)
                snprintf(part_url, sizeof(part_url), "%s", u);
        }
        closedir(dir);
        struct timespec ts = {0, 20 * 1000000L};
        nanosleep(&ts, NULL);
    }
    assert_true(part_url[0]);
    kill(pid, SIGTERM);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    httpd_stop(&cls);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 128 + SIGTERM);
    char *err = NULL;
    size_t errlen = 0;
    FILE *fe = fopen(errpath, "r");
    assert_non_null(fe);
    assert_true(getline(&err, &errlen, fe) > 0);
    assert_non_null(strstr(err, "stopped by signal 15"));
    free(err);
    fclose(fe);
    unlink(errpath);
    /* the partial entry: present, not complete, exactly the file's bytes */
    struct fetch *f = ff_new_fetch(0, 0);
    struct cache_entry *e;
    assert_int_equal(cache_entry_open(fetch_cache(f), part_url, &e), 0);
    struct cache_info ci;
    cache_entry_info(e, &ci);
    assert_false(ci.complete);
    assert_true(ci.have >= 100 * 1024);
    const char *name = strrchr(part_url, '/') + 1;
    snprintf(path, sizeof(path), "%s/%s", media_dir, name);
    FILE *src = fopen(path, "rb");
    assert_non_null(src);
    unsigned char *a = malloc((size_t)ci.have), *b = malloc((size_t)ci.have);
    assert_int_equal(fread(a, 1, (size_t)ci.have, src), (size_t)ci.have);
    fclose(src);
    assert_int_equal(cache_entry_avail(e, 0), ci.have);
    assert_int_equal(cache_entry_read(e, 0, b, (size_t)ci.have), ci.have);
    assert_memory_equal(a, b, (size_t)ci.have);
    free(a);
    free(b);
    cache_entry_release(&e);
    fetch_destroy(&f);
}

int main(int argc, char **argv)
{
    int rc = ff_start(argc, argv, SIGPLAY_TEST_TMP, "fetch-faults", BIG_SIZE, SLOW_SIZE);
    if (rc >= 0)
        return rc; /* the child mode, or no server */
    ff.backoff_us = 20000;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_chunked_whole_is_complete, setup, ff_teardown),
        cmocka_unit_test_setup_teardown(test_chunked_cut_is_not_complete, setup, ff_teardown),
        cmocka_unit_test_setup_teardown(test_bad_chunk_size_is_not_complete, setup, ff_teardown),
        cmocka_unit_test_setup_teardown(test_short_content_length_is_not_complete, setup,
                                        ff_teardown),
        cmocka_unit_test_setup_teardown(test_range_ignored_with_drop_is_bounded, setup,
                                        ff_teardown),
        cmocka_unit_test_setup_teardown(test_changed_without_validators_starts_over, setup,
                                        ff_teardown),
        cmocka_unit_test_setup_teardown(test_complete_entry_wrong_length_refetched, setup,
                                        ff_teardown),
        cmocka_unit_test_setup_teardown(test_encoded_bodies_decoded, setup, ff_teardown),
        cmocka_unit_test_setup_teardown(test_gzip_body_capped, setup, ff_teardown),
        cmocka_unit_test_setup_teardown(test_trickled_headers_name_the_timeout, setup, ff_teardown),
        cmocka_unit_test_setup_teardown(test_trickled_headers_default_timeout, setup, ff_teardown),
        cmocka_unit_test_setup_teardown(test_two_processes_one_cache, setup, ff_teardown),
        cmocka_unit_test_setup_teardown(test_cancel_keeps_partial, setup, ff_teardown),
        cmocka_unit_test_setup_teardown(test_sigterm_keeps_partial_download, setup, ff_teardown),
    };
    /* TEST_FILTER=pattern runs only the tests whose names match (by hand) */
    if (getenv("TEST_FILTER"))
        cmocka_set_test_filter(getenv("TEST_FILTER"));
    return ff_finish(cmocka_run_group_tests(tests, NULL, NULL));
}
