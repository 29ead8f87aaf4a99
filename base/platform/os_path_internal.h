/* os_path_internal.h - UTF-8 <-> UTF-16 for the Windows side of the
 * platform layer (base/platform/ only). */
#ifndef SP_OS_PATH_INTERNAL_H
#define SP_OS_PATH_INTERNAL_H

#ifdef _WIN32
#include <wchar.h>

/* path (UTF-8) as a new UTF-16 string (caller frees), or NULL with errno
 * set (EINVAL for invalid UTF-8, ENOMEM). */
wchar_t *sp_os_widen(const char *path);

/* w (UTF-16) as a new UTF-8 string (caller frees), or NULL. */
char *sp_os_narrow(const wchar_t *w);

/* errno for GetLastError()'s code (nearest match; EIO otherwise) */
int sp_os_errno_from_win(unsigned long code);
#endif

#endif
