/* frame.c - what a lane's video shows: its name and the frame's true board
 * time, large, so that one screenshot of the player tells a person whether
 * the lanes, the board and the chat are in sync.
 *
 * Besides the text, a block sweeps across a ruler once per board second: in
 * a screenshot of lanes in sync, every lane's block sits at the same place.
 */
#include "mkclass.h"

#include <inttypes.h>
#include <stdio.h>

/* Days since 1970-01-01 to a civil date (proleptic Gregorian), the
 * well-known era-based algorithm; avoids gmtime's locale and TZ state. */
static void civil_from_days(int64_t z, int *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t yy = yoe + era * 400;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t dd = doy - (153 * mp + 2) / 5 + 1;
    int64_t mm = mp < 10 ? mp + 3 : mp - 9;
    *y = (int)(yy + (mm <= 2));
    *m = (int)mm;
    *d = (int)dd;
}

void mk_format_utc(int64_t board_ms, char *buf, size_t size)
{
    int64_t secs = board_ms / 1000;
    int ms = (int)(board_ms % 1000);
    int64_t days = secs / 86400;
    int sod = (int)(secs % 86400);
    int y, m, d;
    civil_from_days(days, &y, &m, &d);
    snprintf(buf, size, "%04d-%02d-%02d %02d:%02d:%02d.%03d", y, m, d, sod / 3600, sod / 60 % 60,
             sod % 60, ms);
}

static void format_play(int64_t t_ms, char *buf, size_t size)
{
    const char *sign = t_ms < 0 ? "-" : "";
    if (t_ms < 0)
        t_ms = -t_ms;
    snprintf(buf, size, "%s%02d:%02d:%02d.%03d", sign, (int)(t_ms / 3600000),
             (int)(t_ms / 60000 % 60), (int)(t_ms / 1000 % 60), (int)(t_ms % 1000));
}

void mk_frame_draw(const struct mk_plan *p, const struct mk_segment *s, int frame_index,
                   struct mk_yuv *img)
{
    const struct mk_lane *l = &p->lanes[s->lane];
    int w = img->width, h = img->height;
    int fps = p->opt.fps;
    /* Board time of this frame; whole ms (frames at whole seconds are exact). */
    int64_t board = s->first_board_ms + (int64_t)frame_index * 1000 / fps;
    bool light = l->bg_y > 128;
    struct mk_color bg = {l->bg_y, l->bg_u, l->bg_v};
    struct mk_color ink = light ? mk_rgb(20, 20, 30) : mk_rgb(250, 250, 250);
    struct mk_color accent = light ? mk_rgb(200, 40, 40) : mk_rgb(255, 210, 60);
    mk_fill_rect(img, 0, 0, w, h, bg);

    int sc = h / 120 > 0 ? h / 120 : 1;
    int margin = 2 * sc;
    int line = (MK_GLYPH_H + 2) * sc;
    int y = margin;

    /* Lane name: double size when it fits. */
    int name_sc = 2 * sc;
    if (mk_text_width(l->label, name_sc) > w - 2 * margin)
        name_sc = sc;
    mk_draw_text(img, margin, y, name_sc, l->label, accent);
    y += (MK_GLYPH_H + 2) * name_sc;

    char text[96], tbuf[48];
    mk_format_utc(board, tbuf, sizeof tbuf);
    snprintf(text, sizeof text, "BOARD %s UTC", tbuf);
    if (mk_text_width(text, sc) > w - 2 * margin)
        snprintf(text, sizeof text, "%s", tbuf + 11); /* time of day only */
    mk_draw_text(img, margin, y, sc, text, ink);
    y += line;
    snprintf(text, sizeof text, "MS %" PRId64, board);
    mk_draw_text(img, margin, y, sc, text, ink);
    y += line;
    format_play(mk_plan_play(p, board), tbuf, sizeof tbuf);
    snprintf(text, sizeof text, "T %s", tbuf);
    mk_draw_text(img, margin, y, sc, text, ink);
    y += line;
    snprintf(text, sizeof text, "SEG %d F %d %s", s->index_in_lane, frame_index,
             l->video_type == 1 ? "SCREEN" : "CAMERA");
    mk_draw_text(img, margin, y, sc, text, ink);
    y += line;

    if (l->video_type == 1) {
        /* A shared "document": a few grey text lines under the labels. */
        struct mk_color grey = mk_rgb(170, 170, 160);
        for (int i = 0; i < 4 && y + 3 * sc < h - 10 * sc; i++) {
            mk_fill_rect(img, margin, y + sc, (w - 2 * margin) * (9 - i) / 10, 2 * sc, grey);
            y += 4 * sc;
        }
    }

    /* Ruler with ten ticks, one sweep per board second. */
    int bar_h = 6 * sc;
    int ruler_y = h - bar_h - margin;
    struct mk_color track = light ? mk_rgb(190, 190, 180) : mk_rgb(10, 10, 20);
    mk_fill_rect(img, margin, ruler_y, w - 2 * margin, bar_h, track);
    for (int i = 0; i <= 10; i++) {
        int tx = margin + (w - 2 * margin - sc) * i / 10;
        mk_fill_rect(img, tx, ruler_y - 2 * sc, sc, 2 * sc, ink);
    }
    int block_w = 4 * sc;
    int span = w - 2 * margin - block_w;
    int bx = margin + (int)((board % 1000) * span / 1000);
    mk_fill_rect(img, bx, ruler_y, block_w, bar_h, accent);
}
