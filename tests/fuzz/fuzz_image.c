/* fuzz_image.c - PNG/JPEG bytes through render/image decoding, then drawn
 * scaled (magnified and minified) into a small canvas. Decoding must fail
 * cleanly or give an image within the caps.
 *
 * Decoding is capped at FUZZ_IMAGE_MAX_PIXELS rather than the player's
 * 64 Mpx: the same code and checks, but a header declaring a large picture
 * costs milliseconds, so the fuzzer explores instead of waiting (a
 * 16384x4096 flat JPEG takes seconds, rightly: it is within the caps).
 *
 * Each input decodes and scales a picture, so the suite runs fewer of
 * them: fuzz-runs: 5000 */
#include <libavutil/log.h>
#include <stdint.h>
#include <stdlib.h>

#include "render/canvas.h"
#include "render/image.h"

#define FUZZ_IMAGE_MAX_PIXELS (4 << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    av_log_set_level(AV_LOG_QUIET); /* decoders complain about junk: expected */
    struct image *img = NULL;
    if (image_decode_capped(data, size, FUZZ_IMAGE_MAX_PIXELS, &img) != 0) {
        if (img)
            abort();
        return 0;
    }
    if (img->w < 1 || img->h < 1 || img->w > IMAGE_MAX_DIM || img->h > IMAGE_MAX_DIM ||
        (int64_t)img->w * img->h > FUZZ_IMAGE_MAX_PIXELS)
        abort();
    struct canvas *c = NULL;
    if (canvas_create(&c, 64, 48) == 0) {
        const double big[4] = {-10, -10, 200, 150}, small[4] = {3, 3, 7, 5};
        image_draw_fit(c, img, big, IMAGE_FIT_COVER);
        image_draw_fit(c, img, small, IMAGE_FIT_CONTAIN);
        canvas_destroy(&c);
    }
    image_free(img);
    return 0;
}
