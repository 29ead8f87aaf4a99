/* thumb_cache.c - hover thumbnails from per-snapshot rasters (see thumb_cache.h). */
#include "render/thumb_cache.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/platform/os_time.h"
#include "base/sp_error.h"

/* One raster: page `page` (generation `gen`) of snapshot `snap`, drawn
 * whole with no laser marks, with the background image it was drawn with. */
struct entry {
    size_t snap;
    uint32_t page, gen;
    const struct image *img;
    struct canvas *c;
    uint64_t used; /* tc->clock at its last use */
};

/* A checkpoint: page `page` (generation `gen`, version `version`) as the
 * board shows it at board time t_ms, drawn with only its finished prefix:
 * background and slots [0, prefix), where slot `prefix` is the lowest
 * that holds a stroke still in progress (or the slot count). Those slots
 * can only change by an op that changes the page's version, so at any
 * later time with the same version the board is this raster with slots
 * [prefix, count) and the laser marks drawn on top. */
struct ckpt {
    int64_t t_ms;
    uint32_t page, gen, prefix;
    uint64_t version;
    const struct image *img;
    struct canvas *c;
};

/* Where thumb_cache_prepare() places checkpoints: every `every` drawing
 * ops (an element begun: stroke, shape, text) of the log, and after each
 * run of ops that change a page's version (erase, undo, clear, ...) or
 * the page shown, as long as the memory bound allows. */
struct cp_plan {
    bool ready;     /* every, max computed */
    size_t next_op; /* the scan goes on from this op */
    size_t every;   /* drawing ops between checkpoints */
    size_t max;     /* checkpoints at most (their share of max_bytes) */
    size_t draws;   /* drawing ops since the last checkpoint */
    bool changed;   /* a version-changing op since the last checkpoint */
    size_t vleft;   /* checkpoints after version changes still allowed */
};

/* The checkpoint being drawn: thumb_cache_prepare() draws a few slots at a
 * time, so that no call takes much more than its budget; c is kept for
 * the next one when a checkpoint is made. */
struct cp_job {
    bool active;
    int64_t t_ms;
    struct canvas *c;
    uint32_t page, gen, prefix;
    uint64_t version;
    const struct image *img;
    bool in_rows; /* repainting rows [y0, y1) with slots [0, rows_to) */
    int y0, y1;
    uint32_t rows_to;
    uint32_t top_from; /* then slots [top_from, prefix) on the whole canvas */
    uint32_t next;     /* the next slot to draw */
};

struct thumb_cache {
    int w, h;
    struct board_draw *bd;
    board_draw_image_fn get_image;
    void *opaque;
    size_t max_bytes;
    /* the player the rasters were made from: they point into its snapshots */
    const struct board_player *bp;
    uint64_t gen;
    struct entry *e;
    size_t n, cap;
    struct canvas *bg; /* scratch: a page's background, for repainting rows */
    uint64_t clock;
    /* checkpoints, in time order, made by thumb_cache_prepare() */
    struct ckpt *cp;
    size_t ncp, cp_cap;
    struct cp_plan plan;
    struct cp_job job;
    struct thumb_cache_stats st;
};

static size_t raster_bytes(const struct thumb_cache *tc)
{
    return (size_t)tc->w * (size_t)tc->h * 4;
}

/* How many rasters the bound allows (at least one). */
static size_t max_rasters_all(const struct thumb_cache *tc)
{
    size_t n = tc->max_bytes / raster_bytes(tc);
    return n ? n : 1;
}

/* ... of them for the snapshots: what the checkpoints leave (at least one). */
static size_t max_rasters(const struct thumb_cache *tc)
{
    size_t n = max_rasters_all(tc);
    return n > tc->ncp ? n - tc->ncp : 1;
}

static void drop_all(struct thumb_cache *tc)
{
    for (size_t i = 0; i < tc->n; i++)
        canvas_destroy(&tc->e[i].c);
    tc->n = 0;
    for (size_t i = 0; i < tc->ncp; i++)
        canvas_destroy(&tc->cp[i].c);
    tc->ncp = 0;
    tc->plan = (struct cp_plan){0};
    canvas_destroy(&tc->job.c);
    tc->job = (struct cp_job){0};
}

void thumb_cache_clear(struct thumb_cache *tc)
{
    if (tc)
        drop_all(tc);
}

int thumb_cache_create(struct thumb_cache **out, int w, int h, const struct thumb_cache_opts *o)
{
    if (!out)
        return SP_EINVAL;
    *out = NULL;
    if (!o)
        return SP_EINVAL;
    struct thumb_cache *tc = calloc(1, sizeof(*tc));
    if (!tc)
        return SP_ENOMEM;
    tc->get_image = o->get_image;
    tc->opaque = o->opaque;
    tc->max_bytes = o->max_bytes ? o->max_bytes : THUMB_CACHE_DEFAULT_BYTES;
    struct board_draw_opts bo = {.board_w = o->board_w,
                                 .board_h = o->board_h,
                                 .get_image = o->get_image,
                                 .opaque = o->opaque,
                                 .text = o->text};
    int rc = board_draw_create(&tc->bd, w, h, &bo);
    if (!rc)
        rc = canvas_create(&tc->bg, w, h);
    if (rc) {
        thumb_cache_destroy(&tc);
        return rc;
    }
    tc->w = w;
    tc->h = h;
    *out = tc;
    return 0;
}

void thumb_cache_destroy(struct thumb_cache **tcp)
{
    if (!tcp || !*tcp)
        return;
    struct thumb_cache *tc = *tcp;
    drop_all(tc);
    free(tc->e);
    free(tc->cp);
    canvas_destroy(&tc->bg);
    board_draw_destroy(&tc->bd);
    free(tc);
    *tcp = NULL;
}

int thumb_cache_resize(struct thumb_cache *tc, int w, int h)
{
    if (!tc || w < 1 || h < 1 || w > CANVAS_MAX_DIM || h > CANVAS_MAX_DIM)
        return SP_EINVAL;
    if (w == tc->w && h == tc->h)
        return 0;
    struct canvas *bg = NULL;
    int rc = canvas_create(&bg, w, h);
    if (!rc)
        rc = board_draw_resize(tc->bd, w, h);
    if (rc) {
        canvas_destroy(&bg);
        return rc;
    }
    drop_all(tc);
    canvas_destroy(&tc->bg);
    tc->bg = bg;
    tc->w = w;
    tc->h = h;
    return 0;
}

void thumb_cache_get_stats(const struct thumb_cache *tc, struct thumb_cache_stats *st)
{
    memset(st, 0, sizeof(*st));
    if (!tc)
        return;
    *st = tc->st;
    st->rasters = tc->n + tc->ncp;
    st->checkpoints = tc->ncp;
    st->bytes = (tc->n + tc->ncp) * raster_bytes(tc);
}

/* The rasters point into bp's snapshots: another player (or generation)
 * makes them all stale. */
static void bind(struct thumb_cache *tc, const struct board_player *bp, uint64_t gen)
{
    if (tc->bp == bp && tc->gen == gen)
        return;
    drop_all(tc);
    tc->bp = bp;
    tc->gen = gen;
}

static const struct image *page_image(const struct thumb_cache *tc, const struct board_page *p)
{
    return p->bg.image && tc->get_image ? tc->get_image(tc->opaque, p->bg.image) : NULL;
}

/* Whether two pages (of two states of one player) draw the same under
 * their elements: the same page, background and view. */
static bool same_ground(const struct board_page *a, const struct board_page *b)
{
    const struct board_background *x = &a->bg, *y = &b->bg;
    if (a->index != b->index || a->gen != b->gen || x->has_color != y->has_color ||
        (x->has_color && x->color != y->color) || x->fit != y->fit || !x->image != !y->image ||
        (x->image && x->image != y->image && strcmp(x->image, y->image) != 0))
        return false;
    return a->view.scale == b->view.scale && a->view.x == b->view.x && a->view.y == b->view.y;
}

static struct entry *find(struct thumb_cache *tc, size_t snap, uint32_t page)
{
    for (size_t i = 0; i < tc->n; i++)
        if (tc->e[i].snap == snap && tc->e[i].page == page)
            return &tc->e[i];
    return NULL;
}

/* The raster of the same page made from the nearest snapshot (an earlier
 * one first: fewer changes to replay), or NULL. */
static struct entry *nearest(struct thumb_cache *tc, size_t snap, uint32_t page, uint32_t gen)
{
    struct entry *best = NULL;
    size_t best_d = SIZE_MAX;
    for (size_t i = 0; i < tc->n; i++) {
        struct entry *e = &tc->e[i];
        if (e->page != page || e->gen != gen || e->snap == snap)
            continue;
        /* an earlier snapshot at distance d ranks as a later one at 2d */
        size_t d = e->snap < snap ? 2 * (snap - e->snap) : e->snap - snap;
        if (d < best_d) {
            best_d = d;
            best = e;
        }
    }
    return best;
}

/* ---- what differs between two states of one page ---------------------------------- */

struct diff {
    uint32_t common; /* slots [0, common) are in both */
    int y0, y1;      /* rows to repaint; y1 <= y0: none */
};

static void damage(const struct thumb_cache *tc, const struct raster_xform *xf,
                   const struct board_element *e, struct diff *d)
{
    int y0 = 0, y1 = tc->h; /* a text's box is an estimate: every row */
    if (e->kind != BOARD_ELEM_TEXT) {
        double top = e->bbox.y0 * xf->scale + xf->ty, bottom = e->bbox.y1 * xf->scale + xf->ty;
        if (!isfinite(top) || !isfinite(bottom))
            top = 0, bottom = tc->h;
        /* anti-aliasing reaches a pixel past the box; 2 more as the culling of board_draw */
        top = floor(top) - 3;
        bottom = ceil(bottom) + 3;
        y0 = top < 0 ? 0 : top > tc->h ? tc->h : (int)top;
        y1 = bottom < 0 ? 0 : bottom > tc->h ? tc->h : (int)bottom;
        if (y1 <= y0)
            return; /* wholly off the thumbnail */
    }
    if (d->y1 <= d->y0) {
        d->y0 = y0;
        d->y1 = y1;
    } else {
        d->y0 = y0 < d->y0 ? y0 : d->y0;
        d->y1 = y1 > d->y1 ? y1 : d->y1;
    }
}

/* Page pa of state a against page pb of state b (same_ground): elements
 * are immutable and shared, so a slot holding the same pointer in both
 * draws the same. */
static void diff_slots(const struct thumb_cache *tc, const struct board_state *a,
                       const struct board_page *pa, uint32_t na, const struct board_state *b,
                       const struct board_page *pb, uint32_t nb, struct diff *d)
{
    struct raster_xform xf = board_draw_xform(tc->bd, pb);
    d->common = na < nb ? na : nb;
    d->y0 = d->y1 = 0;
    for (uint32_t i = 0; i < d->common; i++) {
        const struct board_element *ea = board_state_slot(a, pa, i),
                                   *eb = board_state_slot(b, pb, i);
        if (ea == eb)
            continue;
        if (ea)
            damage(tc, &xf, ea, d);
        if (eb)
            damage(tc, &xf, eb, d);
    }
    for (uint32_t i = d->common; i < na; i++) {
        const struct board_element *ea = board_state_slot(a, pa, i);
        if (ea)
            damage(tc, &xf, ea, d);
    }
}

/* Page pa of state a against page pb of state b (same_ground): elements
 * are immutable and shared, so a slot holding the same pointer in both
 * draws the same. */
static void diff_pages(const struct thumb_cache *tc, const struct board_state *a,
                       const struct board_page *pa, const struct board_state *b,
                       const struct board_page *pb, struct diff *d)
{
    diff_slots(tc, a, pa, board_page_slot_count(pa), b, pb, board_page_slot_count(pb), d);
}

/* dst = base with page pb of state b drawn over it as diff d says (its
 * slots below `to`), and b's laser marks when lasers. */
static int draw_over(struct thumb_cache *tc, const struct canvas *base, const struct board_state *b,
                     const struct board_page *pb, const struct diff *d, uint32_t to, bool lasers,
                     struct canvas *dst)
{
    if (dst != base)
        canvas_copy(dst, base);
    int rc = 0;
    if (d->y1 > d->y0) {
        struct board_draw_part bgp = {.page = pb, .background = true};
        rc = board_draw_part(tc->bd, b, &bgp, tc->bg);
        if (rc)
            return rc;
        canvas_copy_rect(dst, tc->bg, (struct canvas_rect){0, d->y0, tc->w, d->y1 - d->y0});
        struct board_draw_part rows = {
            .page = pb, .from = 0, .to = d->common, .rows_y0 = d->y0, .rows_y1 = d->y1};
        rc = board_draw_part(tc->bd, b, &rows, dst);
        tc->st.repainted++;
    }
    if (!rc) {
        struct board_draw_part top = {.page = pb, .from = d->common, .to = to, .lasers = lasers};
        rc = board_draw_part(tc->bd, b, &top, dst);
    }
    return rc;
}

/* ---- the rasters -------------------------------------------------------------------- */

/* Room for one more snapshot raster: the least recently used go until
 * the bound (what the checkpoints leave) has room. */
static int make_room(struct thumb_cache *tc)
{
    while (tc->n && tc->n >= max_rasters(tc)) {
        size_t lru = 0;
        for (size_t i = 1; i < tc->n; i++)
            if (tc->e[i].used < tc->e[lru].used)
                lru = i;
        canvas_destroy(&tc->e[lru].c);
        tc->e[lru] = tc->e[--tc->n];
        tc->st.evicted++;
    }
    if (tc->n < tc->cap)
        return 0;
    size_t cap = tc->cap ? 2 * tc->cap : 16;
    struct entry *e = realloc(tc->e, cap * sizeof(*e));
    if (!e)
        return SP_ENOMEM;
    tc->e = e;
    tc->cap = cap;
    return 0;
}

/* Makes the raster of page pg (in snapshot snap's state s) from the
 * nearest raster of that page, or whole. *out points into tc->e. */
static int build(struct thumb_cache *tc, size_t snap, const struct board_state *s,
                 const struct board_page *pg, const struct image *img, struct entry **out)
{
    *out = NULL;
    struct canvas *c = NULL;
    int rc = canvas_create(&c, tc->w, tc->h);
    if (rc)
        return rc;
    struct entry *from = nearest(tc, snap, pg->index, pg->gen);
    const struct board_state *fs = from ? board_player_snapshot(tc->bp, from->snap) : NULL;
    const struct board_page *fp = fs ? board_state_page(fs, pg->index) : NULL;
    if (fp && from->img == img && same_ground(fp, pg)) {
        struct diff d;
        diff_pages(tc, fs, fp, s, pg, &d);
        rc = draw_over(tc, from->c, s, pg, &d, UINT32_MAX, false, c);
    } else {
        struct board_draw_part all = {.page = pg, .background = true, .to = UINT32_MAX};
        rc = board_draw_part(tc->bd, s, &all, c);
        tc->st.built_whole++;
    }
    if (!rc) {
        /* `from` may move when an entry is dropped or the array grows: it is not used below */
        rc = make_room(tc);
    }
    if (rc) {
        canvas_destroy(&c);
        return rc;
    }
    struct entry *e = &tc->e[tc->n++];
    *e = (struct entry){.snap = snap, .page = pg->index, .gen = pg->gen, .img = img, .c = c};
    e->used = ++tc->clock;
    tc->st.built++;
    *out = e;
    return 0;
}

/* The raster of page pg of snapshot snap, made when missing or stale. */
static int raster_of(struct thumb_cache *tc, size_t snap, const struct board_state *s,
                     const struct board_page *pg, struct entry **out)
{
    const struct image *img = page_image(tc, pg);
    struct entry *e = find(tc, snap, pg->index);
    if (e && (e->gen != pg->gen || e->img != img)) {
        canvas_destroy(&e->c); /* the image arrived, or the page was made again */
        *e = tc->e[--tc->n];
        e = NULL;
    }
    if (!e)
        return build(tc, snap, s, pg, img, out);
    e->used = ++tc->clock;
    *out = e;
    return 0;
}

/* ---- checkpoints ------------------------------------------------------------------- */

/* Ops that may change a page's version or the page shown (board.h:
 * struct board_page.version): everything but drawing and the laser. */
static bool version_op(enum board_op_kind k)
{
    return k != BOARD_OP_STROKE_BEGIN && k != BOARD_OP_STROKE_APPEND && k != BOARD_OP_STROKE_END &&
           k != BOARD_OP_SHAPE && k != BOARD_OP_TEXT && k != BOARD_OP_LASER;
}

static bool draw_op(enum board_op_kind k)
{
    return k == BOARD_OP_STROKE_BEGIN || k == BOARD_OP_SHAPE || k == BOARD_OP_TEXT;
}

/* The lowest slot of page p of s, from `from` up, holding a stroke in
 * progress; the slot count when none does. */
static uint32_t finished_prefix(const struct board_state *s, const struct board_page *p,
                                uint32_t from)
{
    uint32_t n = board_page_slot_count(p);
    for (uint32_t i = from; i < n; i++) {
        const struct board_element *e = board_state_slot(s, p, i);
        if (e && !e->finished)
            return i;
    }
    return n;
}

/* Index of the first checkpoint after board ms w_ms. */
static size_t cp_after(const struct thumb_cache *tc, int64_t w_ms)
{
    size_t lo = 0, hi = tc->ncp;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (tc->cp[mid].t_ms <= w_ms)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* The checkpoint a thumbnail of page p (of a state at w_ms) is drawn
 * from: the latest at or before w_ms of that page, when it has the same
 * version and image (an earlier one has an older version still), or NULL. */
static const struct ckpt *cp_find(const struct thumb_cache *tc, int64_t w_ms,
                                  const struct board_page *p, const struct image *img)
{
    for (size_t i = cp_after(tc, w_ms); i-- > 0;) {
        const struct ckpt *c = &tc->cp[i];
        if (c->page != p->index || c->gen != p->gen)
            continue;
        if (c->version != p->version || c->img != img || c->prefix > board_page_slot_count(p))
            return NULL;
        return c;
    }
    return NULL;
}

/* A thumbnail drawn from a checkpoint costs the slots above its prefix:
 * beyond this many (a stroke left open for long holds the prefix back)
 * the snapshots' rasters are used instead. */
static uint32_t cp_reach(const struct thumb_cache *tc)
{
    size_t r = 4 * tc->plan.every + 64;
    return r > UINT32_MAX ? UINT32_MAX : (uint32_t)r;
}

/* Starts the checkpoint of the page shown at board ms t_ms (later than
 * every checkpoint made) in tc->job, from the latest checkpoint of that
 * page: its copy with the slots added since drawn on top when the page's
 * version is the same; else with the rows of what changed repainted
 * first; else whole. *out is the state at t_ms (NULL: no page shown,
 * nothing started). */
static int cp_start(struct thumb_cache *tc, int64_t t_ms, struct board_state **out)
{
    struct board_state *s = NULL, *bs = NULL;
    struct cp_job *j = &tc->job;
    int rc = board_player_state_at_us(tc->bp, t_ms * 1000, &s);
    const struct board_page *pg = s ? board_state_current(s) : NULL;
    if (rc || !pg) {
        board_state_free(&s);
        *out = NULL;
        return rc;
    }
    const struct image *img = page_image(tc, pg);
    const struct ckpt *base = NULL;
    for (size_t i = tc->ncp; i-- > 0 && !base;)
        if (tc->cp[i].page == pg->index && tc->cp[i].gen == pg->gen && tc->cp[i].img == img)
            base = &tc->cp[i];
    if (!j->c && (rc = canvas_create(&j->c, tc->w, tc->h)) != 0)
        goto fail;
    *j = (struct cp_job){.active = true,
                         .t_ms = t_ms,
                         .c = j->c,
                         .page = pg->index,
                         .gen = pg->gen,
                         .version = pg->version,
                         .img = img};
    if (base && base->version == pg->version) {
        /* only additions since: slots below base's prefix are the same */
        j->prefix = finished_prefix(s, pg, base->prefix);
        canvas_copy(j->c, base->c);
        j->next = j->top_from = base->prefix;
        *out = s;
        return 0;
    }
    j->prefix = finished_prefix(s, pg, 0);
    if (base && (rc = board_player_state_at_us(tc->bp, base->t_ms * 1000, &bs)) != 0)
        goto fail;
    const struct board_page *bp = bs ? board_state_page(bs, pg->index) : NULL;
    struct board_draw_part bgp = {.page = pg, .background = true};
    if (bp && same_ground(bp, pg)) {
        struct diff d;
        diff_slots(tc, bs, bp, base->prefix, s, pg, j->prefix, &d);
        canvas_copy(j->c, base->c);
        if (d.y1 > d.y0) {
            if ((rc = board_draw_part(tc->bd, s, &bgp, tc->bg)) != 0)
                goto fail;
            canvas_copy_rect(j->c, tc->bg, (struct canvas_rect){0, d.y0, tc->w, d.y1 - d.y0});
            j->y0 = d.y0;
            j->y1 = d.y1;
            j->rows_to = d.common;
            j->in_rows = true;
            tc->st.repainted++;
        }
        j->top_from = d.common;
    } else {
        if ((rc = board_draw_part(tc->bd, s, &bgp, j->c)) != 0)
            goto fail;
        j->top_from = 0;
        tc->st.checkpoints_whole++;
    }
    j->next = j->in_rows ? 0 : j->top_from;
    board_state_free(&bs);
    *out = s;
    return 0;
fail:
    j->active = false;
    board_state_free(&bs);
    board_state_free(&s);
    *out = NULL;
    return rc;
}

/* Draws the started checkpoint on, THUMB_CACHE_CKPT_CHUNK slots at a time
 * (at least one chunk), until it is made or the budget is spent; s is the
 * state at its time. */
static int cp_step(struct thumb_cache *tc, const struct board_state *s, int64_t t0,
                   int64_t budget_us)
{
    struct cp_job *j = &tc->job;
    const struct board_page *pg = board_state_page(s, j->page);
    if (!pg) { /* cannot be: the same state again */
        j->active = false;
        return 0;
    }
    for (bool first = true;; first = false) {
        if (!first && sp_os_mono_us() - t0 >= budget_us)
            return 0;
        uint32_t end = j->in_rows ? j->rows_to : j->prefix;
        uint32_t to =
            end - j->next > THUMB_CACHE_CKPT_CHUNK ? j->next + THUMB_CACHE_CKPT_CHUNK : end;
        if (j->next < to) {
            struct board_draw_part part = {.page = pg, .from = j->next, .to = to};
            if (j->in_rows) {
                part.rows_y0 = j->y0;
                part.rows_y1 = j->y1;
            }
            int rc = board_draw_part(tc->bd, s, &part, j->c);
            if (rc)
                return rc;
        }
        j->next = to;
        if (j->next < end)
            continue;
        if (j->in_rows) {
            j->in_rows = false;
            j->next = j->top_from;
            continue;
        }
        break;
    }
    if (tc->ncp == tc->cp_cap) {
        size_t cap = tc->cp_cap ? 2 * tc->cp_cap : 64;
        struct ckpt *n = realloc(tc->cp, cap * sizeof(*n));
        if (!n)
            return SP_ENOMEM;
        tc->cp = n;
        tc->cp_cap = cap;
    }
    tc->cp[tc->ncp++] = (struct ckpt){.t_ms = j->t_ms,
                                      .page = j->page,
                                      .gen = j->gen,
                                      .prefix = j->prefix,
                                      .version = j->version,
                                      .img = j->img,
                                      .c = j->c};
    j->c = NULL;
    j->active = false;
    tc->st.checkpoints_made++;
    return 0;
}

/* How many checkpoints there will be, and how far apart: about 3/4 of the
 * memory bound (the snapshots' rasters keep the rest), shared between the
 * runs of version changes (at most half) and the drawing ops. */
static void cp_plan_init(struct thumb_cache *tc, const struct board_log *log)
{
    struct cp_plan *pl = &tc->plan;
    size_t n = board_log_op_count(log), draws = 0, runs = 0;
    bool in_run = false;
    for (size_t i = 0; i < n; i++) {
        struct board_op_info oi;
        if (board_log_op_info(log, i, &oi) != 0)
            break;
        draws += draw_op(oi.kind);
        bool v = version_op(oi.kind);
        runs += v && !in_run;
        in_run = v;
    }
    size_t all = max_rasters_all(tc), max = all * 3 / 4;
    if (max >= all)
        max = all - 1;
    pl->max = max;
    pl->vleft = runs < max / 2 ? runs : max / 2;
    size_t regular = max - pl->vleft;
    pl->every = regular ? (draws + regular - 1) / regular : SIZE_MAX;
    if (pl->every < THUMB_CACHE_CKPT_MIN_DRAWS)
        pl->every = THUMB_CACHE_CKPT_MIN_DRAWS;
    pl->ready = true;
}

/* Goes on with the checkpoints for about budget_us (at least one chunk
 * drawn when some is left). Returns 1 while some are left, 0 or SP_ENOMEM. */
static int cp_prepare(struct thumb_cache *tc, int64_t t0, int64_t budget_us)
{
    const struct board_log *log = board_player_log(tc->bp);
    if (!log)
        return 0;
    struct cp_plan *pl = &tc->plan;
    if (!pl->ready)
        cp_plan_init(tc, log);
    size_t n = board_log_op_count(log);
    bool progressed = false;
    struct board_op_info oi, next;
    for (;;) {
        if (progressed && sp_os_mono_us() - t0 >= budget_us)
            return 1;
        struct board_state *s = NULL;
        int rc = 0;
        if (tc->job.active) {
            /* a checkpoint left half drawn by the last call */
            rc = board_player_state_at_us(tc->bp, tc->job.t_ms * 1000, &s);
        } else {
            if (pl->next_op >= n || tc->ncp >= pl->max)
                return 0;
            if (board_log_op_info(log, pl->next_op++, &oi) != 0)
                return 0;
            pl->draws += draw_op(oi.kind);
            pl->changed |= version_op(oi.kind);
            bool last = pl->next_op == n || board_log_op_info(log, pl->next_op, &next) != 0;
            if (!last && next.t_us == oi.t_us)
                continue;                  /* a state holds every op of its ms */
            int64_t t_ms = oi.t_us / 1000; /* the checkpoints keep the ops' whole ms */
            bool after_change = pl->changed && pl->vleft && (last || !version_op(next.kind));
            if (pl->draws < pl->every && !after_change)
                continue;
            if (tc->ncp && tc->cp[tc->ncp - 1].t_ms >= t_ms)
                continue;
            if (after_change)
                pl->vleft--;
            pl->draws = 0;
            pl->changed = false;
            rc = cp_start(tc, t_ms, &s);
        }
        if (!rc && s)
            rc = cp_step(tc, s, t0, budget_us);
        else if (!rc)
            tc->job.active = false;
        board_state_free(&s);
        if (rc)
            return rc;
        progressed = true;
    }
}

int thumb_cache_draw_us(struct thumb_cache *tc, const struct board_player *bp, uint64_t gen,
                        int64_t w_us, struct canvas *dst)
{
    if (!tc || !dst || dst->w != tc->w || dst->h != tc->h)
        return SP_EINVAL;
    bind(tc, bp, gen);
    struct board_state *s = NULL;
    int rc = bp ? board_player_state_at_us(bp, w_us, &s) : 0;
    if (rc)
        return rc;
    const struct board_page *pb = s ? board_state_current(s) : NULL;
    if (!pb) {
        struct board_draw_part none = {.background = true};
        rc = board_draw_part(tc->bd, NULL, &none, dst);
        board_state_free(&s);
        tc->st.draws++;
        return rc;
    }
    int64_t w_ms = w_us >= 0 ? w_us / 1000 : -((-w_us + 999) / 1000);
    const struct ckpt *cp = cp_find(tc, w_ms, pb, page_image(tc, pb));
    if (cp && board_page_slot_count(pb) - cp->prefix <= cp_reach(tc)) {
        canvas_copy(dst, cp->c);
        struct board_draw_part top = {
            .page = pb, .from = cp->prefix, .to = UINT32_MAX, .lasers = true};
        rc = board_draw_part(tc->bd, s, &top, dst);
        board_state_free(&s);
        if (!rc) {
            tc->st.draws++;
            tc->st.from_checkpoint++;
        }
        return rc;
    }
    size_t k = board_player_snapshot_index_us(bp, w_us);
    const struct board_state *snap = board_player_snapshot(bp, k);
    const struct board_page *pa = snap ? board_state_page(snap, pb->index) : NULL;
    if (!pa || !same_ground(pa, pb)) {
        /* the page was made, or its background or view changed, after
         * snapshot k: the next snapshot may show it as w does (what was
         * drawn between w and it is repainted away) */
        const struct board_state *next = board_player_snapshot(bp, k + 1);
        const struct board_page *pn = next ? board_state_page(next, pb->index) : NULL;
        if (pn && same_ground(pn, pb)) {
            k++;
            snap = next;
            pa = pn;
        }
    }
    if (pa && same_ground(pa, pb)) {
        struct entry *e = NULL;
        rc = raster_of(tc, k, snap, pa, &e);
        if (!rc) {
            struct diff d;
            diff_pages(tc, snap, pa, s, pb, &d);
            rc = draw_over(tc, e->c, s, pb, &d, UINT32_MAX, true, dst);
            tc->st.from_raster++;
        }
    } else {
        /* a page made, or a background or view changed, between two snapshots */
        struct board_draw_part all = {
            .page = pb, .background = true, .to = UINT32_MAX, .lasers = true};
        rc = board_draw_part(tc->bd, s, &all, dst);
        tc->st.whole++;
    }
    board_state_free(&s);
    if (!rc)
        tc->st.draws++;
    return rc;
}

int thumb_cache_prepare(struct thumb_cache *tc, const struct board_player *bp, uint64_t gen,
                        int64_t budget_us)
{
    if (!tc)
        return SP_EINVAL;
    bind(tc, bp, gen);
    if (!bp)
        return 0;
    return cp_prepare(tc, sp_os_mono_us(), budget_us);
}
