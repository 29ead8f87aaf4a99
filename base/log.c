#include "base/log.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The level is read on every log call from any thread (decoders, the fetch
 * thread, signaling workers): an atomic, set once from SIGPLAY_LOG under
 * pthread_once so two threads logging first at the same time read the
 * environment once and agree. sp_log_set_level() after that simply wins. */
static atomic_int g_level = SP_LOG_WARN;
static pthread_once_t g_level_once = PTHREAD_ONCE_INIT;
static atomic_bool g_level_set; /* sp_log_set_level() was called: env loses */

/* The sink: both words are swapped together under g_sink_lock, and a line
 * is handed to the sink under that lock, so a sink removed by
 * sp_log_set_sink(NULL, NULL) is never called after that returns.
 * Lock order: g_sink_lock is a leaf (the sink must not log). */
static pthread_mutex_t g_sink_lock = PTHREAD_MUTEX_INITIALIZER;
static sp_log_sink_fn g_sink;  /* guarded by g_sink_lock */
static void *g_sink_opaque;    /* guarded by g_sink_lock */
static atomic_bool g_has_sink; /* g_sink != NULL, read without the lock */

static const char *level_names[] = {"error", "warning", "info", "debug", "trace"};

static void level_from_env(void)
{
    const char *e = getenv("SIGPLAY_LOG");
    if (!e || atomic_load(&g_level_set))
        return;
    for (int i = 0; i <= SP_LOG_TRACE; i++)
        if (strcmp(e, level_names[i]) == 0) {
            atomic_store(&g_level, i);
            return;
        }
}

void sp_log_set_level(enum sp_log_level level)
{
    pthread_once(&g_level_once, level_from_env);
    atomic_store(&g_level_set, true);
    atomic_store(&g_level, (int)level);
}

enum sp_log_level sp_log_get_level(void)
{
    pthread_once(&g_level_once, level_from_env);
    return (enum sp_log_level)atomic_load_explicit(&g_level, memory_order_relaxed);
}

void sp_log_set_sink(sp_log_sink_fn fn, void *opaque)
{
    pthread_mutex_lock(&g_sink_lock);
    g_sink = fn;
    g_sink_opaque = opaque;
    atomic_store(&g_has_sink, fn != NULL);
    pthread_mutex_unlock(&g_sink_lock);
}

void sp_log_write(const struct sp_log *lg, enum sp_log_level level, const char *fmt, ...)
{
    if (level > sp_log_get_level())
        return;
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    const char *comp = lg && lg->component ? lg->component : "sigplay";
    if (atomic_load(&g_has_sink)) {
        pthread_mutex_lock(&g_sink_lock);
        bool sent = g_sink != NULL;
        if (sent)
            g_sink(g_sink_opaque, level, comp, line);
        pthread_mutex_unlock(&g_sink_lock);
        if (sent)
            return;
    }
    /* one fprintf per line: stdio locks the stream, lines never interleave */
    fprintf(stderr, "sigplay: %s: %s: %s\n", comp, level_names[level], line);
}
