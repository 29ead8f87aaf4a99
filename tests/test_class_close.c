/* Closing a class while its IM pages are still being asked for: a server
 * that never answers holds every signaling worker inside a page request.
 * class_close() must cancel them, wait for them and only then free the
 * network client (before, the workers were detached and woke up in freed
 * memory), and it must not wait for the requests' own timeouts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/diag.h"
#include "base/sp_error.h"
#include "player/class.h"
#include "player/signaling/signaling.h"
#include "support/httpd.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A board-only class of n pages, every one behind /hang/. */
static void write_manifest(const char *dir, int n)
{
    char path[512];
    assert_true(snprintf(path, sizeof(path), "%s/replay.json", dir) < (int)sizeof(path));
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "{\"TaskId\":\"t-close\",\"Status\":\"FINISHED\",\"RecordStartTime\":1700000000,"
               "\"RecordStopTime\":1700000060,\"TotalTime\":60000,\"VideoInfos\":[],"
               "\"Messages\":[");
    for (int i = 0; i < n; i++)
        fprintf(f, "%s{\"Url\":\"/hang/im/page-%03d.json\"}", i ? "," : "", i);
    fprintf(f, "]}");
    assert_int_equal(fclose(f), 0);
}

static void test_close_while_pages_hang(void **state)
{
    (void)state;
    char dir[512], cache[512];
    snprintf(dir, sizeof(dir), "%s/class-close-%d", SIGPLAY_TEST_TMP, (int)getpid());
    assert_true(snprintf(cache, sizeof(cache), "%s/cache", dir) < (int)sizeof(cache));
    mkdir(dir, 0700);
    write_manifest(dir, 40);
    struct httpd *h = NULL;
    assert_int_equal(httpd_start(dir, &h), 0);
    char url[256];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/replay.json", httpd_port(h));

    for (int round = 0; round < 3; round++) {
        struct class_opts o;
        class_opts_init(&o);
        o.parts = CLASS_SIGNALING;
        o.net.cache_dir = cache;
        struct diag_list d;
        diag_init(&d);
        struct sp_class *c = NULL;
        int rc = class_open(url, &o, &d, &c);
        if (rc)
            diag_print(&d, stderr);
        assert_int_equal(rc, 0);
        /* let every worker get into its request */
        nanosleep(&(struct timespec){0, 300 * 1000 * 1000L}, NULL);
        struct signaling_progress p;
        class_signaling_progress(c, &p);
        assert_int_equal(p.total, 40);
        assert_int_equal(p.done, 0); /* nothing answered: they are all waiting */
        double t0 = now_s();
        class_close(&c);
        double took = now_s() - t0;
        assert_null(c);
        /* far below any request timeout (tens of seconds) */
        if (took > 5.0)
            print_error("class_close took %.2f s\n", took);
        assert_true(took < 5.0);
        /* a worker left running would touch the freed client now */
        nanosleep(&(struct timespec){0, 300 * 1000 * 1000L}, NULL);
        diag_clear(&d);
    }
    httpd_stop(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_close_while_pages_hang),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
