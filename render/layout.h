/* layout.h - where each picture goes on the canvas: presets and custom layouts.
 *
 * A layout is a canvas (size, background color) and an ordered list of
 * regions, each a rectangle in canvas pixels showing one source: the board,
 * one media lane, the chat panel, or nothing (a vacant tile). It is plain
 * geometry: no drawing, no SDL (render/compose.h draws a layout).
 *
 * Presets are computed for a recording's lanes and a canvas size:
 *   LAYOUT_PRESET_BOARD  the board large, the other pictures in a strip
 *                        (a column on the right; a row at the bottom when
 *                        the canvas is taller than wide); the default
 *   LAYOUT_PRESET_GRID   board and pictures in equal cells
 *   LAYOUT_PRESET_FOCUS  the teacher's camera large, the board and the
 *                        other pictures in the strip
 * With chat on, every preset keeps a column at the right for the chat.
 *
 * The teacher is the camera lane whose first segment starts earliest (ties:
 * the lane listed first). Lanes shown, in this order: cameras, then screen
 * shares, then mixed / unknown video, each group by first start time; audio
 * lanes only when their user has no camera lane (they show the name tile);
 * a whiteboard video lane (VideoType 2) is not a tile of its own but the
 * board's picture when the recording has no board operations.
 *
 * Custom layouts use the recording service's CustomLayout schema (see
 * docs/layouts.md); layout_parse_custom() reads one, layout_bind() maps
 * its InputStreamIds to a recording's lanes:
 *   ""                    vacant tile (its background color only)
 *   "tic_record_user" or "tic_record_user_<anything>"   the board
 *   "tic_im_chat"         the chat panel (our id)
 *   "tic_substream_<u>"   the screen share of user u (the lane whose
 *                         UserId is exactly that, else a screen lane whose
 *                         owner is u)
 *   "tic_substream"       the first screen share not placed elsewhere
 *   anything else         a user id: that user's camera lane (else the
 *                         user's mixed, unknown or audio lane); a user
 *                         not in the recording gets a name tile and an info
 *                         line
 *
 * Caps: LAYOUT_MAX_JSON_BYTES per file, LAYOUT_MAX_REGIONS regions (more
 * entries are ignored with one warning), LAYOUT_MAX_ID_BYTES per
 * InputStreamId (longer ids: the entry is dropped), canvas sides
 * 1..LAYOUT_MAX_DIM.
 */
#ifndef SP_RENDER_LAYOUT_H
#define SP_RENDER_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct diag_list;
struct recording;

#define LAYOUT_MAX_JSON_BYTES (256u << 10)
#define LAYOUT_MAX_REGIONS 64
#define LAYOUT_MAX_ID_BYTES 256
#define LAYOUT_MAX_DIM 16384
#define LAYOUT_MAX_NAME 64

/* Preset canvas when none is given (pixels). */
#define LAYOUT_DEFAULT_W 1280
#define LAYOUT_DEFAULT_H 720

/* Colors are 0xRRGGBBAA, straight alpha. */
#define LAYOUT_DEFAULT_BG 0x1E1F22FFu

/* Our InputStreamId for the chat panel. */
#define LAYOUT_ID_CHAT "tic_im_chat"
#define LAYOUT_ID_BOARD "tic_record_user"
#define LAYOUT_ID_SUBSTREAM "tic_substream"

enum layout_preset {
    LAYOUT_PRESET_BOARD, /* board + strip (default) */
    LAYOUT_PRESET_GRID,
    LAYOUT_PRESET_FOCUS,
    LAYOUT_PRESET_COUNT
};

enum layout_src {
    LAYOUT_SRC_VACANT, /* background color only */
    LAYOUT_SRC_BOARD,  /* the whiteboard (or its video lane, see lane) */
    LAYOUT_SRC_LANE,   /* a media lane (lane >= 0) or a user not in the recording */
    LAYOUT_SRC_CHAT    /* the chat panel */
};

enum layout_fill {
    LAYOUT_FILL_CONTAIN = 0, /* whole picture inside, letterboxed (FillMode 0) */
    LAYOUT_FILL_COVER = 1    /* fills the region, cropped (FillMode 1) */
};

struct layout_rect {
    int x, y, w, h; /* pixels; w, h > 0 for a region */
};

struct layout_region {
    struct layout_rect r; /* canvas pixels, inside the canvas */
    int z;                /* ZOrder: drawn in ascending z, file order within */
    enum layout_src src;
    enum layout_fill fill;
    uint32_t bg; /* 0xRRGGBBAA under the picture */
    /* LANE: index into recording.lanes, -1 if no lane matched (a name
     * tile). BOARD: the whiteboard video lane, -1 if none. Else -1. */
    ptrdiff_t lane;
    char id[LAYOUT_MAX_ID_BYTES]; /* InputStreamId as written ("" for presets'
                                     board / chat; the user id for lanes) */
};

struct layout {
    char name[LAYOUT_MAX_NAME]; /* "board", "grid", "focus", or the file name */
    int w, h;                   /* canvas, pixels */
    uint32_t bg;                /* canvas background */
    /* Where the layout's canvas sits: (0, 0, w, h) for a layout as made;
     * layout_fit_to() scales it into a bigger or smaller canvas and leaves
     * the rest (letterbox bars) outside view. */
    struct layout_rect view;
    struct layout_region regions[LAYOUT_MAX_REGIONS]; /* in drawing order */
    size_t n;
};

/* "board", "grid", "focus"; NULL for a bad value. */
const char *layout_preset_name(enum layout_preset p);

/* The preset called name, or -1. */
int layout_preset_from_name(const char *name);

/* Computes preset p for rec's lanes on a w x h canvas (each side
 * 1..LAYOUT_MAX_DIM), with a chat column when chat is true. has_board:
 * the recording has board operations (or a whiteboard video lane; a board
 * region is shown when either is true). Returns 0 or SP_EINVAL. */
int layout_preset(enum layout_preset p, const struct recording *rec, bool has_board, int w, int h,
                  bool chat, struct layout *out);

/* Reads a CustomLayout document (json, len bytes, need not be
 * NUL-terminated). name labels the diagnostics ("mylayout.json:
 * InputStreamList[2].LayoutParams.Width: expected integer, got string")
 * and becomes the layout's name. The document is the CustomLayout object
 * itself or an object whose "CustomLayout" member holds it (as an object
 * or as a JSON string). Unknown fields are ignored. An entry with a bad
 * field is dropped with an error line, the rest are kept; a region that
 * overflows the canvas is clipped (warning), one wholly outside is
 * dropped (warning). Regions are left unbound (lane -1): call
 * layout_bind().
 * Returns 0 (with diagnostics for what was dropped), SP_ELIMIT (over
 * LAYOUT_MAX_JSON_BYTES), SP_EPARSE (not JSON, or no usable Canvas size),
 * SP_EINVAL. diag may be NULL. */
int layout_parse_custom(const char *json, size_t len, const char *name, struct diag_list *diag,
                        struct layout *out);

/* Maps each region's InputStreamId to rec's lanes (rules above). A user
 * id with no lane gives an info line in diag (may be NULL) naming the
 * region. Idempotent. */
void layout_bind(struct layout *l, const struct recording *rec, struct diag_list *diag);

/* Fitting a layout into a window. */
struct layout_fit {
    double scale; /* window pixels per layout pixel */
    int x, y;     /* top-left of the scaled canvas in the window */
    int w, h;     /* scaled canvas size, pixels (>= 1) */
};

/* The largest scaling of l's canvas (l->w x l->h) that fits win_w x
 * win_h with the aspect kept, centred (letterbox bars on one axis).
 * Returns 0, or SP_EINVAL for a non-positive window side. */
int layout_fit(const struct layout *l, int win_w, int win_h, struct layout_fit *out);

/* out = l scaled by layout_fit() into a win_w x win_h canvas: out->w,h is
 * the window, out->view the scaled canvas, regions scaled and offset
 * (edges rounded, so regions that touched still touch; none shrinks below
 * one pixel). l must be a layout as made (view = its whole canvas; keep
 * the original and fit a copy on every resize), else SP_EINVAL. out may
 * be l. Returns 0 or SP_EINVAL (window sides 1..LAYOUT_MAX_DIM). */
int layout_fit_to(const struct layout *l, int win_w, int win_h, struct layout *out);

/* The region (index into l->regions) on top at window point (x, y), or -1. */
ptrdiff_t layout_hit(const struct layout *l, int x, int y);

/* Parses "WxH" (e.g. "1280x720") into *w, *h; each 1..LAYOUT_MAX_DIM.
 * Returns 0 or SP_EINVAL. */
int layout_parse_size(const char *s, int *w, int *h);

#endif
