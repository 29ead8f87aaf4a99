/* split_batches.h - the board fuzz targets' split of one input into op
 * batches: at newlines, up to max batches (the last takes the rest), each
 * handed over as an exact-size heap copy so a read past its end is caught,
 * with msg_seq counting down from max so the ordering by MsgSeq runs.
 * Header-only: each fuzz target is one source file (tests/CMakeLists.txt).
 */
#ifndef SIGPLAY_FUZZ_SPLIT_BATCHES_H
#define SIGPLAY_FUZZ_SPLIT_BATCHES_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Called once a batch; copy is freed after it returns. */
typedef void (*split_batch_fn)(const char *copy, size_t n, int64_t msg_seq, void *user);

/* Stops early only when a copy cannot be allocated. */
static inline void split_batches(const uint8_t *data, size_t size, int max, split_batch_fn fn,
                                 void *user)
{
    size_t start = 0;
    for (int b = 0; b < max && start <= size; b++) {
        const uint8_t *nl = memchr(data + start, '\n', size - start);
        size_t end = (nl && b < max - 1) ? (size_t)(nl - data) : size;
        size_t n = end - start;
        char *copy = malloc(n ? n : 1);
        if (!copy)
            return;
        memcpy(copy, data + start, n);
        fn(copy, n, max - b, user);
        free(copy);
        start = end + 1;
    }
}

#endif
