/* board_log.c - reads TXWhiteBoardExt batches into compact op records and
 * orders them (replay format, sections 4 and 5). */
#include "player/board/board_internal.h"
#include "base/json_arena.h"
#include "base/json_util.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/sp_error.h"

static const char *const kind_names[BOP__COUNT] = {
    [BOP_BOARD_ADD] = "board.add",
    [BOP_BOARD_SWITCH] = "board.switch",
    [BOP_BOARD_REMOVE] = "board.remove",
    [BOP_BOARD_BG] = "board.bg",
    [BOP_STROKE_BEGIN] = "stroke.begin",
    [BOP_STROKE_APPEND] = "stroke.append",
    [BOP_STROKE_END] = "stroke.end",
    [BOP_SHAPE] = "shape",
    [BOP_TEXT] = "text",
    [BOP_MOVE] = "move",
    [BOP_ERASE] = "erase",
    [BOP_CLEAR] = "clear",
    [BOP_UNDO] = "undo",
    [BOP_REDO] = "redo",
    [BOP_LASER] = "laser",
    [BOP_VIEW] = "view",
};

const char *blog_kind_name(int kind)
{
    return kind >= 0 && kind < BOP__COUNT ? kind_names[kind] : "?";
}

/* ---- growable arrays ------------------------------------------------------- */

static int grow(void **p, size_t *cap, size_t need, size_t elsize)
{
    if (need <= *cap)
        return 0;
    size_t ncap = *cap ? *cap : 16;
    while (ncap < need) {
        if (ncap > SIZE_MAX / 2)
            return SP_ENOMEM;
        ncap *= 2;
    }
    if (ncap > SIZE_MAX / elsize)
        return SP_ENOMEM;
    void *n = realloc(*p, ncap * elsize);
    if (!n)
        return SP_ENOMEM;
    *p = n;
    *cap = ncap;
    return 0;
}

#define GROW(arr, cnt, capv, more) grow((void **)&(arr), &(capv), (cnt) + (more), sizeof(*(arr)))

/* Records one event of a batch read apart (log->rec set). An event that
 * cannot be recorded makes the batch be read again when it is added. */
static void rec_event(struct board_log *log, uint32_t kind, uint32_t a, uint32_t len)
{
    struct brec *r = log->rec;
    if (!r)
        return;
    if (GROW(r->ev, r->nev, r->cap_ev, 1)) {
        r->oom = true;
        return;
    }
    r->ev[r->nev++] = (struct bevent){kind, a, len};
}

/* Appends a NUL-terminated copy; *off gets its offset. */
static int pool_add(struct board_log *log, const char *s, size_t len, uint32_t *off)
{
    if (log->nstr + len + 1 > BOARD_MAX_STRING_BYTES)
        return SP_ELIMIT;
    if (GROW(log->str, log->nstr, log->cap_str, len + 1))
        return SP_ENOMEM;
    memcpy(log->str + log->nstr, s, len);
    log->str[log->nstr + len] = '\0';
    *off = (uint32_t)log->nstr;
    log->nstr += len + 1;
    return 0;
}

/* A string that is not a name (batch name, image URL, text). */
static int str_add(struct board_log *log, const char *s, size_t len, uint32_t *off)
{
    int rc = pool_add(log, s, len, off);
    if (rc == 0)
        rec_event(log, BEV_STR, *off, (uint32_t)len);
    return rc;
}

static uint32_t hash_str(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 16777619u;
    return h;
}

static int names_rehash(struct bnames *nm, const char *str)
{
    uint32_t ncap = nm->tcap ? nm->tcap * 2 : 64;
    uint32_t *t = calloc(ncap, sizeof(*t));
    if (!t)
        return SP_ENOMEM;
    for (uint32_t i = 0; i < nm->n; i++) {
        uint32_t h = hash_str(str + nm->off[i]) & (ncap - 1);
        while (t[h])
            h = (h + 1) & (ncap - 1);
        t[h] = i + 1;
    }
    free(nm->table);
    nm->table = t;
    nm->tcap = ncap;
    return 0;
}

/* Index of name s (interned on first use). Returns 0 or an error. */
static int names_get(struct board_log *log, struct bnames *nm, const char *s, uint32_t limit,
                     uint32_t *out)
{
    if (nm->tcap) {
        uint32_t h = hash_str(s) & (nm->tcap - 1);
        while (nm->table[h]) {
            uint32_t i = nm->table[h] - 1;
            if (strcmp(log->str + nm->off[i], s) == 0) {
                *out = i;
                return 0;
            }
            h = (h + 1) & (nm->tcap - 1);
        }
    }
    if (nm->n >= limit)
        return SP_ELIMIT;
    if ((nm->n + 1) * 2 > nm->tcap && names_rehash(nm, log->str))
        return SP_ENOMEM;
    size_t cap = nm->cap;
    if (grow((void **)&nm->off, &cap, (size_t)nm->n + 1, sizeof(*nm->off)))
        return SP_ENOMEM;
    nm->cap = (uint32_t)cap;
    uint32_t off;
    int rc = pool_add(log, s, strlen(s), &off);
    if (rc)
        return rc;
    if (log->rec)
        rec_event(log,
                  nm == &log->elems    ? BEV_ELEM
                  : nm == &log->boards ? BEV_BOARD
                                       : BEV_USER,
                  nm->n, 0);
    nm->off[nm->n] = off;
    uint32_t h = hash_str(s) & (nm->tcap - 1);
    while (nm->table[h])
        h = (h + 1) & (nm->tcap - 1);
    nm->table[h] = nm->n + 1;
    *out = nm->n++;
    return 0;
}

static void names_free(struct bnames *nm)
{
    free(nm->off);
    free(nm->table);
}

/* ---- create / free ------------------------------------------------------------ */

struct board_log *board_log_create(void)
{
    return calloc(1, sizeof(struct board_log));
}

void board_log_free(struct board_log *log)
{
    if (!log)
        return;
    free(log->ops);
    free(log->params);
    free(log->pts);
    free(log->ids);
    free(log->str);
    free(log->batches);
    free(log->stroke_off);
    names_free(&log->elems);
    names_free(&log->boards);
    names_free(&log->users);
    free(log);
}

size_t board_log_op_count(const struct board_log *log)
{
    return log ? log->nops : 0;
}

/* Op times are whole ms in [0, 2^53]: * 1000 cannot overflow. */
int64_t board_log_first_time_us(const struct board_log *log)
{
    return log && log->finished && log->nops ? log->ops[0].t * 1000 : 0;
}

int64_t board_log_last_time_us(const struct board_log *log)
{
    return log && log->finished && log->nops ? log->ops[log->nops - 1].t * 1000 : 0;
}

size_t board_log_bytes(const struct board_log *log)
{
    if (!log)
        return 0;
    return sizeof(*log) + log->cap_ops * sizeof(struct bop) +
           log->cap_params * sizeof(struct bparam) + log->cap_pts_f * sizeof(float) +
           log->cap_ids * sizeof(uint32_t) + log->cap_str +
           log->cap_batches * sizeof(struct bbatch) +
           (log->elems.cap + log->boards.cap + log->users.cap) * sizeof(uint32_t) +
           (size_t)(log->elems.tcap + log->boards.tcap + log->users.tcap) * sizeof(uint32_t) +
           (log->finished ? log->elems.n * sizeof(uint32_t) : 0);
}

void blog_op_where(const struct board_log *log, const struct bop *op, char *buf, size_t len)
{
    snprintf(buf, len, "%s: Data.ops[%u] (%s)", blog_str(log, log->batches[op->batch].where),
             (unsigned)op->pos, blog_kind_name(op->kind));
}

/* ---- field readers ---------------------------------------------------------------- */

/* Context for the diagnostics of one op. */
struct opctx {
    struct board_log *log;
    struct diag_list *diag;
    const char *where;
    int index;
    const char *kind;
    int err; /* a log-wide error (SP_ELIMIT / SP_ENOMEM) hit while reading */
};

static void bad(struct opctx *c, const char *field, const char *fmt, const char *arg)
{
    char reason[256];
    snprintf(reason, sizeof(reason), fmt, arg);
    if (field)
        diag_add(c->diag, DIAG_WARNING, "%s: Data.ops[%d].%s: %s (%s skipped)", c->where, c->index,
                 field, reason, c->kind ? c->kind : "op");
    else
        diag_add(c->diag, DIAG_WARNING, "%s: Data.ops[%d]: %s (%s skipped)", c->where, c->index,
                 reason, c->kind ? c->kind : "op");
}

static bool get_number(struct opctx *c, const cJSON *o, const char *key, double lo, double hi,
                       bool required, double *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!v) {
        if (required)
            bad(c, key, "%s", "missing");
        return false;
    }
    if (!cJSON_IsNumber(v)) {
        bad(c, key, "expected number, got %s", sp_json_type_name(v));
        return false;
    }
    double d = v->valuedouble;
    if (!isfinite(d) || d < lo || d > hi) {
        char r[64];
        snprintf(r, sizeof(r), "%g", d);
        bad(c, key, "value %s out of range", r);
        return false;
    }
    *out = d;
    return true;
}

/* A string of 1..max bytes without NUL. */
static const char *get_string(struct opctx *c, const cJSON *o, const char *key, size_t max,
                              bool required)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!v) {
        if (required)
            bad(c, key, "%s", "missing");
        return NULL;
    }
    if (!cJSON_IsString(v) || !v->valuestring) {
        bad(c, key, "expected string, got %s", sp_json_type_name(v));
        return NULL;
    }
    size_t n = strlen(v->valuestring);
    if (n == 0) {
        bad(c, key, "%s", "empty string");
        return NULL;
    }
    if (n > max) {
        char r[32];
        snprintf(r, sizeof(r), "%zu", max);
        bad(c, key, "longer than %s bytes", r);
        return NULL;
    }
    return v->valuestring;
}

static int hexval(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

/* "#RRGGBB" or "#RRGGBBAA" -> 0xRRGGBBAA. */
static bool parse_color(const char *s, uint32_t *out)
{
    size_t n = strlen(s);
    if (s[0] != '#' || (n != 7 && n != 9))
        return false;
    uint32_t v = 0;
    for (size_t i = 1; i < n; i++) {
        int h = hexval(s[i]);
        if (h < 0)
            return false;
        v = v << 4 | (uint32_t)h;
    }
    *out = n == 7 ? v << 8 | 0xFF : v;
    return true;
}

static bool get_color(struct opctx *c, const cJSON *o, const char *key, bool required,
                      uint32_t *out)
{
    const char *s = get_string(c, o, key, 16, required);
    if (!s)
        return false;
    if (!parse_color(s, out)) {
        bad(c, key, "expected #RRGGBB or #RRGGBBAA, got \"%s\"", s);
        return false;
    }
    return true;
}

static bool get_name(struct opctx *c, const cJSON *o, const char *key, struct bnames *nm,
                     uint32_t limit, uint32_t *out)
{
    const char *s = get_string(c, o, key, BOARD_MAX_NAME_BYTES, true);
    if (!s)
        return false;
    int rc = names_get(c->log, nm, s, limit, out);
    if (rc == SP_ELIMIT && c->log->rec)
        c->log->rec->inexact = true; /* another log may hold some of these already */
    if (rc == SP_ELIMIT && nm != &c->log->elems) {
        bad(c, key, "too many distinct values (limit %s)",
            nm == &c->log->boards ? "BOARD_MAX_PAGES" : "BOARD_MAX_USERS");
        return false;
    }
    if (rc) {
        c->err = rc;
        return false;
    }
    return true;
}

/* pts: flat array of an even number of coordinates. */
static bool get_points(struct opctx *c, const cJSON *o, uint32_t *off, uint32_t *count)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, "pts");
    if (!v) {
        bad(c, "pts", "%s", "missing");
        return false;
    }
    if (!cJSON_IsArray(v)) {
        bad(c, "pts", "expected an array of numbers, got %s", sp_json_type_name(v));
        return false;
    }
    size_t n = (size_t)cJSON_GetArraySize(v);
    if (n % 2) {
        bad(c, "pts", "%s", "odd number of coordinates");
        return false;
    }
    if (n / 2 > BOARD_MAX_OP_POINTS) {
        bad(c, "pts", "%s", "more than BOARD_MAX_OP_POINTS points");
        return false;
    }
    struct board_log *log = c->log;
    if (log->rec && log->npts_f + n > log->rec->peak_pts_f)
        log->rec->peak_pts_f = log->npts_f + n;
    if (log->npts_f / 2 + n / 2 > BOARD_MAX_POINTS) {
        bad(c, "pts", "%s", "the log holds BOARD_MAX_POINTS points already");
        c->err = SP_ELIMIT;
        return false;
    }
    if (GROW(log->pts, log->npts_f, log->cap_pts_f, n)) {
        c->err = SP_ENOMEM;
        return false;
    }
    size_t i = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, v)
    {
        if (!cJSON_IsNumber(e) || !isfinite(e->valuedouble) ||
            fabs(e->valuedouble) > BOARD_MAX_COORD) {
            char f[32];
            snprintf(f, sizeof(f), "pts[%zu]", i);
            bad(c, f, "expected a number within +-BOARD_MAX_COORD, got %s", sp_json_type_name(e));
            return false;
        }
        log->pts[log->npts_f + i++] = (float)e->valuedouble;
    }
    *off = (uint32_t)log->npts_f;
    *count = (uint32_t)(n / 2);
    log->npts_f += n;
    return true;
}

static bool get_ids(struct opctx *c, const cJSON *o, uint32_t *off, uint32_t *count)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, "ids");
    if (!v) {
        bad(c, "ids", "%s", "missing");
        return false;
    }
    if (!cJSON_IsArray(v)) {
        bad(c, "ids", "expected an array of strings, got %s", sp_json_type_name(v));
        return false;
    }
    size_t n = (size_t)cJSON_GetArraySize(v);
    if (n == 0 || n > BOARD_MAX_IDS) {
        bad(c, "ids", "%s", n ? "more than BOARD_MAX_IDS ids" : "empty");
        return false;
    }
    struct board_log *log = c->log;
    if (GROW(log->ids, log->nids, log->cap_ids, n)) {
        c->err = SP_ENOMEM;
        return false;
    }
    size_t i = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, v)
    {
        if (!cJSON_IsString(e) || !e->valuestring || !e->valuestring[0] ||
            strlen(e->valuestring) > BOARD_MAX_NAME_BYTES) {
            char f[32]; /* named only when bad: formatting it per id showed in profiles */
            snprintf(f, sizeof(f), "ids[%zu]", i);
            bad(c, f, "expected a non-empty string of at most BOARD_MAX_NAME_BYTES, got %s",
                sp_json_type_name(e));
            return false;
        }
        uint32_t id;
        int rc = names_get(log, &log->elems, e->valuestring, UINT32_MAX - 1, &id);
        if (rc) {
            c->err = rc;
            return false;
        }
        log->ids[log->nids + i++] = id;
    }
    *off = (uint32_t)log->nids;
    *count = (uint32_t)n;
    log->nids += n;
    return true;
}

static bool new_param(struct opctx *c, uint32_t *idx)
{
    struct board_log *log = c->log;
    if (GROW(log->params, log->nparams, log->cap_params, 1)) {
        c->err = SP_ENOMEM;
        return false;
    }
    memset(&log->params[log->nparams], 0, sizeof(struct bparam));
    *idx = (uint32_t)log->nparams++;
    return true;
}

static int kind_from_name(const char *s)
{
    for (int k = 0; k < BOP__COUNT; k++)
        if (strcmp(kind_names[k], s) == 0)
            return k;
    return -1;
}

static const char *const fit_names[] = {"contain", "cover", "stretch"};
static const char *const shape_names[] = {"line", "arrow", "rect", "ellipse"};
static const enum board_elem_kind shape_kinds[] = {BOARD_ELEM_LINE, BOARD_ELEM_ARROW,
                                                   BOARD_ELEM_RECT, BOARD_ELEM_ELLIPSE};

/* Background fields of board.add / board.bg. */
static bool read_bg(struct opctx *c, const cJSON *o, struct bparam *p)
{
    uint32_t color = 0;
    bool has_color = false;
    if (cJSON_GetObjectItemCaseSensitive(o, "color")) {
        if (!get_color(c, o, "color", false, &color))
            return false;
        has_color = true;
    }
    uint32_t image = 0;
    if (cJSON_GetObjectItemCaseSensitive(o, "image")) {
        const char *url = get_string(c, o, "image", BOARD_MAX_URL_BYTES, false);
        if (!url)
            return false;
        uint32_t off;
        int rc = str_add(c->log, url, strlen(url), &off);
        if (rc) {
            c->err = rc;
            return false;
        }
        image = off + 1;
    }
    uint32_t fit = BOARD_FIT_CONTAIN;
    if (cJSON_GetObjectItemCaseSensitive(o, "fit")) {
        const char *s = get_string(c, o, "fit", 16, false);
        if (!s)
            return false;
        uint32_t i = 0;
        while (i < 3 && strcmp(fit_names[i], s) != 0)
            i++;
        if (i == 3) {
            bad(c, "fit", "expected contain, cover or stretch, got \"%s\"", s);
            return false;
        }
        fit = i;
    }
    p->u[0] = color;
    p->u[1] = image;
    p->u[2] = (has_color ? 1u : 0u) | fit << 8;
    return true;
}

/* Reads one op into *op (+ side pools). False: skipped (diagnosed). */
static bool read_op(struct opctx *c, const cJSON *o, struct bop *op)
{
    struct board_log *log = c->log;
    if (!cJSON_IsObject(o)) {
        bad(c, NULL, "expected an object, got %s", sp_json_type_name(o));
        return false;
    }
    const char *kname = get_string(c, o, "op", 32, true);
    if (!kname)
        return false;
    int kind = kind_from_name(kname);
    if (kind < 0) {
        bad(c, "op", "unknown operation \"%s\"", kname);
        return false;
    }
    c->kind = kind_names[kind];
    double t;
    if (!get_number(c, o, "t", 0, 9007199254740992.0, true, &t))
        return false;
    if (t != floor(t)) {
        bad(c, "t", "%s", "expected integer milliseconds");
        return false;
    }
    memset(op, 0, sizeof(*op));
    op->t = (int64_t)t;
    op->kind = (uint8_t)kind;
    op->board = BNONE;
    op->id = BNONE;
    if (!get_name(c, o, "user", &log->users, BOARD_MAX_USERS, &op->user))
        return false;

    bool needs_board = kind == BOP_BOARD_ADD || kind == BOP_BOARD_SWITCH ||
                       kind == BOP_BOARD_REMOVE || kind == BOP_BOARD_BG ||
                       kind == BOP_STROKE_BEGIN || kind == BOP_SHAPE || kind == BOP_TEXT ||
                       kind == BOP_CLEAR || kind == BOP_LASER || kind == BOP_VIEW;
    bool needs_id = kind == BOP_STROKE_BEGIN || kind == BOP_STROKE_APPEND ||
                    kind == BOP_STROKE_END || kind == BOP_SHAPE || kind == BOP_TEXT;
    /* Validate everything that cannot fail on memory before interning ids. */
    struct bparam p;
    memset(&p, 0, sizeof(p));
    double d[5];
    switch (kind) {
    case BOP_BOARD_ADD:
    case BOP_BOARD_BG:
        if (!read_bg(c, o, &p))
            return false;
        break;
    case BOP_STROKE_BEGIN: {
        const char *tool = get_string(c, o, "tool", 16, true);
        if (!tool)
            return false;
        if (strcmp(tool, "pen") == 0)
            p.u[1] = BOARD_TOOL_PEN;
        else if (strcmp(tool, "highlighter") == 0)
            p.u[1] = BOARD_TOOL_HIGHLIGHTER;
        else {
            bad(c, "tool", "expected pen or highlighter, got \"%s\"", tool);
            return false;
        }
        if (!get_color(c, o, "color", true, &p.u[0]) ||
            !get_number(c, o, "width", 0, 1000, true, &d[0]))
            return false;
        p.f[0] = (float)d[0];
        break;
    }
    case BOP_SHAPE: {
        const char *k = get_string(c, o, "kind", 16, true);
        if (!k)
            return false;
        uint32_t i = 0;
        while (i < 4 && strcmp(shape_names[i], k) != 0)
            i++;
        if (i == 4) {
            bad(c, "kind", "expected line, arrow, rect or ellipse, got \"%s\"", k);
            return false;
        }
        static const char *const xy[] = {"x1", "y1", "x2", "y2"};
        for (int j = 0; j < 4; j++) {
            if (!get_number(c, o, xy[j], -BOARD_MAX_COORD, BOARD_MAX_COORD, true, &d[j]))
                return false;
            p.f[j] = (float)d[j];
        }
        if (!get_color(c, o, "color", true, &p.u[0]) ||
            !get_number(c, o, "width", 0, 1000, true, &d[4]))
            return false;
        p.f[4] = (float)d[4];
        uint32_t has_fill = 0;
        const cJSON *fv = cJSON_GetObjectItemCaseSensitive(o, "fill");
        if (fv && cJSON_IsTrue(fv)) {
            has_fill = 1;
            p.u[1] = p.u[0];
        } else if (fv && !cJSON_IsFalse(fv) && !cJSON_IsNull(fv)) {
            if (!get_color(c, o, "fill", false, &p.u[1]))
                return false;
            has_fill = 1;
        }
        p.u[2] = (uint32_t)shape_kinds[i] | has_fill << 8;
        break;
    }
    case BOP_TEXT: {
        if (!get_number(c, o, "x", -BOARD_MAX_COORD, BOARD_MAX_COORD, true, &d[0]) ||
            !get_number(c, o, "y", -BOARD_MAX_COORD, BOARD_MAX_COORD, true, &d[1]) ||
            !get_number(c, o, "size", 0.1, 1000, true, &d[2]) ||
            !get_color(c, o, "color", true, &p.u[0]))
            return false;
        const cJSON *tv = cJSON_GetObjectItemCaseSensitive(o, "text");
        if (!tv || !cJSON_IsString(tv) || !tv->valuestring) {
            bad(c, "text", tv ? "expected string, got %s" : "missing%s",
                tv ? sp_json_type_name(tv) : "");
            return false;
        }
        size_t n = strlen(tv->valuestring);
        if (n > BOARD_MAX_TEXT_BYTES) {
            bad(c, "text", "%s", "longer than BOARD_MAX_TEXT_BYTES");
            return false;
        }
        p.f[0] = (float)d[0];
        p.f[1] = (float)d[1];
        p.f[2] = (float)d[2];
        uint32_t off;
        int rc = str_add(log, tv->valuestring, n, &off);
        if (rc) {
            c->err = rc;
            return false;
        }
        p.u[1] = off;
        p.u[2] = (uint32_t)n;
        break;
    }
    case BOP_MOVE:
        if (!get_number(c, o, "dx", -BOARD_MAX_COORD, BOARD_MAX_COORD, true, &d[0]) ||
            !get_number(c, o, "dy", -BOARD_MAX_COORD, BOARD_MAX_COORD, true, &d[1]))
            return false;
        p.f[0] = (float)d[0];
        p.f[1] = (float)d[1];
        break;
    case BOP_LASER:
        if (!get_number(c, o, "x", -BOARD_MAX_COORD, BOARD_MAX_COORD, true, &d[0]) ||
            !get_number(c, o, "y", -BOARD_MAX_COORD, BOARD_MAX_COORD, true, &d[1]))
            return false;
        p.f[0] = (float)d[0];
        p.f[1] = (float)d[1];
        break;
    case BOP_VIEW:
        if (!get_number(c, o, "scale", 0.01, 100, true, &d[0]) ||
            !get_number(c, o, "x", -BOARD_MAX_COORD, BOARD_MAX_COORD, true, &d[1]) ||
            !get_number(c, o, "y", -BOARD_MAX_COORD, BOARD_MAX_COORD, true, &d[2]))
            return false;
        p.f[0] = (float)d[0];
        p.f[1] = (float)d[1];
        p.f[2] = (float)d[2];
        break;
    default:
        break;
    }
    if (needs_board && !get_name(c, o, "board", &log->boards, BOARD_MAX_PAGES, &op->board))
        return false;
    if (needs_id && !get_name(c, o, "id", &log->elems, UINT32_MAX - 1, &op->id))
        return false;

    uint32_t off, count;
    switch (kind) {
    case BOP_STROKE_BEGIN:
        if (!get_points(c, o, &off, &count))
            return false;
        p.u[2] = off;
        p.u[3] = count;
        break;
    case BOP_STROKE_APPEND:
        if (!get_points(c, o, &off, &count))
            return false;
        op->a = off;
        op->b = count;
        return true;
    case BOP_MOVE:
        if (!get_ids(c, o, &off, &count))
            return false;
        p.u[0] = off;
        p.u[1] = count;
        break;
    case BOP_ERASE:
        if (!get_ids(c, o, &off, &count))
            return false;
        op->a = off;
        op->b = count;
        return true;
    default:
        break;
    }
    switch (kind) {
    case BOP_BOARD_ADD:
    case BOP_BOARD_BG:
    case BOP_STROKE_BEGIN:
    case BOP_SHAPE:
    case BOP_TEXT:
    case BOP_MOVE:
    case BOP_LASER:
    case BOP_VIEW:
        if (!new_param(c, &op->a))
            return false;
        log->params[op->a] = p;
        break;
    default:
        break;
    }
    return true;
}

int board_log_add_batch(struct board_log *log, const char *data_json, size_t len, int64_t msg_seq,
                        const char *where, struct diag_list *diag)
{
    if (!log || (!data_json && len))
        return SP_EINVAL;
    if (log->finished)
        return SP_EINVAL;
    if (!where)
        where = "whiteboard batch";
    if (len > BOARD_MAX_BATCH_BYTES) {
        diag_add(diag, DIAG_WARNING,
                 "%s: Data: batch of %zu bytes exceeds BOARD_MAX_BATCH_BYTES"
                 " (batch skipped)",
                 where, len);
        return SP_ELIMIT;
    }
    if (log->nops >= BOARD_MAX_OPS) {
        if (!log->warned_ops_cap)
            diag_add(diag, DIAG_WARNING,
                     "%s: Data: the board holds BOARD_MAX_OPS (%d) ops;"
                     " later batches are ignored",
                     where, BOARD_MAX_OPS);
        log->warned_ops_cap = true;
        return SP_ELIMIT;
    }
    cJSON *root = cJSON_ParseWithLength(data_json ? data_json : "", len);
    if (!root) {
        diag_add(diag, DIAG_WARNING, "%s: Data: not valid JSON (batch skipped)", where);
        return SP_EPARSE;
    }
    int rc = 0;
    if (!cJSON_IsObject(root)) {
        diag_add(diag, DIAG_WARNING, "%s: Data: expected an object, got %s (batch skipped)", where,
                 sp_json_type_name(root));
        rc = SP_EPARSE;
        goto out;
    }
    if (sp_json_refuse_nul(diag, DIAG_WARNING, where, "Data", data_json, len,
                           "the batch is skipped")) {
        rc = SP_EPARSE;
        goto out;
    }
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, "v");
    if (!v || !cJSON_IsNumber(v) || v->valuedouble != 1) {
        if (v && cJSON_IsNumber(v))
            diag_add(diag, DIAG_WARNING, "%s: Data.v: unsupported version %g (batch skipped)",
                     where, v->valuedouble);
        else
            diag_add(diag, DIAG_WARNING, "%s: Data.v: expected 1, got %s (batch skipped)", where,
                     sp_json_type_name(v));
        rc = SP_EUNSUPPORTED;
        goto out;
    }
    const cJSON *ops = cJSON_GetObjectItemCaseSensitive(root, "ops");
    if (!ops || !cJSON_IsArray(ops)) {
        diag_add(diag, DIAG_WARNING, "%s: Data.ops: expected array, got %s (batch skipped)", where,
                 sp_json_type_name(ops));
        rc = SP_EPARSE;
        goto out;
    }
    if (GROW(log->batches, log->nbatches, log->cap_batches, 1)) {
        rc = SP_ENOMEM;
        goto out;
    }
    uint32_t woff;
    size_t wlen = strnlen(where, DIAG_MAX_TEXT / 2);
    rc = str_add(log, where, wlen, &woff);
    if (rc)
        goto out;
    uint32_t batch = (uint32_t)log->nbatches++;
    log->batches[batch].seq = msg_seq;
    log->batches[batch].where = woff;
    /* The string pool may move while ops are read: diagnostics use a copy
     * (the pool's bytes, copied without snprintf's cost per batch). */
    char where_copy[DIAG_MAX_TEXT / 2 + 1];
    memcpy(where_copy, where, wlen);
    where_copy[wlen] = '\0';
    struct opctx c = {log, diag, where_copy, 0, NULL, 0};
    int i = 0;
    const cJSON *o;
    cJSON_ArrayForEach(o, ops)
    {
        if (i >= BOARD_MAX_BATCH_OPS) {
            diag_add(diag, DIAG_WARNING,
                     "%s: Data.ops: more than BOARD_MAX_BATCH_OPS (%d) ops;"
                     " the rest are ignored",
                     c.where, BOARD_MAX_BATCH_OPS);
            break;
        }
        if (log->nops >= BOARD_MAX_OPS) {
            diag_add(diag, DIAG_WARNING,
                     "%s: Data.ops[%d]: the board holds BOARD_MAX_OPS (%d)"
                     " ops; the rest are ignored",
                     c.where, i, BOARD_MAX_OPS);
            log->warned_ops_cap = true;
            rc = SP_ELIMIT;
            break;
        }
        if (GROW(log->ops, log->nops, log->cap_ops, 1)) {
            rc = SP_ENOMEM;
            break;
        }
        c.index = i;
        c.kind = NULL;
        c.err = 0;
        struct bop *op = &log->ops[log->nops];
        size_t save_pts = log->npts_f, save_ids = log->nids, save_params = log->nparams;
        if (read_op(&c, o, op)) {
            op->batch = batch;
            op->pos = (uint16_t)i;
            log->nops++;
        } else {
            /* Drop whatever the skipped op put in the pools. Interned names
             * and strings stay (harmless, bounded by the caps). */
            log->npts_f = save_pts;
            log->nids = save_ids;
            log->nparams = save_params;
        }
        if (c.err) {
            rc = c.err;
            if (c.err == SP_ELIMIT)
                diag_add(diag, DIAG_WARNING,
                         "%s: Data.ops[%d]: a log-wide cap was reached;"
                         " the rest are ignored",
                         c.where, i);
            break;
        }
        i++;
    }
out:
    sp_json_arena_delete(root); /* nothing to walk inside a scope */
    return rc;
}

/* ---- batches read apart ------------------------------------------------------------ */

struct board_batch {
    struct board_log *log; /* private: the batch read into an empty log, events recorded */
    struct brec rec;
    struct diag_list diag; /* the lines the read gave */
    int rc;                /* what board_log_add_batch() returned for the empty log */
    bool exact;            /* the read says what any log would get (see fits()) */
    int64_t seq;
    char *where; /* as given (NULL: the default); for a second read */
};

void board_batch_free(struct board_batch **bp)
{
    if (!bp || !*bp)
        return;
    struct board_batch *b = *bp;
    board_log_free(b->log);
    free(b->rec.ev);
    diag_clear(&b->diag);
    free(b->where);
    free(b);
    *bp = NULL;
}

/* Empties the names, keeping their arrays. */
static void names_reset(struct bnames *nm)
{
    nm->n = 0;
    if (nm->table)
        memset(nm->table, 0, (size_t)nm->tcap * sizeof(*nm->table));
}

/* Makes b what a new batch is, keeping the capacity of its arrays: the
 * private log empty, nothing recorded, no lines. */
static void batch_reset(struct board_batch *b)
{
    struct board_log *l = b->log;
    l->finished = false;
    l->nops = l->nparams = l->npts_f = l->nids = l->nstr = l->nbatches = 0;
    names_reset(&l->elems);
    names_reset(&l->boards);
    names_reset(&l->users);
    free(l->stroke_off); /* only a finished log has one; a private log never is */
    l->stroke_off = NULL;
    l->warned_ops_cap = false;
    l->rec = NULL;
    b->rec.nev = 0;
    b->rec.peak_pts_f = 0;
    b->rec.inexact = false;
    b->rec.oom = false;
    diag_clear(&b->diag);
    b->rc = 0;
    b->exact = false;
    free(b->where);
    b->where = NULL;
}

size_t board_batch_bytes(const struct board_batch *b)
{
    return b ? sizeof(*b) + board_log_bytes(b->log) + b->rec.cap_ev * sizeof(*b->rec.ev) : 0;
}

int board_batch_parse(const char *data_json, size_t len, int64_t msg_seq, const char *where,
                      struct board_batch **out)
{
    return board_batch_parse_into(data_json, len, msg_seq, where, NULL, out);
}

int board_batch_parse_into(const char *data_json, size_t len, int64_t msg_seq, const char *where,
                           struct board_batch *spare, struct board_batch **out)
{
    if (!out || (!data_json && len)) {
        board_batch_free(&spare);
        if (out)
            *out = NULL;
        return SP_EINVAL;
    }
    *out = NULL;
    struct board_batch *b = spare;
    if (b && b->log)
        batch_reset(b);
    else {
        board_batch_free(&b);
        b = calloc(1, sizeof(*b));
        if (!b)
            return SP_ENOMEM;
        b->log = board_log_create();
    }
    b->seq = msg_seq;
    b->where = where ? strdup(where) : NULL;
    if (!b->log || (where && !b->where)) {
        board_batch_free(&b);
        return SP_ENOMEM;
    }
    b->log->rec = &b->rec;
    b->rc = board_log_add_batch(b->log, data_json, len, msg_seq, where, &b->diag);
    /* A log-wide cap met inside the batch itself (an oversized batch is
     * refused whatever the log holds, so that one is exact) or a lack of
     * memory: the batch is read again into the real log. */
    b->exact = !b->rec.inexact && !b->rec.oom && b->rc != SP_ENOMEM &&
               !(b->rc == SP_ELIMIT && len <= BOARD_MAX_BATCH_BYTES);
    b->log->rec = NULL;
    *out = b;
    return 0;
}

/* Whether adding the batch's read to log meets no log-wide cap. Then the
 * read of the empty log is the read of this one, up to renumbering: every
 * check of board_log_add_batch() that looks at the log passes for both. */
static bool fits(const struct board_log *log, const struct board_batch *b)
{
    const struct board_log *l = b->log;
    return b->exact && log->nops + l->nops < BOARD_MAX_OPS &&
           (log->npts_f + b->rec.peak_pts_f) / 2 <= BOARD_MAX_POINTS &&
           log->nstr + l->nstr <= BOARD_MAX_STRING_BYTES &&
           (size_t)log->boards.n + l->boards.n <= BOARD_MAX_PAGES &&
           (size_t)log->users.n + l->users.n <= BOARD_MAX_USERS;
}

/* The log's offset of the batch's string at local offset off (an offset
 * given by a BEV_STR event; strmap holds pairs local, global in order). */
static uint32_t map_str(const uint32_t *strmap, size_t n, uint32_t off)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strmap[2 * mid] < off)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n ? strmap[2 * lo + 1] : 0; /* always found: the read made the offset */
}

int board_log_add_parsed(struct board_log *log, struct board_batch *b, const char *data_json,
                         size_t len, struct diag_list *diag)
{
    if (!log || !b || log->finished)
        return SP_EINVAL;
    if (!fits(log, b)) {
        diag_clear(&b->diag);
        return board_log_add_batch(log, data_json, len, b->seq, b->where, diag);
    }
    const struct board_log *l = b->log;
    diag_move(diag, &b->diag);
    if (l->nbatches == 0)
        return b->rc; /* refused as a whole (too large, not JSON, wrong shape or version) */

    /* Room first, so nothing below fails half-way through the arrays. */
    if (GROW(log->ops, log->nops, log->cap_ops, l->nops) ||
        GROW(log->params, log->nparams, log->cap_params, l->nparams) ||
        GROW(log->pts, log->npts_f, log->cap_pts_f, l->npts_f) ||
        GROW(log->ids, log->nids, log->cap_ids, l->nids) ||
        GROW(log->batches, log->nbatches, log->cap_batches, 1) ||
        GROW(log->str, log->nstr, log->cap_str, l->nstr))
        return SP_ENOMEM;
    size_t nstrs = 0;
    for (size_t k = 0; k < b->rec.nev; k++)
        nstrs += b->rec.ev[k].kind == BEV_STR;
    uint32_t ne = l->elems.n, nb = l->boards.n, nu = l->users.n;
    uint32_t *map = malloc(((size_t)ne + nb + nu + 2 * nstrs + 1) * sizeof(*map));
    if (!map)
        return SP_ENOMEM;
    uint32_t *me = map, *mb = me + ne, *mu = mb + nb, *strmap = mu + nu;

    /* The pools in the order the read filled them: names interned where
     * they were first used, strings where they were added. */
    int rc = 0;
    size_t si = 0;
    for (size_t k = 0; k < b->rec.nev && rc == 0; k++) {
        const struct bevent *ev = &b->rec.ev[k];
        switch (ev->kind) {
        case BEV_STR:
            strmap[2 * si] = ev->a;
            rc = pool_add(log, l->str + ev->a, ev->len, &strmap[2 * si + 1]);
            si++;
            break;
        case BEV_ELEM:
            rc = names_get(log, &log->elems, blog_str(l, l->elems.off[ev->a]), UINT32_MAX - 1,
                           &me[ev->a]);
            break;
        case BEV_BOARD:
            rc = names_get(log, &log->boards, blog_str(l, l->boards.off[ev->a]), BOARD_MAX_PAGES,
                           &mb[ev->a]);
            break;
        default:
            rc = names_get(log, &log->users, blog_str(l, l->users.off[ev->a]), BOARD_MAX_USERS,
                           &mu[ev->a]);
            break;
        }
    }
    if (rc) {
        free(map);
        return rc;
    }
    uint32_t batch = (uint32_t)log->nbatches++;
    log->batches[batch].seq = l->batches[0].seq;
    log->batches[batch].where = map_str(strmap, nstrs, l->batches[0].where);

    /* Ops, their parameters, points and id lists, renumbered. */
    uint32_t p0 = (uint32_t)log->nparams, f0 = (uint32_t)log->npts_f, i0 = (uint32_t)log->nids;
    if (l->nparams)
        memcpy(log->params + p0, l->params, l->nparams * sizeof(*l->params));
    if (l->npts_f)
        memcpy(log->pts + f0, l->pts, l->npts_f * sizeof(*l->pts));
    for (size_t k = 0; k < l->nids; k++)
        log->ids[i0 + k] = me[l->ids[k]];
    for (size_t k = 0; k < l->nops; k++) {
        struct bop op = l->ops[k];
        op.batch = batch;
        op.user = mu[op.user];
        if (op.board != BNONE)
            op.board = mb[op.board];
        if (op.id != BNONE)
            op.id = me[op.id];
        struct bparam *p = NULL;
        switch (op.kind) {
        case BOP_BOARD_ADD:
        case BOP_BOARD_BG:
        case BOP_STROKE_BEGIN:
        case BOP_SHAPE:
        case BOP_TEXT:
        case BOP_MOVE:
        case BOP_LASER:
        case BOP_VIEW:
            op.a += p0;
            p = &log->params[op.a];
            break;
        case BOP_STROKE_APPEND:
            op.a += f0;
            break;
        case BOP_ERASE:
            op.a += i0;
            break;
        default:
            break;
        }
        if ((op.kind == BOP_BOARD_ADD || op.kind == BOP_BOARD_BG) && p->u[1])
            p->u[1] = map_str(strmap, nstrs, p->u[1] - 1) + 1;
        else if (op.kind == BOP_STROKE_BEGIN)
            p->u[2] += f0;
        else if (op.kind == BOP_TEXT)
            p->u[1] = map_str(strmap, nstrs, p->u[1]);
        else if (op.kind == BOP_MOVE)
            p->u[0] += i0;
        log->ops[log->nops + k] = op;
    }
    log->nops += l->nops;
    log->nparams += l->nparams;
    log->npts_f += l->npts_f;
    log->nids += l->nids;
    free(map);
    return b->rc;
}

/* ---- finish: stable sort, stroke point layout ---------------------------------- */

static bool op_less(const struct board_log *log, const struct bop *a, const struct bop *b)
{
    if (a->t != b->t)
        return a->t < b->t;
    return log->batches[a->batch].seq < log->batches[b->batch].seq;
}

/* Stable bottom-up merge sort (ties keep the order the batches were added). */
static int sort_ops(struct board_log *log)
{
    size_t n = log->nops;
    if (n < 2)
        return 0;
    struct bop *tmp = malloc(n * sizeof(*tmp));
    if (!tmp)
        return SP_ENOMEM;
    struct bop *src = log->ops, *dst = tmp;
    for (size_t w = 1; w < n; w *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * w) {
            size_t mid = lo + w < n ? lo + w : n;
            size_t hi = lo + 2 * w < n ? lo + 2 * w : n;
            size_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi)
                dst[k++] = op_less(log, &src[j], &src[i]) ? src[j++] : src[i++];
            while (i < mid)
                dst[k++] = src[i++];
            while (j < hi)
                dst[k++] = src[j++];
        }
        struct bop *s = src;
        src = dst;
        dst = s;
    }
    if (src != log->ops)
        memcpy(log->ops, src, n * sizeof(*tmp));
    free(tmp);
    return 0;
}

/* Per element during layout. */
struct stroke_lay {
    uint8_t state; /* 0 never created, 1 stroke open, 2 closed or other element */
    uint32_t count;
};

int board_log_finish(struct board_log *log, struct diag_list *diag)
{
    (void)diag;
    if (!log)
        return SP_EINVAL;
    if (log->finished)
        return 0;
    int rc = sort_ops(log);
    if (rc)
        return rc;
    uint32_t ne = log->elems.n;
    struct stroke_lay *lay = calloc(ne ? ne : 1, sizeof(*lay));
    uint32_t *soff = calloc(ne ? ne : 1, sizeof(*soff));
    if (!lay || !soff) {
        free(lay);
        free(soff);
        return SP_ENOMEM;
    }
    /* Pass 1: decide which ops create elements and which appends count. An id
     * is created once: the first create op in time order owns it, later ones
     * are duplicates (even if the first one fails when applied). */
    size_t total = 0;
    for (size_t i = 0; i < log->nops; i++) {
        struct bop *op = &log->ops[i];
        if (op->kind == BOP_STROKE_BEGIN || op->kind == BOP_SHAPE || op->kind == BOP_TEXT) {
            struct stroke_lay *l = &lay[op->id];
            if (l->state) {
                op->flags |= BOPF_DUP;
                continue;
            }
            l->state = op->kind == BOP_STROKE_BEGIN ? 1 : 2;
            if (op->kind == BOP_STROKE_BEGIN) {
                l->count = log->params[op->a].u[3];
                total += l->count;
            }
        } else if (op->kind == BOP_STROKE_APPEND) {
            struct stroke_lay *l = &lay[op->id];
            if (l->state != 1)
                continue; /* the player warns: unknown id / not open */
            if ((size_t)l->count + op->b > BOARD_MAX_STROKE_POINTS) {
                op->flags |= BOPF_CAP;
                continue;
            }
            l->count += op->b;
            total += op->b;
        } else if (op->kind == BOP_STROKE_END) {
            if (lay[op->id].state == 1)
                lay[op->id].state = 2;
        }
    }
    float *pool = malloc((total ? total : 1) * 2 * sizeof(float));
    if (!pool) {
        free(lay);
        free(soff);
        return SP_ENOMEM;
    }
    /* Pass 2: lay every stroke out contiguously; ops keep the running count. */
    size_t at = 0;
    for (uint32_t e = 0; e < ne; e++) {
        if (lay[e].state && lay[e].count) {
            soff[e] = (uint32_t)at;
            at += (size_t)lay[e].count * 2;
        }
        lay[e].state = 0;
        lay[e].count = 0;
    }
    for (size_t i = 0; i < log->nops; i++) {
        struct bop *op = &log->ops[i];
        uint32_t src_off, n;
        if (op->kind == BOP_STROKE_BEGIN && !(op->flags & BOPF_DUP)) {
            src_off = log->params[op->a].u[2];
            n = log->params[op->a].u[3];
            lay[op->id].state = 1;
        } else if (op->kind == BOP_SHAPE || op->kind == BOP_TEXT) {
            if (!(op->flags & BOPF_DUP))
                lay[op->id].state = 2;
            continue;
        } else if (op->kind == BOP_STROKE_APPEND) {
            src_off = op->a;
            n = op->b;
            op->a = 0;
            op->b = 0;
            if (lay[op->id].state != 1 || (op->flags & BOPF_CAP))
                continue;
        } else {
            if (op->kind == BOP_STROKE_END && lay[op->id].state == 1)
                lay[op->id].state = 2;
            continue;
        }
        struct stroke_lay *l = &lay[op->id];
        if (n)
            memcpy(pool + soff[op->id] + (size_t)l->count * 2, log->pts + src_off,
                   (size_t)n * 2 * sizeof(float));
        l->count += n;
        op->b = l->count;
    }
    free(lay);
    free(log->pts);
    log->pts = pool;
    log->npts_f = total * 2;
    log->cap_pts_f = total ? total * 2 : 2;
    log->stroke_off = soff;
    log->finished = true;
    return 0;
}
