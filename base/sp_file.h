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
 * fsync, rename). The file's mode is 0666 less the umask, as for any new
 * file (a PNG or JSON the user shares, like the MP4s). Returns 0, or the
 * failing call's errno negated (-EACCES, -ENOSPC, -EISDIR ...; sp_strerror()
 * says it), or SP_ENOMEM. */
int sp_write_file_atomic(const char *path, const void *data, size_t len);

#endif
