/* fuzz_layer_file.c - the board page layer file through its reader
 * (render/layer_cache.h): header, pending slots, the zlib pixels.
 *
 * The input gets an exact-size copy so reads past its end are caught. The
 * file's checksum would stop almost every mutation at the door, so when the
 * input starts with the magic and its last byte is odd, the checksum is
 * recomputed over the copy first: the structural checks behind it are what
 * is fuzzed. Pixels are inflated for layers up to 256x256 (a larger one is
 * only parsed: the canvas would be most of the work).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/sp_bytes.h"
#include "render/canvas.h"
#include "render/layer_cache.h"
#include "sealed_copy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *copy = sealed_copy(data, size, LAYER_FILE_MAGIC);
    if (!copy)
        return 0;
    struct layer_file f;
    if (layer_file_parse(copy, size, &f) == 0) {
        if (f.w < 1 || f.h < 1 || f.top_in_layer > f.examined || f.npending > f.examined ||
            f.pending < copy || f.z + f.zlen > copy + size || f.zlen == 0)
            abort();
        for (uint32_t i = 0; i < f.npending; i++)
            if (sp_get_u32(f.pending + 4 * (size_t)i) >= f.examined)
                abort();
        struct canvas *c = NULL;
        if (f.w <= 256 && f.h <= 256 && canvas_create(&c, (int)f.w, (int)f.h) == 0) {
            (void)layer_file_pixels(&f, c);
            canvas_destroy(&c);
        }
    }
    free(copy);
    return 0;
}
