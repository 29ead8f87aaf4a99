/* chat_io.c - the serialized chat model (docs/chat.md, "Serialized chat").
 *
 * Layout (little-endian; a string is u32 bytes + the bytes, no NUL):
 *   header   magic "SPCHATLG", u32 version, u32 reserved (0), u64 total bytes
 *   counts   u32 items, u32 pages, u64 board_elems, u64 empty_messages,
 *            u64 repaired_items
 *   pages    one string each, in order of first use
 *   items    i64 seq, i64 wall_ms, i64 show_ms (Unix ms: the times are
 *            whole seconds, so exactly wall_us / 1000), u32 color, u32 page (index,
 *            UINT32_MAX none), i32 index, u8 truncated, u8 repaired,
 *            u16 parts, string sender, then per part: u8 kind, u8 source,
 *            u8 truncated, u8 has (bit 0 full_text, bit 1 url), i64 face_index,
 *            i32 image_type, i32 width, i32 height, string text, [full_text],
 *            [url]
 *   trailer  u64 sp_checksum64 of every byte before it
 * The show array is not stored: it is items[i].show_us, checked on load.
 */
#include "im/chat.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/platform/os_libc.h"
#include "base/utf8.h"
#include "base/sp_bytes.h"
#include "base/sp_error.h"

static const uint8_t kMagic[8] = {'S', 'P', 'C', 'H', 'A', 'T', 'L', 'G'};
#define FORMAT_VERSION 2u /* 2: NOTICE parts, RELAY elements */
#define HEADER_BYTES 24
#define COUNTS_BYTES 32
#define TRAILER_BYTES 8
#define ITEM_FIXED 40
#define PART_FIXED 24
/* Smallest item: fixed fields, an empty sender, one part with an empty text. */
#define ITEM_MIN (ITEM_FIXED + 4 + PART_FIXED + 4)

/* Longest strings written: repair can triple ill-formed bytes (one byte to
 * U+FFFD), placeholders add a short label. */
#define MAX_TEXT (3 * (size_t)MSG_MAX_TEXT_BYTES + 256)
#define MAX_FIELD (3 * (size_t)MSG_MAX_FIELD_BYTES + 256)
/* Page names are the labels given to msg_page_parse() (paths, URLs). */
#define MAX_PAGE_NAME 65536

/* ---- writing ----------------------------------------------------------------------- */

/* n counts the bytes. With out set they go through the staging buffer
 * (STAGE_BYTES) to out, checksummed on the way; without, only counted. */
#define STAGE_BYTES 65536
struct wr {
    size_t n;
    const struct sp_sink *out;
    struct sp_checksum64_state sum;
    uint8_t *stage;
    size_t staged;
    int rc;
};

static void w_flush(struct wr *w)
{
    if (w->staged && !w->rc) {
        sp_checksum64_update(&w->sum, w->stage, w->staged);
        w->rc = w->out->put(w->out->opaque, w->stage, w->staged);
    }
    w->staged = 0;
}

static void w_bytes(struct wr *w, const void *src, size_t n)
{
    w->n += n;
    if (!w->out)
        return;
    const uint8_t *b = src;
    while (n) {
        if (w->staged == STAGE_BYTES)
            w_flush(w);
        size_t k = STAGE_BYTES - w->staged < n ? STAGE_BYTES - w->staged : n;
        memcpy(w->stage + w->staged, b, k);
        w->staged += k;
        b += k;
        n -= k;
    }
}

static void w_u8(struct wr *w, uint8_t v)
{
    w_bytes(w, &v, 1);
}

static void w_u16(struct wr *w, uint16_t v)
{
    uint8_t b[2];
    sp_put_u16(b, v);
    w_bytes(w, b, 2);
}

static void w_u32(struct wr *w, uint32_t v)
{
    uint8_t b[4];
    sp_put_u32(b, v);
    w_bytes(w, b, 4);
}

static void w_u64(struct wr *w, uint64_t v)
{
    uint8_t b[8];
    sp_put_u64(b, v);
    w_bytes(w, b, 8);
}

static void w_str(struct wr *w, const char *s)
{
    size_t n = s ? strlen(s) : 0;
    w_u32(w, (uint32_t)n);
    w_bytes(w, s, n);
}

static bool too_long(const char *s, size_t max)
{
    return s && strnlen(s, max + 1) > max;
}

static void w_chat(struct wr *w, const struct chat_log *c, const uint32_t *page_of, uint64_t total)
{
    w_bytes(w, kMagic, 8);
    w_u32(w, FORMAT_VERSION);
    w_u32(w, 0);
    w_u64(w, total); /* 0 while counting */
    w_u32(w, (uint32_t)c->count);
    w_u32(w, (uint32_t)c->page_count);
    w_u64(w, c->board_elems);
    w_u64(w, c->empty_messages);
    w_u64(w, c->repaired_items);
    for (size_t i = 0; i < c->page_count; i++)
        w_str(w, c->pages[i]);
    for (size_t i = 0; i < c->count; i++) {
        const struct chat_item *it = &c->items[i];
        w_u64(w, (uint64_t)it->seq);
        w_u64(w, (uint64_t)(it->wall_us / 1000)); /* the format's ms */
        w_u64(w, (uint64_t)(it->show_us / 1000));
        w_u32(w, it->color);
        w_u32(w, page_of[i]);
        w_u32(w, (uint32_t)it->index);
        w_u8(w, it->truncated);
        w_u8(w, it->repaired);
        w_u16(w, (uint16_t)it->part_count);
        w_str(w, it->sender);
        for (size_t k = 0; k < it->part_count; k++) {
            const struct chat_part *p = &it->parts[k];
            w_u8(w, (uint8_t)p->kind);
            w_u8(w, (uint8_t)p->source);
            w_u8(w, p->truncated);
            w_u8(w, (uint8_t)((p->full_text ? 1 : 0) | (p->url ? 2 : 0)));
            w_u64(w, (uint64_t)p->face_index);
            w_u32(w, (uint32_t)p->image_type);
            w_u32(w, (uint32_t)p->width);
            w_u32(w, (uint32_t)p->height);
            w_str(w, p->text);
            if (p->full_text)
                w_str(w, p->full_text);
            if (p->url)
                w_str(w, p->url);
        }
    }
}

/* Index of each item's page in c->pages. Items point at the chat log's own
 * copies, so a pointer table finds them. */
static int page_indices(const struct chat_log *c, uint32_t *page_of)
{
    size_t tcap = 16;
    while (tcap < c->page_count * 2)
        tcap *= 2;
    size_t *t = calloc(tcap, sizeof(*t));
    if (!t)
        return SP_ENOMEM;
    for (size_t i = 0; i < c->page_count; i++) {
        size_t h = ((uintptr_t)c->pages[i] >> 4) * 2654435761u & (tcap - 1);
        while (t[h])
            h = (h + 1) & (tcap - 1);
        t[h] = i + 1;
    }
    int rc = 0;
    for (size_t i = 0; i < c->count && !rc; i++) {
        const char *pg = c->items[i].page;
        page_of[i] = UINT32_MAX;
        if (!pg)
            continue;
        size_t h = ((uintptr_t)pg >> 4) * 2654435761u & (tcap - 1);
        while (t[h] && c->pages[t[h] - 1] != pg)
            h = (h + 1) & (tcap - 1);
        if (!t[h])
            rc = SP_EINVAL; /* a page name the chat log does not own */
        else
            page_of[i] = (uint32_t)(t[h] - 1);
    }
    free(t);
    return rc;
}

/* A chat model checked against the format's limits, with its page index
 * table (page_of, freed by prepared_clear()) and its serialized length:
 * made once per writing, for the length and for the bytes. */
struct prepared {
    const struct chat_log *c;
    uint32_t *page_of;
    uint64_t total;
};

static void prepared_clear(struct prepared *p)
{
    free(p->page_of);
    p->page_of = NULL;
}

static int prepare(const struct chat_log *c, struct prepared *out)
{
    *out = (struct prepared){c, NULL, 0};
    if (!c)
        return SP_EINVAL;
    if (c->count > MSG_LOG_MAX_MESSAGES || c->page_count > c->count)
        return SP_ELIMIT;
    for (size_t i = 0; i < c->page_count; i++)
        if (too_long(c->pages[i], MAX_PAGE_NAME))
            return SP_ELIMIT;
    for (size_t i = 0; i < c->count; i++) {
        const struct chat_item *it = &c->items[i];
        if (it->part_count == 0 || it->part_count > MSG_MAX_ELEMS ||
            too_long(it->sender, MAX_FIELD))
            return SP_ELIMIT;
        for (size_t k = 0; k < it->part_count; k++) {
            const struct chat_part *p = &it->parts[k];
            if (too_long(p->text, MAX_TEXT) || too_long(p->full_text, MAX_TEXT) ||
                too_long(p->url, MSG_MAX_FIELD_BYTES))
                return SP_ELIMIT;
        }
    }
    uint32_t *po = malloc((c->count ? c->count : 1) * sizeof(*po));
    if (!po)
        return SP_ENOMEM;
    int rc = page_indices(c, po);
    if (rc) {
        free(po);
        return rc;
    }
    struct wr w = {0};
    w_chat(&w, c, po, 0);
    out->total = w.n + TRAILER_BYTES;
    out->page_of = po;
    return 0;
}

/* The bytes of a prepared model to out (a sp_sink_to_memory() writer). */
static int write_prepared(const void *model, const struct sp_sink *out)
{
    const struct prepared *p = model;
    struct wr w = {.out = out, .stage = malloc(STAGE_BYTES)};
    if (!w.stage)
        return SP_ENOMEM;
    sp_checksum64_init(&w.sum);
    w_chat(&w, p->c, p->page_of, p->total);
    w_flush(&w);
    free(w.stage);
    uint8_t sum[TRAILER_BYTES];
    sp_put_u64(sum, sp_checksum64_final(&w.sum));
    return w.rc ? w.rc : out->put(out->opaque, sum, sizeof(sum));
}

int chat_log_serialized_len(const struct chat_log *c, uint64_t *len)
{
    if (!len)
        return SP_EINVAL;
    *len = 0;
    struct prepared p;
    int rc = prepare(c, &p);
    *len = rc ? 0 : p.total;
    prepared_clear(&p);
    return rc;
}

int chat_log_serialize_to(const struct chat_log *c, const struct sp_sink *out)
{
    if (!out || !out->put)
        return SP_EINVAL;
    struct prepared p;
    int rc = prepare(c, &p);
    if (rc == 0)
        rc = write_prepared(&p, out);
    prepared_clear(&p);
    return rc;
}

int chat_log_serialize(const struct chat_log *c, uint8_t **data, size_t *len)
{
    if (!data || !len)
        return SP_EINVAL;
    *data = NULL;
    *len = 0;
    struct prepared p;
    int rc = prepare(c, &p);
    if (rc == 0)
        rc = sp_sink_to_memory(p.total, write_prepared, &p, data, len);
    prepared_clear(&p);
    return rc;
}

/* ---- reading: every field checked ---------------------------------------------------- */

struct rd {
    const uint8_t *p;
    size_t left;
    const char *bad; /* first problem found */
};

static const uint8_t *r_take(struct rd *r, size_t n)
{
    if (r->bad)
        return NULL;
    if (n > r->left) {
        r->bad = "truncated record";
        return NULL;
    }
    const uint8_t *p = r->p;
    r->p += n;
    r->left -= n;
    return p;
}

static uint8_t r_u8(struct rd *r)
{
    const uint8_t *p = r_take(r, 1);
    return p ? p[0] : 0;
}

static uint16_t r_u16(struct rd *r)
{
    const uint8_t *p = r_take(r, 2);
    return p ? sp_get_u16(p) : 0;
}

static uint32_t r_u32(struct rd *r)
{
    const uint8_t *p = r_take(r, 4);
    return p ? sp_get_u32(p) : 0;
}

static uint64_t r_u64(struct rd *r)
{
    const uint8_t *p = r_take(r, 8);
    return p ? sp_get_u64(p) : 0;
}

/* A new NUL-terminated string of at most max bytes, without NUL inside,
 * valid UTF-8 if utf8. NULL with r->bad set (or *nomem) on failure. */
static char *r_str(struct rd *r, size_t max, bool utf8, bool *nomem)
{
    uint32_t n = r_u32(r);
    if (r->bad)
        return NULL;
    if (n > max) {
        r->bad = "string longer than its cap";
        return NULL;
    }
    const uint8_t *p = r_take(r, n);
    if (!p)
        return NULL;
    if (memchr(p, '\0', n) || (utf8 && !utf8_valid((const char *)p, n))) {
        r->bad = utf8 ? "string is not valid UTF-8 text" : "string holds a NUL byte";
        return NULL;
    }
    char *s = malloc((size_t)n + 1);
    if (!s) {
        *nomem = true;
        r->bad = "out of memory";
        return NULL;
    }
    memcpy(s, p, n);
    s[n] = '\0';
    return s;
}

static int fail(struct diag_list *diag, int rc, const char *fmt, ...) SP_FORMAT_PRINTF(3, 4);

static int fail(struct diag_list *diag, int rc, const char *fmt, ...)
{
    char reason[DIAG_MAX_TEXT];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof(reason), fmt, ap);
    va_end(ap);
    diag_add(diag, DIAG_WARNING, "chat cache: %s", reason);
    return rc;
}

/* One part; its fields checked against what make_part() produces. */
static void r_part(struct rd *r, struct chat_part *p, bool *nomem)
{
    uint8_t kind = r_u8(r), source = r_u8(r), truncated = r_u8(r), has = r_u8(r);
    p->face_index = (int64_t)r_u64(r);
    p->image_type = (int32_t)r_u32(r);
    p->width = (int32_t)r_u32(r);
    p->height = (int32_t)r_u32(r);
    if (r->bad)
        return;
    if (kind > CHAT_PART_NOTICE || source > MSG_ELEM_UNKNOWN || truncated > 1 || has > 3) {
        r->bad = "bad part kind or flags";
        return;
    }
    p->kind = (enum chat_part_kind)kind;
    p->source = (enum msg_elem_type)source;
    p->truncated = truncated;
    bool is_image = p->kind == CHAT_PART_IMAGE;
    if (((has & 1) != truncated) || (truncated && p->kind != CHAT_PART_TEXT) ||
        ((has & 2) && !is_image)) {
        r->bad = "part flags do not match its kind";
        return;
    }
    if ((p->kind == CHAT_PART_FACE) != (p->face_index >= 0) || p->face_index < -1) {
        r->bad = "bad face index";
        return;
    }
    if (p->image_type < 0 || p->image_type > 3 || p->width < 0 || p->height < 0 ||
        (!is_image && (p->image_type || p->width || p->height))) {
        r->bad = "bad image fields";
        return;
    }
    p->text = r_str(r, MAX_TEXT, true, nomem);
    if (has & 1)
        p->full_text = r_str(r, MAX_TEXT, true, nomem);
    if (has & 2)
        p->url = r_str(r, MSG_MAX_FIELD_BYTES, false, nomem);
}

static void r_items(struct rd *r, struct chat_log *c, uint32_t count, bool *nomem)
{
    uint32_t pages_seen = 0;
    int64_t high = INT64_MIN;
    size_t repaired = 0;
    for (uint32_t i = 0; i < count && !r->bad; i++) {
        struct chat_item *it = &c->items[i];
        c->count = i + 1; /* so a failure frees what this item got */
        it->seq = (int64_t)r_u64(r);
        /* the format's ms; out of range ones are refused below before use */
        int64_t wall_ms = (int64_t)r_u64(r);
        int64_t show_ms = (int64_t)r_u64(r);
        it->color = r_u32(r);
        uint32_t page = r_u32(r);
        it->index = (int32_t)r_u32(r);
        uint8_t truncated = r_u8(r), rep = r_u8(r);
        uint16_t nparts = r_u16(r);
        if (r->bad)
            return;
        if (i > 0 && it->seq <= c->items[i - 1].seq) {
            r->bad = "items not in MsgSeq order";
            return;
        }
        /* show is the running maximum of wall: chat_visible_count()
         * binary-searches it. In µs it must fit an int64_t. */
        if (wall_ms < 0 || wall_ms > INT64_MAX / 1000 || it->index < 0 || truncated > 1 ||
            rep > 1) {
            r->bad = "bad item fields";
            return;
        }
        if (wall_ms > high)
            high = wall_ms;
        if (show_ms != high) {
            r->bad = "show time is not the running maximum of wall times";
            return;
        }
        it->wall_us = wall_ms * 1000;
        it->show_us = show_ms * 1000;
        c->show[i] = it->show_us;
        /* Pages are numbered in order of first use, each used. */
        if (page != UINT32_MAX && page > pages_seen) {
            r->bad = "bad page index";
            return;
        }
        if (page == pages_seen && page != UINT32_MAX) {
            if (pages_seen == c->page_count) {
                r->bad = "bad page index";
                return;
            }
            pages_seen++;
        }
        it->page = page == UINT32_MAX ? NULL : c->pages[page];
        it->truncated = truncated;
        it->repaired = rep;
        repaired += rep;
        if (nparts == 0 || nparts > MSG_MAX_ELEMS || (size_t)nparts * (PART_FIXED + 4) > r->left) {
            r->bad = "bad part count";
            return;
        }
        it->sender = r_str(r, MAX_FIELD, true, nomem);
        if (!it->sender)
            return;
        if (it->color != chat_sender_color(it->sender)) {
            r->bad = "sender color does not match the sender";
            return;
        }
        it->parts = calloc(nparts, sizeof(*it->parts));
        if (!it->parts) {
            *nomem = true;
            r->bad = "out of memory";
            return;
        }
        it->part_count = nparts;
        bool any_cut = false;
        for (uint16_t k = 0; k < nparts && !r->bad; k++) {
            r_part(r, &it->parts[k], nomem);
            any_cut |= it->parts[k].truncated;
        }
        if (!r->bad && any_cut != it->truncated)
            r->bad = "item truncated flag does not match its parts";
    }
    if (!r->bad && pages_seen != c->page_count)
        r->bad = "a page name no item uses";
    if (!r->bad && repaired != c->repaired_items)
        r->bad = "repaired item count does not match the items";
}

int chat_log_deserialize(const uint8_t *data, size_t len, struct chat_log **out,
                         struct diag_list *diag)
{
    if (!out)
        return SP_EINVAL;
    *out = NULL;
    if (!data && len)
        return SP_EINVAL;
    if (len < 8 || memcmp(data, kMagic, 8) != 0)
        return fail(diag, SP_EPARSE, "not a serialized chat (bad magic)");
    if (len < HEADER_BYTES + COUNTS_BYTES + TRAILER_BYTES)
        return fail(diag, SP_EPARSE, "truncated (%zu bytes)", len);
    uint32_t version = sp_get_u32(data + 8);
    if (version != FORMAT_VERSION)
        return fail(diag, SP_EUNSUPPORTED, "format version %u, this build reads %u", version,
                    FORMAT_VERSION);
    uint64_t total = sp_get_u64(data + 16);
    if (total != len)
        return fail(diag, SP_EPARSE, "%zu bytes where the header says %llu (truncated or extended)",
                    len, (unsigned long long)total);
    if (sp_get_u32(data + 12) != 0)
        return fail(diag, SP_EPARSE, "reserved header field is not 0");
    if (sp_checksum64(data, len - TRAILER_BYTES) != sp_get_u64(data + len - TRAILER_BYTES))
        return fail(diag, SP_EPARSE, "checksum mismatch (damaged)");

    struct rd r = {data + HEADER_BYTES, len - HEADER_BYTES - TRAILER_BYTES, NULL};
    uint32_t count = r_u32(&r), npages = r_u32(&r);
    uint64_t board_elems = r_u64(&r), empty = r_u64(&r), repaired = r_u64(&r);
    /* Caps, then the bytes: each item takes at least ITEM_MIN bytes and each
     * page name 4, so nothing is allocated that the buffer does not back. */
    if (count > MSG_LOG_MAX_MESSAGES || npages > count ||
        (uint64_t)count * ITEM_MIN + (uint64_t)npages * 4 > r.left)
        return fail(diag, SP_EPARSE, "%u items / %u pages do not fit the caps or the %zu bytes",
                    count, npages, len);
    if (empty > MSG_LOG_MAX_MESSAGES - count || repaired > count ||
        board_elems > (uint64_t)MSG_LOG_MAX_MESSAGES * MSG_MAX_ELEMS)
        return fail(diag, SP_EPARSE, "counters out of range");

    struct chat_log *c = calloc(1, sizeof(*c));
    if (!c)
        return SP_ENOMEM;
    c->board_elems = (size_t)board_elems;
    c->empty_messages = (size_t)empty;
    c->repaired_items = (size_t)repaired;
    bool nomem = false;
    if (count) {
        c->items = calloc(count, sizeof(*c->items));
        c->show = calloc(count, sizeof(*c->show));
    }
    if (npages)
        c->pages = calloc(npages, sizeof(*c->pages));
    if ((count && (!c->items || !c->show)) || (npages && !c->pages)) {
        chat_log_destroy(&c);
        return SP_ENOMEM;
    }
    for (uint32_t i = 0; i < npages && !r.bad; i++) {
        c->page_count = i + 1;
        c->pages[i] = r_str(&r, MAX_PAGE_NAME, false, &nomem);
    }
    r_items(&r, c, count, &nomem);
    if (!r.bad && r.left)
        r.bad = "bytes after the last item";
    if (r.bad) {
        chat_log_destroy(&c);
        return nomem ? SP_ENOMEM : fail(diag, SP_EPARSE, "%s", r.bad);
    }
    *out = c;
    return 0;
}
