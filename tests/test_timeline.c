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
    int64_t o = tl_origin_ms(tl);
    for (size_t i = 0; i < n; i++) {
        int64_t got = tl_wall_from_play(tl, rows[i].t) - o;
        if (got != rows[i].w)
            fail_msg("w(%lld) = origin + %lld, want origin + %lld", (long long)rows[i].t,
                     (long long)got, (long long)rows[i].w);
    }
}

static void check_inverse(const struct timeline *tl, const struct tw *rows, size_t n)
{
    int64_t o = tl_origin_ms(tl);
    for (size_t i = 0; i < n; i++) {
        int64_t got = tl_play_from_wall(tl, o + rows[i].w);
        if (got != rows[i].t)
            fail_msg("t(origin + %lld) = %lld, want %lld", (long long)rows[i].w, (long long)got,
                     (long long)rows[i].t);
    }
}

static void check_roundtrip(const struct timeline *tl)
{
    for (int64_t t = 0; t <= tl_total_ms(tl); t += 997)
        assert_int_equal(tl_play_from_wall(tl, tl_wall_from_play(tl, t)), t);
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* The seed: no OmittedDurations, a 60 s pause inferred at 900000. */
static void test_inferred_pause_edges(void **state)
{
    (void)state;
    struct fixture f;
    load_seed(&f);
    assert_int_equal(tl_origin_ms(f.tl), 1558613140000LL);
    assert_int_equal(tl_total_ms(f.tl), 1440000);
    assert_int_equal(tl_wall_duration_ms(f.tl), 1500000);
    assert_int_equal(tl_pause_count(f.tl), 1);
    const struct tl_pause *p = tl_pause_at(f.tl, 0);
    assert_int_equal(p->video_ms, 900000);
    assert_int_equal(p->duration_ms, 60000);
    assert_int_equal(p->wall_start_ms, 1558613140000LL + 900000);
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
    assert_int_equal(tl_pause_at(f.tl, 1)->wall_start_ms, 1700000000000LL + 50000);
    assert_int_equal(tl_wall_duration_ms(f.tl), 75000);
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
    assert_int_equal(tl_lane_at(tl, lane, t, &st), 0);
    if (seg_play < 0) {
        if (st.seg)
            fail_msg("lane %zu at %lld: segment at %lld, want none", lane, (long long)t,
                     (long long)st.seg->play_ms);
    } else {
        if (!st.seg || st.seg->play_ms != seg_play)
            fail_msg("lane %zu at %lld: segment at %lld, want %lld", lane, (long long)t,
                     st.seg ? (long long)st.seg->play_ms : -1LL, (long long)seg_play);
    }
    assert_int_equal(st.offset_ms, offset);
    assert_int_equal(st.next_change_ms, next);
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
    assert_int_equal(tl_lane_at(f.tl, 3, 0, &st), SP_EINVAL);
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
        assert_int_equal(tl_next_boundary(f.tl, bounds[i][0]), bounds[i][1]);
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
        {0, true_o},
        {300000, true_o + 300000},
        {900000, true_o + 900000 + 60000},
        {120000, true_o + 120000 + 5000},
    };
    int64_t got = 0;
    assert_int_equal(tl_refine_origin(f.tl, a, N(a), &f.diag, &got), 0);
    assert_int_equal(got, true_o);
    assert_int_equal(tl_origin_ms(f.tl), true_o);
    assert_int_equal(tl_wall_from_play(f.tl, 900000), true_o + 960000);
    assert_int_equal(tl_play_from_wall(f.tl, true_o + 930000), 900000);
    assert_int_equal(tl_pause_at(f.tl, 0)->wall_start_ms, true_o + 900000);
    assert_int_equal(f.diag.warnings, 0);
    /* No anchors: unchanged. */
    assert_int_equal(tl_refine_origin(f.tl, NULL, 0, &f.diag, &got), 0);
    assert_int_equal(got, true_o);
    /* Far from RecordStartTime: used, with a warning. */
    struct tl_anchor far[] = {{0, o + 8000}, {900000, o + 8000 + 960000}};
    assert_int_equal(tl_refine_origin(f.tl, far, N(far), &f.diag, &got), 0);
    assert_int_equal(got, o + 8000);
    assert_true(diag_contains(&f.diag, "seed.json: RecordStartTime: the media's sync times put "
                                       "the start 8000 ms from RecordStartTime"));
    tl_set_origin_ms(f.tl, o);
    assert_int_equal(tl_wall_from_play(f.tl, 0), o);
    assert_int_equal(tl_refine_origin(f.tl, NULL, 3, NULL, NULL), SP_EINVAL);
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
