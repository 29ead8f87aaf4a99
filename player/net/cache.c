/* cache.c - the resumable disk cache (see cache.h for layout and promises). */
#include "player/net/cache.h"

#include "base/platform/os_time.h"
#include "base/platform/os_file.h"
#include "base/platform/os_dirs.h"
#include "base/log.h"
#include "base/json_util.h"
#include "base/sp_error.h"
#include "base/sp_file.h"

#include <cjson/cJSON.h>
#include <libavutil/crc.h>
#include <libavutil/mem.h>
#include <libavutil/sha.h>

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static struct sp_log lg = SP_LOG_INIT("cache");

/* A sidecar is small; anything bigger is not ours. */
#define SIDECAR_MAX_BYTES (64 * 1024)
/* How often a process waiting for an entry another process holds checks
 * again, and how long it waits without seeing that process write before
 * it gives up, microseconds. */
#define LOCK_POLL_US (20 * 1000)
#define LOCK_STALL_US (30 * 1000000ll)

struct range {
    int64_t start, end; /* [start, end) */
};

struct cache_entry {
    struct cache *c;
    struct cache_entry *next; /* c->open list, guarded by c->lock */
    int refs;                 /* guarded by c->lock */
    char key[65];
    char *url;

    pthread_mutex_t lock; /* guards everything below */
    pthread_cond_t cond;  /* signalled on every write, reset and wake */
    int fd;               /* .part (read/write) or .data (read), -1 if none yet */
    /* <key>.lock, held with an exclusive advisory lock while the entry is
     * open in this process, so that no other process writes it meanwhile;
     * -1 for a complete entry shared read-only with the process that holds
     * the lock (writes are then refused) */
    int lock_fd;
    bool complete;
    /* the length was disproven in this process (cache_entry_set_unproven()):
     * the bytes are checkpointed, but the entry is never completed */
    bool unproven;
    int64_t length; /* -1 unknown */
    char etag[CACHE_MAX_VALIDATOR];
    char last_modified[CACHE_MAX_VALIDATOR];
    struct range ranges[CACHE_MAX_RANGES]; /* sorted, disjoint, non-adjacent */
    size_t nranges;
    unsigned gen;
    bool dirty;               /* ranges changed since the last sidecar write */
    int64_t wb_start, wb_end; /* written bytes whose writeback is not started yet */
    /* A document (cache_entry_hold_in_memory()): new bytes go to mem, not
     * to a .part file, and reach the disk once, complete, with a checksum
     * instead of an fsync. */
    bool in_memory;
    size_t mem_max;     /* most bytes mem may hold */
    unsigned char *mem; /* the bytes received, at their offsets; NULL none */
    size_t mem_cap;     /* bytes mem may hold (allocated: one more, for a NUL) */
    bool has_crc;       /* the sidecar records crc (entries written from memory) */
    uint32_t crc;       /* CRC-32 (IEEE) of the whole .data file */
    /* cache_entry_open_no_store() made it: a document held in memory
     * only, in no list and no file (lock_fd -1, but writes are accepted) */
    bool scratch;
};

struct cache {
    char *dir;
    uint64_t cap;
    bool temporary;
    pthread_mutex_t lock;
    struct cache_entry *open;
};

void cache_key(const char *url, char out[65])
{
    struct AVSHA *sha = av_sha_alloc();
    uint8_t digest[32];
    memset(digest, 0, sizeof(digest));
    if (sha && av_sha_init(sha, 256) == 0) {
        av_sha_update(sha, (const uint8_t *)url, strlen(url));
        av_sha_final(sha, digest);
    }
    av_free(sha);
    for (int i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", digest[i]);
    out[64] = '\0';
}

int cache_default_dir(char *buf, size_t size)
{
    return sp_os_cache_dir(buf, size);
}

int cache_open(const char *dir, uint64_t cap_bytes, bool temporary, struct cache **out)
{
    *out = NULL;
    struct cache *c = calloc(1, sizeof(*c));
    if (!c)
        return SP_ENOMEM;
    int ret = 0;
    if (temporary) {
        char tmpdir[PATH_MAX];
        if (sp_os_temp_dir(tmpdir, sizeof(tmpdir)) ||
            sp_os_mkdtemp(tmpdir, "sigplay-nocache-", &c->dir)) {
            free(c);
            return SP_EIO;
        }
    } else {
        if (!dir || !dir[0]) {
            free(c);
            return SP_EINVAL;
        }
        ret = sp_os_mkdir_p(dir);
        if (ret) {
            free(c);
            return ret;
        }
        c->dir = strdup(dir);
    }
    if (!c->dir) {
        free(c);
        return SP_ENOMEM;
    }
    c->cap = cap_bytes ? cap_bytes : CACHE_DEFAULT_CAP;
    c->temporary = temporary;
    pthread_mutex_init(&c->lock, NULL);
    *out = c;
    return 0;
}

static int entry_file(const struct cache *c, const char *key, const char *ext, char *buf,
                      size_t size)
{
    int n = snprintf(buf, size, "%s/%s.%s", c->dir, key, ext);
    return n < 0 || (size_t)n >= size ? SP_ELIMIT : 0;
}

/* Takes the exclusive advisory lock on the lock file at path (created if
 * missing), without waiting. Returns the open descriptor that holds it,
 * SP_EAGAIN when another process holds it, or SP_EIO. A lock file that was
 * removed (evicted) between the open and the lock is not the entry's any
 * more, so the lock is taken again on the new one. The only file lock in
 * the cache: one function, so that it can move to the platform layer. */
static int file_lock_try(const char *path)
{
    for (int attempt = 0; attempt < 8; attempt++) {
        int fd = sp_os_open(path, SP_OS_RDWR | SP_OS_CREAT | SP_OS_PRIVATE);
        if (fd < 0)
            return SP_EIO;
        int lr = sp_file_lock(fd, true, false);
        if (lr != 0) {
            sp_os_close(fd);
            return lr == -EWOULDBLOCK ? SP_EAGAIN : SP_EIO;
        }
        if (sp_os_fd_is_path(fd, path))
            return fd;
        sp_os_close(fd); /* unlinked under us: lock the file now at path */
    }
    return SP_EIO;
}

/* Releases a lock file_lock_try() took (closing its descriptor does). */
static void file_unlock_close(int fd)
{
    sp_os_close(fd);
}

/* A stamp of what the holder of an entry has written (sizes and times of
 * its sidecar and .part), to tell a working holder from a stuck one. */
static uint64_t entry_activity(const struct cache *c, const char *key)
{
    char path[PATH_MAX];
    uint64_t stamp = 0; /* a hash: unsigned, so it wraps instead of overflowing */
    static const char *const exts[] = {"json", "part", "data"};
    for (int i = 0; i < 3; i++) {
        struct sp_os_stat st;
        if (!entry_file(c, key, exts[i], path, sizeof(path)) && sp_os_stat(path, &st) == 0)
            stamp = stamp * 31 + (uint64_t)st.size * 7 + (uint64_t)st.mtime_ns;
    }
    return stamp;
}

static void remove_dir_files(const char *dir)
{
    struct sp_os_dir *d = NULL;
    if (sp_os_dir_open(dir, &d))
        return;
    const char *name;
    char path[PATH_MAX];
    while ((name = sp_os_dir_next(d))) {
        if (name[0] == '.')
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, name);
        sp_os_unlink(path);
    }
    sp_os_dir_close(&d);
}

void cache_close(struct cache **pc)
{
    if (!pc || !*pc)
        return;
    struct cache *c = *pc;
    if (c->open)
        SP_WARN(&lg, "cache closed with entries still open");
    if (c->temporary) {
        remove_dir_files(c->dir);
        sp_os_rmdir(c->dir);
    }
    pthread_mutex_destroy(&c->lock);
    free(c->dir);
    free(c);
    *pc = NULL;
}

const char *cache_dir(const struct cache *c)
{
    return c->dir;
}

/* ---- ranges (entry lock held) --------------------------------------------- */

static void ranges_add(struct cache_entry *e, int64_t start, int64_t end)
{
    if (end <= start)
        return;
    size_t i = 0;
    while (i < e->nranges && e->ranges[i].end < start)
        i++;
    /* ranges[i] is the first that touches or follows [start,end) */
    size_t j = i;
    while (j < e->nranges && e->ranges[j].start <= end) {
        if (e->ranges[j].start < start)
            start = e->ranges[j].start;
        if (e->ranges[j].end > end)
            end = e->ranges[j].end;
        j++;
    }
    /* replace ranges[i, j) by one */
    if (j == i) {
        if (e->nranges == CACHE_MAX_RANGES) {
            /* Forget the smallest range so the new one fits; its bytes are
             * simply fetched again if needed. */
            size_t small = 0;
            for (size_t k = 1; k < e->nranges; k++)
                if (e->ranges[k].end - e->ranges[k].start <
                    e->ranges[small].end - e->ranges[small].start)
                    small = k;
            memmove(&e->ranges[small], &e->ranges[small + 1],
                    (e->nranges - small - 1) * sizeof(e->ranges[0]));
            e->nranges--;
            if (small < i)
                i--;
        }
        memmove(&e->ranges[i + 1], &e->ranges[i], (e->nranges - i) * sizeof(e->ranges[0]));
        e->nranges++;
    } else if (j > i + 1) {
        memmove(&e->ranges[i + 1], &e->ranges[j], (e->nranges - j) * sizeof(e->ranges[0]));
        e->nranges -= j - i - 1;
    }
    e->ranges[i].start = start;
    e->ranges[i].end = end;
}

static int64_t ranges_have(const struct cache_entry *e)
{
    int64_t n = 0;
    for (size_t i = 0; i < e->nranges; i++)
        n += e->ranges[i].end - e->ranges[i].start;
    return n;
}

static bool ranges_cover_all(const struct cache_entry *e)
{
    if (e->length < 0)
        return false;
    if (e->length == 0)
        return true;
    return e->nranges == 1 && e->ranges[0].start == 0 && e->ranges[0].end == e->length;
}

/* ---- sidecar -------------------------------------------------------------- */

/* CRC-32 (IEEE) of len bytes, continuing from crc (0 to start): the value
 * zlib's crc32() and `python3 -c 'import zlib'` give, so that a sidecar can
 * be checked by hand. av_crc() leaves out the pre- and post-inversion. */
static uint32_t crc32_update(uint32_t crc, const void *data, size_t len)
{
    return ~av_crc(av_crc_get_table(AV_CRC_32_IEEE_LE), ~crc, data, len);
}

/* Writes len bytes to path (created or truncated), without fsync.
 * Returns 0 or SP_EIO. */
static int write_direct(const char *path, const void *data, size_t len)
{
    int fd = sp_os_open(path, SP_OS_WRONLY | SP_OS_CREAT | SP_OS_TRUNC | SP_OS_PRIVATE);
    if (fd < 0)
        return SP_EIO;
    int ret = sp_os_write_all(fd, data, len) ? SP_EIO : 0;
    if (sp_os_close(fd) != 0)
        ret = SP_EIO;
    return ret;
}

/* write_direct() through a temporary file and a rename: a reader sees the
 * old file or the new one, never a mix, while the machine runs; after a
 * crash the file may be short or zeroed, which the reader must catch (a
 * sidecar that does not parse is dropped). Returns 0 or SP_EIO. */
static int write_replace(const char *path, const void *data, size_t len)
{
    char tmp[PATH_MAX];
    int n = snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    if (n < 0 || (size_t)n >= sizeof(tmp))
        return SP_EIO;
    int ret = write_direct(tmp, data, len);
    if (!ret && sp_os_rename_over(tmp, path) != 0)
        ret = SP_EIO;
    if (ret)
        sp_os_unlink(tmp);
    return ret;
}

static int sidecar_write(struct cache_entry *e)
{
    cJSON *j = cJSON_CreateObject();
    cJSON *rs = cJSON_CreateArray();
    if (!j || !rs) {
        cJSON_Delete(j);
        cJSON_Delete(rs);
        return SP_ENOMEM;
    }
    cJSON_AddNumberToObject(j, "version", 1);
    cJSON_AddStringToObject(j, "url", e->url);
    cJSON_AddNumberToObject(j, "length", (double)e->length);
    cJSON_AddStringToObject(j, "etag", e->etag);
    cJSON_AddStringToObject(j, "last_modified", e->last_modified);
    cJSON_AddBoolToObject(j, "complete", e->complete);
    if (e->complete && e->has_crc)
        cJSON_AddNumberToObject(j, "crc32", (double)e->crc);
    for (size_t i = 0; i < e->nranges; i++) {
        cJSON *r = cJSON_CreateArray();
        if (!r)
            break;
        cJSON_AddItemToArray(r, cJSON_CreateNumber((double)e->ranges[i].start));
        cJSON_AddItemToArray(r, cJSON_CreateNumber((double)e->ranges[i].end));
        cJSON_AddItemToArray(rs, r);
    }
    cJSON_AddItemToObject(j, "ranges", rs);
    char *text = cJSON_PrintUnformatted(j);
    cJSON_Delete(j);
    if (!text)
        return SP_ENOMEM;
    char path[PATH_MAX];
    int ret = entry_file(e->c, e->key, "json", path, sizeof(path));
    /* an entry written from memory is checked by its CRC, not made durable */
    if (!ret)
        ret = e->in_memory ? write_replace(path, text, strlen(text))
                           : sp_write_file_atomic(path, text, strlen(text));
    free(text);
    if (!ret)
        e->dirty = false;
    return ret;
}

static bool json_int(const cJSON *o, const char *name, int64_t *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    if (!cJSON_IsNumber(v) || v->valuedouble < -1 || v->valuedouble > 9e15)
        return false;
    *out = (int64_t)v->valuedouble;
    return true;
}

static void json_str(const cJSON *o, const char *name, char *buf, size_t size)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    buf[0] = '\0';
    if (cJSON_IsString(v) && strlen(v->valuestring) < size)
        strcpy(buf, v->valuestring);
}

static int64_t file_size(const char *path)
{
    struct sp_os_stat st;
    if (sp_os_stat(path, &st) != 0 || !st.is_file)
        return -1;
    return st.size;
}

/* Whether the first length bytes of fd (and no more) have CRC-32 crc. Reads
 * in fixed chunks: nothing is allocated from the recorded length. */
static bool file_crc_matches(int fd, int64_t length, uint32_t crc)
{
    unsigned char buf[64 * 1024];
    uint32_t c = 0;
    int64_t off = 0;
    while (off < length) {
        size_t want = length - off < (int64_t)sizeof(buf) ? (size_t)(length - off) : sizeof(buf);
        int64_t n = sp_os_pread(fd, buf, want, off);
        if (n <= 0)
            return false;
        c = crc32_update(c, buf, (size_t)n);
        off += n;
    }
    return c == crc;
}

/* Loads the sidecar and opens the file it describes; anything inconsistent
 * is thrown away and the entry starts empty. */
static void entry_load(struct cache_entry *e)
{
    char side[PATH_MAX], part[PATH_MAX], data[PATH_MAX];
    if (entry_file(e->c, e->key, "json", side, sizeof(side)) ||
        entry_file(e->c, e->key, "part", part, sizeof(part)) ||
        entry_file(e->c, e->key, "data", data, sizeof(data)))
        return;
    char *text = NULL;
    size_t len = 0;
    cJSON *j = NULL;
    int rr = sp_read_file(side, SIDECAR_MAX_BYTES, &text, &len);
    if (rr == SP_ENOENT)
        return; /* a new entry: its files are written (replaced) when it completes */
    /* a sidecar with a string cut at a NUL is not one we wrote */
    if (rr == 0 && !sp_json_refuse_nul(NULL, DIAG_ERROR, NULL, NULL, text, len, NULL))
        j = cJSON_Parse(text);
    free(text);
    bool ok = false;
    if (j) {
        char url[CACHE_MAX_URL];
        json_str(j, "url", url, sizeof(url));
        const cJSON *complete = cJSON_GetObjectItemCaseSensitive(j, "complete");
        ok = strcmp(url, e->url) == 0 && json_int(j, "length", &e->length);
        json_str(j, "etag", e->etag, sizeof(e->etag));
        json_str(j, "last_modified", e->last_modified, sizeof(e->last_modified));
        const cJSON *crc = cJSON_GetObjectItemCaseSensitive(j, "crc32");
        if (ok && cJSON_IsTrue(complete)) {
            ok = e->length >= 0 && file_size(data) == e->length;
            if (ok) {
                e->fd = sp_os_open(data, SP_OS_RDONLY);
                ok = e->fd >= 0;
            }
            if (ok && crc) {
                /* written without fsync: a crash may have left the file
                 * torn, which only its content shows */
                ok = cJSON_IsNumber(crc) && crc->valuedouble >= 0 &&
                     crc->valuedouble <= 4294967295.0;
                if (ok) {
                    e->has_crc = true;
                    e->crc = (uint32_t)crc->valuedouble;
                    ok = file_crc_matches(e->fd, e->length, e->crc);
                }
                if (!ok)
                    SP_INFO(&lg, "%s: cached copy damaged (length or CRC); fetching it again",
                            e->url);
            }
            if (ok) {
                e->complete = true;
                if (e->length > 0)
                    ranges_add(e, 0, e->length);
            }
        } else if (ok) {
            int64_t psize = file_size(part);
            const cJSON *rs = cJSON_GetObjectItemCaseSensitive(j, "ranges");
            const cJSON *r;
            cJSON_ArrayForEach(r, rs)
            {
                if (cJSON_GetArraySize(r) != 2)
                    continue;
                const cJSON *a = cJSON_GetArrayItem(r, 0), *b = cJSON_GetArrayItem(r, 1);
                if (!cJSON_IsNumber(a) || !cJSON_IsNumber(b))
                    continue;
                /* a damaged sidecar may hold any double: cast only what fits
                 * (9e15, as json_int), so the cast is defined */
                if (!(a->valuedouble >= 0 && a->valuedouble <= 9e15) ||
                    !(b->valuedouble >= 0 && b->valuedouble <= 9e15))
                    continue;
                int64_t s = (int64_t)a->valuedouble, t = (int64_t)b->valuedouble;
                if (s < 0 || t > psize || (e->length >= 0 && t > e->length))
                    continue; /* the sidecar claims bytes the file lacks */
                ranges_add(e, s, t);
            }
            if (psize >= 0) {
                e->fd = sp_os_open(part, SP_OS_RDWR);
                ok = e->fd >= 0;
            }
        }
        cJSON_Delete(j);
    }
    if (!ok) {
        if (e->fd >= 0)
            sp_os_close(e->fd);
        e->fd = -1;
        e->complete = false;
        e->has_crc = false;
        e->length = -1;
        e->etag[0] = e->last_modified[0] = '\0';
        e->nranges = 0;
        sp_os_unlink(side);
        sp_os_unlink(part);
        sp_os_unlink(data);
        return;
    }
    /* Recently used: the sidecar's mtime orders eviction. */
    sp_os_touch(side);
}

/* A new entry for url, not in the open list yet; lock_fd as given. */
static struct cache_entry *entry_new(struct cache *c, const char *url, const char *key, int lock_fd)
{
    struct cache_entry *e = calloc(1, sizeof(*e));
    if (!e || !(e->url = strdup(url))) {
        free(e);
        return NULL;
    }
    e->c = c;
    e->refs = 1;
    memcpy(e->key, key, 65);
    e->fd = -1;
    e->lock_fd = lock_fd;
    e->length = -1;
    pthread_mutex_init(&e->lock, NULL);
    pthread_cond_init(&e->cond, NULL);
    return e;
}

static void entry_free(struct cache_entry *e)
{
    if (e->fd >= 0)
        sp_os_close(e->fd);
    if (e->lock_fd >= 0)
        file_unlock_close(e->lock_fd);
    free(e->mem);
    pthread_cond_destroy(&e->cond);
    pthread_mutex_destroy(&e->lock);
    free(e->url);
    free(e);
}

/* The open entry of url in this process, with one more reference, or
 * NULL (c->lock held). */
static struct cache_entry *find_open(struct cache *c, const char *key, const char *url)
{
    for (struct cache_entry *e = c->open; e; e = e->next) {
        if (!strcmp(e->key, key) && !strcmp(e->url, url)) {
            e->refs++;
            return e;
        }
    }
    return NULL;
}

int cache_entry_open(struct cache *c, const char *url, struct cache_entry **out)
{
    *out = NULL;
    if (strlen(url) >= CACHE_MAX_URL)
        return SP_ELIMIT;
    char key[65], lpath[PATH_MAX];
    cache_key(url, key);
    if (entry_file(c, key, "lock", lpath, sizeof(lpath)))
        return SP_ELIMIT;
    /* Another process holding the entry is waited for (without c->lock,
     * so this process's other entries go on) while it keeps writing; a
     * complete entry is shared with it at once, read-only. */
    uint64_t last_stamp = entry_activity(c, key);
    int64_t last_change_us = sp_os_mono_us();
    for (;;) {
        pthread_mutex_lock(&c->lock);
        struct cache_entry *e = find_open(c, key, url);
        pthread_mutex_unlock(&c->lock);
        if (e) {
            *out = e;
            return 0;
        }
        int lfd = file_lock_try(lpath);
        if (lfd == SP_EIO)
            return SP_EIO;
        struct cache_entry *ne = entry_new(c, url, key, lfd >= 0 ? lfd : -1);
        if (!ne) {
            if (lfd >= 0)
                file_unlock_close(lfd);
            return SP_ENOMEM;
        }
        if (lfd == SP_EAGAIN) {
            /* held elsewhere: usable now only if it is complete */
            entry_load(ne);
            if (!ne->complete) {
                entry_free(ne);
                uint64_t stamp = entry_activity(c, key);
                int64_t now = sp_os_mono_us();
                if (stamp != last_stamp) {
                    last_stamp = stamp;
                    last_change_us = now;
                } else if (now - last_change_us > LOCK_STALL_US) {
                    SP_WARN(&lg, "%s: in use by another process that has not written it for %lld s",
                            url, (long long)(LOCK_STALL_US / 1000000));
                    return SP_EAGAIN;
                }
                sp_os_sleep_us(LOCK_POLL_US);
                continue;
            }
        }
        pthread_mutex_lock(&c->lock);
        e = find_open(c, key, url);
        if (e) {
            /* another thread of this process opened it meanwhile */
            pthread_mutex_unlock(&c->lock);
            entry_free(ne);
            *out = e;
            return 0;
        }
        if (lfd >= 0)
            entry_load(ne); /* under the lock: what the last holder left */
        ne->next = c->open;
        c->open = ne;
        pthread_mutex_unlock(&c->lock);
        *out = ne;
        return 0;
    }
}

static struct cache_entry *scratch_new(struct cache *c, const char *url, const char *key)
{
    /* lock_fd -1: entry_reset_locked() and cache_entry_release() leave
     * the files of this key (another entry's, maybe) alone */
    struct cache_entry *e = entry_new(c, url, key, -1);
    if (e)
        e->scratch = true;
    return e;
}

int cache_entry_open_no_store(struct cache *c, const char *url, struct cache_entry **out)
{
    *out = NULL;
    if (strlen(url) >= CACHE_MAX_URL)
        return SP_ELIMIT;
    char key[65], side[PATH_MAX];
    cache_key(url, key);
    pthread_mutex_lock(&c->lock);
    bool open = false;
    for (struct cache_entry *e = c->open; e && !open; e = e->next)
        open = !strcmp(e->key, key) && !strcmp(e->url, url);
    pthread_mutex_unlock(&c->lock);
    /* Bytes without a sidecar are dropped on opening (entry_load()), so
     * the sidecar alone says whether anything of url is held. */
    struct sp_os_stat st;
    if (open || entry_file(c, key, "json", side, sizeof(side)) || sp_os_stat(side, &st) == 0)
        return cache_entry_open(c, url, out);
    *out = scratch_new(c, url, key);
    return *out ? 0 : SP_ENOMEM;
}

bool cache_entry_is_scratch(struct cache_entry *e)
{
    return e->scratch; /* set before the entry is shared, never changed */
}

int cache_entry_take_memory(struct cache_entry *e, char **data, size_t *len)
{
    pthread_mutex_lock(&e->lock);
    int ret = SP_EINVAL;
    if (e->scratch && e->complete && !e->mem && e->length == 0 && (e->mem = malloc(1)))
        e->mem_cap = 0; /* an empty document: nothing was written */
    if (e->scratch && e->complete && e->mem && e->length >= 0 &&
        (size_t)e->length < e->mem_cap + 1) {
        /* mem_write() allocates one byte past mem_cap for this NUL */
        e->mem[e->length] = '\0';
        *data = (char *)e->mem;
        *len = (size_t)e->length;
        e->mem = NULL;
        e->mem_cap = 0;
        e->complete = false;
        e->nranges = 0;
        ret = 0;
    }
    pthread_mutex_unlock(&e->lock);
    return ret;
}

void cache_entry_release(struct cache_entry **pe)
{
    if (!pe || !*pe)
        return;
    struct cache_entry *e = *pe;
    *pe = NULL;
    struct cache *c = e->c;
    pthread_mutex_lock(&c->lock);
    if (--e->refs > 0) {
        pthread_mutex_unlock(&c->lock);
        return;
    }
    for (struct cache_entry **p = &c->open; *p; p = &(*p)->next) {
        if (*p == e) {
            *p = e->next;
            break;
        }
    }
    pthread_mutex_unlock(&c->lock);
    /* Last reference: persist what we have so a later run can resume. */
    if (e->lock_fd >= 0)
        cache_entry_checkpoint(e);
    entry_free(e);
}

void cache_entry_info(struct cache_entry *e, struct cache_info *out)
{
    pthread_mutex_lock(&e->lock);
    out->length = e->length;
    out->have = ranges_have(e);
    out->complete = e->complete;
    out->gen = e->gen;
    memcpy(out->etag, e->etag, sizeof(out->etag));
    memcpy(out->last_modified, e->last_modified, sizeof(out->last_modified));
    pthread_mutex_unlock(&e->lock);
}

/* Entry lock held. */
static void entry_reset_locked(struct cache_entry *e)
{
    char part[PATH_MAX], data[PATH_MAX];
    if (e->fd >= 0)
        sp_os_close(e->fd);
    e->fd = -1;
    bool shared = e->lock_fd < 0; /* the files are another process's */
    if (!shared && !entry_file(e->c, e->key, "part", part, sizeof(part)))
        sp_os_unlink(part);
    if (!shared && !entry_file(e->c, e->key, "data", data, sizeof(data)))
        sp_os_unlink(data);
    e->complete = false;
    e->unproven = false;
    e->has_crc = false;
    e->nranges = 0;
    e->length = -1;
    e->etag[0] = e->last_modified[0] = '\0';
    e->gen++;
    free(e->mem);
    e->mem = NULL;
    e->mem_cap = 0;
    if (shared) {
        e->dirty = false;
    } else if (e->in_memory) {
        /* nothing of it is on disk any more: no sidecar to keep */
        char side[PATH_MAX];
        if (!entry_file(e->c, e->key, "json", side, sizeof(side)))
            sp_os_unlink(side);
        e->dirty = false;
    } else
        sidecar_write(e);
    pthread_cond_broadcast(&e->cond);
}

unsigned cache_entry_reset(struct cache_entry *e)
{
    pthread_mutex_lock(&e->lock);
    entry_reset_locked(e);
    unsigned g = e->gen;
    pthread_mutex_unlock(&e->lock);
    return g;
}

void cache_entry_set_unproven(struct cache_entry *e)
{
    pthread_mutex_lock(&e->lock);
    e->unproven = true;
    pthread_mutex_unlock(&e->lock);
}

void cache_entry_hold_in_memory(struct cache_entry *e, size_t max_bytes)
{
    pthread_mutex_lock(&e->lock);
    /* A partial file on disk (an older run's, or a download of the same
     * URL running now) stays the durable kind: resetting it would cancel
     * that download and move its bytes into a buffer meant for a page. */
    if (e->complete || (!e->nranges && e->fd < 0)) {
        e->in_memory = true;
        e->mem_max = max_bytes;
    }
    pthread_mutex_unlock(&e->lock);
}

int cache_entry_set_info(struct cache_entry *e, int64_t length, const char *etag,
                         const char *last_modified, unsigned *gen)
{
    etag = etag ? etag : "";
    last_modified = last_modified ? last_modified : "";
    if (strlen(etag) >= CACHE_MAX_VALIDATOR)
        etag = "";
    if (strlen(last_modified) >= CACHE_MAX_VALIDATOR)
        last_modified = "";
    pthread_mutex_lock(&e->lock);
    if (e->lock_fd < 0 && !e->scratch) {
        pthread_mutex_unlock(&e->lock);
        return SP_EAGAIN; /* shared read-only: another process writes it */
    }
    bool changed = false;
    if (e->etag[0] && etag[0])
        changed = strcmp(e->etag, etag) != 0;
    else if (e->last_modified[0] && last_modified[0])
        changed = strcmp(e->last_modified, last_modified) != 0;
    else if (e->etag[0] || e->last_modified[0])
        changed = true; /* stored bytes had a validator, the server gave none */
    if (e->length >= 0 && length >= 0 && e->length != length)
        changed = true;
    int ret = 0;
    if (changed && (e->nranges || e->complete)) {
        SP_INFO(&lg, "%s: changed on the server; dropping cached bytes", e->url);
        entry_reset_locked(e);
    }
    if (length >= 0)
        e->length = length;
    strcpy(e->etag, etag);
    strcpy(e->last_modified, last_modified);
    e->dirty = true;
    *gen = e->gen;
    pthread_mutex_unlock(&e->lock);
    return ret;
}

void cache_entry_set_length(struct cache_entry *e, int64_t length)
{
    pthread_mutex_lock(&e->lock);
    if (!e->complete && length >= 0) {
        size_t n = 0;
        for (size_t i = 0; i < e->nranges; i++) {
            if (e->ranges[i].start >= length)
                continue;
            e->ranges[n] = e->ranges[i];
            if (e->ranges[n].end > length)
                e->ranges[n].end = length;
            n++;
        }
        e->nranges = n;
        e->length = length;
        e->dirty = true;
    }
    pthread_mutex_unlock(&e->lock);
}

/* Entry lock held. */
static int entry_open_part(struct cache_entry *e)
{
    if (e->fd >= 0)
        return 0;
    char part[PATH_MAX];
    if (entry_file(e->c, e->key, "part", part, sizeof(part)))
        return SP_EIO;
    e->fd = sp_os_open(part, SP_OS_RDWR | SP_OS_CREAT | SP_OS_PRIVATE);
    return e->fd >= 0 ? 0 : SP_EIO;
}

/* A checkpoint must fdatasync everything written since the last one; done
 * all at once, that flush stalls the download for as long as the disk takes
 * to write tens of megabytes. Starting the writeback of each few megabytes
 * as they arrive (without waiting for it) leaves the checkpoint little to
 * wait for. Only a hint: the checkpoint still gives the guarantee. */
#define WRITEBACK_CHUNK (4ll << 20)

static void start_writeback(struct cache_entry *e, int64_t from, int64_t to)
{
    if (e->wb_end != e->wb_start && (from != e->wb_end)) {
        e->wb_start = from; /* not contiguous: restart the run */
        e->wb_end = from;
    }
    if (e->wb_end == e->wb_start)
        e->wb_start = from;
    e->wb_end = to;
    if (e->wb_end - e->wb_start < WRITEBACK_CHUNK)
        return;
    sp_os_writeback_hint(e->fd, e->wb_start, e->wb_end - e->wb_start);
    e->wb_start = e->wb_end = to;
}

/* Entry lock held; e->in_memory. The buffer grows to the known length at
 * once (one allocation for a document that said its size), else by
 * doubling; never past mem_max. */
static int mem_write(struct cache_entry *e, int64_t offset, const void *data, size_t len)
{
    if ((uint64_t)offset > e->mem_max || len > e->mem_max - (size_t)offset)
        return SP_ELIMIT;
    if (!len)
        return 0; /* nothing to add (and mem may be NULL yet) */
    size_t need = (size_t)offset + len;
    if (need > e->mem_cap) {
        size_t cap = e->length >= 0 && (uint64_t)e->length <= e->mem_max ? (size_t)e->length : 0;
        if (cap < need) {
            cap = e->mem_cap ? e->mem_cap : 16 * 1024;
            while (cap < need)
                cap = cap > e->mem_max / 2 ? e->mem_max : cap * 2;
            if (cap > e->mem_max)
                cap = e->mem_max; /* need <= mem_max was checked above */
        }
        /* one byte more: the NUL of cache_entry_take_memory() */
        unsigned char *m = realloc(e->mem, cap + 1);
        if (!m)
            return SP_ENOMEM;
        e->mem = m;
        e->mem_cap = cap;
    }
    memcpy(e->mem + offset, data, len);
    ranges_add(e, offset, offset + (int64_t)len);
    e->dirty = true;
    pthread_cond_broadcast(&e->cond);
    return 0;
}

/* Entry lock held; e->in_memory and every byte of e->length is in mem:
 * the one write of a document to disk, .data then the sidecar with its
 * CRC, each through a rename and none fsynced (cache.h says why). */
static int mem_commit(struct cache_entry *e)
{
    char data[PATH_MAX];
    if (entry_file(e->c, e->key, "data", data, sizeof(data)))
        return SP_EIO;
    size_t n = (size_t)e->length;
    /* through a rename, not in place: another process may be reading the
     * old file through its descriptor */
    int ret = write_replace(data, n ? e->mem : (const void *)"", n);
    if (ret)
        return ret;
    e->crc = crc32_update(0, e->mem, n);
    e->has_crc = true;
    e->complete = true;
    ret = sidecar_write(e);
    if (ret) {
        e->complete = false;
        sp_os_unlink(data);
    }
    return ret;
}

int cache_entry_write(struct cache_entry *e, unsigned gen, int64_t offset, const void *data,
                      size_t len)
{
    pthread_mutex_lock(&e->lock);
    int ret = 0;
    if (e->lock_fd < 0 && !e->complete && !e->scratch)
        ret = SP_EAGAIN; /* shared read-only: another process writes it */
    else if (gen != e->gen)
        ret = SP_ECANCELLED;
    else if (offset < 0 || (e->length >= 0 && offset + (int64_t)len > e->length))
        ret = SP_ERANGE;
    else if (e->complete)
        ret = 0; /* every byte is already here */
    else if (e->in_memory)
        ret = mem_write(e, offset, data, len);
    else if ((ret = entry_open_part(e)) == 0) {
        const char *p = data;
        size_t left = len;
        int64_t off = offset;
        while (left) {
            int64_t n = sp_os_pwrite(e->fd, p, left, off);
            if (n <= 0) {
                ret = SP_EIO;
                break;
            }
            p += n;
            off += n;
            left -= (size_t)n;
        }
        ranges_add(e, offset, off);
        e->dirty = true;
        start_writeback(e, offset, off);
        pthread_cond_broadcast(&e->cond);
    }
    pthread_mutex_unlock(&e->lock);
    return ret;
}

int cache_entry_checkpoint(struct cache_entry *e)
{
    pthread_mutex_lock(&e->lock);
    int ret = 0;
    if (e->scratch) {
        /* complete once every byte of a proven length is in; nothing is
         * written anywhere */
        if (!e->complete && ranges_cover_all(e) && !e->unproven)
            e->complete = true;
        pthread_cond_broadcast(&e->cond);
        pthread_mutex_unlock(&e->lock);
        return 0;
    }
    /* a clean entry is still completed when it holds every byte (one an
     * earlier process left whole but could not complete: its length was
     * only corrected at the end, or disproven then) */
    bool whole = ranges_cover_all(e) && !e->unproven;
    if (e->complete || (!e->dirty && !whole) || e->lock_fd < 0) {
        pthread_mutex_unlock(&e->lock);
        return 0;
    }
    if (e->in_memory) {
        /* incomplete: nothing goes to disk (a document is fetched whole
         * again rather than resumed) */
        if (ranges_cover_all(e) && !e->unproven)
            ret = mem_commit(e);
    } else if (ranges_cover_all(e) && !e->unproven && (ret = entry_open_part(e)) == 0) {
        char part[PATH_MAX], data[PATH_MAX];
        if (sp_os_truncate(e->fd, e->length) != 0 || sp_os_fsync(e->fd) != 0 ||
            entry_file(e->c, e->key, "part", part, sizeof(part)) ||
            entry_file(e->c, e->key, "data", data, sizeof(data)) ||
            sp_os_rename_over(part, data) != 0)
            ret = SP_EIO;
        else
            e->complete = true;
    } else if (e->fd >= 0 && sp_os_fdatasync(e->fd) != 0) {
        ret = SP_EIO;
    }
    if (!ret && !e->in_memory)
        ret = sidecar_write(e);
    pthread_cond_broadcast(&e->cond);
    pthread_mutex_unlock(&e->lock);
    if (ret)
        SP_WARN(&lg, "%s: could not save cache state: %s", e->url, sp_strerror(ret));
    return ret;
}

int64_t cache_entry_avail(struct cache_entry *e, int64_t offset)
{
    pthread_mutex_lock(&e->lock);
    int64_t n = 0;
    for (size_t i = 0; i < e->nranges; i++) {
        if (e->ranges[i].start <= offset && offset < e->ranges[i].end) {
            n = e->ranges[i].end - offset;
            break;
        }
    }
    pthread_mutex_unlock(&e->lock);
    return n;
}

int64_t cache_entry_next_gap(struct cache_entry *e, int64_t offset, int64_t *gap_end)
{
    pthread_mutex_lock(&e->lock);
    int64_t at = offset;
    int64_t end = -1;
    size_t i = 0;
    for (; i < e->nranges; i++) {
        if (e->ranges[i].end <= at)
            continue;
        if (e->ranges[i].start <= at) {
            at = e->ranges[i].end;
            continue;
        }
        end = e->ranges[i].start; /* first range after the gap */
        break;
    }
    if (end < 0 && e->length >= 0)
        end = e->length;
    if (e->length >= 0 && at >= e->length)
        at = -1;
    pthread_mutex_unlock(&e->lock);
    if (gap_end)
        *gap_end = at < 0 ? -1 : end;
    return at;
}

int64_t cache_entry_read(struct cache_entry *e, int64_t offset, void *buf, size_t len)
{
    pthread_mutex_lock(&e->lock);
    int64_t avail = 0;
    for (size_t i = 0; i < e->nranges; i++) {
        if (e->ranges[i].start <= offset && offset < e->ranges[i].end) {
            avail = e->ranges[i].end - offset;
            break;
        }
    }
    if ((int64_t)len > avail)
        len = (size_t)avail;
    int64_t got = 0;
    if (e->mem && len) {
        /* held in memory (a document, committed or not) */
        memcpy(buf, e->mem + offset, len);
        got = (int64_t)len;
    }
    while ((size_t)got < len) {
        int64_t n = sp_os_pread(e->fd, (char *)buf + got, len - (size_t)got, offset + got);
        if (n <= 0)
            break;
        got += n;
    }
    pthread_mutex_unlock(&e->lock);
    if (len && got == 0)
        return SP_EIO;
    return got;
}

void cache_entry_wait(struct cache_entry *e, int64_t timeout_us)
{
    struct timespec ts = sp_os_wall_deadline_us(timeout_us);
    pthread_mutex_lock(&e->lock);
    pthread_cond_timedwait(&e->cond, &e->lock, &ts);
    pthread_mutex_unlock(&e->lock);
}

void cache_entry_wake(struct cache_entry *e)
{
    pthread_mutex_lock(&e->lock);
    pthread_cond_broadcast(&e->cond);
    pthread_mutex_unlock(&e->lock);
}

int cache_entry_path(struct cache_entry *e, char *buf, size_t size)
{
    pthread_mutex_lock(&e->lock);
    int ret = entry_file(e->c, e->key, e->complete ? "data" : "part", buf, size);
    pthread_mutex_unlock(&e->lock);
    return ret;
}

/* ---- eviction ------------------------------------------------------------- */

struct victim {
    char key[65];
    time_t used;
    uint64_t bytes;
};

static int victim_cmp(const void *a, const void *b)
{
    const struct victim *x = a, *y = b;
    return x->used < y->used ? -1 : x->used > y->used;
}

static bool key_is_open(struct cache *c, const char *key)
{
    for (struct cache_entry *e = c->open; e; e = e->next)
        if (!strcmp(e->key, key))
            return true;
    return false;
}

static bool is_key(const char *name, size_t len)
{
    if (len != 64)
        return false;
    for (size_t i = 0; i < 64; i++)
        if (!((name[i] >= '0' && name[i] <= '9') || (name[i] >= 'a' && name[i] <= 'f')))
            return false;
    return true;
}

/* Cap on entries looked at per trim, so a huge foreign directory cannot
 * make us allocate without bound. */
#define TRIM_MAX_ENTRIES 100000

uint64_t cache_trim(struct cache *c)
{
    struct sp_os_dir *d = NULL;
    if (sp_os_dir_open(c->dir, &d))
        return 0;
    struct victim *v = NULL;
    size_t nv = 0, cap = 0;
    uint64_t total = 0;
    const char *name;
    char path[PATH_MAX];
    pthread_mutex_lock(&c->lock);
    while ((name = sp_os_dir_next(d)) && nv < TRIM_MAX_ENTRIES) {
        const char *dot = strchr(name, '.');
        if (!dot || !is_key(name, (size_t)(dot - name)) || strcmp(dot, ".json"))
            continue;
        struct victim x;
        memcpy(x.key, name, 64);
        x.key[64] = '\0';
        snprintf(path, sizeof(path), "%s/%s", c->dir, name);
        struct sp_os_stat st;
        if (sp_os_stat(path, &st) != 0)
            continue;
        x.used = (time_t)(st.mtime_us / 1000000);
        x.bytes = (uint64_t)st.size;
        int64_t s;
        if (!entry_file(c, x.key, "data", path, sizeof(path)) && (s = file_size(path)) > 0)
            x.bytes += (uint64_t)s;
        if (!entry_file(c, x.key, "part", path, sizeof(path)) && (s = file_size(path)) > 0)
            x.bytes += (uint64_t)s;
        total += x.bytes;
        if (key_is_open(c, x.key))
            continue;
        if (nv == cap) {
            size_t ncap = cap ? cap * 2 : 64;
            struct victim *nvp = realloc(v, ncap * sizeof(*v));
            if (!nvp)
                break;
            v = nvp;
            cap = ncap;
        }
        v[nv++] = x;
    }
    sp_os_dir_close(&d);
    if (total > c->cap && nv) {
        qsort(v, nv, sizeof(*v), victim_cmp);
        for (size_t i = 0; i < nv && total > c->cap; i++) {
            /* an entry another process holds is not evicted */
            int lfd = entry_file(c, v[i].key, "lock", path, sizeof(path)) ? SP_ELIMIT
                                                                          : file_lock_try(path);
            if (lfd < 0)
                continue;
            static const char *const exts[] = {"data", "part", "json", "lock"};
            for (int k = 0; k < 4; k++)
                if (!entry_file(c, v[i].key, exts[k], path, sizeof(path)))
                    sp_os_unlink(path);
            file_unlock_close(lfd);
            SP_DBG(&lg, "evicted %s (%llu bytes)", v[i].key, (unsigned long long)v[i].bytes);
            total -= v[i].bytes;
        }
    }
    pthread_mutex_unlock(&c->lock);
    free(v);
    return total;
}
