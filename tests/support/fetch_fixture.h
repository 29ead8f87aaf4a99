/* fetch_fixture.h - the fixture test_fetch and test_fetch_faults share: a
 * served directory with a big and a slow file (deterministic bytes), the
 * suite's HTTP server on it (tests/support/httpd.c), one fresh cache
 * directory per case, the fetch options the cases start from, and a
 * child mode that downloads one URL (for the tests that kill or race a
 * second process).
 *
 * One fixture per test program: its state is the global ff. */
#ifndef SP_TESTS_FETCH_FIXTURE_H
#define SP_TESTS_FETCH_FIXTURE_H

#include "player/net/fetch.h"

#include <stddef.h>
#include <stdint.h>

struct httpd;

struct fetch_fixture {
    char root[512];          /* the served directory */
    char cachedir[1024];     /* this case's cache directory (under root) */
    char self_exe[512];      /* this program, to spawn with --child-download */
    unsigned char *big;      /* root/big.bin's bytes (fill seed 1) */
    unsigned char *slowdata; /* root/slow.bin's bytes (fill seed 2) */
    size_t big_size, slow_size;
    struct httpd *srv;
    int64_t backoff_us; /* the retry backoff of fetch_fixture_fetch() */
};

extern struct fetch_fixture ff;

/* n pseudo-random bytes from seed (the same bytes every run). */
void ff_fill(unsigned char *p, size_t n, unsigned seed);

/* path := data (asserts). */
void ff_write_file(const char *path, const void *data, size_t n);

/* "http://127.0.0.1:PORT" + path of the fixture's server. */
void ff_url_of(char *buf, size_t size, const char *path);

/* Starts the fixture for a program named name (the served directory is
 * tmp_dir/name-root-PID): writes big.bin and slow.bin of the given sizes
 * and starts the server. When argv asks for the child mode
 * (--child-download URL DIR) it downloads instead and returns its exit
 * status (0 downloaded, 1 not); otherwise returns -1, or 1 when the
 * server cannot start (one line on stderr). */
int ff_start(int argc, char **argv, const char *tmp_dir, const char *name, size_t big_size,
             size_t slow_size);

/* Stops the server and removes the served directory with every case's
 * cache; rc is the cmocka result, returned unless the removal failed. */
int ff_finish(int rc);

/* cmocka setup/teardown of a case: a new empty cache directory name; then
 * the directory removed, the server's faults reset and slow_ms back to
 * 1000 ms. */
int ff_setup(void **state);
int ff_teardown(void **state);

/* A fetch client on the case's cache directory: ff.backoff_us between
 * tries, 3 s to connect, idle_ms of silence before a try is given up (0
 * the default), tries attempts (0 the default). Asserts it is made. */
struct fetch *ff_new_fetch(int idle_ms, int tries);

#endif
