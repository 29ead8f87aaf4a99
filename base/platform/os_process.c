/* os_process.c - console and arguments at start (os_process.h). */
#include "base/platform/os_process.h"

#include "base/platform/os_path_internal.h"

#include <signal.h>
#include <string.h>

#ifdef _WIN32
#include <stdio.h>
#include <stdlib.h>
#include <windows.h>
/* after windows.h, which it needs */
#include <shellapi.h>

/* whether std handle which already goes somewhere (a file, a pipe, a
 * console inherited from a console-subsystem parent) */
static int std_is_set(DWORD which)
{
    HANDLE h = GetStdHandle(which);
    return h != NULL && h != INVALID_HANDLE_VALUE && GetFileType(h) != FILE_TYPE_UNKNOWN;
}

static void attach_console(void)
{
    int out_set = std_is_set(STD_OUTPUT_HANDLE), err_set = std_is_set(STD_ERROR_HANDLE);
    if (out_set && err_set)
        return; /* both redirected: keep them */
    if (!AttachConsole(ATTACH_PARENT_PROCESS))
        return; /* no console to go back to (started from Explorer) */
    if (!out_set && !freopen("CONOUT$", "w", stdout))
        return;
    if (!err_set && !freopen("CONOUT$", "w", stderr))
        return;
}

static void utf8_args(int *argc, char ***argv)
{
    int n = 0;
    wchar_t **w = CommandLineToArgvW(GetCommandLineW(), &n);
    if (!w || n <= 0)
        return; /* keep the ANSI arguments */
    char **a = calloc((size_t)n + 1, sizeof(*a));
    for (int i = 0; a && i < n; i++) {
        a[i] = sp_os_narrow(w[i]);
        if (!a[i]) {
            for (int k = 0; k < i; k++)
                free(a[k]);
            free(a);
            a = NULL;
        }
    }
    LocalFree(w);
    if (!a)
        return;
    /* owned by the process from here on, like the C runtime's argv */
    *argc = n;
    *argv = a;
}

void sp_os_process_init(int *argc, char ***argv)
{
    attach_console();
    SetConsoleOutputCP(CP_UTF8);
    utf8_args(argc, argv);
}

#else
#include <stdlib.h>
#include <stdio.h>
#include <sys/stat.h>

/* Whether libdbus would find a session bus without starting one: the
 * address in the environment, or the user bus's socket at
 * $XDG_RUNTIME_DIR/bus (what libdbus itself looks for next). */
static bool session_bus_known(void)
{
    const char *addr = getenv("DBUS_SESSION_BUS_ADDRESS");
    if (addr && *addr)
        return true;
    const char *run = getenv("XDG_RUNTIME_DIR");
    if (!run || !*run)
        return false;
    char path[4096];
    struct stat st;
    int n = snprintf(path, sizeof(path), "%s/bus", run);
    return n > 0 && (size_t)n < sizeof(path) && stat(path, &st) == 0 && S_ISSOCK(st.st_mode);
}

void sp_os_process_init(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    /* SDL's video start asks the session bus for the input method and the
     * screensaver. With none to be found, libdbus "autolaunches": it forks
     * our process, by then threaded (decoders, the remote control), to
     * exec dbus-launch, and reads the child's pipe without a timeout. A
     * child stuck between fork and exec (a lock another thread held at the
     * fork) left the window unopened for good, under load on a machine
     * with no desktop session; a child that does start a bus starts one
     * no input method listens on. "disabled:" is D-Bus's own word for no
     * session bus (libdbus fails at once, SDL goes on without it). Set
     * here, before any thread: setenv() races with readers. */
    if (!session_bus_known())
        (void)setenv("DBUS_SESSION_BUS_ADDRESS", "disabled:", 1); /* over an empty one */
}

#endif

#if defined(__linux__)
#include <glob.h>
#include <stddef.h>

bool sp_os_has_gpu_render_node(void)
{
    glob_t g;
    bool gpu = glob("/dev/dri/renderD*", 0, NULL, &g) == 0 && g.gl_pathc > 0;
    globfree(&g);
    return gpu;
}
#else
bool sp_os_has_gpu_render_node(void)
{
    return true;
}
#endif

/* ---- stop signals ---------------------------------------------------------- */

#ifdef _WIN32
static void (*old_int)(int), (*old_term)(int), (*old_break)(int);

void sp_os_stop_signals_catch(void (*fn)(int))
{
    old_int = signal(SIGINT, fn);
    old_term = signal(SIGTERM, fn);
    old_break = signal(SIGBREAK, fn);
}

void sp_os_stop_signals_restore(void)
{
    signal(SIGINT, old_int ? old_int : SIG_DFL);
    signal(SIGTERM, old_term ? old_term : SIG_DFL);
    signal(SIGBREAK, old_break ? old_break : SIG_DFL);
}
#else
static struct sigaction old_term, old_int, old_hup;

/* Catches sig unless it is ignored (nohup's SIGHUP, a background job's
 * SIGINT): what the user asked to ignore stays ignored. */
static void catch_one(int sig, const struct sigaction *sa, struct sigaction *old)
{
    sigaction(sig, NULL, old);
    if (old->sa_handler != SIG_IGN)
        sigaction(sig, sa, NULL);
}

void sp_os_stop_signals_catch(void (*fn)(int))
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = fn;
    /* once caught, a signal's default action is back: the same signal sent
     * again ends a process whose loop never got to the first (Windows' CRT
     * resets its handlers so by itself) */
    sa.sa_flags = SA_RESETHAND;
    sigemptyset(&sa.sa_mask);
    catch_one(SIGTERM, &sa, &old_term);
    catch_one(SIGINT, &sa, &old_int);
    catch_one(SIGHUP, &sa, &old_hup);
}

void sp_os_stop_signals_restore(void)
{
    sigaction(SIGTERM, &old_term, NULL);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGHUP, &old_hup, NULL);
}
#endif

/* ---- processors ------------------------------------------------------ */

#ifdef _WIN32
int sp_os_cpu_count(void)
{
    SYSTEM_INFO si;
    GetSystemInfo(&si);
    return si.dwNumberOfProcessors > 0 ? (int)si.dwNumberOfProcessors : 1;
}
#else
#include <unistd.h>

int sp_os_cpu_count(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 && n < 4096 ? (int)n : 1;
}
#endif
