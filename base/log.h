/* log.h - one log handle per component, printf-checked macros.
 *
 * Usage: static struct sp_log lg = SP_LOG_INIT("fetch");
 *        SP_WARN(&lg, "retrying %s (%d/%d)", url, n, max);
 * Nothing per frame above SP_LOG_DEBUG. Output goes to stderr unless a sink
 * is installed (tests capture lines through sp_log_set_sink()).
 */
#ifndef SP_LOG_H
#define SP_LOG_H

#include <stdarg.h>
#include "base/platform/os_libc.h"

enum sp_log_level { SP_LOG_ERROR, SP_LOG_WARN, SP_LOG_INFO, SP_LOG_DEBUG, SP_LOG_TRACE };

struct sp_log {
    const char *component; /* static string, e.g. "fetch" */
};

#define SP_LOG_INIT(name)                                                                          \
    {                                                                                              \
        (name)                                                                                     \
    }

typedef void (*sp_log_sink_fn)(void *opaque, enum sp_log_level level, const char *component,
                               const char *line);

/* Global verbosity; default SP_LOG_WARN, SIGPLAY_LOG=debug etc. overrides
 * it, read once at first use (pthread_once) by whichever thread logs first;
 * sp_log_set_level() overrides both. Both are safe from any thread. */
void sp_log_set_level(enum sp_log_level level);
enum sp_log_level sp_log_get_level(void);

/* Installs a sink (NULL restores stderr). Safe against concurrent logging:
 * lines are handed to the sink under the logger's own lock (a leaf lock:
 * the sink must not log, nor take a lock that a logging thread holds), and
 * once this returns the old sink is never called again. */
void sp_log_set_sink(sp_log_sink_fn fn, void *opaque);

void sp_log_write(const struct sp_log *lg, enum sp_log_level level, const char *fmt, ...)
    SP_FORMAT_PRINTF(3, 4);

#define SP_ERR(lg, ...) sp_log_write((lg), SP_LOG_ERROR, __VA_ARGS__)
#define SP_WARN(lg, ...) sp_log_write((lg), SP_LOG_WARN, __VA_ARGS__)
#define SP_INFO(lg, ...) sp_log_write((lg), SP_LOG_INFO, __VA_ARGS__)
#define SP_DBG(lg, ...) sp_log_write((lg), SP_LOG_DEBUG, __VA_ARGS__)

#endif
