/* canvas.h - an offscreen RGBA8 canvas with blend operations.
 *
 * Pixel format: 4 bytes per pixel in memory order R, G, B, A, with
 * PREMULTIPLIED alpha (each of R, G, B is already multiplied by A/255). That
 * byte order is SDL_PIXELFORMAT_RGBA32 and AV_PIX_FMT_RGBA, so a canvas can be
 * uploaded to a texture or handed to FFmpeg without conversion; premultiplied
 * alpha makes "source over" one multiply-add per channel and makes layers
 * (a cached page layer, then marks on top) compose exactly.
 *
 * Colors passed in are STRAIGHT (non-premultiplied) struct canvas_color;
 * the canvas premultiplies when it blends. canvas_write_png() un-premultiplies.
 *
 * A canvas is not thread-safe; one thread draws into it at a time.
 */
#ifndef SP_RENDER_CANVAS_H
#define SP_RENDER_CANVAS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Largest width or height accepted (pixels); 16384^2*4 bytes = 1 GiB is the
 * worst allocation a caller can ask for. */
#define CANVAS_MAX_DIM 16384

struct canvas_color {
    uint8_t r, g, b, a; /* straight alpha, 0..255 */
};

struct canvas {
    int w, h;    /* pixels, 1..CANVAS_MAX_DIM */
    int stride;  /* bytes per row, == 4*w for canvases made here */
    uint8_t *px; /* owned; premultiplied RGBA8 rows, top row first */
};

/* An integer pixel rectangle; w or h <= 0 means empty. */
struct canvas_rect {
    int x, y, w, h;
};

static inline struct canvas_color canvas_rgba(uint8_t r, uint8_t g, uint8_t b, uint8_t a)
{
    struct canvas_color c = {r, g, b, a};
    return c;
}

/* Creates a w x h canvas cleared to transparent black. Returns 0 or SP_EINVAL
 * (size out of range) / SP_ENOMEM; *out is NULL on error. */
int canvas_create(struct canvas **out, int w, int h);

/* Frees the canvas and sets *c to NULL; NULL or *c == NULL is a no-op. */
void canvas_destroy(struct canvas **c);

/* Sets every pixel to color (replaces, does not blend). */
void canvas_clear(struct canvas *c, struct canvas_color color);

/* Copies src into dst; both must have the same size (else SP_EINVAL). */
int canvas_copy(struct canvas *dst, const struct canvas *src);

/* Copies the rectangle r (clipped to both canvases, same coordinates in
 * both) from src to dst. Sizes may differ. */
void canvas_copy_rect(struct canvas *dst, const struct canvas *src, struct canvas_rect r);

/* Blends color over the rectangle r (clipped), "source over". */
void canvas_fill_rect(struct canvas *c, struct canvas_rect r, struct canvas_color color);

/* Blends one horizontal run of len pixels starting at (x, y): each pixel
 * gets color with its alpha scaled by coverage/255 ("source over"). The
 * caller clips: 0 <= x, x + len <= w, 0 <= y < h. Hot path of the rasterizer
 * and the text blitter. */
void canvas_blend_span(struct canvas *c, int x, int y, int len, uint8_t coverage,
                       struct canvas_color color);

/* Like canvas_blend_span with a per-pixel coverage array cov[0..len-1]. */
void canvas_blend_mask_row(struct canvas *c, int x, int y, int len, const uint8_t *cov,
                           struct canvas_color color);

/* Blends premultiplied RGBA pixels src (len pixels) over row y from x, with
 * an extra opacity 0..255. Caller clips as for canvas_blend_span. */
void canvas_blend_premul_row(struct canvas *c, int x, int y, int len, const uint8_t *src,
                             uint8_t opacity);

/* The straight-alpha color of pixel (x, y); transparent black if outside. */
struct canvas_color canvas_get(const struct canvas *c, int x, int y);

/* Intersection of r with the canvas bounds (may be empty). */
struct canvas_rect canvas_clip_rect(const struct canvas *c, struct canvas_rect r);

/* Writes the canvas as an 8-bit RGBA PNG with FFmpeg's PNG encoder
 * (straight alpha in the file). Returns 0, SP_EIO, SP_ENOMEM or
 * SP_EUNSUPPORTED (no PNG encoder in this FFmpeg build). The file is written
 * atomically (temp file + rename). */
int canvas_write_png(const struct canvas *c, const char *path);

/* Encodes the canvas as PNG into a new buffer (*out, caller frees with
 * free()). Same errors as canvas_write_png. */
int canvas_encode_png(const struct canvas *c, uint8_t **out, size_t *out_len);

#endif
