/* sealed_copy.h - the checksummed-file fuzz targets' copy of one input.
 * Their files begin with an 8-byte magic and end with a 64-bit checksum of
 * everything before it: random bytes almost never pass that check, so when
 * an input has the magic and its last byte is odd, the copy's checksum is
 * recomputed and the parser gets to the fields behind it. The copy is an
 * exact-size heap block (a read past its end is caught); the caller frees
 * it. Header-only: each fuzz target is one source file (tests/CMakeLists.txt).
 */
#ifndef SIGPLAY_FUZZ_SEALED_COPY_H
#define SIGPLAY_FUZZ_SEALED_COPY_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/sp_bytes.h"

/* NULL when the copy cannot be allocated. */
static inline uint8_t *sealed_copy(const uint8_t *data, size_t size, const char *magic8)
{
    uint8_t *copy = malloc(size ? size : 1);
    if (!copy)
        return NULL;
    if (size)
        memcpy(copy, data, size);
    if (size >= 16 && memcmp(copy, magic8, 8) == 0 && (data[size - 1] & 1))
        sp_put_u64(copy + size - 8, sp_checksum64(copy, size - 8));
    return copy;
}

#endif
