/* Seeks through the whole engine, one player seeking again and again (as a
 * user scrubbing does): after each seek every lane shows exactly what
 * continuous play shows at that t (state, pts, frame by hash), back and
 * forth across the pause (where every lane changes segment), the late
 * join and segment boundaries; and play on from a seek crosses into the
 * next segment exactly (the decoders the seeks left behind are reused and
 * re-aimed, see lane_player.h). Continuous play is the same class played
 * from 0 at max speed by a second player. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libavutil/log.h>

#include "player/recording/manifest.h"
#include "player/playloop.h"
#include "player/media/sei.h"
#include "base/sp_error.h"
#include "player/recording/timeline.h"
#include "support/testmedia.h"

#define MAX_STEPS 20000
#define LANES 8

struct lane_key {
    enum lane_show state;
    int64_t pts_us;
    uint64_t hash;
};

struct step {
    int64_t t_us;
    struct lane_key lane[LANES];
};

struct rig {
    struct recording *rec;
    struct timeline *tl;
    struct player *p;
};

static struct step *g_steps;
static size_t g_n;
static size_t g_lanes;

static void rig_open(struct rig *r)
{
    memset(r, 0, sizeof(*r));
    assert_int_equal(manifest_open(SIGPLAY_SAMPLE_DIR "/replay.json", NULL, NULL, NULL, &r->rec),
                     0);
    assert_int_equal(tl_create(r->rec, &r->tl), 0);
    struct player_opts po = {
        .audio = true, .max_speed = true, .sei_scan = sei_scan_packet_us, .null_sink = true};
    assert_int_equal(player_create(r->tl, &po, &r->p), 0);
}

static void rig_close(struct rig *r)
{
    player_destroy(&r->p);
    tl_destroy(&r->tl);
    recording_free(r->rec);
}

static void snapshot(struct player *p, struct step *s)
{
    s->t_us = player_time_us(p);
    for (size_t i = 0; i < g_lanes; i++) {
        const struct lane_view *v = player_lane_view(p, i);
        struct lane_key k = {.state = v->state};
        if (v->state != LANE_PLACEHOLDER) {
            k.pts_us = v->pts_us;
            k.hash = testmedia_frame_hash(v->frame);
        }
        s->lane[i] = k;
    }
}

static int setup(void **state)
{
    (void)state;
    av_log_set_level(AV_LOG_QUIET);
    g_steps = calloc(MAX_STEPS, sizeof(*g_steps));
    if (!g_steps)
        return -1;
    struct rig r;
    rig_open(&r);
    g_lanes = player_lane_count(r.p);
    if (g_lanes > LANES)
        return -1;
    player_seek_us(r.p, 0);
    while (g_n < MAX_STEPS) {
        int rc = player_step(r.p, NULL);
        if (rc < 0)
            break;
        snapshot(r.p, &g_steps[g_n++]);
    }
    rig_close(&r);
    return g_n > 100 ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    free(g_steps);
    return 0;
}

/* What continuous play shows at t: its last step at or before t. */
static const struct step *continuous_at(int64_t t_us)
{
    const struct step *best = &g_steps[0];
    for (size_t i = 0; i < g_n && g_steps[i].t_us <= t_us; i++)
        best = &g_steps[i];
    return best;
}

static void expect_continuous(struct player *p, const char *what)
{
    struct step got;
    snapshot(p, &got);
    const struct step *want = continuous_at(got.t_us);
    for (size_t i = 0; i < g_lanes; i++) {
        const struct lane_key *g = &got.lane[i], *w = &want->lane[i];
        if (g->state != w->state || g->pts_us != w->pts_us || g->hash != w->hash)
            fail_msg("%s: t=%.3f lane %zu shows state %d pts %.3f ms, continuous play: state %d "
                     "pts %.3f ms%s",
                     what, (double)got.t_us / 1e3, i, (int)g->state, (double)g->pts_us / 1e3,
                     (int)w->state, (double)w->pts_us / 1e3,
                     g->state == w->state && g->pts_us == w->pts_us ? " (other picture)" : "");
    }
}

static void test_seek_again_and_again(void **state)
{
    (void)state;
    struct rig r;
    rig_open(&r);
    /* across the pause (30 s) both ways, before and at the student's join
     * (8 s), repeated targets, the last frame */
    const int64_t targets_ms[] = {45000, 25000, 50000, 5000,  31000, 29500, 8000,
                                  7999,  59900, 12345, 30000, 29999, 44000, 44000,
                                  44067, 100,   52000, 0,     33333, 9000};
    char what[64];
    for (size_t i = 0; i < sizeof(targets_ms) / sizeof(targets_ms[0]); i++) {
        player_seek_us(r.p, targets_ms[i] * 1000);
        assert_true(player_step(r.p, NULL) >= 0);
        snprintf(what, sizeof(what), "seek %zu to %lld ms", i, (long long)targets_ms[i]);
        expect_continuous(r.p, what);
    }
    rig_close(&r);
}

/* Plays on from t0 (after a seek) until t1, every step checked. */
static void play_on(struct player *p, int64_t t1_ms, const char *what)
{
    while (player_time_us(p) < t1_ms * 1000) {
        int rc = player_step(p, NULL);
        if (rc == SP_EEOF)
            break;
        assert_true(rc >= 0);
        expect_continuous(p, what);
    }
}

static void test_play_on_after_seeks(void **state)
{
    (void)state;
    struct rig r;
    rig_open(&r);
    /* every lane has its second segment open, then a seek back leaves it
     * idle at 45 s: playing on across the pause must show it from its start */
    player_seek_us(r.p, 45000000);
    assert_true(player_step(r.p, NULL) >= 0);
    player_seek_us(r.p, 27000000);
    play_on(r.p, 33000, "play on from 27 s (after a seek to 45 s)");
    /* the student's first segment left idle at 20 s, then played into from
     * before the join */
    player_seek_us(r.p, 20000000);
    assert_true(player_step(r.p, NULL) >= 0);
    player_seek_us(r.p, 6500000);
    play_on(r.p, 10000, "play on from 6.5 s (after a seek to 20 s)");
    rig_close(&r);
}

/* Short steps forward (frame steps, nudges) play on instead of seeking the
 * decoders; longer ones, backward ones and ones into another segment seek.
 * Either way the lanes show what continuous play shows. */
static void test_short_steps_forward(void **state)
{
    (void)state;
    struct rig r;
    rig_open(&r);
    player_seek_us(r.p, 12000000);
    assert_true(player_step(r.p, NULL) >= 0);
    const int64_t steps_ms[] = {67, 1, 66, 500, 999, 1001, 30, -67, 40, 2500, 67, 67, 67};
    int64_t t = 12000;
    char what[64];
    for (size_t i = 0; i < sizeof(steps_ms) / sizeof(steps_ms[0]); i++) {
        t += steps_ms[i];
        player_seek_us(r.p, t * 1000);
        assert_true(player_step(r.p, NULL) >= 0);
        snprintf(what, sizeof(what), "step %zu (%+lld ms) to %lld ms", i, (long long)steps_ms[i],
                 (long long)t);
        expect_continuous(r.p, what);
    }
    /* across the pause: into the next segments */
    player_seek_us(r.p, 29700000);
    assert_true(player_step(r.p, NULL) >= 0);
    for (t = 29700; t < 31000; t += 200) {
        player_seek_us(r.p, t * 1000);
        assert_true(player_step(r.p, NULL) >= 0);
        expect_continuous(r.p, "200 ms steps across the pause");
    }
    play_on(r.p, 33000, "play on after steps");
    rig_close(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seek_again_and_again),
        cmocka_unit_test(test_play_on_after_seeks),
        cmocka_unit_test(test_short_steps_forward),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
