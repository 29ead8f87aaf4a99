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
 * With chat on, every preset keeps a column at the right for the chat
 * (a band at the bottom when the canvas is taller than wide).
 *
 * Small canvases: a preset never makes a tile smaller than
 * LAYOUT_TILE_MIN_W x LAYOUT_TILE_MIN_H (room for an avatar and a name at
 * TEXT_READABLE_PX, render/text.h); when the strip or the grid cannot
 * hold every tile at that size, it holds as many as fit and the last of
 * them is a "+N" tile (region.more = N, the lanes left out).
 *
 * The teacher is the camera lane whose first segment starts earliest (ties:
 * the lane listed first). Lanes shown, in this order: cameras, then screen
 * shares, then mixed / unknown video, each group by first start time; audio
 * lanes only when their user has no camera lane (they show the name tile);
 * a whiteboard video lane (VideoType 2) is not a tile of its own but the
 * board's picture when the recording has no board operations.
 *
 * The service's own layouts (REPLAY-FORMAT.md section 7), made by
 * layout_model() or read from a request's MixStream.ModelId:
 *   ModelId 1  canvas 1320 x 1224, the board 1280 x 960 at (8, 8), four
 *              320 x 240 tiles in a row below it (y 976; x 8, 336, 664, 992)
 *   ModelId 2  canvas 1624 x 1000, the board at (8, 8), four tiles in a
 *              column right of it (x 1296; y 8, 256, 504, 752)
 * The first tile is TeacherId's camera when one is given; the other tiles
 * are "" slots (below).
 *
 * Custom layouts use the recording service's CustomLayout schema (see
 * docs/layouts.md); layout_parse_custom() reads one, layout_bind() maps
 * its InputStreamIds to a recording's lanes:
 *   ""                    a slot: the next camera lane no other region
 *                         shows, in the order the cameras first appear on
 *                         the timeline (slots taken in InputStreamList
 *                         order); vacant (its background only) when no
 *                         camera is left
 *   "tic_record_user" or "tic_record_user_<anything>"   the board
 *   "tic_im_chat"         the chat panel (our id)
 *   "tic_substream_<u>"   the screen share of user u (the lane whose
 *                         UserId is exactly that, else a screen lane whose
 *                         owner is u)
 *   "tic_substream"       the first screen share not placed elsewhere
 *                         (a share region draws nothing while its share
 *                         has no picture: what lies under it, such as the
 *                         board, shows through)
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

/* The smallest tile a preset makes (pixels, 16:9). */
#define LAYOUT_TILE_MIN_W 96
#define LAYOUT_TILE_MIN_H 54

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
    /* Where the region came from, for diagnostics: its index in the
     * file's InputStreamList, or the tile number from 0 of a ModelId
     * layout; -1 for presets. */
    int entry;
    /* A screen-share region (tic_substream...): draws nothing, not even
     * its background, while the share has no picture (set by bind). */
    bool share;
    /* A preset's "+N" tile (src VACANT): this many tiles were left out of
     * the strip or the grid for want of room; 0 for every other region. */
    int more;
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
    /* 1 or 2 for the service's ModelId layouts, else 0. */
    int model_id;
    /* Read from a CustomLayout file or document (layout_parse_custom()),
     * whatever its name: a file called "board" is not the preset. */
    bool custom;
    /* How diagnostics name the list the regions came from
     * ("InputStreamList", "MixStream.Custom.InputStreamList", ...). */
    char list_path[48];
};

/* ModelId layouts' geometry (REPLAY-FORMAT.md section 7), pixels. */
#define LAYOUT_MODEL_TILES 4
#define LAYOUT_MODEL_TILE_W 320
#define LAYOUT_MODEL_TILE_H 240

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

/* The service's layout ModelId (1 or 2; see above) with teacher_id's
 * camera in the first tile (NULL or "": that tile is a slot too). name
 * labels diagnostics and becomes the layout's name. Regions are left
 * unbound: call layout_bind(). Returns 0 or SP_EINVAL (another ModelId,
 * a teacher id of LAYOUT_MAX_ID_BYTES or more). */
int layout_model(int model_id, const char *teacher_id, const char *name, struct layout *out);

/* "model1" -> 1, "model2" -> 2, else -1: the ModelId layouts by name. */
int layout_model_from_name(const char *name);

/* True when l has a chat region (tic_im_chat): such a layout shows the
 * chat without being asked to. */
bool layout_places_chat(const struct layout *l);

/* Reads a layout document (json, len bytes, need not be NUL-terminated).
 * It may be (REPLAY-FORMAT.md section 7):
 *   - a CustomLayout object itself ({Canvas, InputStreamList});
 *   - an object whose "CustomLayout" member holds one;
 *   - a request (or any object) whose MixStream.Custom holds one (Custom
 *     wins over ModelId);
 *   - a request whose MixStream.ModelId is 1 or 2, with an optional
 *     MixStream.TeacherId: layout_model()'s layout.
 * A CustomLayout may be given as an object or as a JSON string. name labels the diagnostics
 * ("mylayout.json: InputStreamList[2].LayoutParams.Width: expected integer, got string") and
 * becomes the layout's name. Unknown fields are ignored. An entry with a bad field is dropped with
 * an error line, the rest are kept; a region that overflows the canvas is clipped (warning), one
 * wholly outside is dropped (warning). Regions are left unbound (lane -1): call layout_bind().
 * Returns 0 (with diagnostics for what was dropped), SP_ELIMIT (over
 * LAYOUT_MAX_JSON_BYTES), SP_EPARSE (not JSON, no usable Canvas size, a
 * MixStream with neither Custom nor ModelId 1 or 2: one error line naming
 * the field), SP_EINVAL. diag may be NULL. */
int layout_parse_custom(const char *json, size_t len, const char *name, struct diag_list *diag,
                        struct layout *out);

/* Maps each region's InputStreamId to rec's lanes (rules above). A user
 * id with no lane gives an info line in diag (may be NULL) naming the
 * entry by its index in InputStreamList (for a ModelId layout: TeacherId).
 * Idempotent. */
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

/* The window's canvas: its drawable size (dw x dh pixels) within bounds:
 * at least LAYOUT_CANVAS_MIN_W x LAYOUT_CANVAS_MIN_H (sides swapped for a
 * portrait window: a smaller window shows that canvas scaled down), at
 * most LAYOUT_CANVAS_MAX_W x LAYOUT_CANVAS_MAX_H (swapped likewise; a
 * larger window shows the canvas scaled up, its aspect kept). */
#define LAYOUT_CANVAS_MIN_W 320
#define LAYOUT_CANVAS_MIN_H 240
#define LAYOUT_CANVAS_MAX_W 3840
#define LAYOUT_CANVAS_MAX_H 2160
void layout_canvas_for_window(int dw, int dh, int *w, int *h);

/* The canvas of a class that starts fullscreen (a kiosk) on a sw x sh
 * screen when no size was asked for: the screen's shape at the scale of
 * the default cw x ch, its long side cw x ch's long side (1280x720 on a
 * 1080x1920 screen: 720x1280), within layout_canvas_for_window()'s
 * bounds. The picture then fills the screen, portrait or not, without
 * bars. A screen of unknown size (sw or sh < 1) keeps cw x ch. */
void layout_canvas_for_screen(int cw, int ch, int sw, int sh, int *w, int *h);

/* out = l (a layout as made, view its whole canvas) with its canvas made
 * w x h and each region's rectangle re-mapped in proportion on each axis
 * (edges rounded, so regions that touched still touch; none shrinks below
 * one pixel): a custom layout following a window's new shape. out may be
 * l. Returns 0 or SP_EINVAL (sides 1..LAYOUT_MAX_DIM, a fitted l). */
int layout_remap(const struct layout *l, int w, int h, struct layout *out);

/* What kind of arrangement l is, for the state file: "custom" for a
 * layout read from a file (l->custom, even one named like a preset) or a
 * ModelId layout, else "portrait" when its canvas is taller than wide,
 * "landscape" otherwise. */
const char *layout_kind(const struct layout *l);

/* The region (index into l->regions) on top at window point (x, y), or -1. */
ptrdiff_t layout_hit(const struct layout *l, int x, int y);

/* Parses "WxH" (e.g. "1280x720") into *w, *h; each 1..LAYOUT_MAX_DIM.
 * Returns 0 or SP_EINVAL. */
int layout_parse_size(const char *s, int *w, int *h);

#endif
