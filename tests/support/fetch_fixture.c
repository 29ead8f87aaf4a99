/* fetch_fixture.c - see fetch_fixture.h. */
#include "support/fetch_fixture.h"

#include "base/diag.h"
#include "support/httpd.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

struct fetch_fixture ff;

void ff_fill(unsigned char *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1103515245u + 12345u;
        p[i] = (unsigned char)(seed >> 16);
    }
}

void ff_write_file(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, n, f), n);
    fclose(f);
}

void ff_url_of(char *buf, size_t size, const char *path)
{
    snprintf(buf, size, "http://127.0.0.1:%d%s", httpd_port(ff.srv), path);
}

/* The child mode: one download with the default options into dir; what
 * went wrong goes to stderr, for the parent's log. */
static int child_download(const char *url, const char *dir)
{
    struct fetch_opts o;
    fetch_opts_init(&o);
    o.cache_dir = dir;
    struct fetch *f;
    if (fetch_create(&o, &f, NULL))
        return 1;
    struct diag_list d = {0};
    int r = fetch_download(f, url, 0, NULL, NULL, &d);
    for (size_t i = 0; i < d.count; i++)
        fprintf(stderr, "child: %s\n", d.items[i].text);
    diag_clear(&d);
    fetch_destroy(&f);
    return r ? 1 : 0;
}

static int rm_rf(const char *dir)
{
    char cmd[1200];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    return system(cmd);
}

int ff_start(int argc, char **argv, const char *tmp_dir, const char *name, size_t big_size,
             size_t slow_size)
{
    if (argc == 4 && !strcmp(argv[1], "--child-download"))
        return child_download(argv[2], argv[3]);
    ssize_t sl = readlink("/proc/self/exe", ff.self_exe, sizeof(ff.self_exe) - 1);
    if (sl > 0)
        ff.self_exe[sl] = '\0';
    else
        snprintf(ff.self_exe, sizeof(ff.self_exe), "%s", argv[0]);
    snprintf(ff.root, sizeof(ff.root), "%s/%s-root-%d", tmp_dir, name, (int)getpid());
    mkdir(ff.root, 0700);
    ff.big_size = big_size;
    ff.slow_size = slow_size;
    ff.big = malloc(big_size);
    ff.slowdata = malloc(slow_size);
    if (!ff.big || !ff.slowdata) {
        fprintf(stderr, "%s: out of memory for the served files\n", name);
        return 1;
    }
    ff_fill(ff.big, big_size, 1);
    ff_fill(ff.slowdata, slow_size, 2);
    char path[700];
    snprintf(path, sizeof(path), "%s/big.bin", ff.root);
    ff_write_file(path, ff.big, big_size);
    snprintf(path, sizeof(path), "%s/slow.bin", ff.root);
    ff_write_file(path, ff.slowdata, slow_size);
    if (httpd_start(ff.root, &ff.srv)) {
        fprintf(stderr, "cannot start the test server\n");
        return 1;
    }
    return -1;
}

int ff_finish(int rc)
{
    httpd_stop(&ff.srv);
    if (ff.root[0] && rm_rf(ff.root) != 0)
        rc = rc ? rc : 1;
    free(ff.big);
    free(ff.slowdata);
    ff.big = ff.slowdata = NULL;
    return rc;
}

int ff_setup(void **state)
{
    (void)state;
    static int serial;
    snprintf(ff.cachedir, sizeof(ff.cachedir), "%s/cache-%d", ff.root, serial++);
    return 0;
}

int ff_teardown(void **state)
{
    (void)state;
    int r = rm_rf(ff.cachedir);
    httpd_reset_faults(ff.srv);
    httpd_set_slow_ms(ff.srv, 1000);
    return r == 0 ? 0 : -1;
}

struct fetch *ff_new_fetch(int idle_ms, int tries)
{
    struct fetch_opts o;
    fetch_opts_init(&o);
    o.cache_dir = ff.cachedir;
    o.backoff_us = ff.backoff_us;
    o.connect_timeout_us = 3000000;
    if (idle_ms)
        o.idle_timeout_us = (int64_t)idle_ms * 1000;
    if (tries)
        o.max_tries = tries;
    struct fetch *f = NULL;
    struct diag_list d = {0};
    assert_int_equal(fetch_create(&o, &f, &d), 0);
    diag_clear(&d);
    return f;
}
