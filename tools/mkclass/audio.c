/* audio.c - each camera lane's sound (AAC in the MP4, or MP3 for an
 * audio-only lane): a soft tone of its own pitch, slowly
 * swelling like a voice, plus a 50 ms beep at every whole board second.
 *
 * The beeps make audio/video sync measurable: a beep starts exactly when the
 * frame's board time crosses a whole second (when the sweeping block of
 * frame.c is at the left end of its ruler).
 *
 * Phases are computed from integer sample counts modulo the sample rate, so
 * the samples are exact functions of (lane, board time): no accumulated
 * drift over two hours, and the same bytes on every run.
 */
#include "mkclass.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <libavcodec/avcodec.h>
#include <libavutil/channel_layout.h>
#include <libavutil/dict.h>

#define BEEP_SAMPLES (MK_AUDIO_RATE / 20)  /* 50 ms */
#define RAMP_SAMPLES (MK_AUDIO_RATE / 500) /* 2 ms fade in/out against clicks */

static const double two_pi = 6.283185307179586;

/* sin(2 pi f n / rate), phase reduced exactly in integers first. */
static double tone(int64_t f, int64_t n)
{
    int64_t ph = (f * n) % MK_AUDIO_RATE;
    return sin(two_pi * (double)ph / MK_AUDIO_RATE);
}

void mk_audio_fill(const struct mk_plan *p, const struct mk_segment *s, int64_t first, int n,
                   float *out)
{
    const struct mk_lane *l = &p->lanes[s->lane];
    /* board time of sample k in units of 1/48 ms: first_board*48 + k */
    int64_t base = s->first_board_ms * (MK_AUDIO_RATE / 1000);
    for (int i = 0; i < n; i++) {
        int64_t k = first + i;
        int64_t b = base + k;
        double swell = 0.6 + 0.4 * tone(3, b); /* 3 Hz "syllables" */
        double v = 0.12 * swell * tone(l->tone_hz, b);
        int64_t in_second = b % MK_AUDIO_RATE;
        if (in_second < BEEP_SAMPLES) {
            double env = 1.0;
            if (in_second < RAMP_SAMPLES)
                env = (double)in_second / RAMP_SAMPLES;
            else if (in_second > BEEP_SAMPLES - RAMP_SAMPLES)
                env = (double)(BEEP_SAMPLES - in_second) / RAMP_SAMPLES;
            v += 0.5 * env * tone(l->beep_hz, in_second);
        }
        out[i] = (float)v;
    }
}

AVCodecContext *mk_audio_open(const char *encoder, bool global_header)
{
    const AVCodec *codec = avcodec_find_encoder_by_name(encoder);
    if (!codec) {
        fprintf(stderr, "sigplay-mkclass: FFmpeg has no %s encoder\n", encoder);
        return NULL;
    }
    AVCodecContext *c = avcodec_alloc_context3(codec);
    if (!c)
        return NULL;
    c->sample_fmt = AV_SAMPLE_FMT_FLTP;
    c->sample_rate = MK_AUDIO_RATE;
    av_channel_layout_default(&c->ch_layout, 1);
    c->bit_rate = 64000;
    c->time_base = (AVRational){1, MK_AUDIO_RATE};
    c->flags |= AV_CODEC_FLAG_BITEXACT;
    c->thread_count = 1;
    if (global_header)
        c->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    /* The default two-loop search costs most of the generator's time; the
     * fast coder is ample for tones and beeps. (Other encoders ignore it.) */
    AVDictionary *opts = NULL;
    if (!strcmp(encoder, "aac"))
        av_dict_set(&opts, "aac_coder", "fast", 0);
    int rc = avcodec_open2(c, codec, &opts);
    av_dict_free(&opts);
    if (rc < 0) {
        avcodec_free_context(&c);
        return NULL;
    }
    return c;
}
