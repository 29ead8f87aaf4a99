/* canvas.c - premultiplied RGBA8 canvas, blending, PNG output via FFmpeg. */
#include "render/canvas.h"

#include "base/sp_error.h"
#include "base/sp_file.h"

#include <libavcodec/avcodec.h>
#include <libavutil/frame.h>
#include <stdlib.h>
#include <string.h>

/* Exact round(x / 255) for 0 <= x <= 255*255 + 255. */
static inline unsigned div255(unsigned x)
{
    x += 128;
    return (x + (x >> 8)) >> 8;
}

int canvas_create(struct canvas **out, int w, int h)
{
    *out = NULL;
    if (w < 1 || h < 1 || w > CANVAS_MAX_DIM || h > CANVAS_MAX_DIM)
        return SP_EINVAL;
    struct canvas *c = calloc(1, sizeof(*c));
    if (!c)
        return SP_ENOMEM;
    c->w = w;
    c->h = h;
    c->stride = 4 * w;
    c->px = calloc((size_t)h, (size_t)c->stride);
    if (!c->px) {
        free(c);
        return SP_ENOMEM;
    }
    *out = c;
    return 0;
}

void canvas_destroy(struct canvas **c)
{
    if (!c || !*c)
        return;
    free((*c)->px);
    free(*c);
    *c = NULL;
}

static void premul(struct canvas_color color, uint8_t out[4])
{
    out[0] = (uint8_t)div255(color.r * (unsigned)color.a);
    out[1] = (uint8_t)div255(color.g * (unsigned)color.a);
    out[2] = (uint8_t)div255(color.b * (unsigned)color.a);
    out[3] = color.a;
}

void canvas_clear(struct canvas *c, struct canvas_color color)
{
    uint8_t p[4];
    premul(color, p);
    uint8_t *row0 = c->px;
    for (int x = 0; x < c->w; x++)
        memcpy(row0 + 4 * x, p, 4);
    for (int y = 1; y < c->h; y++)
        memcpy(c->px + (size_t)y * c->stride, row0, (size_t)c->w * 4);
}

int canvas_copy(struct canvas *dst, const struct canvas *src)
{
    if (dst->w != src->w || dst->h != src->h)
        return SP_EINVAL;
    if (dst->stride == src->stride) {
        memcpy(dst->px, src->px, (size_t)src->h * src->stride);
        return 0;
    }
    for (int y = 0; y < src->h; y++)
        memcpy(dst->px + (size_t)y * dst->stride, src->px + (size_t)y * src->stride,
               (size_t)src->w * 4);
    return 0;
}

struct canvas_rect canvas_clip_rect(const struct canvas *c, struct canvas_rect r)
{
    int x0 = r.x < 0 ? 0 : r.x;
    int y0 = r.y < 0 ? 0 : r.y;
    /* 64-bit ends: r.x + r.w may overflow int for absurd rectangles. */
    long long x1 = (long long)r.x + r.w, y1 = (long long)r.y + r.h;
    if (x1 > c->w)
        x1 = c->w;
    if (y1 > c->h)
        y1 = c->h;
    struct canvas_rect out = {x0, y0, 0, 0};
    if (x1 > x0 && y1 > y0) {
        out.w = (int)(x1 - x0);
        out.h = (int)(y1 - y0);
    }
    return out;
}

void canvas_copy_rect(struct canvas *dst, const struct canvas *src, struct canvas_rect r)
{
    r = canvas_clip_rect(dst, r);
    r = canvas_clip_rect(src, r);
    if (r.w <= 0 || r.h <= 0)
        return;
    for (int y = r.y; y < r.y + r.h; y++)
        memcpy(dst->px + (size_t)y * dst->stride + 4 * (size_t)r.x,
               src->px + (size_t)y * src->stride + 4 * (size_t)r.x, (size_t)r.w * 4);
}

void canvas_fill_rect(struct canvas *c, struct canvas_rect r, struct canvas_color color)
{
    r = canvas_clip_rect(c, r);
    for (int y = r.y; y < r.y + r.h; y++)
        canvas_blend_span(c, r.x, y, r.w, 255, color);
}

/* Source-over of one premultiplied pixel p with alpha pa onto d:
 * d[k] = (uint8_t)(p[k] + div255(d[k] * inv)) for each of the four
 * channels, two at a time in the 16-bit lanes of a 32-bit word (the hottest
 * loop of a board redraw). Exact for any bytes and inv <= 255: a lane holds
 * at most 255 * 255 + 128 + 254 < 65536 and then at most 255 + 255, so no
 * carry crosses lanes, and masking a lane is the cast to uint8_t. */
static inline void over(uint8_t *d, const uint8_t p[4], unsigned inv)
{
    uint32_t v, pv;
    memcpy(&v, d, 4);
    memcpy(&pv, p, 4);
    uint32_t lo = (v & 0x00FF00FFu) * inv + 0x00800080u;
    uint32_t hi = ((v >> 8) & 0x00FF00FFu) * inv + 0x00800080u;
    lo = ((lo + ((lo >> 8) & 0x00FF00FFu)) >> 8) & 0x00FF00FFu;
    hi = ((hi + ((hi >> 8) & 0x00FF00FFu)) >> 8) & 0x00FF00FFu;
    lo = (lo + (pv & 0x00FF00FFu)) & 0x00FF00FFu;
    hi = (hi + ((pv >> 8) & 0x00FF00FFu)) & 0x00FF00FFu;
    v = lo | hi << 8;
    memcpy(d, &v, 4);
}

void canvas_blend_span(struct canvas *c, int x, int y, int len, uint8_t coverage,
                       struct canvas_color color)
{
    unsigned a = div255(color.a * (unsigned)coverage);
    if (a == 0 || len <= 0)
        return;
    uint8_t *d = c->px + (size_t)y * c->stride + 4 * (size_t)x;
    uint8_t p[4];
    premul(canvas_rgba(color.r, color.g, color.b, (uint8_t)a), p);
    if (a == 255) {
        uint32_t v;
        memcpy(&v, p, 4);
        for (int i = 0; i < len; i++)
            memcpy(d + 4 * i, &v, 4);
        return;
    }
    unsigned inv = 255 - a;
    for (int i = 0; i < len; i++, d += 4)
        over(d, p, inv);
}

void canvas_blend_mask_row(struct canvas *c, int x, int y, int len, const uint8_t *cov,
                           struct canvas_color color)
{
    uint8_t *d = c->px + (size_t)y * c->stride + 4 * (size_t)x;
    /* Masks are mostly runs of one coverage value (0 or 255 inside a
     * shape): the premultiplied pixel is recomputed only when the coverage
     * changes, and an opaque one is stored without blending. Same result
     * as blending every pixel. */
    unsigned last = 256, a = 0, inv = 255;
    uint8_t p[4] = {0, 0, 0, 0};
    for (int i = 0; i < len; i++, d += 4) {
        unsigned cv = cov[i];
        if (cv == 0)
            continue;
        if (cv != last) {
            last = cv;
            a = div255(color.a * cv);
            inv = 255 - a;
            premul(canvas_rgba(color.r, color.g, color.b, (uint8_t)a), p);
        }
        if (a == 255)
            memcpy(d, p, 4);
        else if (a != 0)
            over(d, p, inv);
    }
}

void canvas_blend_premul_row(struct canvas *c, int x, int y, int len, const uint8_t *src,
                             uint8_t opacity)
{
    uint8_t *d = c->px + (size_t)y * c->stride + 4 * (size_t)x;
    if (opacity == 255) {
        /* Layers are mostly opaque (a page, a picture): runs of opaque
         * pixels are copied whole, the rest blended one by one. Same result
         * as the loop below. */
        for (int i = 0; i < len;) {
            int j = i;
            while (j < len && src[4 * (size_t)j + 3] == 255)
                j++;
            if (j > i) {
                memcpy(d + 4 * (size_t)i, src + 4 * (size_t)i, 4 * (size_t)(j - i));
                i = j;
                continue;
            }
            const uint8_t *p = src + 4 * (size_t)i;
            if (p[3] != 0 || p[0] | p[1] | p[2])
                over(d + 4 * (size_t)i, p, 255u - p[3]);
            i++;
        }
        return;
    }
    for (int i = 0; i < len; i++, d += 4, src += 4) {
        uint8_t p[4];
        for (int k = 0; k < 4; k++)
            p[k] = (uint8_t)div255(src[k] * (unsigned)opacity);
        if (p[3] == 255)
            memcpy(d, p, 4);
        else if (p[3] != 0 || p[0] | p[1] | p[2])
            over(d, p, 255u - p[3]);
    }
}

struct canvas_color canvas_get(const struct canvas *c, int x, int y)
{
    struct canvas_color out = {0, 0, 0, 0};
    if (x < 0 || y < 0 || x >= c->w || y >= c->h)
        return out;
    const uint8_t *p = c->px + (size_t)y * c->stride + 4 * (size_t)x;
    out.a = p[3];
    if (p[3] == 0)
        return out;
    /* Un-premultiply with rounding; clamp guards rounding drift. */
    uint8_t v[3];
    for (int k = 0; k < 3; k++) {
        unsigned u = (p[k] * 255u + p[3] / 2u) / p[3];
        v[k] = (uint8_t)(u > 255 ? 255 : u);
    }
    out.r = v[0];
    out.g = v[1];
    out.b = v[2];
    return out;
}

int canvas_encode_png(const struct canvas *c, uint8_t **out, size_t *out_len)
{
    *out = NULL;
    *out_len = 0;
    const AVCodec *codec = avcodec_find_encoder(AV_CODEC_ID_PNG);
    if (!codec)
        return SP_EUNSUPPORTED;
    int ret = SP_ENOMEM;
    AVCodecContext *ctx = avcodec_alloc_context3(codec);
    AVFrame *f = av_frame_alloc();
    AVPacket *pkt = av_packet_alloc();
    if (!ctx || !f || !pkt)
        goto fail;
    ctx->width = c->w;
    ctx->height = c->h;
    ctx->pix_fmt = AV_PIX_FMT_RGBA;
    ctx->time_base = (AVRational){1, 25};
    /* zlib's fastest level: deflating was a fifth of a warm `render` once
     * the board's page comes from its layer file; level 1 takes about 0.1 CPU
     * s off a crowded 1280x720 frame for a file 8% larger (1.64 -> 1.77 MB).
     * The pixels are the same; tests compare pictures by pixels, or the
     * bytes of two renders of one build. */
    ctx->compression_level = 1;
    if (avcodec_open2(ctx, codec, NULL) < 0) {
        ret = SP_EIO;
        goto fail;
    }
    f->format = AV_PIX_FMT_RGBA;
    f->width = c->w;
    f->height = c->h;
    if (av_frame_get_buffer(f, 0) < 0)
        goto fail;
    for (int y = 0; y < c->h; y++) {
        uint8_t *row = f->data[0] + (size_t)y * f->linesize[0];
        for (int x = 0; x < c->w; x++) {
            struct canvas_color px = canvas_get(c, x, y);
            memcpy(row + 4 * x, &px, 4);
        }
    }
    if (avcodec_send_frame(ctx, f) < 0 || avcodec_send_frame(ctx, NULL) < 0 ||
        avcodec_receive_packet(ctx, pkt) < 0) {
        ret = SP_EIO;
        goto fail;
    }
    *out = malloc((size_t)pkt->size);
    if (!*out)
        goto fail;
    memcpy(*out, pkt->data, (size_t)pkt->size);
    *out_len = (size_t)pkt->size;
    ret = 0;
fail:
    av_packet_free(&pkt);
    av_frame_free(&f);
    avcodec_free_context(&ctx);
    return ret;
}

int canvas_write_png(const struct canvas *c, const char *path)
{
    uint8_t *buf;
    size_t len;
    int ret = canvas_encode_png(c, &buf, &len);
    if (ret)
        return ret;
    ret = sp_write_file_atomic(path, buf, len);
    free(buf);
    return ret;
}
