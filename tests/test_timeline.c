/* Tests for player/recording/timeline: w(t) and its inverse around pause edges (with
 * inferred and given pauses), lane lookup, boundaries, origin refinement. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/diag.h"
#include "player/recording/manifest.h"
#include "base/sp_error.h"
#include "base/sp_file.h"
#include "player/recording/timeline.h"

/* The tables below are in ms, the times the documents give; the API is in
 * µs, so every value crosses it as ms * US. */
#define US 1000

struct fixture {
    struct recording *rec;
    struct timeline *tl;
    struct diag_list diag;
};

static void load_json(struct fixture *f, const char *json_q)
{
    char *json = strdup(json_q);
    for (char *p = json; *p; p++)
        if (*p == '\'')
            *p = '"';
    diag_init(&f->diag);
    assert_int_equal(manifest_parse(json, strlen(json), "file:///t/m.json", &f->diag, &f->rec), 0);
    free(json);
    assert_int_equal(tl_create(f->rec, &f->tl), 0);
}

static void load_seed(struct fixture *f)
{
    char *buf;
    size_t len;
    assert_int_equal(sp_read_file(SIGPLAY_TEST_DATA "/seed-result.json", 1 << 20, &buf, &len), 0);
    diag_init(&f->diag);
    assert_int_equal(manifest_parse(buf, len, "file:///t/seed.json", &f->diag, &f->rec), 0);
    free(buf);
    assert_int_equal(tl_create(f->rec, &f->tl), 0);
}

static void unload(struct fixture *f)
{
    tl_destroy(&f->tl);
    assert_null(f->tl);
    recording_free(f->rec);
    diag_clear(&f->diag);
}

struct tw {
    int64_t t, w; /* w relative to the origin */
};

static void check_forward(const struct timeline *tl, const struct tw *rows, size_t n)
{
    int64_t o = tl_origin_us(tl);
    for (size_t i = 0; i < n; i++) {
        int64_t got_us = tl_wall_from_play_us(tl, rows[i].t * US) - o;
        int64_t got = got_us / US;
        if (got_us != rows[i].w * US)
            fail_msg("w(%lld) = origin + %lld, want origin + %lld", (long long)rows[i].t,
                     (long long)got, (long long)rows[i].w);
    }
}

static void check_inverse(const struct timeline *tl, const struct tw *rows, size_t n)
{
    int64_t o = tl_origin_us(tl);
    for (size_t i = 0; i < n; i++) {
        int64_t got_us = tl_play_from_wall_us(tl, o + rows[i].w * US);
        int64_t got = got_us / US;
        if (got_us != rows[i].t * US)
            fail_msg("t(origin + %lld) = %lld, want %lld", (long long)rows[i].w, (long long)got,
                     (long long)rows[i].t);
    }
}

static void check_roundtrip(const struct timeline *tl)
{
    /* a step that is not whole ms: the mapping keeps every µs */
    for (int64_t t = 0; t <= tl_total_us(tl); t += 997003)
        assert_int_equal(tl_play_from_wall_us(tl, tl_wall_from_play_us(tl, t)), t);
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* The seed: no OmittedDurations, a 60 s pause inferred at 900000. */
static void test_inferred_pause_edges(void **state)
{
    (void)state;
    struct fixture f;
    load_seed(&f);
    assert_int_equal(tl_origin_us(f.tl), 1558613140000LL * US);
    assert_int_equal(tl_total_us(f.tl), 1440000 * US);
    assert_int_equal(tl_wall_duration_us(f.tl), 1500000 * US);
    assert_int_equal(tl_pause_count(f.tl), 1);
    const struct tl_pause *p = tl_pause_at(f.tl, 0);
    assert_int_equal(p->video_us, 900000 * US);
    assert_int_equal(p->duration_us, 60000 * US);
    assert_int_equal(p->wall_start_us, (1558613140000LL + 900000) * US);
    assert_true(p->inferred);
    assert_null(tl_pause_at(f.tl, 1));
    static const struct tw fwd[] = {
        {0, 0},           {899999, 899999},   {900000, 960000},
        {900001, 960001}, {1440000, 1500000}, {-1000, -1000},
    };
    check_forward(f.tl, fwd, N(fwd));
    static const struct tw inv[] = {
        {899999, 899999}, {900000, 900000}, /* the pause's first ms */
        {900000, 930000},                   /* the middle of the pause */
        {900000, 959999}, {900000, 960000}, /* its last ms, and just after */
        {900001, 960001}, {-1000, -1000},   {1440000, 1500000},
    };
    check_inverse(f.tl, inv, N(inv));
    check_roundtrip(f.tl);
    unload(&f);
}

/* Two pauses given in OmittedDurations: 10 s at 20000 and 5 s at 40000. */
static void test_given_pause_edges(void **state)
{
    (void)state;
    struct fixture f;
    load_json(&f, "{'RecordStartTime':1700000000,'RecordStopTime':1700000075,'TotalTime':60000,"
                  "'OmittedDurations':["
                  "{'VideoTime':20000,'PauseTime':1700000020000,'ResumeTime':1700000030000},"
                  "{'VideoTime':40000,'PauseTime':1700000050000,'ResumeTime':1700000055000}],"
                  "'VideoInfos':[{'VideoPlayTime':0,'VideoDuration':60000,'VideoType':0,"
                  "'UserId':'a','VideoUrl':'a.mp4'}]}");
    assert_int_equal(f.diag.count, 0);
    assert_int_equal(tl_pause_count(f.tl), 2);
    assert_false(tl_pause_at(f.tl, 0)->inferred);
    assert_int_equal(tl_pause_at(f.tl, 1)->wall_start_us, (1700000000000LL + 50000) * US);
    assert_int_equal(tl_wall_duration_us(f.tl), 75000 * US);
    static const struct tw fwd[] = {
        {19999, 19999}, {20000, 30000}, {20001, 30001}, {39999, 49999},
        {40000, 55000}, {40001, 55001}, {60000, 75000},
    };
    check_forward(f.tl, fwd, N(fwd));
    static const struct tw inv[] = {
        {19999, 19999}, {20000, 20000}, {20000, 29999}, {20000, 30000}, {20001, 30001},
        {39999, 49999}, {40000, 50000}, {40000, 54999}, {40000, 55000}, {40001, 55001},
    };
    check_inverse(f.tl, inv, N(inv));
    check_roundtrip(f.tl);
    unload(&f);
}

/* Odd pauses: at t = 0, two at the same VideoTime, one of zero length. */
static void test_odd_pauses(void **state)
{
    (void)state;
    struct fixture f;
    load_json(&f, "{'RecordStartTime':1000,'RecordStopTime':1020,'TotalTime':10000,"
                  "'OmittedDurations':["
                  "{'VideoTime':0,'PauseTime':1000000,'ResumeTime':1002000},"
                  "{'VideoTime':5000,'PauseTime':1007000,'ResumeTime':1010000},"
                  "{'VideoTime':5000,'PauseTime':1010000,'ResumeTime':1015000},"
                  "{'VideoTime':8000,'PauseTime':1018000,'ResumeTime':1018000}],"
                  "'VideoInfos':[]}");
    static const struct tw fwd[] = {
        {-1, -1}, {0, 2000}, {4999, 6999}, {5000, 15000}, {7999, 17999}, {8000, 18000},
    };
    check_forward(f.tl, fwd, N(fwd));
    static const struct tw inv[] = {
        {-1, -1},      {0, 0},        {0, 1999},     {0, 2000},     {4999, 6999},
        {5000, 7000},  {5000, 9999},  {5000, 10000}, {5000, 14999}, {5000, 15000},
        {7999, 17999}, {8000, 18000}, {8001, 18001},
    };
    check_inverse(f.tl, inv, N(inv));
    check_roundtrip(f.tl);
    unload(&f);
}

/* No pauses at all: w(t) = origin + t. */
static void test_no_pause(void **state)
{
    (void)state;
    struct fixture f;
    load_json(&f, "{'RecordStartTime':1000,'RecordStopTime':1060,'TotalTime':60000,"
                  "'VideoInfos':[]}");
    assert_int_equal(tl_pause_count(f.tl), 0);
    static const struct tw rows[] = {{0, 0}, {1, 1}, {60000, 60000}, {-5, -5}};
    check_forward(f.tl, rows, N(rows));
    check_inverse(f.tl, rows, N(rows));
    unload(&f);
}

static void expect_lane(const struct timeline *tl, size_t lane, int64_t t, int64_t seg_play,
                        int64_t offset, int64_t next)
{
    struct tl_lane_state st;
    assert_int_equal(tl_lane_at_us(tl, lane, t * US, &st), 0);
    if (seg_play < 0) {
        if (st.seg)
            fail_msg("lane %zu at %lld: segment at %lld us, want none", lane, (long long)t,
                     (long long)st.seg->play_us);
    } else {
        if (!st.seg || st.seg->play_us != seg_play * US)
            fail_msg("lane %zu at %lld: segment at %lld us, want %lld ms", lane, (long long)t,
                     st.seg ? (long long)st.seg->play_us : -1LL, (long long)seg_play);
    }
    assert_int_equal(st.offset_us, offset * US);
    assert_int_equal(st.next_change_us, next == TL_NONE ? TL_NONE : next * US);
}

static void test_lanes_and_boundaries(void **state)
{
    (void)state;
    struct fixture f;
    load_seed(&f);
    /* pc_test1: [300000, 900000) and [900000, 1110000). */
    expect_lane(f.tl, 1, 0, -1, 0, 300000);
    expect_lane(f.tl, 1, 299999, -1, 0, 300000);
    expect_lane(f.tl, 1, 300000, 300000, 0, 900000);
    expect_lane(f.tl, 1, 899999, 300000, 599999, 900000);
    expect_lane(f.tl, 1, 900000, 900000, 0, 1110000);
    expect_lane(f.tl, 1, 1110000, -1, 0, TL_NONE);
    /* the whiteboard video to the end */
    expect_lane(f.tl, 2, 1439999, 900000, 539999, 1440000);
    struct tl_lane_state st;
    assert_int_equal(tl_lane_at_us(f.tl, 3, 0, &st), SP_EINVAL);
    static const int64_t bounds[][2] = {
        {-1, 0},
        {0, 120000},
        {120000, 300000},
        {300000, 900000},
        {899999, 900000},
        {900000, 1110000},
        {1110000, 1200000},
        {1200000, 1440000},
        {1440000, TL_NONE},
    };
    for (size_t i = 0; i < N(bounds); i++)
        assert_int_equal(tl_next_boundary_us(f.tl, bounds[i][0] * US),
                         bounds[i][1] == TL_NONE ? TL_NONE : bounds[i][1] * US);
    assert_ptr_equal(tl_recording(f.tl), f.rec);
    unload(&f);
}

/* Overlapping segments (warned by the reader): the one that started last
 * wins, and a long early segment still covers after a short later one. */
static void test_overlaps(void **state)
{
    (void)state;
    struct fixture f;
    load_json(
        &f,
        "{'RecordStartTime':1,'RecordStopTime':101,'TotalTime':100000,"
        "'VideoInfos':["
        "{'VideoPlayTime':0,'VideoDuration':100000,'VideoType':0,'UserId':'a','VideoUrl':'1'},"
        "{'VideoPlayTime':10000,'VideoDuration':10000,'VideoType':0,'UserId':'a','VideoUrl':'2'},"
        "{'VideoPlayTime':15000,'VideoDuration':1000,'VideoType':0,'UserId':'a','VideoUrl':'3'}"
        "]}");
    assert_true(diag_contains(&f.diag, "overlaps"));
    expect_lane(f.tl, 0, 5000, 0, 5000, 10000);
    expect_lane(f.tl, 0, 12000, 10000, 2000, 15000);
    expect_lane(f.tl, 0, 15500, 15000, 500, 16000);
    expect_lane(f.tl, 0, 16000, 10000, 6000, 20000);
    expect_lane(f.tl, 0, 50000, 0, 50000, 100000);
    unload(&f);
}

static void test_origin_refinement(void **state)
{
    (void)state;
    struct fixture f;
    load_seed(&f);
    const int64_t o = 1558613140000LL, true_o = o + 437;
    /* Three segments agree the start is 437 ms after RecordStartTime; one
     * is 5 s off. The median ignores it. Board times include the pause. */
    struct tl_anchor a[] = {
        {0, true_o * US},
        {300000 * US, (true_o + 300000) * US},
        {900000 * US, (true_o + 900000 + 60000) * US},
        {120000 * US, (true_o + 120000 + 5000) * US},
    };
    int64_t got = 0;
    assert_int_equal(tl_refine_origin_us(f.tl, a, N(a), &f.diag, &got), 0);
    assert_int_equal(got, true_o * US);
    assert_int_equal(tl_origin_us(f.tl), true_o * US);
    assert_int_equal(tl_wall_from_play_us(f.tl, 900000 * US), (true_o + 960000) * US);
    assert_int_equal(tl_play_from_wall_us(f.tl, (true_o + 930000) * US), 900000 * US);
    assert_int_equal(tl_pause_at(f.tl, 0)->wall_start_us, (true_o + 900000) * US);
    assert_int_equal(f.diag.warnings, 0);
    /* No anchors: unchanged. */
    assert_int_equal(tl_refine_origin_us(f.tl, NULL, 0, &f.diag, &got), 0);
    assert_int_equal(got, true_o * US);
    /* Far from RecordStartTime: used, with a warning. */
    struct tl_anchor far[] = {{0, (o + 8000) * US}, {900000 * US, (o + 8000 + 960000) * US}};
    assert_int_equal(tl_refine_origin_us(f.tl, far, N(far), &f.diag, &got), 0);
    assert_int_equal(got, (o + 8000) * US);
    assert_true(diag_contains(&f.diag, "seed.json: RecordStartTime: the media's sync times put "
                                       "the start 8000 ms from RecordStartTime"));
    tl_set_origin_us(f.tl, o * US);
    assert_int_equal(tl_wall_from_play_us(f.tl, 0), o * US);
    /* between whole ms: a µs of playback is a µs of wall time */
    assert_int_equal(tl_wall_from_play_us(f.tl, 899999 * US + 999), (o + 899999) * US + 999);
    assert_int_equal(tl_play_from_wall_us(f.tl, (o + 960000) * US + 1), 900000 * US + 1);
    assert_int_equal(tl_refine_origin_us(f.tl, NULL, 3, NULL, NULL), SP_EINVAL);
    unload(&f);
    struct timeline *none = NULL;
    assert_int_equal(tl_create(NULL, &none), SP_EINVAL);
    tl_destroy(&none);
    tl_destroy(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_inferred_pause_edges), cmocka_unit_test(test_given_pause_edges),
        cmocka_unit_test(test_odd_pauses),           cmocka_unit_test(test_no_pause),
        cmocka_unit_test(test_lanes_and_boundaries), cmocka_unit_test(test_overlaps),
        cmocka_unit_test(test_origin_refinement),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
