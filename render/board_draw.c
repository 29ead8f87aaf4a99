/* board_draw.c - the board state drawn with render/raster and render/text,
 * through a cached page layer (see board_draw.h). */
#include "render/board_draw.h"

#include "base/diag.h"
#include "base/sp_error.h"
#include "render/raster.h"

#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* What drawing needs that is not thread-safe: a rasterizer, a text context
 * and a point scratch. The board's own pen draws everything; a second one
 * draws the lower band of a large layer redraw on another thread. */
struct pen {
    struct raster *r;
    struct text_ctx *text;
    double *pts; /* float -> double point scratch */
    size_t pts_cap;
};

struct board_draw {
    int w, h;   /* canvas pixels */
    int bw, bh; /* board units */
    board_draw_image_fn get_image;
    void *opaque;
    struct text_ctx *text;
    bool own_text;
    struct raster *r;
    struct pen band2;     /* the second band's pen: own raster and text clone */
    bool band2_failed;    /* it could not be made: redraws stay on one thread */
    struct canvas *layer; /* background + finished elements */
    struct canvas *frame; /* layer + marks in progress */
    /* the layer's key: what it was drawn from */
    bool valid;
    uint32_t page_index, page_gen;
    uint64_t version, serial;
    double vscale, vx, vy;
    const struct image *img;
    /* incremental bookkeeping */
    uint32_t examined;     /* slots [0, examined) were looked at */
    uint32_t top_in_layer; /* 1 + highest slot drawn into the layer, 0 if none */
    uint32_t *pending;     /* slots below `examined` holding unfinished strokes, ascending */
    size_t npending, pending_cap;
    struct diag_list diag; /* elements skipped because they could not be drawn, once each */
    double *pts;           /* float -> double point scratch */
    size_t pts_cap;
    /* strokes in progress: coverage masks extended by their new points */
    struct live {
        bool used;
        uint32_t slot, drawn; /* points already in the mask */
        double dx, dy;
        float width;
        uint64_t seen; /* frame number it was last drawn in */
        struct raster_mask *m;
    } live[BOARD_DRAW_LIVE_MAX];
    /* dirty-rectangle bookkeeping between frames */
    bool frame_valid;              /* frame = layer outside prev_marks */
    bool layer_changed;            /* the layer changed since the last frame */
    struct canvas_rect prev_marks; /* what this frame's marks touched */
    struct canvas_rect last_dirty; /* frame pixels that changed in the last frame */
    uint64_t frame_no;
    struct board_draw_stats st;
};

static struct canvas_color rgba32(uint32_t c)
{
    return canvas_rgba((uint8_t)(c >> 24), (uint8_t)(c >> 16), (uint8_t)(c >> 8), (uint8_t)c);
}

int board_draw_create(struct board_draw **out, int w, int h, const struct board_draw_opts *o)
{
    *out = NULL;
    if (!o || w < 1 || h < 1 || w > CANVAS_MAX_DIM || h > CANVAS_MAX_DIM)
        return SP_EINVAL;
    struct board_draw *bd = calloc(1, sizeof(*bd));
    if (!bd)
        return SP_ENOMEM;
    bd->bw = o->board_w > 0 ? o->board_w : 1280;
    bd->bh = o->board_h > 0 ? o->board_h : 960;
    bd->get_image = o->get_image;
    bd->opaque = o->opaque;
    int ret = 0;
    if (o->text) {
        bd->text = o->text;
    } else {
        ret = text_create(&bd->text);
        bd->own_text = true;
    }
    if (!ret)
        ret = raster_create(&bd->r);
    if (!ret)
        ret = board_draw_resize(bd, w, h);
    if (ret) {
        board_draw_destroy(&bd);
        return ret;
    }
    *out = bd;
    return 0;
}

void board_draw_destroy(struct board_draw **bdp)
{
    if (!bdp || !*bdp)
        return;
    struct board_draw *bd = *bdp;
    if (bd->own_text)
        text_destroy(&bd->text);
    raster_destroy(&bd->r);
    raster_destroy(&bd->band2.r);
    text_destroy(&bd->band2.text);
    free(bd->band2.pts);
    canvas_destroy(&bd->layer);
    canvas_destroy(&bd->frame);
    for (int i = 0; i < BOARD_DRAW_LIVE_MAX; i++)
        raster_mask_destroy(&bd->live[i].m);
    free(bd->pending);
    free(bd->pts);
    diag_clear(&bd->diag);
    free(bd);
    *bdp = NULL;
}

int board_draw_resize(struct board_draw *bd, int w, int h)
{
    struct canvas *layer = NULL, *frame = NULL;
    int ret = canvas_create(&layer, w, h);
    if (!ret)
        ret = canvas_create(&frame, w, h);
    if (ret) {
        canvas_destroy(&layer);
        return ret;
    }
    canvas_destroy(&bd->layer);
    canvas_destroy(&bd->frame);
    bd->layer = layer;
    bd->frame = frame;
    bd->w = w;
    bd->h = h;
    bd->valid = false;
    bd->frame_valid = false;
    for (int i = 0; i < BOARD_DRAW_LIVE_MAX; i++) {
        raster_mask_destroy(&bd->live[i].m);
        bd->live[i].used = false;
    }
    return 0;
}

void board_draw_invalidate(struct board_draw *bd)
{
    bd->valid = false;
}

void board_draw_take_diags(struct board_draw *bd, struct diag_list *dst)
{
    if (bd && dst)
        diag_move(dst, &bd->diag);
}

void board_draw_get_stats(const struct board_draw *bd, struct board_draw_stats *st)
{
    *st = bd->st;
}

/* Board units to canvas pixels for page p: fit, then the page's view. */
static struct raster_xform page_xform(const struct board_draw *bd, const struct board_page *p)
{
    double base = fmin((double)bd->w / bd->bw, (double)bd->h / bd->bh);
    double ox = (bd->w - bd->bw * base) / 2, oy = (bd->h - bd->bh * base) / 2;
    double s = p->view.scale, vx = p->view.x, vy = p->view.y;
    if (!isfinite(s) || s <= 0)
        s = 1;
    if (!isfinite(vx) || !isfinite(vy))
        vx = vy = 0;
    struct raster_xform xf = {s * base, ox - vx * s * base, oy - vy * s * base};
    return xf;
}

/* How far beyond its box (in pixels, under a transform of this scale)
 * element e may ink: 2 for anti-aliasing, and for an arrow the half base
 * of its head, which is wider than the line the box allows for: half of
 * RASTER_ARROW_HEAD_LEN() of the width drawn, at least
 * RASTER_MIN_WIDTH_PX. */
static double ink_margin_px(const struct board_element *e, double scale)
{
    double m = 2;
    if (e->kind == BOARD_ELEM_ARROW) {
        double wpx = fmax(e->width * scale, RASTER_MIN_WIDTH_PX);
        m += (wpx * 3.0 + 8.0 * scale) / 2;
    }
    return m;
}

static int draw_element(struct pen *pen, struct canvas *c, const struct board_element *e,
                        const struct raster_xform *xf0)
{
    struct raster_xform xf = *xf0;
    xf.tx += e->dx * xf.scale;
    xf.ty += e->dy * xf.scale;
    if (e->kind != BOARD_ELEM_TEXT) { /* text bboxes are estimates: never cull */
        double x0 = e->bbox.x0 * xf0->scale + xf0->tx, x1 = e->bbox.x1 * xf0->scale + xf0->tx;
        double y0 = e->bbox.y0 * xf0->scale + xf0->ty, y1 = e->bbox.y1 * xf0->scale + xf0->ty;
        double m = ink_margin_px(e, xf0->scale);
        if (x1 < -m || y1 < -m || x0 > c->w + m || y0 > c->h + m)
            return 0;
    }
    struct canvas_color col = rgba32(e->color);
    struct canvas_color fill = rgba32(e->fill);
    const struct canvas_color *fp = e->has_fill ? &fill : NULL;
    switch (e->kind) {
    case BOARD_ELEM_STROKE: {
        if (e->npts == 0)
            return 0;
        if (e->npts > pen->pts_cap) {
            double *p = realloc(pen->pts, (size_t)e->npts * 2 * sizeof(double));
            if (!p)
                return SP_ENOMEM;
            pen->pts = p;
            pen->pts_cap = e->npts;
        }
        for (size_t i = 0; i < 2 * (size_t)e->npts; i++)
            pen->pts[i] = e->pts[i];
        if (e->tool == BOARD_TOOL_HIGHLIGHTER && col.a == 255)
            col.a = BOARD_DRAW_HIGHLIGHTER_ALPHA;
        return raster_stroke(pen->r, c, &xf, pen->pts, e->npts, e->width, col);
    }
    case BOARD_ELEM_LINE:
        return raster_line(pen->r, c, &xf, e->x1, e->y1, e->x2, e->y2, e->width, col);
    case BOARD_ELEM_ARROW:
        return raster_arrow(pen->r, c, &xf, e->x1, e->y1, e->x2, e->y2, e->width, col);
    case BOARD_ELEM_RECT:
        return raster_rect(pen->r, c, &xf, e->x1, e->y1, e->x2, e->y2, e->width, col, fp);
    case BOARD_ELEM_ELLIPSE:
        return raster_ellipse(pen->r, c, &xf, e->x1, e->y1, e->x2, e->y2, e->width, col, fp);
    case BOARD_ELEM_TEXT:
        if (!e->text)
            return 0;
        return text_draw(pen->text, c, e->x1 * xf.scale + xf.tx, e->y1 * xf.scale + xf.ty, e->text,
                         e->size * xf.scale, col, 0, NULL);
    }
    return 0;
}

static const char *elem_kind_name(const struct board_element *e)
{
    switch (e->kind) {
    case BOARD_ELEM_STROKE:
        return "stroke";
    case BOARD_ELEM_LINE:
        return "line";
    case BOARD_ELEM_ARROW:
        return "arrow";
    case BOARD_ELEM_RECT:
        return "rectangle";
    case BOARD_ELEM_ELLIPSE:
        return "ellipse";
    default:
        return "text";
    }
}

/* One warning for an element that could not be drawn (repeats of the same
 * reason merge into one line with a count). */
static void warn_skipped_why(struct board_draw *bd, const struct board_element *e, int ret,
                             const char *ft_text)
{
    /* SP_ERANGE is FreeType's error; the others are ours (a limit) */
    const char *from = ret == SP_ERANGE ? "FreeType: " : "";
    const char *why = ret == SP_ERANGE ? ft_text : sp_strerror(ret);
    const char *kind = elem_kind_name(e);
    if (e->kind == BOARD_ELEM_STROKE)
        diag_add(&bd->diag, DIAG_WARNING, "board: a stroke of %u points is not drawn: %s%s",
                 (unsigned)e->npts, from, why);
    else
        diag_add(&bd->diag, DIAG_WARNING, "board: %s %s is not drawn: %s%s",
                 strchr("aeiou", kind[0]) ? "an" : "a", kind, from, why);
}

static void warn_skipped(struct board_draw *bd, const struct board_element *e, int ret)
{
    warn_skipped_why(bd, e, ret, raster_error_text(bd->r));
}

/* Draws an element, treating only out-of-memory as an error: an element
 * that cannot be drawn (absurd geometry, a FreeType error) is skipped with
 * a warning, and the frame is drawn without it. */
static int pen_draw(struct pen *pen, struct canvas *c, const struct board_element *e,
                    const struct raster_xform *xf)
{
    return draw_element(pen, c, e, xf);
}

/* With the board's own pen (the scratch lives in bd). */
static int draw_or_skip(struct board_draw *bd, struct canvas *c, const struct board_element *e,
                        const struct raster_xform *xf)
{
    struct pen pen = {bd->r, bd->text, bd->pts, bd->pts_cap};
    int ret = pen_draw(&pen, c, e, xf);
    bd->pts = pen.pts;
    bd->pts_cap = pen.pts_cap;
    if (ret && ret != SP_ENOMEM)
        warn_skipped(bd, e, ret);
    return ret == SP_ENOMEM ? ret : 0;
}

static void draw_background(struct board_draw *bd, struct canvas *c, const struct board_page *p,
                            const struct raster_xform *xf, struct image *img)
{
    canvas_clear(c, rgba32(p->bg.has_color ? p->bg.color : BOARD_DRAW_DEFAULT_BG));
    if (!img)
        return;
    const double rect[4] = {xf->tx, xf->ty, bd->bw * xf->scale, bd->bh * xf->scale};
    enum image_fit fit = p->bg.fit == BOARD_FIT_COVER     ? IMAGE_FIT_COVER
                         : p->bg.fit == BOARD_FIT_STRETCH ? IMAGE_FIT_STRETCH
                                                          : IMAGE_FIT_CONTAIN;
    image_draw_fit(c, img, rect, fit); /* out of memory: the color shows */
}

static int pending_add(struct board_draw *bd, uint32_t slot)
{
    if (bd->npending == bd->pending_cap) {
        size_t cap = bd->pending_cap ? 2 * bd->pending_cap : 16;
        uint32_t *p = realloc(bd->pending, cap * sizeof(*p));
        if (!p)
            return SP_ENOMEM;
        bd->pending = p;
        bd->pending_cap = cap;
    }
    bd->pending[bd->npending++] = slot;
    return 0;
}

/* Looks at slots [examined, count): unfinished ones become pending and
 * finished ones are the layer's. With draw, this draws them into it; without,
 * it only notes them (draw_layer_bands() drew them already). Elements added
 * to a valid layer (not during a redraw) count as added incrementally. */
/* What the layer now shows: the page, its version and view, the state's
 * serial and the background image, which the next draw compares against
 * to know whether the layer is still right. */
static void remember_page(struct board_draw *bd, const struct board_state *s,
                          const struct board_page *p, const struct image *img)
{
    bd->page_index = p->index;
    bd->page_gen = p->gen;
    bd->version = p->version;
    bd->serial = board_state_serial(s);
    bd->vscale = p->view.scale;
    bd->vx = p->view.x;
    bd->vy = p->view.y;
    bd->img = img;
}

static int add_new_slots(struct board_draw *bd, const struct board_state *s,
                         const struct board_page *p, const struct raster_xform *xf, bool draw)
{
    uint32_t count = board_page_slot_count(p);
    for (uint32_t i = bd->examined; i < count; i++) {
        const struct board_element *e = board_state_slot(s, p, i);
        if (!e)
            continue;
        int ret = 0;
        if (e->finished) {
            if (draw)
                ret = draw_or_skip(bd, bd->layer, e, xf);
            bd->top_in_layer = i + 1;
            bd->layer_changed = true;
            if (draw && bd->valid)
                bd->st.added_elements++;
        } else {
            ret = pending_add(bd, i);
        }
        if (ret)
            return ret;
    }
    bd->examined = count;
    return 0;
}

/* ---- two-band redraw ------------------------------------------------------
 *
 * A full redraw of a crowded page (a two-hour lesson's page can hold tens of
 * thousands of strokes) is the longest step of a seek or of `render`. The
 * layer is cut into an upper and a lower band; this thread draws the upper
 * one with the board's pen and a second thread the lower one with its own,
 * both going through every finished element in order. Each pen's raster and
 * text are clipped to its band (raster_set_clip, text_set_rows: the geometry
 * is the same, so every pixel is what one thread would give) and a stroke
 * wholly in the other band is skipped before the stroker runs. */

#define BAND_SKIPS_MAX 16

struct band_job {
    struct pen *pen;
    struct canvas *c;
    const struct board_state *s;
    const struct board_page *p;
    const struct raster_xform *xf;
    uint32_t count;
    int ret; /* 0 or SP_ENOMEM */
    /* elements that could not be drawn (warned about after the join, on
     * the caller's thread: diag is not shared between threads) */
    struct band_skip {
        const struct board_element *e;
        int ret;
        const char *ft_text; /* raster_error_text() of the band's raster */
    } skipped[BAND_SKIPS_MAX];
    size_t n_skipped;
};

static void draw_band(struct band_job *j)
{
    j->ret = 0;
    j->n_skipped = 0;
    for (uint32_t i = 0; i < j->count && !j->ret; i++) {
        const struct board_element *e = board_state_slot(j->s, j->p, i);
        if (!e || !e->finished)
            continue;
        int ret = pen_draw(j->pen, j->c, e, j->xf);
        if (ret == SP_ENOMEM)
            j->ret = ret;
        else if (ret && j->n_skipped < BAND_SKIPS_MAX)
            j->skipped[j->n_skipped++] = (struct band_skip){e, ret, raster_error_text(j->pen->r)};
    }
}

/* One warning per element either band skipped (both usually skip it). */
static void warn_band_skips(struct board_draw *bd, const struct band_job *a,
                            const struct band_job *b)
{
    for (size_t i = 0; i < a->n_skipped; i++)
        warn_skipped_why(bd, a->skipped[i].e, a->skipped[i].ret, a->skipped[i].ft_text);
    for (size_t i = 0; i < b->n_skipped; i++) {
        bool seen = false;
        for (size_t k = 0; k < a->n_skipped && !seen; k++)
            seen = a->skipped[k].e == b->skipped[i].e;
        if (!seen)
            warn_skipped_why(bd, b->skipped[i].e, b->skipped[i].ret, b->skipped[i].ft_text);
    }
}

static void *band_main(void *arg)
{
    draw_band(arg);
    return NULL;
}

/* The second pen, made on first use; false when it cannot be (the redraw
 * then stays on one thread). */
static bool band2_ready(struct board_draw *bd)
{
    if (bd->band2.r)
        return text_sync_faces(bd->band2.text, bd->text) == 0;
    if (bd->band2_failed)
        return false;
    if (raster_create(&bd->band2.r) != 0 || text_clone(bd->text, &bd->band2.text) != 0) {
        raster_destroy(&bd->band2.r);
        bd->band2_failed = true;
        return false;
    }
    return true;
}

/* Draws the finished elements among slots [0, count) into the layer on two
 * threads. Returns 1 when it did not run (too few slots, too small a
 * layer, no second pen or thread): the caller draws on one thread. */
static int draw_layer_bands(struct board_draw *bd, const struct board_state *s,
                            const struct board_page *p, const struct raster_xform *xf,
                            uint32_t count)
{
    if (count < BOARD_DRAW_BANDS_MIN_SLOTS || bd->h < 2 * BOARD_DRAW_BANDS_MIN_ROWS ||
        !band2_ready(bd))
        return 1;
    int mid = bd->h / 2;
    struct canvas_rect top = {0, 0, bd->w, mid}, bottom = {0, mid, bd->w, bd->h - mid};
    struct pen own = {bd->r, bd->text, bd->pts, bd->pts_cap};
    struct band_job j0 = {.pen = &own, .c = bd->layer, .s = s, .p = p, .xf = xf, .count = count};
    struct band_job j1 = {
        .pen = &bd->band2, .c = bd->layer, .s = s, .p = p, .xf = xf, .count = count};
    raster_set_clip(bd->r, &top);
    raster_set_clip(bd->band2.r, &bottom);
    text_set_rows(bd->text, 0, mid);
    text_set_rows(bd->band2.text, mid, bd->h);
    pthread_t t;
    int rc = 1;
    if (pthread_create(&t, NULL, band_main, &j1) == 0) {
        draw_band(&j0);
        pthread_join(t, NULL);
        rc = j0.ret ? j0.ret : j1.ret;
        warn_band_skips(bd, &j0, &j1);
        bd->st.band_redraws++;
    }
    raster_set_clip(bd->r, NULL);
    raster_set_clip(bd->band2.r, NULL);
    text_set_rows(bd->text, 0, 0);
    text_set_rows(bd->band2.text, 0, 0);
    bd->pts = own.pts;
    bd->pts_cap = own.pts_cap;
    return rc;
}

static int redraw_layer(struct board_draw *bd, const struct board_state *s,
                        const struct board_page *p, const struct raster_xform *xf,
                        struct image *img)
{
    bd->valid = false;
    bd->layer_changed = true;
    for (int i = 0; i < BOARD_DRAW_LIVE_MAX; i++)
        bd->live[i].used = false; /* the view may have changed */
    draw_background(bd, bd->layer, p, xf, img);
    bd->examined = 0;
    bd->top_in_layer = 0;
    bd->npending = 0;
    uint32_t count = board_page_slot_count(p);
    int ret = draw_layer_bands(bd, s, p, xf, count);
    if (ret == 0 || ret == 1)
        ret = add_new_slots(bd, s, p, xf, ret == 1);
    if (ret)
        return ret;
    bd->valid = true;
    remember_page(bd, s, p, img);
    bd->st.full_redraws++;
    return 0;
}

/* Pending strokes that finished join the layer if nothing above them is in
 * it yet; otherwise the layer must be redrawn for the z-order. Returns 1
 * when a redraw is needed. */
static int settle_pending(struct board_draw *bd, const struct board_state *s,
                          const struct board_page *p, const struct raster_xform *xf)
{
    size_t keep = 0;
    for (size_t i = 0; i < bd->npending; i++) {
        uint32_t slot = bd->pending[i];
        const struct board_element *e = board_state_slot(s, p, slot);
        if (e && e->finished) {
            if (slot < bd->top_in_layer)
                return 1;
            int ret = draw_or_skip(bd, bd->layer, e, xf);
            if (ret)
                return ret;
            bd->top_in_layer = slot + 1;
            bd->layer_changed = true;
            bd->st.added_elements++;
            continue;
        }
        if (e)
            bd->pending[keep++] = slot;
    }
    bd->npending = keep;
    return 0;
}

static bool key_matches(const struct board_draw *bd, const struct board_state *s,
                        const struct board_page *p, const struct image *img)
{
    return bd->valid && bd->page_index == p->index && bd->page_gen == p->gen &&
           bd->version == p->version && bd->serial == board_state_serial(s) &&
           bd->vscale == p->view.scale && bd->vx == p->view.x && bd->vy == p->view.y &&
           bd->img == img && board_page_slot_count(p) >= bd->examined;
}

static struct canvas_rect rect_union(struct canvas_rect a, struct canvas_rect b)
{
    if (a.w <= 0 || a.h <= 0)
        return b;
    if (b.w <= 0 || b.h <= 0)
        return a;
    int x0 = a.x < b.x ? a.x : b.x, y0 = a.y < b.y ? a.y : b.y;
    int x1 = a.x + a.w > b.x + b.w ? a.x + a.w : b.x + b.w;
    int y1 = a.y + a.h > b.y + b.h ? a.y + a.h : b.y + b.h;
    struct canvas_rect u = {x0, y0, x1 - x0, y1 - y0};
    return u;
}

static struct canvas_rect draw_lasers(struct board_draw *bd, struct canvas *c,
                                      const struct board_state *s, const struct board_page *p,
                                      const struct raster_xform *xf)
{
    struct canvas_rect dirty = {0, 0, 0, 0};
    struct board_laser marks[BOARD_MAX_LASERS];
    size_t n = board_state_lasers(s, marks, BOARD_MAX_LASERS);
    int64_t now_us = board_state_time_us(s);
    for (size_t i = 0; i < n; i++) {
        if (marks[i].page != p->index)
            continue;
        double fade = 1.0 - (double)(now_us - marks[i].t_us) / BOARD_LASER_US;
        raster_laser(bd->r, c, xf, marks[i].x, marks[i].y, fade);
        double px = marks[i].x * xf->scale + xf->tx, py = marks[i].y * xf->scale + xf->ty;
        double rad = RASTER_LASER_RADIUS_PX * 2.2 + 2;
        if (isfinite(px) && isfinite(py) && fabs(px) < 1e6 && fabs(py) < 1e6) {
            struct canvas_rect r = {(int)floor(px - rad), (int)floor(py - rad), 0, 0};
            r.w = (int)ceil(2 * rad) + 1;
            r.h = r.w;
            dirty = rect_union(dirty, canvas_clip_rect(c, r));
        }
    }
    return dirty;
}

/* A stroke in progress: its coverage mask gets only the new points, then is
 * blended into the frame. Falls back to a plain draw when every mask is in
 * use. Returns 0 or SP_ENOMEM; *dirty grows by what was touched. */
static int draw_live(struct board_draw *bd, const struct board_element *e, uint32_t slot,
                     const struct raster_xform *xf0, struct canvas_rect *dirty)
{
    struct live *lv = NULL, *spare = NULL;
    for (int i = 0; i < BOARD_DRAW_LIVE_MAX; i++) {
        if (bd->live[i].used && bd->live[i].slot == slot)
            lv = &bd->live[i];
        else if (!spare && (!bd->live[i].used || bd->live[i].seen + 1 < bd->frame_no))
            spare = &bd->live[i];
    }
    struct raster_xform xf = *xf0;
    xf.tx += e->dx * xf.scale;
    xf.ty += e->dy * xf.scale;
    struct canvas_color col = rgba32(e->color);
    if (e->tool == BOARD_TOOL_HIGHLIGHTER && col.a == 255)
        col.a = BOARD_DRAW_HIGHLIGHTER_ALPHA;
    if (!lv && spare) {
        if (!spare->m && raster_mask_create(&spare->m, bd->w, bd->h))
            return SP_ENOMEM;
        raster_mask_clear(spare->m);
        lv = spare;
        lv->used = true;
        lv->slot = slot;
        lv->drawn = 0;
        lv->dx = e->dx;
        lv->dy = e->dy;
        lv->width = e->width;
    }
    if (!lv) {
        int ret = draw_or_skip(bd, bd->frame, e, xf0);
        *dirty = rect_union(*dirty, (struct canvas_rect){0, 0, bd->w, bd->h});
        return ret;
    }
    if (e->npts < lv->drawn || e->dx != lv->dx || e->dy != lv->dy || e->width != lv->width) {
        raster_mask_clear(lv->m);
        lv->drawn = 0;
        lv->dx = e->dx;
        lv->dy = e->dy;
        lv->width = e->width;
    }
    lv->seen = bd->frame_no;
    if (e->npts > lv->drawn) {
        uint32_t from = lv->drawn ? lv->drawn - 1 : 0, n = e->npts - from;
        if (n > bd->pts_cap) {
            double *p = realloc(bd->pts, (size_t)n * 2 * sizeof(double));
            if (!p)
                return SP_ENOMEM;
            bd->pts = p;
            bd->pts_cap = n;
        }
        for (size_t i = 0; i < 2 * (size_t)n; i++)
            bd->pts[i] = e->pts[2 * (size_t)from + i];
        int ret = raster_stroke_mask(bd->r, lv->m, &xf, bd->pts, n, e->width);
        if (ret == SP_ENOMEM)
            return ret;
        if (ret)
            warn_skipped(bd, e, ret);
        lv->drawn = e->npts;
    }
    raster_mask_blend(bd->frame, lv->m, col);
    *dirty = rect_union(*dirty, lv->m->dirty);
    return 0;
}

int board_draw_frame(struct board_draw *bd, const struct board_state *s,
                     const struct canvas **frame)
{
    *frame = bd->frame;
    const struct board_page *p = s ? board_state_current(s) : NULL;
    if (!p) {
        canvas_clear(bd->frame, rgba32(BOARD_DRAW_DEFAULT_BG));
        bd->valid = false;
        bd->frame_valid = false;
        bd->last_dirty = (struct canvas_rect){0, 0, bd->w, bd->h};
        return 0;
    }
    struct raster_xform xf = page_xform(bd, p);
    struct image *img =
        p->bg.image && bd->get_image ? bd->get_image(bd->opaque, p->bg.image) : NULL;
    int ret;
    if (!key_matches(bd, s, p, img)) {
        ret = redraw_layer(bd, s, p, &xf, img);
    } else {
        ret = settle_pending(bd, s, p, &xf);
        if (ret == 1)
            ret = redraw_layer(bd, s, p, &xf, img);
        else if (!ret)
            ret = add_new_slots(bd, s, p, &xf, true);
    }
    if (ret)
        return ret;
    /* Restore the frame from the layer: all of it when the layer changed,
     * else only where the previous frame's marks were. */
    struct canvas_rect full = {0, 0, bd->w, bd->h};
    bool whole = bd->layer_changed || !bd->frame_valid;
    if (whole)
        canvas_copy(bd->frame, bd->layer);
    else
        canvas_copy_rect(bd->frame, bd->layer, bd->prev_marks);
    bd->layer_changed = false;
    bd->frame_no++;
    struct canvas_rect marks = {0, 0, 0, 0};
    for (size_t i = 0; i < bd->npending; i++) {
        const struct board_element *e = board_state_slot(s, p, bd->pending[i]);
        if (!e)
            continue;
        if (e->kind == BOARD_ELEM_STROKE) {
            ret = draw_live(bd, e, bd->pending[i], &xf, &marks);
        } else {
            ret = draw_or_skip(bd, bd->frame, e, &xf);
            marks = full;
        }
        if (ret)
            return ret;
    }
    marks = rect_union(marks, draw_lasers(bd, bd->frame, s, p, &xf));
    bd->last_dirty = whole ? full : rect_union(bd->prev_marks, marks);
    bd->prev_marks = marks;
    bd->frame_valid = true;
    bd->st.frames++;
    return 0;
}

struct canvas_rect board_draw_last_dirty(const struct board_draw *bd)
{
    return bd->last_dirty;
}

int board_draw_full(struct board_draw *bd, const struct board_state *s, struct canvas *c)
{
    const struct board_page *p = s ? board_state_current(s) : NULL;
    if (c->w != bd->w || c->h != bd->h)
        return SP_EINVAL;
    if (!p) {
        canvas_clear(c, rgba32(BOARD_DRAW_DEFAULT_BG));
        return 0;
    }
    struct raster_xform xf = page_xform(bd, p);
    struct image *img =
        p->bg.image && bd->get_image ? bd->get_image(bd->opaque, p->bg.image) : NULL;
    draw_background(bd, c, p, &xf, img);
    uint32_t count = board_page_slot_count(p);
    for (uint32_t i = 0; i < count; i++) {
        const struct board_element *e = board_state_slot(s, p, i);
        int ret = e ? draw_or_skip(bd, c, e, &xf) : 0;
        if (ret)
            return ret;
    }
    draw_lasers(bd, c, s, p, &xf);
    return 0;
}

struct raster_xform board_draw_xform(const struct board_draw *bd, const struct board_page *p)
{
    return page_xform(bd, p);
}

/* Whether element e (not text: its box is an estimate) lies wholly outside
 * rows [y0, y1) under xf, with the culling margin of draw_element(). */
static bool outside_rows(const struct board_element *e, const struct raster_xform *xf, int y0,
                         int y1)
{
    if (e->kind == BOARD_ELEM_TEXT)
        return false;
    double top = e->bbox.y0 * xf->scale + xf->ty, bottom = e->bbox.y1 * xf->scale + xf->ty;
    double m = ink_margin_px(e, xf->scale);
    return bottom < y0 - m || top > y1 + m;
}

int board_draw_part(struct board_draw *bd, const struct board_state *s,
                    const struct board_draw_part *part, struct canvas *c)
{
    if (!bd || !part || !c || c->w != bd->w || c->h != bd->h)
        return SP_EINVAL;
    const struct board_page *p = part->page ? part->page : s ? board_state_current(s) : NULL;
    if (!p || !s) {
        if (part->background)
            canvas_clear(c, rgba32(BOARD_DRAW_DEFAULT_BG));
        return 0;
    }
    struct raster_xform xf = page_xform(bd, p);
    if (part->background) {
        struct image *img =
            p->bg.image && bd->get_image ? bd->get_image(bd->opaque, p->bg.image) : NULL;
        draw_background(bd, c, p, &xf, img);
    }
    int y0 = part->rows_y0 < 0 ? 0 : part->rows_y0;
    int y1 = part->rows_y1 > bd->h ? bd->h : part->rows_y1;
    bool clip = part->rows_y1 > part->rows_y0;
    if (clip && y1 <= y0)
        return 0; /* rows wholly off the canvas */
    if (clip) {
        struct canvas_rect rows = {0, y0, bd->w, y1 - y0};
        raster_set_clip(bd->r, &rows);
        text_set_rows(bd->text, y0, y1);
    }
    uint32_t count = board_page_slot_count(p), to = part->to < count ? part->to : count;
    int ret = 0;
    for (uint32_t i = part->from; i < to && !ret; i++) {
        const struct board_element *e = board_state_slot(s, p, i);
        if (e && !(clip && outside_rows(e, &xf, y0, y1)))
            ret = draw_or_skip(bd, c, e, &xf);
    }
    if (clip) {
        raster_set_clip(bd->r, NULL);
        text_set_rows(bd->text, 0, 0);
    }
    if (!ret && part->lasers)
        draw_lasers(bd, c, s, p, &xf);
    return ret;
}

/* ---- the layer kept by a caller between runs (render/layer_cache.c) ------ */

int board_draw_get_layer(const struct board_draw *bd, struct board_draw_layer *out)
{
    memset(out, 0, sizeof(*out));
    if (!bd->valid)
        return SP_EINVAL;
    out->layer = bd->layer;
    out->page_index = bd->page_index;
    out->examined = bd->examined;
    out->top_in_layer = bd->top_in_layer;
    out->pending = bd->pending;
    out->npending = bd->npending;
    return 0;
}

int board_draw_set_layer(struct board_draw *bd, const struct board_state *s,
                         const struct board_draw_layer *in)
{
    const struct board_page *p = s ? board_state_current(s) : NULL;
    if (!p || !in->layer || in->layer->w != bd->w || in->layer->h != bd->h ||
        in->page_index != p->index || in->examined > board_page_slot_count(p) ||
        in->top_in_layer > in->examined)
        return SP_EINVAL;
    for (size_t i = 0; i < in->npending; i++)
        if (in->pending[i] >= in->examined || (i > 0 && in->pending[i] <= in->pending[i - 1]))
            return SP_EINVAL;
    bd->npending = 0;
    for (size_t i = 0; i < in->npending; i++)
        if (pending_add(bd, in->pending[i]))
            return SP_ENOMEM;
    canvas_copy(bd->layer, in->layer);
    for (int i = 0; i < BOARD_DRAW_LIVE_MAX; i++)
        bd->live[i].used = false;
    bd->examined = in->examined;
    bd->top_in_layer = in->top_in_layer;
    bd->valid = true;
    bd->layer_changed = true;
    bd->frame_valid = false;
    remember_page(bd, s, p,
                  p->bg.image && bd->get_image ? bd->get_image(bd->opaque, p->bg.image) : NULL);
    return 0;
}

bool board_draw_layer_fits(const struct board_draw *bd, const struct board_state *s)
{
    const struct board_page *p = s ? board_state_current(s) : NULL;
    if (!p)
        return false;
    const struct image *img =
        p->bg.image && bd->get_image ? bd->get_image(bd->opaque, p->bg.image) : NULL;
    return key_matches(bd, s, p, img);
}
