/* os_process.h - the process's start on each OS: console and arguments.
 *
 * The Windows binary is built for the GUI subsystem (-mwindows, CMake's
 * WIN32_EXECUTABLE), so `sigplay play` opened from Explorer or a file
 * association shows its window and no console window. The command-line
 * subcommands (probe, verify, fetch, render, export, --help) still print
 * where the user typed them: sp_os_process_init() attaches to the console
 * of the parent process when there is one (AttachConsole), and leaves
 * stdout/stderr alone when they are already redirected to a file or pipe.
 * Started without a console (Explorer), output goes nowhere, which is the
 * point. On Linux and macOS the terminal is simply inherited.
 *
 * Windows hands main() its arguments in the ANSI code page, which cannot
 * hold a Chinese file name; the process init replaces them with the UTF-8
 * of the wide command line (CommandLineToArgvW), so every path sigplay
 * sees is UTF-8, as base/platform/os_file.h expects, and sets the console
 * to UTF-8 output.
 */
#ifndef SP_OS_PROCESS_H
#define SP_OS_PROCESS_H

/* Called first in main(). On Windows: attaches to the parent's console,
 * switches it to UTF-8 and replaces *argc and *argv by the UTF-8 arguments
 * (kept for the life of the process). On POSIX: when no D-Bus session
 * bus is to be found, sets DBUS_SESSION_BUS_ADDRESS=disabled: so that
 * SDL's video start does not fork a dbus-launch (os_process.c says why).
 * Before any thread starts. */
void sp_os_process_init(int *argc, char ***argv);

/* Whether the machine has a GPU for OpenGL: a DRM render node on Linux
 * (/dev/dri/renderD*); true elsewhere (Windows and macOS always offer
 * their own accelerated drivers). */
#include <stdbool.h>
bool sp_os_has_gpu_render_node(void);

/* The signals that ask a process to stop (SIGTERM, SIGINT, SIGHUP on
 * POSIX; SIGINT, SIGTERM and Ctrl+Break on Windows) call fn(signal) instead
 * of ending it, until sp_os_stop_signals_restore(). A signal the process
 * started with ignored (nohup's SIGHUP, a background job's SIGINT) stays
 * ignored on POSIX. Each signal is caught once: its default action is
 * back after it, so the same signal sent again ends the process even when
 * the first was never looked at (a loop stuck in a driver). fn must only
 * set a volatile sig_atomic_t. */
void sp_os_stop_signals_catch(void (*fn)(int));
void sp_os_stop_signals_restore(void);

/* The number of processors this process may run on (at least 1): the
 * online CPUs (sysconf) on POSIX, GetSystemInfo() on Windows. For the
 * default of `verify --jobs`. */
int sp_os_cpu_count(void);

#endif
