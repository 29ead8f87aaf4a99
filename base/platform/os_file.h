/* os_file.h - files and folders: the platform layer's file system.
 *
 * Paths are UTF-8 everywhere. Linux and macOS take them as they are;
 * Windows converts them to UTF-16 and calls the wide APIs (_wopen,
 * _wfopen, MoveFileExW, ...), so a Chinese file name works there too
 * (the narrow Windows APIs would read it in the ANSI code page).
 *
 * Descriptors are plain ints: POSIX descriptors, or the C runtime's on
 * Windows (opened in binary mode). Every descriptor is close-on-exec /
 * not inherited, so a child process never holds our files open.
 *
 * Errors are negated errno values (-ENOENT, -EACCES, -ENOSPC, ...;
 * sp_strerror() says them); Windows errors are mapped to the nearest
 * errno. Nothing here logs.
 */
#ifndef SP_OS_FILE_H
#define SP_OS_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* sp_os_open() flags: exactly one of RDONLY/WRONLY/RDWR, any of the rest */
enum {
    SP_OS_RDONLY = 0,
    SP_OS_WRONLY = 1,
    SP_OS_RDWR = 2,
    SP_OS_CREAT = 4, /* create if missing, mode 0666 or 0600 (SP_OS_PRIVATE), less the umask */
    SP_OS_EXCL = 8,  /* with CREAT: fail with -EEXIST if it exists */
    SP_OS_TRUNC = 16,
    SP_OS_PRIVATE = 32, /* with CREAT: readable by the owner only (0600) */
};

/* Opens path (UTF-8). Returns a descriptor >= 0, or a negative errno. */
int sp_os_open(const char *path, int flags);

/* Closes fd (nothing for fd < 0). Returns 0 or a negative errno: after a
 * failed close the data may not be on disk. */
int sp_os_close(int fd);

/* One read / write at the file position or at offset off (bytes). Returns
 * the byte count (0 = end of file for reads), or a negative errno; EINTR is
 * retried here. */
int64_t sp_os_read(int fd, void *buf, size_t len);
int64_t sp_os_write(int fd, const void *buf, size_t len);
int64_t sp_os_pread(int fd, void *buf, size_t len, int64_t off);
int64_t sp_os_pwrite(int fd, const void *buf, size_t len, int64_t off);

/* Writes all len bytes (looping over short writes). 0 or a negative
 * errno (-EIO for a write that wrote nothing). */
int sp_os_write_all(int fd, const void *buf, size_t len);

/* Sets the file's length in bytes. 0 or a negative errno. */
int sp_os_truncate(int fd, int64_t len);

/* Makes the file's data and metadata durable: fsync on Linux,
 * fcntl(F_FULLFSYNC) on macOS (its fsync stops at the drive's cache),
 * FlushFileBuffers on Windows. 0 or a negative errno. */
int sp_os_fsync(int fd);

/* As sp_os_fsync() but may skip metadata that reading the data back does
 * not need (fdatasync on Linux; the full flush elsewhere). */
int sp_os_fdatasync(int fd);

/* Hints that bytes [off, off + len) may be written back now, without
 * waiting (sync_file_range(SYNC_FILE_RANGE_WRITE) on Linux), so that a
 * later sp_os_fdatasync() has less to do. Nothing where the OS has no such
 * call; never fails. */
void sp_os_writeback_hint(int fd, int64_t off, int64_t len);

/* What a path or descriptor is: a regular file or a folder, its size in
 * bytes and its modification time since the Unix epoch, in µs and, to
 * tell two writes within a µs apart (a change stamp), in ns (100 ns steps
 * on Windows). */
struct sp_os_stat {
    bool is_file;
    bool is_dir;
    int64_t size;
    int64_t mtime_us;
    int64_t mtime_ns;
};
int sp_os_stat(const char *path, struct sp_os_stat *st);
int sp_os_fstat(int fd, struct sp_os_stat *st);

/* Renames from over to, replacing to if it exists, atomically where the
 * file system can (POSIX rename; MoveFileExW with MOVEFILE_REPLACE_EXISTING
 * on Windows, whose rename() refuses an existing target). 0 or a negative
 * errno. */
int sp_os_rename_over(const char *from, const char *to);

/* Whether the open fd is still the file at path (not removed or replaced
 * since it was opened): same inode and device on POSIX. */
bool sp_os_fd_is_path(int fd, const char *path);

/* Sets path's modification time to now (utimensat; SetFileTime on
 * Windows). 0 or a negative errno. */
int sp_os_touch(const char *path);

/* Removes a file / an empty folder. 0 or a negative errno. */
int sp_os_unlink(const char *path);
int sp_os_rmdir(const char *path);

/* Makes one folder, readable by the owner only (0700 on POSIX). 0, or a
 * negative errno (-EEXIST when something is there already). */
int sp_os_mkdir(const char *path);

/* Makes path and every missing parent folder (0700); an existing folder is
 * fine. 0, SP_EINVAL for an empty or over-long path, or SP_EIO. */
int sp_os_mkdir_p(const char *path);

/* Makes a new, empty, private folder "<parent>/<prefix>XXXXXX" and
 * returns its path (malloc'd, caller frees) in *out. 0 or a negative errno
 * (SP_ENOMEM). */
int sp_os_mkdtemp(const char *parent, const char *prefix, char **out);

/* fopen() with a UTF-8 path (_wfopen on Windows), mode as for fopen; "b"
 * is implied on Windows. NULL and errno set on failure. */
FILE *sp_os_fopen(const char *path, const char *mode);

/* Reading a folder: names one at a time, "." and ".." left out. */
struct sp_os_dir;
/* 0 and *out, or a negative errno. */
int sp_os_dir_open(const char *path, struct sp_os_dir **out);
/* The next name (UTF-8; valid until the next call or close), or NULL at
 * the end. */
const char *sp_os_dir_next(struct sp_os_dir *d);
/* Closes *d and sets it to NULL; NULL or *d NULL is a no-op. */
void sp_os_dir_close(struct sp_os_dir **d);

/* Advisory lock on the whole file behind fd: flock() on Linux and macOS,
 * LockFileEx() on Windows (where it is mandatory: other processes cannot
 * read locked bytes). exclusive: one writer, else shared readers. wait:
 * block until granted, else return -EWOULDBLOCK at once when held. The
 * lock goes with the descriptor: closing it (or the process dying)
 * releases it. 0 or a negative errno. */
int sp_file_lock(int fd, bool exclusive, bool wait);
int sp_file_unlock(int fd);

/* Whether fd is a terminal (a console on Windows). */
bool sp_os_isatty(int fd);

/* The process id, for names that must differ between processes. */
long sp_os_getpid(void);

/* The current directory (UTF-8) into buf. 0, SP_ELIMIT when it does not
 * fit, or a negative errno. */
int sp_os_getcwd(char *buf, size_t size);

/* Fills buf with len bytes from the OS's cryptographic random source
 * (/dev/urandom on Linux and macOS, BCryptGenRandom on Windows). 0 or
 * SP_EIO. */
int sp_os_random(void *buf, size_t len);

/* Whether something exists at path / whether the user may read the file
 * at path (access(F_OK / R_OK); _waccess on Windows). */
bool sp_os_exists(const char *path);
bool sp_os_readable(const char *path);

/* A new anonymous temporary file open for reading and writing, removed
 * when closed (fclose) or when the process ends; NULL with errno on
 * failure. tmpfile() on POSIX; on Windows a file in GetTempPathW()'s
 * folder opened with "w+bTD" (msvcrt's tmpfile() writes to the root of the
 * drive, which a user may not). Safe on several threads at once. */
FILE *sp_os_tmpfile(void);

#endif
