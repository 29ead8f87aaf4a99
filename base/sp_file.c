#define _POSIX_C_SOURCE 200809L
#include "base/sp_file.h"

#include "base/sp_error.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int sp_read_file(const char *path, size_t max_bytes, char **out, size_t *out_len)
{
    *out = NULL;
    if (out_len)
        *out_len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? SP_ENOENT : SP_EIO;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return SP_EIO;
    }
    if ((unsigned long long)st.st_size > max_bytes) {
        close(fd);
        return SP_ELIMIT;
    }
    size_t size = (size_t)st.st_size;
    char *buf = malloc(size + 1);
    if (!buf) {
        close(fd);
        return SP_ENOMEM;
    }
    size_t got = 0;
    while (got < size) {
        ssize_t n = read(fd, buf + got, size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break; /* file shrank under us: keep what we have */
        got += (size_t)n;
    }
    close(fd);
    buf[got] = '\0';
    *out = buf;
    if (out_len)
        *out_len = got;
    return 0;
}

/* Opens a new temp file next to path, mode 0666 & ~umask (mkstemp would
 * make it 0600). Returns the fd, or -errno. */
static int open_temp(const char *path, char *tmp, size_t size)
{
    static unsigned counter; /* names only; a clash is retried */
    for (int tries = 0; tries < 100; tries++) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        unsigned r = (unsigned)ts.tv_nsec ^ ((unsigned)getpid() << 16) ^ (counter++ * 2654435761u);
        snprintf(tmp, size, "%s.tmp%08x", path, r);
        int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd >= 0)
            return fd;
        if (errno != EEXIST)
            return -errno;
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
    const char *p = data;
    size_t left = len;
    int ret = 0;
    while (left) {
        ssize_t n = write(fd, p, left);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            ret = n < 0 ? -errno : -EIO;
            break;
        }
        p += n;
        left -= (size_t)n;
    }
    if (!ret && fsync(fd) != 0)
        ret = -errno;
    if (close(fd) != 0 && !ret)
        ret = -errno;
    if (!ret && rename(tmp, path) != 0)
        ret = -errno;
    if (ret)
        unlink(tmp);
    free(tmp);
    return ret;
}
