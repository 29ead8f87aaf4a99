/* fuzz_board_ops.c - whiteboard op batches through the log, the first replay
 * with snapshots, and seeks.
 *
 * The input is split at newlines into up to 8 batches (msg_seq counts down so
 * the ordering by MsgSeq runs); each gets an exact-size copy so reads past
 * its end are caught. Then the player replays them with a tiny snapshot
 * spacing and seeks around the log's time range; a seek must give the same
 * state as the replay from the empty board, or the target aborts.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "player/board/board.h"
#include "split_batches.h"
#include "base/diag.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_BATCHES 8

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
    int64_t span = t1 - t0;
    int64_t times[] = {t1, t0 - 1, t0, t0 + span / 3, t0 + span / 2 + 1, t1 + 999, t0 + span / 5};
    for (size_t i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
        if (board_seek_us(p, times[i] * 1000) != 0)
            continue;
        const struct board_state *s = board_player_state(p);
        uint64_t h1 = board_state_hash(s);
        /* Read the state as the renderer does. */
        const struct board_page *cur = board_state_current(s);
        float sum = 0;
        for (uint32_t k = 0; cur && k < board_page_slot_count(cur); k++) {
            const struct board_element *e = board_state_slot(s, cur, k);
            if (e && e->kind == BOARD_ELEM_STROKE && e->npts)
                sum += e->pts[2 * e->npts - 1];
        }
        struct board_laser l[BOARD_MAX_LASERS];
        board_state_lasers(s, l, BOARD_MAX_LASERS);
        (void)sum;
        if (board_seek_from_start_us(p, times[i] * 1000) != 0)
            continue;
        uint64_t h2 = board_state_hash(board_player_state(p));
        if (h1 != h2) {
            fprintf(stderr, "fuzz_board_ops: seek and replay from start differ at %lld\n",
                    (long long)times[i]);
            abort();
        }
    }
    board_player_destroy(&p);
    diag_clear(&d);
    return 0;
}
