/* class_scene.h - drawing the class at t, the same for every sink.
 *
 * The player core owns the class at t (player/class.h): lanes' frames,
 * the board at w(t), the chat model. A scene only draws that state:
 * class_scene_frame() gathers it from a struct sp_class, and
 * class_scene_draw() turns it into a struct compose_scene for
 * render/compose.h, with the images it refers to (page backgrounds, chat
 * pictures: read through the loader and decoded on first use, kept for
 * the scene's life) and a chat panel made for the current chat model. The
 * window, `sigplay render` and `sigplay export` all draw through here: one
 * drawing path.
 *
 * Images are read synchronously through the loader on the drawing thread:
 * fine for local files and the cache; a missing image is drawn as the
 * page color / a placeholder box.
 *
 * Caps: at most CLASS_SCENE_MAX_IMAGES images and CLASS_SCENE_MAX_IMAGE_BYTES
 * decoded bytes are kept; later images are not loaded (drawn as missing).
 *
 * Not thread-safe: one thread (the drawing one) uses a scene.
 */
#ifndef SP_RENDER_CLASS_SCENE_H
#define SP_RENDER_CLASS_SCENE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/diag.h"
#include "player/net/loader.h"
#include "player/recording/manifest.h"
#include "player/recording/timeline.h"
#include "render/canvas.h"
#include "render/layout.h"
#include "render/text.h"

#define CLASS_SCENE_MAX_IMAGES 512
#define CLASS_SCENE_MAX_IMAGE_BYTES ((size_t)512 << 20)

/* Lanes' views (player/lane_player.h) are only passed through here, so the
 * header declares them: a drawing file that includes it does not see
 * FFmpeg's headers (only class_scene.c and compose.c do). */
struct lane_view;
struct board_state;
struct chat_log;
struct chat_panel;
struct class_scene;
struct sp_class;

struct class_scene_opts {
    const struct sp_loader *loader; /* images; NULL: local files */
    struct text_ctx *text;          /* borrowed; NULL: the scene opens its own */
    /* A cache folder (class_cache_dir()): crowded board pages are kept
     * there between runs (render/layer_cache.h); NULL: none. */
    const char *layer_cache_dir;
};

/* What one frame shows. Pointers are borrowed for the draw call. */
struct class_frame {
    int64_t w_us;                         /* board time w(t), Unix µs */
    const struct lane_view *const *views; /* n views indexed like rec->lanes; a NULL view
                                           * or one in LANE_PLACEHOLDER shows the name tile */
    size_t n;
    bool has_board;                  /* the recording has a board (drawn empty without state) */
    const struct board_state *board; /* NULL: empty board */
    const struct chat_log *chat;     /* NULL: no chat yet */
    uint64_t chat_gen;               /* the model's generation (class_signal_generation) */
    bool chat_on;                    /* chat regions filled */
};

/* rec and tl are borrowed and must outlive the scene (tl converts chat
 * times to class times for the chat panel's labels). opts may be NULL.
 * Returns 0 and *out, SP_EINVAL, SP_ENOMEM or SP_ENOENT (no font). */
int class_scene_create(const struct recording *rec, const struct timeline *tl,
                       const struct class_scene_opts *opts, struct class_scene **out);

/* NULL-safe; sets *cs to NULL. */
void class_scene_destroy(struct class_scene **cs);

/* The chat panel (for scrolling and clicks), or NULL while there is no
 * chat model. */
struct chat_panel *class_scene_chat(struct class_scene *cs);

/* Moves the image problems met so far (unreadable or undecodable page and
 * chat images, one line each) to dst. */
void class_scene_take_diags(struct class_scene *cs, struct diag_list *dst);

/* The frame the class shows after its last step: views (cap entries,
 * filled) of its lanes, the board and the chat. */
void class_scene_frame(struct sp_class *c, bool chat_on, const struct lane_view **views, size_t cap,
                       struct class_frame *f);

/* Draws f laid out by l; dst must be l->w x l->h. Returns 0, SP_EINVAL
 * or SP_ENOMEM. */
int class_scene_draw(struct class_scene *cs, const struct layout *l, const struct class_frame *f,
                     struct canvas *dst);

/* Draws the board state s (NULL: the empty board) fitted whole into dst,
 * exactly as a board region of dst's size shows it (render/board_draw.h,
 * page backgrounds from the scene's images), with no lane and no chat: the
 * seek bar's hover thumbnails. One drawer is kept for the last size used
 * (made again when dst's size changes). Returns 0, SP_EINVAL, SP_ENOMEM or
 * SP_ENOENT (no font). */
int class_scene_draw_board(struct class_scene *cs, const struct board_state *s, struct canvas *dst);

struct board_player;
/* The seek bar's hover thumbnail of board time w_us (Unix µs) of player
 * bp, generation gen (class_signal_generation(): another generation drops
 * what was kept of the previous one), drawn as class_scene_draw_board()
 * draws the board at that time, through the scene's thumbnail cache
 * (render/thumb_cache.h: a checkpoint's raster or a snapshot's, what
 * changed after it drawn on a copy), made for dst's size. bp NULL: the empty board.
 * Returns 0, SP_EINVAL, SP_ENOMEM or SP_ENOENT (no font). */
int class_scene_draw_board_at_us(struct class_scene *cs, const struct board_player *bp,
                                 uint64_t gen, int64_t w_us, struct canvas *dst);

/* The teacher's frame over a thumbnail: avframe (a decoded AVFrame, e.g.
 * a lane view's frame; borrowed) scaled whole into the lower right corner
 * of dst (a third of its width and height at most) in a thin dark frame.
 * Decodes nothing. Returns 0, SP_EINVAL, SP_EUNSUPPORTED (a pixel format
 * that cannot be scaled: dst unchanged) or SP_ENOMEM. */
int class_scene_draw_thumb_frame(struct class_scene *cs, const void *avframe, struct canvas *dst);

/* Idle work for those thumbnails: makes the thumbnail cache's checkpoints
 * at w x h ahead of any hover (render/thumb_cache.h), for about budget_us. Returns 1 while some are
 * left, 0 when none is, or a negative SP_E* code. */
int class_scene_prepare_thumbs(struct class_scene *cs, const struct board_player *bp, uint64_t gen,
                               int w, int h, int64_t budget_us);

/* The thumbnail cache's counters (zeros before the first thumbnail). */
struct thumb_cache_stats;
void class_scene_thumb_stats(const struct class_scene *cs, struct thumb_cache_stats *st);

#endif
