/* os_file.c - files and folders (os_file.h). The POSIX half serves Linux
 * and macOS; the Windows half takes UTF-8 paths to the wide APIs. */
#if defined(__linux__)
#define _GNU_SOURCE /* sync_file_range(), flock() */
#elif defined(__APPLE__)
#define _DARWIN_C_SOURCE /* F_FULLFSYNC, flock() */
#endif
#include "base/platform/os_file.h"

#include "base/platform/os_path_internal.h"
#include "base/platform/os_time.h"
#include "base/sp_error.h"

#include <errno.h>
#include <stdatomic.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#ifdef _WIN32
#include <direct.h>
#include <fcntl.h>
#include <io.h>
#include <sys/stat.h>
#include <windows.h>
/* after windows.h, which it needs */
#include <bcrypt.h>
#else
#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

/* the longest path mkdir_p copies (bytes); PATH_MAX where the OS has one */
#ifdef PATH_MAX
#define OS_PATH_MAX PATH_MAX
#else
#define OS_PATH_MAX 4096
#endif

int sp_os_write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len) {
        int64_t n = sp_os_write(fd, p, len);
        if (n < 0)
            return (int)n;
        if (n == 0)
            return -EIO;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static bool is_sep(char c)
{
#ifdef _WIN32
    return c == '/' || c == '\\';
#else
    return c == '/';
#endif
}

/* whether tmp[0, i) is a drive ("C:"), which exists and is not made */
static bool is_drive(const char *tmp, size_t i)
{
#ifdef _WIN32
    return i == 2 && tmp[1] == ':';
#else
    (void)tmp;
    (void)i;
    return false;
#endif
}

int sp_os_mkdir_p(const char *path)
{
    char tmp[OS_PATH_MAX];
    size_t len = strlen(path);
    if (len == 0 || len >= sizeof(tmp))
        return SP_EINVAL;
    memcpy(tmp, path, len + 1);
    for (char *p = tmp + 1; *p; p++) {
        if (!is_sep(*p) || is_sep(p[-1]) || is_drive(tmp, (size_t)(p - tmp)))
            continue; /* a root, a drive ("C:/") or a doubled separator */
        char c = *p;
        *p = '\0';
        int rc = sp_os_mkdir(tmp);
        *p = c;
        if (rc && rc != -EEXIST)
            return SP_EIO;
    }
    int rc = sp_os_mkdir(tmp);
    if (rc && rc != -EEXIST)
        return SP_EIO;
    struct sp_os_stat st = {0};
    if (sp_os_stat(tmp, &st) != 0 || !st.is_dir)
        return SP_EIO;
    return 0;
}

int sp_os_mkdtemp(const char *parent, const char *prefix, char **out)
{
    *out = NULL;
    size_t n = strlen(parent) + strlen(prefix) + 16;
    char *p = malloc(n);
    if (!p)
        return SP_ENOMEM;
    /* names only; a clash is retried. Atomic: verify --jobs writes from
     * several threads at once. */
    static atomic_uint counter;
    for (int tries = 0; tries < 100; tries++) {
        unsigned r = (unsigned)sp_os_wall_us() ^ ((unsigned)sp_os_getpid() << 16) ^
                     (atomic_fetch_add(&counter, 1u) * 2654435761u);
        snprintf(p, n, "%s/%s%08x", parent, prefix, r);
        int rc = sp_os_mkdir(p);
        if (!rc) {
            *out = p;
            return 0;
        }
        if (rc != -EEXIST) {
            free(p);
            return rc;
        }
    }
    free(p);
    return -EEXIST;
}

#ifndef _WIN32 /* ------------------------------------------------ POSIX */

struct sp_os_dir {
    DIR *d;
};

int sp_os_open(const char *path, int flags)
{
    int of = O_CLOEXEC;
    switch (flags & 3) {
    case SP_OS_WRONLY:
        of |= O_WRONLY;
        break;
    case SP_OS_RDWR:
        of |= O_RDWR;
        break;
    default:
        of |= O_RDONLY;
    }
    if (flags & SP_OS_CREAT)
        of |= O_CREAT;
    if (flags & SP_OS_EXCL)
        of |= O_EXCL;
    if (flags & SP_OS_TRUNC)
        of |= O_TRUNC;
    int fd = open(path, of, (flags & SP_OS_PRIVATE) ? 0600 : 0666);
    return fd >= 0 ? fd : -errno;
}

int sp_os_close(int fd)
{
    if (fd < 0)
        return 0;
    return close(fd) == 0 ? 0 : -errno;
}

int64_t sp_os_read(int fd, void *buf, size_t len)
{
    for (;;) {
        ssize_t n = read(fd, buf, len);
        if (n >= 0)
            return n;
        if (errno != EINTR)
            return -errno;
    }
}

int64_t sp_os_write(int fd, const void *buf, size_t len)
{
    for (;;) {
        ssize_t n = write(fd, buf, len);
        if (n >= 0)
            return n;
        if (errno != EINTR)
            return -errno;
    }
}

int64_t sp_os_pread(int fd, void *buf, size_t len, int64_t off)
{
    for (;;) {
        ssize_t n = pread(fd, buf, len, (off_t)off);
        if (n >= 0)
            return n;
        if (errno != EINTR)
            return -errno;
    }
}

int64_t sp_os_pwrite(int fd, const void *buf, size_t len, int64_t off)
{
    for (;;) {
        ssize_t n = pwrite(fd, buf, len, (off_t)off);
        if (n >= 0)
            return n;
        if (errno != EINTR)
            return -errno;
    }
}

int sp_os_truncate(int fd, int64_t len)
{
    return ftruncate(fd, (off_t)len) == 0 ? 0 : -errno;
}

int sp_os_fsync(int fd)
{
#ifdef __APPLE__
    /* fsync() on macOS leaves the data in the drive's cache */
    if (fcntl(fd, F_FULLFSYNC) == 0)
        return 0;
        /* some file systems (network, FAT) refuse F_FULLFSYNC: the best left */
#endif
    return fsync(fd) == 0 ? 0 : -errno;
}

int sp_os_fdatasync(int fd)
{
#ifdef __linux__
    return fdatasync(fd) == 0 ? 0 : -errno;
#else
    return sp_os_fsync(fd);
#endif
}

void sp_os_writeback_hint(int fd, int64_t off, int64_t len)
{
#ifdef __linux__
    if (len > 0)
        (void)sync_file_range(fd, (off_t)off, (off_t)len, SYNC_FILE_RANGE_WRITE);
#else
    (void)fd;
    (void)off;
    (void)len;
#endif
}

static void fill_stat(const struct stat *s, struct sp_os_stat *st)
{
    st->is_file = S_ISREG(s->st_mode);
    st->is_dir = S_ISDIR(s->st_mode);
    st->size = (int64_t)s->st_size;
#ifdef __APPLE__
    st->mtime_ns = (int64_t)s->st_mtimespec.tv_sec * 1000000000 + s->st_mtimespec.tv_nsec;
#else
    st->mtime_ns = (int64_t)s->st_mtim.tv_sec * 1000000000 + s->st_mtim.tv_nsec;
#endif
    st->mtime_us = st->mtime_ns / 1000;
}

int sp_os_stat(const char *path, struct sp_os_stat *st)
{
    struct stat s;
    if (stat(path, &s) != 0)
        return -errno;
    fill_stat(&s, st);
    return 0;
}

int sp_os_fstat(int fd, struct sp_os_stat *st)
{
    struct stat s;
    if (fstat(fd, &s) != 0)
        return -errno;
    fill_stat(&s, st);
    return 0;
}

int sp_os_rename_over(const char *from, const char *to)
{
    return rename(from, to) == 0 ? 0 : -errno;
}

bool sp_os_fd_is_path(int fd, const char *path)
{
    struct stat a, b;
    return fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_ino == b.st_ino &&
           a.st_dev == b.st_dev;
}

int sp_os_touch(const char *path)
{
    return utimensat(AT_FDCWD, path, NULL, 0) == 0 ? 0 : -errno;
}

int sp_os_unlink(const char *path)
{
    return unlink(path) == 0 ? 0 : -errno;
}

int sp_os_rmdir(const char *path)
{
    return rmdir(path) == 0 ? 0 : -errno;
}

int sp_os_mkdir(const char *path)
{
    return mkdir(path, 0700) == 0 ? 0 : -errno;
}

FILE *sp_os_fopen(const char *path, const char *mode)
{
    /* "e" (O_CLOEXEC) is glibc's; elsewhere fopen's descriptor stays
     * inheritable, which only matters to a process that execs */
    return fopen(path, mode);
}

int sp_os_dir_open(const char *path, struct sp_os_dir **out)
{
    *out = NULL;
    struct sp_os_dir *d = malloc(sizeof(*d));
    if (!d)
        return SP_ENOMEM;
    d->d = opendir(path);
    if (!d->d) {
        int e = errno;
        free(d);
        return -e;
    }
    *out = d;
    return 0;
}

const char *sp_os_dir_next(struct sp_os_dir *d)
{
    struct dirent *de;
    while ((de = readdir(d->d))) {
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
            return de->d_name;
    }
    return NULL;
}

void sp_os_dir_close(struct sp_os_dir **dp)
{
    struct sp_os_dir *d = dp ? *dp : NULL;
    if (!d)
        return;
    closedir(d->d);
    free(d);
    *dp = NULL;
}

int sp_file_lock(int fd, bool exclusive, bool wait)
{
    int op = (exclusive ? LOCK_EX : LOCK_SH) | (wait ? 0 : LOCK_NB);
    for (;;) {
        if (flock(fd, op) == 0)
            return 0;
        if (errno != EINTR)
            return errno == EAGAIN ? -EWOULDBLOCK : -errno;
    }
}

int sp_file_unlock(int fd)
{
    return flock(fd, LOCK_UN) == 0 ? 0 : -errno;
}

bool sp_os_isatty(int fd)
{
    return isatty(fd) == 1;
}

long sp_os_getpid(void)
{
    return (long)getpid();
}

int sp_os_getcwd(char *buf, size_t size)
{
    if (getcwd(buf, size))
        return 0;
    return errno == ERANGE ? SP_ELIMIT : -errno;
}

int sp_os_random(void *buf, size_t len)
{
    FILE *f = fopen("/dev/urandom", "rb");
    if (!f)
        return SP_EIO;
    size_t got = fread(buf, 1, len, f);
    fclose(f);
    return got == len ? 0 : SP_EIO;
}

bool sp_os_exists(const char *path)
{
    return access(path, F_OK) == 0;
}

bool sp_os_readable(const char *path)
{
    return access(path, R_OK) == 0;
}

FILE *sp_os_tmpfile(void)
{
    return tmpfile();
}

#else /* ------------------------------------------------------- Windows */

struct sp_os_dir {
    HANDLE h;
    WIN32_FIND_DATAW fd;
    bool first; /* fd holds an entry not yet returned */
    char *name; /* the last name returned, UTF-8 */
};

static int last_err(void)
{
    return -sp_os_errno_from_win(GetLastError());
}

int sp_os_open(const char *path, int flags)
{
    wchar_t *w = sp_os_widen(path);
    if (!w)
        return -errno;
    /* binary, not inherited by child processes */
    int of = _O_BINARY | _O_NOINHERIT;
    switch (flags & 3) {
    case SP_OS_WRONLY:
        of |= _O_WRONLY;
        break;
    case SP_OS_RDWR:
        of |= _O_RDWR;
        break;
    default:
        of |= _O_RDONLY;
    }
    if (flags & SP_OS_CREAT)
        of |= _O_CREAT;
    if (flags & SP_OS_EXCL)
        of |= _O_EXCL;
    if (flags & SP_OS_TRUNC)
        of |= _O_TRUNC;
    /* Windows has no group/other bits: a file is private to its folder's
     * ACL either way (the user's profile for the cache) */
    int fd = _wopen(w, of, _S_IREAD | _S_IWRITE);
    int e = errno;
    free(w);
    return fd >= 0 ? fd : -e;
}

int sp_os_close(int fd)
{
    if (fd < 0)
        return 0;
    return _close(fd) == 0 ? 0 : -errno;
}

int64_t sp_os_read(int fd, void *buf, size_t len)
{
    unsigned n = len > INT_MAX ? INT_MAX : (unsigned)len;
    int r = _read(fd, buf, n);
    return r >= 0 ? r : -errno;
}

int64_t sp_os_write(int fd, const void *buf, size_t len)
{
    unsigned n = len > INT_MAX ? INT_MAX : (unsigned)len;
    int r = _write(fd, buf, n);
    return r >= 0 ? r : -errno;
}

/* ReadFile/WriteFile at an offset, through OVERLAPPED on a synchronous
 * handle: the file position moves (unlike pread), which callers of the
 * positioned calls never rely on */
int64_t sp_os_pread(int fd, void *buf, size_t len, int64_t off)
{
    HANDLE h = (HANDLE)_get_osfhandle(fd);
    if (h == INVALID_HANDLE_VALUE)
        return -EBADF;
    OVERLAPPED ov = {0};
    ov.Offset = (DWORD)((uint64_t)off & 0xffffffffu);
    ov.OffsetHigh = (DWORD)((uint64_t)off >> 32);
    DWORD got = 0, n = len > 0x7fffffffu ? 0x7fffffffu : (DWORD)len;
    if (!ReadFile(h, buf, n, &got, &ov))
        return GetLastError() == ERROR_HANDLE_EOF ? 0 : last_err();
    return got;
}

int64_t sp_os_pwrite(int fd, const void *buf, size_t len, int64_t off)
{
    HANDLE h = (HANDLE)_get_osfhandle(fd);
    if (h == INVALID_HANDLE_VALUE)
        return -EBADF;
    OVERLAPPED ov = {0};
    ov.Offset = (DWORD)((uint64_t)off & 0xffffffffu);
    ov.OffsetHigh = (DWORD)((uint64_t)off >> 32);
    DWORD put = 0, n = len > 0x7fffffffu ? 0x7fffffffu : (DWORD)len;
    if (!WriteFile(h, buf, n, &put, &ov))
        return last_err();
    return put;
}

int sp_os_truncate(int fd, int64_t len)
{
    errno_t e = _chsize_s(fd, len);
    return e ? -e : 0;
}

int sp_os_fsync(int fd)
{
    HANDLE h = (HANDLE)_get_osfhandle(fd);
    if (h == INVALID_HANDLE_VALUE)
        return -EBADF;
    return FlushFileBuffers(h) ? 0 : last_err();
}

int sp_os_fdatasync(int fd)
{
    return sp_os_fsync(fd);
}

void sp_os_writeback_hint(int fd, int64_t off, int64_t len)
{
    /* Windows writes back lazily on its own and has no range hint */
    (void)fd;
    (void)off;
    (void)len;
}

/* 100 ns since 1601 -> ns since 1970 */
static int64_t filetime_ns(FILETIME ft)
{
    int64_t t = (int64_t)(((uint64_t)ft.dwHighDateTime << 32) | ft.dwLowDateTime);
    return (t - INT64_C(116444736000000000)) * 100;
}

int sp_os_stat(const char *path, struct sp_os_stat *st)
{
    wchar_t *w = sp_os_widen(path);
    if (!w)
        return -errno;
    WIN32_FILE_ATTRIBUTE_DATA a;
    BOOL ok = GetFileAttributesExW(w, GetFileExInfoStandard, &a);
    free(w);
    if (!ok)
        return last_err();
    st->is_dir = (a.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) != 0;
    st->is_file = !st->is_dir && !(a.dwFileAttributes & FILE_ATTRIBUTE_DEVICE);
    st->size = (int64_t)(((uint64_t)a.nFileSizeHigh << 32) | a.nFileSizeLow);
    st->mtime_ns = filetime_ns(a.ftLastWriteTime);
    st->mtime_us = st->mtime_ns / 1000;
    return 0;
}

bool sp_os_fd_is_path(int fd, const char *path)
{
    /* sp_os_open() does not share delete access: while fd is open, nothing
     * can remove or replace the file at path */
    (void)fd;
    struct sp_os_stat st;
    return sp_os_stat(path, &st) == 0;
}

int sp_os_fstat(int fd, struct sp_os_stat *st)
{
    HANDLE h = (HANDLE)_get_osfhandle(fd);
    if (h == INVALID_HANDLE_VALUE)
        return -EBADF;
    BY_HANDLE_FILE_INFORMATION i;
    if (!GetFileInformationByHandle(h, &i))
        return last_err();
    st->is_dir = (i.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) != 0;
    st->is_file = !st->is_dir && GetFileType(h) == FILE_TYPE_DISK;
    st->size = (int64_t)(((uint64_t)i.nFileSizeHigh << 32) | i.nFileSizeLow);
    st->mtime_ns = filetime_ns(i.ftLastWriteTime);
    st->mtime_us = st->mtime_ns / 1000;
    return 0;
}

int sp_os_rename_over(const char *from, const char *to)
{
    wchar_t *wf = sp_os_widen(from), *wt = wf ? sp_os_widen(to) : NULL;
    int rc = 0;
    if (!wt)
        rc = -errno;
    else if (!MoveFileExW(wf, wt, MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH))
        rc = last_err();
    free(wf);
    free(wt);
    return rc;
}

int sp_os_touch(const char *path)
{
    wchar_t *w = sp_os_widen(path);
    if (!w)
        return -errno;
    HANDLE h = CreateFileW(w, FILE_WRITE_ATTRIBUTES,
                           FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                           OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS, NULL);
    free(w);
    if (h == INVALID_HANDLE_VALUE)
        return last_err();
    FILETIME now;
    GetSystemTimeAsFileTime(&now);
    int rc = SetFileTime(h, NULL, NULL, &now) ? 0 : last_err();
    CloseHandle(h);
    return rc;
}

/* The C runtime's wide twins of unlink, rmdir and mkdir share one shape:
 * widen the UTF-8 path, call, free, and turn -1 + errno into -errno. */
static int wide_path_call(const char *path, int (*call)(const wchar_t *))
{
    wchar_t *w = sp_os_widen(path);
    if (!w)
        return -errno;
    int rc = call(w) == 0 ? 0 : -errno;
    free(w);
    return rc;
}

int sp_os_unlink(const char *path)
{
    return wide_path_call(path, _wunlink);
}

int sp_os_rmdir(const char *path)
{
    return wide_path_call(path, _wrmdir);
}

int sp_os_mkdir(const char *path)
{
    return wide_path_call(path, _wmkdir);
}

FILE *sp_os_fopen(const char *path, const char *mode)
{
    wchar_t *w = sp_os_widen(path);
    if (!w)
        return NULL;
    wchar_t wm[8];
    size_t i = 0;
    for (; mode[i] && i < 5; i++)
        wm[i] = (wchar_t)(unsigned char)mode[i];
    if (!strchr(mode, 'b'))
        wm[i++] = L'b'; /* no CRLF translation: our files are bytes */
    wm[i++] = L'N';     /* not inherited by child processes */
    wm[i] = 0;
    FILE *f = _wfopen(w, wm);
    int e = errno;
    free(w);
    errno = e;
    return f;
}

int sp_os_dir_open(const char *path, struct sp_os_dir **out)
{
    *out = NULL;
    size_t n = strlen(path);
    char *pat = malloc(n + 3);
    if (!pat)
        return SP_ENOMEM;
    memcpy(pat, path, n);
    memcpy(pat + n, "/*", 3);
    wchar_t *w = sp_os_widen(pat);
    free(pat);
    if (!w)
        return -errno;
    struct sp_os_dir *d = calloc(1, sizeof(*d));
    if (!d) {
        free(w);
        return SP_ENOMEM;
    }
    d->h = FindFirstFileW(w, &d->fd);
    free(w);
    if (d->h == INVALID_HANDLE_VALUE) {
        int rc = GetLastError() == ERROR_FILE_NOT_FOUND ? 0 : last_err();
        if (rc) {
            free(d);
            return rc;
        }
    } else {
        d->first = true;
    }
    *out = d;
    return 0;
}

const char *sp_os_dir_next(struct sp_os_dir *d)
{
    if (d->h == INVALID_HANDLE_VALUE)
        return NULL;
    for (;;) {
        if (!d->first && !FindNextFileW(d->h, &d->fd))
            return NULL;
        d->first = false;
        const wchar_t *n = d->fd.cFileName;
        if (!wcscmp(n, L".") || !wcscmp(n, L".."))
            continue;
        free(d->name);
        d->name = sp_os_narrow(n);
        if (d->name)
            return d->name;
    }
}

void sp_os_dir_close(struct sp_os_dir **dp)
{
    struct sp_os_dir *d = dp ? *dp : NULL;
    if (!d)
        return;
    if (d->h != INVALID_HANDLE_VALUE)
        FindClose(d->h);
    free(d->name);
    free(d);
    *dp = NULL;
}

int sp_file_lock(int fd, bool exclusive, bool wait)
{
    HANDLE h = (HANDLE)_get_osfhandle(fd);
    if (h == INVALID_HANDLE_VALUE)
        return -EBADF;
    DWORD fl = (exclusive ? LOCKFILE_EXCLUSIVE_LOCK : 0) | (wait ? 0 : LOCKFILE_FAIL_IMMEDIATELY);
    OVERLAPPED ov = {0};
    /* the whole file, however long it grows: all 2^64 bytes from 0 */
    if (LockFileEx(h, fl, 0, MAXDWORD, MAXDWORD, &ov))
        return 0;
    return GetLastError() == ERROR_LOCK_VIOLATION ? -EWOULDBLOCK : last_err();
}

int sp_file_unlock(int fd)
{
    HANDLE h = (HANDLE)_get_osfhandle(fd);
    if (h == INVALID_HANDLE_VALUE)
        return -EBADF;
    OVERLAPPED ov = {0};
    return UnlockFileEx(h, 0, MAXDWORD, MAXDWORD, &ov) ? 0 : last_err();
}

bool sp_os_isatty(int fd)
{
    return _isatty(fd) != 0;
}

long sp_os_getpid(void)
{
    return (long)GetCurrentProcessId();
}

int sp_os_getcwd(char *buf, size_t size)
{
    wchar_t *w = _wgetcwd(NULL, 0);
    if (!w)
        return -errno;
    char *s = sp_os_narrow(w);
    free(w);
    if (!s)
        return SP_ENOMEM;
    size_t n = strlen(s);
    int rc = n < size ? 0 : SP_ELIMIT;
    if (!rc)
        memcpy(buf, s, n + 1);
    free(s);
    return rc;
}

static bool waccess_ok(const char *path, int mode)
{
    wchar_t *w = sp_os_widen(path);
    if (!w)
        return false;
    bool ok = _waccess(w, mode) == 0;
    free(w);
    return ok;
}

int sp_os_random(void *buf, size_t len)
{
    if (len > ULONG_MAX)
        return SP_EIO;
    NTSTATUS st = BCryptGenRandom(NULL, buf, (ULONG)len, BCRYPT_USE_SYSTEM_PREFERRED_RNG);
    return st >= 0 ? 0 : SP_EIO; /* NT_SUCCESS: a non-negative status */
}

bool sp_os_exists(const char *path)
{
    return waccess_ok(path, 0);
}

bool sp_os_readable(const char *path)
{
    return waccess_ok(path, 4);
}

FILE *sp_os_tmpfile(void)
{
    wchar_t dir[MAX_PATH + 1], name[MAX_PATH + 1];
    DWORD n = GetTempPathW(MAX_PATH + 1, dir);
    if (n == 0 || n > MAX_PATH || !GetTempFileNameW(dir, L"spv", 0, name)) {
        errno = sp_os_errno_from_win(GetLastError());
        return NULL;
    }
    /* T: keep it in the cache if it fits; D: deleted when closed */
    FILE *f = _wfopen(name, L"w+bTD");
    if (!f)
        DeleteFileW(name);
    return f;
}

#endif
