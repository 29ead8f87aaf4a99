/* test_audio_out.c - ui/audio_out (SDL's dummy audio driver, whose
 * callback runs in real time) as the master clock of the play loop on the
 * sample class:
 * - at 1x, while the device pulls 2 s of output the clock advances as
 *   much (the dummy device's pace depends on how busy the machine is, so
 *   the test waits for what the device pulled, not for wall time), and the
 *   clock follows
 *   the position the device has pulled from the mix (it is the audio that
 *   drives it, not the system clock);
 * - at 2x, 2 s of output advance it about 4 s (atempo);
 * - paused, the clock and the device's pulls stand still.
 * Real time: about 6 s. */
#include "player/media/audio_mix.h"
#include "player/clock.h"
#include "base/diag.h"
#include "player/recording/manifest.h"
#include "player/playloop.h"
#include "player/media/sei.h"
#include "base/sp_error.h"
#include "player/recording/timeline.h"
#include "ui/audio_out.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <SDL.h>
#include <cmocka.h>

/* Under ThreadSanitizer every step runs several times slower, so the
 * clock and the device statistics are read further apart: the clock's
 * advance is checked with a wider margin there (the device pulls the same
 * amount either way). */
#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define UNDER_TSAN 1
#endif
#endif
#ifdef UNDER_TSAN
#define CLOCK_TOL 0.15  /* relative */
#define CLOCK_SLACK 0.4 /* seconds */
#else
#define CLOCK_TOL 0.05
#define CLOCK_SLACK 0.0
#endif

static int64_t now_us(void)
{
    return clock_time_monotonic(NULL);
}

static void sleep_us(int64_t us)
{
    if (us <= 0)
        return;
    struct timespec ts = {(time_t)(us / 1000000), (long)(us % 1000000) * 1000};
    nanosleep(&ts, NULL);
}

/* Steps the player for dur_us of wall time. */
static void run_for(struct player *p, int64_t dur_us)
{
    int64_t end = now_us() + dur_us;
    while (now_us() < end) {
        int64_t wait = 0;
        assert_true(player_step(p, &wait) >= 0);
        int64_t left = end - now_us();
        sleep_us(wait < left ? wait : left);
    }
}

/* Steps the player until the device has pulled secs more seconds of
 * output; fails after 30 s of wall time. */
static void run_until_pulled(struct player *p, struct audio_out *ao, double secs)
{
    struct audio_out_stats st;
    audio_out_get_stats(ao, &st);
    int64_t want = st.mixed + (int64_t)(secs * AUDIO_MIX_RATE);
    int64_t deadline = now_us() + 30000000;
    do {
        run_for(p, 20000);
        audio_out_get_stats(ao, &st);
    } while (st.mixed < want && now_us() < deadline);
    assert_true(st.mixed >= want);
}

struct span {
    int64_t clock_us, mixed, pos_us;
};

static struct span sample(struct player *p, struct audio_out *ao)
{
    struct audio_out_stats st;
    audio_out_get_stats(ao, &st);
    return (struct span){clock_get(player_clock(p)), st.mixed, st.position_us};
}

/* The sample class playing from 2 s (the teacher talks from the start) on
 * SDL's dummy driver, the device pulling its audio. */
struct playing {
    struct diag_list diag;
    struct recording *rec;
    struct timeline *tl;
    struct player *p;
    struct audio_out *ao;
};

/* Opens the class, the player and the device, and plays until the device
 * has pulled at least min_mixed frames (bounded: 5 s). */
static void playing_start(struct playing *f, int64_t min_mixed)
{
    memset(f, 0, sizeof(*f));
    setenv("SDL_AUDIODRIVER", "dummy", 1);
    diag_init(&f->diag);
    char path[1024];
    snprintf(path, sizeof(path), "%s/replay.json", SIGPLAY_SAMPLE_DIR);
    assert_int_equal(manifest_open(path, NULL, NULL, &f->diag, &f->rec), 0);
    assert_int_equal(tl_create(f->rec, &f->tl), 0);
    struct player_opts po = {.audio = true, .speed = 1.0, .sei_scan = sei_scan_packet_us};
    assert_int_equal(player_create(f->tl, &po, &f->p), 0);
    assert_int_equal(audio_out_open(f->p, &f->ao), 0);
    struct audio_out_stats st;
    audio_out_get_stats(f->ao, &st);
    assert_true(st.latency_us > 0 && st.latency_us < 500000);

    player_seek_us(f->p, 2000000);
    player_set_paused(f->p, false);
    /* until the device pulls audio (the decoders start) */
    int64_t deadline = now_us() + 5000000;
    do {
        run_for(f->p, 50000);
        audio_out_get_stats(f->ao, &st);
    } while (st.mixed < min_mixed && now_us() < deadline);
    assert_true(st.mixed >= min_mixed);
}

/* Frees what is left, in the order the tests have not already done. */
static void playing_end(struct playing *f)
{
    audio_out_close(&f->ao);
    if (f->p)
        player_take_diags(f->p, &f->diag);
    player_destroy(&f->p);
    tl_destroy(&f->tl);
    recording_free(f->rec);
    diag_clear(&f->diag);
    SDL_Quit();
}

static void test_device_is_master(void **state)
{
    (void)state;
    struct playing f;
    playing_start(&f, AUDIO_MIX_RATE / 10);
    struct player *p = f.p;
    struct audio_out *ao = f.ao;
    struct audio_out_stats st;
    audio_out_get_stats(ao, &st);

    /* 1x: 2 s of output */
    struct span a = sample(p, ao);
    run_until_pulled(p, ao, 2.0);
    struct span b = sample(p, ao);
    double adv = (double)(b.clock_us - a.clock_us) / 1e6;
    double pulled = (double)(b.mixed - a.mixed) / AUDIO_MIX_RATE;
    printf("1x: clock +%.3f s, device pulled %.3f s, clock - device position %.1f ms\n", adv,
           pulled, (double)(b.clock_us - b.pos_us) / 1e3);
    /* the clock must follow the device, not the wall */
    assert_true(pulled >= 2.0 && pulled < 2.5);
    assert_true(adv > (1 - CLOCK_TOL) * pulled - CLOCK_SLACK &&
                adv < (1 + CLOCK_TOL) * pulled + 0.05 + CLOCK_SLACK);
    /* the clock is what the device plays: behind the pulled position by
     * about the latency, never ahead of it */
    assert_true(b.clock_us <= b.pos_us);
    assert_true(b.pos_us - b.clock_us <
                st.latency_us + 3 * 1000000LL * AUDIO_OUT_BUFFER_FRAMES / AUDIO_MIX_RATE);

    /* 2x: 2 s of wall time, 4 s of playback */
    assert_int_equal(player_set_speed(p, 2.0), 0);
    run_for(p, 200000); /* the tempo filter fills */
    a = sample(p, ao);
    run_until_pulled(p, ao, 2.0);
    b = sample(p, ao);
    adv = (double)(b.clock_us - a.clock_us) / 1e6;
    pulled = (double)(b.mixed - a.mixed) / AUDIO_MIX_RATE;
    printf("2x: clock +%.3f s, device pulled %.3f s of output\n", adv, pulled);
    assert_true(pulled >= 2.0 && pulled < 2.5);
    assert_true(adv > (1 - CLOCK_TOL) * 2 * pulled - CLOCK_SLACK &&
                adv < (1 + CLOCK_TOL) * 2 * pulled + 0.1 + CLOCK_SLACK);

    /* paused: nothing moves */
    player_set_paused(p, true);
    run_for(p, 100000); /* the buffer in flight */
    a = sample(p, ao);
    run_for(p, 500000);
    b = sample(p, ao);
    printf("paused: clock +%.3f ms, device pulled %lld frames\n",
           (double)(b.clock_us - a.clock_us) / 1e3, (long long)(b.mixed - a.mixed));
    assert_int_equal(b.clock_us, a.clock_us);
    assert_int_equal(b.mixed, a.mixed);
    assert_false(player_buffering(p));

    audio_out_close(&f.ao);
    audio_out_close(&f.ao); /* NULL-safe */
    playing_end(&f);
}

/* Quitting: once audio_out_stop() returns, the callback no longer mixes
 * (the device pulls nothing more while the player plays on) and the player
 * may be destroyed while SDL still closes the device on its own thread
 * (ASan and TSan would see a callback that still read the freed mixer or
 * clock); audio_out_close() then only joins and frees. */
static void test_stop_before_player_goes(void **state)
{
    (void)state;
    struct playing f;
    playing_start(&f, 1); /* it plays */
    struct player *p = f.p;
    struct audio_out *ao = f.ao;

    audio_out_stop(ao);
    audio_out_stop(ao); /* a second call does nothing */
    audio_out_stop(NULL);
    struct audio_out_stats a, b;
    audio_out_get_stats(ao, &a);
    run_for(p, 300000); /* the player plays on, the device does not pull */
    audio_out_get_stats(ao, &b);
    assert_int_equal(b.mixed, a.mixed);
    assert_int_equal(b.callbacks, a.callbacks);

    player_take_diags(p, &f.diag);
    player_destroy(&f.p); /* SDL may still be closing the device */
    audio_out_close(&f.ao);
    assert_null(f.ao);
    playing_end(&f);
}

static void test_open_args(void **state)
{
    (void)state;
    struct audio_out *ao = (struct audio_out *)&ao;
    assert_int_equal(audio_out_open(NULL, &ao), SP_EINVAL);
    assert_null(ao);
    assert_int_equal(audio_out_open(NULL, NULL), SP_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_open_args),
        cmocka_unit_test(test_device_is_master),
        cmocka_unit_test(test_stop_before_player_goes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
