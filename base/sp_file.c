#include "base/sp_file.h"

#include "base/platform/os_file.h"
#include "base/platform/os_time.h"
#include "base/sp_error.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int sp_read_file(const char *path, size_t max_bytes, char **out, size_t *out_len)
{
    *out = NULL;
    if (out_len)
        *out_len = 0;
    int fd = sp_os_open(path, SP_OS_RDONLY);
    if (fd < 0)
        return fd == -ENOENT ? SP_ENOENT : SP_EIO;
    struct sp_os_stat st;
    if (sp_os_fstat(fd, &st) != 0 || !st.is_file) {
        sp_os_close(fd);
        return SP_EIO;
    }
    if ((unsigned long long)st.size > max_bytes) {
        sp_os_close(fd);
        return SP_ELIMIT;
    }
    size_t size = (size_t)st.size;
    char *buf = malloc(size + 1);
    if (!buf) {
        sp_os_close(fd);
        return SP_ENOMEM;
    }
    size_t got = 0;
    while (got < size) {
        int64_t n = sp_os_read(fd, buf + got, size - got);
        if (n <= 0)
            break; /* file shrank under us: keep what we have */
        got += (size_t)n;
    }
    sp_os_close(fd);
    buf[got] = '\0';
    *out = buf;
    if (out_len)
        *out_len = got;
    return 0;
}

/* the test hook (sp_file.h); written before any thread starts */
static void (*commit_hook)(const char *tmp, void *opaque);
static void *commit_hook_opaque;

void sp_file_set_commit_hook(void (*fn)(const char *tmp, void *opaque), void *opaque)
{
    commit_hook = fn;
    commit_hook_opaque = opaque;
}

/* Opens a new temp file next to path, mode 0666 & ~umask (mkstemp would
 * make it 0600). Returns the fd, or -errno. */
static int open_temp(const char *path, char *tmp, size_t size)
{
    /* names only; a clash is retried. Atomic: verify --jobs writes from
     * several threads at once. */
    static atomic_uint counter;
    for (int tries = 0; tries < 100; tries++) {
        unsigned r = (unsigned)sp_os_wall_us() ^ ((unsigned)sp_os_getpid() << 16) ^
                     (atomic_fetch_add(&counter, 1u) * 2654435761u);
        snprintf(tmp, size, "%s.tmp%08x", path, r);
        int fd = sp_os_open(tmp, SP_OS_WRONLY | SP_OS_CREAT | SP_OS_EXCL);
        if (fd != -EEXIST)
            return fd;
    }
    return -EEXIST;
}

int sp_write_file_atomic(const char *path, const void *data, size_t len)
{
    size_t plen = strlen(path);
    char *tmp = malloc(plen + 16);
    if (!tmp)
        return SP_ENOMEM;
    int fd = open_temp(path, tmp, plen + 16);
    if (fd < 0) {
        free(tmp);
        return fd;
    }
    int ret = sp_os_write_all(fd, data, len);
    if (!ret)
        ret = sp_os_fsync(fd);
    int cr = sp_os_close(fd);
    if (!ret)
        ret = cr;
    if (!ret && commit_hook)
        commit_hook(tmp, commit_hook_opaque);
    if (!ret)
        ret = sp_os_rename_over(tmp, path);
    if (ret)
        sp_os_unlink(tmp);
    free(tmp);
    return ret;
}
