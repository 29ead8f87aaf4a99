/* fuzz_msgpage.c - IM group-history pages through the page parser, the merge,
 * the whiteboard batch walk and the chat model (im/chat.h).
 *
 * The input is split at NUL bytes into up to 4 pages, merged into one log
 * (so overlap and dedupe paths run); each page gets an exact-size copy so
 * reads past its end are caught.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "im/chat.h"
#include "base/utf8.h"
#include "base/diag.h"
#include "im/msgpage.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_PAGES 4

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct diag_list d;
    diag_init(&d);
    struct msg_log *log = msg_log_create();
    if (!log)
        return 0;
    size_t start = 0;
    for (int page = 0; page < MAX_PAGES && start <= size; page++) {
        const uint8_t *nul = memchr(data + start, 0, size - start);
        size_t end = (nul && page < MAX_PAGES - 1) ? (size_t)(nul - data) : size;
        size_t n = end - start;
        char *copy = malloc(n ? n : 1);
        if (!copy)
            break;
        memcpy(copy, data + start, n);
        msg_log_add_json(log, copy, n, "im/fuzz.json", &d);
        free(copy);
        start = end + 1;
    }
    struct msg_wb_iter it;
    struct msg_wb_batch b;
    msg_wb_iter_init(&it, log);
    size_t total = 0;
    while (msg_wb_next(&it, &b))
        total += b.len + strlen(b.where);
    (void)total;
    struct chat_log *chat = NULL;
    if (chat_log_build(log, &chat, &d) == 0) {
        /* Every shown string is valid UTF-8; visible counts never shrink. */
        size_t prev = 0;
        for (size_t i = 0; i < chat->count; i++) {
            const struct chat_item *ci = &chat->items[i];
            if (!utf8_valid(ci->sender, strlen(ci->sender)))
                abort();
            for (size_t k = 0; k < ci->part_count; k++)
                if (!utf8_valid(ci->parts[k].text, strlen(ci->parts[k].text)))
                    abort();
            size_t vis = chat_visible_count(chat, ci->show_us);
            if (vis < i + 1 || vis < prev)
                abort();
            prev = vis;
        }
        size_t first;
        (void)chat_view_at(chat, INT64_MAX, 50, &first);
        chat_log_destroy(&chat);
    }
    msg_log_destroy(&log);
    diag_clear(&d);
    return 0;
}
