/* sp_file.h - small, bounded file helpers. */
#ifndef SP_FILE_H
#define SP_FILE_H

#include <stddef.h>

/* Reads a whole file into a new NUL-terminated buffer (*out, caller frees).
 * Refuses files larger than max_bytes with SP_ELIMIT before allocating.
 * Returns 0, SP_ENOENT, SP_EIO, SP_ELIMIT or SP_ENOMEM; *out is NULL on
 * error. */
int sp_read_file(const char *path, size_t max_bytes, char **out, size_t *out_len);

/* Writes len bytes to path atomically (temp file in the same directory,
 * fsync (F_FULLFSYNC on macOS, FlushFileBuffers on Windows), rename over
 * the old file: base/platform/os_file.h). A reader, or the file after a
 * crash or a kill at any point, sees the old contents or the new, whole;
 * a kill may leave the temp file "<path>.tmpXXXXXXXX" behind. The file's mode is 0666 less the
 * umask, as for any new file (a PNG or JSON the user shares, like the MP4s). Returns 0, or the
 * failing call's errno negated (-EACCES, -ENOSPC, -EISDIR ...; sp_strerror()
 * says it), or SP_ENOMEM. */
int sp_write_file_atomic(const char *path, const void *data, size_t len);

/* For tests only: fn(tmp, opaque) is called by sp_write_file_atomic()
 * after the new contents are durable in the temp file tmp and before the
 * rename makes them the file's (a test kills its process there). NULL
 * removes it. Not thread-safe: set it before any writer runs. */
void sp_file_set_commit_hook(void (*fn)(const char *tmp, void *opaque), void *opaque);

#endif
