/* image.h - PNG/JPEG decoding with FFmpeg and scaled drawing into a canvas.
 *
 * Decoding: the format is told by its signature (PNG, JPEG), the picture is
 * decoded by libavcodec's png / mjpeg decoders and converted to RGBA by
 * libswscale, then premultiplied (the canvas format). Caps, checked before
 * allocating: IMAGE_MAX_FILE_BYTES per file, IMAGE_MAX_DIM per side and
 * IMAGE_MAX_PIXELS per picture (the decoder is told max_pixels, and both
 * caps are checked when it asks for its picture buffer, right after the
 * header: a picture over them costs no decoding).
 *
 * Drawing: bilinear sampling for magnification; for minification below half
 * size a box-filtered copy at the target size is made once with swscale
 * (SWS_AREA) and kept with the image until the target size changes.
 */
#ifndef SP_RENDER_IMAGE_H
#define SP_RENDER_IMAGE_H

#include "render/canvas.h"

#include <stddef.h>
#include <stdint.h>

#define IMAGE_MAX_FILE_BYTES (64u << 20)
#define IMAGE_MAX_DIM 16384
#define IMAGE_MAX_PIXELS (64u << 20) /* 64 Mpx = 256 MiB of RGBA */
/* Minified sizes kept per image: a page drawn at the board region's size,
 * zoomed by its viewport, and as the seek bar's thumbnail needs several;
 * each copy is under a quarter of the image, so all together stay under it. */
#define IMAGE_SCALED_KEEP 4

struct image {
    int w, h;             /* pixels */
    uint8_t *px;          /* owned; premultiplied RGBA8, stride 4*w */
    struct image *scaled; /* owned; cached minified copies, newest first, chained
                           * through their own scaled (at most IMAGE_SCALED_KEEP),
                           * or NULL */
};

enum image_fit {
    IMAGE_FIT_CONTAIN, /* whole image inside the rect, aspect kept, centred */
    IMAGE_FIT_COVER,   /* fills the rect, aspect kept, centred, cropped */
    IMAGE_FIT_STRETCH  /* fills the rect exactly */
};

/* Decodes a PNG or JPEG held in data[0..len-1]. Returns 0, SP_EUNSUPPORTED
 * (not PNG/JPEG), SP_ELIMIT (over a cap), SP_EDECODE or SP_ENOMEM; *out is
 * NULL on error. */
int image_decode(const uint8_t *data, size_t len, struct image **out);

/* image_decode() with a smaller area cap, max_pixels in 1..IMAGE_MAX_PIXELS
 * (anything else means IMAGE_MAX_PIXELS): the fuzz target decodes with a
 * few megapixels so that each input costs milliseconds, not seconds. */
int image_decode_capped(const uint8_t *data, size_t len, int64_t max_pixels, struct image **out);

/* Reads and decodes a file. Same errors plus SP_ENOENT / SP_EIO. */
int image_load_file(const char *path, struct image **out);

/* NULL-safe. */
void image_free(struct image *img);

/* Where an iw x ih image lands when fitted into the rect (x, y, w, h):
 * out = {x, y, w, h} of the placed image (may extend past the rect for
 * COVER). */
void image_fit_rect(int iw, int ih, const double rect[4], enum image_fit fit, double out[4]);

/* Draws img scaled to the rectangle dst = {x, y, w, h} (pixels, may lie
 * partly off-canvas), "source over", only inside clip (and the canvas).
 * Returns 0 or SP_ENOMEM (minified copy). */
int image_draw(struct canvas *c, struct image *img, const double dst[4], struct canvas_rect clip);

/* image_fit_rect + image_draw, clipped to the rect. */
int image_draw_fit(struct canvas *c, struct image *img, const double rect[4], enum image_fit fit);

#endif
