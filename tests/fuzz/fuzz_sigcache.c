/* fuzz_sigcache.c - the serialized board log and chat model (the signaling
 * cache) through their deserializers.
 *
 * Each input goes to both deserializers as an exact-size copy (reads past
 * its end are caught). Random bytes rarely carry a valid checksum, so a
 * second copy is resealed (length field and checksum recomputed) to reach
 * the structural checks behind them. Whatever loads is serialized again and
 * must load and serialize to the same bytes; a loaded board log is played
 * with a tiny snapshot spacing and seeks must equal the replay from the
 * empty board, or the target aborts.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "im/chat.h"
#include "player/board/board.h"
#include "base/diag.h"
#include "base/sp_bytes.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_board(const uint8_t *buf, size_t len)
{
    struct diag_list d;
    diag_init(&d);
    struct board_log *log = NULL;
    if (board_log_deserialize(buf, len, &log, &d) != 0) {
        if (d.count != 1) {
            fprintf(stderr, "fuzz_sigcache: a refused board log gave %zu diagnostics\n", d.count);
            abort();
        }
        diag_clear(&d);
        return;
    }
    uint8_t *again = NULL;
    size_t alen = 0;
    struct board_log *back = NULL;
    if (board_log_serialize(log, &again, &alen) != 0 ||
        board_log_deserialize(again, alen, &back, &d) != 0) {
        fprintf(stderr, "fuzz_sigcache: a loaded board log does not round-trip\n");
        abort();
    }
    uint8_t *third = NULL;
    size_t tlen = 0;
    if (board_log_serialize(back, &third, &tlen) != 0 || tlen != alen ||
        memcmp(third, again, alen) != 0) {
        fprintf(stderr, "fuzz_sigcache: board log bytes change on a round trip\n");
        abort();
    }
    free(third);
    free(again);
    board_log_free(back);

    int64_t t0 = board_log_first_time_us(log) / 1000, t1 = board_log_last_time_us(log) / 1000;
    struct board_player *p = NULL;
    struct board_opts o = {3, 50000};
    if (board_player_create(&p, log, &o, &d) == 0) {
        int64_t span = t1 - t0;
        int64_t times[] = {t1, t0 - 1, t0 + span / 2, t0, t1 + 1, t0 + span / 3};
        for (size_t i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
            if (board_seek_us(p, times[i] * 1000) != 0)
                continue;
            uint64_t h1 = board_state_hash(board_player_state(p));
            if (board_seek_from_start_us(p, times[i] * 1000) != 0)
                continue;
            if (h1 != board_state_hash(board_player_state(p))) {
                fprintf(stderr, "fuzz_sigcache: seek and replay differ at %lld\n",
                        (long long)times[i]);
                abort();
            }
        }
        board_player_destroy(&p);
    }
    diag_clear(&d);
}

static void check_chat(const uint8_t *buf, size_t len)
{
    struct diag_list d;
    diag_init(&d);
    struct chat_log *c = NULL;
    if (chat_log_deserialize(buf, len, &c, &d) != 0) {
        if (d.count != 1) {
            fprintf(stderr, "fuzz_sigcache: a refused chat gave %zu diagnostics\n", d.count);
            abort();
        }
        diag_clear(&d);
        return;
    }
    uint8_t *again = NULL;
    size_t alen = 0;
    struct chat_log *back = NULL;
    if (chat_log_serialize(c, &again, &alen) != 0 ||
        chat_log_deserialize(again, alen, &back, &d) != 0) {
        fprintf(stderr, "fuzz_sigcache: a loaded chat does not round-trip\n");
        abort();
    }
    /* The loaded chat answers queries like the panel asks them. */
    size_t first = 0;
    size_t n = chat_view_at(back, INT64_MAX, 50, &first);
    for (size_t i = first; i < first + n; i++)
        for (size_t k = 0; k < back->items[i].part_count; k++)
            if (strlen(back->items[i].parts[k].text) > len)
                abort();
    uint8_t *third = NULL;
    size_t tlen = 0;
    if (chat_log_serialize(back, &third, &tlen) != 0 || tlen != alen ||
        memcmp(third, again, alen) != 0) {
        fprintf(stderr, "fuzz_sigcache: chat bytes change on a round trip\n");
        abort();
    }
    free(third);
    free(again);
    chat_log_destroy(&back);
    chat_log_destroy(&c);
    diag_clear(&d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *copy = calloc(1, size ? size : 1);
    if (!copy)
        return 0;
    if (size)
        memcpy(copy, data, size);
    check_board(copy, size);
    check_chat(copy, size);
    /* Resealed: both forms keep the total length at offset 16 and the
     * checksum in the last 8 bytes. */
    if (size >= 32) {
        sp_put_u64(copy + 16, (uint64_t)size);
        sp_put_u64(copy + size - 8, sp_checksum64(copy, size - 8));
        check_board(copy, size);
        check_chat(copy, size);
    }
    free(copy);
    return 0;
}
