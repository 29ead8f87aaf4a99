/* os_libc.c - where the C libraries differ (os_libc.h). */
#if defined(__GLIBC__) || defined(__linux__)
#define _GNU_SOURCE /* strerrordesc_np */
#endif
#include "base/platform/os_libc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

char *sp_os_strndup(const char *s, size_t n)
{
    size_t len = 0;
    while (len < n && s[len])
        len++;
    char *p = malloc(len + 1);
    if (!p)
        return NULL;
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

const char *sp_os_errno_text(int e)
{
#ifdef __GLIBC__
    return strerrordesc_np(e);
#else
    /* strerror's text for an unknown number is "Unknown error: N" in a
     * buffer that the next call may change: only known numbers count */
    if (e <= 0 || e > 4095)
        return NULL;
    const char *t = strerror(e);
    return t && strncmp(t, "Unknown error", 13) != 0 ? t : NULL;
#endif
}

void sp_os_heap_trim(void)
{
#ifdef __GLIBC__
    malloc_trim(0);
#endif
}
