/* fuzz_board_batch.c - whiteboard batches read apart (board_batch_parse) and
 * added to a log (board_log_add_parsed) against the same batches read in
 * turn (board_log_add_batch): every return code, every diagnostic line and
 * the serialized finished log must be the same, or the target aborts.
 *
 * The input is split at newlines into up to 8 batches, each an exact-size
 * copy so reads past its end are caught; msg_seq counts down so the
 * ordering by MsgSeq runs.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/diag.h"
#include "player/board/board.h"
#include "split_batches.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_BATCHES 8

static void differ(const char *what)
{
    fprintf(stderr, "fuzz_board_batch: parsed apart and read in turn differ: %s\n", what);
    abort();
}

struct both_ctx {
    struct board_log *seq, *par;
    struct diag_list *ds, *dp;
    struct board_batch *spare; /* the last batch added, read into again */
};

/* One batch into both logs: read in turn, and parsed apart then added.
 * Every batch after the first is read into the one before it
 * (board_batch_parse_into()), as the signaling workers reuse theirs. */
static void add_both(const char *copy, size_t n, int64_t msg_seq, void *user)
{
    struct both_ctx *c = user;
    struct board_batch *bb = NULL;
    struct board_batch *spare = c->spare;
    c->spare = NULL;
    if (board_batch_parse_into(copy, n, msg_seq, "fuzz", spare, &bb) == 0) {
        int rs = board_log_add_batch(c->seq, copy, n, msg_seq, "fuzz", c->ds);
        int rp = board_log_add_parsed(c->par, bb, copy, n, c->dp);
        if (rs != rp)
            differ("return code");
    }
    c->spare = bb;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct diag_list ds, dp;
    diag_init(&ds);
    diag_init(&dp);
    struct board_log *seq = board_log_create(), *par = board_log_create();
    struct both_ctx both = {seq, par, &ds, &dp, NULL};
    if (seq && par)
        split_batches(data, size, MAX_BATCHES, add_both, &both);
    board_batch_free(&both.spare);
    if (ds.count != dp.count || ds.warnings != dp.warnings)
        differ("number of diagnostics");
    for (size_t i = 0; i < ds.count; i++)
        if (strcmp(ds.items[i].text, dp.items[i].text) != 0)
            differ(ds.items[i].text);
    uint8_t *a = NULL, *b = NULL;
    size_t la = 0, lb = 0;
    if (seq && par && board_log_finish(seq, &ds) == 0 && board_log_finish(par, &dp) == 0 &&
        board_log_serialize(seq, &a, &la) == 0 && board_log_serialize(par, &b, &lb) == 0 &&
        (la != lb || memcmp(a, b, la) != 0))
        differ("serialized log");
    free(a);
    free(b);
    board_log_free(seq);
    board_log_free(par);
    diag_clear(&ds);
    diag_clear(&dp);
    return 0;
}
