/* images.c - the still images of a class: a page background slide (PNG, 4:3
 * but smaller than the board, so fitting it means scaling) and a chat photo
 * (JPEG) with its thumbnail. Drawn with font5x7.c, converted with
 * libswscale (bit-exact mode) and encoded with FFmpeg's png and mjpeg
 * encoders.
 */
#include "mkclass.h"

#include <stdio.h>
#include <string.h>

#include <libavcodec/avcodec.h>
#include <libavutil/frame.h>
#include <libswscale/swscale.h>

static AVFrame *new_frame(int w, int h, enum AVPixelFormat fmt)
{
    AVFrame *f = av_frame_alloc();
    if (!f)
        return NULL;
    f->format = fmt;
    f->width = w;
    f->height = h;
    if (av_frame_get_buffer(f, 0) < 0)
        av_frame_free(&f);
    return f;
}

static struct mk_yuv yuv_of(AVFrame *f)
{
    struct mk_yuv y = {
        .plane = {f->data[0], f->data[1], f->data[2]},
        .stride = {f->linesize[0], f->linesize[1], f->linesize[2]},
        .width = f->width,
        .height = f->height,
    };
    return y;
}

static AVFrame *convert(const AVFrame *src, int w, int h, enum AVPixelFormat fmt)
{
    AVFrame *dst = new_frame(w, h, fmt);
    if (!dst)
        return NULL;
    struct SwsContext *sws = sws_getContext(
        src->width, src->height, src->format, w, h, fmt,
        SWS_AREA | SWS_BITEXACT | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INT, NULL, NULL, NULL);
    if (!sws) {
        av_frame_free(&dst);
        return NULL;
    }
    sws_scale(sws, (const uint8_t *const *)src->data, src->linesize, 0, src->height, dst->data,
              dst->linesize);
    sws_freeContext(sws);
    return dst;
}

/* Encodes one picture and writes it to rel; fills info. */
static int encode_write(const struct mk_plan *p, const char *codec_name, const AVFrame *frame,
                        const char *rel, struct mk_image_info *info)
{
    int rc = -1;
    AVPacket *pkt = av_packet_alloc();
    const AVCodec *codec = avcodec_find_encoder_by_name(codec_name);
    AVCodecContext *c = codec ? avcodec_alloc_context3(codec) : NULL;
    if (!pkt || !c)
        goto out;
    c->width = frame->width;
    c->height = frame->height;
    c->pix_fmt = frame->format;
    c->time_base = (AVRational){1, 25};
    c->flags |= AV_CODEC_FLAG_BITEXACT;
    c->thread_count = 1;
    if (strcmp(codec_name, "mjpeg") == 0) {
        c->flags |= AV_CODEC_FLAG_QSCALE;
        c->global_quality = FF_QP2LAMBDA * 3;
        c->color_range = AVCOL_RANGE_JPEG;
    }
    if (avcodec_open2(c, codec, NULL) < 0)
        goto out;
    if (avcodec_send_frame(c, frame) < 0 || avcodec_send_frame(c, NULL) < 0 ||
        avcodec_receive_packet(c, pkt) < 0)
        goto out;
    if (mk_write_file(p, rel, pkt->data, (size_t)pkt->size) < 0)
        goto out;
    snprintf(info->file, sizeof info->file, "%s", rel);
    info->width = frame->width;
    info->height = frame->height;
    info->size_bytes = pkt->size;
    rc = 0;
out:
    if (rc < 0)
        fprintf(stderr, "sigplay-mkclass: cannot encode %s with %s\n", rel, codec_name);
    avcodec_free_context(&c);
    av_packet_free(&pkt);
    return rc;
}

static void draw_slide(struct mk_yuv *img)
{
    int w = img->width, h = img->height;
    int sc = h / 96;
    mk_fill_rect(img, 0, 0, w, h, mk_rgb(252, 252, 248));
    mk_fill_rect(img, 0, 0, w, h / 7, mk_rgb(30, 80, 160));
    mk_draw_text(img, w / 20, h / 28, sc, "SLIDE 2: FRACTIONS", mk_rgb(255, 255, 255));
    /* Three bars cut into halves, thirds and quarters. */
    static const int parts[3] = {2, 3, 4};
    static const char *const labels[3] = {"1/2", "1/3", "1/4"};
    const struct mk_color fills[2] = {mk_rgb(240, 150, 60), mk_rgb(90, 170, 90)};
    int bar_x = w / 5, bar_w = w * 3 / 5, bar_h = h / 9;
    for (int i = 0; i < 3; i++) {
        int y = h / 4 + i * (bar_h * 3 / 2);
        mk_draw_text(img, w / 20, y + bar_h / 4, sc, labels[i], mk_rgb(20, 20, 20));
        for (int k = 0; k < parts[i]; k++) {
            int x0 = bar_x + bar_w * k / parts[i];
            int x1 = bar_x + bar_w * (k + 1) / parts[i];
            mk_fill_rect(img, x0, y, x1 - x0 - sc, bar_h, fills[k == 0 ? 0 : 1]);
        }
    }
    mk_draw_text(img, w / 20, h - h / 10, sc / 2 > 0 ? sc / 2 : 1, "SIGPLAY SAMPLE - PAGE IMAGE",
                 mk_rgb(110, 110, 110));
}

static void draw_photo(struct mk_yuv *img)
{
    int w = img->width, h = img->height;
    int sc = h / 150; /* header text; the sums are 1.5 times larger */
    int big = sc * 3 / 2;
    mk_fill_rect(img, 0, 0, w, h, mk_rgb(120, 90, 60)); /* desk */
    mk_fill_rect(img, w / 10, h / 12, w * 8 / 10, h * 10 / 12, mk_rgb(245, 242, 230));
    for (int y = h / 12 + 12 * big; y < h * 11 / 12; y += 12 * big)
        mk_fill_rect(img, w / 10, y, w * 8 / 10, 1, mk_rgb(160, 190, 220));
    mk_draw_text(img, w / 8, h / 8, sc, "HOMEWORK - STUDENT_02", mk_rgb(30, 30, 120));
    mk_draw_text(img, w / 8, h / 8 + 14 * big, big, "1/2 + 1/4 = 3/4", mk_rgb(20, 20, 20));
    mk_draw_text(img, w / 8, h / 8 + 28 * big, big, "2/3 - 1/6 = 1/2", mk_rgb(20, 20, 20));
}

int mk_images_write(const struct mk_plan *p, struct mk_images *out)
{
    memset(out, 0, sizeof *out);
    int rc = -1;
    AVFrame *slide = new_frame(1024, 768, AV_PIX_FMT_YUV420P);
    AVFrame *photo = new_frame(800, 600, AV_PIX_FMT_YUV420P);
    AVFrame *slide_rgb = NULL, *photo_j = NULL, *thumb_j = NULL;
    if (!slide || !photo)
        goto out;
    struct mk_yuv y = yuv_of(slide);
    draw_slide(&y);
    y = yuv_of(photo);
    draw_photo(&y);
    slide_rgb = convert(slide, slide->width, slide->height, AV_PIX_FMT_RGB24);
    photo_j = convert(photo, photo->width, photo->height, AV_PIX_FMT_YUVJ420P);
    thumb_j = convert(photo, 200, 150, AV_PIX_FMT_YUVJ420P);
    if (!slide_rgb || !photo_j || !thumb_j)
        goto out;
    if (encode_write(p, "png", slide_rgb, "images/slide-02.png", &out->slide) < 0 ||
        encode_write(p, "mjpeg", photo_j, "images/homework.jpg", &out->photo) < 0 ||
        encode_write(p, "mjpeg", thumb_j, "images/homework-thumb.jpg", &out->photo_thumb) < 0)
        goto out;
    rc = 0;
out:
    av_frame_free(&slide);
    av_frame_free(&photo);
    av_frame_free(&slide_rgb);
    av_frame_free(&photo_j);
    av_frame_free(&thumb_j);
    return rc;
}
