/* raster.c - strokes and shapes as FreeType outlines, rasterized with
 * FreeType's anti-aliasing scan converter into a canvas.
 *
 * Why FreeType: its stroker builds round caps and joins as true curves and
 * its "smooth" rasterizer computes exact coverage areas with the non-zero
 * rule, so the union of a stroke's overlapping parts is one coverage mask.
 * Both are mature, already linked for text, and fast enough (see
 * bench/bench_draw.c).
 */
#include "render/raster.h"

#include "base/sp_error.h"

#include <ft2build.h>
#include FT_FREETYPE_H
#include FT_OUTLINE_H
#include FT_STROKER_H

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* FT_Outline counts are shorts; a stroker chunk of CHUNK_POINTS input points
 * emits at most ~12 outline points per input point (two borders, a round
 * join of up to two cubic arcs), well under SHRT_MAX. */
#define CHUNK_POINTS 1024
/* Points per piece of a stroke too dense to render as one outline: a
 * 3 px wide piece of 64 random segments stays far below FreeType's cell
 * pool in any row; a denser piece is still rendered in tiles. */
#define PIECE_POINTS 64
#define PIECES_FROM 256 /* strokes of more points are drawn in pieces */
#define OUTLINE_MAX_POINTS 32767
#define KAPPA 0.5522847498307936 /* cubic Bezier circle quarter constant */
/* FreeType's scan converter refuses outlines beyond about +-262000 pixels;
 * geometry is clipped or clamped to this many pixels first. */
#define CLAMP_PX 100000.0

struct raster {
    FT_Library lib;
    FT_Stroker stroker;
    FT_Outline ol;   /* arrays owned here, grown on demand */
    size_t pts_cap;  /* capacity of ol.points / ol.tags */
    size_t cont_cap; /* capacity of ol.contours */
    FT_Vector *dev;  /* device points of the current polyline's runs */
    size_t dev_cap, ndev;
    size_t *runs; /* (start, count) pairs into dev */
    size_t runs_cap, nruns;
    int sign; /* orientation of the stroker's open-path output, 0 = unknown */
    /* span target of the current render */
    struct canvas *c;
    struct canvas_color color;
    uint8_t *mask;     /* union coverage of a multi-chunk stroke, mask_rect sized */
    uint8_t *mask_buf; /* where span_mask writes: mask or a struct raster_mask's */
    int mask_stride;
    size_t mask_cap;
    struct canvas_rect mask_rect;
    /* raster_set_clip(): where scan conversion may write, w = 0 for the
     * whole canvas. Geometry is never clipped by it, only pixels. */
    struct canvas_rect clip;
    struct canvas_rect span_clip; /* pixel_clip() of the current render */
    int y_done;        /* rows below this (FreeType y) were blended by the current render */
    FT_Error ft_error; /* the last FreeType error a drawing call returned */
    bool tiled;        /* some render had to be split into tiles */
    FT_Error injected; /* raster_inject_error(): what every render returns */
};

static const char *ft_error_text(FT_Error e);

const char *raster_error_text(const struct raster *r)
{
    return r && r->ft_error ? ft_error_text(r->ft_error) : "no FreeType error";
}

void raster_inject_error(struct raster *r, int ft_error)
{
    if (r)
        r->injected = (FT_Error)ft_error;
}

bool raster_was_tiled(const struct raster *r)
{
    return r && r->tiled;
}

int raster_create(struct raster **out)
{
    *out = NULL;
    struct raster *r = calloc(1, sizeof(*r));
    if (!r)
        return SP_ENOMEM;
    if (FT_Init_FreeType(&r->lib)) {
        free(r);
        return SP_EIO;
    }
    if (FT_Stroker_New(r->lib, &r->stroker)) {
        FT_Done_FreeType(r->lib);
        free(r);
        return SP_ENOMEM;
    }
    *out = r;
    return 0;
}

void raster_destroy(struct raster **rp)
{
    if (!rp || !*rp)
        return;
    struct raster *r = *rp;
    FT_Stroker_Done(r->stroker);
    FT_Done_FreeType(r->lib);
    free(r->ol.points);
    free(r->ol.tags);
    free(r->ol.contours);
    free(r->dev);
    free(r->runs);
    free(r->mask);
    free(r);
    *rp = NULL;
}

/* ---- outline building ------------------------------------------------- */

static int ol_reserve(struct raster *r, size_t more_pts, size_t more_cont)
{
    size_t np = (size_t)r->ol.n_points + more_pts;
    size_t nc = (size_t)r->ol.n_contours + more_cont;
    if (np > OUTLINE_MAX_POINTS || nc > OUTLINE_MAX_POINTS)
        return SP_ELIMIT;
    if (np > r->pts_cap) {
        size_t cap = r->pts_cap ? r->pts_cap : 256;
        while (cap < np)
            cap *= 2;
        FT_Vector *p = realloc(r->ol.points, cap * sizeof(*p));
        if (!p)
            return SP_ENOMEM;
        r->ol.points = p;
        char *t = realloc(r->ol.tags, cap);
        if (!t)
            return SP_ENOMEM;
        r->ol.tags = t;
        r->pts_cap = cap;
    }
    if (nc > r->cont_cap) {
        size_t cap = r->cont_cap ? r->cont_cap : 16;
        while (cap < nc)
            cap *= 2;
        short *c = realloc(r->ol.contours, cap * sizeof(*c));
        if (!c)
            return SP_ENOMEM;
        r->ol.contours = c;
        r->cont_cap = cap;
    }
    return 0;
}

static void ol_reset(struct raster *r)
{
    r->ol.n_points = 0;
    r->ol.n_contours = 0;
    r->ol.flags = FT_OUTLINE_NONE; /* non-zero winding */
}

static void ol_point(struct raster *r, FT_Vector v, char tag)
{
    r->ol.points[r->ol.n_points] = v;
    r->ol.tags[r->ol.n_points] = tag;
    r->ol.n_points++;
}

static void ol_close(struct raster *r)
{
    r->ol.contours[r->ol.n_contours++] = (short)(r->ol.n_points - 1);
}

static FT_Pos to26(double v)
{
    if (v > CLAMP_PX) /* callers clip first; this is a last guard */
        v = CLAMP_PX;
    if (v < -CLAMP_PX)
        v = -CLAMP_PX;
    return (FT_Pos)lround(v * 64.0);
}

static FT_Vector vec(double x, double y)
{
    FT_Vector v = {to26(x), to26(y)};
    return v;
}

/* A closed polygon contour from device points (pixels). */
static int ol_add_poly(struct raster *r, const double *xy, size_t n)
{
    int ret = ol_reserve(r, n, 1);
    if (ret)
        return ret;
    for (size_t i = 0; i < n; i++)
        ol_point(r, vec(xy[2 * i], xy[2 * i + 1]), FT_CURVE_TAG_ON);
    ol_close(r);
    return 0;
}

/* A closed ellipse contour centred at (cx, cy) with radii rx, ry (pixels):
 * four cubic arcs, 12 points. */
static int ol_add_ellipse(struct raster *r, double cx, double cy, double rx, double ry)
{
    int ret = ol_reserve(r, 12, 1);
    if (ret)
        return ret;
    double kx = KAPPA * rx, ky = KAPPA * ry;
    /* start at (cx + rx, cy), go through (cx, cy + ry), (cx - rx, cy), ... */
    const double q[12][2] = {
        {cx + rx, cy},      {cx + rx, cy + ky}, {cx + kx, cy + ry}, {cx, cy + ry},
        {cx - kx, cy + ry}, {cx - rx, cy + ky}, {cx - rx, cy},      {cx - rx, cy - ky},
        {cx - kx, cy - ry}, {cx, cy - ry},      {cx + kx, cy - ry}, {cx + rx, cy - ky},
    };
    for (int i = 0; i < 12; i++)
        ol_point(r, vec(q[i][0], q[i][1]), i % 3 == 0 ? FT_CURVE_TAG_ON : FT_CURVE_TAG_CUBIC);
    ol_close(r);
    return 0;
}

/* Appends the stroker's current result to the outline. */
static int ol_add_stroker(struct raster *r)
{
    FT_UInt np = 0, nc = 0;
    FT_Error e = FT_Stroker_GetCounts(r->stroker, &np, &nc);
    if (e) {
        r->ft_error = e;
        return e == FT_Err_Out_Of_Memory ? SP_ENOMEM : SP_ERANGE;
    }
    int ret = ol_reserve(r, np, nc);
    if (ret)
        return ret;
    FT_Stroker_Export(r->stroker, &r->ol);
    return 0;
}

/* Sum over contours of the shoelace area of their control polygons in
 * [first, last] point range: its sign is the orientation. */
static double signed_area(const FT_Outline *ol, int first_pt, int last_pt)
{
    double a = 0;
    for (int i = first_pt; i <= last_pt; i++) {
        int j = i == last_pt ? first_pt : i + 1;
        a += (double)ol->points[i].x * ol->points[j].y - (double)ol->points[j].x * ol->points[i].y;
    }
    return a;
}

/* ---- scan conversion ---------------------------------------------------- */

static struct canvas_rect rect_intersect(struct canvas_rect a, struct canvas_rect b)
{
    int x0 = a.x > b.x ? a.x : b.x, y0 = a.y > b.y ? a.y : b.y;
    int x1 = a.x + a.w < b.x + b.w ? a.x + a.w : b.x + b.w;
    int y1 = a.y + a.h < b.y + b.h ? a.y + a.h : b.y + b.h;
    struct canvas_rect r = {x0, y0, x1 - x0, y1 - y0};
    if (r.w <= 0 || r.h <= 0)
        r.w = r.h = 0;
    return r;
}

/* The rectangle of c that this render may write: the clip, or all of c. */
static struct canvas_rect pixel_clip(const struct raster *r, const struct canvas *c)
{
    struct canvas_rect all = {0, 0, c->w, c->h};
    return r->clip.w > 0 ? canvas_clip_rect(c, r->clip) : all;
}

static void span_blend(int y, int count, const FT_Span *spans, void *user)
{
    struct raster *r = user;
    struct canvas *c = r->c;
    struct canvas_rect k = r->span_clip;
    if (y >= r->y_done)
        r->y_done = y + 1;
    if (y < k.y || y >= k.y + k.h)
        return;
    for (int i = 0; i < count; i++) {
        int x = spans[i].x, len = spans[i].len;
        if (x < k.x) {
            len -= k.x - x;
            x = k.x;
        }
        if (x + len > k.x + k.w)
            len = k.x + k.w - x;
        if (len > 0)
            canvas_blend_span(c, x, y, len, spans[i].coverage, r->color);
    }
}

static void span_mask(int y, int count, const FT_Span *spans, void *user)
{
    struct raster *r = user;
    struct canvas_rect m = r->mask_rect;
    if (y < m.y || y >= m.y + m.h)
        return;
    uint8_t *row = r->mask_buf + (size_t)(y - m.y) * r->mask_stride;
    for (int i = 0; i < count; i++) {
        int x0 = spans[i].x, x1 = spans[i].x + spans[i].len;
        if (x0 < m.x)
            x0 = m.x;
        if (x1 > m.x + m.w)
            x1 = m.x + m.w;
        uint8_t cov = spans[i].coverage;
        for (int x = x0; x < x1; x++)
            if (row[x - m.x] < cov)
                row[x - m.x] = cov;
    }
}

/* What a FreeType error is, for the one line a person reads (Debian's
 * FreeType is built without FT_Error_String's texts). Static. */
static const char *ft_error_text(FT_Error e)
{
    const char *s = FT_Error_String(e);
    if (s)
        return s;
    switch (e) {
    case FT_Err_Out_Of_Memory:
        return "out of memory";
    case FT_Err_Raster_Overflow:
        return "the scan converter's cell pool overflowed (raster overflow)";
    case FT_Err_Raster_Corrupted:
        return "the scan converter's state is corrupted";
    case FT_Err_Raster_Negative_Height:
        return "negative height while rastering";
    case FT_Err_Invalid_Outline:
        return "invalid outline";
    case FT_Err_Invalid_Argument:
        return "invalid argument";
    default:
        return "unknown FreeType error";
    }
}

/* Renders the outline clipped to box. FreeType's smooth rasterizer keeps
 * its cells in a fixed pool (16 KiB on the stack) and splits bands only
 * down to one row: a dense self-crossing stroke can hold more cells in a
 * single row than the pool takes (FT_Err_Raster_Overflow). Cells left or
 * right of the clip box collapse into one per row, so the same outline
 * rendered in narrower tiles needs fewer cells: the box is halved (the
 * longer side) until each tile fits, at worst down to a single pixel. The
 * tiles are disjoint, so each pixel is blended once. Returns 0, SP_ENOMEM
 * or SP_ERANGE (r->ft_error names the FreeType error). */
static int render_tiles(struct raster *r, FT_Raster_Params *params, FT_BBox box, int depth)
{
    if (box.xMax <= box.xMin || box.yMax <= box.yMin)
        return 0;
    params->clip_box = box;
    r->y_done = (int)box.yMin;
    FT_Error e = r->injected ? r->injected : FT_Outline_Render(r->lib, &r->ol, params);
    if (!e)
        return 0;
    /* The rasterizer emits whole bands in rising y before it fails on one:
     * rows below y_done are drawn (blending them again would darken a
     * translucent stroke), so only the rest is tiled. */
    if (params->gray_spans == span_blend && r->y_done > box.yMin)
        box.yMin = r->y_done;
    bool overflow = e == FT_Err_Raster_Overflow;
    bool splittable = box.xMax - box.xMin > 1 || box.yMax - box.yMin > 1;
    /* depth: each level halves one side, so 2 * 17 levels reach one pixel
     * of a CANVAS_MAX_DIM canvas; the bound only guards the recursion */
    if (!overflow || !splittable || depth >= 64) {
        r->ft_error = e;
        return e == FT_Err_Out_Of_Memory ? SP_ENOMEM : SP_ERANGE;
    }
    FT_BBox a = box, b = box;
    if (box.xMax - box.xMin >= box.yMax - box.yMin)
        a.xMax = b.xMin = box.xMin + (box.xMax - box.xMin) / 2;
    else
        a.yMax = b.yMin = box.yMin + (box.yMax - box.yMin) / 2;
    r->tiled = true;
    int ret = render_tiles(r, params, a, depth + 1);
    return ret ? ret : render_tiles(r, params, b, depth + 1);
}

/* Rasterizes the current outline, blending color into c (or, with
 * to_mask, max-combining coverage into r->mask). */
static int ol_render(struct raster *r, struct canvas *c, struct canvas_color color, bool to_mask)
{
    if (r->ol.n_points == 0)
        return 0;
    r->c = c;
    r->color = color;
    if (!to_mask) {
        r->span_clip = pixel_clip(r, c);
        if (r->span_clip.w <= 0 || r->span_clip.h <= 0)
            return 0;
    }
    FT_Raster_Params params;
    memset(&params, 0, sizeof(params));
    params.flags = FT_RASTER_FLAG_AA | FT_RASTER_FLAG_DIRECT | FT_RASTER_FLAG_CLIP;
    params.gray_spans = to_mask ? span_mask : span_blend;
    params.user = r;
    params.clip_box.xMin = r->span_clip.x;
    params.clip_box.yMin = r->span_clip.y;
    params.clip_box.xMax = r->span_clip.x + r->span_clip.w;
    params.clip_box.yMax = r->span_clip.y + r->span_clip.h;
    if (to_mask) {
        params.clip_box.xMin = r->mask_rect.x;
        params.clip_box.yMin = r->mask_rect.y;
        params.clip_box.xMax = r->mask_rect.x + r->mask_rect.w;
        params.clip_box.yMax = r->mask_rect.y + r->mask_rect.h;
    }
    return render_tiles(r, &params, params.clip_box, 0);
}

/* ---- public drawing ----------------------------------------------------- */

static bool xform_ok(const struct raster_xform *xf)
{
    return xf && isfinite(xf->scale) && xf->scale > 0 && isfinite(xf->tx) && isfinite(xf->ty);
}

static double px_width(const struct raster_xform *xf, double width)
{
    double w = width * xf->scale;
    if (w > RASTER_MAX_WIDTH_PX)
        w = RASTER_MAX_WIDTH_PX;
    return w < RASTER_MIN_WIDTH_PX ? RASTER_MIN_WIDTH_PX : w;
}

struct canvas_rect raster_stroke_bounds(const struct canvas *c, const struct raster_xform *xf,
                                        const double *pts, size_t n, double width)
{
    struct canvas_rect empty = {0, 0, 0, 0};
    if (!pts || n == 0 || !xform_ok(xf) || !isfinite(width))
        return empty;
    double x0 = INFINITY, y0 = INFINITY, x1 = -INFINITY, y1 = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        double x = pts[2 * i] * xf->scale + xf->tx, y = pts[2 * i + 1] * xf->scale + xf->ty;
        if (!isfinite(x) || !isfinite(y))
            continue;
        x0 = fmin(x0, x);
        y0 = fmin(y0, y);
        x1 = fmax(x1, x);
        y1 = fmax(y1, y);
    }
    if (!(x0 <= x1))
        return empty;
    double h = px_width(xf, width) / 2 + 1;
    x0 = fmax(x0 - h, -1.0);
    y0 = fmax(y0 - h, -1.0);
    x1 = fmin(x1 + h, c->w + 1.0);
    y1 = fmin(y1 + h, c->h + 1.0);
    if (x1 <= 0 || y1 <= 0 || x0 >= c->w || y0 >= c->h)
        return empty;
    struct canvas_rect rr = {(int)floor(x0), (int)floor(y0), 0, 0};
    rr.w = (int)ceil(x1) - rr.x;
    rr.h = (int)ceil(y1) - rr.y;
    return canvas_clip_rect(c, rr);
}

/* The pixel box geometry is clipped to before it reaches FreeType (whose
 * scan converter refuses outlines beyond about +-262000 pixels): the canvas
 * grown by a margin wider than half the stroke, so the caps that clipping
 * creates on the box edges never reach the canvas. */
struct box {
    double x0, y0, x1, y1;
};

static struct box clip_box(const struct canvas *c, double pw)
{
    double m = pw / 2 + 2;
    struct box b = {-m, -m, c->w + m, c->h + m};
    return b;
}

/* Liang-Barsky: the part [t0, t1] of segment a->b inside the box. */
static bool clip_segment(struct box b, double ax, double ay, double bx, double by, double *t0,
                         double *t1)
{
    double dx = bx - ax, dy = by - ay, lo = 0, hi = 1;
    const double p[4] = {-dx, dx, -dy, dy};
    const double q[4] = {ax - b.x0, b.x1 - ax, ay - b.y0, b.y1 - ay};
    for (int k = 0; k < 4; k++) {
        if (p[k] == 0) {
            if (q[k] < 0)
                return false;
            continue;
        }
        double t = q[k] / p[k];
        if (p[k] < 0) {
            if (t > hi)
                return false;
            if (t > lo)
                lo = t;
        } else {
            if (t < lo)
                return false;
            if (t < hi)
                hi = t;
        }
    }
    *t0 = lo;
    *t1 = hi;
    return true;
}

static int grow(void **p, size_t *cap, size_t n, size_t elem)
{
    if (n <= *cap)
        return 0;
    void *q = realloc(*p, n * elem);
    if (!q)
        return SP_ENOMEM;
    *p = q;
    *cap = n;
    return 0;
}

/* Starts a new run of device points in r->dev. */
static void run_start(struct raster *r, FT_Vector v)
{
    r->runs[2 * r->nruns] = r->ndev;
    r->runs[2 * r->nruns + 1] = 0;
    r->nruns++;
    r->dev[r->ndev++] = v;
    r->runs[2 * r->nruns - 1] = 1;
}

static void run_add(struct raster *r, FT_Vector v)
{
    FT_Vector last = r->dev[r->ndev - 1];
    if (last.x == v.x && last.y == v.y)
        return; /* duplicate at 1/64 px: the stroker wants a direction */
    r->dev[r->ndev++] = v;
    r->runs[2 * r->nruns - 1]++;
}

/* Transforms pts and clips the polyline to box: r->dev holds the visible
 * runs (r->runs: start, count pairs). Non-finite points are skipped. */
static int build_runs(struct raster *r, const struct raster_xform *xf, const double *pts, size_t n,
                      struct box b)
{
    /* each segment adds at most two points and one run */
    if (grow((void **)&r->dev, &r->dev_cap, 2 * n + 1, sizeof(*r->dev)) ||
        grow((void **)&r->runs, &r->runs_cap, 2 * n + 2, sizeof(*r->runs)))
        return SP_ENOMEM;
    r->ndev = 0;
    r->nruns = 0;
    bool open = false, have_prev = false;
    double px = 0, py = 0;
    for (size_t i = 0; i < n; i++) {
        double x = pts[2 * i] * xf->scale + xf->tx, y = pts[2 * i + 1] * xf->scale + xf->ty;
        if (!isfinite(x) || !isfinite(y))
            continue;
        if (!have_prev) {
            have_prev = true;
            px = x, py = y;
            if (x >= b.x0 && x <= b.x1 && y >= b.y0 && y <= b.y1) {
                run_start(r, vec(x, y));
                open = true;
            }
            continue;
        }
        double t0, t1;
        if (!clip_segment(b, px, py, x, y, &t0, &t1)) {
            open = false;
        } else {
            FT_Vector a = vec(px + t0 * (x - px), py + t0 * (y - py));
            FT_Vector e = vec(px + t1 * (x - px), py + t1 * (y - py));
            if (!open || t0 > 0)
                run_start(r, a);
            run_add(r, e);
            open = t1 >= 1;
        }
        px = x, py = y;
    }
    return 0;
}

/* Orientation (sign of the signed area) of the stroker's output for an open
 * path; it does not depend on the path's direction, so open runs appended to
 * one outline all wind the same way and the non-zero rule unions them. */
static int stroker_sign(struct raster *r)
{
    if (r->sign)
        return r->sign;
    FT_Vector a = {0, 0}, b = {64 * 64, 0};
    FT_Stroker_Set(r->stroker, 64 * 8, FT_STROKER_LINECAP_ROUND, FT_STROKER_LINEJOIN_ROUND, 0);
    FT_Stroker_Rewind(r->stroker);
    FT_UInt np = 0, nc = 0;
    if (FT_Stroker_BeginSubPath(r->stroker, &a, 1) || FT_Stroker_LineTo(r->stroker, &b) ||
        FT_Stroker_EndSubPath(r->stroker) || FT_Stroker_GetCounts(r->stroker, &np, &nc))
        return 1;
    ol_reset(r);
    if (ol_reserve(r, np, nc))
        return 1;
    FT_Stroker_Export(r->stroker, &r->ol);
    r->sign = signed_area(&r->ol, 0, r->ol.n_points - 1) > 0 ? 1 : -1;
    ol_reset(r);
    return r->sign;
}

/* Renders what the outline holds into the union mask and empties it. */
static int flush_to_mask(struct raster *r, struct canvas *c, struct canvas_rect bounds,
                         bool *mask_mode)
{
    if (!*mask_mode) {
        size_t need = (size_t)bounds.w * (size_t)bounds.h;
        if (grow((void **)&r->mask, &r->mask_cap, need, 1))
            return SP_ENOMEM;
        memset(r->mask, 0, need);
        r->mask_rect = bounds;
        r->mask_buf = r->mask;
        r->mask_stride = bounds.w;
        *mask_mode = true;
    }
    int ret = ol_render(r, c, r->color, true);
    ol_reset(r);
    return ret;
}

/* Appends the stroker's result; when the outline is full, flushes it into
 * the mask first (stroker output stays until the next rewind). */
static int add_stroker_or_flush(struct raster *r, struct canvas *c, struct canvas_rect bounds,
                                bool *mask_mode)
{
    int ret = ol_add_stroker(r);
    if (ret == SP_ELIMIT && r->ol.n_points > 0) {
        ret = flush_to_mask(r, c, bounds, mask_mode);
        if (!ret)
            ret = ol_add_stroker(r);
    }
    return ret;
}

/* A FreeType error as our code, kept for raster_error_text(). */
static int ft_fail(struct raster *r, FT_Error e)
{
    r->ft_error = e;
    return e == FT_Err_Out_Of_Memory ? SP_ENOMEM : SP_ERANGE;
}

/* Strokes dev[first .. first+count-1] (count >= 2) into the stroker. */
static int stroke_path(struct raster *r, size_t first, size_t count, bool closed)
{
    FT_Stroker_Rewind(r->stroker);
    FT_Error e = FT_Stroker_BeginSubPath(r->stroker, &r->dev[first], closed ? 0 : 1);
    for (size_t i = 1; !e && i < count; i++)
        e = FT_Stroker_LineTo(r->stroker, &r->dev[first + i]);
    if (!e)
        e = FT_Stroker_EndSubPath(r->stroker);
    return e ? ft_fail(r, e) : 0;
}

static void set_radius(struct raster *r, double px_w)
{
    FT_Stroker_Set(r->stroker, (FT_Fixed)lround(px_w * 32.0), FT_STROKER_LINECAP_ROUND,
                   FT_STROKER_LINEJOIN_ROUND, 0);
}

/* Appends every run of r->dev, stroked with pixel width pw, to the outline
 * (a single-point run becomes a disc wound like the stroker's output).
 * Long runs are stroked in chunks sharing an end point. */
static int add_runs(struct raster *r, struct canvas *c, double pw, struct canvas_rect bounds,
                    bool *mask_mode, size_t chunk)
{
    int sign = stroker_sign(r);
    set_radius(r, pw);
    for (size_t k = 0; k < r->nruns; k++) {
        size_t start = r->runs[2 * k], count = r->runs[2 * k + 1];
        int ret = 0;
        if (count == 1) {
            int first = r->ol.n_points;
            ret = ol_reserve(r, 12, 1);
            if (ret == SP_ELIMIT) {
                ret = flush_to_mask(r, c, bounds, mask_mode);
                first = 0;
            }
            if (!ret)
                ret = ol_add_ellipse(r, r->dev[start].x / 64.0, r->dev[start].y / 64.0, pw / 2,
                                     pw / 2);
            if (!ret && (signed_area(&r->ol, first, r->ol.n_points - 1) > 0) != (sign > 0))
                for (int i = first + 1, j = r->ol.n_points - 1; i < j; i++, j--) {
                    FT_Vector t = r->ol.points[i];
                    char tg = r->ol.tags[i];
                    r->ol.points[i] = r->ol.points[j];
                    r->ol.tags[i] = r->ol.tags[j];
                    r->ol.points[j] = t;
                    r->ol.tags[j] = tg;
                }
        }
        for (size_t s = 0; !ret && count > 1 && s + 1 < count; s += chunk - 1) {
            size_t cnt = count - s < chunk ? count - s : chunk;
            ret = stroke_path(r, start + s, cnt, false);
            if (!ret)
                ret = add_stroker_or_flush(r, c, bounds, mask_mode);
            /* in pieces: each piece rendered alone into the union mask */
            if (!ret && chunk < CHUNK_POINTS)
                ret = flush_to_mask(r, c, bounds, mask_mode);
        }
        if (ret)
            return ret;
    }
    return 0;
}

/* Blends r->mask (mask_rect) with color. */
static void blend_mask(struct raster *r, struct canvas *c, struct canvas_color color)
{
    struct canvas_rect m = r->mask_rect;
    for (int y = 0; y < m.h; y++)
        canvas_blend_mask_row(c, m.x, m.y + y, m.w, r->mask + (size_t)y * m.w, color);
}

/* Renders the outline: directly, or (after a flush) through the mask. */
static int finish(struct raster *r, struct canvas *c, struct canvas_color color, bool mask_mode)
{
    if (!mask_mode)
        return ol_render(r, c, color, false);
    int ret = ol_render(r, c, color, true);
    if (!ret)
        blend_mask(r, c, color);
    return ret;
}

void raster_set_clip(struct raster *r, const struct canvas_rect *clip)
{
    if (r)
        r->clip = clip ? *clip : (struct canvas_rect){0, 0, 0, 0};
}

int raster_stroke(struct raster *r, struct canvas *c, const struct raster_xform *xf,
                  const double *pts, size_t n, double width, struct canvas_color color)
{
    if (!r || !c || (!pts && n > 0) || !xform_ok(xf) || !isfinite(width) || width <= 0)
        return SP_EINVAL;
    if (n > RASTER_MAX_POINTS)
        return SP_ELIMIT;
    if (n == 0 || color.a == 0)
        return 0;
    struct canvas_rect bounds = raster_stroke_bounds(c, xf, pts, n, width);
    if (r->clip.w > 0)
        bounds = canvas_clip_rect(c, rect_intersect(bounds, r->clip));
    if (bounds.w <= 0 || bounds.h <= 0)
        return 0; /* entirely off-canvas, or outside the clip */
    double pw = px_width(xf, width);
    int ret = build_runs(r, xf, pts, n, clip_box(c, pw));
    if (ret)
        return ret;
    bool mask_mode = false;
    r->color = color;
    ol_reset(r);
    /* A long stroke is drawn in pieces of PIECE_POINTS, each rendered
     * alone into the union mask (coverage max-combined, as for any stroke
     * longer than one chunk), then blended once: one outline of thousands
     * of self-crossing segments is what FreeType's cell pool cannot take,
     * and tiling such an outline (render_tiles) walks all of it per tile. */
    ret = add_runs(r, c, pw, bounds, &mask_mode, n > PIECES_FROM ? PIECE_POINTS : CHUNK_POINTS);
    return ret ? ret : finish(r, c, color, mask_mode);
}

int raster_line(struct raster *r, struct canvas *c, const struct raster_xform *xf, double x1,
                double y1, double x2, double y2, double width, struct canvas_color color)
{
    const double pts[4] = {x1, y1, x2, y2};
    return raster_stroke(r, c, xf, pts, 2, width, color);
}

void raster_arrow_geometry(double x1, double y1, double x2, double y2, double width, double out[6],
                           double shaft_end[2])
{
    double dx = x2 - x1, dy = y2 - y1;
    double len = sqrt(dx * dx + dy * dy);
    double head = RASTER_ARROW_HEAD_LEN(width);
    if (head > len * 0.75)
        head = len * 0.75;
    double ux = len > 0 ? dx / len : 1, uy = len > 0 ? dy / len : 0;
    double bx = x2 - ux * head, by = y2 - uy * head; /* centre of the base */
    double half = head * 0.5;                        /* ~53 degree head */
    out[0] = x2;
    out[1] = y2;
    out[2] = bx - uy * half;
    out[3] = by + ux * half;
    out[4] = bx + uy * half;
    out[5] = by - ux * half;
    /* The shaft ends inside the head where the head is wider than the
     * shaft, so its round cap never pokes out of the sharp tip. */
    shaft_end[0] = x2 - ux * head * 0.6;
    shaft_end[1] = y2 - uy * head * 0.6;
}

int raster_arrow(struct raster *r, struct canvas *c, const struct raster_xform *xf, double x1,
                 double y1, double x2, double y2, double width, struct canvas_color color)
{
    if (!r || !c || !xform_ok(xf) || !isfinite(width) || width <= 0 || !isfinite(x1) ||
        !isfinite(y1) || !isfinite(x2) || !isfinite(y2))
        return SP_EINVAL;
    if (color.a == 0)
        return 0;
    double tri[6], se[2];
    /* The head grows with the on-screen width, but never below its minimum
     * pixel width equivalent. */
    raster_arrow_geometry(x1, y1, x2, y2, px_width(xf, width) / xf->scale, tri, se);
    double dev_tri[6];
    for (int i = 0; i < 3; i++) {
        dev_tri[2 * i] = tri[2 * i] * xf->scale + xf->tx;
        dev_tri[2 * i + 1] = tri[2 * i + 1] * xf->scale + xf->ty;
    }
    double pw = px_width(xf, width);
    struct canvas_rect all = {0, 0, c->w, c->h};
    const double shaft[4] = {x1, y1, se[0], se[1]};
    int ret = build_runs(r, xf, shaft, 2, clip_box(c, pw));
    if (ret)
        return ret;
    bool mask_mode = false;
    r->color = color;
    ol_reset(r);
    ret = add_runs(r, c, pw, all, &mask_mode, CHUNK_POINTS);
    if (ret)
        return ret;
    /* The head, if near the canvas (clamped so FreeType accepts it), must
     * wind like the shaft, or the non-zero rule would cut their overlap. */
    double hx0 = fmin(dev_tri[0], fmin(dev_tri[2], dev_tri[4]));
    double hx1 = fmax(dev_tri[0], fmax(dev_tri[2], dev_tri[4]));
    double hy0 = fmin(dev_tri[1], fmin(dev_tri[3], dev_tri[5]));
    double hy1 = fmax(dev_tri[1], fmax(dev_tri[3], dev_tri[5]));
    if (hx1 >= 0 && hy1 >= 0 && hx0 <= c->w && hy0 <= c->h) {
        for (int i = 0; i < 6; i++)
            dev_tri[i] = fmax(-CLAMP_PX, fmin(CLAMP_PX, dev_tri[i]));
        int first = r->ol.n_points;
        ret = ol_add_poly(r, dev_tri, 3);
        if (ret)
            return ret;
        double head_area = signed_area(&r->ol, first, r->ol.n_points - 1);
        if ((head_area > 0) != (stroker_sign(r) > 0)) {
            FT_Vector t = r->ol.points[first + 1];
            r->ol.points[first + 1] = r->ol.points[first + 2];
            r->ol.points[first + 2] = t;
        }
    }
    return finish(r, c, color, mask_mode);
}

/* The box x1,y1-x2,y2 in pixels, ordered, clamped to the canvas grown by
 * margin m (exact for an axis-aligned box). False if it cannot touch the
 * canvas. */
static bool box_dev(const struct canvas *c, const struct raster_xform *xf, double x1, double y1,
                    double x2, double y2, double m, double *l, double *t, double *rr, double *b)
{
    double ax = x1 * xf->scale + xf->tx, ay = y1 * xf->scale + xf->ty;
    double bx = x2 * xf->scale + xf->tx, by = y2 * xf->scale + xf->ty;
    *l = fmin(ax, bx);
    *rr = fmax(ax, bx);
    *t = fmin(ay, by);
    *b = fmax(ay, by);
    if (!isfinite(*l) || !isfinite(*rr) || !isfinite(*t) || !isfinite(*b))
        return false;
    if (*rr < -m || *b < -m || *l > c->w + m || *t > c->h + m)
        return false;
    *l = fmax(*l, -m);
    *t = fmax(*t, -m);
    *rr = fmin(*rr, c->w + m);
    *b = fmin(*b, c->h + m);
    return true;
}

static bool box_args_ok(struct raster *r, struct canvas *c, const struct raster_xform *xf,
                        double x1, double y1, double x2, double y2, double width)
{
    return r && c && xform_ok(xf) && isfinite(x1) && isfinite(y1) && isfinite(x2) && isfinite(y2) &&
           isfinite(width) && width >= 0;
}

int raster_rect(struct raster *r, struct canvas *c, const struct raster_xform *xf, double x1,
                double y1, double x2, double y2, double width, struct canvas_color color,
                const struct canvas_color *fill)
{
    if (!box_args_ok(r, c, xf, x1, y1, x2, y2, width))
        return SP_EINVAL;
    double pw = width > 0 ? px_width(xf, width) : 0;
    double l, t, rr, b;
    if (!box_dev(c, xf, x1, y1, x2, y2, pw / 2 + 2, &l, &t, &rr, &b))
        return 0;
    int ret;
    if (fill && fill->a && rr > l && b > t) {
        const double q[8] = {l, t, rr, t, rr, b, l, b};
        ol_reset(r);
        ret = ol_add_poly(r, q, 4);
        if (!ret)
            ret = ol_render(r, c, *fill, false);
        if (ret)
            return ret;
    }
    if (width <= 0 || color.a == 0)
        return 0;
    if (rr - l < 1.0 / 64 || b - t < 1.0 / 64) /* degenerate: a line */
        return raster_line(r, c, xf, x1, y1, x2, y2, width, color);
    if (grow((void **)&r->dev, &r->dev_cap, 4, sizeof(*r->dev)))
        return SP_ENOMEM;
    r->dev[0] = vec(l, t);
    r->dev[1] = vec(rr, t);
    r->dev[2] = vec(rr, b);
    r->dev[3] = vec(l, b);
    ol_reset(r);
    set_radius(r, pw);
    ret = stroke_path(r, 0, 4, true);
    if (!ret)
        ret = ol_add_stroker(r);
    return ret ? ret : ol_render(r, c, color, false);
}

int raster_ellipse(struct raster *r, struct canvas *c, const struct raster_xform *xf, double x1,
                   double y1, double x2, double y2, double width, struct canvas_color color,
                   const struct canvas_color *fill)
{
    if (!box_args_ok(r, c, xf, x1, y1, x2, y2, width))
        return SP_EINVAL;
    double ax = x1 * xf->scale + xf->tx, ay = y1 * xf->scale + xf->ty;
    double bx = x2 * xf->scale + xf->tx, by = y2 * xf->scale + xf->ty;
    double l = fmin(ax, bx), rr = fmax(ax, bx), t = fmin(ay, by), b = fmax(ay, by);
    double m = (width > 0 ? px_width(xf, width) : 0) / 2 + 2;
    if (!isfinite(l) || !isfinite(rr) || !isfinite(t) || !isfinite(b))
        return SP_EINVAL;
    if (rr < -m || b < -m || l > c->w + m || t > c->h + m)
        return 0; /* off-canvas */
    if (rr - l > 2 * CLAMP_PX || b - t > 2 * CLAMP_PX || fabs(l) > CLAMP_PX || fabs(t) > CLAMP_PX)
        return SP_ELIMIT; /* zoomed beyond what the scan converter takes */
    double cx = (l + rr) / 2, cy = (t + b) / 2, rx = (rr - l) / 2, ry = (b - t) / 2;
    int ret;
    if (fill && fill->a && rx > 0 && ry > 0) {
        ol_reset(r);
        ret = ol_add_ellipse(r, cx, cy, rx, ry);
        if (!ret)
            ret = ol_render(r, c, *fill, false);
        if (ret)
            return ret;
    }
    if (width <= 0 || color.a == 0)
        return 0;
    if (rx < 1.0 / 128 || ry < 1.0 / 128)
        return raster_line(r, c, xf, x1, y1, x2, y2, width, color);
    /* Stroke the four arcs through the stroker as a closed sub-path. */
    ol_reset(r);
    set_radius(r, px_width(xf, width));
    double kx = KAPPA * rx, ky = KAPPA * ry;
    FT_Vector p0 = vec(cx + rx, cy);
    const double q[12][2] = {
        {cx + rx, cy + ky}, {cx + kx, cy + ry}, {cx, cy + ry},      {cx - kx, cy + ry},
        {cx - rx, cy + ky}, {cx - rx, cy},      {cx - rx, cy - ky}, {cx - kx, cy - ry},
        {cx, cy - ry},      {cx + kx, cy - ry}, {cx + rx, cy - ky}, {cx + rx, cy},
    };
    FT_Stroker_Rewind(r->stroker);
    if (FT_Stroker_BeginSubPath(r->stroker, &p0, 0))
        return SP_ENOMEM;
    for (int i = 0; i < 12; i += 3) {
        FT_Vector a = vec(q[i][0], q[i][1]), b2 = vec(q[i + 1][0], q[i + 1][1]),
                  e = vec(q[i + 2][0], q[i + 2][1]);
        if (FT_Stroker_CubicTo(r->stroker, &a, &b2, &e))
            return SP_ENOMEM;
    }
    if (FT_Stroker_EndSubPath(r->stroker))
        return SP_ENOMEM;
    ret = ol_add_stroker(r);
    return ret ? ret : ol_render(r, c, color, false);
}

int raster_polygon(struct raster *r, struct canvas *c, const struct raster_xform *xf,
                   const double *pts, size_t n, struct canvas_color color)
{
    if (!r || !c || !pts || !xform_ok(xf))
        return SP_EINVAL;
    if (n > OUTLINE_MAX_POINTS)
        return SP_ELIMIT;
    if (n < 3 || color.a == 0)
        return 0;
    double *d = malloc(n * 2 * sizeof(*d));
    if (!d)
        return SP_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        d[2 * i] = pts[2 * i] * xf->scale + xf->tx;
        d[2 * i + 1] = pts[2 * i + 1] * xf->scale + xf->ty;
        if (!isfinite(d[2 * i]) || !isfinite(d[2 * i + 1])) {
            free(d);
            return SP_EINVAL;
        }
    }
    ol_reset(r);
    int ret = ol_add_poly(r, d, n);
    free(d);
    return ret ? ret : ol_render(r, c, color, false);
}

int raster_laser(struct raster *r, struct canvas *c, const struct raster_xform *xf, double x,
                 double y, double fade)
{
    if (!r || !c || !xform_ok(xf) || !isfinite(x) || !isfinite(y) || !isfinite(fade))
        return SP_EINVAL;
    if (fade <= 0)
        return 0;
    if (fade > 1)
        fade = 1;
    double px = x * xf->scale + xf->tx, py = y * xf->scale + xf->ty;
    double rad = RASTER_LASER_RADIUS_PX;
    if (px < -3 * rad || py < -3 * rad || px > c->w + 3 * rad || py > c->h + 3 * rad)
        return 0;
    /* halo, dot, bright core: a pointer that reads on dark and light pages */
    const struct {
        double radius;
        struct canvas_color color;
    } rings[3] = {
        {rad * 2.2, {255, 40, 40, 70}},
        {rad, {235, 20, 20, 235}},
        {rad * 0.4, {255, 200, 200, 235}},
    };
    for (int i = 0; i < 3; i++) {
        struct canvas_color col = rings[i].color;
        col.a = (uint8_t)lround(col.a * fade);
        ol_reset(r);
        int ret = ol_add_ellipse(r, px, py, rings[i].radius, rings[i].radius);
        if (!ret)
            ret = ol_render(r, c, col, false);
        if (ret)
            return ret;
    }
    return 0;
}

/* ---- strokes drawn piece by piece ------------------------------------------ */

int raster_mask_create(struct raster_mask **out, int w, int h)
{
    *out = NULL;
    if (w < 1 || h < 1 || w > CANVAS_MAX_DIM || h > CANVAS_MAX_DIM)
        return SP_EINVAL;
    struct raster_mask *m = calloc(1, sizeof(*m));
    if (!m)
        return SP_ENOMEM;
    m->cov = calloc((size_t)w, (size_t)h);
    if (!m->cov) {
        free(m);
        return SP_ENOMEM;
    }
    m->w = w;
    m->h = h;
    *out = m;
    return 0;
}

void raster_mask_destroy(struct raster_mask **m)
{
    if (!m || !*m)
        return;
    free((*m)->cov);
    free(*m);
    *m = NULL;
}

void raster_mask_clear(struct raster_mask *m)
{
    for (int y = m->dirty.y; y < m->dirty.y + m->dirty.h; y++)
        memset(m->cov + (size_t)y * m->w + m->dirty.x, 0, (size_t)m->dirty.w);
    memset(&m->dirty, 0, sizeof(m->dirty));
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

int raster_stroke_mask(struct raster *r, struct raster_mask *m, const struct raster_xform *xf,
                       const double *pts, size_t n, double width)
{
    if (!r || !m || (!pts && n > 0) || !xform_ok(xf) || !isfinite(width) || width <= 0)
        return SP_EINVAL;
    if (n > RASTER_MAX_POINTS)
        return SP_ELIMIT;
    struct canvas dims = {m->w, m->h, 0, NULL};
    struct canvas_rect bounds = raster_stroke_bounds(&dims, xf, pts, n, width);
    if (n == 0 || bounds.w <= 0 || bounds.h <= 0)
        return 0;
    double pw = px_width(xf, width);
    int ret = build_runs(r, xf, pts, n, clip_box(&dims, pw));
    if (ret)
        return ret;
    r->mask_buf = m->cov;
    r->mask_stride = m->w;
    r->mask_rect = (struct canvas_rect){0, 0, m->w, m->h};
    bool mask_mode = true; /* every flush goes to m */
    ol_reset(r);
    ret = add_runs(r, &dims, pw, bounds, &mask_mode, n > PIECES_FROM ? PIECE_POINTS : CHUNK_POINTS);
    if (!ret)
        ret = ol_render(r, &dims, r->color, true);
    m->dirty = rect_union(m->dirty, bounds);
    return ret;
}

void raster_mask_blend(struct canvas *c, const struct raster_mask *m, struct canvas_color color)
{
    struct canvas_rect d = canvas_clip_rect(c, m->dirty);
    for (int y = d.y; y < d.y + d.h; y++) {
        if (y >= m->h)
            break;
        int w = d.x + d.w > m->w ? m->w - d.x : d.w;
        if (w > 0)
            canvas_blend_mask_row(c, d.x, y, w, m->cov + (size_t)y * m->w + d.x, color);
    }
}
