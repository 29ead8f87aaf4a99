#include "base/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int g_level = -1; /* -1: not yet read from the environment */
static sp_log_sink_fn g_sink;
static void *g_sink_opaque;

static const char *level_names[] = {"error", "warning", "info", "debug", "trace"};

static enum sp_log_level level_from_env(void)
{
    const char *e = getenv("SIGPLAY_LOG");
    if (e)
        for (int i = 0; i <= SP_LOG_TRACE; i++)
            if (strcmp(e, level_names[i]) == 0)
                return (enum sp_log_level)i;
    return SP_LOG_WARN;
}

void sp_log_set_level(enum sp_log_level level)
{
    g_level = (int)level;
}

enum sp_log_level sp_log_get_level(void)
{
    if (g_level < 0)
        g_level = (int)level_from_env();
    return (enum sp_log_level)g_level;
}

void sp_log_set_sink(sp_log_sink_fn fn, void *opaque)
{
    g_sink = fn;
    g_sink_opaque = opaque;
}

void sp_log_msg(const struct sp_log *lg, enum sp_log_level level, const char *fmt, ...)
{
    if (level > sp_log_get_level())
        return;
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    const char *comp = lg && lg->component ? lg->component : "sigplay";
    if (g_sink) {
        g_sink(g_sink_opaque, level, comp, line);
        return;
    }
    fprintf(stderr, "sigplay: %s: %s: %s\n", comp, level_names[level], line);
}
