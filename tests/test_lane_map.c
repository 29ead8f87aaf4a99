/* Tests for player/media/lane_map: anchors, fallbacks, inverse, refusals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "player/media/lane_map.h"
#include "base/sp_error.h"

#define B0 1700000000000LL /* a board time, Unix ms */

struct probe {
    int64_t pts_us;
    int64_t board_us;
};

static void check_probes(const struct lane_map *m, const struct probe *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int64_t b = lane_map_board_us(m, p[i].pts_us);
        if (b != p[i].board_us)
            fail_msg("probe %zu: pts %lld -> board %lld, want %lld", i, (long long)p[i].pts_us,
                     (long long)b, (long long)p[i].board_us);
        /* the inverse lands on the same pts (maps here are exact at µs) */
        int64_t back = lane_map_pts_us(m, p[i].board_us);
        if (back != p[i].pts_us)
            fail_msg("probe %zu: board %lld -> pts %lld, want %lld", i, (long long)p[i].board_us,
                     (long long)back, (long long)p[i].pts_us);
    }
}

static void test_fallbacks(void **state)
{
    (void)state;
    struct lane_map m;
    enum lane_map_source src;
    /* SyncTime: board time of the first frame (pts 40 ms), slope 1. */
    lane_map_init_us(&m, 40000, (B0 + 123) * 1000, (B0 + 999) * 1000);
    assert_int_equal(lane_map_source(&m), LANE_MAP_SYNC_TIME);
    const struct probe sync[] = {
        {40000, (B0 + 123) * 1000},
        {1040000, (B0 + 1123) * 1000},
        {0, (B0 + 83) * 1000},
    };
    check_probes(&m, sync, 3);
    assert_int_equal(lane_map_start_board_us(&m, &src), (B0 + 123) * 1000);
    assert_int_equal(src, LANE_MAP_SYNC_TIME);
    /* No SyncTime: w(VideoPlayTime), which moves with the origin. */
    lane_map_init_us(&m, 0, -1, (B0 + 5000) * 1000);
    assert_int_equal(lane_map_source(&m), LANE_MAP_PLAY_TIME);
    assert_int_equal(lane_map_board_us(&m, 2000000), (B0 + 7000) * 1000);
    lane_map_set_play_time_board_us(&m, (B0 + 5400) * 1000);
    assert_int_equal(lane_map_board_us(&m, 2000000), (B0 + 7400) * 1000);
    assert_int_equal(lane_map_start_board_us(&m, &src), (B0 + 5400) * 1000);
    assert_int_equal(src, LANE_MAP_PLAY_TIME);
    lane_map_clear(&m);
}

static void test_anchors_piecewise_linear(void **state)
{
    (void)state;
    struct lane_map m;
    lane_map_init_us(&m, 0, (B0 + 777777) * 1000, (B0)*1000); /* SyncTime loses to SEI */
    /* Anchors 2 s apart, the second piece 1% fast, given out of order. */
    assert_int_equal(lane_map_add_anchor_us(&m, 4000000, (B0 + 12040) * 1000), 0);
    assert_int_equal(lane_map_add_anchor_us(&m, 2000000, (B0 + 10020) * 1000), 0);
    assert_int_equal(lane_map_add_anchor_us(&m, 6000000, (B0 + 14060) * 1000), 0);
    assert_int_equal(lane_map_anchor_count(&m), 3);
    assert_int_equal(lane_map_source(&m), LANE_MAP_SEI);
    const struct probe q[] = {
        {2000000, (B0 + 10020) * 1000}, {3000000, (B0 + 11030) * 1000},
        {5000000, (B0 + 13050) * 1000}, {6000000, (B0 + 14060) * 1000},
        {9000000, (B0 + 17060) * 1000}, {0, (B0 + 8020) * 1000},
    };
    check_probes(&m, q, sizeof(q) / sizeof(q[0]));
    enum lane_map_source src;
    assert_int_equal(lane_map_start_board_us(&m, &src), (B0 + 8020) * 1000);
    assert_int_equal(src, LANE_MAP_SEI);
    /* Board times between frames invert to the last pts at or before. */
    int64_t b = (B0 + 11030) * 1000 + 7;
    int64_t pts = lane_map_pts_us(&m, b);
    assert_true(lane_map_board_us(&m, pts) <= b);
    assert_true(lane_map_board_us(&m, pts + 1) > b);
    lane_map_clear(&m);
    lane_map_clear(&m);
    lane_map_clear(NULL);
}

static void test_refusals(void **state)
{
    (void)state;
    struct lane_map m;
    lane_map_init_us(&m, 0, -1, (B0)*1000);
    assert_int_equal(lane_map_add_anchor_us(&m, 1000000, (B0 + 1000) * 1000), 0);
    assert_int_equal(lane_map_add_anchor_us(&m, 2000000, (B0 + 2000) * 1000), 0);
    static const struct {
        int64_t pts_us, board_us; /* board_us: Unix µs */
        int want;
        const char *why;
    } cases[] = {
        {1000000, (B0 + 1000) * 1000, 0, "exact duplicate"},
        {1000000, (B0 + 1001) * 1000, SP_ERANGE, "same frame, other time"},
        {3000000, (B0 + 1500) * 1000, SP_ERANGE, "board goes back"},
        {3000000, (B0 + 2000) * 1000, SP_ERANGE, "board stands still"},
        {3000000, (B0 + 5000) * 1000, SP_ERANGE, "slope 3"},
        {3000000, (B0 + 2400) * 1000, SP_ERANGE, "slope 0.4"},
        {1500000, (B0 + 1900) * 1000, SP_ERANGE, "slope 1.8 then 0.2"},
        {0, (B0 + 100) * 1000, 0, "slope 0.9 before the first"},
        {4000000, -5000, SP_ERANGE, "negative board time"},
        {4000000, INT64_MAX, SP_ERANGE, "absurd board time"},
        {3000000, (B0 + 3100) * 1000, 0, "slope 1.1 ok"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int want = cases[i].want;
        int got = lane_map_add_anchor_us(&m, cases[i].pts_us, cases[i].board_us);
        if (got != want)
            fail_msg("case %zu (%s): got %d want %d", i, cases[i].why, got, want);
    }
    assert_int_equal(lane_map_anchor_count(&m), 4);
    /* The map stayed strictly increasing. */
    int64_t prev = INT64_MIN;
    for (int64_t pts = -1000000; pts < 5000000; pts += 33333) {
        int64_t b = lane_map_board_us(&m, pts);
        assert_true(b > prev);
        prev = b;
    }
    lane_map_clear(&m);
}

static void test_cap(void **state)
{
    (void)state;
    struct lane_map m;
    lane_map_init_us(&m, 0, -1, (B0)*1000);
    for (int64_t i = 0; i < LANE_MAP_MAX_ANCHORS; i++)
        assert_int_equal(lane_map_add_anchor_us(&m, i * 1000, (B0 + i) * 1000), 0);
    assert_int_equal(lane_map_add_anchor_us(&m, LANE_MAP_MAX_ANCHORS * 1000LL,
                                            (B0 + LANE_MAP_MAX_ANCHORS) * 1000),
                     SP_ELIMIT);
    assert_int_equal(lane_map_anchor_count(&m), LANE_MAP_MAX_ANCHORS);
    assert_int_equal(lane_map_board_us(&m, 12345500), (B0 + 12345) * 1000 + 500);
    lane_map_clear(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fallbacks),
        cmocka_unit_test(test_anchors_piecewise_linear),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_cap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
