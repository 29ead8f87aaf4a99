/* nav_overlay.h - what the window draws over the picture for getting to
 * the moment (docs/keys.md "Navigating"): chapter ticks and chat search
 * marks on the seek bar, the hover thumbnail above the pointer, the lane
 * numbers on the tiles and each lane's sound in the OSD, the chapter list
 * panel and the chat search field.
 *
 * Like the OSD (render/osd.h) these keep no state: each draws from the
 * numbers it is given over what is on the canvas, and the places are pure
 * functions of the canvas size (so a click maps back to what was drawn).
 * The bar positions come from osd_geometry() and osd_bar_x_of(), so a mark
 * sits on the column a click there seeks to.
 *
 * Times are playback µs.
 */
#ifndef SP_RENDER_NAV_OVERLAY_H
#define SP_RENDER_NAV_OVERLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "player/navigate.h"
#include "render/canvas.h"
#include "render/osd.h"

struct text_ctx;

#define NAV_OVERLAY_MAX_MARKS 5000 /* chapter ticks or hit marks drawn; more are left out */

/* ---- the seek bar ------------------------------------------------------------ */

struct nav_bar_marks {
    int64_t duration_us; /* > 0, else nothing is drawn */
    const struct nav_chapter *chapters;
    size_t n_chapters;
    const struct nav_hit *hits; /* chat search hits */
    size_t n_hits;
    long hit;     /* the hit gone to (drawn brighter), -1 none */
    double alpha; /* the OSD's alpha; <= 0 draws nothing */
};

/* Chapter ticks (white, across the bar and above it) and search hit marks
 * (green, under the bar; the current one taller) on c, with the bar where
 * osd_geometry(c->w, c->h) puts it. NULL c or m: nothing. */
void nav_bar_marks_draw(struct canvas *c, const struct nav_bar_marks *m);

/* ---- the hover thumbnail ------------------------------------------------------- */

/* Where a w x h thumbnail of the time under canvas column hover_x goes:
 * centred over that column (kept inside the canvas), its bottom above the
 * OSD's hover time label. */
struct canvas_rect nav_thumb_rect(const struct osd_geom *g, int64_t duration_us, int hover_x, int w,
                                  int h);

/* Draws thumb at r (r.w x r.h must be thumb's size) with a thin frame
 * around it, faded by alpha (at 1 the thumbnail's pixels are copied as
 * they are). */
void nav_thumb_draw(struct canvas *c, struct canvas_rect r, const struct canvas *thumb,
                    double alpha);

/* ---- lanes ---------------------------------------------------------------------- */

struct nav_lane_tile {
    struct canvas_rect r; /* the lane's region */
    int lane;             /* recording lane index: its number is lane + 1 */
};

/* A lane's number (1 to 8, the number key that mutes it) at the top left
 * of each of its tiles, crossed out in red while the lane is not heard.
 * muted has n_lanes entries (NULL: none muted). Lanes past 8 have no key
 * and get no number. Returns 0 or a text error. */
int nav_lane_numbers_draw(struct text_ctx *t, struct canvas *c, const struct nav_lane_tile *tiles,
                          size_t n_tiles, const bool *muted, size_t n_lanes, double alpha);

/* Each lane's sound in the OSD band, in the free part of its text row
 * (row: osd_text_row_free() of the OSD drawn on c), right-aligned before
 * the speed and volume: "1 teacher_01  2 student_02 (muted) ..." (at most
 * 8 lanes; names cut to 20 bytes; the lowest-numbered lanes are left out
 * when the row is too short). Inside the band at every size, below the
 * bar's chapter ticks. Returns 0 or a text error. */
int nav_lane_states_draw(struct text_ctx *t, struct canvas *c, const struct osd_row *row,
                         const char *const *names, const bool *muted, size_t n_lanes, double alpha);

/* ---- the chapter list (key C) ----------------------------------------------------- */

struct nav_list_geom {
    struct canvas_rect box; /* the whole panel */
    int rows_y;             /* top of the first row drawn */
    int row_h;              /* pixels per row */
    size_t first;           /* chapter drawn in the first row */
    size_t rows;            /* rows drawn (first .. first + rows - 1) */
    double text_px;
};

/* The panel on a w x h canvas for n chapters, scrolled so that selected is
 * shown. Pure. */
void nav_list_geometry(int w, int h, size_t n, size_t selected, struct nav_list_geom *g);

/* The chapter at canvas point (x, y): its index, or -1 when (x, y) is not
 * on a row. */
long nav_list_row_at(const struct nav_list_geom *g, int x, int y);

/* Draws the list: a title line, then one row per chapter ("12:34  Page 2:
 * slide-02.png"), the selected row highlighted and the chapter playing
 * (current, -1 none) marked at its left. Returns 0 or a text error. */
int nav_list_draw(struct text_ctx *t, struct canvas *c, const struct nav_chapter *chapters,
                  size_t n, size_t selected, long current);

/* ---- the chat search field (key /) -------------------------------------------------- */

struct nav_search_view {
    struct canvas_rect chat;     /* the chat panel; w 0: none shown (the field goes top left) */
    const char *query;           /* UTF-8 */
    bool editing;                /* a caret: typing goes here */
    int hits, hit;               /* hit: 0-based, -1 none */
    struct canvas_rect hit_rect; /* the current hit's message in the panel; w 0: not shown */
};

/* The search field at the top of the chat panel (query, caret, "k of n"
 * or "no match"), and a frame around the current hit's message. Returns
 * 0 or a text error. */
int nav_search_draw(struct text_ctx *t, struct canvas *c, const struct nav_search_view *v);

/* The field's rectangle for a chat panel rect on a w x h canvas. Pure. */
struct canvas_rect nav_search_field_rect(int w, int h, struct canvas_rect chat);

#endif
