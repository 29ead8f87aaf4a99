/* signal_cache.c - the parsed-signaling cache file (see signal_cache.h).
 *
 * Layout, little-endian:
 *   "SPSIGNAL"  u32 version  u32 0  u64 list_hash  u64 n  i64 until_ms
 *   n x { u8 kind  u64 a  u64 b }
 *   u64 n_files  n_files x { u32 page  u8 kind  u64 a  u64 b  u32 url_len  url bytes }
 *   u64 board_len  board bytes   u64 chat_len  chat bytes
 *   u32 n_lines  n_lines x { u8 level  u32 len  len bytes }
 *   u64 checksum (sp_checksum64 of everything before it)
 */
#include "player/signaling/signal_cache.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "im/chat.h"
#include "player/board/board.h"
#include "base/platform/os_file.h"
#include "base/sp_bytes.h"
#include "base/sp_error.h"

#define HEAD_BYTES 40
#define VALIDATOR_BYTES 17
/* a batch file entry without its URL: page, validator, url_len */
#define FILE_REF_BYTES (4 + VALIDATOR_BYTES + 4)

uint64_t sig_cache_list_hash(const char *doc_url, char *const *urls, size_t n)
{
    /* chained: h(doc) then h(prev, url) for each page */
    uint64_t h =
        sp_checksum64((const uint8_t *)(doc_url ? doc_url : ""), strlen(doc_url ? doc_url : ""));
    for (size_t i = 0; i < n; i++) {
        uint8_t prev[8];
        sp_put_u64(prev, h);
        h = sp_checksum64(prev, 8) ^ sp_checksum64((const uint8_t *)urls[i], strlen(urls[i]));
        h = h * 0x9e3779b97f4a7c15ull + i;
    }
    return h;
}

void sig_cache_file_clear(struct sig_cache_file *f)
{
    if (!f)
        return;
    free(f->v);
    free(f->files);
    memset(f, 0, sizeof(*f));
}

/* A reader that never goes past the end. */
struct rd {
    const uint8_t *p;
    size_t left;
    bool bad;
};

static const uint8_t *take(struct rd *r, size_t n)
{
    if (r->bad || n > r->left) {
        r->bad = true;
        return NULL;
    }
    const uint8_t *p = r->p;
    r->p += n;
    r->left -= n;
    return p;
}

static uint64_t take64(struct rd *r)
{
    const uint8_t *p = take(r, 8);
    return p ? sp_get_u64(p) : 0;
}

static uint32_t take32(struct rd *r)
{
    const uint8_t *p = take(r, 4);
    return p ? sp_get_u32(p) : 0;
}

int sig_cache_parse(const uint8_t *data, size_t len, struct sig_cache_file *f)
{
    memset(f, 0, sizeof(*f));
    if (!data || len < HEAD_BYTES + 8 || memcmp(data, SIG_CACHE_MAGIC, 8) != 0)
        return SP_EPARSE;
    if (sp_get_u32(data + 8) != SIG_CACHE_VERSION)
        return SP_EUNSUPPORTED;
    if (sp_checksum64(data, len - 8) != sp_get_u64(data + len - 8))
        return SP_EPARSE;
    struct rd r = {data + 16, len - 16 - 8, false};
    f->list_hash = take64(&r);
    uint64_t n = take64(&r);
    f->until_ms = (int64_t)take64(&r);
    if (r.bad || n > r.left / VALIDATOR_BYTES)
        return SP_EPARSE;
    f->n = (size_t)n;
    f->v = calloc(f->n ? f->n : 1, sizeof(*f->v));
    if (!f->v)
        return SP_ENOMEM;
    for (size_t i = 0; i < f->n; i++) {
        const uint8_t *p = take(&r, VALIDATOR_BYTES);
        if (!p || p[0] > SIG_VALID_UNREAD || (p[0] == SIG_VALID_UNREAD && f->until_ms == INT64_MAX))
            goto bad; /* only a prefix has pages not read */
        f->v[i].kind = p[0];
        f->v[i].a = sp_get_u64(p + 1);
        f->v[i].b = sp_get_u64(p + 9);
    }
    /* the batch files: each entry at least FILE_REF_BYTES plus one URL byte,
     * so the count is bounded by the bytes left before the array exists */
    uint64_t nf = take64(&r);
    if (r.bad || nf > r.left / (FILE_REF_BYTES + 1))
        goto bad;
    f->n_files = (size_t)nf;
    f->files = calloc(f->n_files ? f->n_files : 1, sizeof(*f->files));
    if (!f->files) {
        sig_cache_file_clear(f);
        return SP_ENOMEM;
    }
    for (size_t i = 0; i < f->n_files; i++) {
        const uint8_t *p = take(&r, FILE_REF_BYTES);
        if (!p || p[4] > SIG_VALID_REMOTE)
            goto bad;
        struct sig_file_ref *e = &f->files[i];
        e->page = sp_get_u32(p);
        e->v.kind = p[4];
        e->v.a = sp_get_u64(p + 5);
        e->v.b = sp_get_u64(p + 13);
        e->url_len = sp_get_u32(p + 21);
        if (e->page >= f->n || e->url_len == 0 || e->url_len > SIG_CACHE_MAX_URL)
            goto bad;
        e->url = (const char *)take(&r, e->url_len);
        if (!e->url || memchr(e->url, '\0', e->url_len))
            goto bad;
    }
    uint64_t bl = take64(&r);
    if (r.bad || bl > r.left)
        goto bad;
    f->board_len = (size_t)bl;
    f->board = take(&r, f->board_len);
    uint64_t cl = take64(&r);
    if (r.bad || cl > r.left)
        goto bad;
    f->chat_len = (size_t)cl;
    f->chat = take(&r, f->chat_len);
    f->n_lines = take32(&r);
    f->lines = r.p;
    /* walk the lines once: each must fit, and nothing may follow them */
    for (uint32_t i = 0; i < f->n_lines && !r.bad; i++) {
        const uint8_t *h = take(&r, 5);
        if (!h || h[0] > DIAG_ERROR || sp_get_u32(h + 1) >= DIAG_MAX_TEXT)
            goto bad;
        take(&r, sp_get_u32(h + 1));
    }
    if (r.bad || r.left != 0)
        goto bad;
    f->lines_len = (size_t)(r.p - f->lines);
    return 0;
bad:
    sig_cache_file_clear(f);
    return SP_EPARSE;
}

int sig_cache_load(const struct sig_cache_file *f, struct board_log **log, struct chat_log **chat,
                   struct diag_list *lines, struct diag_list *diag)
{
    *log = NULL;
    *chat = NULL;
    int rc = board_log_deserialize(f->board, f->board_len, log, diag);
    if (rc == 0)
        rc = chat_log_deserialize(f->chat, f->chat_len, chat, diag);
    if (rc) {
        board_log_free(*log);
        *log = NULL;
        return rc;
    }
    struct rd r = {f->lines, f->lines_len, false};
    for (uint32_t i = 0; i < f->n_lines; i++) {
        const uint8_t *h = take(&r, 5);
        uint32_t n = h ? sp_get_u32(h + 1) : 0;
        const uint8_t *t = take(&r, n);
        if (!h || !t)
            break; /* sig_cache_parse() walked them: cannot happen */
        diag_add(lines, (enum diag_level)h[0], "%.*s", (int)n, (const char *)t);
    }
    return 0;
}

int sig_validator_stat(const char *path, struct sig_validator *v)
{
    memset(v, 0, sizeof(*v));
    struct sp_os_stat st;
    int rc = sp_os_stat(path, &st);
    if (rc)
        return rc == -ENOENT ? SP_ENOENT : SP_EIO;
    v->kind = SIG_VALID_LOCAL;
    v->a = (uint64_t)st.size;
    v->b = (uint64_t)st.mtime_ns; /* as the pages' validators (signaling.c) */
    return 0;
}

void sig_validator_bytes(const void *data, size_t len, struct sig_validator *v)
{
    v->kind = SIG_VALID_REMOTE;
    v->a = sp_checksum64((const uint8_t *)data, len);
    v->b = len;
}

bool sig_validator_equal(const struct sig_validator *x, const struct sig_validator *y)
{
    return x->kind == y->kind && x->a == y->a && x->b == y->b;
}

/* The file is streamed: each piece goes through the checksum and out as it
 * is written, so the serialized log (tens of MB for a long class) is never
 * copied into one more buffer while the first picture is being drawn. */
struct cache_out {
    FILE *fp;
    struct sp_checksum64_state sum;
    uint64_t bytes; /* written so far */
    int rc;
};

static void out_put(struct cache_out *o, const void *p, size_t n)
{
    if (o->rc || n == 0)
        return;
    sp_checksum64_update(&o->sum, p, n);
    if (fwrite(p, 1, n, o->fp) != n)
        o->rc = SP_EIO;
    o->bytes += n;
}

static void out_u64(struct cache_out *o, uint64_t v)
{
    uint8_t b[8];
    sp_put_u64(b, v);
    out_put(o, b, 8);
}

static int sink_put(void *opaque, const void *p, size_t n)
{
    struct cache_out *o = opaque;
    out_put(o, p, n);
    return o->rc;
}

/* A serialized log or chat of len bytes, streamed from the model itself:
 * the u64 length, then what serialize_to() gives, checked to be len. */
static void out_model(struct cache_out *o, uint64_t len, const void *model,
                      int (*serialize_to)(const void *model, const struct sp_sink *out))
{
    out_u64(o, len);
    if (o->rc)
        return;
    uint64_t start = o->bytes;
    struct sp_sink sink = {sink_put, o};
    int rc = serialize_to(model, &sink);
    if (rc && !o->rc)
        o->rc = rc;
    if (!o->rc && o->bytes - start != len)
        o->rc = SP_EINVAL; /* the length said and the bytes given differ: cannot happen */
}

static int board_to(const void *model, const struct sp_sink *out)
{
    return board_log_serialize_to(model, out);
}

static int chat_to(const void *model, const struct sp_sink *out)
{
    return chat_log_serialize_to(model, out);
}

int sig_cache_write(const char *path, uint64_t list_hash, int64_t until_ms,
                    const struct sig_validator *v, size_t n, const struct sig_file_ref *files,
                    size_t n_files, const struct board_log *board, const struct chat_log *chat,
                    const struct diag_list *lines)
{
    size_t nl = lines ? lines->count : 0;
    uint64_t board_len, chat_len;
    int lrc = board_log_serialized_len(board, &board_len);
    if (lrc == 0)
        lrc = chat_log_serialized_len(chat, &chat_len);
    if (lrc)
        return lrc;
    for (size_t i = 0; i < n_files; i++)
        /* the reader refuses these, so they are never written */
        if (files[i].page >= n || files[i].url_len == 0 || files[i].url_len > SIG_CACHE_MAX_URL)
            return SP_EINVAL;
    size_t plen = strlen(path);
    char *tmp = malloc(plen + 32);
    if (!tmp)
        return SP_ENOMEM;
    snprintf(tmp, plen + 32, "%s.tmp.%ld", path, sp_os_getpid());
    struct cache_out o = {.fp = sp_os_fopen(tmp, "wb"), .rc = 0};
    if (!o.fp) {
        free(tmp);
        return SP_EIO;
    }
    sp_checksum64_init(&o.sum);
    uint8_t head[HEAD_BYTES] = {0};
    memcpy(head, SIG_CACHE_MAGIC, 8);
    sp_put_u32(head + 8, SIG_CACHE_VERSION);
    sp_put_u32(head + 12, 0);
    sp_put_u64(head + 16, list_hash);
    sp_put_u64(head + 24, n);
    sp_put_u64(head + 32, (uint64_t)until_ms);
    out_put(&o, head, HEAD_BYTES);
    for (size_t i = 0; i < n; i++) {
        uint8_t p[VALIDATOR_BYTES];
        p[0] = v[i].kind;
        sp_put_u64(p + 1, v[i].a);
        sp_put_u64(p + 9, v[i].b);
        out_put(&o, p, VALIDATOR_BYTES);
    }
    out_u64(&o, n_files);
    for (size_t i = 0; i < n_files; i++) {
        const struct sig_file_ref *e = &files[i];
        uint8_t p[FILE_REF_BYTES];
        sp_put_u32(p, e->page);
        p[4] = e->v.kind;
        sp_put_u64(p + 5, e->v.a);
        sp_put_u64(p + 13, e->v.b);
        sp_put_u32(p + 21, e->url_len);
        out_put(&o, p, FILE_REF_BYTES);
        out_put(&o, e->url, e->url_len);
    }
    out_model(&o, board_len, board, board_to);
    out_model(&o, chat_len, chat, chat_to);
    uint8_t cnt[4];
    sp_put_u32(cnt, (uint32_t)nl);
    out_put(&o, cnt, 4);
    for (size_t i = 0; i < nl; i++) {
        size_t l = strlen(lines->items[i].text);
        uint8_t p[5];
        p[0] = (uint8_t)lines->items[i].level;
        sp_put_u32(p + 1, (uint32_t)l);
        out_put(&o, p, 5);
        out_put(&o, lines->items[i].text, l);
    }
    uint8_t sum[8];
    sp_put_u64(sum, sp_checksum64_final(&o.sum));
    if (o.rc == 0 && fwrite(sum, 1, 8, o.fp) != 8)
        o.rc = SP_EIO;
    int rc = o.rc;
    if (fclose(o.fp) != 0 && rc == 0)
        rc = SP_EIO;
    if (rc == 0 && sp_os_rename_over(tmp, path) != 0)
        rc = SP_EIO;
    if (rc)
        sp_os_unlink(tmp);
    free(tmp);
    return rc;
}
