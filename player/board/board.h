/* board.h - the whiteboard: operation log, board model, seek (replay format, section 5).
 *
 * Three objects, used in this order:
 *
 *   struct board_log     the operations of a class. board_log_add_batch() reads one
 *                        TXWhiteBoardExt batch ({"v":1,"ops":[...]}) into compact
 *                        records; board_log_finish() orders them by (t, MsgSeq,
 *                        position in the batch) and interns ids.
 *   struct board_player  owns a finished log; replays it once (warnings go to the
 *                        diag list then, once per op) and keeps snapshots, so
 *                        board_seek_us(w) = nearest snapshot at or before w + the ops
 *                        after it. Playing forward applies only the new ops.
 *   struct board_state   "the board at board time w", read-only for the renderer:
 *                        pages, the visible page, elements in z-order, viewport,
 *                        laser marks, in-progress strokes.
 *
 * Times are board (wall) time. The log stores each op's time in whole Unix ms
 * (the signal cache file and the layer cache hash depend on it); the log's
 * queries and the seeks take and return Unix µs (*_us): board time w_us
 * applies every op with t_ms * 1000 <= w_us (sp_floor_ms(), base/sp_time.h). The states
 * and the ops as read (board_state_time_us(), struct board_laser.t_us,
 * struct board_op_info.t_us) give those whole ms in µs (t_ms * 1000).
 * player/recording/timeline converts playback time:
 * ops made during a pause carry times inside the pause, and w(VideoTime) is
 * already past it, so they appear at the pause's VideoTime.
 *
 * Caps (input beyond them is refused with a diagnostic, never allocated from):
 *   BOARD_MAX_BATCH_BYTES   the Data text of one batch
 *   BOARD_MAX_BATCH_OPS     ops read per batch (the rest are dropped, one warning)
 *   BOARD_MAX_OPS           ops in a log (later batches are dropped, one warning)
 *   BOARD_MAX_OP_POINTS     points (x,y pairs) in one stroke.begin / stroke.append
 *   BOARD_MAX_STROKE_POINTS points in one stroke (appends beyond are skipped)
 *   BOARD_MAX_POINTS        points in a log
 *   BOARD_MAX_IDS           ids in one move / erase
 *   BOARD_MAX_NAME_BYTES    an element id, board id or user name
 *   BOARD_MAX_TEXT_BYTES    a text op's text
 *   BOARD_MAX_URL_BYTES     a background image URL
 *   BOARD_MAX_PAGES         distinct board ids; BOARD_MAX_USERS distinct users
 *   BOARD_MAX_COORD         |coordinate|, |dx|, |dy| in board units
 *   BOARD_MAX_STRING_BYTES  all names, texts, URLs of a log together
 * docs/board.md gives the op semantics as implemented (undo rules, snapshots).
 *
 * Threads: none inside. A player and the states it returns are used from one
 * thread at a time. board_batch_parse() touches nothing shared: batches may
 * be parsed on several threads at once and added to one log in order.
 */
#ifndef SP_BOARD_H
#define SP_BOARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/diag.h"
#include "base/sp_time.h"

struct sp_sink; /* base/sp_bytes.h */

#define BOARD_MAX_BATCH_BYTES (4u << 20)
#define BOARD_MAX_BATCH_OPS 20000
#define BOARD_MAX_OPS 4000000
#define BOARD_MAX_OP_POINTS 20000
#define BOARD_MAX_STROKE_POINTS 200000
#define BOARD_MAX_POINTS 32000000
#define BOARD_MAX_IDS 20000
#define BOARD_MAX_NAME_BYTES 256
#define BOARD_MAX_TEXT_BYTES 8192
#define BOARD_MAX_URL_BYTES 4096
#define BOARD_MAX_PAGES 10000
#define BOARD_MAX_USERS 100000
#define BOARD_MAX_COORD 1.0e6
#define BOARD_MAX_STRING_BYTES (256u << 20)

/* A laser dot is visible this long after its time (µs; a whole ms, as the
 * op times are). */
#define BOARD_LASER_US 1000000
/* At most this many laser marks are reported (the newest). */
#define BOARD_MAX_LASERS 64

/* ---- the model (read-only for the renderer) ------------------------------ */

enum board_fit {
    BOARD_FIT_CONTAIN, /* default: whole image visible, letterboxed */
    BOARD_FIT_COVER,   /* fills the page, cropped */
    BOARD_FIT_STRETCH  /* fills the page, aspect not kept */
};

enum board_elem_kind {
    BOARD_ELEM_STROKE,  /* freehand: tool, color, width, pts */
    BOARD_ELEM_LINE,    /* shape: x1,y1 -> x2,y2 */
    BOARD_ELEM_ARROW,   /* shape: arrow head at x2,y2 */
    BOARD_ELEM_RECT,    /* shape: corners x1,y1 and x2,y2 (any order) */
    BOARD_ELEM_ELLIPSE, /* shape: inscribed in the rect x1,y1,x2,y2 */
    BOARD_ELEM_TEXT     /* text at x1,y1 (top-left), size px, may hold '\n' */
};

enum board_tool {
    BOARD_TOOL_PEN,
    BOARD_TOOL_HIGHLIGHTER /* translucent; one stroke never darkens itself */
};

struct board_rect {
    float x0, y0, x1, y1; /* board units, x0 <= x1, y0 <= y1 */
};

/* Colors are RGBA packed 0xRRGGBBAA ("#RRGGBB" gives alpha 0xFF). */
struct board_background {
    bool has_color;
    uint32_t color;
    const char *image; /* URL as written in the op (relative to the manifest) or NULL;
                        * owned by the log */
    enum board_fit fit;
};

struct board_viewport {
    double scale; /* zoom factor, 1 = board units to page pixels as is */
    double x, y;  /* top-left of the visible area, board units */
};

/* One element. Immutable and shared between states: never write to it.
 * Geometry is stored as drawn at creation; moves accumulate in (dx, dy):
 * draw every point / corner at (x + dx, y + dy). bbox already includes the
 * translation and half the line width. Strings and points are owned by the
 * log and live as long as the player. */
struct board_element {
    uint32_t refs;     /* internal */
    uint32_t id;       /* dense element index (0..n-1 over the log) */
    const char *name;  /* the id as written in the ops */
    uint32_t page;     /* index of its page (struct board_page.index) */
    uint32_t page_gen; /* internal: generation of the page it was drawn on */
    uint32_t slot;     /* z-order position on its page */
    enum board_elem_kind kind;
    enum board_tool tool; /* strokes */
    bool finished;        /* stroke: stroke.end seen (shapes, text: always true) */
    bool has_fill;        /* rect / ellipse */
    uint32_t color;       /* RGBA */
    uint32_t fill;        /* RGBA, if has_fill */
    float width;          /* line width, board units */
    const float *pts;     /* stroke: x0,y0,x1,y1,... (npts pairs) */
    uint32_t npts;
    float x1, y1, x2, y2;   /* shapes; text: x1,y1 = top-left */
    const char *text;       /* text (UTF-8, NUL-terminated), else NULL */
    float size;             /* text size px */
    double dx, dy;          /* translation by moves */
    struct board_rect bbox; /* text: estimated from size and character counts */
};

/* One page (board). Fields are read-only. */
struct board_page {
    uint32_t refs;    /* internal */
    uint32_t index;   /* dense page index, stable for the whole log */
    uint32_t gen;     /* internal: changes when a removed id is added again */
    const char *name; /* the board id as written; owned by the log */
    struct board_background bg;
    struct board_viewport view;
    /* Changes whenever the page changes in a way other than "new elements at the
     * top of the z-order / points appended to unfinished strokes": background,
     * viewport, undo, redo, erase, clear, move. A renderer caching drawn finished
     * elements redraws when it changes (or when board_state_serial() does). */
    uint64_t version;
    void *slots; /* internal: z-order vector */
};

struct board_laser {
    int64_t t_us;  /* board time of the laser op (Unix µs, its whole ms * 1000);
                      visible until t_us + BOARD_LASER_US */
    uint32_t page; /* page index */
    float x, y;    /* board units */
};

struct board_state;

/* Board time the state shows, Unix µs: the whole ms it was brought to, in µs
 * (sp_ms_to_us(sp_floor_ms(w_us)) after a seek to w_us, so never later than
 * w_us); every op with t_us <= it is applied. INT64_MIN for the empty board a
 * player starts at, 0 for NULL. */
int64_t board_state_time_us(const struct board_state *s);

/* The page being shown (last board.switch to a page that still exists), or NULL. */
const struct board_page *board_state_current(const struct board_state *s);

/* Pages by index (0 .. count-1); NULL for indices not added yet or removed. */
uint32_t board_state_page_count(const struct board_state *s);
const struct board_page *board_state_page(const struct board_state *s, uint32_t index);

/* Z-order of a page: slots 0 .. board_page_slot_count()-1, bottom first.
 * board_state_slot() is NULL for an empty slot (erased, undone, cleared).
 * Both O(1). Unfinished strokes are in their slot with finished == false. */
uint32_t board_page_slot_count(const struct board_page *p);
const struct board_element *board_state_slot(const struct board_state *s,
                                             const struct board_page *p, uint32_t slot);

/* Laser marks visible at the state's time (t_us in (time - BOARD_LASER_US, time]),
 * oldest first, at most BOARD_MAX_LASERS. Fills out[] and returns the count. */
size_t board_state_lasers(const struct board_state *s, struct board_laser *out, size_t cap);

/* Changes whenever the state was rebuilt from a snapshot (a seek that was not a
 * pure move forward): everything cached from the state must be redrawn. */
uint64_t board_state_serial(const struct board_state *s);

/* Canonical text dump (pages, elements in z-order, undo/redo stacks, lasers) and
 * a 64-bit hash of that same text: equal states, equal dumps. */
void board_state_dump(const struct board_state *s, FILE *f);
uint64_t board_state_hash(const struct board_state *s);

/* ---- the operation log ----------------------------------------------------- */

struct board_log;

/* Returns NULL only when out of memory. */
struct board_log *board_log_create(void);
/* NULL-safe. Do not free a log handed to board_player_create(). */
void board_log_free(struct board_log *log);

/* Reads one batch: data_json is the Data string of a TXWhiteBoardExt custom
 * element ({"v":1,"ops":[...]}), len its bytes (need not be NUL-terminated).
 * msg_seq orders batches with equal op times; where names the message for
 * diagnostics (e.g. "im/messages-001.json: RspMsgList[4]"; copied).
 * Every field is checked: a bad op is skipped with one diagnostic line
 * "<where>: Data.ops[2].pts: expected an array of numbers"; the rest are kept.
 * Returns 0 (also when ops were skipped), SP_EPARSE (not JSON / wrong shape,
 * nothing kept), SP_EUNSUPPORTED ("v" is not 1, nothing kept), SP_ELIMIT (a
 * log-wide cap was hit; ops before it are kept), SP_EINVAL (finished log) or
 * SP_ENOMEM. */
int board_log_add_batch(struct board_log *log, const char *data_json, size_t len, int64_t msg_seq,
                        const char *where, struct diag_list *diag);

/* A batch read apart from any log, so that the reading (the JSON, every
 * check) can run on other threads than the one that feeds the log:
 *
 *   board_batch_parse(data, len, seq, where, &b)      any thread
 *   board_log_add_parsed(log, b, data, len, diag)     the log's thread, in order
 *
 * gives the log, the return code and the diagnostic lines (same text, same
 * order) that board_log_add_batch(log, data, len, seq, where, diag) gives:
 * the same ops, board ids, element ids and users numbered in the same
 * first-use order, the same strings at the same offsets. Adding costs a
 * copy of the batch's records and one lookup per distinct name; the JSON
 * is read again only when the log is within one batch of a log-wide cap
 * (BOARD_MAX_OPS, _POINTS, _STRING_BYTES, _PAGES, _USERS), where the read
 * of an empty log cannot tell what this log's read gives.
 *
 * board_batch_parse(): the arguments as for board_log_add_batch() (where is
 * copied). *out is a new batch, also when the text was refused (the
 * refusal is kept and given when it is added). Returns 0, SP_EINVAL (out
 * NULL, or data_json NULL with len > 0) or SP_ENOMEM; *out is NULL on error. */
struct board_batch;
int board_batch_parse(const char *data_json, size_t len, int64_t msg_seq, const char *where,
                      struct board_batch **out);
/* As board_batch_parse(), reusing spare (a batch added and no longer
 * needed, or NULL) for *out: its arrays keep their room, so a thread that
 * reads many batches does not allocate and free each one's. The result is
 * the same as board_batch_parse()'s. spare is taken on success and on
 * error. */
int board_batch_parse_into(const char *data_json, size_t len, int64_t msg_seq, const char *where,
                           struct board_batch *spare, struct board_batch **out);
/* NULL-safe; sets *b to NULL. */
void board_batch_free(struct board_batch **b);
/* The bytes b holds (its arrays' room), 0 for NULL: what keeping it as a
 * spare costs. */
size_t board_batch_bytes(const struct board_batch *b);

/* Adds a parsed batch to log (not finished); data_json and len must be the
 * text it was parsed from (read again only near a cap, as said above). The
 * batch's diagnostics move to diag; add a batch once, then free it.
 * Returns what board_log_add_batch() would return. */
int board_log_add_parsed(struct board_log *log, struct board_batch *b, const char *data_json,
                         size_t len, struct diag_list *diag);

/* Orders the ops by (t, msg_seq, position) and interns ids. No batch can be
 * added afterwards. Returns 0 or SP_ENOMEM. */
int board_log_finish(struct board_log *log, struct diag_list *diag);

size_t board_log_op_count(const struct board_log *log);
/* Time (Unix µs: the op's whole ms * 1000) of the first / last op (0 when
 * empty). Valid after finish. */
int64_t board_log_first_time_us(const struct board_log *log);
int64_t board_log_last_time_us(const struct board_log *log);
/* Ops with t_ms * 1000 <= w_us, and the time (Unix µs, t_ms * 1000) of the
 * first op after w_us (INT64_MAX when none): how far the board has got and
 * when it changes next. Valid after finish (0 / INT64_MAX before). O(log n). */
size_t board_log_ops_until_us(const struct board_log *log, int64_t w_us);
int64_t board_log_next_op_time_us(const struct board_log *log, int64_t w_us);
/* One op of a finished log as navigation reads it (player/navigate.c):
 * its kind, time and page. Strings are owned by the log. */
enum board_op_kind {
    BOARD_OP_ADD,
    BOARD_OP_SWITCH,
    BOARD_OP_REMOVE,
    BOARD_OP_BG,
    BOARD_OP_STROKE_BEGIN,
    BOARD_OP_STROKE_APPEND,
    BOARD_OP_STROKE_END,
    BOARD_OP_SHAPE,
    BOARD_OP_TEXT,
    BOARD_OP_MOVE,
    BOARD_OP_ERASE,
    BOARD_OP_CLEAR,
    BOARD_OP_UNDO,
    BOARD_OP_REDO,
    BOARD_OP_LASER,
    BOARD_OP_VIEW
};
struct board_op_info {
    int64_t t_us; /* board time, Unix µs (the op's whole ms * 1000) */
    enum board_op_kind kind;
    uint32_t page;     /* page index (struct board_page.index), UINT32_MAX: none named */
    const char *board; /* the page's id as written, NULL when none is named */
    const char *image; /* board.add / board.bg: the image URL as written, else NULL */
    bool skipped;      /* a player's replay found it had no effect (unknown id, ...) */
};
/* Op i (0 .. board_log_op_count()-1, in time order) of a finished log.
 * Returns 0, or SP_EINVAL (NULL, not finished, i out of range). O(1). */
int board_log_op_info(const struct board_log *log, size_t i, struct board_op_info *out);
/* Bytes the log holds (records, points, strings). */
size_t board_log_bytes(const struct board_log *log);

/* Calls fn(opaque, url) for the image URL of every board.add / board.bg op
 * read so far (before or after finish), in log order, repeats included; URLs
 * are as written (relative ones stay relative) and owned by the log. Stops
 * at the first non-zero return of fn and returns it; else 0. For
 * `sigplay fetch`, which downloads the page images (player/board/board_assets.c). */
int board_log_image_urls(const struct board_log *log, int (*fn)(void *opaque, const char *url),
                         void *opaque);

/* A copy of the log as it is now (unfinished, or finished), owned by the
 * caller (board_log_free()). The copy and the original are independent: a
 * generation can be finished and played from the copy while batches are
 * still added to the original. Cost: a memcpy of the log's arrays, no op is
 * read again. NULL if log is NULL or out of memory. */
struct board_log *board_log_clone(const struct board_log *log);

/* The serialized form of a FINISHED log (docs/board.md, "Serialized log"):
 * versioned, little-endian, with a checksum. *data is a new malloc'd buffer
 * of *len bytes, owned by the caller (free()). Flags set by a player's replay
 * are not written, so a log may be serialized before or after it was handed
 * to board_player_create() (not while a player is being created over it).
 * Returns 0, SP_EINVAL (NULL argument or log not finished), SP_ELIMIT or
 * SP_ENOMEM; *data is NULL on error. */
int board_log_serialize(const struct board_log *log, uint8_t **data, size_t *len);

/* The same bytes streamed: out->put() gets them in pieces of at most 64 KB,
 * in order, through a buffer of that size (the form is never held whole:
 * the signaling cache writes a long class's log this way). Their number is
 * what board_log_serialized_len() gives. Returns 0, what board_log_serialize()
 * returns, or the first error out->put() returned (the writing stops). */
int board_log_serialize_to(const struct board_log *log, const struct sp_sink *out);
int board_log_serialized_len(const struct board_log *log, uint64_t *len);

/* Loads a serialized log: *out is a new FINISHED log (board_log_free(), or
 * hand it to board_player_create()) equal to the one serialized: same ops in
 * the same order, same strings, same points, so a player over it gives the
 * same state at every time. The input is borrowed and may be freed after.
 * Every count is checked against the caps above and against the bytes
 * present before anything is allocated from it; every index and offset is
 * checked. Input that is damaged (checksum), truncated, foreign or
 * inconsistent gives SP_EPARSE, another format version SP_EUNSUPPORTED; both
 * with one diagnostic line "board log cache: <reason>". Else 0, SP_EINVAL
 * or SP_ENOMEM. *out is NULL on error. */
int board_log_deserialize(const uint8_t *data, size_t len, struct board_log **out,
                          struct diag_list *diag);

/* ---- the player: state at any time ---------------------------------------- */

struct board_opts {
    uint32_t snap_every_ops; /* a snapshot at least every N ops; 0 = no snapshots */
    int64_t snap_every_us;   /* ... and after this much board time (µs) with any op; 0 = off */
};

#define BOARD_OPTS_DEFAULT                                                                         \
    {                                                                                              \
        2000, 60000000                                                                             \
    }

struct board_player;

/* Takes ownership of a finished log (also on failure: it is freed). Replays
 * every op once: warnings for ops that name an unknown id or board, or that
 * cannot apply, go to diag once here (never again on seek); snapshots are
 * taken on the way. opts NULL = BOARD_OPTS_DEFAULT. The player starts at the
 * empty board (time INT64_MIN). Returns 0, SP_EINVAL (log not finished) or
 * SP_ENOMEM; *out is NULL on error. */
int board_player_create(struct board_player **out, struct board_log *log,
                        const struct board_opts *opts, struct diag_list *diag);
/* NULL-safe; sets *p to NULL. Frees the log and every state. */
void board_player_destroy(struct board_player **p);

/* Brings the state to board time w_us (Unix µs; every op with
 * t_ms * 1000 <= w_us applied; board_state_time_us() is then that
 * whole ms in µs). Forward by a few ops: applies them. Otherwise:
 * restores the nearest snapshot at or before w_us and applies the ops after
 * it (board_state_serial changes). Returns 0 or SP_ENOMEM (the state is
 * then the empty board). */
int board_seek_us(struct board_player *p, int64_t w_us);

/* The baseline: rebuilds the state at w_us from the empty board, ignoring
 * snapshots. Same result as board_seek_us(). For tests and benchmarks. */
int board_seek_from_start_us(struct board_player *p, int64_t w_us);

/* A state of its own at board time w_us (Unix µs; every op with t <= the
 * whole ms at or before w_us applied), built from the nearest snapshot at
 * or before it plus the ops after it, without moving the player's current
 * state (hover thumbnails of the seek bar). Costs at most one snapshot
 * spacing of ops (snap_every_ops). The state shares the log's strings and
 * elements: free it with board_state_free() before the player is
 * destroyed, on the player's thread. Returns 0 and *out, SP_EINVAL or
 * SP_ENOMEM (*out NULL). */
int board_player_state_at_us(const struct board_player *p, int64_t w_us, struct board_state **out);
/* Frees a state from board_player_state_at_us(). NULL-safe; sets *s NULL. */
void board_state_free(struct board_state **s);

/* The snapshots board_player_state_at_us() starts from, for a caller that
 * keeps something per snapshot (render/thumb_cache.c: a small raster of
 * each). board_player_snapshot_count() is at least 1 (snapshot 0 is the
 * empty board); board_player_snapshot_index_us() is the index of the one
 * a state at w_us starts from (0 for a NULL player); board_player_snapshot()
 * is that snapshot's state, owned by the player (valid until it is
 * destroyed), or NULL for an index out of range. Elements a snapshot and a
 * state built from it share are the same pointers: an element that differs
 * between two states of one player is a different pointer. O(log n). */
size_t board_player_snapshot_count(const struct board_player *p);
size_t board_player_snapshot_index_us(const struct board_player *p, int64_t w_us);
const struct board_state *board_player_snapshot(const struct board_player *p, size_t i);

/* The current state; valid until the next seek or destroy. */
const struct board_state *board_player_state(const struct board_player *p);
const struct board_log *board_player_log(const struct board_player *p);

struct board_stats {
    size_t snapshots;   /* snapshots kept */
    size_t model_bytes; /* bytes of board model alive now: snapshots + current
                         * state (elements, pages, vectors, undo stacks); shared
                         * data counted once; the log is not included */
    size_t log_bytes;   /* board_log_bytes() */
    size_t ops_applied; /* ops applied by seeks since creation (cost measure) */
};
void board_player_stats(const struct board_player *p, struct board_stats *st);

#endif
