/* stop_signals.h - how a long-running command (play, the play window,
 * fetch, export) stops on SIGTERM, SIGINT or SIGHUP (Ctrl+Break on
 * Windows): the signal only sets a flag, the command's loop polls it and
 * leaves as at its normal end (so each download in flight checkpoints its
 * bytes into the cache, which the default action would lose), then one
 * line names the signal and the exit status is 128 + N, as a shell reports
 * a process killed by signal N. The same signal sent a second time ends
 * the process at once, as its default action does, for a command that
 * does not get to the first (sp_os_stop_signals_catch).
 *
 * One command runs per process, so the flag is process-wide. */
#ifndef SP_APP_STOP_SIGNALS_H
#define SP_APP_STOP_SIGNALS_H

#include <stdbool.h>

/* What play and export say they kept: the class closed as at its end. */
#define APP_STOP_KEPT_IN_FLIGHT "what the downloads in flight have is kept in the cache"

/* Catches the stop signals until app_stop_signals_restore(); a signal the
 * process started with ignored stays ignored (sp_os_stop_signals_catch). */
void app_stop_signals_catch(void);

/* Puts back the handlers app_stop_signals_catch() found; a no-op when they
 * are not caught, so every exit path may call it. The flag stays set. */
void app_stop_signals_restore(void);

/* The signal that asked the command to stop, 0 none yet. Safe to poll from
 * any thread and from the loop of a callback. */
int app_stop_signal(void);

/* Whether a stop signal came (app_stop_signal() != 0), in the shape of a
 * window_loop_opts.stop callback. */
bool app_stop_asked(void *opaque);

/* After a stop signal: prints "sigplay: CMD: stopped by signal N; WHAT"
 * on stderr (WHAT is a printf format saying what was kept) and returns
 * the exit status, 128 + N. Call only when app_stop_signal() != 0. */
#ifdef __GNUC__
__attribute__((format(printf, 2, 3)))
#endif
int app_stop_signals_report(const char *cmd, const char *what, ...);

/* The end of a command whose cleanup is done: restores the handlers, then
 * after a stop signal prints the line as app_stop_signals_report() and
 * returns 128 + N; otherwise returns exit_code as it is. */
#ifdef __GNUC__
__attribute__((format(printf, 3, 4)))
#endif
int app_stop_signals_end(int exit_code, const char *cmd, const char *what, ...);

#endif
