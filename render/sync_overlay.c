/* sync_overlay.c - the "i" statistics overlay (see sync_overlay.h). */
#include "render/sync_overlay.h"

#include "base/sp_error.h"
#include "render/text.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Long lane names are cut (at a UTF-8 boundary) with an ellipsis so the
 * columns stay on screen. */
#define NAME_MAX_BYTES 24

static void short_name(const char *name, char out[NAME_MAX_BYTES + 4])
{
    size_t len = strlen(name);
    if (len <= NAME_MAX_BYTES) {
        memcpy(out, name, len + 1);
        return;
    }
    size_t cut = NAME_MAX_BYTES;
    while (cut > 0 && ((unsigned char)name[cut] & 0xC0) == 0x80)
        cut--; /* do not split a multi-byte character */
    memcpy(out, name, cut);
    memcpy(out + cut, "\xe2\x80\xa6", 4); /* U+2026 and the NUL */
}

void sync_overlay_lane_line(const struct sync_lane_stats *l, char *buf, size_t n)
{
    if (!buf || n == 0)
        return;
    char skew[72], age[24], name[NAME_MAX_BYTES + 4];
    short_name(l->name ? l->name : "?", name);
    if (l->unavailable) /* the reason, cut to fit the column */
        snprintf(skew, sizeof(skew), "%.64s", l->unavailable);
    else if (!l->active)
        snprintf(skew, sizeof(skew), "%s", "no media");
    else if (!l->has_frame)
        snprintf(skew, sizeof(skew), "%s", "no frame");
    else
        snprintf(skew, sizeof(skew), "skew %+" PRId64 " ms", l->skew_us / 1000);
    if (l->anchor_age_us < 0)
        snprintf(age, sizeof(age), "%s", "-");
    else /* whole ms first, as the overlay always showed it */
        snprintf(age, sizeof(age), "%.1f s ago", (double)(l->anchor_age_us / 1000) / 1000.0);
    /* the sync correction, for the lane chosen to nudge or one corrected */
    char off[48] = "";
    if (l->selected || l->offset_us)
        snprintf(off, sizeof(off), "  offset %+.1f ms", (double)l->offset_us / 1000.0);
    snprintf(buf, n, "%s%s\t%s%s\tanchors %zu (%s)\tdrop %" PRIu64 "/%" PRIu64 "%s",
             l->selected ? "> " : "", name, skew, off, l->anchors, age, l->dropped, l->shown,
             l->buffering ? "\tBUFFERING" : "");
}

#define MAX_COLS 5

/* Splits a tab-separated line in place; returns the field count. */
static int split_tabs(char *line, char *fields[MAX_COLS])
{
    int n = 0;
    char *p = line;
    while (n < MAX_COLS) {
        fields[n++] = p;
        char *tab = strchr(p, '\t');
        if (!tab)
            break;
        *tab = '\0';
        p = tab + 1;
    }
    return n;
}

/* The font is proportional, so columns are placed at the widest field of
 * each column plus a gap rather than padded with spaces. */
static int column_widths(struct text_ctx *text, const struct sync_stats *st, size_t shown,
                         double px, double col_w[MAX_COLS])
{
    char line[256], *f[MAX_COLS];
    for (int k = 0; k < MAX_COLS; k++)
        col_w[k] = 0;
    for (size_t i = 0; i < shown; i++) {
        sync_overlay_lane_line(&st->lanes[i], line, sizeof(line));
        int nf = split_tabs(line, f);
        for (int k = 0; k < nf; k++) {
            struct text_metrics m = {0};
            int rc = text ? text_measure(text, f[k], px, 0, &m) : 0;
            if (rc < 0)
                return rc;
            if (m.width > col_w[k])
                col_w[k] = m.width;
        }
    }
    return 0;
}

int64_t sync_overlay_limit_us(const struct sync_lane_stats *l)
{
    int64_t frame_us =
        l->frame_us > 0 ? (l->frame_us + 999) / 1000 * 1000 : SYNC_OVERLAY_DEFAULT_FRAME_US;
    return frame_us + SYNC_OVERLAY_MARGIN_US;
}

bool sync_overlay_lane_warn(const struct sync_lane_stats *l)
{
    return l->buffering || (l->has_frame && llabs((long long)(l->skew_us / 1000)) * 1000 >
                                                sync_overlay_limit_us(l));
}

int sync_overlay_draw(struct text_ctx *text, struct canvas *c, const struct sync_stats *st)
{
    if (!c || !st)
        return SP_EINVAL;
    double s = c->h / 720.0;
    if (s < 0.5)
        s = 0.5;
    double px = fmax(13 * s, TEXT_READABLE_PX), lh = px * TEXT_LINE_HEIGHT;
    size_t shown = st->n_lanes < SYNC_OVERLAY_MAX_LANES ? st->n_lanes : SYNC_OVERLAY_MAX_LANES;
    size_t lines = 1 + shown + (st->n_lanes > shown) + (st->has_audio ? 1 : 0);
    char line[256];

    double col_w[MAX_COLS], gap = px;
    int rc = column_widths(text, st, shown, px, col_w);
    if (rc < 0)
        return rc;
    double w = 0;
    for (int k = 0; k < MAX_COLS; k++)
        w += col_w[k] + (col_w[k] > 0 ? gap : 0);
    if (w < 380 * s)
        w = 380 * s;
    int pad = (int)lround(8 * s);
    struct canvas_rect box = {c->w - (int)lround(w) - 2 * pad - pad, pad, (int)lround(w) + 2 * pad,
                              (int)lround(lines * lh) + 2 * pad};
    if (box.x < 0)
        box.x = 0;
    canvas_fill_rect(c, box, canvas_rgba(0, 0, 0, 185));
    if (!text)
        return 0;

    struct canvas_color white = canvas_rgba(255, 255, 255, 255);
    struct canvas_color warn = canvas_rgba(255, 171, 64, 255);
    struct canvas_color red = canvas_rgba(255, 82, 82, 255); /* media unavailable */
    double x = box.x + pad, y = box.y + pad;
    snprintf(line, sizeof(line), "t %.3f s   w(t) %" PRId64 "   speed %.4gx", st->t_us / 1000000.0,
             st->w_us / 1000, st->speed > 0 ? st->speed : 1.0);
    rc = text_draw(text, c, x, y, line, px, white, 0, NULL);
    for (size_t i = 0; rc == 0 && i < shown; i++) {
        const struct sync_lane_stats *l = &st->lanes[i];
        y += lh;
        sync_overlay_lane_line(l, line, sizeof(line));
        bool bad = sync_overlay_lane_warn(l);
        char *f[MAX_COLS];
        int nf = split_tabs(line, f);
        double cx = x;
        for (int k = 0; rc == 0 && k < nf; k++) {
            rc = text_draw(text, c, cx, y, f[k], px,
                           l->unavailable ? red
                           : bad          ? warn
                                          : white,
                           0, NULL);
            cx += col_w[k] + gap;
        }
    }
    if (rc == 0 && st->n_lanes > shown) {
        y += lh;
        snprintf(line, sizeof(line), "+%zu more lanes", st->n_lanes - shown);
        rc = text_draw(text, c, x, y, line, px, white, 0, NULL);
    }
    if (rc == 0 && st->has_audio) {
        y += lh;
        snprintf(line, sizeof(line), "audio - video %+" PRId64 " ms", st->av_diff_us / 1000);
        rc = text_draw(text, c, x, y, line, px, white, 0, NULL);
    }
    return rc;
}
