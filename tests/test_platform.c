/* Tests for base/platform: clocks across a sleep, timed waits, the atomic
 * write killed between its steps, UTF-8 (Chinese) file names, positioned
 * I/O, file locks and the per-OS folders. */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/platform/os_dirs.h"
#include "base/platform/os_file.h"
#include "base/platform/os_libc.h"
#include "base/platform/os_process.h"
#include "base/platform/os_time.h"
#include "base/sp_error.h"
#include "base/sp_file.h"

/* a fresh folder under the test tmp for one test (caller frees) */
static char *scratch(const char *name)
{
    char *p = NULL;
    char parent[512];
    snprintf(parent, sizeof(parent), "%s/platform", SIGPLAY_TEST_TMP);
    assert_int_equal(sp_os_mkdir_p(parent), 0);
    assert_int_equal(sp_os_mkdtemp(parent, name, &p), 0);
    return p;
}

static char *join(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    assert_non_null(p);
    snprintf(p, n, "%s/%s", dir, name);
    return p;
}

static void test_clocks_across_sleep(void **state)
{
    (void)state;
    int64_t w0 = sp_os_wall_us(), m0 = sp_os_mono_us(), prev = m0;
    /* monotonic: never goes back over many reads */
    for (int i = 0; i < 100000; i++) {
        int64_t m = sp_os_mono_us();
        assert_true(m >= prev);
        prev = m;
    }
    sp_os_sleep_us(50000);
    int64_t m1 = sp_os_mono_us(), w1 = sp_os_wall_us();
    assert_true(m1 - m0 >= 50000);       /* slept at least what was asked */
    assert_true(m1 - m0 < 30 * 1000000); /* and not forever, even on a busy machine */
    /* the wall clock is Unix µs: agrees with time() to a few seconds */
    int64_t now_s = (int64_t)time(NULL);
    assert_true(w1 / 1000000 >= now_s - 2 && w1 / 1000000 <= now_s + 2);
    assert_true(w1 >= w0);
    struct timespec ts;
    sp_os_mono_timespec(&ts);
    int64_t m2 = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
    assert_true(m2 >= m1 && m2 - m1 < 30 * 1000000);
    sp_os_sleep_us(0);
    sp_os_sleep_us(-5);
}

static void test_cond_deadline(void **state)
{
    (void)state;
    pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
    pthread_cond_t c;
    assert_int_equal(sp_os_cond_init(&c), 0);
    pthread_mutex_lock(&mu);
    int64_t t0 = sp_os_mono_us();
    struct timespec dl = sp_os_cond_deadline_us(40000);
    int rc = 0;
    while (rc == 0) /* a spurious wake-up waits again for the same deadline */
        rc = pthread_cond_timedwait(&c, &mu, &dl);
    int64_t spent = sp_os_mono_us() - t0;
    assert_int_equal(rc, ETIMEDOUT);
    assert_true(spent >= 39000); /* the deadline is on the cond's own clock */
    assert_true(spent < 30 * 1000000);
    pthread_cond_destroy(&c);

    pthread_cond_init(&c, NULL);
    t0 = sp_os_mono_us();
    dl = sp_os_wall_deadline_us(40000);
    rc = 0;
    while (rc == 0)
        rc = pthread_cond_timedwait(&c, &mu, &dl);
    spent = sp_os_mono_us() - t0;
    assert_int_equal(rc, ETIMEDOUT);
    assert_true(spent >= 39000 && spent < 30 * 1000000);
    pthread_mutex_unlock(&mu);
    pthread_cond_destroy(&c);

    struct tm tm;
    assert_int_equal(sp_os_gmtime(86400 + 3661, &tm), 0);
    assert_int_equal(tm.tm_year, 70);
    assert_int_equal(tm.tm_mday, 2);
    assert_int_equal(tm.tm_hour, 1);
    assert_int_equal(tm.tm_min, 1);
    assert_int_equal(sp_os_localtime(0, &tm), 0);
}

static void file_is(const char *path, const void *want, size_t len)
{
    char *got = NULL;
    size_t got_len = 0;
    assert_int_equal(sp_read_file(path, len + 1, &got, &got_len), 0);
    assert_int_equal(got_len, len);
    assert_memory_equal(got, want, len);
    free(got);
}

/* the child's hook: tell the parent where the temp file is, then wait to
 * be killed (bounded, so a broken parent cannot leave it behind) */
static void hook_stop(const char *tmp, void *opaque)
{
    int fd = *(int *)opaque;
    size_t n = strlen(tmp);
    (void)!write(fd, tmp, n + 1);
    for (int i = 0; i < 600; i++)
        sp_os_sleep_us(100000);
    _exit(3);
}

static void test_atomic_write_killed_before_rename(void **state)
{
    (void)state;
    char *dir = scratch("atomic-");
    char *path = join(dir, "state.json");
    const char old[] = "{\"old\":\"the whole old file\"}";
    assert_int_equal(sp_write_file_atomic(path, old, sizeof(old) - 1), 0);

    size_t big = 4u << 20; /* 4 MiB of new contents: many write() calls */
    char *neu = malloc(big);
    assert_non_null(neu);
    for (size_t i = 0; i < big; i++)
        neu[i] = (char)('a' + i % 26);

    int pfd[2];
    assert_int_equal(pipe(pfd), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(pfd[0]);
        sp_file_set_commit_hook(hook_stop, &pfd[1]);
        sp_write_file_atomic(path, neu, big);
        _exit(2); /* the hook never returns */
    }
    close(pfd[1]);
    char tmp[1024];
    size_t got = 0;
    for (;;) { /* the temp file's name, NUL-terminated; EOF if the child died */
        ssize_t n = read(pfd[0], tmp + got, sizeof(tmp) - got);
        if (n <= 0)
            break;
        got += (size_t)n;
        if (tmp[got - 1] == '\0')
            break;
    }
    close(pfd[0]);
    assert_true(got > 0 && tmp[got - 1] == '\0');
    /* killed between the durable write and the rename */
    assert_int_equal(kill(pid, SIGKILL), 0);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

    file_is(path, old, sizeof(old) - 1); /* the old file stays whole */
    file_is(tmp, neu, big);              /* the new one was all written */
    assert_int_equal(sp_os_unlink(tmp), 0);

    /* and when nothing kills it, the new contents replace the old */
    assert_int_equal(sp_write_file_atomic(path, neu, big), 0);
    file_is(path, neu, big);
    struct sp_os_dir *d = NULL;
    assert_int_equal(sp_os_dir_open(dir, &d), 0);
    int names = 0;
    for (const char *n; (n = sp_os_dir_next(d));)
        names++;
    sp_os_dir_close(&d);
    sp_os_dir_close(&d);        /* NULL: no-op */
    assert_int_equal(names, 1); /* no temp file left */

    assert_int_equal(sp_os_unlink(path), 0);
    assert_int_equal(sp_os_rmdir(dir), 0);
    free(neu);
    free(path);
    free(dir);
}

/* killed at an arbitrary moment of the write: old or new, never a mix */
static void test_atomic_write_killed_anywhere(void **state)
{
    (void)state;
    char *dir = scratch("atomic-any-");
    char *path = join(dir, "doc.bin");
    const char old[] = "old contents";
    size_t big = 8u << 20;
    char *neu = malloc(big);
    assert_non_null(neu);
    memset(neu, 'N', big);
    for (int round = 0; round < 6; round++) {
        assert_int_equal(sp_write_file_atomic(path, old, sizeof(old) - 1), 0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            for (;;)
                sp_write_file_atomic(path, neu, big);
        }
        sp_os_sleep_us(2000 + round * 7000);
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        char *got = NULL;
        size_t len = 0;
        assert_int_equal(sp_read_file(path, big, &got, &len), 0);
        if (len == sizeof(old) - 1)
            assert_memory_equal(got, old, len);
        else {
            assert_int_equal(len, big);
            assert_memory_equal(got, neu, len);
        }
        free(got);
    }
    /* clean the temp files the kills left */
    struct sp_os_dir *d = NULL;
    assert_int_equal(sp_os_dir_open(dir, &d), 0);
    for (const char *n; (n = sp_os_dir_next(d));) {
        char *p = join(dir, n);
        assert_int_equal(sp_os_unlink(p), 0);
        free(p);
    }
    sp_os_dir_close(&d);
    assert_int_equal(sp_os_rmdir(dir), 0);
    free(neu);
    free(path);
    free(dir);
}

static void test_chinese_file_names(void **state)
{
    (void)state;
    char *dir = scratch("路径-");
    char *sub = join(dir, "课堂录像/第一课");
    assert_int_equal(sp_os_mkdir_p(sub), 0);
    assert_int_equal(sp_os_mkdir_p(sub), 0); /* existing: fine */
    const char *name = "白板 笔迹 🎨.json";
    char *path = join(sub, name);
    const char body[] = "{\"标题\":\"数学\"}";
    assert_int_equal(sp_write_file_atomic(path, body, sizeof(body) - 1), 0);
    file_is(path, body, sizeof(body) - 1);

    struct sp_os_stat st;
    assert_int_equal(sp_os_stat(path, &st), 0);
    assert_true(st.is_file && !st.is_dir);
    assert_int_equal(st.size, (int64_t)(sizeof(body) - 1));
    int64_t now = sp_os_wall_us();
    assert_true(st.mtime_us <= now + 5000000 && st.mtime_us > now - 600 * 1000000LL);
    assert_int_equal(sp_os_stat(sub, &st), 0);
    assert_true(st.is_dir && !st.is_file);
    assert_true(sp_os_exists(path));
    assert_true(sp_os_readable(path));

    /* the folder lists the name byte for byte */
    struct sp_os_dir *d = NULL;
    assert_int_equal(sp_os_dir_open(sub, &d), 0);
    const char *n = sp_os_dir_next(d);
    assert_non_null(n);
    assert_string_equal(n, name);
    assert_null(sp_os_dir_next(d));
    sp_os_dir_close(&d);
    assert_null(d);

    /* rename over an existing Chinese-named file replaces it */
    char *other = join(sub, "旧的.json");
    FILE *f = sp_os_fopen(other, "wb");
    assert_non_null(f);
    fputs("旧", f);
    fclose(f);
    assert_int_equal(sp_os_rename_over(path, other), 0);
    assert_false(sp_os_exists(path));
    file_is(other, body, sizeof(body) - 1);
    f = sp_os_fopen(other, "rb");
    assert_non_null(f);
    char buf[64] = {0};
    assert_int_equal(fread(buf, 1, sizeof(buf), f), sizeof(body) - 1);
    fclose(f);
    assert_string_equal(buf, body);

    assert_int_equal(sp_os_unlink(other), 0);
    assert_int_equal(sp_os_unlink(other), -ENOENT);
    assert_int_equal(sp_os_stat(other, &st), -ENOENT);
    assert_int_equal(sp_os_rmdir(sub), 0);
    char *mid = join(dir, "课堂录像");
    assert_int_equal(sp_os_rmdir(mid), 0);
    assert_int_equal(sp_os_rmdir(dir), 0);
    free(mid);
    free(other);
    free(path);
    free(sub);
    free(dir);
}

static void test_positioned_io_and_locks(void **state)
{
    (void)state;
    char *dir = scratch("io-");
    char *path = join(dir, "part");
    int fd = sp_os_open(path, SP_OS_RDWR | SP_OS_CREAT | SP_OS_EXCL | SP_OS_PRIVATE);
    assert_true(fd >= 0);
    assert_int_equal(sp_os_open(path, SP_OS_RDWR | SP_OS_CREAT | SP_OS_EXCL), -EEXIST);
    assert_int_equal(sp_os_pwrite(fd, "world", 5, 6), 5);
    assert_int_equal(sp_os_pwrite(fd, "hello ", 6, 0), 6);
    sp_os_writeback_hint(fd, 0, 11);
    assert_int_equal(sp_os_fdatasync(fd), 0);
    assert_int_equal(sp_os_fsync(fd), 0);
    char buf[16] = {0};
    assert_int_equal(sp_os_pread(fd, buf, sizeof(buf), 0), 11);
    assert_string_equal(buf, "hello world");
    assert_int_equal(sp_os_pread(fd, buf, 4, 100), 0); /* past the end */
    assert_int_equal(sp_os_truncate(fd, 5), 0);
    struct sp_os_stat st;
    assert_int_equal(sp_os_fstat(fd, &st), 0);
    assert_int_equal(st.size, 5);

    /* a second descriptor cannot take the lock the first holds */
    int fd2 = sp_os_open(path, SP_OS_RDONLY);
    assert_true(fd2 >= 0);
    assert_int_equal(sp_file_lock(fd, true, false), 0);
    assert_int_equal(sp_file_lock(fd2, false, false), -EWOULDBLOCK);
    assert_int_equal(sp_file_unlock(fd), 0);
    assert_int_equal(sp_file_lock(fd2, false, false), 0); /* shared readers */
    assert_int_equal(sp_file_lock(fd, false, true), 0);
    assert_false(sp_os_isatty(fd)); /* a regular file is no terminal */
    assert_int_equal(sp_os_close(fd2), 0);
    assert_int_equal(sp_os_close(fd), 0);
    assert_int_equal(sp_os_close(-1), 0);

    assert_int_equal(sp_os_unlink(path), 0);
    assert_int_equal(sp_os_rmdir(dir), 0);
    assert_int_equal(sp_os_open(path, SP_OS_RDONLY), -ENOENT);
    free(path);
    free(dir);
}

static void test_touch_and_libc(void **state)
{
    (void)state;
    char *dir = scratch("touch-");
    char *path = join(dir, "旧.json");
    assert_int_equal(sp_write_file_atomic(path, "{}", 2), 0);
    struct sp_os_stat a, b;
    assert_int_equal(sp_os_stat(path, &a), 0);
    sp_os_sleep_us(20000);
    assert_int_equal(sp_os_touch(path), 0);
    assert_int_equal(sp_os_stat(path, &b), 0);
    assert_true(b.mtime_ns > a.mtime_ns); /* used now: newer */
    assert_int_equal(b.mtime_us, b.mtime_ns / 1000);
    assert_int_equal(sp_os_unlink(path), 0);
    assert_int_equal(sp_os_touch(path), -ENOENT);
    assert_int_equal(sp_os_rmdir(dir), 0);
    free(path);
    free(dir);

    char *s = sp_os_strndup("课堂abc", 6); /* two 3-byte characters */
    assert_string_equal(s, "课堂");
    free(s);
    s = sp_os_strndup("ab", 10);
    assert_string_equal(s, "ab");
    free(s);
    assert_non_null(sp_os_errno_text(ENOENT));
    assert_string_equal(sp_strerror(-ENOENT), sp_os_errno_text(ENOENT));
    assert_null(sp_os_errno_text(4000));
    unsigned char r1[16] = {0}, r2[16] = {0};
    assert_int_equal(sp_os_random(r1, sizeof(r1)), 0);
    assert_int_equal(sp_os_random(r2, sizeof(r2)), 0);
    assert_memory_not_equal(r1, r2, sizeof(r1)); /* 2^-128 to fail by chance */
}

static void test_dirs(void **state)
{
    (void)state;
    char buf[256];
    char *home = getenv("HOME") ? strdup(getenv("HOME")) : NULL;
    char *xdg = getenv("XDG_CACHE_HOME") ? strdup(getenv("XDG_CACHE_HOME")) : NULL;
    setenv("HOME", "/home/学生", 1);
    setenv("XDG_CACHE_HOME", "/var/cache/u", 1);
    setenv("XDG_CONFIG_HOME", "relative/ignored", 1);
    assert_int_equal(sp_os_cache_dir(buf, sizeof(buf)), 0);
#ifdef __APPLE__
    assert_string_equal(buf, "/home/学生/Library/Caches/sigplay");
#else
    assert_string_equal(buf, "/var/cache/u/sigplay");
    assert_int_equal(sp_os_config_dir(buf, sizeof(buf)), 0);
    assert_string_equal(buf, "/home/学生/.config/sigplay"); /* a relative XDG path is ignored */
    unsetenv("XDG_CACHE_HOME");
    assert_int_equal(sp_os_cache_dir(buf, sizeof(buf)), 0);
    assert_string_equal(buf, "/home/学生/.cache/sigplay");
#endif
    assert_int_equal(sp_os_cache_dir(buf, 8), SP_ELIMIT);
    unsetenv("HOME");
    unsetenv("XDG_CACHE_HOME");
    unsetenv("XDG_CONFIG_HOME");
    assert_int_equal(sp_os_cache_dir(buf, sizeof(buf)), SP_ENOENT);
    assert_int_equal(sp_os_config_dir(buf, sizeof(buf)), SP_ENOENT);
    setenv("TMPDIR", "/scratch/临时//", 1);
    assert_int_equal(sp_os_temp_dir(buf, sizeof(buf)), 0);
    assert_string_equal(buf, "/scratch/临时");
    unsetenv("TMPDIR");
    assert_int_equal(sp_os_temp_dir(buf, sizeof(buf)), 0);
    assert_string_equal(buf, "/tmp");
    if (home)
        setenv("HOME", home, 1);
    if (xdg)
        setenv("XDG_CACHE_HOME", xdg, 1);
    free(home);
    free(xdg);
    sp_os_tune_malloc(); /* twice is harmless */
    sp_os_tune_malloc();
    char cwd[4096];
    assert_int_equal(sp_os_getcwd(cwd, sizeof(cwd)), 0);
    assert_int_equal(cwd[0], '/');
    assert_int_equal(sp_os_getcwd(cwd, 1), SP_ELIMIT);
    assert_int_equal(sp_os_getpid(), (long)getpid());
}

static volatile sig_atomic_t caught_sig;
static void on_stop(int sig)
{
    caught_sig = sig;
}

/* A stop signal is caught once: the first sets the flag and the process
 * goes on; the same signal again ends it as its default action does (the
 * way out of a loop stuck where it never looks at the flag). Another stop
 * signal is still caught. In a child, which the second SIGTERM kills. */
static void test_stop_signal_caught_once(void **state)
{
    (void)state;
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        sp_os_stop_signals_catch(on_stop);
        raise(SIGTERM);
        if (caught_sig != SIGTERM)
            _exit(3);
        caught_sig = 0;
        raise(SIGHUP); /* its handler is still there */
        if (caught_sig != SIGHUP)
            _exit(4);
        raise(SIGTERM); /* ends the child */
        _exit(5);
    }
    int st = 0;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    if (WIFEXITED(st))
        fail_msg("the child exited %d (3: first SIGTERM not caught, 4: SIGHUP not caught, "
                 "5: second SIGTERM caught)",
                 WEXITSTATUS(st));
    assert_true(WIFSIGNALED(st));
    assert_int_equal(WTERMSIG(st), SIGTERM);
}

#ifndef _WIN32
#include <sys/socket.h>
#include <sys/un.h>

/* sp_os_process_init() on a given environment: DBUS_SESSION_BUS_ADDRESS
 * after it, or NULL when unset */
static const char *bus_after_init(const char *addr, const char *runtime_dir)
{
    if (addr)
        setenv("DBUS_SESSION_BUS_ADDRESS", addr, 1);
    else
        unsetenv("DBUS_SESSION_BUS_ADDRESS");
    if (runtime_dir)
        setenv("XDG_RUNTIME_DIR", runtime_dir, 1);
    else
        unsetenv("XDG_RUNTIME_DIR");
    int argc = 1;
    char *args[] = {"test", NULL}, **argv = args;
    sp_os_process_init(&argc, &argv);
    assert_int_equal(argc, 1);
    return getenv("DBUS_SESSION_BUS_ADDRESS");
}

/* No session bus to be found: "disabled:", so that libdbus does not fork
 * us to autolaunch one. A bus that is there, by address or at
 * $XDG_RUNTIME_DIR/bus, is left as it is. */
static void test_no_session_bus_disabled(void **state)
{
    (void)state;
    char *dir = scratch("bus-");
    assert_string_equal(bus_after_init(NULL, NULL), "disabled:");
    assert_string_equal(bus_after_init("", NULL), "disabled:");
    assert_string_equal(bus_after_init(NULL, dir), "disabled:"); /* no bus there */
    assert_string_equal(bus_after_init("unix:path=/run/user/1000/bus", NULL),
                        "unix:path=/run/user/1000/bus");
    assert_string_equal(bus_after_init("autolaunch:", NULL), "autolaunch:"); /* asked for */
    /* a file named bus is no bus; a socket is */
    char *bus = join(dir, "bus");
    FILE *f = fopen(bus, "w");
    assert_non_null(f);
    fclose(f);
    assert_string_equal(bus_after_init(NULL, dir), "disabled:");
    assert_int_equal(unlink(bus), 0);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    assert_true(strlen(bus) < sizeof(sa.sun_path));
    strcpy(sa.sun_path, bus);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_null(bus_after_init(NULL, dir));
    close(fd);
    unlink(bus);
    unsetenv("XDG_RUNTIME_DIR");
    free(bus);
    free(dir);
}
#endif

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clocks_across_sleep),
        cmocka_unit_test(test_cond_deadline),
        cmocka_unit_test(test_atomic_write_killed_before_rename),
        cmocka_unit_test(test_atomic_write_killed_anywhere),
        cmocka_unit_test(test_chinese_file_names),
        cmocka_unit_test(test_positioned_io_and_locks),
        cmocka_unit_test(test_touch_and_libc),
        cmocka_unit_test(test_dirs),
        cmocka_unit_test(test_stop_signal_caught_once),
#ifndef _WIN32
        cmocka_unit_test(test_no_session_bus_disabled),
#endif
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
