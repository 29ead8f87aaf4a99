/* os_dirs.c - per-OS folders and allocator tuning (os_dirs.h). */
#include "base/platform/os_dirs.h"

#include "base/platform/os_path_internal.h"
#include "base/sp_error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef _WIN32
#include <windows.h>
#endif
#ifdef __GLIBC__
#include <malloc.h>
#endif

/* snprintf into buf, SP_ELIMIT on truncation */
static int put(char *buf, size_t size, const char *a, const char *b)
{
    int n = snprintf(buf, size, "%s%s", a, b);
    return n < 0 || (size_t)n >= size ? SP_ELIMIT : 0;
}

#ifdef _WIN32

/* an environment variable as UTF-8 (caller frees), or NULL if unset/empty */
static char *env_utf8(const wchar_t *name)
{
    const wchar_t *w = _wgetenv(name);
    return w && w[0] ? sp_os_narrow(w) : NULL;
}

static int known_dir(const wchar_t *var, const char *tail, char *buf, size_t size)
{
    char *base = env_utf8(var);
    if (!base)
        return SP_ENOENT;
    int rc = put(buf, size, base, tail);
    free(base);
    return rc;
}

int sp_os_cache_dir(char *buf, size_t size)
{
    return known_dir(L"LOCALAPPDATA", "/sigplay", buf, size);
}

int sp_os_config_dir(char *buf, size_t size)
{
    return known_dir(L"APPDATA", "/sigplay", buf, size);
}

int sp_os_temp_dir(char *buf, size_t size)
{
    wchar_t w[MAX_PATH + 1];
    DWORD n = GetTempPathW(MAX_PATH + 1, w);
    if (n == 0 || n > MAX_PATH)
        return put(buf, size, "C:/Windows/Temp", "");
    if (n > 1 && (w[n - 1] == L'\\' || w[n - 1] == L'/'))
        w[n - 1] = 0;
    char *s = sp_os_narrow(w);
    if (!s)
        return SP_ENOMEM;
    int rc = put(buf, size, s, "");
    free(s);
    return rc;
}

#else

/* $HOME + tail; SP_ENOENT without a home */
static int home_dir(const char *tail, char *buf, size_t size)
{
    const char *home = getenv("HOME");
    if (!home || !home[0])
        return SP_ENOENT;
    return put(buf, size, home, tail);
}

/* an XDG variable when it holds an absolute path, else $HOME + fallback */
static int xdg_dir(const char *var, const char *fallback, char *buf, size_t size)
{
    const char *x = getenv(var);
    if (x && x[0] == '/')
        return put(buf, size, x, "/sigplay");
    return home_dir(fallback, buf, size);
}

int sp_os_cache_dir(char *buf, size_t size)
{
#ifdef __APPLE__
    return home_dir("/Library/Caches/sigplay", buf, size);
#else
    return xdg_dir("XDG_CACHE_HOME", "/.cache/sigplay", buf, size);
#endif
}

int sp_os_config_dir(char *buf, size_t size)
{
#ifdef __APPLE__
    return home_dir("/Library/Application Support/sigplay", buf, size);
#else
    return xdg_dir("XDG_CONFIG_HOME", "/.config/sigplay", buf, size);
#endif
}

int sp_os_temp_dir(char *buf, size_t size)
{
    const char *t = getenv("TMPDIR");
    if (!t || !t[0])
        t = "/tmp";
    size_t n = strlen(t);
    while (n > 1 && t[n - 1] == '/')
        n--;
    if (n >= size)
        return SP_ELIMIT;
    memcpy(buf, t, n);
    buf[n] = '\0';
    return 0;
}

#endif

void sp_os_tune_malloc(void)
{
#ifdef __GLIBC__
    if (!getenv("MALLOC_MMAP_THRESHOLD_"))
        mallopt(M_MMAP_THRESHOLD, 128 * 1024);
#endif
}
