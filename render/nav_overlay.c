/* nav_overlay.c - chapter ticks, search marks, hover thumbnail, lane
 * numbers, chapter list and search field (see nav_overlay.h). */
#include "render/nav_overlay.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/sp_error.h"
#include "render/text.h"

static int iround(double v)
{
    return (int)lround(v);
}

static int imax(int a, int b)
{
    return a > b ? a : b;
}

static struct canvas_color fade(struct canvas_color c, double alpha)
{
    alpha = alpha < 0 ? 0 : alpha > 1 ? 1 : alpha;
    c.a = (uint8_t)lround(c.a * alpha);
    return c;
}

static int64_t us_to_ms(int64_t us)
{
    return us >= 0 ? us / 1000 : -((-us + 999) / 1000);
}

static int draw_text(struct text_ctx *t, struct canvas *c, double x, double y, const char *s,
                     double px, struct canvas_color col, double max_w, double *width)
{
    struct text_metrics m = {0};
    int rc = t ? text_draw(t, c, x, y, s, px, col, max_w, &m) : 0;
    if (width)
        *width = m.width;
    return rc;
}

static int measure(struct text_ctx *t, const char *s, double px, double *width)
{
    struct text_metrics m = {0};
    int rc = t ? text_measure(t, s, px, 0, &m) : 0;
    *width = m.width;
    return rc;
}

static void frame_rect(struct canvas *c, struct canvas_rect r, int th, struct canvas_color col)
{
    canvas_fill_rect(c, (struct canvas_rect){r.x - th, r.y - th, r.w + 2 * th, th}, col);
    canvas_fill_rect(c, (struct canvas_rect){r.x - th, r.y + r.h, r.w + 2 * th, th}, col);
    canvas_fill_rect(c, (struct canvas_rect){r.x - th, r.y, th, r.h}, col);
    canvas_fill_rect(c, (struct canvas_rect){r.x + r.w, r.y, th, r.h}, col);
}

/* ---- the seek bar ------------------------------------------------------------ */

void nav_bar_marks_draw(struct canvas *c, const struct nav_bar_marks *m)
{
    if (!c || !m || m->alpha <= 0 || m->duration_us <= 0)
        return;
    struct osd_geom g;
    osd_geometry(c->w, c->h, &g);
    int64_t dur = us_to_ms(m->duration_us);
    if (dur <= 0)
        return;
    double s = g.scale;
    /* chapters: a thin white tick through the bar, standing above it (the
     * pause markers, yellow, stand out on both sides) */
    int tw = imax(1, iround(1.5 * s)), up = iround(6 * s);
    size_t nc = m->n_chapters < NAV_OVERLAY_MAX_MARKS ? m->n_chapters : NAV_OVERLAY_MAX_MARKS;
    for (size_t i = 0; m->chapters && i < nc; i++) {
        int x = osd_bar_x_of(&g, m->duration_us, m->chapters[i].t_us);
        canvas_fill_rect(c, (struct canvas_rect){x - tw / 2, g.bar.y - up, tw, g.bar.h + up},
                         fade(canvas_rgba(255, 255, 255, 230), m->alpha));
    }
    /* search hits: green marks under the bar, the current one taller */
    int hw = imax(2, iround(3 * s)), hh = imax(2, iround(4 * s));
    size_t nh = m->n_hits < NAV_OVERLAY_MAX_MARKS ? m->n_hits : NAV_OVERLAY_MAX_MARKS;
    for (size_t i = 0; m->hits && i < nh; i++) {
        bool cur = (long)i == m->hit;
        int x = osd_bar_x_of(&g, m->duration_us, m->hits[i].t_us);
        struct canvas_color col =
            cur ? canvas_rgba(170, 255, 120, 255) : canvas_rgba(76, 200, 80, 230);
        canvas_fill_rect(c,
                         (struct canvas_rect){x - hw / 2, g.bar.y + g.bar.h, hw, cur ? 2 * hh : hh},
                         fade(col, m->alpha));
    }
}

/* ---- the hover thumbnail ------------------------------------------------------- */

struct canvas_rect nav_thumb_rect(const struct osd_geom *g, int64_t duration_us, int hover_x, int w,
                                  int h)
{
    int x = us_to_ms(duration_us) > 0
                ? osd_bar_x_of(g, duration_us, osd_bar_time_at(g, duration_us, hover_x))
                : hover_x;
    /* the OSD's time label sits 12 px (at 720p) above the bar, one text line
     * plus 5 px high (render/osd.c); the thumbnail stands 6 px above it */
    double s = g->scale;
    int label_h = iround(g->text_px * 0.9 * TEXT_LINE_HEIGHT) + iround(5 * s);
    int bottom = g->bar.y - iround(12 * s) - label_h - iround(6 * s);
    struct canvas_rect r = {x - w / 2, bottom - h, w, h};
    int margin = imax(2, iround(2 * s));
    if (r.x < margin)
        r.x = margin;
    if (r.x + r.w > g->canvas_w - margin)
        r.x = g->canvas_w - margin - r.w;
    if (r.y < margin)
        r.y = margin;
    return r;
}

void nav_thumb_draw(struct canvas *c, struct canvas_rect r, const struct canvas *thumb,
                    double alpha)
{
    if (!c || !thumb || alpha <= 0 || r.w != thumb->w || r.h != thumb->h)
        return;
    uint8_t a = (uint8_t)lround((alpha > 1 ? 1 : alpha) * 255);
    for (int y = 0; y < r.h; y++) {
        int dy = r.y + y;
        if (dy < 0 || dy >= c->h)
            continue;
        int x0 = r.x < 0 ? -r.x : 0;
        int x1 = r.x + r.w > c->w ? c->w - r.x : r.w;
        if (x1 <= x0)
            continue;
        canvas_blend_premul_row(c, r.x + x0, dy, x1 - x0,
                                thumb->px + (size_t)y * (size_t)thumb->stride + (size_t)x0 * 4, a);
    }
    frame_rect(c, r, 2, fade(canvas_rgba(255, 255, 255, 220), alpha));
}

/* ---- lanes ---------------------------------------------------------------------- */

int nav_lane_numbers_draw(struct text_ctx *t, struct canvas *c, const struct nav_lane_tile *tiles,
                          size_t n_tiles, const bool *muted, size_t n_lanes, double alpha)
{
    if (!c || !tiles || alpha <= 0)
        return 0;
    for (size_t i = 0; i < n_tiles; i++) {
        const struct nav_lane_tile *tl = &tiles[i];
        if (tl->lane < 0 || tl->lane >= 8 || tl->r.w < 8 || tl->r.h < 8)
            continue;
        bool off = muted && (size_t)tl->lane < n_lanes && muted[tl->lane];
        double px = tl->r.h / 8.0;
        px = px < 12 ? 12 : px > 28 ? 28 : px;
        int side = iround(px * 1.5);
        struct canvas_rect b = {tl->r.x + 4, tl->r.y + 4, side, side};
        canvas_fill_rect(
            c, b, fade(off ? canvas_rgba(150, 30, 30, 210) : canvas_rgba(0, 0, 0, 170), alpha));
        char num[12]; /* any int */
        snprintf(num, sizeof(num), "%d", tl->lane + 1);
        double w = 0;
        int rc = measure(t, num, px, &w);
        if (rc == 0)
            rc = draw_text(t, c, b.x + (side - w) / 2.0, b.y + (side - px * TEXT_LINE_HEIGHT) / 2.0,
                           num, px, fade(canvas_rgba(255, 255, 255, 255), alpha), 0, NULL);
        if (rc < 0)
            return rc;
        if (off) /* crossed out: not heard */
            for (int k = 0; k < side; k++)
                canvas_fill_rect(c, (struct canvas_rect){b.x + k, b.y + side - 1 - k, 2, 2},
                                 fade(canvas_rgba(255, 90, 90, 255), alpha));
    }
    return 0;
}

int nav_lane_states_draw(struct text_ctx *t, struct canvas *c, const struct osd_row *row,
                         const char *const *names, const bool *muted, size_t n_lanes, double alpha)
{
    if (!c || !row || alpha <= 0 || n_lanes == 0)
        return 0;
    struct osd_geom g;
    osd_geometry(c->w, c->h, &g);
    /* a little smaller than the row's text, centred on its line; a gap of
     * two spaces from the texts either side */
    double px = fmax(g.text_px * 0.8, TEXT_READABLE_PX), gap = px * 1.6;
    double x = row->x1 - gap, x_min = row->x0 + gap;
    double y = row->y + (row->h - TEXT_LINE_HEIGHT * px) / 2;
    size_t n = n_lanes < 8 ? n_lanes : 8;
    /* right to left, so the row ends before the speed and volume */
    for (size_t k = n; k-- > 0;) {
        bool off = muted && muted[k];
        char item[96];
        snprintf(item, sizeof(item), "%zu %.20s%s", k + 1, names && names[k] ? names[k] : "",
                 off ? " (muted)" : "");
        double w = 0;
        int rc = measure(t, item, px, &w);
        if (rc < 0)
            return rc;
        x -= w;
        if (x < x_min)
            break;
        struct canvas_color col =
            off ? canvas_rgba(255, 120, 120, 255) : canvas_rgba(200, 230, 200, 255);
        rc = draw_text(t, c, x, y, item, px, fade(col, alpha), 0, NULL);
        if (rc < 0)
            return rc;
        x -= px * 1.2;
    }
    return 0;
}

/* ---- the chapter list ------------------------------------------------------------- */

void nav_list_geometry(int w, int h, size_t n, size_t selected, struct nav_list_geom *g)
{
    memset(g, 0, sizeof(*g));
    struct osd_geom og;
    osd_geometry(w, h, &og);
    double s = og.scale;
    g->text_px = og.text_px;
    g->row_h = imax(8, iround(og.text_px * 1.7));
    int top = iround(56 * s), bottom = og.panel.y - iround(10 * s);
    int bw = w / 2 > iround(520 * s) ? iround(520 * s) : w / 2;
    int title_h = g->row_h;
    int avail = bottom - top - title_h - iround(8 * s);
    size_t fit = avail > 0 ? (size_t)(avail / g->row_h) : 0;
    if (fit == 0)
        fit = 1;
    g->rows = n < fit ? n : fit;
    /* keep the selected row shown, a little below the top when possible */
    if (selected >= n)
        selected = n ? n - 1 : 0;
    g->first = selected + 1 > g->rows ? selected + 1 - g->rows : 0;
    int bh = title_h + (int)g->rows * g->row_h + iround(8 * s);
    g->box = (struct canvas_rect){iround(16 * s), top, bw, bh};
    g->rows_y = top + title_h + iround(4 * s);
}

long nav_list_row_at(const struct nav_list_geom *g, int x, int y)
{
    if (!g || x < g->box.x || x >= g->box.x + g->box.w || y < g->rows_y || g->row_h <= 0)
        return -1;
    size_t r = (size_t)((y - g->rows_y) / g->row_h);
    if (r >= g->rows)
        return -1;
    return (long)(g->first + r);
}

int nav_list_draw(struct text_ctx *t, struct canvas *c, const struct nav_chapter *chapters,
                  size_t n, size_t selected, long current)
{
    if (!c)
        return SP_EINVAL;
    struct nav_list_geom g;
    nav_list_geometry(c->w, c->h, n, selected, &g);
    double pad = g.text_px * 0.5;
    canvas_fill_rect(c, g.box, canvas_rgba(0, 0, 0, 200));
    char line[NAV_TITLE_BYTES + 48];
    snprintf(line, sizeof(line), "Chapters (%zu)   Enter: go   Esc: close", n);
    int rc = draw_text(t, c, g.box.x + pad, g.box.y + (g.row_h - g.text_px * TEXT_LINE_HEIGHT) / 2,
                       line, fmax(g.text_px * 0.9, TEXT_READABLE_PX),
                       canvas_rgba(190, 190, 190, 255), 0, NULL);
    for (size_t r = 0; rc == 0 && chapters && r < g.rows; r++) {
        size_t i = g.first + r;
        int y = g.rows_y + (int)r * g.row_h;
        if (i == selected)
            canvas_fill_rect(c, (struct canvas_rect){g.box.x, y, g.box.w, g.row_h},
                             canvas_rgba(66, 165, 245, 200));
        if ((long)i == current)
            canvas_fill_rect(c, (struct canvas_rect){g.box.x, y, imax(3, iround(pad / 2)), g.row_h},
                             canvas_rgba(255, 202, 40, 255));
        char tbuf[32];
        osd_format_time_us(chapters[i].t_us, tbuf, sizeof(tbuf));
        snprintf(line, sizeof(line), "%s  %s", tbuf, chapters[i].title);
        rc = draw_text(t, c, g.box.x + pad * 1.5, y + (g.row_h - g.text_px * TEXT_LINE_HEIGHT) / 2,
                       line, g.text_px, canvas_rgba(255, 255, 255, 255), 0, NULL);
    }
    return rc;
}

/* ---- the chat search field ------------------------------------------------------------ */

struct canvas_rect nav_search_field_rect(int w, int h, struct canvas_rect chat)
{
    struct osd_geom og;
    osd_geometry(w, h, &og);
    int fh = iround(og.text_px * 2.0);
    if (chat.w > 0 && chat.h > fh)
        return (struct canvas_rect){chat.x + 4, chat.y + 4, chat.w - 8, fh};
    int fw = w / 3 > iround(360 * og.scale) ? w / 3 : iround(360 * og.scale);
    return (struct canvas_rect){iround(16 * og.scale), iround(16 * og.scale), fw, fh};
}

int nav_search_draw(struct text_ctx *t, struct canvas *c, const struct nav_search_view *v)
{
    if (!c || !v)
        return SP_EINVAL;
    struct osd_geom og;
    osd_geometry(c->w, c->h, &og);
    if (v->hit_rect.w > 0 && v->hit_rect.h > 0) { /* the hit gone to: framed in green */
        struct canvas_rect r = {v->hit_rect.x + 2, v->hit_rect.y + 2, v->hit_rect.w - 4,
                                v->hit_rect.h - 4};
        canvas_fill_rect(c, r, canvas_rgba(120, 230, 120, 40));
        frame_rect(c, r, 2, canvas_rgba(120, 230, 120, 255));
    }
    struct canvas_rect f = nav_search_field_rect(c->w, c->h, v->chat);
    canvas_fill_rect(c, f, canvas_rgba(20, 20, 20, 235));
    frame_rect(c, f, 1,
               v->editing ? canvas_rgba(66, 165, 245, 255) : canvas_rgba(120, 120, 120, 255));
    double px = og.text_px, pad = px * 0.4;
    double ty = f.y + (f.h - px * TEXT_LINE_HEIGHT) / 2;
    char count[48];
    if (!v->query || !v->query[0])
        snprintf(count, sizeof(count), "type to search");
    else if (v->hits <= 0)
        snprintf(count, sizeof(count), "no match");
    else if (v->hit < 0)
        snprintf(count, sizeof(count), "%d hits", v->hits);
    else
        snprintf(count, sizeof(count), "%d of %d", v->hit + 1, v->hits);
    double cw = 0, cpx = fmax(px * 0.85, TEXT_READABLE_PX);
    int rc = measure(t, count, cpx, &cw);
    if (rc == 0)
        rc = draw_text(t, c, f.x + f.w - pad - cw, ty + px * 0.1, count, cpx,
                       canvas_rgba(170, 170, 170, 255), 0, NULL);
    double qw = 0;
    double room = f.w - 3 * pad - cw - px * 1.2;
    if (rc == 0) /* the magnifier stands for the field's purpose */
        rc = draw_text(t, c, f.x + pad, ty, "/", px, canvas_rgba(66, 165, 245, 255), 0, NULL);
    if (rc == 0 && v->query && v->query[0] && room > 0)
        rc = draw_text(t, c, f.x + pad + px * 0.9, ty, v->query, px,
                       canvas_rgba(255, 255, 255, 255), 0, &qw);
    if (rc == 0 && v->editing) { /* the caret after the text */
        int cx = iround(f.x + pad + px * 0.9 + (qw < room ? qw : room) + 1);
        canvas_fill_rect(c,
                         (struct canvas_rect){cx, iround(ty), imax(1, iround(og.scale * 2)),
                                              iround(px * TEXT_LINE_HEIGHT)},
                         canvas_rgba(255, 255, 255, 255));
    }
    return rc;
}
