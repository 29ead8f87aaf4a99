/* os_libc.h - where the C libraries differ: glibc, macOS's libSystem and
 * the Windows C runtime (msvcrt/UCRT through MinGW-w64).
 *
 * SP_FORMAT_PRINTF(f, a) marks a printf-like function (format at argument
 * f, values from argument a) so that the compiler checks its calls. On
 * MinGW the plain "printf" archetype means Microsoft's printf, which knows
 * neither %zu nor %lld; sigplay's Windows build uses MinGW's C99 stdio
 * (-D__USE_MINGW_ANSI_STDIO=1, docs/building.md), whose archetype is
 * gnu_printf.
 */
#ifndef SP_OS_LIBC_H
#define SP_OS_LIBC_H

#include <stddef.h>

#if defined(__MINGW32__)
#define SP_FORMAT_PRINTF(f, a) __attribute__((format(gnu_printf, f, a)))
#else
#define SP_FORMAT_PRINTF(f, a) __attribute__((format(printf, f, a)))
#endif

/* The first n bytes of s (less if s ends sooner) as a new NUL-terminated
 * string (caller frees), or NULL without memory. POSIX strndup, which the
 * Windows C runtime lacks. */
char *sp_os_strndup(const char *s, size_t n);

/* The system's text for errno value e ("Permission denied"), static and
 * never changing, or NULL for a number the system does not know. glibc's
 * strerrordesc_np (no shared buffer); strerror elsewhere, whose text for a
 * known number is static on macOS and per thread on Windows. */
const char *sp_os_errno_text(int e);

/* Gives the heap's free pages back to the system (glibc's malloc_trim:
 * memory freed by worker threads stays in their arenas otherwise, and
 * counts as resident). Call after a phase that freed a lot. A no-op where
 * the C library has no such call. */
void sp_os_heap_trim(void);

#endif
