/* compose.h - one frame of the class: a layout's regions drawn onto a canvas.
 *
 * The compositor draws what a struct compose_scene says (the pictures of
 * the lanes at t, the board state at w(t), a chat hook) into the regions of
 * a struct layout (render/layout.h). The window and the headless commands
 * call the same function; only what happens to the canvas afterwards
 * differs. The OSD is not drawn here (the window adds it on top).
 *
 * Per region, in the layout's order (ascending ZOrder):
 *   - the region's background color;
 *   - BOARD: the board (render/board_draw.h, always fitted whole) when the
 *     scene has board data; else the picture of the whiteboard video lane
 *     bound to the region; else a "Whiteboard" tile;
 *   - a screen-share region (layout_region.share) whose share has no
 *     picture now: nothing at all, not even its background (what lies
 *     under it shows);
 *   - LANE: the lane's picture, fitted by the region's fill mode (contain:
 *     whole picture, letterboxed; cover: fills the region, centre crop),
 *     with a small name tag at the bottom left; a lane with no picture (no
 *     segment at t, or not decoded yet) shows its name tile: a dark tile
 *     with a round avatar holding the name's first letter, a small camera
 *     or screen glyph, and the name underneath (cut with an ellipsis when
 *     too long); a lane whose media is unavailable adds a red "media
 *     unavailable" badge at the tile's top;
 *   - CHAT: the chat hook, when the scene has one and chat is on;
 *   - VACANT: the background only.
 * Outside the layout's view (letterbox bars when the layout was fitted into
 * a window of another shape) the canvas is black.
 *
 * Pictures are scaled with libswscale (bilinear) straight into the canvas;
 * a cover crop moves the source plane pointers, aligned to the format's
 * chroma subsampling. The pixel aspect ratio is taken as square.
 *
 * A board region with an opaque background is kept between frames (its
 * background with the board over it) and updated only where board_draw says
 * its frame changed (board_draw_last_dirty), so an unchanged board costs one
 * copy per frame.
 *
 * Not thread-safe: one thread draws with a struct compose.
 */
#ifndef SP_RENDER_COMPOSE_H
#define SP_RENDER_COMPOSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "player/board/board.h"
#include "player/recording/manifest.h"
#include "render/board_draw.h"
#include "render/canvas.h"
#include "render/layout.h"
#include "render/text.h"

struct AVFrame;

/* One decoded picture, planes as in an AVFrame. Borrowed for the call.
 * Like an AVFrame's planes, each must stay readable a little past its end
 * (swscale's SIMD loads read whole blocks; AV_INPUT_BUFFER_PADDING_SIZE
 * bytes are plenty). */
struct compose_picture {
    const uint8_t *data[4];
    int linesize[4];
    int w, h;        /* pixels, 1..CANVAS_MAX_DIM */
    int format;      /* enum AVPixelFormat (yuv420p, nv12, rgba, ...) */
    int colorspace;  /* enum AVColorSpace; 0/unspecified: BT.601 */
    int color_range; /* enum AVColorRange; 0/unspecified: limited (studio) */
};

/* Fills p from a decoded video frame (pointers into the frame). */
void compose_picture_from_avframe(struct compose_picture *p, const struct AVFrame *f);

/* What one lane shows now. */
struct compose_lane {
    const struct compose_picture *pic; /* NULL: its name tile */
    const char *name;                  /* display name (UTF-8); NULL: the region's id */
    enum rec_lane_kind kind;           /* picks the tile's glyph */
    /* non-NULL: its media is missing, unreadable or undecodable at t (the
     * reason; the tile gets a red "media unavailable" badge, so it does
     * not look like a lane that has not joined) */
    const char *unavailable;
};

/* Draws the chat panel into rect of c (clipped); e.g. a wrapper around
 * chat_panel_draw(). Returns 0 or a negative SP_E* code (the frame is kept
 * and the code passed on). */
typedef int (*compose_chat_fn)(void *opaque, struct canvas *c, struct canvas_rect rect);

/* Everything a frame shows. Pointers are borrowed for the call. */
struct compose_scene {
    const struct compose_lane *lanes; /* indexed like recording.lanes; may be NULL */
    size_t n_lanes;
    bool has_board;                  /* the class has board data: draw it (empty at
                                        first) instead of a whiteboard tile */
    const struct board_state *board; /* the state at w(t); NULL: the empty board */
    compose_chat_fn chat;            /* NULL: chat regions show their background */
    void *chat_opaque;
    bool chat_on; /* false: chat regions show their background */
};

struct compose_opts {
    int board_w, board_h;          /* board units (recording.board_w/h); <= 0: 1280 x 960 */
    board_draw_image_fn get_image; /* page backgrounds; may be NULL (colors only) */
    void *image_opaque;
    struct text_ctx *text; /* borrowed; NULL: the compositor opens its own */
    bool no_name_tags;     /* true: no name tag over pictures */
    /* borrowed; NULL: none. The board's page layer is taken from it before
     * the board drawer redraws a page from scratch, and given to it after
     * (render/layer_cache.h: `render` keeps crowded pages between runs). */
    struct layer_cache *layer_cache;
};

struct compose;

/* Returns 0 and *out, SP_ENOMEM or SP_ENOENT (no font); opts may be NULL. */
int compose_create(struct compose **out, const struct compose_opts *opts);

/* NULL-safe; sets *c to NULL. */
void compose_destroy(struct compose **c);

/* Draws the scene onto dst, whose size must be l->w x l->h (else
 * SP_EINVAL). Every pixel of dst is written. A region whose picture cannot
 * be scaled (an unsupported pixel format) shows its name tile. Returns 0,
 * SP_EINVAL, SP_ENOMEM, or the chat hook's error (the rest is drawn). */
struct diag_list;
/* Moves the board drawer's warnings (elements skipped) to dst. */
void compose_take_diags(struct compose *c, struct diag_list *dst);

int compose_draw(struct compose *c, const struct layout *l, const struct compose_scene *s,
                 struct canvas *dst);

/* Scales one picture into rectangle r of dst, whole and centred (aspect
 * kept), as a region of a layout shows it, with a scaler of its own (the
 * seek bar's thumbnail: the teacher's frame over the board). *shown (may
 * be NULL) gets where it went. Returns 0, SP_EINVAL, SP_EUNSUPPORTED (a
 * pixel format swscale cannot read: nothing drawn) or SP_ENOMEM. */
int compose_draw_picture(struct compose *c, struct canvas *dst, struct canvas_rect r,
                         const struct compose_picture *pic, struct canvas_rect *shown);

#endif
