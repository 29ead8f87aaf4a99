/* board_log_io.c - copies of a log and its serialized form (docs/board.md,
 * "Serialized log").
 *
 * A copy is the arrays memcpy'd: no op is read again. The serialized form is
 * the finished log's arrays as they are in memory, little-endian, so that
 * loading is one pass that checks every field (a cache file is input like
 * any other) and no JSON is parsed.
 */
#include "player/board/board_internal.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "base/platform/os_libc.h"
#include "base/sp_bytes.h"
#include "base/sp_error.h"

/* ---- clone --------------------------------------------------------------------- */

/* A copy of n elements of size el (NULL when n == 0). *ok cleared when out of memory. */
static void *dup_array(const void *src, size_t n, size_t el, bool *ok)
{
    if (!n || !src)
        return NULL;
    void *p = malloc(n * el);
    if (!p) {
        *ok = false;
        return NULL;
    }
    memcpy(p, src, n * el);
    return p;
}

/* The interning tables are copied too: the copy may take more batches. */
static void dup_names(struct bnames *dst, const struct bnames *src, bool *ok)
{
    dst->n = src->n;
    dst->cap = src->n;
    dst->off = dup_array(src->off, src->n, sizeof(*src->off), ok);
    dst->tcap = src->tcap;
    dst->table = dup_array(src->table, src->tcap, sizeof(*src->table), ok);
    if (!dst->table)
        dst->tcap = 0;
}

struct board_log *board_log_clone(const struct board_log *log)
{
    if (!log)
        return NULL;
    struct board_log *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    bool ok = true;
    /* Capacities are the used sizes: the copy of a log about to be finished
     * wastes nothing, and a copy that grows doubles from there. */
    c->finished = log->finished;
    c->warned_ops_cap = log->warned_ops_cap;
    c->nops = c->cap_ops = log->nops;
    c->ops = dup_array(log->ops, log->nops, sizeof(*log->ops), &ok);
    c->nparams = c->cap_params = log->nparams;
    c->params = dup_array(log->params, log->nparams, sizeof(*log->params), &ok);
    c->npts_f = c->cap_pts_f = log->npts_f;
    c->pts = dup_array(log->pts, log->npts_f, sizeof(*log->pts), &ok);
    c->nids = c->cap_ids = log->nids;
    c->ids = dup_array(log->ids, log->nids, sizeof(*log->ids), &ok);
    c->nstr = c->cap_str = log->nstr;
    c->str = dup_array(log->str, log->nstr, 1, &ok);
    c->nbatches = c->cap_batches = log->nbatches;
    c->batches = dup_array(log->batches, log->nbatches, sizeof(*log->batches), &ok);
    dup_names(&c->elems, &log->elems, &ok);
    dup_names(&c->boards, &log->boards, &ok);
    dup_names(&c->users, &log->users, &ok);
    if (log->stroke_off)
        c->stroke_off = dup_array(log->stroke_off, log->elems.n ? log->elems.n : 1,
                                  sizeof(*log->stroke_off), &ok);
    if (!ok) {
        board_log_free(c);
        return NULL;
    }
    /* Arrays of zero length stay NULL with capacity 0; the growers start
     * from there as for a new log. */
    if (!c->ops)
        c->cap_ops = 0;
    if (!c->params)
        c->cap_params = 0;
    if (!c->pts)
        c->cap_pts_f = 0;
    if (!c->ids)
        c->cap_ids = 0;
    if (!c->str)
        c->cap_str = 0;
    if (!c->batches)
        c->cap_batches = 0;
    return c;
}

/* ---- serialized form ------------------------------------------------------------ */

/* Layout (all little-endian):
 *   header   magic "SPBDLOG\n", u32 version, u32 reserved (0), u64 total bytes
 *   counts   u32 nops, nparams, npts_f, nids, nstr, nbatches, nelems, nboards, nusers
 *   arrays   ops (OP_BYTES each), params (PARAM_BYTES each), points (f32), id
 *            lists (u32), batches (i64 seq, u32 where), element name offsets,
 *            element point offsets, board name offsets, user name offsets
 *            (u32 each), the string pool (bytes)
 *   trailer  u64 sp_checksum64 of every byte before it */
static const uint8_t kMagic[8] = {'S', 'P', 'B', 'D', 'L', 'O', 'G', '\n'};
#define FORMAT_VERSION 1u
#define HEADER_BYTES 24
#define NCOUNTS 9
#define COUNTS_BYTES (NCOUNTS * 4)
#define TRAILER_BYTES 8
#define OP_BYTES 36
#define PARAM_BYTES 36
#define BATCH_BYTES 12

/* Bytes of the arrays for the given counts (fits: every count is a u32). */
static uint64_t arrays_bytes(const uint32_t n[NCOUNTS])
{
    return (uint64_t)n[0] * OP_BYTES + (uint64_t)n[1] * PARAM_BYTES + (uint64_t)n[2] * 4 +
           (uint64_t)n[3] * 4 + (uint64_t)n[4] + (uint64_t)n[5] * BATCH_BYTES + (uint64_t)n[6] * 8 +
           (uint64_t)n[7] * 4 + (uint64_t)n[8] * 4;
}

static uint8_t *put_op(uint8_t *w, const struct bop *op)
{
    sp_put_u64(w, (uint64_t)op->t);
    sp_put_u32(w + 8, op->batch);
    sp_put_u32(w + 12, op->user);
    sp_put_u32(w + 16, op->board);
    sp_put_u32(w + 20, op->id);
    sp_put_u32(w + 24, op->a);
    sp_put_u32(w + 28, op->b);
    sp_put_u16(w + 32, op->pos);
    w[34] = op->kind;
    /* SKIPPED belongs to a player's replay, not to the log: the next player
     * sets it again. */
    w[35] = op->flags & (BOPF_DUP | BOPF_CAP);
    return w + OP_BYTES;
}

/* The counts of a finished log, and its serialized size. */
static int log_counts(const struct board_log *log, uint32_t n[NCOUNTS], uint64_t *total)
{
    if (!log || !log->finished)
        return SP_EINVAL;
    if (log->nops > UINT32_MAX || log->nparams > UINT32_MAX || log->npts_f > UINT32_MAX ||
        log->nids > UINT32_MAX || log->nstr > UINT32_MAX || log->nbatches > UINT32_MAX)
        return SP_ELIMIT;
    uint32_t c[NCOUNTS] = {(uint32_t)log->nops, (uint32_t)log->nparams, (uint32_t)log->npts_f,
                           (uint32_t)log->nids, (uint32_t)log->nstr,    (uint32_t)log->nbatches,
                           log->elems.n,        log->boards.n,          log->users.n};
    memcpy(n, c, sizeof(c));
    *total = HEADER_BYTES + COUNTS_BYTES + arrays_bytes(n) + TRAILER_BYTES;
    return 0;
}

int board_log_serialized_len(const struct board_log *log, uint64_t *len)
{
    uint32_t n[NCOUNTS];
    if (!len)
        return SP_EINVAL;
    *len = 0;
    return log_counts(log, n, len);
}

/* The bytes go out through a small staging buffer, checksummed on the way:
 * the whole serialized log (tens of MB for a long class) is never held. */
#define STAGE_BYTES 65536
struct stage {
    const struct sp_sink *out;
    struct sp_checksum64_state sum;
    size_t n;
    int rc;
    uint8_t buf[STAGE_BYTES];
};

static void stage_flush(struct stage *s)
{
    if (s->n && !s->rc) {
        sp_checksum64_update(&s->sum, s->buf, s->n);
        s->rc = s->out->put(s->out->opaque, s->buf, s->n);
    }
    s->n = 0;
}

/* Room for need (<= STAGE_BYTES) more bytes at the returned pointer. */
static uint8_t *stage_room(struct stage *s, size_t need)
{
    if (s->n + need > STAGE_BYTES)
        stage_flush(s);
    return s->buf + s->n;
}

static void stage_bytes(struct stage *s, const void *p, size_t len)
{
    const uint8_t *b = p;
    while (len) {
        size_t k = len < STAGE_BYTES ? len : STAGE_BYTES;
        memcpy(stage_room(s, k), b, k);
        s->n += k;
        b += k;
        len -= k;
    }
}

static void stage_words(struct stage *s, const void *src, size_t count)
{
    const uint8_t *b = src;
    while (count) {
        size_t k = count < STAGE_BYTES / 4 ? count : STAGE_BYTES / 4;
        sp_put_words(stage_room(s, 4 * k), b, k);
        s->n += 4 * k;
        b += 4 * k;
        count -= k;
    }
}

int board_log_serialize_to(const struct board_log *log, const struct sp_sink *out)
{
    uint32_t n[NCOUNTS];
    uint64_t total;
    if (!out || !out->put)
        return SP_EINVAL;
    int rc = log_counts(log, n, &total);
    if (rc)
        return rc;
    struct stage *s = malloc(sizeof(*s));
    if (!s)
        return SP_ENOMEM;
    s->out = out;
    s->n = 0;
    s->rc = 0;
    sp_checksum64_init(&s->sum);
    uint8_t *w = stage_room(s, HEADER_BYTES + COUNTS_BYTES);
    memcpy(w, kMagic, 8);
    sp_put_u32(w + 8, FORMAT_VERSION);
    sp_put_u32(w + 12, 0);
    sp_put_u64(w + 16, total);
    w += HEADER_BYTES;
    for (int i = 0; i < NCOUNTS; i++, w += 4)
        sp_put_u32(w, n[i]);
    s->n += HEADER_BYTES + COUNTS_BYTES;
    for (size_t i = 0; i < log->nops; i++) {
        put_op(stage_room(s, OP_BYTES), &log->ops[i]);
        s->n += OP_BYTES;
    }
    for (size_t i = 0; i < log->nparams; i++) {
        const struct bparam *p = &log->params[i];
        w = stage_room(s, PARAM_BYTES);
        sp_put_words(w, p->f, 5);
        sp_put_words(w + 20, p->u, 4);
        s->n += PARAM_BYTES;
    }
    stage_words(s, log->pts, log->npts_f);
    stage_words(s, log->ids, log->nids);
    for (size_t i = 0; i < log->nbatches; i++) {
        w = stage_room(s, BATCH_BYTES);
        sp_put_u64(w, (uint64_t)log->batches[i].seq);
        sp_put_u32(w + 8, log->batches[i].where);
        s->n += BATCH_BYTES;
    }
    stage_words(s, log->elems.off, log->elems.n);
    stage_words(s, log->stroke_off, log->elems.n);
    stage_words(s, log->boards.off, log->boards.n);
    stage_words(s, log->users.off, log->users.n);
    stage_bytes(s, log->str, log->nstr);
    stage_flush(s);
    uint8_t sum[TRAILER_BYTES];
    sp_put_u64(sum, sp_checksum64_final(&s->sum));
    rc = s->rc ? s->rc : out->put(out->opaque, sum, sizeof(sum));
    free(s);
    return rc;
}

static int serialize_to(const void *model, const struct sp_sink *out)
{
    return board_log_serialize_to(model, out);
}

int board_log_serialize(const struct board_log *log, uint8_t **data, size_t *len)
{
    if (!data || !len)
        return SP_EINVAL;
    *data = NULL;
    *len = 0;
    uint64_t total;
    int rc = board_log_serialized_len(log, &total);
    return rc ? rc : sp_sink_to_memory(total, serialize_to, log, data, len);
}

/* ---- loading: every field checked ------------------------------------------------- */

struct reader {
    struct board_log *log;
    struct diag_list *diag;
};

static int fail(struct diag_list *diag, int rc, const char *fmt, ...) SP_FORMAT_PRINTF(3, 4);

static int fail(struct diag_list *diag, int rc, const char *fmt, ...)
{
    char reason[DIAG_MAX_TEXT];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof(reason), fmt, ap);
    va_end(ap);
    diag_add(diag, DIAG_WARNING, "board log cache: %s", reason);
    return rc;
}

static bool kind_needs_board(int kind)
{
    return kind == BOP_BOARD_ADD || kind == BOP_BOARD_SWITCH || kind == BOP_BOARD_REMOVE ||
           kind == BOP_BOARD_BG || kind == BOP_STROKE_BEGIN || kind == BOP_SHAPE ||
           kind == BOP_TEXT || kind == BOP_CLEAR || kind == BOP_LASER || kind == BOP_VIEW;
}

static bool kind_needs_id(int kind)
{
    return kind == BOP_STROKE_BEGIN || kind == BOP_STROKE_APPEND || kind == BOP_STROKE_END ||
           kind == BOP_SHAPE || kind == BOP_TEXT;
}

static bool kind_has_param(int kind)
{
    return kind == BOP_BOARD_ADD || kind == BOP_BOARD_BG || kind == BOP_STROKE_BEGIN ||
           kind == BOP_SHAPE || kind == BOP_TEXT || kind == BOP_MOVE || kind == BOP_LASER ||
           kind == BOP_VIEW;
}

/* Name offsets: inside the pool, a non-empty name of at most BOARD_MAX_NAME_BYTES
 * (the pool ends in a NUL, so every offset inside it starts a terminated string). */
static bool names_ok(const struct board_log *log, const struct bnames *nm)
{
    for (uint32_t i = 0; i < nm->n; i++) {
        uint32_t off = nm->off[i];
        if (off >= log->nstr || log->str[off] == '\0')
            return false;
        size_t room = log->nstr - off;
        if (!memchr(log->str + off, '\0',
                    room < BOARD_MAX_NAME_BYTES + 1 ? room : BOARD_MAX_NAME_BYTES + 1))
            return false;
    }
    return true;
}

/* The string at off (an offset into the pool) has exactly len bytes. */
static bool str_is(const struct board_log *log, uint32_t off, uint32_t len)
{
    return off < log->nstr && len < log->nstr - off && log->str[off + len] == '\0' &&
           !memchr(log->str + off, '\0', len);
}

static bool coord_ok(float f)
{
    return isfinite(f) && fabsf(f) <= (float)BOARD_MAX_COORD;
}

/* One op against the pools; NULL if fine, else what is wrong. */
static const char *check_op(const struct board_log *log, const struct bop *op)
{
    int k = op->kind;
    if (k >= BOP__COUNT)
        return "unknown op kind";
    if (op->flags & ~(BOPF_DUP | BOPF_CAP))
        return "unknown flags";
    if (op->t < 0 || op->t > 9007199254740992LL)
        return "time out of range";
    if (op->batch >= log->nbatches)
        return "batch index out of range";
    if (op->user >= log->users.n)
        return "user index out of range";
    if (kind_needs_board(k) ? op->board >= log->boards.n : op->board != BNONE)
        return "board index out of range";
    if (kind_needs_id(k) ? op->id >= log->elems.n : op->id != BNONE)
        return "element index out of range";
    if (kind_has_param(k) && op->a >= log->nparams)
        return "parameter index out of range";
    const struct bparam *p = kind_has_param(k) ? &log->params[op->a] : NULL;
    switch (k) {
    case BOP_BOARD_ADD:
    case BOP_BOARD_BG:
        if ((p->u[2] & ~0x301u) || (p->u[2] >> 8) > BOARD_FIT_STRETCH)
            return "bad background flags";
        if (p->u[1] && (p->u[1] - 1 >= log->nstr || !log->str[p->u[1] - 1]))
            return "bad image string";
        break;
    case BOP_STROKE_BEGIN:
    case BOP_STROKE_APPEND:
        /* The player reads points [stroke_off, stroke_off + 2 * b) of the pool. */
        if (log->stroke_off[op->id] > log->npts_f ||
            (size_t)op->b * 2 > log->npts_f - log->stroke_off[op->id])
            return "points out of range";
        if (k == BOP_STROKE_BEGIN && (p->u[1] > BOARD_TOOL_HIGHLIGHTER || !coord_ok(p->f[0])))
            return "bad stroke parameters";
        break;
    case BOP_SHAPE: {
        uint32_t sk = p->u[2] & 0xFF;
        if (sk < BOARD_ELEM_LINE || sk > BOARD_ELEM_ELLIPSE || (p->u[2] & ~0x1FFu))
            return "bad shape kind";
        for (int i = 0; i < 5; i++)
            if (!coord_ok(p->f[i]))
                return "bad shape geometry";
        break;
    }
    case BOP_TEXT:
        if (!str_is(log, p->u[1], p->u[2]))
            return "bad text string";
        if (!coord_ok(p->f[0]) || !coord_ok(p->f[1]) || !coord_ok(p->f[2]))
            return "bad text geometry";
        break;
    case BOP_MOVE:
        if (p->u[0] > log->nids || p->u[1] == 0 || p->u[1] > BOARD_MAX_IDS ||
            p->u[1] > log->nids - p->u[0])
            return "id list out of range";
        if (!coord_ok(p->f[0]) || !coord_ok(p->f[1]))
            return "bad move";
        break;
    case BOP_ERASE:
        if (op->a > log->nids || op->b == 0 || op->b > BOARD_MAX_IDS || op->b > log->nids - op->a)
            return "id list out of range";
        break;
    case BOP_LASER:
    case BOP_VIEW:
        for (int i = 0; i < 3; i++)
            if (!coord_ok(p->f[i]))
                return "bad position";
        break;
    default:
        break;
    }
    return NULL;
}

/* The facts board_log_finish() derives, checked again: times in order, and
 * an id created once (later creates flagged duplicate), so the player meets
 * exactly the log finish would have made. */
static int check_order(const struct board_log *log, const char **badp)
{
    uint8_t *created = calloc(log->elems.n ? log->elems.n : 1, 1);
    if (!created)
        return SP_ENOMEM;
    const char *bad = NULL;
    for (size_t i = 0; i < log->nops && !bad; i++) {
        const struct bop *op = &log->ops[i];
        if (i > 0) {
            const struct bop *prev = &log->ops[i - 1];
            if (prev->t > op->t ||
                (prev->t == op->t && log->batches[prev->batch].seq > log->batches[op->batch].seq))
                bad = "ops out of order";
        }
        bool create = op->kind == BOP_STROKE_BEGIN || op->kind == BOP_SHAPE || op->kind == BOP_TEXT;
        if (create) {
            if (!!(op->flags & BOPF_DUP) != !!created[op->id])
                bad = "duplicate flags do not match the ops";
            created[op->id] = 1;
        } else if (op->flags & BOPF_DUP) {
            bad = "duplicate flag on an op that creates nothing";
        }
        if ((op->flags & BOPF_CAP) && op->kind != BOP_STROKE_APPEND)
            bad = "point cap flag on an op that is not stroke.append";
    }
    free(created);
    *badp = bad;
    return 0;
}

static uint32_t *get_u32s(const uint8_t **r, uint32_t n, bool *ok)
{
    if (!n)
        return NULL;
    uint32_t *a = malloc((size_t)n * sizeof(*a));
    if (!a) {
        *ok = false;
        return NULL;
    }
    sp_get_words(a, *r, n);
    *r += (size_t)n * 4;
    return a;
}

static void get_names(struct bnames *nm, const uint8_t **r, uint32_t n, bool *ok)
{
    nm->n = n;
    nm->cap = n;
    nm->off = get_u32s(r, n, ok);
}

int board_log_deserialize(const uint8_t *data, size_t len, struct board_log **out,
                          struct diag_list *diag)
{
    if (!out)
        return SP_EINVAL;
    *out = NULL;
    if (!data && len)
        return SP_EINVAL;
    if (len < 8 || memcmp(data, kMagic, 8) != 0)
        return fail(diag, SP_EPARSE, "not a serialized board log (bad magic)");
    if (len < HEADER_BYTES + COUNTS_BYTES + TRAILER_BYTES)
        return fail(diag, SP_EPARSE, "truncated (%zu bytes)", len);
    uint32_t version = sp_get_u32(data + 8);
    if (version != FORMAT_VERSION)
        return fail(diag, SP_EUNSUPPORTED, "format version %u, this build reads %u", version,
                    FORMAT_VERSION);
    uint64_t total = sp_get_u64(data + 16);
    if (total != len)
        return fail(diag, SP_EPARSE,
                    "%zu bytes where the header says %llu (truncated or"
                    " extended)",
                    len, (unsigned long long)total);
    if (sp_get_u32(data + 12) != 0)
        return fail(diag, SP_EPARSE, "reserved header field is not 0");
    if (sp_checksum64(data, len - TRAILER_BYTES) != sp_get_u64(data + len - TRAILER_BYTES))
        return fail(diag, SP_EPARSE, "checksum mismatch (damaged)");

    const uint8_t *r = data + HEADER_BYTES;
    uint32_t n[NCOUNTS];
    for (int i = 0; i < NCOUNTS; i++, r += 4)
        n[i] = sp_get_u32(r);
    /* Caps first, then the bytes: nothing is allocated from a count that the
     * buffer does not back. */
    if (n[0] > BOARD_MAX_OPS)
        return fail(diag, SP_EPARSE, "%u ops exceed BOARD_MAX_OPS", n[0]);
    if (n[1] > n[0])
        return fail(diag, SP_EPARSE, "more parameter records (%u) than ops (%u)", n[1], n[0]);
    if (n[2] % 2 || n[2] / 2 > BOARD_MAX_POINTS)
        return fail(diag, SP_EPARSE, "bad point count (%u coordinates)", n[2]);
    if (n[4] > BOARD_MAX_STRING_BYTES)
        return fail(diag, SP_EPARSE, "string pool exceeds BOARD_MAX_STRING_BYTES");
    if (n[5] > n[4] || n[6] > n[4] / 2 + 1)
        return fail(diag, SP_EPARSE, "more batches or elements than the string pool names");
    if (n[7] > BOARD_MAX_PAGES || n[8] > BOARD_MAX_USERS)
        return fail(diag, SP_EPARSE, "more boards or users than BOARD_MAX_PAGES / BOARD_MAX_USERS");
    if (arrays_bytes(n) != len - HEADER_BYTES - COUNTS_BYTES - TRAILER_BYTES)
        return fail(diag, SP_EPARSE, "the counts do not match the %zu bytes", len);
    if (n[4] && data[len - TRAILER_BYTES - 1] != '\0')
        return fail(diag, SP_EPARSE, "string pool does not end in NUL");

    struct board_log *log = calloc(1, sizeof(*log));
    if (!log)
        return SP_ENOMEM;
    bool ok = true;
    log->nops = log->cap_ops = n[0];
    if (n[0] && !(log->ops = malloc((size_t)n[0] * sizeof(*log->ops))))
        ok = false;
    for (uint32_t i = 0; ok && i < n[0]; i++, r += OP_BYTES) {
        struct bop *op = &log->ops[i];
        memset(op, 0, sizeof(*op));
        op->t = (int64_t)sp_get_u64(r);
        op->batch = sp_get_u32(r + 8);
        op->user = sp_get_u32(r + 12);
        op->board = sp_get_u32(r + 16);
        op->id = sp_get_u32(r + 20);
        op->a = sp_get_u32(r + 24);
        op->b = sp_get_u32(r + 28);
        op->pos = sp_get_u16(r + 32);
        op->kind = r[34];
        op->flags = r[35];
    }
    log->nparams = log->cap_params = n[1];
    if (ok && n[1] && !(log->params = malloc((size_t)n[1] * sizeof(*log->params))))
        ok = false;
    for (uint32_t i = 0; ok && i < n[1]; i++, r += PARAM_BYTES) {
        sp_get_words(log->params[i].f, r, 5);
        sp_get_words(log->params[i].u, r + 20, 4);
    }
    if (ok) {
        log->npts_f = log->cap_pts_f = n[2];
        if (n[2] && !(log->pts = malloc((size_t)n[2] * sizeof(float))))
            ok = false;
        else if (n[2]) {
            sp_get_words(log->pts, r, n[2]);
            r += (size_t)n[2] * 4;
        }
    }
    if (ok) {
        log->nids = log->cap_ids = n[3];
        log->ids = get_u32s(&r, n[3], &ok);
    }
    log->nbatches = log->cap_batches = n[5];
    if (ok && n[5] && !(log->batches = malloc((size_t)n[5] * sizeof(*log->batches))))
        ok = false;
    for (uint32_t i = 0; ok && i < n[5]; i++, r += BATCH_BYTES) {
        log->batches[i].seq = (int64_t)sp_get_u64(r);
        log->batches[i].where = sp_get_u32(r + 8);
    }
    if (ok) {
        get_names(&log->elems, &r, n[6], &ok);
        /* Always allocated after finish (the player indexes it by element). */
        log->stroke_off = malloc((n[6] ? n[6] : 1) * sizeof(*log->stroke_off));
        if (!log->stroke_off)
            ok = false;
        else if (n[6]) {
            sp_get_words(log->stroke_off, r, n[6]);
            r += (size_t)n[6] * 4;
        }
    }
    if (ok)
        get_names(&log->boards, &r, n[7], &ok);
    if (ok)
        get_names(&log->users, &r, n[8], &ok);
    if (ok) {
        log->nstr = log->cap_str = n[4];
        if (n[4] && !(log->str = malloc(n[4])))
            ok = false;
        else if (n[4])
            memcpy(log->str, r, n[4]);
    }
    if (!ok) {
        board_log_free(log);
        return SP_ENOMEM;
    }
    log->finished = true;

    /* Everything the player and the renderer index with is checked here. */
    const char *bad = NULL;
    if (!names_ok(log, &log->elems) || !names_ok(log, &log->boards) || !names_ok(log, &log->users))
        bad = "bad name offsets";
    for (uint32_t i = 0; !bad && i < n[5]; i++)
        if (log->batches[i].where >= log->nstr)
            bad = "bad batch name offset";
    for (uint32_t i = 0; !bad && i < n[6]; i++)
        if (log->stroke_off[i] > log->npts_f || log->stroke_off[i] % 2)
            bad = "bad point offset";
    for (uint32_t i = 0; !bad && i < n[3]; i++)
        if (log->ids[i] >= log->elems.n)
            bad = "bad element index in an id list";
    for (uint32_t i = 0; !bad && i < n[2]; i++)
        if (!coord_ok(log->pts[i]))
            bad = "point out of range";
    if (bad) {
        board_log_free(log);
        return fail(diag, SP_EPARSE, "%s", bad);
    }
    for (size_t i = 0; i < log->nops; i++) {
        bad = check_op(log, &log->ops[i]);
        if (bad) {
            board_log_free(log);
            return fail(diag, SP_EPARSE, "ops[%zu]: %s", i, bad);
        }
    }
    if (check_order(log, &bad)) {
        board_log_free(log);
        return SP_ENOMEM;
    }
    if (bad) {
        board_log_free(log);
        return fail(diag, SP_EPARSE, "%s", bad);
    }
    *out = log;
    return 0;
}
