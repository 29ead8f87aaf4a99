/* board_internal.h - shared by player/board_*.c only; not a public header.
 *
 * The log (board_log.c) holds compact op records (struct bop) plus side pools
 * (params, points, id lists, strings). The model (board_state.c) is
 * persistent: elements are immutable and refcounted, page slot vectors and the
 * element table are chunked copy-on-write vectors, undo stacks are shared
 * linked lists. A snapshot is a clone that shares everything unchanged.
 */
#ifndef SP_BOARD_INTERNAL_H
#define SP_BOARD_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "player/board/board.h"
#include "base/diag.h"

#define BNONE UINT32_MAX

enum bop_kind {
    BOP_BOARD_ADD,
    BOP_BOARD_SWITCH,
    BOP_BOARD_REMOVE,
    BOP_BOARD_BG,
    BOP_STROKE_BEGIN,
    BOP_STROKE_APPEND,
    BOP_STROKE_END,
    BOP_SHAPE,
    BOP_TEXT,
    BOP_MOVE,
    BOP_ERASE,
    BOP_CLEAR,
    BOP_UNDO,
    BOP_REDO,
    BOP_LASER,
    BOP_VIEW,
    BOP__COUNT
};

/* Op flags. DUP and CAP are decided by board_log_finish() from the sorted
 * order; SKIPPED is set by the player's first replay. */
#define BOPF_DUP 0x01     /* create op for an id created earlier in the log */
#define BOPF_CAP 0x02     /* append beyond BOARD_MAX_STROKE_POINTS */
#define BOPF_SKIPPED 0x04 /* the op had no effect (warned once) */

/* One op record (40 bytes). Payload by kind:
 *   BOARD_ADD, BOARD_BG   a = params: u[0] color, u[1] image string off+1 (0 none),
 *                         u[2] bit0 has_color, bits 8.. fit
 *   STROKE_BEGIN          a = params: u[0] color, u[1] tool, f[0] width;
 *                         before finish u[2]/u[3] raw points off/count;
 *                         after finish b = the stroke's points so far
 *   STROKE_APPEND         before finish a/b raw points off/count; after: b as above
 *   SHAPE                 a = params: f[0..3] x1 y1 x2 y2, f[4] width, u[0] color,
 *                         u[1] fill, u[2] kind | has_fill << 8
 *   TEXT                  a = params: f[0] x, f[1] y, f[2] size, u[0] color,
 *                         u[1] text off, u[2] text bytes
 *   MOVE                  a = params: f[0] dx, f[1] dy, u[0] ids off, u[1] count
 *   ERASE                 a = ids off, b = count
 *   LASER                 a = params: f[0] x, f[1] y
 *   VIEW                  a = params: f[0] scale, f[1] x, f[2] y
 */
struct bop {
    int64_t t;      /* board ms */
    uint32_t batch; /* index into log->batches */
    uint32_t user;  /* user index */
    uint32_t board; /* page index or BNONE */
    uint32_t id;    /* element index or BNONE */
    uint32_t a, b;
    uint16_t pos; /* position in the batch's ops array */
    uint8_t kind;
    uint8_t flags;
};

struct bparam {
    float f[5];
    uint32_t u[4];
};

struct bbatch {
    int64_t seq;
    uint32_t where; /* string offset */
};

/* What reading a batch put in a log's pools, in order (kept only by the
 * private log of a struct board_batch): a string (a = its offset, len its
 * bytes without the NUL) or the first use of a name in one of the tables
 * (a = the name's index there). Replaying them into another log interns
 * names and lays out strings exactly as reading the batch there would. */
enum bev_kind { BEV_STR, BEV_ELEM, BEV_BOARD, BEV_USER };

struct bevent {
    uint32_t kind; /* enum bev_kind */
    uint32_t a;
    uint32_t len;
};

struct brec {
    struct bevent *ev;
    size_t nev, cap_ev;
    size_t peak_pts_f; /* largest "floats before + floats of the op" a points check saw */
    bool inexact;      /* a cap was met whose outcome depends on the log added to */
    bool oom;          /* an event could not be recorded */
};

/* Interned names: index -> string offset; open addressing table. */
struct bnames {
    uint32_t *off; /* index -> string offset */
    uint32_t n, cap;
    uint32_t *table; /* slots hold index+1, 0 empty */
    uint32_t tcap;   /* power of two */
};

struct board_log {
    bool finished;
    struct bop *ops;
    size_t nops, cap_ops;
    struct bparam *params;
    size_t nparams, cap_params;
    float *pts;               /* x,y pairs; after finish: per stroke, contiguous */
    size_t npts_f, cap_pts_f; /* floats */
    uint32_t *ids;
    size_t nids, cap_ids;
    char *str;
    size_t nstr, cap_str;
    struct bbatch *batches;
    size_t nbatches, cap_batches;
    struct bnames elems, boards, users;
    uint32_t *stroke_off; /* per element: float offset of its points (after finish) */
    bool warned_ops_cap;
    struct brec *rec; /* only the private log of a board_batch: records its events */
};

static inline const char *blog_str(const struct board_log *log, uint32_t off)
{
    return log->str + off;
}

/* ---- model internals -------------------------------------------------------- */

struct bmem {
    size_t bytes; /* live bytes allocated by the model */
};

#define PV_BITS 6
#define PV_CHUNK (1u << PV_BITS)

struct pchunk {
    uint32_t refs;
    uintptr_t v[PV_CHUNK];
};

/* Chunked copy-on-write vector of uintptr_t. A NULL chunk reads as zeros.
 * With elems set, non-zero values are struct board_element pointers and every
 * chunk holds one reference on each. */
struct pvec {
    uint32_t n;        /* length */
    uint32_t nchunks;  /* spine capacity in chunks */
    struct pchunk **c; /* spine (owned by the vector, copied on clone) */
    bool elems;
};

struct bpage {
    struct board_page pub; /* pub.slots points to slots */
    struct pvec slots;     /* element index + 1, 0 = empty */
};

struct idset {
    uint32_t refs;
    uint32_t n;
    uint32_t ids[];
};

enum ucell_kind { UC_ADD, UC_MOVE, UC_ERASE, UC_CLEAR };

/* One undo/redo entry; lists share tails between states. */
struct ucell {
    uint32_t refs;
    uint8_t kind;
    uint32_t id;       /* UC_ADD: element, BNONE if the entry changes nothing */
    struct idset *set; /* others (may be NULL = empty) */
    double dx, dy;     /* UC_MOVE */
    struct ucell *next;
};

struct board_state {
    const struct board_log *log;
    struct bmem *mem;
    int64_t time;
    size_t pos; /* ops [0, pos) applied */
    uint64_t serial;
    uint64_t version_counter;
    uint32_t current; /* page index or BNONE */
    uint32_t npages;
    struct bpage **pages;
    struct pvec elems; /* element index -> element (NULL: never created) */
    uint32_t nusers;
    struct ucell **undo, **redo;
};

struct board_state *bstate_new(const struct board_log *log, struct bmem *mem);
struct board_state *bstate_clone(const struct board_state *s);
void bstate_free(struct board_state *s);
/* Applies log->ops[pos] (op index == s->pos). Warnings go to diag (may be
 * NULL); returns 1 if the op had no effect, 0 if applied, SP_ENOMEM. */
int bstate_apply(struct board_state *s, const struct bop *op, struct diag_list *diag);

/* The number of ops with t_ms * 1000 <= w_us in a finished log (binary
 * search: the ops are ordered by t). w_us is floored to the whole ms the ops
 * are stored in (sp_floor_ms()) once, here. */
size_t board_log_upper_bound_us(const struct board_log *log, int64_t w_us);

/* "where: Data.ops[N] (kind)" prefix for warnings about an op. */
void blog_op_where(const struct board_log *log, const struct bop *op, char *buf, size_t len);
const char *blog_kind_name(int kind);

#endif
