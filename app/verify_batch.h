/* verify_batch.h - the run loop of `sigplay verify` over several SOURCEs.
 *
 * Checks up to `jobs` recordings at once in this process, each on a worker
 * thread of its own with its own class (the caller of fn decides what they
 * share: `verify` gives them one network client). The calling thread only
 * writes: each SOURCE's text goes to `out` in input
 * order, flushed, as soon as it and every SOURCE before it are done. A
 * worker does not start SOURCE i before SOURCE i - window has been written,
 * so a slow first recording holds back at most `window` finished texts:
 * memory is bounded by `jobs` open classes plus `window` reports, whatever
 * the length of the list.
 */
#ifndef SP_APP_VERIFY_BATCH_H
#define SP_APP_VERIFY_BATCH_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* The most recordings checked at once (`--jobs`). */
#define VERIFY_BATCH_MAX_JOBS 256

/* What one SOURCE gave. */
struct verify_job_result {
    int exit_code; /* 0 clean, 1 warnings, 2 errors */
    char *text;    /* written to out as is (owned, malloc'd; NULL: nothing) */
    size_t len;
};

/* Checks sources[index] and fills *res (zeroed on entry). Called on a
 * worker thread when jobs > 1, on the caller's otherwise; must be safe to
 * run on `jobs` threads at once, each with its own SOURCE. */
typedef void (*verify_job_fn)(void *opaque, const char *source, size_t index, size_t count,
                              struct verify_job_result *res);

struct verify_batch_tally {
    size_t checked, ok, warnings, errors; /* errors: exit code 2 or worse */
    int worst;                            /* the highest exit code, 0 for none */
    unsigned jobs;                        /* threads that ran the checks */
    int64_t wall_us;                      /* from the first start to the last line */
};

/* Runs fn over sources[0, n) with at most jobs (1..VERIFY_BATCH_MAX_JOBS,
 * clamped; at most n) at once, writes each text to out in input order and
 * fills *t. jobs == 1 runs everything on the caller's thread. */
void verify_batch_run(char *const *sources, size_t n, unsigned jobs, verify_job_fn fn, void *opaque,
                      FILE *out, struct verify_batch_tally *t);

/* One line: "verify: N checked: n OK, n with warnings, n with errors;
 * S.s s wall time, J job(s)". */
void verify_batch_summary(const struct verify_batch_tally *t, FILE *f);

#endif
