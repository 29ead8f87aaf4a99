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
    size_t prep_next; /* thumb_cache_prepare() goes on from this snapshot */
    struct thumb_cache_stats st;
};

static size_t raster_bytes(const struct thumb_cache *tc)
{
    return (size_t)tc->w * (size_t)tc->h * 4;
}

/* How many rasters the bound allows (at least one). */
static size_t max_rasters(const struct thumb_cache *tc)
{
    size_t n = tc->max_bytes / raster_bytes(tc);
    return n ? n : 1;
}

static void drop_all(struct thumb_cache *tc)
{
    for (size_t i = 0; i < tc->n; i++)
        canvas_destroy(&tc->e[i].c);
    tc->n = 0;
    tc->prep_next = 0;
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
    st->rasters = tc->n;
    st->bytes = tc->n * raster_bytes(tc);
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
static void diff_pages(const struct thumb_cache *tc, const struct board_state *a,
                       const struct board_page *pa, const struct board_state *b,
                       const struct board_page *pb, struct diff *d)
{
    struct raster_xform xf = board_draw_xform(tc->bd, pb);
    uint32_t na = board_page_slot_count(pa), nb = board_page_slot_count(pb);
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

/* dst = base with page pb of state b drawn over it as diff d says, and
 * b's laser marks when lasers. */
static int draw_over(struct thumb_cache *tc, const struct canvas *base, const struct board_state *b,
                     const struct board_page *pb, const struct diff *d, bool lasers,
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
        struct board_draw_part top = {
            .page = pb, .from = d->common, .to = UINT32_MAX, .lasers = lasers};
        rc = board_draw_part(tc->bd, b, &top, dst);
    }
    return rc;
}

/* ---- the rasters -------------------------------------------------------------------- */

/* Room for one more raster: the least recently used goes (never keep). */
static int make_room(struct thumb_cache *tc, const struct entry *keep)
{
    if (tc->n < max_rasters(tc) && tc->n < tc->cap)
        return 0;
    if (tc->n < max_rasters(tc)) {
        size_t cap = tc->cap ? 2 * tc->cap : 16;
        struct entry *e = realloc(tc->e, cap * sizeof(*e));
        if (!e)
            return SP_ENOMEM;
        tc->e = e;
        tc->cap = cap;
        return 0;
    }
    size_t lru = SIZE_MAX;
    for (size_t i = 0; i < tc->n; i++)
        if (&tc->e[i] != keep && (lru == SIZE_MAX || tc->e[i].used < tc->e[lru].used))
            lru = i;
    if (lru == SIZE_MAX)
        return SP_ENOMEM;
    canvas_destroy(&tc->e[lru].c);
    tc->e[lru] = tc->e[--tc->n];
    tc->st.evicted++;
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
        rc = draw_over(tc, from->c, s, pg, &d, false, c);
    } else {
        struct board_draw_part all = {.page = pg, .background = true, .to = UINT32_MAX};
        rc = board_draw_part(tc->bd, s, &all, c);
        tc->st.built_whole++;
    }
    if (!rc) {
        /* `from` may move when an entry is dropped or the array grows: it is not used below */
        rc = make_room(tc, NULL);
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
            rc = draw_over(tc, e->c, s, pb, &d, true, dst);
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
    size_t count = board_player_snapshot_count(bp);
    int64_t t0 = sp_os_mono_us();
    bool made = false;
    while (tc->prep_next < count) {
        if (made && sp_os_mono_us() - t0 >= budget_us)
            return 1;
        size_t k = tc->prep_next;
        const struct board_state *s = board_player_snapshot(bp, k);
        const struct board_page *pg = s ? board_state_current(s) : NULL;
        if (pg && !find(tc, k, pg->index)) {
            if (tc->n >= max_rasters(tc))
                return 0; /* the bound: later rasters are made when hovered */
            struct entry *e = NULL;
            int rc = raster_of(tc, k, s, pg, &e);
            if (rc)
                return rc;
            made = true;
        }
        tc->prep_next++;
    }
    return 0;
}
