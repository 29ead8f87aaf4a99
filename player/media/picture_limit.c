/* picture_limit.c - see picture_limit.h. */
#include "player/media/picture_limit.h"

#include <stdint.h>
#include <stdlib.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/dict.h>

bool picture_over_limit(int w, int h)
{
    return w < 1 || h < 1 || w > PICTURE_MAX_DIM || h > PICTURE_MAX_DIM ||
           (int64_t)w * h > PICTURE_MAX_PIXELS;
}

static int get_buffer_limited(AVCodecContext *c, AVFrame *f, int flags)
{
    if (picture_over_limit(f->width, f->height)) {
        struct picture_limit *pl = c->opaque;
        atomic_store(&pl->refused, true);
        return AVERROR(ERANGE);
    }
    return avcodec_default_get_buffer2(c, f, flags);
}

void picture_limit_decoder(AVCodecContext *c, struct picture_limit *pl)
{
    if (c->codec_type != AVMEDIA_TYPE_VIDEO)
        return;
    atomic_store(&pl->refused, false);
    c->max_pixels = (int64_t)PICTURE_MAX_DIM * PICTURE_MAX_DIM;
    c->opaque = pl;
    c->get_buffer2 = get_buffer_limited;
}

bool picture_limit_refused(struct picture_limit *pl)
{
    return atomic_exchange(&pl->refused, false);
}

int picture_limit_find_stream_info(AVFormatContext *fmt)
{
    unsigned n = fmt->nb_streams;
    if (n == 0)
        return avformat_find_stream_info(fmt, NULL);
    AVDictionary **opts = calloc(n, sizeof(*opts));
    int(*declared)[2] = calloc(n, sizeof(*declared));
    int r = opts && declared ? 0 : AVERROR(ENOMEM);
    for (unsigned i = 0; i < n && r >= 0; i++) {
        declared[i][0] = fmt->streams[i]->codecpar->width;
        declared[i][1] = fmt->streams[i]->codecpar->height;
        r = av_dict_set_int(&opts[i], "max_pixels", PICTURE_MAX_PIXELS, 0);
    }
    if (r >= 0)
        r = avformat_find_stream_info(fmt, opts);
    /* A decoder that refused the picture leaves the size at 0x0 and that
     * is copied over the container's: keep what the container declared,
     * for the caller to refuse by name. */
    for (unsigned i = 0; declared && i < n && i < fmt->nb_streams; i++) {
        AVCodecParameters *par = fmt->streams[i]->codecpar;
        if (par->codec_type == AVMEDIA_TYPE_VIDEO && par->width == 0 && par->height == 0) {
            par->width = declared[i][0];
            par->height = declared[i][1];
        }
    }
    for (unsigned i = 0; opts && i < n; i++)
        av_dict_free(&opts[i]);
    free(opts);
    free(declared);
    return r;
}
