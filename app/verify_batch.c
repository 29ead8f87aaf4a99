/* verify_batch.c - several SOURCEs, `jobs` at a time, written in input
 * order (verify_batch.h). */
#include "app/verify_batch.h"

#include "base/platform/os_time.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Finished texts waiting for their turn, per job: enough that the workers
 * rarely wait for a slow recording ahead of them, few enough to bound
 * memory (each is one report). */
#define WINDOW_PER_JOB 8

struct slot {
    bool done; /* guarded by batch.mu */
    struct verify_job_result res;
};

struct batch {
    pthread_mutex_t mu;
    pthread_cond_t cv; /* a result done, or one written (the window moved) */
    char *const *sources;
    size_t n;
    size_t window;      /* slots: result i lives in slots[i % window] */
    struct slot *slots; /* window entries */
    size_t next_job;    /* guarded by mu: the next SOURCE a worker takes */
    size_t written;     /* guarded by mu: results [0, written) are out */
    verify_job_fn fn;
    void *opaque;
};

static void *worker_main(void *arg)
{
    struct batch *b = arg;
    pthread_mutex_lock(&b->mu);
    for (;;) {
        while (b->next_job < b->n && b->next_job >= b->written + b->window)
            pthread_cond_wait(&b->cv, &b->mu);
        if (b->next_job >= b->n)
            break;
        size_t i = b->next_job++;
        pthread_mutex_unlock(&b->mu);
        struct verify_job_result res = {0};
        b->fn(b->opaque, b->sources[i], i, b->n, &res);
        pthread_mutex_lock(&b->mu);
        struct slot *s = &b->slots[i % b->window];
        s->res = res;
        s->done = true;
        pthread_cond_broadcast(&b->cv);
    }
    pthread_mutex_unlock(&b->mu);
    return NULL;
}

static void count(struct verify_batch_tally *t, const struct verify_job_result *res)
{
    t->checked++;
    if (res->exit_code >= 2)
        t->errors++;
    else if (res->exit_code == 1)
        t->warnings++;
    else
        t->ok++;
    if (res->exit_code > t->worst)
        t->worst = res->exit_code;
}

static void emit(FILE *out, struct verify_job_result *res)
{
    if (res->text && res->len)
        fwrite(res->text, 1, res->len, out);
    fflush(out); /* a reader of the stream sees each report when it is done */
    free(res->text);
    res->text = NULL;
}

void verify_batch_run(char *const *sources, size_t n, unsigned jobs, verify_job_fn fn, void *opaque,
                      FILE *out, struct verify_batch_tally *t)
{
    memset(t, 0, sizeof(*t));
    int64_t t0 = sp_os_mono_us();
    if (jobs < 1)
        jobs = 1;
    if (jobs > VERIFY_BATCH_MAX_JOBS)
        jobs = VERIFY_BATCH_MAX_JOBS;
    if (jobs > n)
        jobs = n ? (unsigned)n : 1;

    struct batch b = {.sources = sources, .n = n, .fn = fn, .opaque = opaque};
    b.window = (size_t)jobs * WINDOW_PER_JOB;
    pthread_t *threads = NULL;
    unsigned started = 0;
    if (jobs > 1) {
        b.slots = calloc(b.window, sizeof(*b.slots));
        threads = calloc(jobs, sizeof(*threads));
        if (b.slots && threads && !pthread_mutex_init(&b.mu, NULL)) {
            if (!pthread_cond_init(&b.cv, NULL)) {
                for (; started < jobs; started++)
                    if (pthread_create(&threads[started], NULL, worker_main, &b))
                        break; /* run with the threads there are */
                if (!started)
                    pthread_cond_destroy(&b.cv);
            }
            if (!started)
                pthread_mutex_destroy(&b.mu);
        }
    }

    if (!started) { /* one job, or no thread could be had: all on this one */
        t->jobs = 1;
        for (size_t i = 0; i < n; i++) {
            struct verify_job_result res = {0};
            fn(opaque, sources[i], i, n, &res);
            count(t, &res);
            emit(out, &res);
        }
    } else {
        t->jobs = started;
        for (size_t i = 0; i < n; i++) {
            struct slot *s = &b.slots[i % b.window];
            pthread_mutex_lock(&b.mu);
            while (!s->done)
                pthread_cond_wait(&b.cv, &b.mu);
            struct verify_job_result res = s->res;
            s->done = false;
            s->res = (struct verify_job_result){0};
            pthread_mutex_unlock(&b.mu);
            count(t, &res);
            emit(out, &res); /* without the lock: a slow reader stalls only the window */
            pthread_mutex_lock(&b.mu);
            b.written = i + 1;
            pthread_cond_broadcast(&b.cv);
            pthread_mutex_unlock(&b.mu);
        }
        for (unsigned k = 0; k < started; k++)
            pthread_join(threads[k], NULL);
        pthread_cond_destroy(&b.cv);
        pthread_mutex_destroy(&b.mu);
    }
    free(threads);
    free(b.slots);
    t->wall_us = sp_os_mono_us() - t0;
}

void verify_batch_summary(const struct verify_batch_tally *t, FILE *f)
{
    fprintf(f,
            "verify: %zu checked: %zu OK, %zu with warnings, %zu with errors; %" PRId64
            ".%01d s wall time, %u job(s)\n",
            t->checked, t->ok, t->warnings, t->errors, t->wall_us / 1000000,
            (int)(t->wall_us / 100000 % 10), t->jobs);
    fflush(f);
}
