/* board_state.c - the persistent board model and the effect of every op
 * (replay format, section 5). Semantics are described in docs/board.md. */
#include "player/board/board_internal.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "base/platform/os_libc.h"
#include "base/sp_error.h"

/* ---- counted allocation -------------------------------------------------------- */

static void *mem_alloc(struct bmem *m, size_t n)
{
    void *p = malloc(n);
    if (p)
        m->bytes += n;
    return p;
}

static void *mem_calloc(struct bmem *m, size_t count, size_t size)
{
    void *p = calloc(count ? count : 1, size);
    if (p)
        m->bytes += (count ? count : 1) * size;
    return p;
}

static void mem_free(struct bmem *m, void *p, size_t n)
{
    if (!p)
        return;
    m->bytes -= n;
    free(p);
}

/* ---- elements --------------------------------------------------------------------- */

static void elem_unref(struct bmem *m, struct board_element *e)
{
    if (e && --e->refs == 0)
        mem_free(m, e, sizeof(*e));
}

/* ---- chunked copy-on-write vector ------------------------------------------------ */

static void chunk_unref(struct bmem *m, struct pchunk *c, bool elems)
{
    if (!c || --c->refs)
        return;
    if (elems)
        for (uint32_t i = 0; i < PV_CHUNK; i++)
            elem_unref(m, (struct board_element *)c->v[i]);
    mem_free(m, c, sizeof(*c));
}

static int pv_init(struct bmem *m, struct pvec *v, uint32_t n, bool elems)
{
    v->n = n;
    v->nchunks = (n + PV_CHUNK - 1) >> PV_BITS;
    v->elems = elems;
    v->c = NULL;
    if (v->nchunks) {
        v->c = mem_calloc(m, v->nchunks, sizeof(*v->c));
        if (!v->c)
            return SP_ENOMEM;
    }
    return 0;
}

static void pv_free(struct bmem *m, struct pvec *v)
{
    for (uint32_t i = 0; i < v->nchunks; i++)
        chunk_unref(m, v->c[i], v->elems);
    mem_free(m, v->c, v->nchunks * sizeof(*v->c));
    v->c = NULL;
    v->nchunks = 0;
    v->n = 0;
}

static int pv_clone(struct bmem *m, struct pvec *dst, const struct pvec *src)
{
    *dst = *src;
    dst->c = NULL;
    if (src->nchunks) {
        dst->c = mem_alloc(m, src->nchunks * sizeof(*dst->c));
        if (!dst->c)
            return SP_ENOMEM;
        for (uint32_t i = 0; i < src->nchunks; i++) {
            dst->c[i] = src->c[i];
            if (dst->c[i])
                dst->c[i]->refs++;
        }
    }
    return 0;
}

static uintptr_t pv_get(const struct pvec *v, uint32_t i)
{
    if (i >= v->n)
        return 0;
    const struct pchunk *c = v->c[i >> PV_BITS];
    return c ? c->v[i & (PV_CHUNK - 1)] : 0;
}

/* The chunk holding index i, private to v (copied or created as needed). */
static struct pchunk *pv_chunk_mut(struct bmem *m, struct pvec *v, uint32_t i)
{
    uint32_t ci = i >> PV_BITS;
    if (ci >= v->nchunks) {
        uint32_t nc = v->nchunks ? v->nchunks * 2 : 4;
        while (nc <= ci)
            nc *= 2;
        struct pchunk **n = mem_calloc(m, nc, sizeof(*n));
        if (!n)
            return NULL;
        if (v->nchunks)
            memcpy(n, v->c, v->nchunks * sizeof(*n));
        mem_free(m, v->c, v->nchunks * sizeof(*v->c));
        v->c = n;
        v->nchunks = nc;
    }
    struct pchunk *c = v->c[ci];
    if (!c) {
        c = mem_calloc(m, 1, sizeof(*c));
        if (!c)
            return NULL;
        c->refs = 1;
        v->c[ci] = c;
    } else if (c->refs > 1) {
        struct pchunk *n = mem_alloc(m, sizeof(*n));
        if (!n)
            return NULL;
        memcpy(n, c, sizeof(*n));
        n->refs = 1;
        if (v->elems)
            for (uint32_t k = 0; k < PV_CHUNK; k++)
                if (n->v[k])
                    ((struct board_element *)n->v[k])->refs++;
        c->refs--;
        v->c[ci] = n;
        c = n;
    }
    return c;
}

/* Plain (non-element) vectors only. */
static int pv_set(struct bmem *m, struct pvec *v, uint32_t i, uintptr_t val)
{
    if (i >= v->n && val == 0)
        return 0;
    struct pchunk *c = pv_chunk_mut(m, v, i);
    if (!c)
        return SP_ENOMEM;
    c->v[i & (PV_CHUNK - 1)] = val;
    if (i >= v->n)
        v->n = i + 1;
    return 0;
}

/* ---- pages ------------------------------------------------------------------------ */

static void page_unref(struct bmem *m, struct bpage *p)
{
    if (!p || --p->pub.refs)
        return;
    pv_free(m, &p->slots);
    mem_free(m, p, sizeof(*p));
}

/* Page index b, private to s; NULL if it does not exist or out of memory. */
static struct bpage *page_mut(struct board_state *s, uint32_t b, int *err)
{
    struct bpage *p = s->pages[b];
    if (!p || p->pub.refs == 1)
        return p;
    struct bpage *n = mem_alloc(s->mem, sizeof(*n));
    if (!n || pv_clone(s->mem, &n->slots, &p->slots)) {
        mem_free(s->mem, n, sizeof(*n));
        *err = SP_ENOMEM;
        return NULL;
    }
    n->pub = p->pub;
    n->pub.refs = 1;
    n->pub.slots = &n->slots;
    p->pub.refs--;
    s->pages[b] = n;
    return n;
}

static void page_touch(struct board_state *s, struct bpage *p)
{
    p->pub.version = ++s->version_counter;
}

/* ---- undo cells ------------------------------------------------------------------- */

static void idset_unref(struct bmem *m, struct idset *set)
{
    if (set && --set->refs == 0)
        mem_free(m, set, sizeof(*set) + set->n * sizeof(uint32_t));
}

static struct idset *idset_new(struct bmem *m, const uint32_t *ids, uint32_t n)
{
    struct idset *set = mem_alloc(m, sizeof(*set) + n * sizeof(uint32_t));
    if (!set)
        return NULL;
    set->refs = 1;
    set->n = n;
    if (n && ids)
        memcpy(set->ids, ids, n * sizeof(uint32_t));
    return set;
}

/* Iterative: lists can be long, recursion could overflow the stack. */
static void ucell_unref(struct bmem *m, struct ucell *c)
{
    while (c && --c->refs == 0) {
        struct ucell *next = c->next;
        idset_unref(m, c->set);
        mem_free(m, c, sizeof(*c));
        c = next;
    }
}

/* Pushes an entry on *head; takes over the caller's reference on set. */
static int ucell_push(struct bmem *m, struct ucell **head, uint8_t kind, uint32_t id,
                      struct idset *set, double dx, double dy)
{
    struct ucell *c = mem_alloc(m, sizeof(*c));
    if (!c) {
        idset_unref(m, set);
        return SP_ENOMEM;
    }
    c->refs = 1;
    c->kind = kind;
    c->id = id;
    c->set = set;
    c->dx = dx;
    c->dy = dy;
    c->next = *head;
    *head = c;
    return 0;
}

/* Pops the top entry into *out (holding a reference on out->set). */
static bool ucell_pop(struct bmem *m, struct ucell **head, struct ucell *out)
{
    struct ucell *c = *head;
    if (!c)
        return false;
    *out = *c;
    if (out->set)
        out->set->refs++;
    if (c->next)
        c->next->refs++;
    *head = c->next;
    ucell_unref(m, c);
    return true;
}

/* ---- state life cycle ------------------------------------------------------------- */

struct board_state *bstate_new(const struct board_log *log, struct bmem *mem)
{
    struct board_state *s = mem_calloc(mem, 1, sizeof(*s));
    if (!s)
        return NULL;
    s->log = log;
    s->mem = mem;
    s->time = INT64_MIN;
    s->current = BNONE;
    s->npages = log->boards.n;
    s->nusers = log->users.n;
    s->pages = mem_calloc(mem, s->npages, sizeof(*s->pages));
    s->undo = mem_calloc(mem, s->nusers, sizeof(*s->undo));
    s->redo = mem_calloc(mem, s->nusers, sizeof(*s->redo));
    if (!s->pages || !s->undo || !s->redo || pv_init(mem, &s->elems, log->elems.n, true)) {
        bstate_free(s);
        return NULL;
    }
    return s;
}

static size_t arr_count(uint32_t n)
{
    return n ? n : 1;
}

void bstate_free(struct board_state *s)
{
    if (!s)
        return;
    struct bmem *m = s->mem;
    if (s->pages)
        for (uint32_t i = 0; i < s->npages; i++)
            page_unref(m, s->pages[i]);
    for (uint32_t u = 0; u < s->nusers; u++) {
        if (s->undo)
            ucell_unref(m, s->undo[u]);
        if (s->redo)
            ucell_unref(m, s->redo[u]);
    }
    pv_free(m, &s->elems);
    mem_free(m, s->pages, arr_count(s->npages) * sizeof(*s->pages));
    mem_free(m, s->undo, arr_count(s->nusers) * sizeof(*s->undo));
    mem_free(m, s->redo, arr_count(s->nusers) * sizeof(*s->redo));
    mem_free(m, s, sizeof(*s));
}

struct board_state *bstate_clone(const struct board_state *src)
{
    struct bmem *m = src->mem;
    struct board_state *s = mem_calloc(m, 1, sizeof(*s));
    if (!s)
        return NULL;
    *s = *src;
    s->pages = mem_alloc(m, arr_count(s->npages) * sizeof(*s->pages));
    s->undo = mem_alloc(m, arr_count(s->nusers) * sizeof(*s->undo));
    s->redo = mem_alloc(m, arr_count(s->nusers) * sizeof(*s->redo));
    s->elems.c = NULL;
    s->elems.nchunks = 0;
    if (!s->pages || !s->undo || !s->redo) {
        mem_free(m, s->pages, arr_count(s->npages) * sizeof(*s->pages));
        mem_free(m, s->undo, arr_count(s->nusers) * sizeof(*s->undo));
        mem_free(m, s->redo, arr_count(s->nusers) * sizeof(*s->redo));
        mem_free(m, s, sizeof(*s));
        return NULL;
    }
    for (uint32_t i = 0; i < s->npages; i++) {
        s->pages[i] = src->pages[i];
        if (s->pages[i])
            s->pages[i]->pub.refs++;
    }
    for (uint32_t u = 0; u < s->nusers; u++) {
        s->undo[u] = src->undo[u];
        s->redo[u] = src->redo[u];
        if (s->undo[u])
            s->undo[u]->refs++;
        if (s->redo[u])
            s->redo[u]->refs++;
    }
    if (pv_clone(m, &s->elems, &src->elems)) {
        s->elems.c = NULL;
        s->elems.nchunks = 0;
        bstate_free(s);
        return NULL;
    }
    return s;
}

/* ---- element helpers ------------------------------------------------------------- */

static struct board_element *elem_get(const struct board_state *s, uint32_t id)
{
    return (struct board_element *)pv_get(&s->elems, id);
}

/* The element, private to s (so it can be changed); NULL if out of memory. */
static struct board_element *elem_mut(struct board_state *s, uint32_t id)
{
    struct pchunk *c = pv_chunk_mut(s->mem, &s->elems, id);
    if (!c)
        return NULL;
    struct board_element *e = (struct board_element *)c->v[id & (PV_CHUNK - 1)];
    if (e && e->refs > 1) {
        struct board_element *n = mem_alloc(s->mem, sizeof(*n));
        if (!n)
            return NULL;
        *n = *e;
        n->refs = 1;
        e->refs--;
        c->v[id & (PV_CHUNK - 1)] = (uintptr_t)n;
        e = n;
    }
    return e;
}

static bool elem_shown(const struct board_state *s, const struct board_element *e)
{
    const struct bpage *p = s->pages[e->page];
    return p && p->pub.gen == e->page_gen && pv_get(&p->slots, e->slot) == (uintptr_t)e->id + 1;
}

/* Its page still exists (as the same generation), so it can be shown again. */
static bool elem_showable(const struct board_state *s, const struct board_element *e)
{
    const struct bpage *p = s->pages[e->page];
    return p && p->pub.gen == e->page_gen;
}

static int elem_set_shown(struct board_state *s, const struct board_element *e, bool show)
{
    int err = 0;
    struct bpage *p = page_mut(s, e->page, &err);
    if (!p)
        return err ? err : SP_EINVAL;
    page_touch(s, p);
    return pv_set(s->mem, &p->slots, e->slot, show ? (uintptr_t)e->id + 1 : 0);
}

static void bbox_add(struct board_rect *r, bool *empty, float x, float y)
{
    if (*empty) {
        r->x0 = r->x1 = x;
        r->y0 = r->y1 = y;
        *empty = false;
        return;
    }
    r->x0 = fminf(r->x0, x);
    r->y0 = fminf(r->y0, y);
    r->x1 = fmaxf(r->x1, x);
    r->y1 = fmaxf(r->y1, y);
}

/* Text extent estimate: no font here. 0.6 em per character (1 em for wide
 * East Asian code points), 1.25 em per line. The renderer measures for real. */
static void text_extent(const char *t, float size, float *w, float *h)
{
    float line = 0, maxw = 0;
    int lines = 1;
    for (const unsigned char *p = (const unsigned char *)t; *p; p++) {
        if (*p == '\n') {
            lines++;
            line = 0;
            continue;
        }
        if ((*p & 0xC0) == 0x80)
            continue;
        line += *p >= 0xE3 ? 1.0f : 0.6f;
        if (line > maxw)
            maxw = line;
    }
    *w = maxw * size;
    *h = (float)lines * 1.25f * size;
}

/* bbox of the element's own geometry (no translation, half width included). */
static void elem_bbox(struct board_element *e, uint32_t from_pt)
{
    struct board_rect r = {0, 0, 0, 0};
    bool empty = true;
    if (e->kind == BOARD_ELEM_STROKE) {
        if (from_pt > 0 && e->npts > 0) {
            r = e->bbox;
            r.x0 -= (float)e->dx;
            r.x1 -= (float)e->dx;
            r.y0 -= (float)e->dy;
            r.y1 -= (float)e->dy;
            float hw = e->width / 2;
            r.x0 += hw;
            r.y0 += hw;
            r.x1 -= hw;
            r.y1 -= hw;
            empty = false;
        } else {
            from_pt = 0;
        }
        for (uint32_t i = from_pt; i < e->npts; i++)
            bbox_add(&r, &empty, e->pts[2 * i], e->pts[2 * i + 1]);
    } else if (e->kind == BOARD_ELEM_TEXT) {
        float w, h;
        text_extent(e->text, e->size, &w, &h);
        bbox_add(&r, &empty, e->x1, e->y1);
        bbox_add(&r, &empty, e->x1 + w, e->y1 + h);
    } else {
        bbox_add(&r, &empty, e->x1, e->y1);
        bbox_add(&r, &empty, e->x2, e->y2);
    }
    float hw = e->kind == BOARD_ELEM_TEXT ? 0 : e->width / 2;
    if (empty) {
        e->bbox = (struct board_rect){0, 0, 0, 0};
        return;
    }
    e->bbox.x0 = r.x0 - hw + (float)e->dx;
    e->bbox.y0 = r.y0 - hw + (float)e->dy;
    e->bbox.x1 = r.x1 + hw + (float)e->dx;
    e->bbox.y1 = r.y1 + hw + (float)e->dy;
}

static int elem_translate(struct board_state *s, uint32_t id, double dx, double dy)
{
    struct board_element *e = elem_mut(s, id);
    if (!e)
        return SP_ENOMEM;
    e->dx += dx;
    e->dy += dy;
    elem_bbox(e, 0);
    return 0;
}

/* ---- warnings -------------------------------------------------------------------- */

static void warn(struct board_state *s, const struct bop *op, struct diag_list *diag,
                 const char *fmt, ...) SP_FORMAT_PRINTF(4, 5);

static void warn(struct board_state *s, const struct bop *op, struct diag_list *diag,
                 const char *fmt, ...)
{
    if (!diag)
        return;
    char where[DIAG_MAX_TEXT], reason[DIAG_MAX_TEXT];
    blog_op_where(s->log, op, where, sizeof(where));
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof(reason), fmt, ap);
    va_end(ap);
    diag_add(diag, DIAG_WARNING, "%s: %s", where, reason);
}

static const char *elem_name(const struct board_state *s, uint32_t id)
{
    return blog_str(s->log, s->log->elems.off[id]);
}

static const char *board_name(const struct board_state *s, uint32_t b)
{
    return blog_str(s->log, s->log->boards.off[b]);
}

/* ---- op effects ------------------------------------------------------------------- */

#define SKIP 1

static int new_undoable(struct board_state *s, uint32_t user, uint8_t kind, uint32_t id,
                        struct idset *set, double dx, double dy)
{
    ucell_unref(s->mem, s->redo[user]);
    s->redo[user] = NULL;
    return ucell_push(s->mem, &s->undo[user], kind, id, set, dx, dy);
}

static void bg_from_params(const struct board_log *log, const struct bparam *p,
                           struct board_background *bg)
{
    bg->has_color = p->u[2] & 1;
    bg->color = p->u[0];
    bg->image = p->u[1] ? blog_str(log, p->u[1] - 1) : NULL;
    bg->fit = (enum board_fit)(p->u[2] >> 8);
}

static int op_board(struct board_state *s, const struct bop *op, struct diag_list *diag)
{
    const struct board_log *log = s->log;
    struct bpage *p = s->pages[op->board];
    if (op->kind == BOP_BOARD_ADD) {
        if (p) {
            warn(s, op, diag, "board \"%s\" already exists (skipped)", board_name(s, op->board));
            return SKIP;
        }
        p = mem_calloc(s->mem, 1, sizeof(*p));
        if (!p)
            return SP_ENOMEM;
        p->pub.refs = 1;
        p->pub.index = op->board;
        p->pub.gen = (uint32_t)s->pos;
        p->pub.name = board_name(s, op->board);
        bg_from_params(log, &log->params[op->a], &p->pub.bg);
        p->pub.view = (struct board_viewport){1.0, 0.0, 0.0};
        p->pub.slots = &p->slots;
        p->slots.elems = false;
        s->pages[op->board] = p;
        page_touch(s, p);
        return 0;
    }
    if (!p) {
        warn(s, op, diag, "unknown board \"%s\" (skipped)", board_name(s, op->board));
        return SKIP;
    }
    int err = 0;
    switch (op->kind) {
    case BOP_BOARD_SWITCH:
        s->current = op->board;
        return 0;
    case BOP_BOARD_REMOVE:
        page_unref(s->mem, p);
        s->pages[op->board] = NULL;
        if (s->current == op->board)
            s->current = BNONE;
        return 0;
    case BOP_LASER:
        return 0;
    default:
        break;
    }
    p = page_mut(s, op->board, &err);
    if (!p)
        return err;
    page_touch(s, p);
    if (op->kind == BOP_BOARD_BG) {
        bg_from_params(log, &log->params[op->a], &p->pub.bg);
    } else if (op->kind == BOP_VIEW) {
        const struct bparam *pr = &log->params[op->a];
        p->pub.view = (struct board_viewport){pr->f[0], pr->f[1], pr->f[2]};
    } else if (op->kind == BOP_CLEAR) {
        /* Every non-empty slot holds a shown element; collect them, then drop
         * the chunks (a NULL chunk reads as empty: clear costs no copies). */
        uint32_t n = 0;
        for (uint32_t i = 0; i < p->slots.n; i++)
            n += pv_get(&p->slots, i) != 0;
        struct idset *set = mem_alloc(s->mem, sizeof(*set) + n * sizeof(uint32_t));
        if (!set)
            return SP_ENOMEM;
        set->refs = 1;
        set->n = n;
        n = 0;
        for (uint32_t i = 0; i < p->slots.n; i++) {
            uintptr_t v = pv_get(&p->slots, i);
            if (v)
                set->ids[n++] = (uint32_t)(v - 1);
        }
        for (uint32_t c = 0; c < p->slots.nchunks; c++) {
            chunk_unref(s->mem, p->slots.c[c], false);
            p->slots.c[c] = NULL;
        }
        return new_undoable(s, op->user, UC_CLEAR, BNONE, set, 0, 0);
    }
    return 0;
}

static int op_create(struct board_state *s, const struct bop *op, struct diag_list *diag)
{
    const struct board_log *log = s->log;
    if (op->flags & BOPF_DUP) {
        warn(s, op, diag, "id \"%s\" already used (skipped)", elem_name(s, op->id));
        return SKIP;
    }
    if (!s->pages[op->board]) {
        warn(s, op, diag, "unknown board \"%s\" (skipped)", board_name(s, op->board));
        return SKIP;
    }
    int err = 0;
    struct bpage *p = page_mut(s, op->board, &err);
    if (!p)
        return err;
    struct board_element *e = mem_calloc(s->mem, 1, sizeof(*e));
    if (!e)
        return SP_ENOMEM;
    const struct bparam *pr = &log->params[op->a];
    e->refs = 1;
    e->id = op->id;
    e->name = elem_name(s, op->id);
    e->page = op->board;
    e->page_gen = p->pub.gen;
    e->slot = p->slots.n;
    e->finished = true;
    e->color = pr->u[0];
    if (op->kind == BOP_STROKE_BEGIN) {
        e->kind = BOARD_ELEM_STROKE;
        e->tool = (enum board_tool)pr->u[1];
        e->width = pr->f[0];
        e->finished = false;
        e->pts = log->pts + log->stroke_off[op->id];
        e->npts = op->b;
    } else if (op->kind == BOP_SHAPE) {
        e->kind = (enum board_elem_kind)(pr->u[2] & 0xFF);
        e->x1 = pr->f[0];
        e->y1 = pr->f[1];
        e->x2 = pr->f[2];
        e->y2 = pr->f[3];
        e->width = pr->f[4];
        e->has_fill = (pr->u[2] >> 8) & 1;
        e->fill = pr->u[1];
    } else {
        e->kind = BOARD_ELEM_TEXT;
        e->x1 = e->x2 = pr->f[0];
        e->y1 = e->y2 = pr->f[1];
        e->size = pr->f[2];
        e->text = blog_str(log, pr->u[1]);
    }
    elem_bbox(e, 0);
    struct pchunk *c = pv_chunk_mut(s->mem, &s->elems, op->id);
    if (!c || pv_set(s->mem, &p->slots, e->slot, (uintptr_t)op->id + 1)) {
        mem_free(s->mem, e, sizeof(*e));
        return SP_ENOMEM;
    }
    elem_unref(s->mem, (struct board_element *)c->v[op->id & (PV_CHUNK - 1)]);
    c->v[op->id & (PV_CHUNK - 1)] = (uintptr_t)e;
    return new_undoable(s, op->user, UC_ADD, op->id, NULL, 0, 0);
}

static int op_stroke(struct board_state *s, const struct bop *op, struct diag_list *diag)
{
    const struct board_element *e = elem_get(s, op->id);
    if (!e) {
        warn(s, op, diag, "unknown id \"%s\" (skipped)", elem_name(s, op->id));
        return SKIP;
    }
    if (e->kind != BOARD_ELEM_STROKE) {
        warn(s, op, diag, "\"%s\" is not a stroke (skipped)", elem_name(s, op->id));
        return SKIP;
    }
    if (e->finished) {
        warn(s, op, diag, "stroke \"%s\" already ended (skipped)", elem_name(s, op->id));
        return SKIP;
    }
    if (op->flags & BOPF_CAP) {
        warn(s, op, diag, "stroke \"%s\" exceeds BOARD_MAX_STROKE_POINTS (%d) (skipped)",
             elem_name(s, op->id), BOARD_MAX_STROKE_POINTS);
        return SKIP;
    }
    struct board_element *m = elem_mut(s, op->id);
    if (!m)
        return SP_ENOMEM;
    if (op->kind == BOP_STROKE_END) {
        m->finished = true;
    } else {
        uint32_t from = m->npts;
        m->npts = op->b;
        elem_bbox(m, from);
    }
    return 0;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* move / erase: act on the listed elements that are shown. */
static int op_ids(struct board_state *s, const struct bop *op, struct diag_list *diag)
{
    const struct board_log *log = s->log;
    const struct bparam *pr = op->kind == BOP_MOVE ? &log->params[op->a] : NULL;
    const uint32_t *ids = pr ? log->ids + pr->u[0] : log->ids + op->a;
    uint32_t n = pr ? pr->u[1] : op->b;
    struct idset *set = mem_alloc(s->mem, sizeof(*set) + n * sizeof(uint32_t));
    if (!set)
        return SP_ENOMEM;
    set->refs = 1;
    uint32_t k = 0, bad = 0, first_bad = BNONE;
    for (uint32_t i = 0; i < n; i++) {
        const struct board_element *e = elem_get(s, ids[i]);
        if (!e || !elem_shown(s, e)) {
            if (!bad++)
                first_bad = ids[i];
            continue;
        }
        set->ids[k++] = ids[i];
    }
    if (op->kind == BOP_MOVE && k > 1) {
        /* A repeated id moves once. */
        qsort(set->ids, k, sizeof(uint32_t), cmp_u32);
        uint32_t u = 1;
        for (uint32_t i = 1; i < k; i++)
            if (set->ids[i] != set->ids[u - 1])
                set->ids[u++] = set->ids[i];
        k = u;
    }
    set->n = k;
    if (bad)
        warn(s, op, diag, "%u of %u ids unknown or not shown, e.g. \"%s\"%s", bad, n,
             elem_name(s, first_bad), k ? "" : " (skipped)");
    if (!k) {
        mem_free(s->mem, set, sizeof(*set) + n * sizeof(uint32_t));
        return SKIP;
    }
    /* Shrink to the ids kept so the accounting of the set stays exact. */
    struct idset *fit = idset_new(s->mem, set->ids, k);
    mem_free(s->mem, set, sizeof(*set) + n * sizeof(uint32_t));
    if (!fit)
        return SP_ENOMEM;
    set = fit;
    int rc = 0;
    double dx = pr ? pr->f[0] : 0, dy = pr ? pr->f[1] : 0;
    for (uint32_t i = 0; i < k && !rc; i++) {
        const struct board_element *e = elem_get(s, set->ids[i]);
        if (op->kind == BOP_MOVE) {
            int err = 0;
            struct bpage *p = page_mut(s, e->page, &err);
            if (!p)
                rc = err ? err : SP_EINVAL;
            else
                page_touch(s, p);
            if (!rc)
                rc = elem_translate(s, set->ids[i], dx, dy);
        } else {
            rc = elem_set_shown(s, e, false);
        }
    }
    if (rc) {
        idset_unref(s->mem, set);
        return rc;
    }
    return new_undoable(s, op->user, op->kind == BOP_MOVE ? UC_MOVE : UC_ERASE, BNONE, set, dx, dy);
}

/* Undo (forward = false) or redo (forward = true) one entry; returns in *done
 * the entry that goes on the other stack (what was actually changed). */
static int revert(struct board_state *s, const struct ucell *c, bool forward, struct ucell *done)
{
    *done = *c;
    done->set = NULL;
    if (c->kind == UC_ADD) {
        done->id = BNONE;
        const struct board_element *e = c->id == BNONE ? NULL : elem_get(s, c->id);
        if (!e)
            return 0;
        bool shown = elem_shown(s, e);
        if (forward ? (!shown && elem_showable(s, e)) : shown) {
            done->id = c->id;
            return elem_set_shown(s, e, forward);
        }
        return 0;
    }
    if (c->kind == UC_MOVE) {
        double sign = forward ? 1 : -1;
        for (uint32_t i = 0; c->set && i < c->set->n; i++) {
            const struct board_element *e = elem_get(s, c->set->ids[i]);
            int err = 0;
            struct bpage *p = elem_showable(s, e) ? page_mut(s, e->page, &err) : NULL;
            if (err)
                return err;
            if (p)
                page_touch(s, p);
            int rc = elem_translate(s, c->set->ids[i], sign * c->dx, sign * c->dy);
            if (rc)
                return rc;
        }
        done->set = c->set;
        if (done->set)
            done->set->refs++;
        return 0;
    }
    /* UC_ERASE / UC_CLEAR: undo shows again, redo hides again. */
    bool show = !forward;
    uint32_t n = c->set ? c->set->n : 0, k = 0;
    struct idset *changed = idset_new(s->mem, NULL, n);
    if (!changed)
        return SP_ENOMEM;
    for (uint32_t i = 0; i < n; i++) {
        const struct board_element *e = elem_get(s, c->set->ids[i]);
        bool shown = elem_shown(s, e);
        if (show ? (shown || !elem_showable(s, e)) : !shown)
            continue;
        int rc = elem_set_shown(s, e, show);
        if (rc) {
            idset_unref(s->mem, changed);
            return rc;
        }
        changed->ids[k++] = c->set->ids[i];
    }
    if (k == n && c->set) {
        idset_unref(s->mem, changed);
        done->set = c->set;
        done->set->refs++;
    } else {
        struct idset *fit = idset_new(s->mem, changed->ids, k);
        idset_unref(s->mem, changed);
        if (!fit)
            return SP_ENOMEM;
        done->set = fit;
    }
    return 0;
}

static int op_undo(struct board_state *s, const struct bop *op, struct diag_list *diag)
{
    bool redo = op->kind == BOP_REDO;
    struct ucell **from = redo ? &s->redo[op->user] : &s->undo[op->user];
    struct ucell **to = redo ? &s->undo[op->user] : &s->redo[op->user];
    struct ucell c;
    if (!ucell_pop(s->mem, from, &c)) {
        warn(s, op, diag, "nothing to %s for user \"%s\" (skipped)", redo ? "redo" : "undo",
             blog_str(s->log, s->log->users.off[op->user]));
        return SKIP;
    }
    struct ucell done;
    int rc = revert(s, &c, redo, &done);
    idset_unref(s->mem, c.set);
    if (rc) {
        idset_unref(s->mem, done.set);
        return rc;
    }
    return ucell_push(s->mem, to, done.kind, done.id, done.set, done.dx, done.dy);
}

int bstate_apply(struct board_state *s, const struct bop *op, struct diag_list *diag)
{
    int rc;
    switch (op->kind) {
    case BOP_BOARD_ADD:
    case BOP_BOARD_SWITCH:
    case BOP_BOARD_REMOVE:
    case BOP_BOARD_BG:
    case BOP_CLEAR:
    case BOP_LASER:
    case BOP_VIEW:
        rc = op_board(s, op, diag);
        break;
    case BOP_STROKE_BEGIN:
    case BOP_SHAPE:
    case BOP_TEXT:
        rc = op_create(s, op, diag);
        break;
    case BOP_STROKE_APPEND:
    case BOP_STROKE_END:
        rc = op_stroke(s, op, diag);
        break;
    case BOP_MOVE:
    case BOP_ERASE:
        rc = op_ids(s, op, diag);
        break;
    case BOP_UNDO:
    case BOP_REDO:
        rc = op_undo(s, op, diag);
        break;
    default:
        rc = SKIP;
        break;
    }
    if (rc >= 0) {
        s->pos++;
        if (op->t > s->time)
            s->time = op->t;
    }
    return rc;
}

/* ---- read-only API ----------------------------------------------------------------- */

int64_t board_state_time_us(const struct board_state *s)
{
    return s ? sp_ms_to_us(s->time) : 0; /* INT64_MIN, the empty board's, stays */
}

const struct board_page *board_state_current(const struct board_state *s)
{
    if (!s || s->current == BNONE || !s->pages[s->current])
        return NULL;
    return &s->pages[s->current]->pub;
}

uint32_t board_state_page_count(const struct board_state *s)
{
    return s ? s->npages : 0;
}

const struct board_page *board_state_page(const struct board_state *s, uint32_t index)
{
    if (!s || index >= s->npages || !s->pages[index])
        return NULL;
    return &s->pages[index]->pub;
}

uint32_t board_page_slot_count(const struct board_page *p)
{
    return p ? ((const struct pvec *)p->slots)->n : 0;
}

const struct board_element *board_state_slot(const struct board_state *s,
                                             const struct board_page *p, uint32_t slot)
{
    if (!s || !p)
        return NULL;
    uintptr_t v = pv_get((const struct pvec *)p->slots, slot);
    return v ? elem_get(s, (uint32_t)(v - 1)) : NULL;
}

/* The state and the ops keep whole ms: BOARD_LASER_US in them. */
#define LASER_MS (BOARD_LASER_US / 1000)
_Static_assert(BOARD_LASER_US % 1000 == 0, "the laser's life is a whole ms");

size_t board_state_lasers(const struct board_state *s, struct board_laser *out, size_t cap)
{
    if (!s || !cap)
        return 0;
    if (cap > BOARD_MAX_LASERS)
        cap = BOARD_MAX_LASERS;
    const struct board_log *log = s->log;
    int64_t after = s->time < INT64_MIN + LASER_MS ? INT64_MIN : s->time - LASER_MS;
    size_t n = 0;
    for (size_t i = s->pos; i > 0 && n < cap; i--) {
        const struct bop *op = &log->ops[i - 1];
        if (op->t <= after)
            break;
        if (op->kind != BOP_LASER || (op->flags & BOPF_SKIPPED))
            continue;
        out[n].t_us = op->t * 1000; /* op times are in [0, 2^53] ms */
        out[n].page = op->board;
        out[n].x = log->params[op->a].f[0];
        out[n].y = log->params[op->a].f[1];
        n++;
    }
    for (size_t i = 0; i < n / 2; i++) {
        struct board_laser tmp = out[i];
        out[i] = out[n - 1 - i];
        out[n - 1 - i] = tmp;
    }
    return n;
}

uint64_t board_state_serial(const struct board_state *s)
{
    return s ? s->serial : 0;
}

/* ---- canonical dump / hash ------------------------------------------------------- */

struct out {
    FILE *f;
    uint64_t h;
};

static void out_raw(struct out *o, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        o->h = (o->h ^ (uint8_t)s[i]) * 1099511628211ull;
    if (o->f)
        fwrite(s, 1, n, o->f);
}

static void emit(struct out *o, const char *fmt, ...) SP_FORMAT_PRINTF(2, 3);

static void emit(struct out *o, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    out_raw(o, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

/* A string with '\\', '"', and control bytes escaped. */
static void emit_str(struct out *o, const char *s)
{
    out_raw(o, "\"", 1);
    for (; s && *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '\\' || ch == '"')
            emit(o, "\\%c", ch);
        else if (ch < 0x20)
            emit(o, "\\x%02x", ch);
        else
            out_raw(o, (const char *)&ch, 1);
    }
    out_raw(o, "\"", 1);
}

static const char *const elem_kind_names[] = {"stroke", "line", "arrow", "rect", "ellipse", "text"};
static const char *const ucell_names[] = {"add", "move", "erase", "clear"};

static void dump_elem(struct out *o, const struct board_element *e)
{
    emit(o, "  slot %u id ", e->slot);
    emit_str(o, e->name);
    emit(o, " %s", elem_kind_names[e->kind]);
    if (e->kind == BOARD_ELEM_STROKE)
        emit(o, " %s%s", e->tool == BOARD_TOOL_PEN ? "pen" : "highlighter",
             e->finished ? "" : " unfinished");
    emit(o, " color %08x width %.9g", e->color, e->width);
    if (e->has_fill)
        emit(o, " fill %08x", e->fill);
    emit(o, " d %.17g,%.17g bbox %.9g,%.9g,%.9g,%.9g", e->dx, e->dy, e->bbox.x0, e->bbox.y0,
         e->bbox.x1, e->bbox.y1);
    if (e->kind == BOARD_ELEM_TEXT) {
        emit(o, " at %.9g,%.9g size %.9g text ", e->x1, e->y1, e->size);
        emit_str(o, e->text);
    } else if (e->kind != BOARD_ELEM_STROKE) {
        emit(o, " %.9g,%.9g,%.9g,%.9g", e->x1, e->y1, e->x2, e->y2);
    } else {
        emit(o, " pts %u:", e->npts);
        for (uint32_t i = 0; i < e->npts; i++)
            emit(o, " %.9g,%.9g", e->pts[2 * i], e->pts[2 * i + 1]);
    }
    out_raw(o, "\n", 1);
}

static void dump_stack(struct out *o, const struct board_state *s, const char *what,
                       const struct ucell *c)
{
    emit(o, " %s:", what);
    for (; c; c = c->next) {
        emit(o, " %s", ucell_names[c->kind]);
        if (c->kind == UC_ADD && c->id != BNONE) {
            out_raw(o, "(", 1);
            emit_str(o, elem_name(s, c->id));
            out_raw(o, ")", 1);
        } else if (c->kind != UC_ADD) {
            out_raw(o, "(", 1);
            for (uint32_t i = 0; c->set && i < c->set->n; i++) {
                if (i)
                    out_raw(o, ",", 1);
                emit_str(o, elem_name(s, c->set->ids[i]));
            }
            if (c->kind == UC_MOVE)
                emit(o, " by %.17g,%.17g", c->dx, c->dy);
            out_raw(o, ")", 1);
        }
    }
    out_raw(o, "\n", 1);
}

static const char *const fit_names[] = {"contain", "cover", "stretch"};

static void walk(const struct board_state *s, struct out *o)
{
    emit(o, "board time %lld ops %zu current ", (long long)s->time, s->pos);
    if (board_state_current(s))
        emit_str(o, board_state_current(s)->name);
    else
        emit(o, "-");
    out_raw(o, "\n", 1);
    for (uint32_t i = 0; i < s->npages; i++) {
        const struct bpage *p = s->pages[i];
        if (!p)
            continue;
        emit(o, "page %u ", i);
        emit_str(o, p->pub.name);
        emit(o, " gen %u bg", p->pub.gen);
        if (p->pub.bg.has_color)
            emit(o, " color %08x", p->pub.bg.color);
        if (p->pub.bg.image) {
            out_raw(o, " image ", 7);
            emit_str(o, p->pub.bg.image);
        }
        emit(o, " fit %s view %.17g %.17g,%.17g slots %u\n", fit_names[p->pub.bg.fit],
             p->pub.view.scale, p->pub.view.x, p->pub.view.y, p->slots.n);
        for (uint32_t k = 0; k < p->slots.n; k++) {
            const struct board_element *e = board_state_slot(s, &p->pub, k);
            if (e)
                dump_elem(o, e);
        }
    }
    for (uint32_t u = 0; u < s->nusers; u++) {
        if (!s->undo[u] && !s->redo[u])
            continue;
        out_raw(o, "user ", 5);
        emit_str(o, blog_str(s->log, s->log->users.off[u]));
        out_raw(o, "\n", 1);
        dump_stack(o, s, "undo", s->undo[u]);
        dump_stack(o, s, "redo", s->redo[u]);
    }
    struct board_laser l[BOARD_MAX_LASERS];
    size_t nl = board_state_lasers(s, l, BOARD_MAX_LASERS);
    for (size_t i = 0; i < nl; i++)
        emit(o, "laser %lld page %u at %.9g,%.9g\n", (long long)(l[i].t_us / 1000), l[i].page,
             l[i].x, l[i].y); /* ms, as the dump and the hash have always had them */
}

void board_state_dump(const struct board_state *s, FILE *f)
{
    if (!s || !f)
        return;
    struct out o = {f, 1469598103934665603ull};
    walk(s, &o);
}

uint64_t board_state_hash(const struct board_state *s)
{
    if (!s)
        return 0;
    struct out o = {NULL, 1469598103934665603ull};
    walk(s, &o);
    return o.h;
}
