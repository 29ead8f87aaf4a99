/* chat_panel.c - the chat panel (see chat_panel.h). */
#include "render/chat_panel.h"
#include "render/timefmt.h"

#include "base/sp_error.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Spacing, pixels. */
#define PAD 10           /* around the content */
#define ITEM_GAP 10      /* between items */
#define BLOCK_GAP 4      /* between the blocks (paragraph, image, ...) of an item */
#define HEADER_GAP 2     /* under the name line */
#define NAME_TIME_GAP 8  /* between the name and the time */
#define MIN_CONTENT_W 16 /* narrower than this: background only */
#define MIN_THUMB 16     /* smallest thumbnail side, so tiny images stay clickable */
/* The button shown while scrolled back (U+25BC is a down-pointing triangle). */
#define NEWER_LABEL "\xE2\x96\xBC Newer messages"

/* Per-item flags. */
#define F_PROVISIONAL 1u /* an image box has a guessed size until the image arrives */
#define F_EXPANDED 2u    /* a cut text shows its whole text */

/* Sender colors: a dozen hues far enough apart to tell names apart, all
 * light enough to read on the dark background (contrast >= 6:1). */
static const struct canvas_color PALETTE[CHAT_SENDER_COLORS] = {
    {0xF2, 0x8B, 0x82, 255}, {0xFB, 0xBC, 0x04, 255}, {0x81, 0xC9, 0x95, 255},
    {0x8A, 0xB4, 0xF8, 255}, {0xC5, 0x8A, 0xF9, 255}, {0x78, 0xD9, 0xEC, 255},
    {0xFF, 0x8B, 0xCB, 255}, {0xFC, 0xAD, 0x70, 255}, {0xD7, 0xE3, 0x7D, 255},
    {0x9F, 0xA8, 0xFF, 255}, {0xE6, 0xC9, 0xA8, 255}, {0x5F, 0xD3, 0xB0, 255},
};
static const struct canvas_color BG = {0x18, 0x1A, 0x1F, 255};
static const struct canvas_color INK = {0xE4, 0xE6, 0xEB, 255};
static const struct canvas_color DIM = {0x86, 0x8C, 0x98, 255};  /* time */
static const struct canvas_color GREY = {0xA8, 0xAE, 0xBA, 255}; /* placeholders */
static const struct canvas_color LINK = {0x6E, 0xAA, 0xFF, 255};
static const struct canvas_color BOX = {0x34, 0x38, 0x42, 255};
static const struct canvas_color BOX_EDGE = {0x50, 0x56, 0x64, 255};

/* An image part drawn, and the image it had (NULL: its placeholder box). */
struct drawn_img {
    const struct chat_part *pt;
    const struct image *img;
};

/* An item on screen in the last draw; canvas coordinates. */
struct vis {
    size_t idx;
    int top, h;
    int more_y, more_h; /* the "Show more" line; more_h 0 = none */
};

struct chat_panel {
    struct text_ctx *text;       /* borrowed */
    const struct chat_log *chat; /* borrowed */
    struct chat_panel_opts o;
    double body_px, name_px, time_px;
    int name_lh;     /* line height of the name line, px */
    size_t n;        /* visible items [0, n) */
    int64_t scroll;  /* px scrolled back from the newest; 0 = following */
    int width;       /* content width the heights are for; 0 = none yet */
    int32_t *height; /* per item, px; -1 = not laid out at width */
    uint8_t *flags;  /* per item, F_* */
    char *buf;       /* paragraph / name scratch */
    size_t buf_cap;
    struct vis *vis; /* the last draw's items, newest first */
    size_t nvis, vis_cap;
    struct canvas_rect last; /* the last draw's rectangle (clipped) */
    struct canvas_rect pill; /* the last draw's "Newer messages" button; w 0: none */

    /* The last drawn panel, kept: a frame that would draw the same items at
     * the same places (same rectangle, scroll, layout, expanded texts, and
     * the same decoded images) copies it instead of drawing again. */
    struct canvas *cache;          /* the clipped rectangle's pixels; NULL: none */
    bool cache_ok;                 /* cache holds the drawing of the key below */
    struct canvas_rect cache_rect; /* the rectangle as asked (unclipped) */
    struct canvas_rect cache_last; /* and clipped */
    int64_t cache_scroll;
    uint64_t version, cache_version; /* bumped by whatever changes items' looks */
    struct vis *cvis;                /* p->vis after the cached drawing */
    size_t ncvis, cvis_cap;
    struct canvas_rect cache_pill;
    struct drawn_img *cimg; /* the images the cached drawing used */
    size_t ncimg, cimg_cap;
};

int chat_panel_create(struct text_ctx *text, const struct chat_log *chat,
                      const struct chat_panel_opts *opts, struct chat_panel **out)
{
    if (!out)
        return SP_EINVAL;
    *out = NULL;
    if (!text || !chat)
        return SP_EINVAL;
    struct chat_panel *p = calloc(1, sizeof(*p));
    if (!p)
        return SP_ENOMEM;
    p->text = text;
    p->chat = chat;
    if (opts)
        p->o = *opts;
    double px = p->o.font_px > 0 && isfinite(p->o.font_px) ? p->o.font_px : CHAT_PANEL_FONT_PX;
    px = px < 8 ? 8 : px > 64 ? 64 : px;
    p->body_px = px;
    p->name_px = round(px * 0.87);
    p->time_px = round(px * 0.8);
    p->name_lh = (int)lround(p->name_px * TEXT_LINE_HEIGHT);
    size_t n = chat->count ? chat->count : 1;
    p->height = malloc(n * sizeof(*p->height));
    p->flags = calloc(n, 1);
    if (!p->height || !p->flags) {
        chat_panel_destroy(&p);
        return SP_ENOMEM;
    }
    for (size_t i = 0; i < n; i++)
        p->height[i] = -1;
    *out = p;
    return 0;
}

void chat_panel_destroy(struct chat_panel **pp)
{
    if (!pp || !*pp)
        return;
    struct chat_panel *p = *pp;
    free(p->height);
    free(p->flags);
    free(p->buf);
    free(p->vis);
    free(p->cvis);
    free(p->cimg);
    canvas_destroy(&p->cache);
    free(p);
    *pp = NULL;
}

void chat_panel_format_time(int64_t t_us, char *buf, size_t size)
{
    timefmt_clock_us(t_us / 1000 * 1000, buf, size); /* whole ms, truncated: -0.5 ms is 0:00 */
}

/* ---- scratch text ------------------------------------------------------- */

static int buf_reserve(struct chat_panel *p, size_t need)
{
    if (need <= p->buf_cap)
        return 0;
    size_t cap = p->buf_cap ? p->buf_cap : 256;
    while (cap < need)
        cap *= 2;
    char *b = realloc(p->buf, cap);
    if (!b)
        return SP_ENOMEM;
    p->buf = b;
    p->buf_cap = cap;
    return 0;
}

static bool is_inline(enum chat_part_kind k)
{
    return k == CHAT_PART_TEXT || k == CHAT_PART_EMOJI || k == CHAT_PART_FACE;
}

/* Joins the inline parts [j, *k) of it into p->buf (the whole text of cut
 * parts when expanded); *cut tells whether any is a preview. */
static int join_inline(struct chat_panel *p, const struct chat_item *it, size_t j, size_t *k,
                       bool expanded, bool *cut)
{
    size_t len = 0;
    *cut = false;
    for (*k = j; *k < it->part_count && is_inline(it->parts[*k].kind); (*k)++) {
        const struct chat_part *pt = &it->parts[*k];
        const char *s = expanded && pt->truncated && pt->full_text ? pt->full_text : pt->text;
        size_t n = strlen(s);
        if (buf_reserve(p, len + n + 1))
            return SP_ENOMEM;
        /* tabs and other C0 controls have no glyph (a box): a space each */
        for (size_t i = 0; i < n; i++)
            p->buf[len + i] = (unsigned char)s[i] < 0x20 && s[i] != '\n' ? ' ' : s[i];
        len += n;
        *cut = *cut || pt->truncated;
    }
    if (buf_reserve(p, len + 1))
        return SP_ENOMEM;
    p->buf[len] = '\0';
    return 0;
}

/* Byte offset of code point k in the NUL-terminated s. */
static size_t cp_offset(const char *s, size_t k)
{
    size_t i = 0;
    for (; s[i]; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80 && k-- == 0)
            break;
    return i;
}

/* Measures p->buf cut at byte off with an ellipsis appended (p->buf has
 * room for it), leaving p->buf as it was. */
static int measure_cut(struct chat_panel *p, size_t off, struct text_metrics *m)
{
    char save[sizeof(CHAT_ELLIPSIS)];
    memcpy(save, p->buf + off, sizeof(save));
    memcpy(p->buf + off, CHAT_ELLIPSIS, sizeof(CHAT_ELLIPSIS));
    int ret = text_measure(p->text, p->buf, p->name_px, 0, m);
    memcpy(p->buf + off, save, sizeof(save));
    return ret;
}

/* The sender's name for one line: control characters become spaces, and a
 * name wider than avail px is cut at a code point and ends in an ellipsis.
 * Result in p->buf; *w gets its width. */
static int fit_name(struct chat_panel *p, const char *name, double avail, double *w)
{
    size_t n = strlen(name);
    if (n > 1024) /* far wider than any panel; keep measuring cheap */
        n = 1024;
    while (n > 0 && ((unsigned char)name[n] & 0xC0) == 0x80)
        n--; /* cut at a code point boundary */
    if (buf_reserve(p, n + sizeof(CHAT_ELLIPSIS)))
        return SP_ENOMEM;
    for (size_t i = 0; i < n; i++)
        p->buf[i] = (unsigned char)name[i] < 0x20 ? ' ' : name[i];
    p->buf[n] = '\0';
    struct text_metrics m;
    int ret = text_measure(p->text, p->buf, p->name_px, 0, &m);
    if (ret)
        return ret;
    if (m.width <= avail) {
        *w = m.width;
        return 0;
    }
    /* the longest prefix, in code points, that fits with an ellipsis */
    size_t lo = 0, hi = 0;
    for (size_t i = 0; i < n; i++)
        hi += ((unsigned char)p->buf[i] & 0xC0) != 0x80;
    hi = hi ? hi - 1 : 0;
    while (lo < hi) {
        size_t mid = (lo + hi + 1) / 2;
        if ((ret = measure_cut(p, cp_offset(p->buf, mid), &m)))
            return ret;
        if (m.width <= avail)
            lo = mid;
        else
            hi = mid - 1;
    }
    size_t off = cp_offset(p->buf, lo);
    memcpy(p->buf + off, CHAT_ELLIPSIS, sizeof(CHAT_ELLIPSIS));
    ret = text_measure(p->text, p->buf, p->name_px, 0, &m);
    *w = m.width;
    return ret;
}

/* ---- layout and drawing of one item ------------------------------------- */

/* The thumbnail box of an image part at content width w; *img gets the
 * image if the loader has it. Measuring (draw false) asks the loader only
 * when the message gives no size, so laying out items off screen does not
 * fetch their pictures. */
static void thumb_box(struct chat_panel *p, size_t i, const struct chat_part *pt, int w, bool draw,
                      struct image **img, int *bw, int *bh)
{
    double iw = pt->width, ih = pt->height;
    bool sized = iw > 0 && ih > 0;
    *img = p->o.image && (draw || !sized) ? p->o.image(p->o.image_ud, pt->url) : NULL;
    if (iw <= 0 || ih <= 0) {
        if (*img && (*img)->w > 0 && (*img)->h > 0) {
            iw = (*img)->w;
            ih = (*img)->h;
        } else {
            iw = CHAT_PANEL_THUMB_W;
            ih = CHAT_PANEL_THUMB_H;
            p->flags[i] |= F_PROVISIONAL;
        }
    }
    double maxw = w < CHAT_PANEL_THUMB_W ? w : CHAT_PANEL_THUMB_W;
    double s = fmin(fmin(maxw / iw, (double)CHAT_PANEL_THUMB_H / ih), 1.0);
    *bw = (int)lround(iw * s);
    *bh = (int)lround(ih * s);
    *bw = *bw < MIN_THUMB ? MIN_THUMB : *bw;
    *bh = *bh < MIN_THUMB ? MIN_THUMB : *bh;
}

/* A view of rectangle r of c (clipped): a canvas sharing c's pixels, so
 * whatever is drawn into it stays inside r. *ox, *oy: r's origin in the
 * view's coordinates (<= 0 when clipped at the left/top). False if empty. */
static bool sub_view(struct canvas *c, struct canvas_rect r, struct canvas *v, int *ox, int *oy)
{
    struct canvas_rect k = canvas_clip_rect(c, r);
    if (k.w <= 0 || k.h <= 0)
        return false;
    v->w = k.w;
    v->h = k.h;
    v->stride = c->stride;
    v->px = c->px + (size_t)k.y * c->stride + 4 * (size_t)k.x;
    *ox = r.x - k.x;
    *oy = r.y - k.y;
    return true;
}

static void draw_image_box(struct chat_panel *p, struct canvas *c, const struct chat_part *pt,
                           struct image *img, struct canvas_rect r)
{
    if (img) {
        double dst[4] = {r.x, r.y, r.w, r.h};
        if (image_draw_fit(c, img, dst, IMAGE_FIT_CONTAIN) == 0)
            return;
    }
    canvas_fill_rect(c, r, BOX_EDGE);
    canvas_fill_rect(c, (struct canvas_rect){r.x + 1, r.y + 1, r.w - 2, r.h - 2}, BOX);
    struct canvas v;
    int ox, oy;
    if (sub_view(c, (struct canvas_rect){r.x + 1, r.y + 1, r.w - 2, r.h - 2}, &v, &ox, &oy))
        text_draw(p->text, &v, ox + 6, oy + (r.h - 2 - p->name_lh) / 2.0, pt->text, p->time_px,
                  GREY, 0, NULL);
}

/* Remembers that the drawing being made shows img for pt (for the cache:
 * an image arriving or changing later means drawing again). Out of memory:
 * the drawing is not kept. */
static void note_image(struct chat_panel *p, const struct chat_part *pt, const struct image *img)
{
    if (p->ncimg == p->cimg_cap) {
        size_t cap = p->cimg_cap ? 2 * p->cimg_cap : 16;
        struct drawn_img *d = realloc(p->cimg, cap * sizeof(*d));
        if (!d) {
            p->cache_ok = false;
            p->ncimg = SIZE_MAX; /* marks the list incomplete */
            return;
        }
        p->cimg = d;
        p->cimg_cap = cap;
    }
    if (p->ncimg != SIZE_MAX)
        p->cimg[p->ncimg++] = (struct drawn_img){pt, img};
}

/* Lays out item i at content width w and returns its height (px), or a
 * negative error. With c it also draws it with its top-left at (x, y) and
 * fills v's marker fields. */
static int item_pass(struct chat_panel *p, size_t i, int w, struct canvas *c, int x, int y,
                     struct vis *v)
{
    const struct chat_item *it = &p->chat->items[i];
    bool expanded = p->flags[i] & F_EXPANDED;
    struct text_metrics m;
    int ret;
    if (v)
        v->more_y = v->more_h = 0;
    if (it->part_count == 1 && it->parts[0].kind == CHAT_PART_NOTICE) {
        /* a recalled message: one grey line, no sender header, as IM
           clients show it */
        ret = c ? text_draw(p->text, c, x, y, it->parts[0].text, p->body_px, GREY, w, &m)
                : text_measure(p->text, it->parts[0].text, p->body_px, w, &m);
        return ret ? ret : (int)m.height;
    }
    if (c) {
        char tbuf[32] = "";
        double tw = 0;
        if (p->o.class_time) {
            chat_panel_format_time(p->o.class_time(p->o.class_time_ud, it->wall_us), tbuf,
                                   sizeof(tbuf));
            if ((ret = text_measure(p->text, tbuf, p->time_px, 0, &m)))
                return ret;
            tw = m.width;
        }
        double nw;
        if ((ret = fit_name(p, it->sender, w - (tw > 0 ? tw + NAME_TIME_GAP : 0), &nw)))
            return ret;
        if ((ret = text_draw(p->text, c, x, y, p->buf, p->name_px,
                             PALETTE[it->color % CHAT_SENDER_COLORS], 0, NULL)))
            return ret;
        /* same baseline: text.h puts it ~0.97 em below the line box top */
        if (tbuf[0] && (ret = text_draw(p->text, c, x + nw + NAME_TIME_GAP,
                                        y + lround(0.97 * (p->name_px - p->time_px)), tbuf,
                                        p->time_px, DIM, 0, NULL)))
            return ret;
    }
    int h = p->name_lh + HEADER_GAP;
    if (v)
        v->more_y = v->more_h = 0;
    for (size_t j = 0; j < it->part_count;) {
        const struct chat_part *pt = &it->parts[j];
        if (j > 0)
            h += BLOCK_GAP;
        if (is_inline(pt->kind)) {
            size_t k;
            bool cut;
            if ((ret = join_inline(p, it, j, &k, expanded, &cut)))
                return ret;
            ret = c ? text_draw(p->text, c, x, y + h, p->buf, p->body_px, INK, w, &m)
                    : text_measure(p->text, p->buf, p->body_px, w, &m);
            if (ret)
                return ret;
            h += (int)m.height;
            if (cut) {
                if (c &&
                    (ret = text_draw(p->text, c, x, y + h, expanded ? "Show less" : "Show more",
                                     p->name_px, LINK, 0, NULL)))
                    return ret;
                if (v) {
                    v->more_y = y + h;
                    v->more_h = p->name_lh;
                }
                h += p->name_lh;
            }
            j = k;
        } else if (pt->kind == CHAT_PART_IMAGE && pt->url) {
            struct image *img;
            int bw, bh;
            thumb_box(p, i, pt, w, c != NULL, &img, &bw, &bh);
            if (c) {
                draw_image_box(p, c, pt, img, (struct canvas_rect){x, y + h, bw, bh});
                note_image(p, pt, img);
            }
            h += bh;
            j++;
        } else { /* placeholder, or an image without any URL: its label */
            ret = c ? text_draw(p->text, c, x, y + h, pt->text, p->body_px, GREY, w, &m)
                    : text_measure(p->text, pt->text, p->body_px, w, &m);
            if (ret)
                return ret;
            h += (int)m.height;
            j++;
        }
    }
    return h;
}

/* True if an image of item i whose box size was guessed has arrived. */
static bool image_arrived(struct chat_panel *p, size_t i)
{
    const struct chat_item *it = &p->chat->items[i];
    for (size_t j = 0; j < it->part_count; j++) {
        const struct chat_part *pt = &it->parts[j];
        if (pt->kind == CHAT_PART_IMAGE && pt->url && (pt->width <= 0 || pt->height <= 0) &&
            p->o.image && p->o.image(p->o.image_ud, pt->url))
            return true;
    }
    return false;
}

/* Item i's height at p->width: cached, or laid out now. -1: out of memory. */
static int height_of(struct chat_panel *p, size_t i)
{
    if (p->height[i] >= 0 && (p->flags[i] & F_PROVISIONAL) && image_arrived(p, i))
        p->height[i] = -1;
    if (p->height[i] < 0) {
        p->flags[i] &= (uint8_t)~F_PROVISIONAL;
        int h = item_pass(p, i, p->width, NULL, 0, 0, NULL);
        if (h < 0)
            return -1;
        p->height[i] = h;
    }
    return p->height[i];
}

static void set_width(struct chat_panel *p, int w)
{
    if (w == p->width)
        return;
    p->width = w;
    p->version++;
    for (size_t i = 0; i < p->chat->count; i++)
        p->height[i] = -1;
}

void chat_panel_invalidate(struct chat_panel *p)
{
    if (!p)
        return;
    p->version++;
    for (size_t i = 0; i < p->chat->count; i++)
        p->height[i] = -1;
}

int chat_panel_item_height(struct chat_panel *p, size_t i, int rect_w)
{
    if (!p || i >= p->chat->count)
        return -1;
    if (p->width == 0) {
        if (rect_w - 2 * PAD < MIN_CONTENT_W)
            return -1;
        set_width(p, rect_w - 2 * PAD);
    }
    return height_of(p, i);
}

/* ---- time and scrolling ------------------------------------------------- */

void chat_panel_set_time(struct chat_panel *p, int64_t wall_us)
{
    if (!p)
        return;
    size_t n = chat_visible_count(p->chat, wall_us);
    if (n < p->n || n - p->n > CHAT_PANEL_KEEP_MAX || p->width == 0) {
        if (n != p->n)
            p->scroll = 0; /* a seek: follow the newest again */
    } else if (p->scroll > 0) {
        /* keep the same messages in view: what arrived below adds to the
         * distance from the newest */
        for (size_t k = p->n; k < n; k++) {
            int h = height_of(p, k);
            if (h < 0) {
                p->scroll = 0;
                break;
            }
            p->scroll += h + ITEM_GAP;
        }
    }
    p->n = n;
}

size_t chat_panel_visible_count(const struct chat_panel *p)
{
    return p ? p->n : 0;
}

void chat_panel_scroll(struct chat_panel *p, double dy)
{
    if (!p || !isfinite(dy))
        return;
    double s = (double)p->scroll + dy;
    /* the oldest end is clamped by the next draw; this bounds the sum */
    p->scroll = s <= 0 ? 0 : s > 1e15 ? (int64_t)1e15 : (int64_t)llround(s);
}

double chat_panel_line_step(const struct chat_panel *p)
{
    return p ? round(p->body_px * TEXT_LINE_HEIGHT) : 0;
}

void chat_panel_follow(struct chat_panel *p)
{
    if (p)
        p->scroll = 0;
}

bool chat_panel_following(const struct chat_panel *p)
{
    return !p || p->scroll == 0;
}

void chat_panel_toggle_more(struct chat_panel *p, size_t item)
{
    if (!p || item >= p->chat->count || !p->chat->items[item].truncated)
        return;
    p->flags[item] ^= F_EXPANDED;
    p->height[item] = -1;
    p->version++;
}

/* ---- the whole panel ---------------------------------------------------- */

static int vis_push(struct chat_panel *p, size_t idx, int64_t top, int h)
{
    if (p->nvis == p->vis_cap) {
        size_t cap = p->vis_cap ? 2 * p->vis_cap : 64;
        struct vis *v = realloc(p->vis, cap * sizeof(*v));
        if (!v)
            return SP_ENOMEM;
        p->vis = v;
        p->vis_cap = cap;
    }
    p->vis[p->nvis++] = (struct vis){.idx = idx, .top = (int)top, .h = h};
    return 0;
}

/* Places the items from the newest up, bottom-anchored at view height vh
 * and the scroll offset, keeping those that reach into [0, vh). *top0 gets
 * the oldest placed item's top when item 0 was reached, else INT64_MIN. */
static int place(struct chat_panel *p, int vh, int64_t *top0)
{
    p->nvis = 0;
    *top0 = INT64_MIN;
    int64_t bottom = vh - PAD + p->scroll;
    for (size_t k = p->n; k-- > 0;) {
        int h = height_of(p, k);
        if (h < 0)
            return SP_ENOMEM;
        int64_t top = bottom - h;
        if (top < vh && vis_push(p, k, top, h))
            return SP_ENOMEM;
        if (k == 0)
            *top0 = top;
        if (top <= 0)
            break; /* the rest is above the view */
        bottom = top - ITEM_GAP;
    }
    return 0;
}

/* While scrolled back: a button at the bottom that returns to the newest. */
static int draw_pill(struct chat_panel *p, struct canvas *view)
{
    struct text_metrics m;
    int ret = text_measure(p->text, NEWER_LABEL, p->time_px, 0, &m);
    if (ret)
        return ret;
    int w = (int)m.width + 20, h = (int)m.height + 8;
    struct canvas_rect r = {(view->w - w) / 2, view->h - h - PAD / 2, w, h};
    canvas_fill_rect(view, r, LINK);
    if ((ret = text_draw(p->text, view, r.x + 10, r.y + 4, NEWER_LABEL, p->time_px, BG, 0, NULL)))
        return ret;
    p->pill = (struct canvas_rect){r.x + p->last.x, r.y + p->last.y, r.w, r.h};
    return 0;
}

/* True when the cached drawing is what drawing the placed items (p->vis,
 * view coordinates before shift) into rect would give. */
static bool cache_matches(struct chat_panel *p, struct canvas_rect rect, int shift)
{
    if (!p->cache_ok || p->cache_version != p->version || p->cache_scroll != p->scroll ||
        memcmp(&p->cache_rect, &rect, sizeof(rect)) != 0 ||
        memcmp(&p->cache_last, &p->last, sizeof(p->last)) != 0 || p->ncvis != p->nvis)
        return false;
    for (size_t k = 0; k < p->nvis; k++) {
        const struct vis *a = &p->vis[k], *b = &p->cvis[k];
        if (a->idx != b->idx || a->h != b->h || a->top - shift + p->last.y != b->top)
            return false;
    }
    /* the images: the loader may have one now that was missing (or
     * another one) */
    for (size_t k = 0; k < p->ncimg; k++)
        if ((p->o.image ? p->o.image(p->o.image_ud, p->cimg[k].pt->url) : NULL) != p->cimg[k].img)
            return false;
    return true;
}

/* Keeps the drawing just made in view (and the items' places) for the next
 * frames. Out of memory: not kept. */
static void cache_store(struct chat_panel *p, const struct canvas *view, struct canvas_rect rect)
{
    p->cache_ok = false;
    if (p->ncimg == SIZE_MAX)
        return;
    if (p->cache && (p->cache->w != view->w || p->cache->h != view->h))
        canvas_destroy(&p->cache);
    if (!p->cache && canvas_create(&p->cache, view->w, view->h) != 0)
        return;
    if (p->nvis > p->cvis_cap) {
        struct vis *v = realloc(p->cvis, p->nvis * sizeof(*v));
        if (!v)
            return;
        p->cvis = v;
        p->cvis_cap = p->nvis;
    }
    if (p->nvis)
        memcpy(p->cvis, p->vis, p->nvis * sizeof(*p->vis));
    p->ncvis = p->nvis;
    for (int y = 0; y < view->h; y++)
        memcpy(p->cache->px + (size_t)y * p->cache->stride, view->px + (size_t)y * view->stride,
               (size_t)view->w * 4);
    p->cache_rect = rect;
    p->cache_last = p->last;
    p->cache_scroll = p->scroll;
    p->cache_version = p->version;
    p->cache_pill = p->pill;
    p->cache_ok = true;
}

int chat_panel_draw(struct chat_panel *p, struct canvas *c, struct canvas_rect rect)
{
    if (!p || !c)
        return SP_EINVAL;
    p->nvis = 0;
    struct canvas view;
    int ox, oy;
    p->last = (struct canvas_rect){0, 0, 0, 0};
    p->pill = p->last;
    if (!sub_view(c, rect, &view, &ox, &oy)) {
        p->cache_ok = false;
        return 0;
    }
    p->last = canvas_clip_rect(c, rect);
    int w = view.w - 2 * PAD;
    if (w < MIN_CONTENT_W) {
        p->cache_ok = false;
        canvas_fill_rect(&view, (struct canvas_rect){0, 0, view.w, view.h}, BG);
        return 0;
    }
    set_width(p, w);
    int64_t top0;
    if (place(p, view.h, &top0))
        return SP_ENOMEM;
    if (top0 != INT64_MIN && top0 > PAD && p->scroll > 0) {
        /* scrolled past the oldest item: clamp, place again */
        p->scroll = top0 - PAD >= p->scroll ? 0 : p->scroll - (top0 - PAD);
        if (place(p, view.h, &top0))
            return SP_ENOMEM;
    }
    /* fewer items than fill the view (not scrolled): start at the top */
    int shift = top0 != INT64_MIN && top0 > PAD && p->scroll == 0 ? (int)(top0 - PAD) : 0;
    if (cache_matches(p, rect, shift)) {
        for (int y = 0; y < view.h; y++)
            memcpy(view.px + (size_t)y * view.stride, p->cache->px + (size_t)y * p->cache->stride,
                   (size_t)view.w * 4);
        if (p->nvis)
            memcpy(p->vis, p->cvis, p->nvis * sizeof(*p->vis));
        p->pill = p->cache_pill;
        return 0;
    }
    p->cache_ok = false;
    p->ncimg = 0;
    canvas_fill_rect(&view, (struct canvas_rect){0, 0, view.w, view.h}, BG);
    for (size_t k = 0; k < p->nvis; k++) {
        struct vis *v = &p->vis[k];
        v->top -= shift;
        int h = item_pass(p, v->idx, w, &view, PAD, v->top, v);
        if (h < 0)
            return h;
        /* to canvas coordinates for chat_panel_hit */
        v->top += p->last.y;
        v->more_y += p->last.y;
    }
    int ret = p->scroll > 0 ? draw_pill(p, &view) : 0;
    if (!ret)
        cache_store(p, &view, rect);
    return ret;
}

bool chat_panel_hit(const struct chat_panel *p, int x, int y, struct chat_panel_hit *out)
{
    if (!p || !out || x < p->last.x || x >= p->last.x + p->last.w || y < p->last.y ||
        y >= p->last.y + p->last.h)
        return false;
    memset(out, 0, sizeof(*out));
    if (x >= p->pill.x && x < p->pill.x + p->pill.w && y >= p->pill.y &&
        y < p->pill.y + p->pill.h) {
        out->newer = true;
        return true;
    }
    for (size_t k = 0; k < p->nvis; k++) {
        const struct vis *v = &p->vis[k];
        if (y >= v->top && y < v->top + v->h) {
            out->item = v->idx;
            out->show_us = p->chat->items[v->idx].show_us;
            out->more = v->more_h > 0 && y >= v->more_y && y < v->more_y + v->more_h;
            return true;
        }
    }
    return false;
}

bool chat_panel_item_rect(const struct chat_panel *p, size_t item, struct canvas_rect *out)
{
    if (!p || !out)
        return false;
    for (size_t k = 0; k < p->nvis; k++) {
        const struct vis *v = &p->vis[k];
        if (v->idx != item)
            continue;
        int top = v->top > p->last.y ? v->top : p->last.y;
        int bot = v->top + v->h < p->last.y + p->last.h ? v->top + v->h : p->last.y + p->last.h;
        if (bot <= top)
            return false;
        *out = (struct canvas_rect){p->last.x, top, p->last.w, bot - top};
        return true;
    }
    return false;
}
