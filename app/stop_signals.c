/* stop_signals.c - see stop_signals.h. */
#include "app/stop_signals.h"

#include "base/platform/os_process.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>

/* Written by the handler only: a volatile sig_atomic_t is all a handler
 * may touch. */
static volatile sig_atomic_t stop_signal;
static bool caught; /* the handlers are ours until restored */

static void on_stop_signal(int sig)
{
    stop_signal = sig;
}

void app_stop_signals_catch(void)
{
    if (caught)
        return; /* a second catch would save our own handler as the old one */
    sp_os_stop_signals_catch(on_stop_signal);
    caught = true;
}

void app_stop_signals_restore(void)
{
    if (!caught)
        return;
    sp_os_stop_signals_restore();
    caught = false;
}

int app_stop_signal(void)
{
    return (int)stop_signal;
}

bool app_stop_asked(void *opaque)
{
    (void)opaque;
    return stop_signal != 0;
}

static int report(const char *cmd, const char *what, va_list ap)
{
    int sig = (int)stop_signal;
    char kept[8192]; /* formatted first: the line reaches stderr in one write */
    vsnprintf(kept, sizeof(kept), what, ap);
    fprintf(stderr, "sigplay: %s: stopped by signal %d; %s\n", cmd, sig, kept);
    return 128 + sig;
}

int app_stop_signals_report(const char *cmd, const char *what, ...)
{
    va_list ap;
    va_start(ap, what);
    int code = report(cmd, what, ap);
    va_end(ap);
    return code;
}

int app_stop_signals_end(int exit_code, const char *cmd, const char *what, ...)
{
    app_stop_signals_restore();
    if (!stop_signal)
        return exit_code;
    va_list ap;
    va_start(ap, what);
    int code = report(cmd, what, ap);
    va_end(ap);
    return code;
}
