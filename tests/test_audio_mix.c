/* Tests for player/media/audio_mix: headroom, mute, volume, placement, stalls,
 * and atempo speed. Inputs are synthetic frames in several formats. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <libavutil/channel_layout.h>
#include <libavutil/frame.h>

#include "player/media/audio_mix.h"
#include "base/sp_error.h"

/* A frame of `n` samples of a sine (amplitude amp, freq hz; hz 0: DC amp)
 * starting at sample index `first`, format fltp stereo or s16 mono. */
static AVFrame *tone(int rate, int n, int64_t first, double hz, double amp, bool s16_mono)
{
    AVFrame *f = av_frame_alloc();
    assert_non_null(f);
    f->sample_rate = rate;
    f->nb_samples = n;
    f->format = s16_mono ? AV_SAMPLE_FMT_S16 : AV_SAMPLE_FMT_FLTP;
    av_channel_layout_default(&f->ch_layout, s16_mono ? 1 : 2);
    assert_int_equal(av_frame_get_buffer(f, 0), 0);
    for (int k = 0; k < n; k++) {
        double v = hz > 0 ? amp * sin(2 * M_PI * hz * (double)(first + k) / rate) : amp;
        if (s16_mono) {
            ((int16_t *)f->data[0])[k] = (int16_t)lrint(v * 32767);
        } else {
            ((float *)f->data[0])[k] = (float)v;
            ((float *)f->data[1])[k] = (float)v;
        }
    }
    return f;
}

/* Writes `seconds` of a tone to lane, in 1024-sample frames, from t0_us. */
static void feed(struct audio_mix *m, int lane, int rate, double seconds, double hz, double amp,
                 bool s16_mono, int64_t t0_us)
{
    int total = (int)(seconds * rate);
    for (int first = 0; first < total; first += 1024) {
        int n = total - first < 1024 ? total - first : 1024;
        AVFrame *f = tone(rate, n, first, hz, amp, s16_mono);
        int64_t t = t0_us + (int64_t)first * 1000000 / rate;
        assert_int_equal(audio_mix_write(m, lane, f, t), 0);
        av_frame_free(&f);
    }
}

/* Reads everything until the mixer stalls (or max frames); returns the
 * frame count and the buffer (caller frees). */
static int read_all(struct audio_mix *m, float **out, int max)
{
    float *buf = calloc((size_t)max * 2, sizeof(float));
    assert_non_null(buf);
    int total = 0;
    while (total < max) {
        struct audio_mix_status st;
        int want = max - total < 960 ? max - total : 960;
        int n = audio_mix_read(m, buf + (size_t)total * 2, want, &st);
        assert_true(n >= 0);
        total += n;
        if (n == 0 && st.stalled)
            break;
        if (n < want) { /* a drained tempo filter also ends here */
            if (!st.stalled)
                break;
        }
    }
    *out = buf;
    return total;
}

static float peak(const float *b, int frames)
{
    float p = 0;
    for (int i = 0; i < frames * 2; i++)
        if (fabsf(b[i]) > p)
            p = fabsf(b[i]);
    return p;
}

static void test_full_scale_lanes_never_clip(void **state)
{
    (void)state;
    for (int lanes = 2; lanes <= 8; lanes *= 2) {
        struct audio_mix *m;
        assert_int_equal(audio_mix_create(&m), 0);
        for (int l = 0; l < lanes; l++) {
            audio_mix_set_active(m, l, true);
            /* same phase: the worst case, peaks add up to `lanes` */
            feed(m, l, l % 2 ? 44100 : 48000, 0.5, 440, 1.0, l % 2, 0);
        }
        float *buf;
        int n = read_all(m, &buf, 48000);
        assert_true(n > 23000);
        float p = peak(buf, n);
        assert_true(p < 1.0f);
        assert_true(p > AUDIO_MIX_KNEE); /* loud, just not clipped */
        free(buf);
        audio_mix_destroy(&m);
    }
    struct audio_mix *m = NULL;
    audio_mix_destroy(&m);
}

static void test_mute_removes_a_lane_and_volume_scales(void **state)
{
    (void)state;
    float *alone, *muted, *both, *half;
    struct audio_mix *m;
    /* A alone */
    assert_int_equal(audio_mix_create(&m), 0);
    audio_mix_set_active(m, 0, true);
    feed(m, 0, 48000, 0.25, 440, 0.3, false, 0);
    int na = read_all(m, &alone, 12000);
    audio_mix_destroy(&m);
    /* A + B muted */
    assert_int_equal(audio_mix_create(&m), 0);
    audio_mix_set_active(m, 0, true);
    audio_mix_set_active(m, 1, true);
    audio_mix_set_mute(m, 1, true);
    feed(m, 0, 48000, 0.25, 440, 0.3, false, 0);
    feed(m, 1, 48000, 0.25, 1000, 0.3, false, 0);
    int nm = read_all(m, &muted, 12000);
    /* unmute: B is heard again */
    audio_mix_reset(m, 0);
    audio_mix_set_mute(m, 1, false);
    feed(m, 0, 48000, 0.25, 440, 0.3, false, 0);
    feed(m, 1, 48000, 0.25, 1000, 0.3, false, 0);
    int nb = read_all(m, &both, 12000);
    audio_mix_destroy(&m);
    assert_int_equal(na, 12000);
    assert_int_equal(nm, na);
    assert_int_equal(nb, na);
    double diff_muted = 0, diff_both = 0;
    for (int i = 0; i < na * 2; i++) {
        diff_muted = fmax(diff_muted, fabs(alone[i] - muted[i]));
        diff_both = fmax(diff_both, fabs(alone[i] - both[i]));
    }
    assert_true(diff_muted < 1e-6);
    assert_true(diff_both > 0.05);
    /* volume 0.5 halves a quiet lane (below the knee) */
    assert_int_equal(audio_mix_create(&m), 0);
    audio_mix_set_active(m, 0, true);
    audio_mix_set_volume(m, 0, 0.5f);
    feed(m, 0, 48000, 0.25, 440, 0.3, false, 0);
    int nh = read_all(m, &half, 12000);
    audio_mix_destroy(&m);
    assert_int_equal(nh, na);
    for (int i = 0; i < na * 2; i += 97)
        assert_true(fabs(half[i] - 0.5 * alone[i]) < 1e-5);
    free(alone);
    free(muted);
    free(both);
    free(half);
}

static void test_placement_gap_and_late_data(void **state)
{
    (void)state;
    struct audio_mix *m;
    assert_int_equal(audio_mix_create(&m), 0);
    audio_mix_set_active(m, 0, true);
    /* nothing yet: an active lane without data stalls the mix */
    float buf[960 * 2];
    struct audio_mix_status st;
    assert_int_equal(audio_mix_read(m, buf, 960, &st), 0);
    assert_true(st.stalled);
    assert_int_equal(audio_mix_pos_us(m), 0);
    /* data from t = 100 ms: the first 100 ms play as silence */
    feed(m, 0, 48000, 0.2, 0, 0.25, false, 100000);
    assert_int_equal(audio_mix_buffered_us(m, 0), 300000);
    float *out;
    int n = read_all(m, &out, 48000);
    assert_int_equal(n, 14400); /* 300 ms */
    int first_loud = -1;
    for (int i = 0; i < n; i++)
        if (out[2 * i] > 0.2f) {
            first_loud = i;
            break;
        }
    assert_int_equal(first_loud, 4800);
    free(out);
    /* a seek to 1 s, then data from 0.5 s: the late half is dropped */
    audio_mix_reset(m, 1000000);
    feed(m, 0, 48000, 1.0, 0, 0.25, false, 500000);
    n = read_all(m, &out, 48000);
    assert_int_equal(n, 24000);
    assert_true(out[0] > 0.2f);
    assert_int_equal(audio_mix_pos_us(m), 1500000);
    free(out);
    /* one lane stalled, another playing: the mix goes on */
    audio_mix_reset(m, 0);
    audio_mix_set_active(m, 1, true);
    feed(m, 1, 48000, 0.1, 0, 0.25, false, 0);
    assert_int_equal(audio_mix_read(m, buf, 960, &st), 960);
    assert_false(st.stalled);
    assert_int_equal(st.playing, 1);
    /* no active lane: silence, time runs */
    audio_mix_reset(m, 0);
    audio_mix_set_active(m, 0, false);
    audio_mix_set_active(m, 1, false);
    assert_int_equal(audio_mix_read(m, buf, 960, &st), 960);
    assert_int_equal(audio_mix_pos_us(m), 20000);
    assert_true(peak(buf, 960) == 0.0f);
    /* bad input */
    assert_int_equal(audio_mix_write(m, -1, NULL, 0), SP_EINVAL);
    assert_int_equal(audio_mix_write(m, AUDIO_MIX_MAX_LANES, NULL, 0), SP_EINVAL);
    assert_int_equal(audio_mix_set_speed(m, 3.0), SP_ERANGE);
    /* The rate sets how many samples a frame becomes: 8000 samples stamped
     * 1 Hz would be 384 million (1.5 GB), refused before anything is
     * allocated; so is a frame longer than the lane holds. The lane takes
     * the next good frame. */
    audio_mix_reset(m, 0);
    AVFrame *slow = tone(1, 8000, 0, 0, 0.25, true);
    assert_int_equal(audio_mix_write(m, 0, slow, 0), SP_EINVAL);
    slow->sample_rate = AUDIO_MIX_MIN_IN_RATE - 1;
    assert_int_equal(audio_mix_write(m, 0, slow, 0), SP_EINVAL);
    slow->sample_rate = AUDIO_MIX_MAX_IN_RATE + 1;
    assert_int_equal(audio_mix_write(m, 0, slow, 0), SP_EINVAL);
    av_frame_free(&slow);
    /* 10.5 s at the lowest rate played: one frame over what a lane holds */
    AVFrame *long_frame =
        tone(AUDIO_MIX_MIN_IN_RATE, AUDIO_MIX_MIN_IN_RATE * 21 / 2, 0, 0, 0.25, true);
    assert_int_equal(audio_mix_write(m, 0, long_frame, 0), SP_ELIMIT);
    av_frame_free(&long_frame);
    AVFrame *low = tone(AUDIO_MIX_MIN_IN_RATE, AUDIO_MIX_MIN_IN_RATE, 0, 0, 0.25, true);
    assert_int_equal(audio_mix_write(m, 0, low, 0), 0); /* 1 s at 1 kHz plays */
    av_frame_free(&low);
    /* less the resampler's delay line, which it keeps until more comes */
    int64_t held = audio_mix_buffered_us(m, 0);
    assert_true(held > 950000 && held <= 1000000);
    audio_mix_destroy(&m);
}

/* The placement error a lane carries: a frame stamped 10 ms after the end
 * of the lane's data is appended (within AUDIO_MIX_RESYNC_US), so it plays
 * 10 ms before its stamp until a write farther off re-aligns the lane. */
static void test_lane_late_follows_placement(void **state)
{
    (void)state;
    struct audio_mix *m;
    assert_int_equal(audio_mix_create(&m), 0);
    audio_mix_set_active(m, 0, true);
    assert_true(audio_mix_lane_late_us(m, 0) == AUDIO_MIX_NO_SKEW); /* no data */
    assert_true(audio_mix_lane_late_us(m, -1) == AUDIO_MIX_NO_SKEW);
    AVFrame *f = tone(48000, 4800, 0, 0, 0.25, false); /* 100 ms */
    assert_int_equal(audio_mix_write(m, 0, f, 0), 0);
    assert_int_equal(audio_mix_write(m, 0, f, 110000), 0); /* appended at 100 ms */
    assert_int_equal(audio_mix_write(m, 0, f, 400000), 0); /* 200 ms gap: re-aligned */
    float buf[2400 * 2];
    assert_int_equal(audio_mix_read(m, buf, 2400, NULL), 2400); /* pos 50 ms */
    assert_true(audio_mix_lane_late_us(m, 0) == 0);
    assert_int_equal(audio_mix_read(m, buf, 2400, NULL), 2400); /* pos 100 ms */
    assert_true(audio_mix_lane_late_us(m, 0) == -10000);
    assert_int_equal(audio_mix_read(m, buf, 2400, NULL), 2400); /* 150 ms */
    assert_true(audio_mix_lane_late_us(m, 0) == -10000);
    for (int k = 0; k < 4; k++) /* the gap, played as silence */
        assert_int_equal(audio_mix_read(m, buf, 2400, NULL), 2400);
    assert_int_equal(audio_mix_pos_us(m), 350000);
    assert_int_equal(audio_mix_read(m, buf, 2400, NULL), 2400);
    assert_int_equal(audio_mix_read(m, buf, 2400, NULL), 2400); /* 450 ms */
    assert_true(audio_mix_lane_late_us(m, 0) == 0);
    audio_mix_lane_reset(m, 0);
    assert_true(audio_mix_lane_late_us(m, 0) == AUDIO_MIX_NO_SKEW);
    av_frame_free(&f);
    audio_mix_destroy(&m);
}

static void test_buffer_cap(void **state)
{
    (void)state;
    struct audio_mix *m;
    assert_int_equal(audio_mix_create(&m), 0);
    AVFrame *f = tone(48000, 48000, 0, 440, 0.1, false);
    int r = 0, i;
    for (i = 0; i < 20 && r == 0; i++)
        r = audio_mix_write(m, 0, f, (int64_t)i * 1000000);
    assert_int_equal(r, SP_EAGAIN);
    assert_int_equal(i, AUDIO_MIX_MAX_BUFFER_US / 1000000 + 1);
    av_frame_free(&f);
    audio_mix_destroy(&m);
}

static int tempo_frames(double speed, double seconds)
{
    struct audio_mix *m;
    assert_int_equal(audio_mix_create(&m), 0);
    assert_int_equal(audio_mix_set_speed(m, speed), 0);
    audio_mix_set_active(m, 0, true);
    feed(m, 0, 44100, seconds, 440, 0.5, false, 0);
    float *out;
    int max = (int)(seconds / speed * 48000 * 1.2);
    int n = read_all(m, &out, max);
    free(out);
    audio_mix_drain(m);
    n += read_all(m, &out, max);
    /* the clock of the output: sample k stands for input k * speed */
    struct audio_mix_status st;
    float tail[2];
    audio_mix_read(m, tail, 1, &st);
    assert_true(llabs(st.t_us - (int64_t)(n * speed * 1e6 / 48000)) < 25000);
    free(out);
    audio_mix_destroy(&m);
    return n;
}

static void test_atempo_changes_duration(void **state)
{
    (void)state;
    int n2 = tempo_frames(2.0, 2.0);
    assert_true(fabs(n2 - 48000.0) < 48000 * 0.03);
    int n05 = tempo_frames(0.5, 0.5);
    assert_true(fabs(n05 - 48000.0) < 48000 * 0.03);
    int n125 = tempo_frames(1.25, 1.0);
    assert_true(fabs(n125 - 38400.0) < 38400 * 0.03);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_scale_lanes_never_clip),
        cmocka_unit_test(test_mute_removes_a_lane_and_volume_scales),
        cmocka_unit_test(test_placement_gap_and_late_data),
        cmocka_unit_test(test_lane_late_follows_placement),
        cmocka_unit_test(test_buffer_cap),
        cmocka_unit_test(test_atempo_changes_duration),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
