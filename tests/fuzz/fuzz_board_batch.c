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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_BATCHES 8

static void differ(const char *what)
{
    fprintf(stderr, "fuzz_board_batch: parsed apart and read in turn differ: %s\n", what);
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct diag_list ds, dp;
    diag_init(&ds);
    diag_init(&dp);
    struct board_log *seq = board_log_create(), *par = board_log_create();
    size_t start = 0;
    for (int b = 0; seq && par && b < MAX_BATCHES && start <= size; b++) {
        const uint8_t *nl = memchr(data + start, '\n', size - start);
        size_t end = (nl && b < MAX_BATCHES - 1) ? (size_t)(nl - data) : size;
        size_t n = end - start;
        char *copy = malloc(n ? n : 1);
        if (!copy)
            break;
        memcpy(copy, data + start, n);
        struct board_batch *bb = NULL;
        if (board_batch_parse(copy, n, MAX_BATCHES - b, "fuzz", &bb) == 0) {
            int rs = board_log_add_batch(seq, copy, n, MAX_BATCHES - b, "fuzz", &ds);
            int rp = board_log_add_parsed(par, bb, copy, n, &dp);
            if (rs != rp)
                differ("return code");
        }
        board_batch_free(&bb);
        free(copy);
        start = end + 1;
    }
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
