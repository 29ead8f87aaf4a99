/* osd.h - the on-screen display: seek bar, times, speed, volume, buffering.
 *
 * The OSD is drawn onto a canvas from a plain struct of what to show
 * (struct osd_state); it keeps no state of its own, so the window loop, a
 * headless frame render and the tests draw the same pixels from the same
 * numbers. Where things go is a pure function of the canvas size
 * (osd_geometry()), which is also what turns a mouse position into a time
 * (osd_bar_time_at()), so a click lands exactly where the bar was drawn.
 *
 * The seek bar is linear in playback time t (pauses are cut out of t, so a
 * pause is a point on the bar: a marker). Pixel column x0 is t = 0 and
 * column x0 + w - 1 is t = duration; in between, t = (x - x0) * duration /
 * (w - 1) rounded to the nearest ms, and a time t is drawn at the column
 * nearest to it, so the two maps invert each other to within half a column.
 * Both maps work in whole ms (times are floored to ms first): a column is
 * far coarser, and the pixels stay those drawn when the OSD spoke ms.
 *
 * Under the bar, one thin strip per lane (at most OSD_MAX_LANE_STRIPS)
 * shows where that lane has media. Buffered ranges are a lighter band in
 * the bar; the played part is the accent color.
 *
 * Times in µs of playback time unless said otherwise (shown as clock text,
 * osd_format_time_us()).
 */
#ifndef SP_RENDER_OSD_H
#define SP_RENDER_OSD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "render/canvas.h"

struct text_ctx;

#define OSD_MAX_LANE_STRIPS 8 /* lanes drawn under the bar; more are left out */
#define OSD_MAX_MARKERS 1000  /* pause markers drawn; more are left out */
#define OSD_MAX_RANGES 10000  /* intervals drawn per list; more are left out */

/* A half-open interval [start_us, end_us) of playback time. */
struct osd_range {
    int64_t start_us, end_us;
};

/* One lane's media coverage for the strips under the bar. */
struct osd_lane {
    const char *name;              /* lane name (not drawn today; for tooltips) */
    const struct osd_range *cover; /* where it has media, any order */
    size_t n_cover;
};

/* Everything the OSD shows. Pointers are borrowed for the call. */
struct osd_state {
    int64_t duration_us; /* > 0; 0 or less draws an empty bar */
    int64_t t_us;        /* current position, clamped for drawing */
    bool paused;
    double speed; /* 0.5 .. 2.0; drawn as "1.25x" */
    int volume;   /* percent, 0 .. 100 */
    bool muted;
    const int64_t *pauses_us; /* playback times of the class's pauses */
    size_t n_pauses;
    const struct osd_lane *lanes;
    size_t n_lanes;
    const struct osd_range *buffered; /* what can play without waiting */
    size_t n_buffered;
    bool hover;             /* the mouse is over the bar: show a tooltip */
    int hover_x;            /* canvas x of the mouse when hover */
    const char *wall_clock; /* the class's wall-clock time at t, e.g.
                               "2023-11-14 22:13:20"; NULL or "" to omit */
    const char *message;    /* a transient line ("Speed 1.5x"); NULL or "" none */
    bool buffering;         /* waiting for data: a spinner-like indicator */
    const char *loading;    /* signaling still loading ("Loading whiteboard 3/200"),
                               shown bottom left above the bar; NULL or "" none */
    double alpha;           /* 0 (hidden) .. 1 (fully shown); fades the OSD */
};

/* Where the OSD's parts are on a canvas of a given size (pixels). */
struct osd_geom {
    int canvas_w, canvas_h;
    struct canvas_rect panel;        /* the translucent band at the bottom */
    struct canvas_rect bar;          /* the seek bar track; bar.w >= 2 */
    struct canvas_rect hit;          /* where a click seeks: the bar, taller */
    struct canvas_rect button;       /* the play/pause button */
    int strip_y, strip_h, strip_gap; /* lane strips: first top, height, gap */
    int text_y;                      /* top of the text row */
    double text_px;                  /* text size */
    double scale;                    /* canvas_h / 720, clamped to [0.5, 4] */
};

/* Computes the geometry for a w x h canvas (w, h >= 1). Pure. */
void osd_geometry(int w, int h, struct osd_geom *g);

/* The time at canvas column x on the bar (clamped to the bar's ends, so
 * a drag past either end holds 0 or duration), a whole ms in µs.
 * duration_us < 1000 gives 0. */
int64_t osd_bar_time_at(const struct osd_geom *g, int64_t duration_us, int x);

/* The bar column where t is drawn (t clamped to [0, duration]). */
int osd_bar_x_of(const struct osd_geom *g, int64_t duration_us, int64_t t_us);

/* A click at (x, y): true and *t_us set if it is on the bar's hit area. */
bool osd_bar_hit(const struct osd_geom *g, int64_t duration_us, int x, int y, int64_t *t_us);

/* A click at (x, y) on the play/pause button. */
bool osd_button_hit(const struct osd_geom *g, int x, int y);

/* "1:05" / "12:34" / "1:02:03" (hours only when there are any); negative
 * times are shown as 0. Writes at most n bytes (NUL included). */
void osd_format_time_us(int64_t t_us, char *buf, size_t n);

/* Draws the OSD (geometry from the canvas size) over what is on c.
 * text may be NULL (no text is drawn, shapes only). alpha scales the
 * panel; alpha <= 0 hides it, but a message (top left) and the buffering
 * sign (centre) are drawn whatever the alpha: they matter most when the
 * panel is hidden. Returns 0, SP_EINVAL (NULL c or st) or a text error. */
int osd_draw(struct text_ctx *text, struct canvas *c, const struct osd_state *st);

/* The part of the text row that osd_draw() of st on a w x h canvas
 * leaves empty, between the time and wall clock at the left and the
 * speed and volume at the right: columns [x0, x1) (x1 <= x0: none), a
 * line of height h from y. Inside the panel, below the bar and its
 * marks: where more of the row's kind is drawn (render/nav_overlay.c,
 * each lane's sound). text NULL measures nothing (widths 0). Returns 0,
 * SP_EINVAL or a text error. */
struct osd_row {
    double x0, x1, y, h;
};
int osd_text_row_free(struct text_ctx *t, int w, int h, const struct osd_state *st,
                      struct osd_row *out);

#endif
