/* testmedia.c - see testmedia.h. */
#include "testmedia.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/channel_layout.h>
#include <libavutil/opt.h>
#include <libavutil/pixdesc.h>

struct enc {
    AVCodecContext *c;
    AVStream *st;
};

static int encode(AVFormatContext *oc, struct enc *e, AVFrame *f)
{
    int r = avcodec_send_frame(e->c, f);
    if (r < 0)
        return r;
    AVPacket *pkt = av_packet_alloc();
    if (!pkt)
        return AVERROR(ENOMEM);
    while ((r = avcodec_receive_packet(e->c, pkt)) >= 0) {
        av_packet_rescale_ts(pkt, e->c->time_base, e->st->time_base);
        pkt->stream_index = e->st->index;
        r = av_interleaved_write_frame(oc, pkt);
        if (r < 0)
            break;
    }
    av_packet_free(&pkt);
    return r == AVERROR(EAGAIN) || r == AVERROR_EOF ? 0 : r;
}

static int open_video(AVFormatContext *oc, struct enc *e, const struct testmedia_opts *o)
{
    const AVCodec *codec = avcodec_find_encoder_by_name("libx264");
    if (!codec)
        codec = avcodec_find_encoder(AV_CODEC_ID_MPEG4);
    if (!codec || !(e->c = avcodec_alloc_context3(codec)) ||
        !(e->st = avformat_new_stream(oc, NULL)))
        return AVERROR(ENOMEM);
    e->c->width = o->width;
    e->c->height = o->height;
    e->c->time_base = (AVRational){1, o->fps};
    e->c->framerate = (AVRational){o->fps, 1};
    e->c->gop_size = o->gop;
    e->c->max_b_frames = o->bframes;
    e->c->pix_fmt = AV_PIX_FMT_YUV420P;
    e->c->thread_count = 1;
    if (oc->oformat->flags & AVFMT_GLOBALHEADER)
        e->c->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    AVDictionary *opt = NULL;
    if (strcmp(codec->name, "libx264") == 0) {
        av_dict_set(&opt, "preset", "veryfast", 0);
        av_dict_set(&opt, "x264-params", "scenecut=0:keyint_min=1", 0);
    }
    int r = avcodec_open2(e->c, codec, &opt);
    av_dict_free(&opt);
    if (r < 0)
        return r;
    e->st->time_base = e->c->time_base;
    e->st->avg_frame_rate = e->c->framerate;
    return avcodec_parameters_from_context(e->st->codecpar, e->c);
}

static int open_audio(AVFormatContext *oc, struct enc *e, const struct testmedia_opts *o)
{
    const AVCodec *codec = avcodec_find_encoder(AV_CODEC_ID_AAC);
    if (!codec || !(e->c = avcodec_alloc_context3(codec)) ||
        !(e->st = avformat_new_stream(oc, NULL)))
        return AVERROR(ENOMEM);
    e->c->sample_rate = o->sample_rate;
    e->c->sample_fmt = AV_SAMPLE_FMT_FLTP;
    e->c->bit_rate = 64000;
    av_channel_layout_default(&e->c->ch_layout, 2);
    e->c->time_base = (AVRational){1, o->sample_rate};
    if (oc->oformat->flags & AVFMT_GLOBALHEADER)
        e->c->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    int r = avcodec_open2(e->c, codec, NULL);
    if (r < 0)
        return r;
    e->st->time_base = e->c->time_base;
    return avcodec_parameters_from_context(e->st->codecpar, e->c);
}

static void paint(AVFrame *f, int i)
{
    for (int y = 0; y < f->height; y++)
        for (int x = 0; x < f->width; x++)
            f->data[0][y * f->linesize[0] + x] =
                (uint8_t)(16 + ((x + 3 * i) % 64) + ((y / 8 + i) % 2) * 64 + (i % 10) * 8);
    for (int p = 1; p < 3; p++)
        for (int y = 0; y < f->height / 2; y++)
            memset(f->data[p] + y * f->linesize[p], (uint8_t)(64 + p * 40 + i % 50),
                   (size_t)f->width / 2);
}

int testmedia_write_jpegs(const char *path, const uint8_t *jpeg, size_t len, int frames, int fps,
                          int w, int h)
{
    AVFormatContext *oc = NULL;
    AVPacket *pkt = av_packet_alloc();
    int r = avformat_alloc_output_context2(&oc, NULL, "mp4", path);
    AVStream *st = r >= 0 ? avformat_new_stream(oc, NULL) : NULL;
    if (r >= 0 && (!st || !pkt || len > INT_MAX || fps < 1))
        r = AVERROR(EINVAL);
    if (r < 0)
        goto done;
    st->time_base = (AVRational){1, fps};
    st->avg_frame_rate = (AVRational){fps, 1};
    st->codecpar->codec_type = AVMEDIA_TYPE_VIDEO;
    st->codecpar->codec_id = AV_CODEC_ID_MJPEG;
    st->codecpar->width = w;
    st->codecpar->height = h;
    if ((r = avio_open(&oc->pb, path, AVIO_FLAG_WRITE)) < 0 ||
        (r = avformat_write_header(oc, NULL)) < 0)
        goto done;
    for (int i = 0; i < frames && r >= 0; i++) {
        if ((r = av_new_packet(pkt, (int)len)) < 0)
            break;
        memcpy(pkt->data, jpeg, len);
        pkt->stream_index = st->index;
        pkt->pts = pkt->dts = av_rescale_q(i, (AVRational){1, fps}, st->time_base);
        pkt->duration = av_rescale_q(1, (AVRational){1, fps}, st->time_base);
        pkt->flags |= AV_PKT_FLAG_KEY;
        r = av_interleaved_write_frame(oc, pkt);
    }
    if (r >= 0)
        r = av_write_trailer(oc);
done:
    av_packet_free(&pkt);
    if (oc && oc->pb)
        avio_closep(&oc->pb);
    avformat_free_context(oc);
    return r < 0 ? r : 0;
}

int testmedia_write(const char *path, const struct testmedia_opts *oin)
{
    struct testmedia_opts o = *oin;
    if (!o.fps)
        o.fps = 25;
    if (!o.width)
        o.width = 160;
    if (!o.height)
        o.height = 120;
    if (!o.gop)
        o.gop = 25;
    if (!o.sample_rate)
        o.sample_rate = 48000;
    if (o.tone_hz == 0)
        o.tone_hz = 440;
    if (o.bframes == 0)
        o.bframes = 2;
    if (o.bframes < 0)
        o.bframes = 0;

    AVFormatContext *oc = NULL;
    struct enc v = {0}, a = {0};
    AVFrame *f = av_frame_alloc();
    int r = avformat_alloc_output_context2(&oc, NULL, "mp4", path);
    if (r < 0 || !f)
        goto done;
    if (o.frames > 0 && (r = open_video(oc, &v, &o)) < 0)
        goto done;
    if (o.audio_s > 0 && (r = open_audio(oc, &a, &o)) < 0)
        goto done;
    if ((r = avio_open(&oc->pb, path, AVIO_FLAG_WRITE)) < 0)
        goto done;
    AVDictionary *mopt = NULL;
    if (o.faststart)
        av_dict_set(&mopt, "movflags", "+faststart", 0);
    r = avformat_write_header(oc, &mopt);
    av_dict_free(&mopt);
    if (r < 0)
        goto done;

    int64_t total_samples = (int64_t)(o.audio_s * o.sample_rate);
    int64_t next_sample = 0;
    int vi = 0;
    while ((v.c && vi < o.frames) || (a.c && next_sample < total_samples)) {
        /* interleave by time: whichever stream is behind goes next */
        bool do_video = v.c && vi < o.frames &&
                        (!a.c || next_sample >= total_samples ||
                         (double)vi / o.fps <= (double)next_sample / o.sample_rate);
        av_frame_unref(f);
        if (do_video) {
            f->format = AV_PIX_FMT_YUV420P;
            f->width = o.width;
            f->height = o.height;
            if ((r = av_frame_get_buffer(f, 0)) < 0)
                goto done;
            paint(f, vi);
            f->pts = vi++;
            if ((r = encode(oc, &v, f)) < 0)
                goto done;
        } else {
            int n = a.c->frame_size;
            f->format = AV_SAMPLE_FMT_FLTP;
            f->nb_samples = n;
            f->sample_rate = o.sample_rate;
            av_channel_layout_copy(&f->ch_layout, &a.c->ch_layout);
            if ((r = av_frame_get_buffer(f, 0)) < 0)
                goto done;
            for (int ch = 0; ch < 2; ch++) {
                float *s = (float *)f->data[ch];
                for (int k = 0; k < n; k++) {
                    int64_t sn = next_sample + k;
                    s[k] =
                        sn < total_samples
                            ? (float)(0.5 * sin(2 * M_PI * o.tone_hz * (double)sn / o.sample_rate))
                            : 0.0f;
                }
            }
            f->pts = next_sample;
            next_sample += n;
            if ((r = encode(oc, &a, f)) < 0)
                goto done;
        }
    }
    if (v.c && (r = encode(oc, &v, NULL)) < 0)
        goto done;
    if (a.c && (r = encode(oc, &a, NULL)) < 0)
        goto done;
    r = av_write_trailer(oc);
done:
    av_frame_free(&f);
    avcodec_free_context(&v.c);
    avcodec_free_context(&a.c);
    if (oc && oc->pb)
        avio_closep(&oc->pb);
    avformat_free_context(oc);
    return r;
}

long testmedia_file_size(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fclose(f);
    return n;
}

static int copy_with(const char *src, const char *dst, long keep, long from, long len)
{
    FILE *in = fopen(src, "rb");
    FILE *out = in ? fopen(dst, "wb") : NULL;
    if (!out) {
        if (in)
            fclose(in);
        return -1;
    }
    uint32_t seed = 12345;
    long pos = 0;
    int c;
    while ((keep < 0 || pos < keep) && (c = fgetc(in)) != EOF) {
        if (pos >= from && pos < from + len) {
            seed = seed * 1103515245u + 12345u;
            c = (int)((seed >> 16) & 0xff);
        }
        fputc(c, out);
        pos++;
    }
    fclose(in);
    return fclose(out) == 0 ? 0 : -1;
}

int testmedia_truncate_copy(const char *src, const char *dst, long keep)
{
    return copy_with(src, dst, keep, 0, 0);
}

int testmedia_garbage_copy(const char *src, const char *dst, long from, long len)
{
    return copy_with(src, dst, -1, from, len);
}

/* FNV-1a over 64-bit words (8x fewer steps than bytewise: sanitizer
 * builds hash many frames), bytes for the tail. */
static uint64_t hash_bytes(uint64_t h, const uint8_t *p, size_t n)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        h ^= w;
        h *= 1099511628211ULL;
    }
    for (; i < n; i++) {
        h ^= p[i];
        h *= 1099511628211ULL;
    }
    return h;
}

uint64_t testmedia_frame_hash(const void *avframe)
{
    const AVFrame *f = avframe;
    uint64_t h = 1469598103934665603ULL;
    if (f->width > 0 && f->height > 0) {
        const AVPixFmtDescriptor *d = av_pix_fmt_desc_get(f->format);
        int planes = d ? av_pix_fmt_count_planes(f->format) : 1;
        for (int p = 0; p < planes && f->data[p]; p++) {
            int w = p ? AV_CEIL_RSHIFT(f->width, d->log2_chroma_w) : f->width;
            int hh = p ? AV_CEIL_RSHIFT(f->height, d->log2_chroma_h) : f->height;
            for (int y = 0; y < hh; y++)
                h = hash_bytes(h, f->data[p] + (size_t)y * (size_t)f->linesize[p], (size_t)w);
        }
    } else if (f->nb_samples > 0) {
        int bytes = av_get_bytes_per_sample(f->format) * f->nb_samples;
        int planes = av_sample_fmt_is_planar(f->format) ? f->ch_layout.nb_channels : 1;
        if (!av_sample_fmt_is_planar(f->format))
            bytes *= f->ch_layout.nb_channels;
        for (int p = 0; p < planes; p++)
            h = hash_bytes(h, f->extended_data[p], (size_t)bytes);
    }
    return h;
}
