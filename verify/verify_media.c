/* verify_media.c - verify: one media segment, demuxed and decoded in one
 * pass on the calling thread (no queues: a checker wants every error in
 * order, not a smooth picture). The SEI anchors are read with the player's
 * own parser (sei.h) and placed with its own map (lane_map.h), so verify
 * judges what playback will do. See verify.h. */
#include "verify/verify.h"

#include "player/net/avio_cache.h"
#include "player/recording/manifest.h"
#include "player/media/audio_mix.h"
#include "player/media/picture_limit.h"
#include "player/media/sei.h"
#include "player/media/segment_decoder.h"
#include "base/platform/os_libc.h"
#include "base/sp_error.h"
#include "player/recording/timeline.h"
#include "player/net/url.h"

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/error.h>

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SEI_PER_PACKET 8

struct anchor {
    int64_t pts_us;  /* media time of the packet */
    int64_t sync_ms; /* its syncTime, board ms */
};

struct vm {
    struct verify_report *r;
    size_t idx;
    struct verify_segment *v;
    const char *lane; /* lane name */
    enum rec_lane_kind kind;
    AVFormatContext *fmt;
    struct avio_cache *ac;
    int vi, ai;
    AVCodecContext *vdec, *adec;
    struct picture_limit vlimit; /* what vdec refused */
    bool limit_said;             /* the refusal is in the report */
    AVFrame *frame;
    int64_t first_us;    /* media time of the first frame */
    int64_t v_end_us;    /* end of the last video packet (pts + duration) */
    int64_t a_end_us;    /* end of the last audio packet */
    int64_t dec_end_us;  /* end of the last decoded video frame */
    int64_t frame_us;    /* nominal frame interval */
    int64_t last_pos_us; /* media time of the last packet read */
    struct anchor *anc;  /* anchors found, in demux order until check_sei() sorts them */
    size_t n_anc, cap_anc;
    size_t sei_problems;
    double sumsq; /* audio: sum of squared samples, full scale 1.0 */
    int64_t nsamples;
    /* quick mode */
    int64_t win_start_us[VERIFY_QUICK_WINDOWS];
    bool v_decoding;      /* video decoder is inside a window */
    int64_t v_win_end_us; /* dts at which the current window ends (INT64_MAX: to the end) */
};

static int64_t to_us(int64_t ts, AVRational tb)
{
    return ts == AV_NOPTS_VALUE ? AV_NOPTS_VALUE : av_rescale_q(ts, tb, (AVRational){1, 1000000});
}

static int64_t rel_ms(const struct vm *m, int64_t us)
{
    if (us == AV_NOPTS_VALUE)
        return -1;
    int64_t d = (us - m->first_us) / 1000;
    return d < 0 ? 0 : d;
}

/* rel_ms() in µs for a finding: whole ms, -1 for none. */
static int64_t rel_us(const struct vm *m, int64_t us)
{
    int64_t ms = rel_ms(m, us);
    return ms < 0 ? -1 : ms * 1000;
}

static void av_err_text(int err, char *buf, size_t n)
{
    if (av_strerror(err, buf, n) < 0)
        snprintf(buf, n, "error %d", err);
}

/* A read or decode error at media time us (AV_NOPTS_VALUE: unknown). */
SP_FORMAT_PRINTF(3, 4) static void decode_error(struct vm *m, int64_t us, const char *fmt, ...)
{
    m->v->decode_errors++;
    if (m->v->decode_errors > VERIFY_MAX_DECODE_LISTED)
        return;
    char what[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    int64_t ms = rel_ms(m, us);
    if (ms >= 0)
        verify_add(m->r, VERIFY_ERROR, "media.decode", (ptrdiff_t)m->idx, ms * 1000,
                   "%s: %s: at %" PRId64 ".%03d s: %s", m->lane, m->v->name, ms / 1000,
                   (int)(ms % 1000), what);
    else
        verify_add(m->r, VERIFY_ERROR, "media.decode", (ptrdiff_t)m->idx, -1, "%s: %s: %s", m->lane,
                   m->v->name, what);
}

/* avformat_open_input() with the player's protocol_whitelist (see
 * segdec_protocol_whitelist()). Returns what it returns. */
static int open_whitelisted(AVFormatContext **fmt, const char *url, bool custom_io)
{
    AVDictionary *opts = NULL;
    int r = av_dict_set(&opts, "protocol_whitelist", segdec_protocol_whitelist(custom_io), 0);
    if (r < 0) {
        avformat_close_input(fmt);
        return r;
    }
    /* a local path is opened as "file:PATH": FFmpeg never reads a
     * protocol out of the path itself */
    char *local = NULL;
    if (!custom_io) {
        size_t n = strlen(url) + sizeof("file:");
        local = malloc(n);
        if (!local) {
            av_dict_free(&opts);
            avformat_close_input(fmt);
            return AVERROR(ENOMEM);
        }
        snprintf(local, n, "file:%s", url);
    }
    r = avformat_open_input(fmt, local ? local : url, NULL, &opts);
    free(local);
    av_dict_free(&opts);
    return r;
}

static int open_input(struct vm *m, struct fetch *f)
{
    const char *url = m->v->seg->url;
    enum url_kind k = url_kind(url);
    char e[128];
    int ret;
    if (url_named_check(NULL, url) != URL_NAMED_OK) {
        /* the manifest reader refuses these; a recording built in memory
         * must not reach FFmpeg's protocols either */
        verify_unreachable(m->r, m->idx, url_named_reason(URL_NAMED_SCHEME_DENIED));
        return SP_EUNSUPPORTED;
    }

    if (k == URL_KIND_HTTP || k == URL_KIND_HTTPS) {
        if (!f) {
            verify_unreachable(m->r, m->idx, "needs network support");
            return SP_ENET;
        }
        int rc = avio_cache_open(f, url, FETCH_MEDIA, m->v->seg->size_bytes, &m->ac);
        if (rc) {
            char line[DIAG_MAX_TEXT];
            snprintf(line, sizeof(line), "%s: %s", url, sp_strerror(rc));
            verify_unreachable(m->r, m->idx, line);
            return rc;
        }
        m->fmt = avformat_alloc_context();
        if (!m->fmt)
            return SP_ENOMEM;
        m->fmt->pb = avio_cache_ctx(m->ac);
        m->fmt->flags |= AVFMT_FLAG_CUSTOM_IO;
        ret = open_whitelisted(&m->fmt, url, true);
    } else {
        char *path = NULL;
        if (k == URL_KIND_FILE) {
            if (url_to_path(url, &path)) {
                verify_unreachable(m->r, m->idx, "not a local file URL");
                return SP_EINVAL;
            }
        } else {
            path = strdup(url);
            if (!path)
                return SP_ENOMEM;
        }
        ret = open_whitelisted(&m->fmt, path, false);
        free(path);
    }
    if (ret < 0) {
        av_err_text(ret, e, sizeof(e));
        char line[DIAG_MAX_TEXT];
        const char *why = m->ac && *avio_cache_error(m->ac) ? avio_cache_error(m->ac) : e;
        snprintf(line, sizeof(line), "%s: %s: cannot open: %s", m->lane, m->v->name, why);
        if (ret == AVERROR(ENOENT) || m->ac) {
            verify_unreachable(m->r, m->idx, line);
        } else {
            m->v->reachable = true;
            m->v->usable = false;
            verify_add(m->r, VERIFY_ERROR, "media.open", (ptrdiff_t)m->idx, -1, "%s", line);
        }
        return SP_EIO;
    }
    m->v->reachable = true;
    return 0;
}

static AVCodecContext *open_decoder(struct vm *m, int index)
{
    const AVCodecParameters *par = m->fmt->streams[index]->codecpar;
    const AVCodec *c = avcodec_find_decoder(par->codec_id);
    if (!c) {
        decode_error(m, AV_NOPTS_VALUE, "no decoder for codec %s", avcodec_get_name(par->codec_id));
        return NULL;
    }
    AVCodecContext *ctx = avcodec_alloc_context3(c);
    if (!ctx)
        return NULL;
    int ret = avcodec_parameters_to_context(ctx, par);
    if (ret >= 0) {
        ctx->pkt_timebase = m->fmt->streams[index]->time_base;
        if (index == m->vi)
            picture_limit_decoder(ctx, &m->vlimit);
        ret = avcodec_open2(ctx, c, NULL);
    }
    if (ret < 0) {
        char e[128];
        av_err_text(ret, e, sizeof(e));
        decode_error(m, AV_NOPTS_VALUE, "cannot open the %s decoder: %s", c->name, e);
        avcodec_free_context(&ctx);
    }
    return ctx;
}

static void add_anchor(struct vm *m, int64_t pts_us, int64_t sync_ms)
{
    if (m->n_anc >= LANE_MAP_MAX_ANCHORS)
        return;
    if (m->n_anc == m->cap_anc) {
        size_t cap = m->cap_anc ? m->cap_anc * 2 : 64;
        struct anchor *a = realloc(m->anc, cap * sizeof(*a));
        if (!a)
            return;
        m->anc = a;
        m->cap_anc = cap;
    }
    m->anc[m->n_anc++] = (struct anchor){pts_us, sync_ms};
}

static void scan_sei(struct vm *m, const AVPacket *pkt)
{
    if (pkt->pts == AV_NOPTS_VALUE)
        return;
    int64_t vals[MAX_SEI_PER_PACKET];
    struct diag_list d = {0};
    size_t n = sei_scan_packet_us(&m->v->sei_types, m->fmt->streams[m->vi]->codecpar, pkt->data,
                                  (size_t)pkt->size, vals, MAX_SEI_PER_PACKET, &d);
    int64_t pts = to_us(pkt->pts, m->fmt->streams[m->vi]->time_base);
    for (size_t i = 0; i < n; i++)
        add_anchor(m, pts, vals[i] / 1000); /* the report speaks ms */
    if (d.count && m->sei_problems++ < 3) {
        int64_t ms = rel_ms(m, pts);
        verify_add(m->r, VERIFY_WARNING, "sei.corrupt", (ptrdiff_t)m->idx, ms < 0 ? -1 : ms * 1000,
                   "%s: %s: at %" PRId64 ".%03d s: %s", m->lane, m->v->name, ms / 1000,
                   (int)(ms % 1000), d.items[0].text);
    }
    diag_clear(&d);
}

static double sample_at(const AVFrame *f, int ch, int i, int channels)
{
    switch (f->format) {
    case AV_SAMPLE_FMT_FLTP:
        return ((const float *)f->extended_data[ch])[i];
    case AV_SAMPLE_FMT_FLT:
        return ((const float *)f->extended_data[0])[i * channels + ch];
    case AV_SAMPLE_FMT_DBLP:
        return ((const double *)f->extended_data[ch])[i];
    case AV_SAMPLE_FMT_DBL:
        return ((const double *)f->extended_data[0])[i * channels + ch];
    case AV_SAMPLE_FMT_S16P:
        return ((const int16_t *)f->extended_data[ch])[i] / 32768.0;
    case AV_SAMPLE_FMT_S16:
        return ((const int16_t *)f->extended_data[0])[i * channels + ch] / 32768.0;
    case AV_SAMPLE_FMT_S32P:
        return ((const int32_t *)f->extended_data[ch])[i] / 2147483648.0;
    case AV_SAMPLE_FMT_S32:
        return ((const int32_t *)f->extended_data[0])[i * channels + ch] / 2147483648.0;
    default:
        return NAN;
    }
}

static void take_audio(struct vm *m, const AVFrame *f)
{
    int channels = f->ch_layout.nb_channels;
    if (channels <= 0)
        return;
    for (int i = 0; i < f->nb_samples; i++)
        for (int ch = 0; ch < channels; ch++) {
            double s = sample_at(f, ch, i, channels);
            if (isnan(s))
                return; /* a sample format we do not measure */
            m->sumsq += s * s;
            m->nsamples++;
        }
}

/* Receives every frame the decoder has ready. */
/* A picture over the limit fails like damage does; the report says which. */
static void decode_failed(struct vm *m, int64_t us, bool video, int averr)
{
    if (video && picture_limit_refused(&m->vlimit)) {
        /* said once per segment: every picture after it is likely the same */
        if (!m->limit_said)
            decode_error(m, us,
                         "video picture over the size limit (" PICTURE_LIMIT_TEXT "): not decoded");
        m->limit_said = true;
        return;
    }
    char e[128];
    av_err_text(averr, e, sizeof(e));
    decode_error(m, us, "%s decoding failed: %s", video ? "video" : "audio", e);
}

static void drain(struct vm *m, AVCodecContext *ctx, bool video)
{
    for (;;) {
        int ret = avcodec_receive_frame(ctx, m->frame);
        if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF)
            return;
        if (ret < 0) {
            decode_failed(m, m->last_pos_us, video, ret);
            return;
        }
        int64_t pts = to_us(m->frame->best_effort_timestamp, ctx->pkt_timebase);
        if (m->frame->decode_error_flags || (m->frame->flags & AV_FRAME_FLAG_CORRUPT))
            decode_error(m, pts, "%s frame decoded with errors (concealed)",
                         video ? "video" : "audio");
        if (video) {
            m->v->frames_decoded++;
            if (pts != AV_NOPTS_VALUE && pts + m->frame_us > m->dec_end_us)
                m->dec_end_us = pts + m->frame_us;
        } else {
            take_audio(m, m->frame);
        }
        av_frame_unref(m->frame);
    }
}

static void decode_packet(struct vm *m, AVCodecContext *ctx, const AVPacket *pkt, bool video)
{
    int ret = avcodec_send_packet(ctx, pkt);
    if (ret == AVERROR(EAGAIN)) {
        drain(m, ctx, video);
        ret = avcodec_send_packet(ctx, pkt);
    }
    if (ret < 0 && ret != AVERROR_EOF)
        decode_failed(m, pkt ? m->last_pos_us : AV_NOPTS_VALUE, video, ret);
    drain(m, ctx, video);
}

static bool in_window(const struct vm *m, int64_t us)
{
    if (!m->r->quick)
        return true;
    int64_t t = us - m->first_us;
    for (int k = 0; k < VERIFY_QUICK_WINDOWS; k++) {
        int64_t a = m->win_start_us[k];
        bool last = k == VERIFY_QUICK_WINDOWS - 1;
        if (t >= a && (last || t < a + VERIFY_QUICK_WINDOW_US))
            return true;
    }
    return false;
}

static void video_packet(struct vm *m, const AVPacket *pkt)
{
    const AVStream *st = m->fmt->streams[m->vi];
    int64_t pts = to_us(pkt->pts, st->time_base);
    int64_t dts = to_us(pkt->dts != AV_NOPTS_VALUE ? pkt->dts : pkt->pts, st->time_base);
    m->v->video_packets++;
    scan_sei(m, pkt);
    if (pts != AV_NOPTS_VALUE) {
        int64_t end = pts + (pkt->duration > 0 ? to_us(pkt->duration, st->time_base) : m->frame_us);
        if (end > m->v_end_us)
            m->v_end_us = end;
    }
    if (!m->vdec)
        return;
    if (!m->r->quick) {
        decode_packet(m, m->vdec, pkt, true);
        return;
    }
    /* quick: decode from a key frame inside a window to the window's end */
    if (m->v_decoding && dts != AV_NOPTS_VALUE && dts >= m->v_win_end_us) {
        drain(m, m->vdec, true);
        avcodec_flush_buffers(m->vdec);
        m->v_decoding = false;
    }
    if (!m->v_decoding && (pkt->flags & AV_PKT_FLAG_KEY) && pts != AV_NOPTS_VALUE &&
        in_window(m, pts)) {
        m->v_decoding = true;
        int64_t t = pts - m->first_us;
        m->v_win_end_us = t >= m->win_start_us[VERIFY_QUICK_WINDOWS - 1]
                              ? INT64_MAX
                              : pts + VERIFY_QUICK_WINDOW_US;
    }
    if (m->v_decoding)
        decode_packet(m, m->vdec, pkt, true);
}

static void audio_packet(struct vm *m, const AVPacket *pkt)
{
    const AVStream *st = m->fmt->streams[m->ai];
    int64_t pts = to_us(pkt->pts, st->time_base);
    if (pts != AV_NOPTS_VALUE) {
        int64_t end = pts + (pkt->duration > 0 ? to_us(pkt->duration, st->time_base) : 0);
        if (end > m->a_end_us)
            m->a_end_us = end;
    }
    if (m->adec && (pts == AV_NOPTS_VALUE || in_window(m, pts)))
        decode_packet(m, m->adec, pkt, false);
}

static int cmp_anchor(const void *x, const void *y)
{
    const struct anchor *a = x, *b = y;
    return a->pts_us < b->pts_us ? -1 : a->pts_us > b->pts_us;
}

/* Anchors: present, in order, no clock jumps, no long gaps; then the map. */
static void check_sei(struct vm *m, const struct timeline *tl)
{
    struct verify_segment *v = m->v;
    const struct rec_segment *s = v->seg;
    if (m->n_anc > 1)
        qsort(m->anc, m->n_anc, sizeof(*m->anc), cmp_anchor);
    v->sei_count = m->n_anc;
    int64_t end_us = m->v_end_us > INT64_MIN ? m->v_end_us : m->first_us;
    if (m->n_anc == 0) {
        if (!v->has_video || m->kind == REC_LANE_AUDIO)
            ;
        else if (s->has_sync_time)
            verify_add(m->r, VERIFY_INFO, "sei.none", (ptrdiff_t)m->idx, -1,
                       "%s: %s: no SEI anchors; placed by its SyncTime field", m->lane, v->name);
        else
            verify_add(m->r, VERIFY_WARNING, "sei.missing", (ptrdiff_t)m->idx, -1,
                       "%s: %s: no SEI sync anchors and no SyncTime: placed by VideoPlayTime "
                       "alone, which can be off by up to 1 s",
                       m->lane, v->name);
    } else {
        size_t backwards = 0, jumps = 0;
        int64_t max_gap = m->anc[0].pts_us - m->first_us, gap_at = m->first_us;
        for (size_t i = 1; i < m->n_anc; i++) {
            const struct anchor *a = &m->anc[i - 1], *b = &m->anc[i];
            int64_t dp = b->pts_us - a->pts_us, ds = b->sync_ms - a->sync_ms;
            if (dp > max_gap) {
                max_gap = dp;
                gap_at = a->pts_us;
            }
            if (dp == 0 && ds == 0)
                continue;
            if (ds <= 0) {
                if (backwards++ == 0)
                    verify_add(m->r, VERIFY_WARNING, "sei.order", (ptrdiff_t)m->idx,
                               rel_us(m, b->pts_us),
                               "%s: %s: at %.3f s: syncTime %" PRId64 " does not increase (the "
                               "one before is %" PRId64 ")",
                               m->lane, v->name, (double)rel_ms(m, b->pts_us) / 1000.0, b->sync_ms,
                               a->sync_ms);
            } else if (llabs(ds - dp / 1000) > VERIFY_SEI_JUMP_US / 1000) { /* ms: syncTime's */
                if (jumps++ == 0)
                    verify_add(
                        m->r, VERIFY_WARNING, "sei.jump", (ptrdiff_t)m->idx, rel_us(m, b->pts_us),
                        "%s: %s: at %.3f s: syncTime moves %" PRId64 " ms over %" PRId64
                        " ms of media (a clock jump)",
                        m->lane, v->name, (double)rel_ms(m, b->pts_us) / 1000.0, ds, dp / 1000);
            }
        }
        if (end_us - m->anc[m->n_anc - 1].pts_us > max_gap) {
            max_gap = end_us - m->anc[m->n_anc - 1].pts_us;
            gap_at = m->anc[m->n_anc - 1].pts_us;
        }
        if (backwards > 1 || jumps > 1)
            verify_add(m->r, VERIFY_WARNING, backwards > 1 ? "sei.order" : "sei.jump",
                       (ptrdiff_t)m->idx, -1, "%s: %s: %zu anchors out of order, %zu jumps",
                       m->lane, v->name, backwards, jumps);
        v->sei_max_gap_us = max_gap / 1000 * 1000; /* whole ms, as reported */
        if (v->sei_max_gap_us > VERIFY_SEI_MAX_GAP_US)
            verify_add(m->r, VERIFY_WARNING, "sei.interval", (ptrdiff_t)m->idx, rel_us(m, gap_at),
                       "%s: %s: at %.3f s: %.3f s without an SEI anchor (expected one every 1 "
                       "to 5 s)",
                       m->lane, v->name, (double)rel_ms(m, gap_at) / 1000.0,
                       (double)v->sei_max_gap_us / 1000000.0);
    }
    struct lane_map map;
    lane_map_init_us(&map, m->first_us, s->has_sync_time ? s->sync_time_us : -1,
                     tl_wall_from_play_us(tl, s->play_us));
    for (size_t i = 0; i < m->n_anc; i++)
        if (lane_map_add_anchor_us(&map, m->anc[i].pts_us, m->anc[i].sync_ms * 1000) == SP_ERANGE)
            v->sei_refused++;
    v->start_board_us = lane_map_start_board_us(&map, &v->sync_source) / 1000 * 1000; /* ms */
    lane_map_clear(&map);
    if (v->sei_refused)
        verify_add(m->r, VERIFY_WARNING, "sei.refused", (ptrdiff_t)m->idx, -1,
                   "%s: %s: %zu of %zu SEI anchors contradict the others; the player ignores "
                   "them",
                   m->lane, v->name, v->sei_refused, m->n_anc);
}

static void check_measures(struct vm *m)
{
    struct verify_segment *v = m->v;
    const struct rec_segment *s = v->seg;
    if (s->size_bytes >= 0 && v->size_bytes >= 0 && v->size_bytes != s->size_bytes)
        verify_add(m->r, VERIFY_ERROR, "media.size", (ptrdiff_t)m->idx, -1,
                   "%s: %s: %" PRId64 " bytes, VideoSize says %" PRId64 "%s", m->lane, v->name,
                   v->size_bytes, s->size_bytes,
                   v->size_bytes < s->size_bytes ? " (the file is truncated)" : "");
    if (v->duration_us >= 0) {
        /* in ms, as the finding says them */
        int64_t frame_ms = v->frame_us / 1000, duration_ms = v->duration_us / 1000;
        int64_t tol = (frame_ms > 0 ? frame_ms : 50) + 1;
        int64_t diff = duration_ms - s->duration_us / 1000;
        if (diff < -tol || diff > tol)
            verify_add(m->r, diff < 0 ? VERIFY_ERROR : VERIFY_WARNING, "media.duration",
                       (ptrdiff_t)m->idx, -1,
                       "%s: %s: media lasts %" PRId64 " ms%s, VideoDuration says %" PRId64
                       " ms (allowed: one frame, %" PRId64 " ms)",
                       m->lane, v->name, duration_ms, m->r->quick ? "" : " as decoded",
                       s->duration_us / 1000, tol);
    } else {
        verify_add(m->r, VERIFY_ERROR, "media.duration", (ptrdiff_t)m->idx, -1,
                   "%s: %s: no media could be read", m->lane, v->name);
    }
    bool wants_audio =
        m->kind == REC_LANE_CAMERA || m->kind == REC_LANE_MIXED || m->kind == REC_LANE_AUDIO;
    if (wants_audio && !v->has_audio)
        verify_add(m->r, VERIFY_WARNING, "audio.missing", (ptrdiff_t)m->idx, -1,
                   "%s: %s: no audio stream in a %s lane", m->lane, v->name,
                   rec_lane_kind_name(m->kind));
    if (v->has_audio && m->nsamples > 0) {
        double ms = m->sumsq / (double)m->nsamples;
        v->audio_dbfs = ms > 0 ? 10.0 * log10(ms) : -INFINITY;
        if (wants_audio && !(v->audio_dbfs >= VERIFY_SILENCE_DBFS))
            verify_add(m->r, VERIFY_WARNING, "audio.silent", (ptrdiff_t)m->idx, -1,
                       "%s: %s: audio is silent (RMS %.1f dBFS, floor %.0f dBFS)", m->lane, v->name,
                       v->audio_dbfs, VERIFY_SILENCE_DBFS);
    }
    if (v->decode_errors > VERIFY_MAX_DECODE_LISTED)
        verify_add(m->r, VERIFY_ERROR, "media.decode", (ptrdiff_t)m->idx, -1,
                   "%s: %s: ... and %" PRId64 " more read or decoding errors", m->lane, v->name,
                   v->decode_errors - VERIFY_MAX_DECODE_LISTED);
}

static void run(struct vm *m, const struct timeline *tl)
{
    struct verify_segment *v = m->v;
    int64_t sz = avio_size(m->fmt->pb);
    v->size_bytes = sz >= 0 ? sz : -1;
    int ret = picture_limit_find_stream_info(m->fmt);
    (void)ret; /* what it could not find shows below */
    m->vi = av_find_best_stream(m->fmt, AVMEDIA_TYPE_VIDEO, -1, -1, NULL, 0);
    m->ai = av_find_best_stream(m->fmt, AVMEDIA_TYPE_AUDIO, -1, -1, NULL, 0);
    v->has_video = m->vi >= 0;
    v->has_audio = m->ai >= 0;
    if (m->vi >= 0) {
        const AVCodecParameters *par = m->fmt->streams[m->vi]->codecpar;
        if (par->width > 0 && par->height > 0 && picture_over_limit(par->width, par->height)) {
            verify_add(m->r, VERIFY_ERROR, "media.picture_size", (ptrdiff_t)m->idx, -1,
                       "%s: %s: the video declares %dx%d, over the size limit (" PICTURE_LIMIT_TEXT
                       "): not decoded",
                       m->lane, v->name, par->width, par->height);
            m->vi = -1;
        }
    }
    if (m->ai >= 0) {
        /* measured all the same: verify does not resample */
        int rate = m->fmt->streams[m->ai]->codecpar->sample_rate;
        if (rate > 0 && (rate < AUDIO_MIX_MIN_IN_RATE || rate > AUDIO_MIX_MAX_IN_RATE))
            verify_add(m->r, VERIFY_WARNING, "audio.rate", (ptrdiff_t)m->idx, -1,
                       "%s: %s: the audio declares %d Hz, outside the rates played (%d to %d Hz): "
                       "play and export leave it out",
                       m->lane, v->name, rate, AUDIO_MIX_MIN_IN_RATE, AUDIO_MIX_MAX_IN_RATE);
    }
    m->first_us = 0;
    m->frame_us = 0;
    if (m->vi >= 0) {
        AVStream *st = m->fmt->streams[m->vi];
        AVRational fr = av_guess_frame_rate(m->fmt, st, NULL);
        m->frame_us = fr.num > 0 && fr.den > 0 ? av_rescale(1000000, fr.den, fr.num) : 40000;
        v->frame_us = m->frame_us / 1000 * 1000; /* whole ms, as reported */
    }
    int first = m->vi >= 0 ? m->vi : m->ai;
    if (first >= 0 && m->fmt->streams[first]->start_time != AV_NOPTS_VALUE)
        m->first_us = to_us(m->fmt->streams[first]->start_time, m->fmt->streams[first]->time_base);
    m->v_end_us = m->a_end_us = m->dec_end_us = INT64_MIN;
    int64_t dur_us = v->seg->duration_us;
    if (m->fmt->duration > 0)
        dur_us = m->fmt->duration;
    m->win_start_us[0] = 0;
    for (int k = 1; k < VERIFY_QUICK_WINDOWS; k++) {
        int64_t a = dur_us * k / (VERIFY_QUICK_WINDOWS - 1) -
                    (int64_t)VERIFY_QUICK_WINDOW_US * k / (VERIFY_QUICK_WINDOWS - 1);
        m->win_start_us[k] = a > m->win_start_us[k - 1] ? a : m->win_start_us[k - 1];
    }
    if (m->vi >= 0)
        m->vdec = open_decoder(m, m->vi);
    if (m->ai >= 0)
        m->adec = open_decoder(m, m->ai);
    m->frame = av_frame_alloc();
    AVPacket *pkt = av_packet_alloc();
    if (!m->frame || !pkt) {
        av_packet_free(&pkt);
        return;
    }
    v->decoded = true;
    for (;;) {
        ret = av_read_frame(m->fmt, pkt);
        if (ret == AVERROR_EOF)
            break;
        if (ret < 0) {
            char e[128];
            av_err_text(ret, e, sizeof(e));
            const char *why = m->ac && *avio_cache_error(m->ac) ? avio_cache_error(m->ac) : e;
            decode_error(m, m->last_pos_us, "read error: %s", why);
            break;
        }
        if (pkt->stream_index == m->vi || pkt->stream_index == m->ai) {
            const AVStream *st = m->fmt->streams[pkt->stream_index];
            int64_t t = to_us(pkt->pts != AV_NOPTS_VALUE ? pkt->pts : pkt->dts, st->time_base);
            if (t != AV_NOPTS_VALUE)
                m->last_pos_us = t;
            if (pkt->flags & AV_PKT_FLAG_CORRUPT)
                decode_error(m, t, "corrupt packet");
            if (pkt->stream_index == m->vi)
                video_packet(m, pkt);
            else
                audio_packet(m, pkt);
        }
        av_packet_unref(pkt);
    }
    av_packet_free(&pkt);
    if (m->vdec && (!m->r->quick || m->v_decoding))
        decode_packet(m, m->vdec, NULL, true);
    if (m->adec)
        decode_packet(m, m->adec, NULL, false);

    int64_t end = INT64_MIN;
    if (m->vi >= 0)
        end = !m->r->quick && m->vdec ? m->dec_end_us : m->v_end_us;
    else if (m->ai >= 0)
        end = m->a_end_us;
    /* to the nearest ms, as reported */
    v->duration_us = end > INT64_MIN ? (end - m->first_us + 500) / 1000 * 1000 : -1;
    v->usable = v->duration_us > 0;
    check_measures(m);
    check_sei(m, tl);
}

int verify_media(struct verify_report *r, size_t i, struct fetch *f, const struct timeline *tl)
{
    if (!r || !tl || i >= r->n_segments)
        return SP_EINVAL;
    struct vm m = {.r = r, .idx = i, .v = &r->segments[i], .vi = -1, .ai = -1};
    const struct recording *rec = tl_recording(tl);
    const struct rec_lane *ln = &rec->lanes[m.v->lane];
    m.lane = ln->name;
    m.kind = ln->kind;
    m.last_pos_us = AV_NOPTS_VALUE;
    if (!*m.v->seg->url) {
        verify_unreachable(r, i,
                           m.v->seg->url_denied ? "VideoUrl refused (see the manifest finding)"
                                                : "no VideoUrl");
        return 0;
    }
    int rc = open_input(&m, f);
    if (rc == 0)
        run(&m, tl);
    avcodec_free_context(&m.vdec);
    avcodec_free_context(&m.adec);
    av_frame_free(&m.frame);
    avformat_close_input(&m.fmt);
    avio_cache_close(&m.ac);
    free(m.anc);
    return rc == SP_ENOMEM ? rc : 0;
}
