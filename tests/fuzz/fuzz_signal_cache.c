/* fuzz_signal_cache.c - the parsed-signaling cache file through its reader
 * (player/signaling/signal_cache.h): header, validators, the embedded board log and
 * chat model, the saved diagnostic lines.
 *
 * The input gets an exact-size copy so reads past its end are caught. The
 * file's checksum would stop almost every mutation at the door, so when the
 * input starts with the magic, the checksum is recomputed over the copy
 * first: the structural checks behind it are what is fuzzed.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "im/chat.h"
#include "player/board/board.h"
#include "base/diag.h"
#include "player/signaling/signal_cache.h"
#include "base/sp_bytes.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *copy = malloc(size ? size : 1);
    if (!copy)
        return 0;
    memcpy(copy, data, size);
    if (size >= 16 && memcmp(copy, SIG_CACHE_MAGIC, 8) == 0 && (data[size - 1] & 1))
        sp_put_u64(copy + size - 8, sp_checksum64(copy, size - 8));
    struct sig_cache_file f;
    if (sig_cache_parse(copy, size, &f) == 0) {
        struct diag_list lines, d;
        diag_init(&lines);
        diag_init(&d);
        struct board_log *log = NULL;
        struct chat_log *chat = NULL;
        if (sig_cache_load(&f, &log, &chat, &lines, &d) == 0) {
            if (!log || !chat || lines.count > f.n_lines)
                abort();
            struct board_player *p = NULL;
            if (board_player_create(&p, log, NULL, &d) == 0) {
                board_seek(p, board_log_last_time(board_player_log(p)));
                board_player_destroy(&p);
            }
            chat_log_destroy(&chat);
        } else if (log || chat) {
            abort();
        }
        diag_clear(&lines);
        diag_clear(&d);
        sig_cache_file_clear(&f);
    }
    free(copy);
    return 0;
}
