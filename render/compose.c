/* compose.c - draws a layout's regions: pictures (swscale), the board
 * (board_draw), name tiles, the chat hook. See compose.h. */
#include "render/compose.h"

#include <libavutil/frame.h>
#include <libavutil/pixdesc.h>
#include <libavutil/pixfmt.h>
#include <libswscale/swscale.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/utf8.h"
#include "render/layer_cache.h"
#include "base/sp_error.h"

/* Spare bytes after each scaled row (see draw_picture). */
#define COMPOSE_SWS_SLACK 256

/* Names longer than this (bytes) are cut before measuring. */
#define NAME_MAX_BYTES 256

#define TILE_TEXT 0xE8EAEDFFu
#define TILE_TEXT_DIM 0x9AA0A6FFu
#define TAG_BG 0x000000A0u
#define UNAVAILABLE_BG 0xC5221FFFu /* the "media unavailable" badge: red */

struct compose {
    struct text_ctx *text;
    bool own_text;
    struct compose_opts opts;
    struct board_draw *bd;
    int bd_w, bd_h;                             /* the size bd draws at */
    struct SwsContext *sws[LAYOUT_MAX_REGIONS]; /* one per region index: the
                                                   same lane lands in the same
                                                   region frame after frame */
    struct SwsContext *sws_one;                 /* compose_draw_picture()'s scaler */
    uint8_t *tmp;                               /* a scaled picture on its way into the canvas */
    size_t tmp_size;
    /* The board region as last drawn (its opaque background + the board's
     * frame over it), kept in step with board_draw's changed rectangle so a
     * frame where the board did not change is one copy. */
    struct canvas *bcache;
    struct canvas_rect bcache_r; /* the region it was drawn for */
    uint32_t bcache_bg;          /* and its background */
    bool bcache_ok;
};

static struct canvas_color color_of(uint32_t rgba)
{
    return canvas_rgba((uint8_t)(rgba >> 24), (uint8_t)(rgba >> 16), (uint8_t)(rgba >> 8),
                       (uint8_t)rgba);
}

static struct canvas_rect crect(struct layout_rect r)
{
    struct canvas_rect c = {r.x, r.y, r.w, r.h};
    return c;
}

void compose_picture_from_avframe(struct compose_picture *p, const struct AVFrame *f)
{
    memset(p, 0, sizeof(*p));
    for (int i = 0; i < 4; i++) {
        p->data[i] = f->data[i];
        p->linesize[i] = f->linesize[i];
    }
    p->w = f->width;
    p->h = f->height;
    p->format = f->format;
    p->colorspace = f->colorspace;
    p->color_range = f->color_range;
}

int compose_create(struct compose **out, const struct compose_opts *opts)
{
    *out = NULL;
    struct compose *c = calloc(1, sizeof(*c));
    if (!c)
        return SP_ENOMEM;
    if (opts)
        c->opts = *opts;
    if (c->opts.text) {
        c->text = c->opts.text;
    } else {
        int rc = text_create(&c->text);
        if (rc) {
            free(c);
            return rc;
        }
        c->own_text = true;
    }
    *out = c;
    return 0;
}

void compose_destroy(struct compose **cp)
{
    if (!cp || !*cp)
        return;
    struct compose *c = *cp;
    for (size_t i = 0; i < LAYOUT_MAX_REGIONS; i++)
        sws_freeContext(c->sws[i]);
    sws_freeContext(c->sws_one);
    board_draw_destroy(&c->bd);
    canvas_destroy(&c->bcache);
    if (c->own_text)
        text_destroy(&c->text);
    free(c->tmp);
    free(c);
    *cp = NULL;
}

/* ---- pictures ------------------------------------------------------------------ */

static bool is_jpeg_range_format(int fmt)
{
    return fmt == AV_PIX_FMT_YUVJ420P || fmt == AV_PIX_FMT_YUVJ422P || fmt == AV_PIX_FMT_YUVJ444P ||
           fmt == AV_PIX_FMT_YUVJ440P || fmt == AV_PIX_FMT_YUVJ411P;
}

/* swscale's matrix for an AVColorSpace: the ones it knows share their
 * numbers; unspecified (and RGB, 0, which a zeroed struct holds) is BT.601. */
static int sws_colorspace(int cs)
{
    switch (cs) {
    case AVCOL_SPC_BT709:
    case AVCOL_SPC_FCC:
    case AVCOL_SPC_BT470BG:
    case AVCOL_SPC_SMPTE170M:
    case AVCOL_SPC_SMPTE240M:
    case AVCOL_SPC_BT2020_NCL:
    case AVCOL_SPC_BT2020_CL:
        return cs;
    default:
        return SWS_CS_DEFAULT;
    }
}

/* Byte offset of pixel (x, y) of the picture in plane p (x, y aligned to
 * the chroma subsampling). */
static ptrdiff_t plane_offset(const AVPixFmtDescriptor *d, const struct compose_picture *pic, int p,
                              int x, int y)
{
    for (int k = 0; k < d->nb_components; k++) {
        if (d->comp[k].plane != p)
            continue;
        bool chroma = !(d->flags & AV_PIX_FMT_FLAG_RGB) && (k == 1 || k == 2);
        int px = chroma ? x >> d->log2_chroma_w : x;
        int py = chroma ? y >> d->log2_chroma_h : y;
        return (ptrdiff_t)py * pic->linesize[p] + (ptrdiff_t)px * d->comp[k].step;
    }
    return 0;
}

static bool picture_ok(const struct compose_picture *pic, const AVPixFmtDescriptor **out)
{
    if (!pic || pic->w < 1 || pic->h < 1 || pic->w > CANVAS_MAX_DIM || pic->h > CANVAS_MAX_DIM)
        return false;
    const AVPixFmtDescriptor *d = av_pix_fmt_desc_get(pic->format);
    if (!d ||
        (d->flags & (AV_PIX_FMT_FLAG_HWACCEL | AV_PIX_FMT_FLAG_BITSTREAM | AV_PIX_FMT_FLAG_PAL)))
        return false;
    if (!sws_isSupportedInput(pic->format))
        return false;
    for (int k = 0; k < d->nb_components; k++)
        if (!pic->data[d->comp[k].plane])
            return false;
    *out = d;
    return true;
}

/* Scales pic into rect r of dst with fill mode fill; ctx is the region's
 * cached scaler; *shown (may be NULL) gets where the picture went. Returns 0, SP_EUNSUPPORTED or
 * SP_ENOMEM. */
static int draw_picture(struct compose *c, struct SwsContext **ctx, struct canvas *dst,
                        struct canvas_rect r, const struct compose_picture *pic,
                        enum layout_fill fill, struct canvas_rect *shown)
{
    const AVPixFmtDescriptor *d = NULL;
    if (!picture_ok(pic, &d))
        return SP_EUNSUPPORTED;
    r = canvas_clip_rect(dst, r);
    if (r.w < 1 || r.h < 1)
        return 0;
    int sx = 0, sy = 0, sw = pic->w, sh = pic->h;
    struct canvas_rect o = r;
    if (fill == LAYOUT_FILL_COVER) {
        /* The centre part of the picture that has the region's shape. */
        double s = fmax((double)r.w / pic->w, (double)r.h / pic->h);
        sw = (int)lround(r.w / s);
        sh = (int)lround(r.h / s);
        sw = sw < 1 ? 1 : sw > pic->w ? pic->w : sw;
        sh = sh < 1 ? 1 : sh > pic->h ? pic->h : sh;
        sx = (pic->w - sw) / 2;
        sy = (pic->h - sh) / 2;
        sx &= ~((1 << d->log2_chroma_w) - 1);
        sy &= ~((1 << d->log2_chroma_h) - 1);
    } else {
        double s = fmin((double)r.w / pic->w, (double)r.h / pic->h);
        o.w = (int)lround(pic->w * s);
        o.h = (int)lround(pic->h * s);
        /* Within a pixel of the region: fill it (no 1-pixel sliver of
         * background from rounding; the shape changes by < 1 pixel). */
        o.w = o.w < 1 ? 1 : o.w >= r.w - 1 ? r.w : o.w;
        o.h = o.h < 1 ? 1 : o.h >= r.h - 1 ? r.h : o.h;
        o.x = r.x + (r.w - o.w) / 2;
        o.y = r.y + (r.h - o.h) / 2;
    }
    if (shown)
        *shown = o;

    *ctx = sws_getCachedContext(*ctx, sw, sh, pic->format, o.w, o.h, AV_PIX_FMT_RGBA, SWS_BILINEAR,
                                NULL, NULL, NULL);
    if (!*ctx)
        return SP_EUNSUPPORTED;
    if (!(d->flags & AV_PIX_FMT_FLAG_RGB) && d->nb_components >= 3) {
        int *inv, *tab, src_range, dst_range, bri, con, sat;
        if (sws_getColorspaceDetails(*ctx, &inv, &src_range, &tab, &dst_range, &bri, &con, &sat) >=
            0) {
            int full = pic->color_range == AVCOL_RANGE_JPEG || is_jpeg_range_format(pic->format);
            sws_setColorspaceDetails(*ctx, sws_getCoefficients(sws_colorspace(pic->colorspace)),
                                     full, tab, 1, bri, con, sat);
        }
    }
    const uint8_t *src[4] = {NULL, NULL, NULL, NULL};
    int src_ls[4] = {0, 0, 0, 0};
    for (int p = 0; p < 4; p++) {
        if (!pic->data[p])
            continue;
        src[p] = pic->data[p] + plane_offset(d, pic, p, sx, sy);
        src_ls[p] = pic->linesize[p];
    }
    /* Scaled aside, never straight into the canvas: swscale's SIMD
     * converters store whole 8/16-pixel blocks past the row's end, which
     * would overwrite the pixels right of the region (and, at the canvas's
     * last row, memory past it). Rows get COMPOSE_SWS_SLACK spare bytes. */
    size_t stride = ((size_t)o.w * 4 + COMPOSE_SWS_SLACK + 63) & ~(size_t)63;
    size_t need = stride * (size_t)o.h + COMPOSE_SWS_SLACK;
    if (need > c->tmp_size) {
        uint8_t *t = realloc(c->tmp, need);
        if (!t)
            return SP_ENOMEM;
        c->tmp = t;
        c->tmp_size = need;
    }
    uint8_t *dp[4] = {c->tmp, NULL, NULL, NULL};
    int dls[4] = {(int)stride, 0, 0, 0};
    sws_scale(*ctx, src, src_ls, 0, sh, dp, dls);
    bool alpha = (d->flags & AV_PIX_FMT_FLAG_ALPHA) != 0;
    for (int y = 0; y < o.h; y++) {
        uint8_t *row = c->tmp + (size_t)y * stride;
        if (!alpha) {
            memcpy(dst->px + (size_t)(o.y + y) * dst->stride + 4 * (size_t)o.x, row,
                   (size_t)o.w * 4);
            continue;
        }
        /* with alpha: premultiply, blend over the background */
        for (int x = 0; x < o.w; x++) {
            uint8_t *px = row + 4 * x;
            unsigned a = px[3];
            for (int k = 0; k < 3; k++)
                px[k] = (uint8_t)((px[k] * a + 127) / 255);
        }
        canvas_blend_premul_row(dst, o.x, o.y + y, o.w, row, 255);
    }
    return 0;
}

/* ---- text helpers ------------------------------------------------------------- */

/* The first line of name, repaired to UTF-8 and cut (with an ellipsis) to
 * fit max_w pixels at size px. Returns a new string or NULL (no memory). */
static char *fit_text(struct text_ctx *t, const char *name, double size, double max_w)
{
    size_t len = strlen(name);
    if (len > NAME_MAX_BYTES)
        len = NAME_MAX_BYTES;
    size_t rlen = 0;
    char *s = utf8_repair(name, len, &rlen, NULL);
    if (!s)
        return NULL;
    size_t first = utf8_prefix(s, rlen, rlen, SIZE_MAX, 1);
    s[first] = '\0';
    struct text_metrics m;
    if (text_measure(t, s, size, 0, &m) != 0 || m.width <= max_w)
        return s;
    char *out = malloc(first + 4);
    if (!out) {
        free(s);
        return NULL;
    }
    /* The most code points that fit with the ellipsis: binary search. */
    size_t lo = 0, hi = utf8_count(s, first);
    while (lo < hi) {
        size_t mid = (lo + hi + 1) / 2;
        size_t n = utf8_prefix(s, first, first, mid, 1);
        memcpy(out, s, n);
        memcpy(out + n, "\xE2\x80\xA6", 4);
        if (text_measure(t, out, size, 0, &m) == 0 && m.width <= max_w)
            lo = mid;
        else
            hi = mid - 1;
    }
    size_t n = utf8_prefix(s, first, first, lo, 1);
    memcpy(out, s, n);
    memcpy(out + n, "\xE2\x80\xA6", 4);
    free(s);
    return out;
}

/* Draws one line centred horizontally on cx with its top at y. */
static void draw_centered(struct compose *c, struct canvas *dst, const char *text, double size,
                          double cx, double y, double max_w, uint32_t color)
{
    char *s = fit_text(c->text, text, size, max_w);
    if (!s)
        return;
    struct text_metrics m;
    if (text_measure(c->text, s, size, 0, &m) == 0)
        text_draw(c->text, dst, floor(cx - m.width / 2), floor(y), s, size, color_of(color), 0,
                  NULL);
    free(s);
}

/* ---- shapes --------------------------------------------------------------------- */

/* An antialiased filled disc, clipped to clip. */
static void draw_disc(struct canvas *dst, double cx, double cy, double rad, struct canvas_rect clip,
                      uint32_t color)
{
    clip = canvas_clip_rect(dst, clip);
    int y0 = (int)floor(cy - rad - 1), y1 = (int)ceil(cy + rad + 1);
    int x0 = (int)floor(cx - rad - 1), x1 = (int)ceil(cx + rad + 1);
    if (y0 < clip.y)
        y0 = clip.y;
    if (x0 < clip.x)
        x0 = clip.x;
    if (y1 > clip.y + clip.h)
        y1 = clip.y + clip.h;
    if (x1 > clip.x + clip.w)
        x1 = clip.x + clip.w;
    if (x1 <= x0)
        return;
    uint8_t cov[512];
    for (int y = y0; y < y1; y++) {
        for (int x = x0; x < x1;) {
            int n = x1 - x > 512 ? 512 : x1 - x;
            for (int i = 0; i < n; i++) {
                double dx = x + i + 0.5 - cx, dy = y + 0.5 - cy;
                double v = rad + 0.5 - sqrt(dx * dx + dy * dy);
                cov[i] = (uint8_t)(v <= 0 ? 0 : v >= 1 ? 255 : lround(v * 255));
            }
            canvas_blend_mask_row(dst, x, y, n, cov, color_of(color));
            x += n;
        }
    }
}

static void fill(struct canvas *dst, double x, double y, double w, double h, uint32_t color)
{
    struct canvas_rect r = {(int)lround(x), (int)lround(y), (int)lround(w), (int)lround(h)};
    if (r.w < 1)
        r.w = 1;
    if (r.h < 1)
        r.h = 1;
    canvas_fill_rect(dst, r, color_of(color));
}

static void outline(struct canvas *dst, double x, double y, double w, double h, double t,
                    uint32_t color)
{
    fill(dst, x, y, w, t, color);
    fill(dst, x, y + h - t, w, t, color);
    fill(dst, x, y + t, t, h - 2 * t, color);
    fill(dst, x + w - t, y + t, t, h - 2 * t, color);
}

/* A camera (body + lens wedge) or a screen (monitor + stand) in a box of
 * side s centred on (cx, cy). */
static void draw_glyph(struct canvas *dst, enum rec_lane_kind kind, double cx, double cy, double s,
                       uint32_t color)
{
    double t = fmax(1.0, round(s / 12));
    if (kind == REC_LANE_SCREEN) {
        double w = s, h = s * 0.62;
        outline(dst, cx - w / 2, cy - s / 2 + s * 0.05, w, h, t, color);
        fill(dst, cx - t / 2, cy - s / 2 + s * 0.05 + h, t, s * 0.15, color);
        fill(dst, cx - w * 0.25, cy - s / 2 + s * 0.2 + h, w * 0.5, t, color);
        return;
    }
    /* camera: a body and a wedge widening to the right */
    double bw = s * 0.62, bh = s * 0.5, x = cx - s / 2, y = cy - bh / 2;
    fill(dst, x, y, bw, bh, color);
    int lx = (int)lround(x + bw + t);
    int lw = (int)lround(s - bw - t);
    for (int i = 0; i < lw; i++) {
        double hh = bh * (0.35 + 0.65 * (double)(i + 1) / (lw > 0 ? lw : 1));
        fill(dst, lx + i, cy - hh / 2, 1, hh, color);
    }
}

static uint32_t avatar_color(const char *name)
{
    static const uint32_t palette[] = {0x5B7DB1FFu, 0x4E9A7AFFu, 0xB0705AFFu, 0x8A6BB0FFu,
                                       0xA8944AFFu, 0x4F8FA8FFu, 0xB05A7DFFu, 0x6B8F4EFFu};
    uint32_t h = 2166136261u; /* FNV-1a */
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        h = (h ^ *p) * 16777619u;
    return palette[h % (sizeof(palette) / sizeof(palette[0]))];
}

/* The first letter of name (upper case for ASCII) as UTF-8 in buf[8]. */
static void initial_of(const char *name, char buf[8])
{
    size_t len = strlen(name), pos = 0;
    int32_t cp = len ? utf8_next(name, len, &pos) : -1;
    if (cp < 0)
        cp = '?';
    if (cp >= 'a' && cp <= 'z')
        cp -= 'a' - 'A';
    size_t n = utf8_encode((uint32_t)cp, buf);
    buf[n] = '\0';
}

/* The name tile: avatar (or the board glyph), kind glyph, name. */
static void draw_name_tile(struct compose *c, struct canvas *dst, struct canvas_rect r,
                           const char *name, enum rec_lane_kind kind, bool board)
{
    if (r.w < 8 || r.h < 8)
        return;
    double side = fmin(r.w, r.h);
    double ts = fmin(28.0, fmax(TEXT_READABLE_PX, side * 0.09));
    double line_h = ts * TEXT_LINE_HEIGHT;
    double d = fmin(160.0, side * 0.42);
    bool icon = d >= 24 && r.h >= d + line_h + 12;
    double gap = icon ? fmax(4.0, d * 0.12) : 0;
    double block = (icon ? d + gap : 0) + line_h;
    double top = r.y + (r.h - block) / 2;
    double cx = r.x + r.w / 2.0;
    if (icon) {
        double cy = top + d / 2;
        if (board) {
            double w = d * 1.3, h = d * 0.85, t = fmax(1.0, round(d / 24));
            double x = cx - w / 2, y = cy - h / 2;
            fill(dst, x, y, w, h, 0xF1F3F4FFu);
            outline(dst, x, y, w, h, t, TILE_TEXT_DIM);
            for (int i = 0; i < 3; i++)
                fill(dst, x + w * 0.15, y + h * (0.28 + 0.2 * i), w * (i == 2 ? 0.4 : 0.7), t * 2,
                     0x5B7DB1FFu);
        } else {
            draw_disc(dst, cx, cy, d / 2, r, avatar_color(name));
            char ini[8];
            initial_of(name, ini);
            double is = d * 0.45;
            struct text_metrics m;
            if (text_measure(c->text, ini, is, 0, &m) == 0)
                text_draw(c->text, dst, floor(cx - m.width / 2),
                          floor(cy - m.height / 2 + is * 0.05), ini, is, color_of(0xFFFFFFFFu), 0,
                          NULL);
            if (d >= 40 && kind != REC_LANE_AUDIO) {
                /* a badge at the lower right of the avatar with the kind */
                double br = d * 0.2, bx = cx + d * 0.35, by = cy + d * 0.35;
                draw_disc(dst, bx, by, br + 2, r, 0x1E1F22FFu);
                draw_disc(dst, bx, by, br, r, 0x3C4043FFu);
                draw_glyph(dst, kind, bx, by, br * 1.2, TILE_TEXT);
            }
        }
    }
    draw_centered(c, dst, name, ts, cx, top + (icon ? d + gap : 0), r.w - 8, TILE_TEXT);
}

/* The red badge of a lane whose media is unavailable, centred at the
 * tile's top. */
static void draw_unavailable(struct compose *c, struct canvas *dst, struct canvas_rect r)
{
    static const char label[] = "media unavailable";
    double ts = fmin(18.0, fmax(TEXT_READABLE_PX, fmin(r.w, r.h) * 0.06));
    struct text_metrics m;
    if (r.w < 32 || r.h < 24 || text_measure(c->text, label, ts, 0, &m) != 0)
        return;
    double pad = fmax(2.0, ts * 0.4);
    double w = fmin(m.width + 2 * pad, r.w - 4.0), h = ts * TEXT_LINE_HEIGHT + pad;
    double x = r.x + (r.w - w) / 2, y = r.y + fmax(2.0, r.h * 0.06);
    fill(dst, x, y, w, h, UNAVAILABLE_BG);
    draw_centered(c, dst, label, ts, r.x + r.w / 2.0, y + pad / 2, w - 2, 0xFFFFFFFFu);
}

/* A preset's "+N" tile: N tiles did not fit (render/layout.h). */
static void draw_more(struct compose *c, struct canvas *dst, struct canvas_rect r, int n)
{
    char label[16];
    snprintf(label, sizeof(label), "+%d", n);
    double ts = fmin(28.0, fmax(TEXT_READABLE_PX, fmin(r.w, r.h) * 0.3));
    draw_centered(c, dst, label, ts, r.x + r.w / 2.0, r.y + (r.h - ts * TEXT_LINE_HEIGHT) / 2,
                  r.w - 4, TILE_TEXT);
}

/* The small name tag over a picture, bottom left. */
static void draw_tag(struct compose *c, struct canvas *dst, struct canvas_rect r, const char *name)
{
    if (c->opts.no_name_tags || r.h < 48 || r.w < 64 || !*name)
        return;
    double ts = fmin(16.0, fmax(TEXT_READABLE_PX, r.h / 14.0));
    double pad = fmax(2.0, ts * 0.3);
    char *s = fit_text(c->text, name, ts, r.w - 4 * pad - 4);
    if (!s)
        return;
    struct text_metrics m;
    if (text_measure(c->text, s, ts, 0, &m) == 0) {
        double w = m.width + 2 * pad, h = ts * TEXT_LINE_HEIGHT + pad;
        double x = r.x + pad, y = r.y + r.h - h - pad;
        fill(dst, x, y, w, h, TAG_BG);
        text_draw(c->text, dst, floor(x + pad), floor(y + pad / 2), s, ts, color_of(0xFFFFFFFFu), 0,
                  NULL);
    }
    free(s);
}

/* ---- the board ----------------------------------------------------------------- */

/* Brings the board region's cache up to date with the board frame f just
 * drawn (dirty: what changed in it since the last frame) and copies it into
 * rect r of dst. Returns 0 or SP_ENOMEM. */
static int copy_board(struct compose *c, struct canvas *dst, struct canvas_rect r, uint32_t bg,
                      const struct canvas *f, struct canvas_rect dirty)
{
    struct canvas_rect full = {0, 0, r.w, r.h};
    if (!c->bcache_ok || memcmp(&c->bcache_r, &r, sizeof(r)) != 0 || c->bcache_bg != bg) {
        if (c->bcache && (c->bcache->w != r.w || c->bcache->h != r.h))
            canvas_destroy(&c->bcache);
        if (!c->bcache && canvas_create(&c->bcache, r.w, r.h) != 0)
            return SP_ENOMEM;
        dirty = full;
    }
    c->bcache_ok = false;
    dirty = canvas_clip_rect(c->bcache, dirty);
    if (dirty.w > 0 && dirty.h > 0) {
        canvas_fill_rect(c->bcache, dirty, color_of(bg));
        int x1 = dirty.x + dirty.w < f->w ? dirty.x + dirty.w : f->w;
        for (int y = dirty.y; y < dirty.y + dirty.h && y < f->h && x1 > dirty.x; y++)
            canvas_blend_premul_row(c->bcache, dirty.x, y, x1 - dirty.x,
                                    f->px + (size_t)y * f->stride + 4 * (size_t)dirty.x, 255);
    }
    c->bcache_r = r;
    c->bcache_bg = bg;
    c->bcache_ok = true;
    for (int y = 0; y < r.h; y++)
        memcpy(dst->px + (size_t)(r.y + y) * dst->stride + 4 * (size_t)r.x,
               c->bcache->px + (size_t)y * c->bcache->stride, (size_t)r.w * 4);
    return 0;
}

/* Draws the board into r of dst. bg: the region's background when it is
 * opaque (the region is then drawn whole here, through the cache); 0: the
 * background is already there, blend over it. */
static int draw_board(struct compose *c, struct canvas *dst, struct canvas_rect r,
                      const struct board_state *st, uint32_t bg)
{
    r = canvas_clip_rect(dst, r);
    if (r.w < 1 || r.h < 1)
        return 0;
    int rc = 0;
    if (!c->bd) {
        struct board_draw_opts bo = {c->opts.board_w, c->opts.board_h, c->opts.get_image,
                                     c->opts.image_opaque, c->text};
        rc = board_draw_create(&c->bd, r.w, r.h, &bo);
    } else if (c->bd_w != r.w || c->bd_h != r.h) {
        rc = board_draw_resize(c->bd, r.w, r.h); /* redraws its layer next frame */
    }
    if (rc)
        return rc;
    c->bd_w = r.w;
    c->bd_h = r.h;
    const struct canvas *f = NULL;
    struct layer_cache *lc = c->opts.layer_cache;
    if (lc && st && !board_draw_layer_fits(c->bd, st))
        layer_cache_seed(lc, c->bd, r.w, r.h, st); /* else it draws from scratch */
    rc = board_draw_frame(c->bd, st, &f);
    if (rc) {
        c->bcache_ok = false; /* out of step with the frame */
        return rc;
    }
    if (lc && st)
        layer_cache_save(lc, c->bd, st); /* a cache: a failed write changes nothing shown */
    if ((bg & 0xFFu) == 0xFFu)
        return copy_board(c, dst, r, bg, f, board_draw_last_dirty(c->bd));
    c->bcache_ok = false;
    for (int y = 0; y < r.h && y < f->h; y++)
        canvas_blend_premul_row(dst, r.x, r.y + y, r.w < f->w ? r.w : f->w,
                                f->px + (size_t)y * f->stride, 255);
    return 0;
}

/* ---- the frame ----------------------------------------------------------------- */

void compose_take_diags(struct compose *c, struct diag_list *dst)
{
    if (c)
        board_draw_take_diags(c->bd, dst);
}

int compose_draw(struct compose *c, const struct layout *l, const struct compose_scene *s,
                 struct canvas *dst)
{
    if (!c || !l || !s || !dst || dst->w != l->w || dst->h != l->h)
        return SP_EINVAL;
    int ret = 0;
    struct canvas_rect view = canvas_clip_rect(dst, crect(l->view));
    if (view.x > 0 || view.y > 0 || view.w < dst->w || view.h < dst->h)
        canvas_clear(dst, canvas_rgba(0, 0, 0, 255));     /* letterbox bars */
    canvas_fill_rect(dst, view, color_of(l->bg | 0xFFu)); /* opaque: replaces */
    for (size_t i = 0; i < l->n; i++) {
        const struct layout_region *g = &l->regions[i];
        struct canvas_rect r = canvas_clip_rect(dst, crect(g->r));
        if (r.w < 1 || r.h < 1)
            continue;
        const struct compose_lane *ln = NULL;
        if (g->lane >= 0 && s->lanes && (size_t)g->lane < s->n_lanes)
            ln = &s->lanes[g->lane];
        /* A screen-share region shows only while its share has a picture;
         * otherwise what lies under it (the board, as in the service's own
         * layouts) shows through. */
        if (g->share && (!ln || !ln->pic))
            continue;
        /* the board over an opaque background comes whole from its cache */
        bool board_whole = g->src == LAYOUT_SRC_BOARD && s->has_board && (g->bg & 0xFFu) == 0xFFu;
        if (!board_whole)
            canvas_fill_rect(dst, r, color_of(g->bg));
        const char *name = ln && ln->name ? ln->name : g->id;
        int rc = 0;
        switch (g->src) {
        case LAYOUT_SRC_VACANT:
            if (g->more > 0)
                draw_more(c, dst, r, g->more);
            break;
        case LAYOUT_SRC_CHAT:
            if (s->chat_on && s->chat)
                rc = s->chat(s->chat_opaque, dst, r);
            break;
        case LAYOUT_SRC_BOARD:
            if (s->has_board) {
                rc = draw_board(c, dst, r, s->board, board_whole ? g->bg : 0);
            } else if (ln && ln->pic &&
                       draw_picture(c, &c->sws[i], dst, r, ln->pic, LAYOUT_FILL_CONTAIN, NULL) ==
                           0) {
                break;
            } else {
                draw_name_tile(c, dst, r, "Whiteboard", REC_LANE_WHITEBOARD, true);
            }
            break;
        case LAYOUT_SRC_LANE:
            if (ln && ln->pic) {
                struct canvas_rect shown = r;
                rc = draw_picture(c, &c->sws[i], dst, r, ln->pic, g->fill, &shown);
                if (rc == 0) {
                    draw_tag(c, dst, shown, name);
                    break;
                }
                if (rc == SP_EUNSUPPORTED)
                    rc = 0;
            }
            draw_name_tile(c, dst, r, name, ln ? ln->kind : REC_LANE_CAMERA, false);
            if (ln && ln->unavailable)
                draw_unavailable(c, dst, r);
            break;
        }
        if (rc && !ret)
            ret = rc;
    }
    return ret;
}

int compose_draw_picture(struct compose *c, struct canvas *dst, struct canvas_rect r,
                         const struct compose_picture *pic, struct canvas_rect *shown)
{
    if (!c || !dst || !pic)
        return SP_EINVAL;
    return draw_picture(c, &c->sws_one, dst, r, pic, LAYOUT_FILL_CONTAIN, shown);
}
