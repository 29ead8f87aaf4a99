/* os_time.c - clocks, sleeping and timed waits (os_time.h). */
#include "base/platform/os_time.h"

#include "base/sp_error.h"

#include <errno.h>
#include <string.h>

#ifdef _WIN32
#include <windows.h>
#endif

/* add us µs to *ts, keeping tv_nsec in [0, 1e9) */
static void ts_add_us(struct timespec *ts, int64_t us)
{
    if (us < 0)
        us = 0;
    int64_t ns = (int64_t)ts->tv_nsec + (us % 1000000) * 1000;
    ts->tv_sec += (time_t)(us / 1000000 + ns / 1000000000);
    ts->tv_nsec = (long)(ns % 1000000000);
}

#ifdef _WIN32

int64_t sp_os_mono_us(void)
{
    static LARGE_INTEGER freq; /* ticks per second; fixed at boot */
    LARGE_INTEGER now;
    if (!freq.QuadPart)
        QueryPerformanceFrequency(&freq);
    QueryPerformanceCounter(&now);
    /* split so that ticks * 1e6 cannot overflow after months of uptime */
    int64_t s = now.QuadPart / freq.QuadPart, rem = now.QuadPart % freq.QuadPart;
    return s * 1000000 + rem * 1000000 / freq.QuadPart;
}

int64_t sp_os_wall_us(void)
{
    FILETIME ft; /* 100 ns units since 1601-01-01 */
    GetSystemTimePreciseAsFileTime(&ft);
    int64_t t = (int64_t)(((uint64_t)ft.dwHighDateTime << 32) | ft.dwLowDateTime);
    return t / 10 - INT64_C(11644473600000000);
}

void sp_os_mono_timespec(struct timespec *ts)
{
    int64_t us = sp_os_mono_us();
    ts->tv_sec = (time_t)(us / 1000000);
    ts->tv_nsec = (long)(us % 1000000) * 1000;
}

void sp_os_sleep_us(int64_t us)
{
    /* Sleep() takes ms; round up so that the promise "at least" holds */
    int64_t end = sp_os_mono_us() + us;
    for (int64_t left = us; left > 0; left = end - sp_os_mono_us())
        Sleep((DWORD)((left + 999) / 1000));
}

int sp_os_cond_init(pthread_cond_t *c)
{
    /* winpthreads measures every timed wait on the wall clock and has no
     * pthread_condattr_setclock of use; default attributes, wall deadlines */
    return -pthread_cond_init(c, NULL);
}

void sp_os_cond_now(struct timespec *ts)
{
    int64_t us = sp_os_wall_us();
    ts->tv_sec = (time_t)(us / 1000000);
    ts->tv_nsec = (long)(us % 1000000) * 1000;
}

struct timespec sp_os_wall_deadline_us(int64_t timeout_us)
{
    struct timespec ts;
    sp_os_cond_now(&ts);
    ts_add_us(&ts, timeout_us);
    return ts;
}

int sp_os_localtime(int64_t t_s, struct tm *out)
{
    __time64_t t = (__time64_t)t_s;
    if (_localtime64_s(out, &t) != 0) {
        memset(out, 0, sizeof(*out));
        return SP_ERANGE;
    }
    return 0;
}

int sp_os_gmtime(int64_t t_s, struct tm *out)
{
    __time64_t t = (__time64_t)t_s;
    if (_gmtime64_s(out, &t) != 0) {
        memset(out, 0, sizeof(*out));
        return SP_ERANGE;
    }
    return 0;
}

#else /* POSIX: Linux, macOS */

void sp_os_mono_timespec(struct timespec *ts)
{
    clock_gettime(CLOCK_MONOTONIC, ts);
}

int64_t sp_os_mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t sp_os_wall_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void sp_os_sleep_us(int64_t us)
{
    if (us <= 0)
        return;
    struct timespec ts = {(time_t)(us / 1000000), (long)(us % 1000000) * 1000};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ; /* ts holds what is left */
}

#ifdef __APPLE__
/* macOS has no pthread_condattr_setclock: its conditions wait on the wall
 * clock, so their deadlines are taken from it */
int sp_os_cond_init(pthread_cond_t *c)
{
    return -pthread_cond_init(c, NULL);
}

void sp_os_cond_now(struct timespec *ts)
{
    clock_gettime(CLOCK_REALTIME, ts);
}
#else
int sp_os_cond_init(pthread_cond_t *c)
{
    pthread_condattr_t ca;
    int rc = pthread_condattr_init(&ca);
    if (rc)
        return -rc;
    rc = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    if (!rc)
        rc = pthread_cond_init(c, &ca);
    pthread_condattr_destroy(&ca);
    return -rc;
}

void sp_os_cond_now(struct timespec *ts)
{
    clock_gettime(CLOCK_MONOTONIC, ts);
}
#endif

struct timespec sp_os_wall_deadline_us(int64_t timeout_us)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts_add_us(&ts, timeout_us);
    return ts;
}

int sp_os_localtime(int64_t t_s, struct tm *out)
{
    time_t t = (time_t)t_s;
    if (!localtime_r(&t, out)) {
        memset(out, 0, sizeof(*out));
        return SP_ERANGE;
    }
    return 0;
}

int sp_os_gmtime(int64_t t_s, struct tm *out)
{
    time_t t = (time_t)t_s;
    if (!gmtime_r(&t, out)) {
        memset(out, 0, sizeof(*out));
        return SP_ERANGE;
    }
    return 0;
}

#endif

struct timespec sp_os_cond_deadline_us(int64_t timeout_us)
{
    struct timespec ts;
    sp_os_cond_now(&ts);
    ts_add_us(&ts, timeout_us);
    return ts;
}
