/* fuzz_board_draw.c - whiteboard op batches replayed and then drawn: the
 * board at a few times rendered onto a small canvas through the page layer
 * cache (board_draw_frame) and directly (board_draw_full), so fuzzed
 * geometry (dense, self-crossing, huge or non-finite strokes, shapes,
 * text, views) goes through render/raster and FreeType, not only the
 * parser. Drawing is slow next to parsing, so the suite runs fewer inputs:
 * fuzz-runs: 3000
 *
 * The input is split at newlines into up to 8 batches as in
 * fuzz_board_ops.c, each an exact-size copy. A drawing error other than
 * out of memory aborts: board_draw skips what it cannot draw.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/diag.h"
#include "base/sp_error.h"
#include "player/board/board.h"
#include "split_batches.h"
#include "render/board_draw.h"
#include "render/canvas.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_BATCHES 8
#define CANVAS_W 96 /* pixels: small, so an input draws fast */
#define CANVAS_H 72

/* One drawer for the process: it opens a font through fontconfig, which
 * costs far more than drawing one input. */
static struct board_draw *drawer(void)
{
    static struct board_draw *bd;
    static int tried;
    if (!tried) {
        tried = 1;
        struct board_draw_opts o = {0, 0, NULL, NULL, NULL};
        if (board_draw_create(&bd, CANVAS_W, CANVAS_H, &o) != 0)
            bd = NULL;
    }
    return bd;
}

static void draw_at(struct board_player *p, int64_t t, struct canvas *full)
{
    if (board_seek_us(p, t * 1000) != 0)
        return;
    const struct board_state *s = board_player_state(p);
    struct board_draw *bd = drawer();
    if (!bd)
        return;
    const struct canvas *frame = NULL;
    int rc = board_draw_frame(bd, s, &frame);
    if (rc != 0 && rc != SP_ENOMEM) {
        fprintf(stderr, "fuzz_board_draw: board_draw_frame: %s\n", sp_strerror(rc));
        abort();
    }
    rc = full ? board_draw_full(bd, s, full) : 0;
    if (rc != 0 && rc != SP_ENOMEM) {
        fprintf(stderr, "fuzz_board_draw: board_draw_full: %s\n", sp_strerror(rc));
        abort();
    }
    struct diag_list d;
    diag_init(&d);
    board_draw_take_diags(bd, &d);
    diag_clear(&d);
}

struct add_ctx {
    struct board_log *log;
    struct diag_list *d;
};

static void add_batch(const char *copy, size_t n, int64_t msg_seq, void *user)
{
    struct add_ctx *a = user;
    board_log_add_batch(a->log, copy, n, msg_seq, "fuzz", a->d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct diag_list d;
    diag_init(&d);
    struct board_log *log = board_log_create();
    if (!log)
        return 0;
    split_batches(data, size, MAX_BATCHES, add_batch, &(struct add_ctx){log, &d});
    if (board_log_finish(log, &d) != 0) {
        board_log_free(log);
        diag_clear(&d);
        return 0;
    }
    int64_t t0 = board_log_first_time_us(log) / 1000, t1 = board_log_last_time_us(log) / 1000;
    struct board_player *p = NULL;
    struct board_opts o = {3, 50000};
    if (board_player_create(&p, log, &o, &d) != 0) {
        diag_clear(&d);
        return 0;
    }
    struct canvas *full = NULL;
    if (canvas_create(&full, CANVAS_W, CANVAS_H) != 0)
        full = NULL;
    /* forward, then back (a full layer redraw), then the end again */
    int64_t times[] = {t0, t0 + (t1 - t0) / 2, t1, t0 + (t1 - t0) / 3, t1 + 1};
    for (size_t i = 0; i < sizeof(times) / sizeof(times[0]); i++)
        draw_at(p, times[i], i == 2 ? full : NULL);
    canvas_destroy(&full);
    board_player_destroy(&p);
    diag_clear(&d);
    return 0;
}
