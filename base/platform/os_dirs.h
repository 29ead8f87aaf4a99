/* os_dirs.h - where sigplay keeps its files on each OS, and memory tuning.
 *
 *             cache                         config                          temp
 *   Linux     $XDG_CACHE_HOME or ~/.cache   $XDG_CONFIG_HOME or ~/.config   $TMPDIR or /tmp
 *   macOS     ~/Library/Caches              ~/Library/Application Support   $TMPDIR or /tmp
 *   Windows   %LOCALAPPDATA%                %APPDATA%                       GetTempPathW
 *
 * each followed by "/sigplay" for the cache and config folders. XDG
 * variables count only when they hold an absolute path (the spec says a
 * relative one is to be ignored). Windows values are read through the
 * wide environment, so a user name in Chinese comes back as UTF-8.
 */
#ifndef SP_OS_DIRS_H
#define SP_OS_DIRS_H

#include <stddef.h>

/* sigplay's cache folder ("<cache>/sigplay", not created) into buf.
 * 0, SP_ENOENT when the environment names no home, SP_ELIMIT when buf
 * (size bytes) is too small. */
int sp_os_cache_dir(char *buf, size_t size);

/* sigplay's configuration folder ("<config>/sigplay", not created): as
 * sp_os_cache_dir(). */
int sp_os_config_dir(char *buf, size_t size);

/* The folder for temporary files (no "/sigplay"), without a trailing
 * separator. 0 or SP_ELIMIT. */
int sp_os_temp_dir(char *buf, size_t size);

/* Process-wide allocator tuning, called once at start by main(): on glibc
 * blocks of 128 KiB and more are mapped and given back to the OS on free
 * (mallopt M_MMAP_THRESHOLD) unless the user set MALLOC_MMAP_THRESHOLD_;
 * nothing on other C libraries, whose allocators return memory on their
 * own. */
void sp_os_tune_malloc(void);

#endif
