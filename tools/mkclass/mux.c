/* mux.c - writes one segment: draws and encodes every frame, synthesizes and
 * encodes the audio, inserts the sync SEI and muxes into MP4 (moov first, as
 * a video-on-demand service serves it, so playback over HTTP can start before
 * the whole file is there). An audio-only lane's segment is an MP3 file
 * (libmp3lame, with the Xing/LAME header that records the encoder delay and
 * padding, so readers trim them and the duration is exact).
 *
 * Durations: a segment of VideoDuration d ms has round(d * fps / 1000)
 * frames of 1/fps s each, and exactly d * 48 audio samples.
 */
#include "mkclass.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/channel_layout.h>
#include <libavutil/opt.h>

struct writer {
    struct mk_plan *p;
    struct mk_segment *s;
    AVFormatContext *oc;
    AVCodecContext *venc, *aenc;
    AVStream *vst, *ast;
    AVPacket *pkt;
    AVFrame *vframe, *aframe;
};

/* Moves every packet the encoder has ready into the muxer. */
static int drain(struct writer *w, AVCodecContext *enc, AVStream *st)
{
    bool video = enc == w->venc;
    for (;;) {
        int rc = avcodec_receive_packet(enc, w->pkt);
        if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF)
            return 0;
        if (rc < 0)
            return -1;
        if (video) {
            if (mk_video_add_sei(w->p, w->s, w->pkt) < 0) {
                av_packet_unref(w->pkt);
                return -1;
            }
            w->pkt->duration = 1; /* one frame, in the encoder's 1/fps */
            w->s->frames++;
        }
        av_packet_rescale_ts(w->pkt, enc->time_base, st->time_base);
        w->pkt->stream_index = st->index;
        if (av_interleaved_write_frame(w->oc, w->pkt) < 0)
            return -1;
    }
}

/* Encodes whole AAC frames up to sample target; only the segment's very
 * last frame may be short (the encoder pads any short frame with silence,
 * so a short frame in the middle would stretch the timeline). */
static int encode_audio_until(struct writer *w, int64_t *next, int64_t target, bool last)
{
    int fsz = w->aenc->frame_size;
    while (*next + fsz <= target || (last && *next < target)) {
        int n = target - *next < fsz ? (int)(target - *next) : fsz;
        if (av_frame_make_writable(w->aframe) < 0)
            return -1;
        w->aframe->nb_samples = n;
        w->aframe->pts = *next;
        mk_audio_fill(w->p, w->s, *next, n, (float *)w->aframe->data[0]);
        if (avcodec_send_frame(w->aenc, w->aframe) < 0 || drain(w, w->aenc, w->ast) < 0)
            return -1;
        *next += n;
        w->s->audio_samples += n;
    }
    return 0;
}

static int add_stream(struct writer *w, AVCodecContext *enc, AVStream **out)
{
    AVStream *st = avformat_new_stream(w->oc, NULL);
    if (!st)
        return -1;
    st->time_base = enc->time_base;
    if (avcodec_parameters_from_context(st->codecpar, enc) < 0)
        return -1;
    *out = st;
    return 0;
}

static int open_all(struct writer *w, const char *path)
{
    const struct mk_lane *l = &w->p->lanes[w->s->lane];
    bool audio_only = l->video_type == 4;
    if (avformat_alloc_output_context2(&w->oc, NULL, audio_only ? "mp3" : "mp4", path) < 0)
        return -1;
    /* bit-exact: no library version strings in the file (same bytes with
     * any FFmpeg build of the same encoders) */
    w->oc->flags |= AVFMT_FLAG_BITEXACT;
    bool gh = (w->oc->oformat->flags & AVFMT_GLOBALHEADER) != 0;
    if (!audio_only) {
        w->venc = mk_video_open(w->p, gh);
        if (!w->venc || add_stream(w, w->venc, &w->vst) < 0)
            return -1;
        w->vst->avg_frame_rate = w->venc->framerate;
    }
    if (l->audio) {
        w->aenc = mk_audio_open(audio_only ? "libmp3lame" : "aac", gh);
        if (!w->aenc || add_stream(w, w->aenc, &w->ast) < 0)
            return -1;
    }
    w->pkt = av_packet_alloc();
    if (!w->pkt)
        return -1;
    if (w->venc) {
        w->vframe = av_frame_alloc();
        if (!w->vframe)
            return -1;
        w->vframe->format = AV_PIX_FMT_YUV420P;
        w->vframe->width = w->p->opt.width;
        w->vframe->height = w->p->opt.height;
        if (av_frame_get_buffer(w->vframe, 0) < 0)
            return -1;
    }
    if (w->aenc) {
        w->aframe = av_frame_alloc();
        if (!w->aframe)
            return -1;
        w->aframe->format = AV_SAMPLE_FMT_FLTP;
        w->aframe->sample_rate = MK_AUDIO_RATE;
        w->aframe->nb_samples = w->aenc->frame_size;
        if (av_channel_layout_copy(&w->aframe->ch_layout, &w->aenc->ch_layout) < 0 ||
            av_frame_get_buffer(w->aframe, 0) < 0)
            return -1;
    }
    if (avio_open(&w->oc->pb, path, AVIO_FLAG_WRITE) < 0)
        return -1;
    AVDictionary *opts = NULL;
    if (!audio_only)
        av_dict_set(&opts, "movflags", "+faststart", 0);
    int rc = avformat_write_header(w->oc, &opts);
    av_dict_free(&opts);
    return rc < 0 ? -1 : 0;
}

static void close_all(struct writer *w)
{
    if (w->oc) {
        avio_closep(&w->oc->pb);
        avformat_free_context(w->oc);
    }
    avcodec_free_context(&w->venc);
    avcodec_free_context(&w->aenc);
    av_packet_free(&w->pkt);
    av_frame_free(&w->vframe);
    av_frame_free(&w->aframe);
}

static int64_t file_size(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    int64_t size = -1;
    if (fseek(f, 0, SEEK_END) == 0)
        size = ftell(f);
    fclose(f);
    return size;
}

static int cmp_anchor(const void *a, const void *b)
{
    const struct mk_anchor *x = a, *y = b;
    return (x->pts_ms > y->pts_ms) - (x->pts_ms < y->pts_ms);
}

int mk_segment_write(struct mk_plan *p, int seg_index)
{
    struct mk_segment *s = &p->segments[seg_index];
    char path[4096];
    if (mk_path(p, s->file, path, sizeof path) < 0)
        return -1;
    struct writer w = {.p = p, .s = s};
    int fps = p->opt.fps;
    bool audio_only = p->lanes[s->lane].video_type == 4;
    int64_t frames = audio_only ? 0 : (s->duration_ms * fps + 500) / 1000;
    int64_t samples = s->duration_ms * (MK_AUDIO_RATE / 1000);
    int64_t audio_next = 0;
    int rc = -1;
    if (open_all(&w, path) < 0) {
        fprintf(stderr, "sigplay-mkclass: %s: cannot set up the encoders or the file\n", path);
        goto out;
    }
    for (int64_t i = 0; i < frames; i++) {
        if (av_frame_make_writable(w.vframe) < 0)
            goto out;
        struct mk_yuv img = {
            .plane = {w.vframe->data[0], w.vframe->data[1], w.vframe->data[2]},
            .stride = {w.vframe->linesize[0], w.vframe->linesize[1], w.vframe->linesize[2]},
            .width = w.vframe->width,
            .height = w.vframe->height,
        };
        mk_frame_draw(p, s, (int)i, &img);
        w.vframe->pts = i;
        if (avcodec_send_frame(w.venc, w.vframe) < 0 || drain(&w, w.venc, w.vst) < 0)
            goto encode_error;
        if (w.aenc) {
            int64_t until = (i + 1) * MK_AUDIO_RATE / fps;
            if (i + 1 == frames || until > samples)
                until = samples;
            if (encode_audio_until(&w, &audio_next, until, until == samples) < 0)
                goto encode_error;
        }
    }
    if (audio_only && encode_audio_until(&w, &audio_next, samples, true) < 0)
        goto encode_error;
    if (w.venc && (avcodec_send_frame(w.venc, NULL) < 0 || drain(&w, w.venc, w.vst) < 0))
        goto encode_error;
    if (w.aenc && (avcodec_send_frame(w.aenc, NULL) < 0 || drain(&w, w.aenc, w.ast) < 0))
        goto encode_error;
    if (av_write_trailer(w.oc) < 0)
        goto encode_error;
    rc = 0;
    goto out;
encode_error:
    fprintf(stderr, "sigplay-mkclass: %s: encoding or writing failed\n", path);
out:
    close_all(&w);
    if (rc == 0) {
        s->size_bytes = file_size(path);
        if (s->size_bytes < 0) {
            fprintf(stderr, "sigplay-mkclass: %s: cannot read back the file size\n", path);
            rc = -1;
        }
        if (s->frames != frames) {
            fprintf(stderr, "sigplay-mkclass: %s: wrote %d frames, expected %" PRId64 "\n", path,
                    s->frames, frames);
            rc = -1;
        }
        if (s->anchor_count > 1)
            qsort(s->anchors, (size_t)s->anchor_count, sizeof *s->anchors, cmp_anchor);
        if (s->decoy_count > 1)
            qsort(s->decoys, (size_t)s->decoy_count, sizeof *s->decoys, cmp_anchor);
    }
    return rc;
}
