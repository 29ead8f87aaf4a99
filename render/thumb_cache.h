/* thumb_cache.h - the seek bar's hover thumbnails, drawn from small
 * rasters of the board snapshots.
 *
 * The board player keeps a snapshot of the board every few thousand ops
 * (player/board/board.h). For each snapshot the cache keeps, at thumbnail
 * size, a raster of the page the snapshot shows (or of the page a hover
 * shows, when that page is in the snapshot too): background and elements,
 * no laser marks. A thumbnail of board time w is then a copy of the raster
 * of the snapshot w starts from, with only what differs between that
 * snapshot and the board at w drawn on the copy:
 *
 *   - elements in slots above the snapshot's are drawn on top, in order;
 *   - an element that is not the same (erased, undone, moved, a stroke
 *     that grew) marks the rows its old and new boxes cover; those rows
 *     are repainted from the background with every element of the board
 *     at w that reaches them, clipped to them;
 *   - the laser marks of w on top.
 *
 * Every pixel is what board_draw_full() of the board at w gives (the
 * clipped repaint is exact: raster_set_clip, text_set_rows). A page whose
 * background or view differs from the snapshot's, or a page the snapshot
 * does not have, is drawn from the next snapshot's raster in the same way
 * when that one shows it as w does, else whole.
 *
 * A snapshot's raster is made the first time its region is hovered, from
 * the raster of the nearest snapshot of the same page that is already
 * made, in the same way (or whole).
 *
 * Checkpoints, made ahead of time by thumb_cache_prepare() (the window
 * calls it when idle, after the first hover), are what makes a hover
 * cheap on a long class: a checkpoint is the raster of the page shown at
 * a board time t with only its finished prefix drawn (background and the
 * slots below the lowest stroke still in progress at t). An op that
 * changes any of those slots changes the page's version, so a thumbnail
 * of a time w >= t whose page has the same version, generation and
 * background image is the checkpoint's copy with the slots above its
 * prefix and the laser marks of w drawn on top: the same pixels, no
 * repaint. thumb_cache_prepare() places them every few drawing ops (so
 * many that they take about 3/4 of max_bytes) and after each run of ops
 * that change the page's version or the page shown (an undo, an erase, a
 * switch), walking the log in order; each is made from the one before of
 * its page (copy and draw the slots added, or repaint the rows of what
 * changed), so making all of them costs about one drawing of every
 * element. A time with no fitting checkpoint (before they are made, or
 * with more than a few spacings of slots above the prefix: a stroke left
 * open) is drawn from the snapshots' rasters as above. Checkpoints stay
 * until the player, its generation or the size changes (or
 * thumb_cache_clear()); the snapshots'
 * rasters share the rest of max_bytes, the least recently used going
 * first.
 *
 * The cache holds pointers into the board player's snapshots: pass the
 * same player with the same generation number, or a new one (which drops
 * every raster) before the old player is destroyed is used again. Only
 * the snapshots' states are kept between calls, never a state of its own.
 *
 * Not thread-safe: one thread (the player's) uses a cache.
 */
#ifndef SP_RENDER_THUMB_CACHE_H
#define SP_RENDER_THUMB_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "player/board/board.h"
#include "render/board_draw.h"
#include "render/canvas.h"

/* The default bound of the rasters kept (bytes), checkpoints and
 * snapshots' rasters together: at 192x144 (110,592 bytes a raster) it
 * holds 606, of which thumb_cache_prepare() plans about 3/4 (454) as
 * checkpoints, spread over the whole class however long, and the
 * snapshots' rasters share the rest, the least recently used going first. */
#define THUMB_CACHE_DEFAULT_BYTES (64u << 20)
/* Checkpoints (thumb_cache_prepare()) are at least this many drawing ops
 * apart. */
#define THUMB_CACHE_CKPT_MIN_DRAWS 4
/* ... and drawn this many slots at a time, so that one call of
 * thumb_cache_prepare() stays near its budget even where a checkpoint
 * draws a crowded page whole or repaints its rows after an undo. */
#define THUMB_CACHE_CKPT_CHUNK 32

struct thumb_cache_opts {
    int board_w, board_h;          /* board units; <= 0 means 1280 x 960 */
    board_draw_image_fn get_image; /* page backgrounds; may be NULL */
    void *opaque;
    struct text_ctx *text; /* borrowed; NULL: the cache opens its own */
    size_t max_bytes;      /* the rasters; 0: THUMB_CACHE_DEFAULT_BYTES */
};

struct thumb_cache;

struct thumb_cache_stats {
    uint64_t draws;             /* thumb_cache_draw_us() calls that drew */
    uint64_t from_raster;       /* ... of them from a snapshot's raster */
    uint64_t whole;             /* ... drawn whole (no raster fits) */
    uint64_t built;             /* rasters made */
    uint64_t built_whole;       /* ... of them drawn whole (no earlier raster of the page) */
    uint64_t evicted;           /* rasters dropped for the memory bound */
    uint64_t repainted;         /* draws that repainted rows (something changed below the top) */
    uint64_t from_checkpoint;   /* draws from a checkpoint (only slots above its prefix drawn) */
    uint64_t checkpoints_made;  /* checkpoints made by thumb_cache_prepare() */
    uint64_t checkpoints_whole; /* ... of them drawn whole (no earlier one of the page) */
    size_t checkpoints;         /* kept now (also counted in rasters and bytes) */
    size_t rasters, bytes;      /* kept now */
};

/* A cache for w x h thumbnails. Returns 0, SP_EINVAL, SP_ENOMEM or
 * SP_ENOENT (no font); *out is NULL on error. */
int thumb_cache_create(struct thumb_cache **out, int w, int h, const struct thumb_cache_opts *o);
/* NULL-safe; sets *tc to NULL. */
void thumb_cache_destroy(struct thumb_cache **tc);

/* Draws the board of player bp (generation gen: a change drops every
 * raster) at board time w_us (Unix µs, as board_player_state_at_us())
 * into dst, which must be the cache's size; a size change is made with
 * thumb_cache_resize(). bp NULL: the empty board. Returns 0, SP_EINVAL or
 * SP_ENOMEM. */
int thumb_cache_draw_us(struct thumb_cache *tc, const struct board_player *bp, uint64_t gen,
                        int64_t w_us, struct canvas *dst);

/* Makes checkpoints ahead of any hover, in time order, for about budget_us
 * (the monotonic clock; at least THUMB_CACHE_CKPT_CHUNK slots drawn a call
 * while some are left; a checkpoint may take several calls). Returns 1 while some are left to make,
 * 0 when every one planned is made (their share of the memory bound), or SP_ENOMEM. */
int thumb_cache_prepare(struct thumb_cache *tc, const struct board_player *bp, uint64_t gen,
                        int64_t budget_us);

/* Changes the thumbnail size (every raster is dropped). Returns 0,
 * SP_EINVAL or SP_ENOMEM. */
int thumb_cache_resize(struct thumb_cache *tc, int w, int h);

/* Drops every raster (e.g. a background image arrived). NULL-safe. */
void thumb_cache_clear(struct thumb_cache *tc);

void thumb_cache_get_stats(const struct thumb_cache *tc, struct thumb_cache_stats *st);

#endif
