/* os_time.h - clocks, sleeping and timed waits: the platform layer's time.
 *
 * The platform layer (base/platform/) is the one room that calls the OS;
 * every other file asks it (tests/test_layers.sh fails on a direct call
 * such as clock_gettime or nanosleep elsewhere). Linux and macOS use POSIX
 * clocks; Windows uses QueryPerformanceCounter and the system file time.
 *
 * Threads stay pthreads everywhere, on purpose: glibc and macOS have them
 * natively and MinGW-w64 ships winpthreads (mutexes, condition variables,
 * pthread_cond_timedwait, CLOCK_MONOTONIC for clock_gettime), so a second
 * thread API of our own would only add code. What does differ is which
 * clock a condition variable's deadline is measured on: macOS has no
 * pthread_condattr_setclock, so sp_os_cond_init() and sp_os_cond_now()
 * pick the clock together and callers never name one.
 *
 * Every time here is int64_t microseconds, as at every sigplay API.
 */
#ifndef SP_OS_TIME_H
#define SP_OS_TIME_H

#include <pthread.h>
#include <stdint.h>
#include <time.h>

/* Monotonic time in µs since an arbitrary origin (boot on Linux): never
 * goes back, does not jump when the wall clock is set. */
int64_t sp_os_mono_us(void);

/* Wall-clock time in µs since the Unix epoch (UTC). May jump. */
int64_t sp_os_wall_us(void);

/* The monotonic clock as a timespec (the same clock as sp_os_mono_us),
 * for code that keeps struct timespec stamps. */
void sp_os_mono_timespec(struct timespec *ts);

/* Sleeps at least us µs (nothing for us <= 0); resumes after a signal
 * until the time has passed. */
void sp_os_sleep_us(int64_t us);

/* Initialises *c so that its timed waits take deadlines from
 * sp_os_cond_now(): the monotonic clock where the OS lets a condition
 * variable use it (Linux, Windows), the wall clock on macOS. Returns 0 or
 * a negative errno. Destroy with pthread_cond_destroy(). */
int sp_os_cond_init(pthread_cond_t *c);

/* Now, on the clock of conditions made by sp_os_cond_init(). */
void sp_os_cond_now(struct timespec *ts);

/* The absolute deadline timeout_us from now for pthread_cond_timedwait()
 * on a condition made by sp_os_cond_init() (negative counts as 0). */
struct timespec sp_os_cond_deadline_us(int64_t timeout_us);

/* The absolute deadline timeout_us from now for pthread_cond_timedwait()
 * on a condition made with default attributes (pthread_cond_init(c, NULL)
 * measures on the wall clock everywhere). */
struct timespec sp_os_wall_deadline_us(int64_t timeout_us);

/* The broken-down local time / UTC of Unix time t_s (seconds). Returns 0,
 * or SP_ERANGE when the OS cannot represent it (*out is then zeroed). */
int sp_os_localtime(int64_t t_s, struct tm *out);
int sp_os_gmtime(int64_t t_s, struct tm *out);

#endif
