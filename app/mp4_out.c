/* mp4_out.c - see mp4_out.h. */
#include "app/mp4_out.h"

#include "player/media/audio_mix.h"
#include "base/platform/os_libc.h"
#include "base/sp_error.h"

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/audio_fifo.h>
#include <libavutil/channel_layout.h>
#include <libavutil/imgutils.h>
#include <libavutil/opt.h>
#include <libswscale/swscale.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define QUEUE_CAP 64       /* items (video and audio) waiting at most */
#define AAC_BITRATE 128000 /* bits per second */
#define TAIL_PAD 64        /* bytes after the last row for swscale's SIMD reads */

struct app_mp4 {
    struct app_mp4_opts o;
    AVFormatContext *fmt;
    AVCodecContext *venc, *aenc;
    AVStream *vst, *ast;
    AVStream *sst; /* mov_text chat subtitles, NULL: none */
    struct SwsContext *sws;
    /* Frame memory used again instead of allocated per frame (a 1280x720
     * frame is 3.6 MB of RGBA: fresh pages each frame cost page faults and
     * zeroing): the canvas copies come from a pool, the yuv420p frame is
     * one frame of the encoder thread (libx264 copies what it is given). */
    AVBufferPool *rgba_pool;
    int rgba_ls; /* bytes per row of the pool's frames */
    AVFrame *yuv;
    AVAudioFifo *afifo; /* encoder thread: audio not yet a whole AAC frame */
    AVPacket *pkt;      /* encoder thread (then the finishing caller) */
    int64_t vpts;       /* next video frame index (caller) */
    int64_t apts_in;    /* next audio sample queued (caller) */
    int64_t apts_out;   /* next audio sample to the encoder (encoder thread) */
    bool header_written;

    /* the queue: guarded by lock */
    pthread_mutex_t lock;
    pthread_cond_t cond; /* items added, removed, stop, failed */
    AVFrame *q[QUEUE_CAP];
    size_t q_head, q_len, q_video; /* q_video: video frames in the queue */
    bool stop;                     /* no more items: the thread ends when empty */
    int err;                       /* first error (0 none); set by either thread */
    char msg[256];
    pthread_t thread;
    bool thread_started;
};

static void set_err(struct app_mp4 *m, int err, const char *fmt, ...) SP_FORMAT_PRINTF(3, 4);

static void set_err(struct app_mp4 *m, int err, const char *fmt, ...)
{
    pthread_mutex_lock(&m->lock);
    if (!m->err) {
        m->err = err;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(m->msg, sizeof(m->msg), fmt, ap);
        va_end(ap);
    }
    pthread_cond_broadcast(&m->cond);
    pthread_mutex_unlock(&m->lock);
}

static const char *av_err(int e, char *buf, size_t n)
{
    av_strerror(e, buf, n);
    return buf;
}

/* Sends frame (NULL: flush) to enc and writes every packet it gives. */
static int encode(struct app_mp4 *m, AVCodecContext *enc, AVStream *st, AVFrame *frame)
{
    char eb[128];
    int r = avcodec_send_frame(enc, frame);
    if (r < 0) {
        set_err(m, SP_EIO, "%s encoder: %s", enc->codec->name, av_err(r, eb, sizeof(eb)));
        return SP_EIO;
    }
    for (;;) {
        r = avcodec_receive_packet(enc, m->pkt);
        if (r == AVERROR(EAGAIN) || r == AVERROR_EOF)
            return 0;
        if (r < 0) {
            set_err(m, SP_EIO, "%s encoder: %s", enc->codec->name, av_err(r, eb, sizeof(eb)));
            return SP_EIO;
        }
        av_packet_rescale_ts(m->pkt, enc->time_base, st->time_base);
        m->pkt->stream_index = st->index;
        r = av_interleaved_write_frame(m->fmt, m->pkt); /* takes the packet's data */
        if (r < 0) {
            set_err(m, SP_EIO, "%s: cannot write: %s", m->fmt->url, av_err(r, eb, sizeof(eb)));
            return SP_EIO;
        }
    }
}

/* Encodes the audio FIFO's whole AAC frames (all of it when last). */
static int encode_audio_fifo(struct app_mp4 *m, bool last)
{
    int fs = m->aenc->frame_size > 0 ? m->aenc->frame_size : 1024;
    while (av_audio_fifo_size(m->afifo) >= fs || (last && av_audio_fifo_size(m->afifo) > 0)) {
        int n = av_audio_fifo_size(m->afifo);
        if (n > fs)
            n = fs;
        AVFrame *f = av_frame_alloc();
        if (!f)
            return SP_ENOMEM;
        f->format = m->aenc->sample_fmt;
        f->sample_rate = m->aenc->sample_rate;
        f->nb_samples = (m->aenc->codec->capabilities & AV_CODEC_CAP_SMALL_LAST_FRAME) ? n : fs;
        int r = av_channel_layout_copy(&f->ch_layout, &m->aenc->ch_layout);
        if (r >= 0)
            r = av_frame_get_buffer(f, 0);
        if (r < 0) {
            av_frame_free(&f);
            return SP_ENOMEM;
        }
        if (n < f->nb_samples)
            av_samples_set_silence(f->extended_data, n, f->nb_samples - n, f->ch_layout.nb_channels,
                                   (enum AVSampleFormat)f->format);
        av_audio_fifo_read(m->afifo, (void **)f->extended_data, n);
        f->pts = m->apts_out;
        m->apts_out += n;
        r = encode(m, m->aenc, m->ast, f);
        av_frame_free(&f);
        if (r < 0)
            return r;
    }
    return 0;
}

/* rgba (a copy of a canvas) in the yuv420p frame m->yuv (made on first
 * use, written again each time); encoder thread. */
static AVFrame *to_yuv(struct app_mp4 *m, const AVFrame *rgba)
{
    if (m->yuv) {
        /* the encoder may still hold a reference: then this copies */
        if (av_frame_make_writable(m->yuv) < 0)
            return NULL;
        m->yuv->pts = rgba->pts;
        sws_scale(m->sws, (const uint8_t *const *)rgba->data, rgba->linesize, 0, m->o.h,
                  m->yuv->data, m->yuv->linesize);
        return m->yuv;
    }
    AVFrame *f = m->yuv = av_frame_alloc();
    if (!f)
        return NULL;
    f->format = AV_PIX_FMT_YUV420P;
    f->width = m->o.w;
    f->height = m->o.h;
    f->color_range = AVCOL_RANGE_MPEG;
    f->colorspace = AVCOL_SPC_BT709;
    f->color_primaries = AVCOL_PRI_BT709;
    f->color_trc = AVCOL_TRC_BT709;
    f->pts = rgba->pts;
    if (av_frame_get_buffer(f, 0) < 0) {
        av_frame_free(&m->yuv);
        return NULL;
    }
    sws_scale(m->sws, (const uint8_t *const *)rgba->data, rgba->linesize, 0, m->o.h, f->data,
              f->linesize);
    return f;
}

static void *encoder_main(void *arg)
{
    struct app_mp4 *m = arg;
    for (;;) {
        pthread_mutex_lock(&m->lock);
        while (!m->q_len && !m->stop && !m->err)
            pthread_cond_wait(&m->cond, &m->lock);
        if (m->err || !m->q_len) {
            pthread_mutex_unlock(&m->lock);
            break;
        }
        AVFrame *f = m->q[m->q_head];
        m->q_head = (m->q_head + 1) % QUEUE_CAP;
        m->q_len--;
        bool video = f->width > 0;
        if (video)
            m->q_video--;
        pthread_cond_broadcast(&m->cond);
        pthread_mutex_unlock(&m->lock);

        int r;
        if (video) {
            AVFrame *yuv = to_yuv(m, f);
            r = yuv ? encode(m, m->venc, m->vst, yuv) : SP_ENOMEM;
            if (!yuv)
                set_err(m, r, "video: out of memory");
        } else {
            r = av_audio_fifo_write(m->afifo, (void **)f->extended_data, f->nb_samples);
            r = r < 0 ? SP_ENOMEM : encode_audio_fifo(m, false);
            if (r == SP_ENOMEM)
                set_err(m, r, "audio: out of memory");
        }
        av_frame_free(&f);
        if (r < 0)
            break;
    }
    return NULL;
}

/* Waits for room and queues f (ownership passes). */
static int push(struct app_mp4 *m, AVFrame *f)
{
    bool video = f->width > 0;
    pthread_mutex_lock(&m->lock);
    while (!m->err && (m->q_len == QUEUE_CAP || (video && m->q_video >= APP_MP4_QUEUE)))
        pthread_cond_wait(&m->cond, &m->lock);
    int err = m->err;
    if (!err) {
        m->q[(m->q_head + m->q_len) % QUEUE_CAP] = f;
        m->q_len++;
        if (video)
            m->q_video++;
        pthread_cond_broadcast(&m->cond);
    }
    pthread_mutex_unlock(&m->lock);
    if (err)
        av_frame_free(&f);
    return err;
}

static int open_video(struct app_mp4 *m)
{
    const AVCodec *c = avcodec_find_encoder_by_name("libx264");
    if (!c) {
        set_err(m, SP_EUNSUPPORTED, "this FFmpeg has no libx264 encoder");
        return SP_EUNSUPPORTED;
    }
    AVCodecContext *e = m->venc = avcodec_alloc_context3(c);
    if (!e)
        return SP_ENOMEM;
    e->width = m->o.w;
    e->height = m->o.h;
    e->pix_fmt = AV_PIX_FMT_YUV420P;
    e->time_base = (AVRational){1, m->o.fps};
    e->framerate = (AVRational){m->o.fps, 1};
    e->sample_aspect_ratio = (AVRational){1, 1};
    e->color_range = AVCOL_RANGE_MPEG;
    e->colorspace = AVCOL_SPC_BT709;
    e->color_primaries = AVCOL_PRI_BT709;
    e->color_trc = AVCOL_TRC_BT709;
    e->thread_count = 0; /* libx264 picks (about 1.5 per core) */
    if (m->fmt->oformat->flags & AVFMT_GLOBALHEADER)
        e->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    AVDictionary *d = NULL;
    char crf[16];
    snprintf(crf, sizeof(crf), "%d", m->o.crf);
    av_dict_set(&d, "preset", m->o.preset ? m->o.preset : "veryfast", 0);
    av_dict_set(&d, "crf", crf, 0);
    char eb[128];
    int r = avcodec_open2(e, c, &d);
    av_dict_free(&d);
    if (r < 0) {
        set_err(m, SP_EUNSUPPORTED, "libx264 (preset %s, crf %d): %s",
                m->o.preset ? m->o.preset : "veryfast", m->o.crf, av_err(r, eb, sizeof(eb)));
        return SP_EUNSUPPORTED;
    }
    m->vst = avformat_new_stream(m->fmt, NULL);
    if (!m->vst || avcodec_parameters_from_context(m->vst->codecpar, e) < 0)
        return SP_ENOMEM;
    m->vst->time_base = e->time_base;
    m->vst->avg_frame_rate = e->framerate;
    /* SWS_FULL_CHR_H_INP: chroma read at full width and then filtered
     * (bilinear) instead of swscale's C "half" readers that average pixel
     * pairs first: luma identical, chroma within ~45 dB of the other path,
     * and about half the time at 1280x720 (SIMD readers). */
    m->sws = sws_getContext(m->o.w, m->o.h, AV_PIX_FMT_RGBA, m->o.w, m->o.h, AV_PIX_FMT_YUV420P,
                            SWS_BILINEAR | SWS_FULL_CHR_H_INP, NULL, NULL, NULL);
    if (!m->sws)
        return SP_ENOMEM;
    /* RGB in full range; out BT.709 limited range, as tagged above */
    const int *bt709 = sws_getCoefficients(SWS_CS_ITU709);
    sws_setColorspaceDetails(m->sws, bt709, 1, bt709, 0, 0, 1 << 16, 1 << 16);
    return 0;
}

static int open_audio(struct app_mp4 *m)
{
    const AVCodec *c = avcodec_find_encoder(AV_CODEC_ID_AAC);
    if (!c) {
        set_err(m, SP_EUNSUPPORTED, "this FFmpeg has no AAC encoder");
        return SP_EUNSUPPORTED;
    }
    AVCodecContext *e = m->aenc = avcodec_alloc_context3(c);
    if (!e)
        return SP_ENOMEM;
    e->sample_fmt = AV_SAMPLE_FMT_FLTP;
    e->sample_rate = AUDIO_MIX_RATE;
    e->bit_rate = AAC_BITRATE;
    e->time_base = (AVRational){1, AUDIO_MIX_RATE};
    av_channel_layout_default(&e->ch_layout, AUDIO_MIX_CHANNELS);
    if (m->fmt->oformat->flags & AVFMT_GLOBALHEADER)
        e->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    char eb[128];
    int r = avcodec_open2(e, c, NULL);
    if (r < 0) {
        set_err(m, SP_EUNSUPPORTED, "AAC encoder: %s", av_err(r, eb, sizeof(eb)));
        return SP_EUNSUPPORTED;
    }
    m->ast = avformat_new_stream(m->fmt, NULL);
    if (!m->ast || avcodec_parameters_from_context(m->ast->codecpar, e) < 0)
        return SP_ENOMEM;
    m->ast->time_base = e->time_base;
    m->afifo = av_audio_fifo_alloc(AV_SAMPLE_FMT_FLTP, AUDIO_MIX_CHANNELS, AUDIO_MIX_RATE);
    return m->afifo ? 0 : SP_ENOMEM;
}

/* The chapters as the muxer's chapter list (written with the index). */
static int add_chapters(struct app_mp4 *m)
{
    if (!m->o.n_chapters)
        return 0;
    if (m->o.n_chapters > INT_MAX / 2)
        return SP_ELIMIT;
    m->fmt->chapters = av_calloc(m->o.n_chapters, sizeof(*m->fmt->chapters));
    if (!m->fmt->chapters)
        return SP_ENOMEM;
    for (size_t i = 0; i < m->o.n_chapters; i++) {
        const struct app_mp4_chapter *c = &m->o.chapters[i];
        AVChapter *ch = av_mallocz(sizeof(*ch));
        if (!ch)
            return SP_ENOMEM;
        m->fmt->chapters[m->fmt->nb_chapters++] = ch;
        ch->id = (int64_t)i + 1;
        ch->time_base = (AVRational){1, 1000}; /* ms, as the chapters were always written */
        ch->start = c->start_us / 1000;
        ch->end = c->end_us / 1000;
        if (av_dict_set(&ch->metadata, "title", c->title ? c->title : "", 0) < 0)
            return SP_ENOMEM;
    }
    return 0;
}

/* The tx3g sample description of a plain mov_text track (3GPP TS 26.245
 * 5.16): no flags, left/bottom justified, transparent background, one
 * style (font 1, 18 px, white) and a font table naming "Sans". */
static const uint8_t tx3g_entry[] = {
    0, 0,   0,   0,    0x01, 0xFF, 0,   0,    0,    0,                /* flags, justification, bg */
    0, 0,   0,   0,    0,    0,    0,   0,                            /* box */
    0, 0,   0,   0,    0,    1,    0,   0x12, 0xFF, 0xFF, 0xFF, 0xFF, /* style record */
    0, 0,   0,   0x11, 'f',  't',  'a', 'b',  0,    1,    0,    1,
    4, 'S', 'a', 'n',  's'}; /* font table */

static int open_subs(struct app_mp4 *m)
{
    if (!m->o.n_subs)
        return 0;
    m->sst = avformat_new_stream(m->fmt, NULL);
    if (!m->sst)
        return SP_ENOMEM;
    AVCodecParameters *par = m->sst->codecpar;
    par->codec_type = AVMEDIA_TYPE_SUBTITLE;
    par->codec_id = AV_CODEC_ID_MOV_TEXT;
    par->extradata = av_mallocz(sizeof(tx3g_entry) + AV_INPUT_BUFFER_PADDING_SIZE);
    if (!par->extradata)
        return SP_ENOMEM;
    memcpy(par->extradata, tx3g_entry, sizeof(tx3g_entry));
    par->extradata_size = (int)sizeof(tx3g_entry);
    m->sst->time_base = (AVRational){1, 1000};
    av_dict_set(&m->sst->metadata, "language", m->o.subs_language ? m->o.subs_language : "und", 0);
    av_dict_set(&m->sst->metadata, "handler_name", "Chat", 0);
    return 0;
}

/* Every cue as one mov_text sample: a 16-bit big-endian length, then the
 * text. Handed to the interleaver before any video, which holds them until
 * the other tracks catch up. */
static int write_subs(struct app_mp4 *m)
{
    char eb[128];
    for (size_t i = 0; i < m->o.n_subs; i++) {
        const struct app_mp4_sub *c = &m->o.subs[i];
        size_t len = c->text ? strlen(c->text) : 0;
        if (len > 65535)
            len = 65535;
        if (av_new_packet(m->pkt, (int)len + 2) < 0)
            return SP_ENOMEM;
        m->pkt->data[0] = (uint8_t)(len >> 8);
        m->pkt->data[1] = (uint8_t)len;
        if (len)
            memcpy(m->pkt->data + 2, c->text, len);
        m->pkt->stream_index = m->sst->index;
        m->pkt->pts = m->pkt->dts =
            av_rescale_q(c->start_us, (AVRational){1, 1000000}, m->sst->time_base);
        m->pkt->duration =
            av_rescale_q(c->end_us - c->start_us, (AVRational){1, 1000000}, m->sst->time_base);
        m->pkt->flags |= AV_PKT_FLAG_KEY;
        int r = av_interleaved_write_frame(m->fmt, m->pkt);
        if (r < 0) {
            set_err(m, SP_EIO, "%s: subtitles: %s", m->fmt->url, av_err(r, eb, sizeof(eb)));
            return SP_EIO;
        }
    }
    return 0;
}

int app_mp4_open(const char *path, const struct app_mp4_opts *o, struct app_mp4 **out, char *err,
                 size_t errlen)
{
    if (err && errlen)
        err[0] = '\0';
    if (!path || !o || !out)
        return SP_EINVAL;
    *out = NULL;
    if (o->w < 2 || o->h < 2 || o->w > CANVAS_MAX_DIM || o->h > CANVAS_MAX_DIM || o->w % 2 ||
        o->h % 2 || o->fps < 1 || o->fps > 120 || o->crf < 0 || o->crf > 51) {
        if (err && errlen)
            snprintf(err, errlen, "bad output size, rate or CRF");
        return SP_EINVAL;
    }
    struct app_mp4 *m = calloc(1, sizeof(*m));
    if (!m)
        return SP_ENOMEM;
    m->o = *o;
    pthread_mutex_init(&m->lock, NULL);
    pthread_cond_init(&m->cond, NULL);
    char eb[128];
    int r = avformat_alloc_output_context2(&m->fmt, NULL, "mp4", path);
    if (r < 0 || !m->fmt) {
        set_err(m, SP_ENOMEM, "mp4 muxer: %s", av_err(r, eb, sizeof(eb)));
        r = SP_ENOMEM;
        goto fail;
    }
    m->pkt = av_packet_alloc();
    if (!m->pkt) {
        r = SP_ENOMEM;
        goto fail;
    }
    if ((r = open_video(m)) < 0 || (o->audio && (r = open_audio(m)) < 0) ||
        (r = open_subs(m)) < 0 || (r = add_chapters(m)) < 0)
        goto fail;
    r = avio_open(&m->fmt->pb, path, AVIO_FLAG_WRITE);
    if (r < 0) {
        set_err(m, SP_EIO, "%s: cannot write: %s", path, av_err(r, eb, sizeof(eb)));
        r = SP_EIO;
        goto fail;
    }
    AVDictionary *d = NULL;
    av_dict_set(&d, "movflags", "+faststart", 0);
    r = avformat_write_header(m->fmt, &d);
    av_dict_free(&d);
    if (r < 0) {
        set_err(m, SP_EIO, "%s: cannot write: %s", path, av_err(r, eb, sizeof(eb)));
        r = SP_EIO;
        goto fail;
    }
    m->header_written = true;
    if ((r = write_subs(m)) < 0)
        goto fail;
    m->o.subs = NULL; /* borrowed for the open only */
    m->o.chapters = NULL;
    m->err = 0; /* nothing failed */
    if (pthread_create(&m->thread, NULL, encoder_main, m) != 0) {
        r = SP_ENOMEM;
        goto fail;
    }
    m->thread_started = true;
    *out = m;
    return 0;
fail:
    if (err && errlen)
        snprintf(err, errlen, "%s", m->msg[0] ? m->msg : sp_strerror(r));
    app_mp4_destroy(&m);
    return r;
}

int app_mp4_video(struct app_mp4 *m, const struct canvas *c)
{
    if (!m || !c || c->w != m->o.w || c->h != m->o.h)
        return SP_EINVAL;
    /* a copy (with FFmpeg's padding, which swscale's SIMD reads want) that
     * the encoder thread converts while the caller draws the next frame */
    if (!m->rgba_pool) {
        m->rgba_ls = (c->w * 4 + 63) & ~63;
        m->rgba_pool = av_buffer_pool_init((size_t)m->rgba_ls * c->h + TAIL_PAD, NULL);
    }
    AVFrame *f = m->rgba_pool ? av_frame_alloc() : NULL;
    if (f) {
        f->format = AV_PIX_FMT_RGBA;
        f->width = c->w;
        f->height = c->h;
        f->buf[0] = av_buffer_pool_get(m->rgba_pool);
        if (f->buf[0]) {
            f->data[0] = f->buf[0]->data;
            f->linesize[0] = m->rgba_ls;
            f->extended_data = f->data;
        } else {
            av_frame_free(&f);
        }
    }
    if (!f) {
        set_err(m, SP_ENOMEM, "video: out of memory");
        return SP_ENOMEM;
    }
    av_image_copy_plane(f->data[0], f->linesize[0], c->px, c->stride, c->w * 4, c->h);
    f->pts = m->vpts++;
    return push(m, f);
}

int app_mp4_audio(struct app_mp4 *m, const float *samples, int frames)
{
    if (!m || !m->aenc || frames < 0 || (frames && !samples))
        return SP_EINVAL;
    if (!frames)
        return 0;
    AVFrame *f = av_frame_alloc();
    if (!f)
        return SP_ENOMEM;
    f->format = AV_SAMPLE_FMT_FLTP;
    f->sample_rate = AUDIO_MIX_RATE;
    f->nb_samples = frames;
    av_channel_layout_default(&f->ch_layout, AUDIO_MIX_CHANNELS);
    if (av_frame_get_buffer(f, 0) < 0) {
        av_frame_free(&f);
        set_err(m, SP_ENOMEM, "audio: out of memory");
        return SP_ENOMEM;
    }
    for (int ch = 0; ch < AUDIO_MIX_CHANNELS; ch++) {
        float *dst = (float *)f->extended_data[ch];
        for (int k = 0; k < frames; k++)
            dst[k] = samples[k * AUDIO_MIX_CHANNELS + ch];
    }
    f->pts = m->apts_in;
    m->apts_in += frames;
    return push(m, f);
}

static void stop_thread(struct app_mp4 *m)
{
    if (!m->thread_started)
        return;
    pthread_mutex_lock(&m->lock);
    m->stop = true;
    pthread_cond_broadcast(&m->cond);
    pthread_mutex_unlock(&m->lock);
    pthread_join(m->thread, NULL);
    m->thread_started = false;
}

int app_mp4_finish(struct app_mp4 **mp, char *err, size_t errlen)
{
    if (err && errlen)
        err[0] = '\0';
    if (!mp || !*mp)
        return SP_EINVAL;
    struct app_mp4 *m = *mp;
    stop_thread(m); /* encodes what is queued, then ends */
    int r = m->err;
    if (!r && m->aenc)
        r = encode_audio_fifo(m, true);
    if (!r && m->aenc)
        r = encode(m, m->aenc, m->ast, NULL);
    if (!r)
        r = encode(m, m->venc, m->vst, NULL);
    if (!r) {
        char eb[128];
        int e = av_write_trailer(m->fmt);
        if (e < 0) {
            set_err(m, SP_EIO, "%s: cannot write: %s", m->fmt->url, av_err(e, eb, sizeof(eb)));
            r = SP_EIO;
        }
        m->header_written = false;
    }
    if (!r && m->fmt->pb && avio_closep(&m->fmt->pb) < 0)
        r = SP_EIO;
    if (r && err && errlen)
        snprintf(err, errlen, "%s", m->msg[0] ? m->msg : sp_strerror(r));
    app_mp4_destroy(mp);
    return r;
}

void app_mp4_destroy(struct app_mp4 **mp)
{
    if (!mp || !*mp)
        return;
    struct app_mp4 *m = *mp;
    if (m->thread_started) {
        set_err(m, SP_ECANCELLED, "cancelled"); /* the thread drops what is queued */
        stop_thread(m);
    }
    for (size_t i = 0; i < m->q_len; i++)
        av_frame_free(&m->q[(m->q_head + i) % QUEUE_CAP]);
    avcodec_free_context(&m->venc);
    avcodec_free_context(&m->aenc);
    if (m->fmt) {
        if (m->fmt->pb)
            avio_closep(&m->fmt->pb);
        avformat_free_context(m->fmt);
    }
    av_packet_free(&m->pkt);
    av_audio_fifo_free(m->afifo);
    sws_freeContext(m->sws);
    av_frame_free(&m->yuv);
    av_buffer_pool_uninit(&m->rgba_pool); /* freed when its last frame is */
    pthread_cond_destroy(&m->cond);
    pthread_mutex_destroy(&m->lock);
    free(m);
    *mp = NULL;
}

const char *app_mp4_error(const struct app_mp4 *m)
{
    return m ? m->msg : "";
}
