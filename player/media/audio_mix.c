/* audio_mix.c - see audio_mix.h.
 *
 * Positions are counted in output-rate samples (int64) so placement is
 * exact; µs only at the edges. Mixing runs in chunks of at most CHUNK
 * samples, each chunk cut where some lane's data starts or ends, so every
 * decision (stall, silence, data) holds for a whole chunk. */
#include "player/media/audio_mix.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libavfilter/avfilter.h>
#include <libavfilter/buffersink.h>
#include <libavfilter/buffersrc.h>
#include <libavutil/audio_fifo.h>
#include <libavutil/channel_layout.h>
#include <libavutil/frame.h>
#include <libswresample/swresample.h>

#include "player/clock.h"
#include "base/sp_error.h"

#define CHUNK 256        /* samples mixed per decision (5.3 ms) */
#define TEMPO_CHUNK 1024 /* samples fed to atempo per push */
#define CH AUDIO_MIX_CHANNELS
/* Placement errors remembered per lane: one per write, and the lane is fed
 * at most about a second ahead (some 50 AAC frames). */
#define SKEW_RING 128

struct lane {
    bool used, active, mute;
    float volume;
    SwrContext *swr;
    int in_rate, in_fmt;
    AVChannelLayout in_layout;
    AVAudioFifo *fifo; /* interleaved float stereo at AUDIO_MIX_RATE */
    int64_t head;      /* position (samples) of the fifo's first sample */
    bool has_pos;      /* head is meaningful (false after a reset) */
    /* Per write, where its first sample went (samples) and how much later
     * than its stamp that is (samples; appended within the resync
     * tolerance): the ring holds the last n_skew of them. */
    struct {
        int64_t at, late;
    } skew[SKEW_RING];
    size_t n_skew, skew_next;
};

struct audio_mix {
    pthread_mutex_t lock; /* guards everything */
    struct lane lanes[AUDIO_MIX_MAX_LANES];
    int64_t pos; /* next input sample to mix, samples of playback time */
    double speed;
    /* tempo path (speed != 1) */
    AVFilterGraph *graph;
    AVFilterContext *src, *sink;
    bool graph_drained;
    AVAudioFifo *out;  /* filtered samples not yet read */
    int64_t out_base;  /* pos when the graph started */
    int64_t out_count; /* output samples read since */
    int64_t in_count;  /* input samples pushed since */
    float mixbuf[CHUNK * CH], lanebuf[CHUNK * CH];
    float *convbuf; /* resampler output */
    int convcap;    /* in frames */
};

static int64_t us_to_samples(int64_t us)
{
    return av_rescale(us, AUDIO_MIX_RATE, 1000000);
}

static int64_t samples_to_us(int64_t n)
{
    return av_rescale(n, 1000000, AUDIO_MIX_RATE);
}

int audio_mix_create(struct audio_mix **out)
{
    if (!out)
        return SP_EINVAL;
    struct audio_mix *m = calloc(1, sizeof(*m));
    if (!(*out = m))
        return SP_ENOMEM;
    pthread_mutex_init(&m->lock, NULL);
    m->speed = 1.0;
    for (int i = 0; i < AUDIO_MIX_MAX_LANES; i++)
        m->lanes[i].volume = 1.0f;
    return 0;
}

static void free_graph(struct audio_mix *m)
{
    avfilter_graph_free(&m->graph);
    m->src = m->sink = NULL;
    m->graph_drained = false;
    if (m->out)
        av_audio_fifo_reset(m->out);
}

static void lane_drop(struct lane *l)
{
    if (l->fifo)
        av_audio_fifo_reset(l->fifo);
    swr_free(&l->swr); /* its delay line belongs to the old data */
    l->has_pos = false;
    l->n_skew = 0;
}

void audio_mix_destroy(struct audio_mix **mp)
{
    if (!mp || !*mp)
        return;
    struct audio_mix *m = *mp;
    for (int i = 0; i < AUDIO_MIX_MAX_LANES; i++) {
        swr_free(&m->lanes[i].swr);
        av_channel_layout_uninit(&m->lanes[i].in_layout);
        if (m->lanes[i].fifo)
            av_audio_fifo_free(m->lanes[i].fifo);
    }
    free_graph(m);
    if (m->out)
        av_audio_fifo_free(m->out);
    free(m->convbuf);
    pthread_mutex_destroy(&m->lock);
    free(m);
    *mp = NULL;
}

static bool lane_ok(int lane)
{
    return lane >= 0 && lane < AUDIO_MIX_MAX_LANES;
}

/* (Re)configures the lane's resampler for frame f's format. */
static int ensure_swr(struct lane *l, const AVFrame *f)
{
    if (l->swr && l->in_rate == f->sample_rate && l->in_fmt == f->format &&
        av_channel_layout_compare(&l->in_layout, &f->ch_layout) == 0)
        return 0;
    swr_free(&l->swr);
    av_channel_layout_uninit(&l->in_layout);
    AVChannelLayout stereo = AV_CHANNEL_LAYOUT_STEREO;
    AVChannelLayout in = {0};
    if (f->ch_layout.nb_channels > 0 && av_channel_layout_copy(&in, &f->ch_layout) < 0)
        return SP_ENOMEM;
    if (in.order == AV_CHANNEL_ORDER_UNSPEC) {
        int n = in.nb_channels;
        av_channel_layout_uninit(&in);
        av_channel_layout_default(&in, n);
    }
    int r = swr_alloc_set_opts2(&l->swr, &stereo, AV_SAMPLE_FMT_FLT, AUDIO_MIX_RATE, &in, f->format,
                                f->sample_rate, 0, NULL);
    if (r >= 0)
        r = swr_init(l->swr);
    if (r < 0) {
        swr_free(&l->swr);
        av_channel_layout_uninit(&in);
        return SP_EDECODE;
    }
    l->in_rate = f->sample_rate;
    l->in_fmt = f->format;
    l->in_layout = in;
    return 0;
}

static int write_silence(AVAudioFifo *fifo, int64_t n)
{
    static const float zeros[CHUNK * CH];
    while (n > 0) {
        int k = n > CHUNK ? CHUNK : (int)n;
        void *p = (void *)zeros;
        if (av_audio_fifo_write(fifo, &p, k) < k)
            return SP_ENOMEM;
        n -= k;
    }
    return 0;
}

int audio_mix_write(struct audio_mix *m, int lane, const void *avframe, int64_t t_us)
{
    const AVFrame *f = avframe;
    if (!lane_ok(lane) || !f || f->nb_samples <= 0 || f->sample_rate < AUDIO_MIX_MIN_IN_RATE ||
        f->sample_rate > AUDIO_MIX_MAX_IN_RATE || f->ch_layout.nb_channels <= 0)
        return SP_EINVAL;
    if ((int64_t)f->nb_samples * AUDIO_MIX_RATE / f->sample_rate >
        us_to_samples(AUDIO_MIX_MAX_BUFFER_US))
        return SP_ELIMIT;
    pthread_mutex_lock(&m->lock);
    struct lane *l = &m->lanes[lane];
    int r = 0;
    if (!l->fifo && !(l->fifo = av_audio_fifo_alloc(AV_SAMPLE_FMT_FLT, CH, AUDIO_MIX_RATE))) {
        r = SP_ENOMEM;
        goto out;
    }
    l->used = true;
    int64_t size = av_audio_fifo_size(l->fifo);
    if (l->has_pos && l->head + size - m->pos >= us_to_samples(AUDIO_MIX_MAX_BUFFER_US)) {
        r = SP_EAGAIN;
        goto out;
    }
    if ((r = ensure_swr(l, f)) < 0)
        goto out;
    int cap = swr_get_out_samples(l->swr, f->nb_samples);
    if (cap < 0) {
        r = SP_EDECODE;
        goto out;
    }
    if (cap > m->convcap) {
        float *nb = realloc(m->convbuf, (size_t)cap * CH * sizeof(float));
        if (!nb) {
            r = SP_ENOMEM;
            goto out;
        }
        m->convbuf = nb;
        m->convcap = cap;
    }
    uint8_t *dst = (uint8_t *)m->convbuf;
    int n = swr_convert(l->swr, &dst, cap, (const uint8_t **)f->extended_data, f->nb_samples);
    if (n < 0) {
        r = SP_EDECODE;
        goto out;
    }
    /* place it: append if it continues the lane, else re-align */
    int64_t t = us_to_samples(t_us);
    int64_t end = l->head + size;
    int64_t skip = 0, at = t, late = 0;
    int64_t tol = us_to_samples(AUDIO_MIX_RESYNC_US);
    if (l->has_pos && t - end <= tol && end - t <= tol) {
        at = end; /* appended as is: it plays end - t later than stamped */
        late = end - t;
    }
    if (!l->has_pos) {
        l->head = t;
        l->has_pos = true;
    } else if (t - end > tol) {
        if (size == 0)
            l->head = t;
        else if ((r = write_silence(l->fifo, t - end)) < 0)
            goto out;
    } else if (end - t > tol) {
        skip = end - t; /* overlaps what is queued: keep the queued part */
    }
    if (skip < n) {
        void *p = m->convbuf + skip * CH;
        if (av_audio_fifo_write(l->fifo, &p, (int)(n - skip)) < n - skip)
            r = SP_ENOMEM;
        l->skew[l->skew_next].at = at;
        l->skew[l->skew_next].late = late;
        l->skew_next = (l->skew_next + 1) % SKEW_RING;
        if (l->n_skew < SKEW_RING)
            l->n_skew++;
    }
out:
    pthread_mutex_unlock(&m->lock);
    return r;
}

int64_t audio_mix_buffered_us(struct audio_mix *m, int lane)
{
    if (!lane_ok(lane))
        return 0;
    pthread_mutex_lock(&m->lock);
    const struct lane *l = &m->lanes[lane];
    int64_t ahead = 0;
    if (l->fifo && l->has_pos)
        ahead = l->head + av_audio_fifo_size(l->fifo) - m->pos;
    pthread_mutex_unlock(&m->lock);
    return ahead > 0 ? samples_to_us(ahead) : 0;
}

int64_t audio_mix_lane_late_us(struct audio_mix *m, int lane)
{
    if (!lane_ok(lane))
        return AUDIO_MIX_NO_SKEW;
    pthread_mutex_lock(&m->lock);
    const struct lane *l = &m->lanes[lane];
    int64_t late = AUDIO_MIX_NO_SKEW;
    bool sounding = l->fifo && l->has_pos && l->head <= m->pos &&
                    l->head + av_audio_fifo_size(l->fifo) > m->pos;
    /* the newest write that starts at or before pos holds the sample there
     * (the oldest remembered one when the ring has moved past it) */
    for (size_t k = 0; sounding && k < l->n_skew; k++) {
        size_t i = (l->skew_next + SKEW_RING - 1 - k) % SKEW_RING;
        late = l->skew[i].late;
        if (l->skew[i].at <= m->pos)
            break;
    }
    pthread_mutex_unlock(&m->lock);
    return late == AUDIO_MIX_NO_SKEW ? late : samples_to_us(late);
}

void audio_mix_set_active(struct audio_mix *m, int lane, bool active)
{
    if (!lane_ok(lane))
        return;
    pthread_mutex_lock(&m->lock);
    m->lanes[lane].active = active;
    m->lanes[lane].used |= active;
    pthread_mutex_unlock(&m->lock);
}

void audio_mix_set_volume(struct audio_mix *m, int lane, float volume)
{
    if (!lane_ok(lane) || !(volume >= 0.0f))
        return;
    pthread_mutex_lock(&m->lock);
    m->lanes[lane].volume = volume > 2.0f ? 2.0f : volume;
    pthread_mutex_unlock(&m->lock);
}

void audio_mix_set_mute(struct audio_mix *m, int lane, bool mute)
{
    if (!lane_ok(lane))
        return;
    pthread_mutex_lock(&m->lock);
    m->lanes[lane].mute = mute;
    pthread_mutex_unlock(&m->lock);
}

void audio_mix_reset(struct audio_mix *m, int64_t t_us)
{
    pthread_mutex_lock(&m->lock);
    for (int i = 0; i < AUDIO_MIX_MAX_LANES; i++)
        lane_drop(&m->lanes[i]);
    m->pos = us_to_samples(t_us);
    free_graph(m);
    pthread_mutex_unlock(&m->lock);
}

void audio_mix_lane_reset(struct audio_mix *m, int lane)
{
    if (!lane_ok(lane))
        return;
    pthread_mutex_lock(&m->lock);
    lane_drop(&m->lanes[lane]);
    pthread_mutex_unlock(&m->lock);
}

int audio_mix_set_speed(struct audio_mix *m, double speed)
{
    if (!clock_speed_valid(speed))
        return SP_ERANGE;
    pthread_mutex_lock(&m->lock);
    if (speed != m->speed) {
        /* the filter's latency (a few tens of ms) is skipped, not replayed */
        free_graph(m);
        m->speed = speed;
    }
    pthread_mutex_unlock(&m->lock);
    return 0;
}

int64_t audio_mix_pos_us(struct audio_mix *m)
{
    pthread_mutex_lock(&m->lock);
    int64_t us = samples_to_us(m->pos);
    pthread_mutex_unlock(&m->lock);
    return us;
}

/* Soft knee: identity up to KNEE, then tanh into (KNEE, 1). */
static float limit(float x)
{
    const float k = AUDIO_MIX_KNEE;
    float a = fabsf(x);
    if (a <= k)
        return x;
    float y = k + (1.0f - k) * tanhf((a - k) / (1.0f - k));
    if (y > 0.99999f) /* float rounding of tanh near 1 */
        y = 0.99999f;
    return x < 0 ? -y : y;
}

/* Mixes up to want input samples at pos into dst (interleaved). Returns the
 * count; sets *stalled when it stopped for want of data. */
static int mix_input(struct audio_mix *m, float *dst, int want, bool *stalled, int *playing)
{
    int done = 0;
    while (done < want) {
        int64_t len = want - done < CHUNK ? want - done : CHUNK;
        bool any_data = false;
        int starving = 0, voices = 0;
        for (int i = 0; i < AUDIO_MIX_MAX_LANES; i++) {
            struct lane *l = &m->lanes[i];
            if (!l->used)
                continue;
            int64_t size = l->fifo && l->has_pos ? av_audio_fifo_size(l->fifo) : 0;
            if (size > 0 && l->head < m->pos) { /* late: drop */
                int64_t late = m->pos - l->head;
                int drop = (int)(late < size ? late : size);
                av_audio_fifo_drain(l->fifo, drop);
                l->head += drop;
                size -= drop;
            }
            bool here = size > 0 && l->head == m->pos;
            if (here) {
                any_data = true;
                if (l->head + size - m->pos < len)
                    len = l->head + size - m->pos;
            } else if (size > 0) {
                if (l->head - m->pos < len)
                    len = l->head - m->pos;
            } else if (l->active) {
                starving++;
            }
            if ((here || l->active) && !l->mute && l->volume > 0.0f)
                voices++;
        }
        if (!any_data && starving) {
            *stalled = true;
            break;
        }
        float gain = 1.0f / sqrtf((float)(voices > 0 ? voices : 1));
        float *out = dst + (size_t)done * CH;
        memset(out, 0, (size_t)len * CH * sizeof(float));
        int contributing = 0;
        for (int i = 0; i < AUDIO_MIX_MAX_LANES; i++) {
            struct lane *l = &m->lanes[i];
            if (!l->used || !l->fifo || !l->has_pos || l->head != m->pos ||
                av_audio_fifo_size(l->fifo) <= 0)
                continue;
            void *p = m->lanebuf;
            int got = av_audio_fifo_read(l->fifo, &p, (int)len);
            l->head += got;
            if (l->mute || l->volume <= 0.0f)
                continue;
            contributing++;
            float g = gain * l->volume;
            for (int k = 0; k < got * CH; k++)
                out[k] += g * m->lanebuf[k];
        }
        for (int k = 0; k < len * CH; k++)
            out[k] = limit(out[k]);
        if (contributing > *playing)
            *playing = contributing;
        m->pos += len;
        done += (int)len;
    }
    return done;
}

static int make_graph(struct audio_mix *m)
{
    char args[160], tempo[32];
    snprintf(args, sizeof(args),
             "time_base=1/%d:sample_rate=%d:sample_fmt=flt:channel_layout=stereo", AUDIO_MIX_RATE,
             AUDIO_MIX_RATE);
    snprintf(tempo, sizeof(tempo), "tempo=%.2f", m->speed);
    AVFilterContext *t = NULL, *fmt = NULL;
    m->graph = avfilter_graph_alloc();
    if (!m->graph)
        return SP_ENOMEM;
    m->graph->nb_threads = 1;
    int r = avfilter_graph_create_filter(&m->src, avfilter_get_by_name("abuffer"), "in", args, NULL,
                                         m->graph);
    if (r >= 0)
        r = avfilter_graph_create_filter(&t, avfilter_get_by_name("atempo"), "tempo", tempo, NULL,
                                         m->graph);
    if (r >= 0)
        r = avfilter_graph_create_filter(&fmt, avfilter_get_by_name("aformat"), "fmt",
                                         "sample_fmts=flt:sample_rates=48000:"
                                         "channel_layouts=stereo",
                                         NULL, m->graph);
    if (r >= 0)
        r = avfilter_graph_create_filter(&m->sink, avfilter_get_by_name("abuffersink"), "out", NULL,
                                         NULL, m->graph);
    if (r >= 0)
        r = avfilter_link(m->src, 0, t, 0);
    if (r >= 0)
        r = avfilter_link(t, 0, fmt, 0);
    if (r >= 0)
        r = avfilter_link(fmt, 0, m->sink, 0);
    if (r >= 0)
        r = avfilter_graph_config(m->graph, NULL);
    if (r < 0) {
        free_graph(m);
        return SP_EDECODE;
    }
    if (!m->out && !(m->out = av_audio_fifo_alloc(AV_SAMPLE_FMT_FLT, CH, AUDIO_MIX_RATE))) {
        free_graph(m);
        return SP_ENOMEM;
    }
    av_audio_fifo_reset(m->out);
    m->out_base = m->pos;
    m->out_count = m->in_count = 0;
    return 0;
}

static int pull_filtered(struct audio_mix *m)
{
    AVFrame *f = av_frame_alloc();
    if (!f)
        return SP_ENOMEM;
    int r;
    while ((r = av_buffersink_get_frame(m->sink, f)) >= 0) {
        void *p = f->data[0];
        int w = av_audio_fifo_write(m->out, &p, f->nb_samples);
        av_frame_unref(f);
        if (w < 0) {
            av_frame_free(&f);
            return SP_ENOMEM;
        }
    }
    av_frame_free(&f);
    return r == AVERROR(EAGAIN) || r == AVERROR_EOF ? 0 : SP_EDECODE;
}

static int push_filtered(struct audio_mix *m, const float *data, int n)
{
    AVFrame *f = av_frame_alloc();
    if (!f)
        return SP_ENOMEM;
    f->format = AV_SAMPLE_FMT_FLT;
    f->sample_rate = AUDIO_MIX_RATE;
    f->nb_samples = n;
    f->pts = m->in_count;
    AVChannelLayout stereo = AV_CHANNEL_LAYOUT_STEREO;
    int r = av_channel_layout_copy(&f->ch_layout, &stereo);
    if (r >= 0)
        r = av_frame_get_buffer(f, 0);
    if (r >= 0) {
        memcpy(f->data[0], data, (size_t)n * CH * sizeof(float));
        r = av_buffersrc_add_frame(m->src, f);
    }
    av_frame_free(&f);
    if (r < 0)
        return SP_EDECODE;
    m->in_count += n;
    return pull_filtered(m);
}

int audio_mix_read(struct audio_mix *m, float *out, int frames, struct audio_mix_status *st)
{
    if (!out || frames < 0)
        return SP_EINVAL;
    struct audio_mix_status s = {0};
    int r = 0, n = 0;
    pthread_mutex_lock(&m->lock);
    if (m->speed == 1.0) {
        s.t_us = samples_to_us(m->pos);
        n = mix_input(m, out, frames, &s.stalled, &s.playing);
    } else {
        if (!m->graph && (r = make_graph(m)) < 0)
            goto out;
        float chunk[TEMPO_CHUNK * CH];
        while (av_audio_fifo_size(m->out) < frames && !m->graph_drained) {
            int got = mix_input(m, chunk, TEMPO_CHUNK, &s.stalled, &s.playing);
            if (got > 0 && (r = push_filtered(m, chunk, got)) < 0)
                goto out;
            if (got < TEMPO_CHUNK)
                break;
        }
        /* output sample k stands for input sample k * speed */
        s.t_us = samples_to_us(m->out_base + (int64_t)llround((double)m->out_count * m->speed));
        void *p = out;
        n = av_audio_fifo_read(m->out, &p, frames);
        if (n < 0)
            n = 0;
        m->out_count += n;
    }
out:
    pthread_mutex_unlock(&m->lock);
    if (n < frames)
        memset(out + (size_t)n * CH, 0, (size_t)(frames - n) * CH * sizeof(float));
    if (st)
        *st = s;
    return r < 0 ? r : n;
}

void audio_mix_drain(struct audio_mix *m)
{
    pthread_mutex_lock(&m->lock);
    if (m->graph && !m->graph_drained) {
        /* a failure here only loses the filter's last few ms */
        if (av_buffersrc_add_frame(m->src, NULL) >= 0)
            (void)pull_filtered(m);
        m->graph_drained = true;
    }
    pthread_mutex_unlock(&m->lock);
}
