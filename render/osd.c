/* osd.c - the on-screen display (see osd.h). */
#include "render/osd.h"
#include "render/timefmt.h"

#include "base/sp_error.h"
#include "base/sp_time.h"
#include "render/text.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static int iround(double v)
{
    return (int)lround(v);
}

static int imax(int a, int b)
{
    return a > b ? a : b;
}

void osd_geometry(int w, int h, struct osd_geom *g)
{
    memset(g, 0, sizeof(*g));
    if (w < 1)
        w = 1;
    if (h < 1)
        h = 1;
    double s = h / 720.0;
    if (s < 0.5)
        s = 0.5;
    if (s > 4)
        s = 4;
    g->canvas_w = w;
    g->canvas_h = h;
    g->scale = s;
    int panel_h = iround(84 * s);
    if (panel_h > h)
        panel_h = h;
    g->panel = (struct canvas_rect){0, h - panel_h, w, panel_h};
    int margin = iround(16 * s);
    if (2 * margin + 2 > w)
        margin = imax(0, (w - 2) / 2);
    g->bar.x = margin;
    g->bar.w = imax(2, w - 2 * margin);
    g->bar.y = g->panel.y + iround(14 * s);
    g->bar.h = imax(2, iround(6 * s));
    g->strip_y = g->bar.y + g->bar.h + imax(1, iround(3 * s));
    g->strip_h = imax(1, iround(2 * s));
    g->strip_gap = imax(1, iround(1 * s));
    int strips_end = g->strip_y + OSD_MAX_LANE_STRIPS * (g->strip_h + g->strip_gap);
    /* Clicks a little above the bar and on the strips seek too: a 6 px bar
     * is a small target. */
    g->hit.x = g->bar.x;
    g->hit.w = g->bar.w;
    g->hit.y = g->bar.y - iround(10 * s);
    g->hit.h = strips_end - g->hit.y;
    g->text_px = fmax(16 * s, TEXT_READABLE_PX);
    g->text_y = g->panel.y + panel_h - iround(30 * s);
    int btn = iround(20 * s);
    g->button = (struct canvas_rect){margin, g->text_y, btn, btn};
}

/* The bar's maps work in whole ms: µs rounded down (below 0 too: sp_floor_ms()). */
int64_t osd_bar_time_at(const struct osd_geom *g, int64_t duration_us, int x)
{
    int64_t duration_ms = sp_floor_ms(duration_us);
    if (duration_ms <= 0)
        return 0;
    int64_t dx = (int64_t)x - g->bar.x;
    int64_t span = g->bar.w - 1; /* columns from t = 0 to t = duration */
    if (dx <= 0)
        return 0;
    if (dx >= span)
        return duration_ms * 1000;
    /* round to nearest without floating point: exact at both ends */
    return (dx * duration_ms + span / 2) / span * 1000;
}

int osd_bar_x_of(const struct osd_geom *g, int64_t duration_us, int64_t t_us)
{
    int64_t duration_ms = sp_floor_ms(duration_us), t_ms = sp_floor_ms(t_us);
    if (duration_ms <= 0 || t_ms <= 0)
        return g->bar.x;
    if (t_ms >= duration_ms)
        return g->bar.x + g->bar.w - 1;
    int64_t span = g->bar.w - 1;
    return g->bar.x + (int)((t_ms * span + duration_ms / 2) / duration_ms);
}

static bool in_rect(struct canvas_rect r, int x, int y)
{
    return x >= r.x && x < r.x + r.w && y >= r.y && y < r.y + r.h;
}

bool osd_bar_hit(const struct osd_geom *g, int64_t duration_us, int x, int y, int64_t *t_us)
{
    if (!in_rect(g->hit, x, y))
        return false;
    if (t_us)
        *t_us = osd_bar_time_at(g, duration_us, x);
    return true;
}

bool osd_button_hit(const struct osd_geom *g, int x, int y)
{
    return in_rect(g->button, x, y);
}

void osd_format_time_us(int64_t t_us, char *buf, size_t n)
{
    timefmt_clock_us(t_us < 0 ? 0 : t_us, buf, n);
}

/* ---- drawing ------------------------------------------------------------ */

static struct canvas_color fade(struct canvas_color c, double alpha)
{
    c.a = (uint8_t)lround(c.a * alpha);
    return c;
}

/* Fills the bar columns covering [a, b) of playback time. */
static void fill_span(struct canvas *c, const struct osd_geom *g, int64_t dur, int64_t a, int64_t b,
                      int y, int h, struct canvas_color col)
{
    if (b <= a || dur <= 0)
        return;
    int xa = osd_bar_x_of(g, dur, a), xb = osd_bar_x_of(g, dur, b);
    canvas_fill_rect(c, (struct canvas_rect){xa, y, imax(1, xb - xa), h}, col);
}

static void fill_disc(struct canvas *c, int cx, int cy, int r, struct canvas_color col)
{
    for (int dy = -r; dy <= r; dy++) {
        int y = cy + dy;
        if (y < 0 || y >= c->h)
            continue;
        int half = (int)floor(sqrt((double)r * r - (double)dy * dy) + 0.5);
        int x0 = cx - half, x1 = cx + half + 1;
        if (x0 < 0)
            x0 = 0;
        if (x1 > c->w)
            x1 = c->w;
        if (x1 > x0)
            canvas_blend_span(c, x0, y, x1 - x0, 255, col);
    }
}

/* Play triangle (pointing right) or pause bars inside r. */
static void draw_button(struct canvas *c, struct canvas_rect r, bool paused,
                        struct canvas_color col)
{
    if (paused) {
        /* the action a click performs: play */
        for (int dy = 0; dy < r.h; dy++) {
            double f = 1.0 - fabs((dy + 0.5) - r.h / 2.0) / (r.h / 2.0);
            int len = iround(f * r.w * 0.9);
            struct canvas_rect row =
                canvas_clip_rect(c, (struct canvas_rect){r.x, r.y + dy, len, 1});
            if (row.w > 0 && row.h > 0)
                canvas_blend_span(c, row.x, row.y, row.w, 255, col);
        }
    } else {
        int bw = imax(1, r.w / 3);
        canvas_fill_rect(c, (struct canvas_rect){r.x, r.y, bw, r.h}, col);
        canvas_fill_rect(c, (struct canvas_rect){r.x + r.w - bw, r.y, bw, r.h}, col);
    }
}

static int draw_text(struct text_ctx *t, struct canvas *c, double x, double y, const char *s,
                     double px, struct canvas_color col, double *width)
{
    struct text_metrics m = {0};
    int rc = t ? text_draw(t, c, x, y, s, px, col, 0, &m) : 0;
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

/* A text line on a dark rounded-off box: messages and the buffering sign. */
static int draw_boxed(struct text_ctx *t, struct canvas *c, double x, double y, const char *s,
                      double px, double alpha, bool center)
{
    double w = 0;
    int rc = measure(t, s, px, &w);
    if (rc < 0)
        return rc;
    int pad = iround(px * 0.4);
    if (center)
        x -= (w + 2 * pad) / 2;
    struct canvas_rect box = {iround(x), iround(y), iround(w) + 2 * pad,
                              iround(px * TEXT_LINE_HEIGHT) + pad};
    canvas_fill_rect(c, box, fade(canvas_rgba(0, 0, 0, 170), alpha));
    return draw_text(t, c, box.x + pad, box.y + pad / 2.0, s, px,
                     fade(canvas_rgba(255, 255, 255, 255), alpha), NULL);
}

/* The text row's two texts, as draw_panel() draws them. */
static void left_text(const struct osd_state *st, char *line, size_t n)
{
    int64_t dur = st->duration_us;
    int64_t now = st->t_us < 0 ? 0 : (dur > 0 && st->t_us > dur ? dur : st->t_us);
    char tbuf[32], dbuf[32];
    osd_format_time_us(now, tbuf, sizeof(tbuf));
    osd_format_time_us(dur, dbuf, sizeof(dbuf));
    snprintf(line, n, "%s / %s", tbuf, dbuf);
}

static void right_text(const struct osd_state *st, char *right, size_t n)
{
    if (st->muted)
        snprintf(right, n, "%.4gx   muted", st->speed > 0 ? st->speed : 1.0);
    else
        snprintf(right, n, "%.4gx   vol %d%%", st->speed > 0 ? st->speed : 1.0, st->volume);
}

int osd_text_row_free(struct text_ctx *t, int w, int h, const struct osd_state *st,
                      struct osd_row *out)
{
    memset(out, 0, sizeof(*out));
    if (!st)
        return SP_EINVAL;
    struct osd_geom g;
    osd_geometry(w, h, &g);
    double s = g.scale, lw = 0, ww = 0, rw = 0;
    char line[96], right[64];
    left_text(st, line, sizeof(line));
    right_text(st, right, sizeof(right));
    int rc = measure(t, line, g.text_px, &lw);
    if (rc == 0 && st->wall_clock && st->wall_clock[0])
        rc = measure(t, st->wall_clock, g.text_px, &ww);
    if (rc == 0)
        rc = measure(t, right, g.text_px, &rw);
    if (rc < 0)
        return rc;
    /* the gaps draw_panel() leaves: 12 after the button, 20 before the clock */
    out->x0 = g.button.x + g.button.w + 12 * s + lw + (ww > 0 ? 20 * s + ww : 0);
    out->x1 = g.bar.x + g.bar.w - rw;
    out->y = g.text_y - 1 * s;
    out->h = g.text_px * TEXT_LINE_HEIGHT;
    return 0;
}

static int draw_panel(struct text_ctx *t, struct canvas *c, const struct osd_geom *g,
                      const struct osd_state *st)
{
    double a = st->alpha > 1 ? 1 : st->alpha;
    int64_t dur = st->duration_us;
    int64_t now = st->t_us < 0 ? 0 : (dur > 0 && st->t_us > dur ? dur : st->t_us);
    double s = g->scale;

    canvas_fill_rect(c, g->panel, fade(canvas_rgba(0, 0, 0, 150), a));
    /* track, buffered, played */
    canvas_fill_rect(c, g->bar, fade(canvas_rgba(255, 255, 255, 56), a));
    size_t nb = st->n_buffered < OSD_MAX_RANGES ? st->n_buffered : OSD_MAX_RANGES;
    for (size_t i = 0; st->buffered && i < nb; i++)
        fill_span(c, g, dur, st->buffered[i].start_us, st->buffered[i].end_us, g->bar.y, g->bar.h,
                  fade(canvas_rgba(255, 255, 255, 110), a));
    fill_span(c, g, dur, 0, now, g->bar.y, g->bar.h, fade(canvas_rgba(66, 165, 245, 255), a));

    /* lane strips: where each lane has media */
    static const struct canvas_color lane_cols[OSD_MAX_LANE_STRIPS] = {
        {129, 199, 132, 255}, {255, 183, 77, 255},  {186, 104, 200, 255}, {77, 208, 225, 255},
        {240, 98, 146, 255},  {174, 213, 129, 255}, {255, 241, 118, 255}, {144, 164, 174, 255}};
    size_t nl = st->n_lanes < OSD_MAX_LANE_STRIPS ? st->n_lanes : OSD_MAX_LANE_STRIPS;
    for (size_t l = 0; st->lanes && l < nl; l++) {
        const struct osd_lane *ln = &st->lanes[l];
        int y = g->strip_y + (int)l * (g->strip_h + g->strip_gap);
        size_t nc = ln->n_cover < OSD_MAX_RANGES ? ln->n_cover : OSD_MAX_RANGES;
        for (size_t i = 0; ln->cover && i < nc; i++)
            fill_span(c, g, dur, ln->cover[i].start_us, ln->cover[i].end_us, y, g->strip_h,
                      fade(lane_cols[l], a * 0.85));
    }

    /* pause markers: the class stopped here; a point on the playback bar */
    size_t np = st->n_pauses < OSD_MAX_MARKERS ? st->n_pauses : OSD_MAX_MARKERS;
    int mw = imax(2, iround(2 * s)), mext = iround(4 * s);
    for (size_t i = 0; st->pauses_us && i < np && dur > 0; i++) {
        int x = osd_bar_x_of(g, dur, st->pauses_us[i]);
        canvas_fill_rect(c,
                         (struct canvas_rect){x - mw / 2, g->bar.y - mext, mw, g->bar.h + 2 * mext},
                         fade(canvas_rgba(255, 202, 40, 255), a));
    }

    /* play head */
    if (dur > 0)
        fill_disc(c, osd_bar_x_of(g, dur, now), g->bar.y + g->bar.h / 2, imax(2, iround(7 * s)),
                  fade(canvas_rgba(255, 255, 255, 255), a));

    draw_button(c, g->button, st->paused, fade(canvas_rgba(255, 255, 255, 255), a));

    /* text row: "12:34 / 40:00   2023-11-14 22:13:20" ... "1.25x  vol 80%" */
    struct canvas_color white = fade(canvas_rgba(255, 255, 255, 255), a);
    struct canvas_color grey = fade(canvas_rgba(200, 200, 200, 255), a);
    char tbuf[32], line[96];
    left_text(st, line, sizeof(line));
    double x = g->button.x + g->button.w + 12 * s, w = 0;
    double ty = g->text_y - 1 * s;
    int rc = draw_text(t, c, x, ty, line, g->text_px, white, &w);
    if (rc < 0)
        return rc;
    if (st->wall_clock && st->wall_clock[0]) {
        rc = draw_text(t, c, x + w + 20 * s, ty, st->wall_clock, g->text_px, grey, NULL);
        if (rc < 0)
            return rc;
    }
    char right[64];
    right_text(st, right, sizeof(right));
    rc = measure(t, right, g->text_px, &w);
    if (rc < 0)
        return rc;
    rc = draw_text(t, c, g->bar.x + g->bar.w - w, ty, right, g->text_px, white, NULL);
    if (rc < 0)
        return rc;

    /* hover tooltip: the time under the mouse, above the bar */
    if (st->hover && dur > 0) {
        int64_t ht = osd_bar_time_at(g, dur, st->hover_x);
        osd_format_time_us(ht, tbuf, sizeof(tbuf));
        double px = fmax(g->text_px * 0.9, TEXT_READABLE_PX), tw = 0;
        rc = measure(t, tbuf, px, &tw);
        if (rc < 0)
            return rc;
        int pad = iround(5 * s);
        int bw = iround(tw) + 2 * pad, bh = iround(px * TEXT_LINE_HEIGHT) + pad;
        int bx = osd_bar_x_of(g, dur, ht) - bw / 2;
        if (bx < 0)
            bx = 0;
        if (bx + bw > c->w)
            bx = c->w - bw;
        int by = g->bar.y - iround(12 * s) - bh;
        canvas_fill_rect(c, (struct canvas_rect){bx, by, bw, bh},
                         fade(canvas_rgba(20, 20, 20, 230), a));
        canvas_fill_rect(c, (struct canvas_rect){osd_bar_x_of(g, dur, ht), g->bar.y, 1, g->bar.h},
                         fade(canvas_rgba(255, 255, 255, 200), a));
        rc = draw_text(t, c, bx + pad, by + pad / 2.0, tbuf, px, white, NULL);
        if (rc < 0)
            return rc;
    }
    return 0;
}

int osd_draw(struct text_ctx *text, struct canvas *c, const struct osd_state *st)
{
    if (!c || !st)
        return SP_EINVAL;
    struct osd_geom g;
    osd_geometry(c->w, c->h, &g);
    int rc = 0;
    if (st->alpha > 0)
        rc = draw_panel(text, c, &g, st);
    if (rc < 0)
        return rc;
    /* Messages and the buffering sign show even with the bar hidden. */
    if (st->message && st->message[0]) {
        rc = draw_boxed(text, c, 16 * g.scale, 16 * g.scale, st->message, g.text_px * 1.1, 1.0,
                        false);
        if (rc < 0)
            return rc;
    }
    if (st->loading && st->loading[0]) {
        rc = draw_boxed(text, c, 16 * g.scale, g.panel.y - g.text_px * 2.6, st->loading, g.text_px,
                        1.0, false);
        if (rc < 0)
            return rc;
    }
    if (st->buffering)
        rc = draw_boxed(text, c, c->w / 2.0, c->h / 2.0 - g.text_px, "Buffering\xe2\x80\xa6",
                        g.text_px * 1.25, 1.0, true);
    return rc;
}
