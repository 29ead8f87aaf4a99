/* test_stream_length.c - `sigplay render` and `sigplay play --headless` of
 * a remote class whose server lies about one media file's length, against
 * the suite's fault-injecting server (tests/support/httpd.c): a
 * Content-Length shorter than the body (/shortlen/), and one longer than
 * the body, which is cut there (/badlen/). The media stream through the
 * download cache while they download; the segment's VideoSize proves the
 * lie. Each run says so in one warning naming the file (exit 1), plays
 * what there is (the other lanes, the class to its end), and leaves the
 * entry not complete. The next run fetches a short file again; the bytes
 * of the cut one, whose true total a 416 answer gave and VideoSize
 * confirms, it completes as they are. */
#include "player/net/cache.h"
#include "base/sp_error.h"
#include "support/httpd.h"

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

#include <cmocka.h>

extern char **environ;

#define LIED_FILE "teacher_01-0.mp4"

static char root[512], work[600];
static const char *bin = SIGPLAY_BIN; /* $SIGPLAY_BIN instead: another build's, by hand */
static struct httpd *srv;
static int run_no;

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        fclose(f);
        return NULL;
    }
    buf[n] = '\0';
    fclose(f);
    if (len)
        *len = (size_t)n;
    return buf;
}

/* root/<name> := the sample's replay.json with the one segment's VideoUrl
 * under the fault prefix /<fault>/ (a path the manifest's URL resolves). */
static void write_manifest(const char *name, const char *fault)
{
    char path[700];
    snprintf(path, sizeof(path), "%s/replay.json", SIGPLAY_SAMPLE_DIR);
    char *doc = slurp(path, NULL);
    assert_non_null(doc);
    const char *needle = "\"media/" LIED_FILE "\"";
    char *at = strstr(doc, needle);
    assert_non_null(at);
    snprintf(path, sizeof(path), "%s/%s", root, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fprintf(f, "%.*s\"/%s/media/%s\"%s", (int)(at - doc), doc, fault, LIED_FILE,
            at + strlen(needle));
    fclose(f);
    free(doc);
}

static void link_sample(const char *name)
{
    char from[700], to[700];
    snprintf(from, sizeof(from), "%s/%s", SIGPLAY_SAMPLE_DIR, name);
    snprintf(to, sizeof(to), "%s/%s", root, name);
    assert_int_equal(symlink(from, to), 0);
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Runs sigplay with args (NULL-terminated); its stderr into *err (caller
 * frees). Returns the exit status; fails the test after 120 s. */
static int run_sigplay(char **err, const char *arg0, ...)
{
    char *argv[24] = {(char *)bin};
    int n = 1;
    va_list ap;
    va_start(ap, arg0);
    for (const char *a = arg0; a && n < 23; a = va_arg(ap, const char *))
        argv[n++] = (char *)a;
    va_end(ap);
    argv[n] = NULL;
    char errpath[700];
    snprintf(errpath, sizeof(errpath), "%s/err-%d", work, ++run_no);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 2, errpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    pid_t pid;
    assert_int_equal(posix_spawn(&pid, bin, &fa, NULL, argv, environ), 0);
    posix_spawn_file_actions_destroy(&fa);
    int status = 0;
    int64_t t0 = mono_ms();
    while (waitpid(pid, &status, WNOHANG) == 0) {
        if (mono_ms() - t0 > 120000) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            fail_msg("sigplay %s: still running after 120 s", arg0);
        }
        struct timespec ts = {0, 20 * 1000000L};
        nanosleep(&ts, NULL);
    }
    *err = slurp(errpath, NULL);
    assert_non_null(*err);
    if (!getenv("KEEP_WORK")) /* by hand: keep what each run said */
        unlink(errpath);
    assert_true(WIFEXITED(status));
    return WEXITSTATUS(status);
}

/* Lines of text that contain needle. */
static int count_lines(const char *text, const char *needle)
{
    int n = 0;
    for (const char *l = text; l && *l;) {
        const char *e = strchr(l, '\n');
        size_t len = e ? (size_t)(e - l) : strlen(l);
        char line[2048];
        snprintf(line, sizeof(line), "%.*s", (int)(len < sizeof(line) ? len : sizeof(line) - 1), l);
        if (strstr(line, needle))
            n++;
        l = e ? e + 1 : NULL;
    }
    return n;
}

/* Whether the cache in dir holds url as complete. */
static bool cached_complete(const char *dir, const char *url)
{
    struct cache *c = NULL;
    assert_int_equal(cache_open(dir, 0, false, &c), 0);
    struct cache_entry *e = NULL;
    assert_int_equal(cache_entry_open(c, url, &e), 0);
    struct cache_info ci;
    cache_entry_info(e, &ci);
    cache_entry_release(&e);
    cache_close(&c);
    return ci.complete;
}

/* Whether the cache in dir holds url complete and exactly the sample's
 * media/LIED_FILE. */
static bool cached_exact(const char *dir, const char *url)
{
    char key[65], path[900];
    cache_key(url, key);
    snprintf(path, sizeof(path), "%s/%s.data", dir, key);
    size_t n = 0, m = 0;
    char *a = slurp(path, &n);
    snprintf(path, sizeof(path), "%s/media/%s", SIGPLAY_SAMPLE_DIR, LIED_FILE);
    char *b = slurp(path, &m);
    bool same = a && b && n == m && !memcmp(a, b, n);
    free(a);
    free(b);
    return same && cached_complete(dir, url);
}

/* The checks of one lying server (fault) for render and headless play.
 * refetch: the next run asks for the file again and says it again (the
 * bytes held are not the recording's length); else the next run finds
 * the bytes held consistent (a 416 gave the true total, VideoSize agrees)
 * and completes the entry from them, silently. play: headless play too
 * (the longest part: once is enough for the suite's time). */
static void check_fault(const char *fault, bool refetch, bool play)
{
    char manifest[64], url[256], media[256], cache[700];
    snprintf(manifest, sizeof(manifest), "replay-%s.json", fault);
    write_manifest(manifest, fault);
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/%s", httpd_port(srv), manifest);
    snprintf(media, sizeof(media), "http://127.0.0.1:%d/%s/media/%s", httpd_port(srv), fault,
             LIED_FILE);
    snprintf(cache, sizeof(cache), "%s/cache-%s", work, fault);
    char png[700];
    snprintf(png, sizeof(png), "%s/%s.png", work, fault);

    /* render, at a time inside what the server sends */
    char *err = NULL;
    int rc = run_sigplay(&err, "render", url, "--at", "10s", "-o", png, "-q", "--cache-dir", cache,
                         NULL);
    print_message("%s: render exit %d:\n%s", fault, rc, err);
    assert_int_equal(rc, 1);
    assert_int_equal(count_lines(err, LIED_FILE), 1);
    assert_int_equal(count_lines(err, "(VideoSize)"), 1);
    assert_int_equal(count_lines(err, "warning:"), 1); /* nothing else went wrong */
    struct stat st;
    assert_int_equal(stat(png, &st), 0);
    assert_false(cached_complete(cache, media));
    free(err);

    /* the next run */
    int before = httpd_requests(srv);
    rc = run_sigplay(&err, "render", url, "--at", "10s", "-o", png, "-q", "--cache-dir", cache,
                     NULL);
    print_message("%s: render again, exit %d:\n%s", fault, rc, err);
    if (refetch) {
        assert_int_equal(rc, 1);
        assert_int_equal(count_lines(err, "(VideoSize)"), 1);
        assert_true(httpd_requests(srv) > before);
        assert_false(cached_complete(cache, media));
    } else {
        assert_int_equal(rc, 0);
        assert_int_equal(count_lines(err, "warning:"), 0);
        assert_true(cached_exact(cache, media));
    }
    free(err);
    if (!play)
        return;

    /* headless play: the class plays to its end, the teacher's first
     * segment as far as it goes */
    char trace[700];
    snprintf(trace, sizeof(trace), "%s/%s.tsv", work, fault);
    snprintf(cache, sizeof(cache), "%s/cache-play-%s", work, fault);
    rc = run_sigplay(&err, "play", url, "--headless", "--max-speed", "--no-audio", "--trace", trace,
                     "--cache-dir", cache, NULL);
    print_message("%s: play exit %d:\n%s", fault, rc, err);
    assert_int_equal(rc, 1);
    assert_int_equal(count_lines(err, LIED_FILE), 1);
    assert_int_equal(count_lines(err, "(VideoSize)"), 1);
    assert_int_equal(count_lines(err, "warning:"), 1);
    assert_false(cached_complete(cache, media));
    char *tsv = slurp(trace, NULL);
    assert_non_null(tsv);
    /* frames up to the end of the class (60 s), so play went on */
    const char *l = tsv, *final = NULL;
    while (l && *l) {
        if (*l != '#')
            final = l;
        const char *e = strchr(l, '\n');
        l = e ? e + 1 : NULL;
    }
    assert_non_null(final);
    assert_true(atol(final) >= 59000);
    free(tsv);
    free(err);
}

static void test_short_content_length(void **state)
{
    (void)state;
    check_fault("shortlen", true, true);
}

static void test_body_cut_before_content_length(void **state)
{
    (void)state;
    check_fault("badlen", false, false);
}

int main(void)
{
    if (getenv("SIGPLAY_BIN") && getenv("SIGPLAY_BIN")[0])
        bin = getenv("SIGPLAY_BIN");
    snprintf(work, sizeof(work), "%s/stream-length-%d", SIGPLAY_TEST_TMP, (int)getpid());
    if (snprintf(root, sizeof(root), "%s/www", work) >= (int)sizeof(root)) {
        fprintf(stderr, "test_stream_length: the temporary directory's path is too long\n");
        return 1;
    }
    mkdir(work, 0700);
    mkdir(root, 0700);
    link_sample("media");
    link_sample("im");
    link_sample("images");
    if (httpd_start(root, &srv)) {
        fprintf(stderr, "cannot start the test server\n");
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_short_content_length),
        cmocka_unit_test(test_body_cut_before_content_length),
    };
    if (getenv("TEST_FILTER"))
        cmocka_set_test_filter(getenv("TEST_FILTER"));
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    httpd_stop(&srv);
    char cmd[700];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", work);
    if (!getenv("KEEP_WORK") && system(cmd) != 0)
        rc = rc ? rc : 1;
    return rc;
}
