/* image.c - PNG/JPEG via libavcodec + libswscale; scaled blits. */
#include "render/image.h"

#include "base/sp_error.h"
#include "base/sp_file.h"

#include <libavcodec/avcodec.h>
#include <libavutil/frame.h>
#include <libavutil/imgutils.h>
#include <libswscale/swscale.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define IMAGE_SWS_SLACK 256 /* bytes */

static struct image *image_alloc(int w, int h)
{
    struct image *img = calloc(1, sizeof(*img));
    if (!img)
        return NULL;
    img->w = w;
    img->h = h;
    /* + slack: swscale's SIMD converters store whole 8/16-pixel blocks and
     * write up to a few dozen bytes past the last row when the width is not
     * a multiple of the block (seen with yuvj420p -> rgba at width 200). */
    img->px = malloc((size_t)w * h * 4 + IMAGE_SWS_SLACK);
    if (!img->px) {
        free(img);
        return NULL;
    }
    return img;
}

void image_free(struct image *img)
{
    if (!img)
        return;
    image_free(img->scaled);
    free(img->px);
    free(img);
}

static void premultiply(struct image *img)
{
    size_t n = (size_t)img->w * img->h;
    for (size_t i = 0; i < n; i++) {
        uint8_t *p = img->px + 4 * i;
        unsigned a = p[3];
        if (a == 255)
            continue;
        for (int k = 0; k < 3; k++)
            p[k] = (uint8_t)((p[k] * a + 127) / 255);
    }
}

/* Converts any decoded frame to straight RGBA, then premultiplies. */
static int frame_to_image(const AVFrame *f, struct image **out)
{
    struct image *img = image_alloc(f->width, f->height);
    if (!img)
        return SP_ENOMEM;
    struct SwsContext *sws = sws_getContext(f->width, f->height, f->format, f->width, f->height,
                                            AV_PIX_FMT_RGBA, SWS_POINT, NULL, NULL, NULL);
    if (!sws) {
        image_free(img);
        return SP_EUNSUPPORTED;
    }
    uint8_t *dst[4] = {img->px, NULL, NULL, NULL};
    int dst_stride[4] = {4 * f->width, 0, 0, 0};
    int rows =
        sws_scale(sws, (const uint8_t *const *)f->data, f->linesize, 0, f->height, dst, dst_stride);
    sws_freeContext(sws);
    if (rows != f->height) {
        image_free(img);
        return SP_EDECODE;
    }
    premultiply(img);
    *out = img;
    return 0;
}

/* The decoders allocate the picture (and the progressive JPEG decoder its
 * coefficients, 6 bytes a pixel) from the header's size before any pixel
 * data: a 23-byte JPEG declaring 47873x1282 cost some 500 MB and 2.6 s.
 * The caps are therefore checked where the decoder asks for its buffer,
 * not after decoding. */
struct decode_caps {
    int64_t max_pixels;
    bool refused; /* the picture was over a cap: SP_ELIMIT, not SP_EDECODE */
};

static bool over_caps(int w, int h, int64_t max_pixels)
{
    return w < 1 || h < 1 || w > IMAGE_MAX_DIM || h > IMAGE_MAX_DIM || (int64_t)w * h > max_pixels;
}

static int get_buffer_capped(AVCodecContext *ctx, AVFrame *f, int flags)
{
    struct decode_caps *caps = ctx->opaque;
    if (over_caps(f->width, f->height, caps->max_pixels)) {
        caps->refused = true;
        return AVERROR(ERANGE);
    }
    return avcodec_default_get_buffer2(ctx, f, flags);
}

int image_decode(const uint8_t *data, size_t len, struct image **out)
{
    return image_decode_capped(data, len, IMAGE_MAX_PIXELS, out);
}

int image_decode_capped(const uint8_t *data, size_t len, int64_t max_pixels, struct image **out)
{
    *out = NULL;
    if (max_pixels < 1 || max_pixels > (int64_t)IMAGE_MAX_PIXELS)
        max_pixels = IMAGE_MAX_PIXELS;
    struct decode_caps caps = {.max_pixels = max_pixels};
    if (!data)
        return SP_EINVAL;
    if (len > IMAGE_MAX_FILE_BYTES)
        return SP_ELIMIT;
    enum AVCodecID id;
    if (len >= 8 && memcmp(data, "\x89PNG\r\n\x1a\n", 8) == 0)
        id = AV_CODEC_ID_PNG;
    else if (len >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF)
        id = AV_CODEC_ID_MJPEG;
    else
        return SP_EUNSUPPORTED;
    const AVCodec *codec = avcodec_find_decoder(id);
    if (!codec)
        return SP_EUNSUPPORTED;
    int ret = SP_ENOMEM;
    AVCodecContext *ctx = avcodec_alloc_context3(codec);
    AVPacket *pkt = av_packet_alloc();
    AVFrame *f = av_frame_alloc();
    if (!ctx || !pkt || !f)
        goto done;
    /* the decoder's own check only as a backstop: the caps proper are
       get_buffer_capped()'s, which can tell SP_ELIMIT from a bad file */
    ctx->max_pixels = (int64_t)IMAGE_MAX_DIM * IMAGE_MAX_DIM;
    ctx->opaque = &caps;
    ctx->get_buffer2 = get_buffer_capped;
    ctx->thread_count = 1;
    ctx->thread_type = 0; /* one thread, and so no frame threads to share the callback */
    if (avcodec_open2(ctx, codec, NULL) < 0) {
        ret = SP_EDECODE;
        goto done;
    }
    /* The packet needs AV_INPUT_BUFFER_PADDING_SIZE zeroed bytes past the
     * data, so copy into a padded buffer. */
    if (av_new_packet(pkt, (int)len) < 0)
        goto done;
    memcpy(pkt->data, data, len);
    int r = avcodec_send_packet(ctx, pkt);
    if (r >= 0) {
        avcodec_send_packet(ctx, NULL);
        r = avcodec_receive_frame(ctx, f);
    }
    if (r < 0) {
        ret = caps.refused ? SP_ELIMIT : SP_EDECODE;
        goto done;
    }
    if (over_caps(f->width, f->height, max_pixels)) {
        ret = SP_ELIMIT;
        goto done;
    }
    ret = frame_to_image(f, out);
done:
    av_frame_free(&f);
    av_packet_free(&pkt);
    avcodec_free_context(&ctx);
    return ret;
}

int image_load_file(const char *path, struct image **out)
{
    *out = NULL;
    char *buf;
    size_t len;
    int ret = sp_read_file(path, IMAGE_MAX_FILE_BYTES, &buf, &len);
    if (ret)
        return ret;
    ret = image_decode((const uint8_t *)buf, len, out);
    free(buf);
    return ret;
}

void image_fit_rect(int iw, int ih, const double rect[4], enum image_fit fit, double out[4])
{
    memcpy(out, rect, 4 * sizeof(double));
    if (fit == IMAGE_FIT_STRETCH || iw < 1 || ih < 1 || rect[2] <= 0 || rect[3] <= 0)
        return;
    double sx = rect[2] / iw, sy = rect[3] / ih;
    double s = fit == IMAGE_FIT_COVER ? fmax(sx, sy) : fmin(sx, sy);
    out[2] = iw * s;
    out[3] = ih * s;
    out[0] = rect[0] + (rect[2] - out[2]) / 2;
    out[1] = rect[1] + (rect[3] - out[3]) / 2;
}

/* A box-filtered copy of img at w x h (cached on img: the newest
 * IMAGE_SCALED_KEEP sizes, so sizes used in turn are not scaled again). */
static struct image *minified(struct image *img, int w, int h)
{
    struct image **link = &img->scaled;
    for (int k = 0; *link; k++) {
        struct image *c = *link;
        if (c->w == w && c->h == h) {
            *link = c->scaled; /* to the front */
            c->scaled = img->scaled;
            img->scaled = c;
            return c;
        }
        if (k + 1 >= IMAGE_SCALED_KEEP) { /* the oldest goes */
            image_free(c);
            *link = NULL;
            break;
        }
        link = &c->scaled;
    }
    struct image *s = image_alloc(w, h);
    if (!s)
        return NULL;
    struct SwsContext *sws = sws_getContext(img->w, img->h, AV_PIX_FMT_RGBA, w, h, AV_PIX_FMT_RGBA,
                                            SWS_AREA, NULL, NULL, NULL);
    if (!sws) {
        image_free(s);
        return NULL;
    }
    const uint8_t *src[4] = {img->px, NULL, NULL, NULL};
    int src_stride[4] = {4 * img->w, 0, 0, 0};
    uint8_t *dst[4] = {s->px, NULL, NULL, NULL};
    int dst_stride[4] = {4 * w, 0, 0, 0};
    /* premultiplied in, premultiplied out: an area filter is linear */
    sws_scale(sws, src, src_stride, 0, img->h, dst, dst_stride);
    sws_freeContext(sws);
    s->scaled = img->scaled;
    img->scaled = s;
    return s;
}

int image_draw(struct canvas *c, struct image *img, const double dst[4], struct canvas_rect clip)
{
    if (!c || !img || dst[2] <= 0 || dst[3] <= 0 || !isfinite(dst[0]) || !isfinite(dst[1]) ||
        !isfinite(dst[2]) || !isfinite(dst[3]))
        return 0;
    struct image *src = img;
    if (dst[2] < img->w / 2.0 && dst[3] < img->h / 2.0) {
        int w = (int)ceil(dst[2]), h = (int)ceil(dst[3]);
        src = minified(img, w < 1 ? 1 : w, h < 1 ? 1 : h);
        if (!src)
            return SP_ENOMEM;
    }
    /* destination pixels whose centres fall in dst, inside clip */
    double fx0 = fmax(dst[0], -1.0), fy0 = fmax(dst[1], -1.0);
    double fx1 = fmin(dst[0] + dst[2], c->w + 1.0), fy1 = fmin(dst[1] + dst[3], c->h + 1.0);
    if (fx1 <= fx0 || fy1 <= fy0)
        return 0;
    struct canvas_rect r = {(int)floor(fx0 + 0.5), (int)floor(fy0 + 0.5), 0, 0};
    r.w = (int)floor(fx1 + 0.5) - r.x;
    r.h = (int)floor(fy1 + 0.5) - r.y;
    r = canvas_clip_rect(c, r);
    struct canvas_rect k = canvas_clip_rect(c, clip);
    int x0 = r.x > k.x ? r.x : k.x, y0 = r.y > k.y ? r.y : k.y;
    int x1 = r.x + r.w < k.x + k.w ? r.x + r.w : k.x + k.w;
    int y1 = r.y + r.h < k.y + k.h ? r.y + r.h : k.y + k.h;
    if (x1 <= x0 || y1 <= y0)
        return 0;
    uint8_t *row = malloc((size_t)(x1 - x0) * 4);
    if (!row)
        return SP_ENOMEM;
    double sx = src->w / dst[2], sy = src->h / dst[3];
    for (int y = y0; y < y1; y++) {
        double v = (y + 0.5 - dst[1]) * sy - 0.5;
        int vy = (int)floor(v);
        double fy = v - vy;
        int ya = vy < 0 ? 0 : vy >= src->h ? src->h - 1 : vy;
        int yb = vy + 1 < 0 ? 0 : vy + 1 >= src->h ? src->h - 1 : vy + 1;
        const uint8_t *ra = src->px + (size_t)ya * src->w * 4;
        const uint8_t *rb = src->px + (size_t)yb * src->w * 4;
        for (int x = x0; x < x1; x++) {
            double u = (x + 0.5 - dst[0]) * sx - 0.5;
            int ux = (int)floor(u);
            double fx = u - ux;
            int xa = ux < 0 ? 0 : ux >= src->w ? src->w - 1 : ux;
            int xb = ux + 1 < 0 ? 0 : ux + 1 >= src->w ? src->w - 1 : ux + 1;
            uint8_t *o = row + 4 * (size_t)(x - x0);
            for (int ch = 0; ch < 4; ch++) {
                double top = ra[4 * xa + ch] * (1 - fx) + ra[4 * xb + ch] * fx;
                double bot = rb[4 * xa + ch] * (1 - fx) + rb[4 * xb + ch] * fx;
                o[ch] = (uint8_t)lround(top * (1 - fy) + bot * fy);
            }
        }
        canvas_blend_premul_row(c, x0, y, x1 - x0, row, 255);
    }
    free(row);
    return 0;
}

int image_draw_fit(struct canvas *c, struct image *img, const double rect[4], enum image_fit fit)
{
    if (!img)
        return 0;
    double placed[4];
    image_fit_rect(img->w, img->h, rect, fit, placed);
    double x0 = fmax(rect[0], -1e6), y0 = fmax(rect[1], -1e6);
    double x1 = fmin(rect[0] + rect[2], 1e6), y1 = fmin(rect[1] + rect[3], 1e6);
    struct canvas_rect clip = {(int)floor(x0 + 0.5), (int)floor(y0 + 0.5), 0, 0};
    clip.w = (int)floor(x1 + 0.5) - clip.x;
    clip.h = (int)floor(y1 + 0.5) - clip.y;
    return image_draw(c, img, placed, clip);
}
