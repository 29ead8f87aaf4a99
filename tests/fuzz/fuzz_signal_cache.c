/* fuzz_signal_cache.c - the parsed-signaling cache file through its reader
 * (player/signaling/signal_cache.h): header, validators, the embedded board log and
 * chat model, the saved diagnostic lines, the list of board batch files
 * (version 2), which is then checked the way a warm open checks it, through
 * the local loader: file:// entries by stat, http ones fail at once (no
 * network), so nothing is fetched.
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
#include "player/net/loader.h"
#include "player/signaling/file_batches.h"
#include "player/signaling/signal_cache.h"
#include "sealed_copy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *copy = sealed_copy(data, size, SIG_CACHE_MAGIC);
    if (!copy)
        return 0;
    struct sig_cache_file f;
    if (sig_cache_parse(copy, size, &f) == 0) {
        for (size_t i = 0; i < f.n_files; i++)
            if (f.files[i].page >= f.n || f.files[i].url_len == 0 ||
                f.files[i].url_len > SIG_CACHE_MAX_URL ||
                memchr(f.files[i].url, '\0', f.files[i].url_len) ||
                f.files[i].url < (const char *)copy ||
                f.files[i].url + f.files[i].url_len > (const char *)copy + size)
                abort();
        size_t gets = 0;
        (void)sig_batch_files_unchanged(f.files, f.n_files, sp_loader_local(), &gets);
        if (gets > SIG_FILE_SAMPLE_MAX)
            abort();
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
                board_seek_us(p, board_log_last_time_us(board_player_log(p)));
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
