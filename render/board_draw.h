/* board_draw.h - draws the whiteboard (player/board/board.h state) into a canvas.
 *
 * The board's logical rectangle (board_w x board_h units, from the
 * manifest's Whiteboard size) is fitted into the canvas (aspect kept,
 * centred); the page's viewport then zooms (scale) and scrolls (x, y = the
 * board point shown at the fitted rectangle's top-left). Widths and text
 * sizes scale with the view. The area around the board shows the page
 * background color too.
 *
 * Incremental drawing: finished elements are drawn once into a cached page
 * layer (background + finished elements). Per frame the layer is copied
 * into the frame (only where the previous frame's marks were, when the layer
 * did not change), then strokes in progress and laser marks are drawn on
 * top; a stroke in progress keeps a coverage mask to which only its new
 * points are added each frame (raster_stroke_mask).
 * The layer is redrawn from scratch when its key changes: the shown page,
 * the page's version (undo, redo, erase, clear, move, background, view), the
 * state's serial (a seek that rebuilt the state), the canvas size or the
 * background image; and when a stroke that was in progress below finished
 * elements finishes (z-order). New finished elements on top are added to the
 * layer without a redraw.
 *
 * Looks: a highlighter stroke whose color is opaque is drawn at
 * BOARD_DRAW_HIGHLIGHTER_ALPHA (an explicit alpha in its color is kept);
 * the whole stroke blends once, so it never darkens where it overlaps itself.
 * A laser mark fades linearly to nothing over BOARD_LASER_US.
 *
 * Not thread-safe: one thread draws with a struct board_draw.
 */
#ifndef SP_RENDER_BOARD_DRAW_H
#define SP_RENDER_BOARD_DRAW_H

#include "player/board/board.h"
#include "render/canvas.h"
#include "render/image.h"
#include "render/raster.h"
#include "render/text.h"

#include <stdbool.h>
#include <stdint.h>

#define BOARD_DRAW_HIGHLIGHTER_ALPHA 96   /* of 255 */
#define BOARD_DRAW_DEFAULT_BG 0xFFFFFFFFu /* pages without a color: white */
/* Strokes in progress kept as growing coverage masks (w*h bytes each, made
 * on first use); more at once are redrawn whole every frame. */
#define BOARD_DRAW_LIVE_MAX 4
/* A full layer redraw of at least this many slots, on a layer at least
 * twice this many rows high, is drawn in two bands on two threads (the
 * thread's start-up is about the cost of one stroke). */
#define BOARD_DRAW_BANDS_MIN_SLOTS 64
#define BOARD_DRAW_BANDS_MIN_ROWS 32

/* Returns the decoded background image for url (as written in the op,
 * relative to the manifest), or NULL when it is not available (yet). The
 * image must stay valid until the next call or board_draw_destroy(). Called
 * once per frame for the shown page's image. */
typedef struct image *(*board_draw_image_fn)(void *opaque, const char *url);

struct board_draw_opts {
    int board_w, board_h;          /* board units; <= 0 means 1280 x 960 */
    board_draw_image_fn get_image; /* may be NULL: backgrounds are colors only */
    void *opaque;
    struct text_ctx *text; /* borrowed; NULL: board_draw opens its own */
};

struct board_draw;

struct board_draw_stats {
    uint64_t frames;         /* board_draw_frame calls that drew */
    uint64_t full_redraws;   /* page layer redrawn from scratch */
    uint64_t added_elements; /* finished elements added to the layer incrementally */
    uint64_t band_redraws;   /* full redraws drawn on two threads (board_draw.c) */
};

/* A drawer for a w x h canvas. Returns 0, SP_EINVAL, SP_ENOMEM or
 * SP_ENOENT (no font); *out is NULL on error. */
int board_draw_create(struct board_draw **out, int w, int h, const struct board_draw_opts *o);

/* NULL-safe; sets *bd to NULL. */
void board_draw_destroy(struct board_draw **bd);

/* Changes the canvas size (the next frame redraws the layer). */
int board_draw_resize(struct board_draw *bd, int w, int h);

/* Forces a layer redraw on the next frame (e.g. a background image arrived
 * under the same pointer). */
void board_draw_invalidate(struct board_draw *bd);

/* Draws state s (NULL = empty board) into the frame canvas and sets *frame
 * to it (owned by bd, valid until the next call). With no page shown the
 * frame is the default background. Per-element drawing errors (an absurd
 * geometry, a FreeType error) skip that element with a warning (see
 * board_draw_take_diags()); the frame is still drawn. Returns 0 or
 * SP_ENOMEM. */
int board_draw_frame(struct board_draw *bd, const struct board_state *s,
                     const struct canvas **frame);

/* Draws the whole page directly into c (no cache): the baseline the
 * benchmark compares with, and a reference for tests. */
int board_draw_full(struct board_draw *bd, const struct board_state *s, struct canvas *c);

/* A part of what board_draw_full() draws, for a caller that keeps its own
 * rasters (render/thumb_cache.c): page (NULL: the shown page; it may be
 * another page of s) of state s, with no frame cache. In order: the page
 * background over the whole canvas (when background), the elements of
 * slots [from, to) (to is clamped to the slot count), the laser marks of
 * that page (when lasers). With rows_y1 > rows_y0 the elements change
 * only canvas rows [rows_y0, rows_y1), every pixel there as an unclipped
 * drawing gives it, and elements wholly outside are skipped. c must be
 * bd's size. Returns 0, SP_EINVAL or SP_ENOMEM (a bad element is skipped
 * with a warning, as in board_draw_frame()). */
struct board_draw_part {
    const struct board_page *page;
    bool background;
    uint32_t from, to;
    int rows_y0, rows_y1;
    bool lasers;
};
int board_draw_part(struct board_draw *bd, const struct board_state *s,
                    const struct board_draw_part *part, struct canvas *c);

/* Board units to canvas pixels for page p as bd draws it (the fit, then
 * the page's view), so a caller can find the rows an element covers. */
struct raster_xform board_draw_xform(const struct board_draw *bd, const struct board_page *p);

/* The frame pixels that changed in the last board_draw_frame() (the whole
 * canvas after a layer change), so a caller can upload only that part. */
struct canvas_rect board_draw_last_dirty(const struct board_draw *bd);

void board_draw_get_stats(const struct board_draw *bd, struct board_draw_stats *st);

/* The page layer as it stands (background + the finished elements of
 * slots [0, examined) of page page_index, except the slots in pending:
 * strokes that were unfinished, not in it), for a caller that keeps it
 * between runs (render/layer_cache.h). Pointers are bd's, valid until its
 * next call. */
struct board_draw_layer {
    const struct canvas *layer;
    uint32_t page_index;
    uint32_t examined, top_in_layer; /* top_in_layer: 1 + highest slot drawn, 0 if none */
    const uint32_t *pending;         /* ascending, each < examined */
    size_t npending;
};
/* Returns 0 and *out, or SP_EINVAL when there is no valid layer (no frame
 * drawn yet, or no page shown). */
int board_draw_get_layer(const struct board_draw *bd, struct board_draw_layer *out);
/* Takes in as the layer of state s's shown page (pixels copied), as if bd
 * had drawn it: the next board_draw_frame() of s adds only slots from
 * in->examined up and settles the pending ones. The caller vouches that
 * the pixels are what bd draws for those slots of that page (layer_cache.c
 * checks a hash of them); the rest is checked here. Returns 0, SP_EINVAL
 * (another size or page, a slot past the page's, pending not ascending
 * below examined) or SP_ENOMEM. */
int board_draw_set_layer(struct board_draw *bd, const struct board_state *s,
                         const struct board_draw_layer *in);
/* Whether the next board_draw_frame() of s draws from the layer as it is
 * (no redraw from scratch needed for its key). */
bool board_draw_layer_fits(const struct board_draw *bd, const struct board_state *s);

struct diag_list;
/* Moves the warnings about elements that could not be drawn and were
 * skipped (one line per reason: "board: a stroke of 200 points is not
 * drawn: FreeType: ...") to dst. NULL-safe. */
void board_draw_take_diags(struct board_draw *bd, struct diag_list *dst);

#endif
