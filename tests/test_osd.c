/* Tests for render/osd and render/sync_overlay: the bar's x <-> t maps
 * (exact ends, pause markers, clicks), what is drawn where, and a golden
 * picture (SIGPLAY_UPDATE_GOLDEN=1 rewrites tests/data/osd/osd.png). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/sp_error.h"
#include "render/canvas.h"
#include "render/image.h"
#include "render/osd.h"
#include "render/sync_overlay.h"
#include "render/text.h"

#define GOLDEN SIGPLAY_TEST_DATA "/osd/osd.png"

/* ---- geometry ----------------------------------------------------------- */

static void test_bar_ends_exact(void **state)
{
    (void)state;
    static const int sizes[][2] = {{1280, 720}, {640, 360}, {1920, 1080}, {333, 200}, {3, 3}};
    static const int64_t durs[] = {60000, 1, 999, 3600000, 7 * 3600000LL + 13};
    for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
        struct osd_geom g;
        osd_geometry(sizes[s][0], sizes[s][1], &g);
        assert_true(g.bar.w >= 2);
        assert_true(g.bar.x >= 0 && g.bar.x + g.bar.w <= sizes[s][0]);
        for (size_t d = 0; d < sizeof(durs) / sizeof(durs[0]); d++) {
            int64_t dur = durs[d] * 1000; /* the bar speaks µs, whole ms */
            int first = g.bar.x, last = g.bar.x + g.bar.w - 1;
            assert_int_equal(osd_bar_time_at(&g, dur, first), 0);
            assert_int_equal(osd_bar_time_at(&g, dur, last), dur);
            /* a drag past either end holds the end */
            assert_int_equal(osd_bar_time_at(&g, dur, first - 50), 0);
            assert_int_equal(osd_bar_time_at(&g, dur, last + 50), dur);
            assert_int_equal(osd_bar_x_of(&g, dur, 0), first);
            assert_int_equal(osd_bar_x_of(&g, dur, dur), last);
            /* monotonic, and x -> t -> x is the identity when a column is at
             * most one ms wide */
            int64_t prev = -1;
            for (int x = first; x <= last; x++) {
                int64_t t = osd_bar_time_at(&g, dur, x);
                assert_true(t >= prev);
                prev = t;
                if (durs[d] >= g.bar.w - 1)
                    assert_int_equal(osd_bar_x_of(&g, dur, t), x);
            }
        }
    }
}

static void test_bar_pause_markers(void **state)
{
    (void)state;
    struct osd_geom g;
    osd_geometry(1280, 720, &g);
    const int64_t dur = 60000000;
    /* a column is dur / (w - 1) wide: clicking a marker's column lands
     * within half a column (and the ms the bar rounds to) of the pause */
    double half_col = (double)dur / (g.bar.w - 1) / 2.0;
    for (int64_t p = 0; p <= dur; p += 1237000) {
        int x = osd_bar_x_of(&g, dur, p);
        int64_t t = 0;
        assert_true(osd_bar_hit(&g, dur, x, g.bar.y + g.bar.h / 2, &t));
        assert_true(llabs((long long)(t - p)) <= half_col + 500);
        /* one column either side is on the correct side of the pause */
        if (x > g.bar.x)
            assert_true(osd_bar_time_at(&g, dur, x - 1) < p);
        if (x < g.bar.x + g.bar.w - 1)
            assert_true(osd_bar_time_at(&g, dur, x + 1) > p);
    }
    /* the default class's pause at 30 s: the middle of the bar */
    int64_t t = 0;
    int mid = osd_bar_x_of(&g, dur, 30000000);
    assert_true(osd_bar_hit(&g, dur, mid, g.bar.y, &t));
    assert_true(llabs((long long)(t - 30000000)) <= half_col + 500);
}

static void test_bar_hit_area(void **state)
{
    (void)state;
    struct osd_geom g;
    osd_geometry(1280, 720, &g);
    int64_t t = -1;
    assert_true(osd_bar_hit(&g, 60000000, g.bar.x, g.bar.y, &t));
    assert_int_equal(t, 0);
    assert_false(osd_bar_hit(&g, 60000000, g.bar.x - 1, g.bar.y, &t));
    assert_false(osd_bar_hit(&g, 60000000, g.bar.x + g.bar.w, g.bar.y, &t));
    assert_false(osd_bar_hit(&g, 60000000, 640, 100, &t)); /* the picture */
    assert_false(osd_bar_hit(&g, 60000000, 640, g.hit.y - 1, &t));
    assert_false(osd_bar_hit(&g, 60000000, 640, g.hit.y + g.hit.h, &t));
    assert_true(osd_button_hit(&g, g.button.x + 1, g.button.y + 1));
    assert_false(osd_bar_hit(&g, 60000000, g.button.x + 1, g.button.y + 1, &t));
    /* the OSD sits in the bottom band */
    assert_true(g.panel.y + g.panel.h == 720);
    assert_true(g.hit.y >= g.panel.y && g.text_y > g.bar.y);
}

static void test_format_time(void **state)
{
    (void)state;
    char b[32];
    osd_format_time_us(0, b, sizeof(b));
    assert_string_equal(b, "0:00");
    osd_format_time_us(65999999, b, sizeof(b));
    assert_string_equal(b, "1:05");
    osd_format_time_us(3723000000, b, sizeof(b));
    assert_string_equal(b, "1:02:03");
    osd_format_time_us(-5000, b, sizeof(b));
    assert_string_equal(b, "0:00");
    osd_format_time_us(754000000, b, 3);
    assert_string_equal(b, "12");
}

/* ---- drawing ------------------------------------------------------------ */

static const int64_t pauses[] = {30000000};
static const struct osd_range cover_a[] = {{0, 30000000}, {30000000, 60000000}};
static const struct osd_range cover_b[] = {{8000000, 30000000}, {30000000, 52000000}};
static const struct osd_range buffered[] = {{20000000, 45000000}};

static struct osd_state sample_state(void)
{
    static const struct osd_lane lanes[] = {{"teacher_01", cover_a, 2}, {"student_02", cover_b, 2}};
    struct osd_state st = {.duration_us = 60000000,
                           .t_us = 20000000,
                           .paused = true,
                           .speed = 1.25,
                           .volume = 80,
                           .pauses_us = pauses,
                           .n_pauses = 1,
                           .lanes = lanes,
                           .n_lanes = 2,
                           .buffered = buffered,
                           .n_buffered = 1,
                           .hover = true,
                           .wall_clock = "2023-11-14 22:13:40",
                           .alpha = 1.0};
    return st;
}

static struct text_ctx *text_or_skip(void)
{
    struct text_ctx *t = NULL;
    assert_int_equal(text_create(&t), 0); /* fonts are a dependency, not optional */
    return t;
}

static bool lit(const struct canvas *c, int x, int y)
{
    return canvas_get(c, x, y).a > 0;
}

static void test_draw_where_expected(void **state)
{
    (void)state;
    struct text_ctx *t = text_or_skip();
    struct canvas *c = NULL;
    assert_int_equal(canvas_create(&c, 1280, 720), 0);
    struct osd_geom g;
    osd_geometry(1280, 720, &g);
    struct osd_state st = sample_state();
    st.hover_x = osd_bar_x_of(&g, 60000000, 45000000);
    assert_int_equal(osd_draw(t, c, &st), 0);

    /* nothing above the panel (no message, not buffering, tooltip aside) */
    for (int y = 0; y < g.panel.y - 60; y += 7)
        for (int x = 0; x < 1280; x += 7)
            assert_false(lit(c, x, y));
    /* the played part is the accent blue, the rest of the track is not */
    int yb = g.bar.y + g.bar.h / 2;
    struct canvas_color played = canvas_get(c, osd_bar_x_of(&g, 60000000, 10000000), yb);
    assert_true(played.b > 200 && played.r < 150);
    struct canvas_color rest = canvas_get(c, osd_bar_x_of(&g, 60000000, 55000000), yb);
    assert_true(rest.b < 200 || rest.r > 150);
    /* buffered band is lighter than the bare track */
    struct canvas_color buf = canvas_get(c, osd_bar_x_of(&g, 60000000, 40000000), yb);
    assert_true(buf.r > rest.r);
    /* the pause marker: yellow at the 30 s column, above the bar */
    struct canvas_color mk = canvas_get(c, osd_bar_x_of(&g, 60000000, 30000000), g.bar.y - 2);
    assert_true(mk.r > 200 && mk.g > 150 && mk.b < 120);
    /* lane strips: student_02 has no media before 8 s */
    int y2 = g.strip_y + (g.strip_h + g.strip_gap);
    struct canvas_color s_before = canvas_get(c, osd_bar_x_of(&g, 60000000, 4000000), y2);
    struct canvas_color s_in = canvas_get(c, osd_bar_x_of(&g, 60000000, 12000000), y2);
    struct canvas_color s_after = canvas_get(c, osd_bar_x_of(&g, 60000000, 56000000), y2);
    assert_true(s_in.r > s_before.r + 60);
    assert_true(s_in.r > s_after.r + 60);
    /* text drawn in the text row (time on the left, speed on the right) */
    int left = 0, right = 0;
    for (int y = g.text_y; y < g.text_y + 20; y++)
        for (int x = 0; x < 1280; x++) {
            struct canvas_color p = canvas_get(c, x, y);
            if (p.r < 180 || p.g < 180 || p.b < 180)
                continue;
            if (x < 400)
                left++;
            else if (x > 1000)
                right++;
        }
    assert_true(left > 50);
    assert_true(right > 30);
    /* the tooltip box sits above the bar at the hover column */
    struct canvas_color tip = canvas_get(c, st.hover_x, g.bar.y - 20);
    assert_true(tip.a > 200);

    canvas_write_png(c, SIGPLAY_TEST_TMP "/osd_drawn.png");
    canvas_destroy(&c);
    text_destroy(&t);
}

static void test_alpha_zero_draws_nothing_but_messages(void **state)
{
    (void)state;
    struct text_ctx *t = text_or_skip();
    struct canvas *c = NULL;
    assert_int_equal(canvas_create(&c, 640, 360), 0);
    struct osd_state st = sample_state();
    st.alpha = 0;
    assert_int_equal(osd_draw(t, c, &st), 0);
    for (int y = 0; y < 360; y++)
        for (int x = 0; x < 640; x++)
            assert_false(lit(c, x, y));
    /* buffering and a message still show */
    st.buffering = true;
    st.message = "Speed 1.25x";
    assert_int_equal(osd_draw(t, c, &st), 0);
    assert_true(lit(c, 320, 360 / 2 - 5));
    assert_true(lit(c, 12, 12));
    assert_false(lit(c, 320, 350)); /* still no panel */
    assert_int_equal(osd_draw(t, NULL, NULL), SP_EINVAL);
    canvas_destroy(&c);
    text_destroy(&t);
}

static void test_pause_button_shape(void **state)
{
    (void)state;
    struct canvas *a = NULL, *b = NULL;
    assert_int_equal(canvas_create(&a, 1280, 720), 0);
    assert_int_equal(canvas_create(&b, 1280, 720), 0);
    struct osd_state st = sample_state();
    struct osd_geom g;
    osd_geometry(1280, 720, &g);
    st.paused = true;
    osd_draw(NULL, a, &st);
    st.paused = false;
    osd_draw(NULL, b, &st);
    /* playing shows two bars: the middle column of the button is a gap */
    int mx = g.button.x + g.button.w / 2, my = g.button.y + g.button.h / 2;
    assert_true(canvas_get(a, mx, my).r > 200);
    assert_true(canvas_get(b, mx, my).r < 100);
    canvas_destroy(&a);
    canvas_destroy(&b);
}

static double golden_diff(const struct canvas *c, const struct image *img, double *frac_bad)
{
    double sum = 0;
    size_t bad = 0;
    for (int y = 0; y < c->h; y++)
        for (int x = 0; x < c->w; x++) {
            const uint8_t *p = c->px + (size_t)y * c->stride + 4 * (size_t)x;
            const uint8_t *q = img->px + ((size_t)y * img->w + x) * 4;
            int d = 0;
            for (int k = 0; k < 4; k++)
                d += abs(p[k] - q[k]);
            sum += d;
            if (d > 4 * 40)
                bad++;
        }
    *frac_bad = (double)bad / ((double)c->w * c->h);
    return sum / (4.0 * c->w * c->h);
}

static void test_golden(void **state)
{
    (void)state;
    struct text_ctx *t = text_or_skip();
    struct canvas *c = NULL;
    assert_int_equal(canvas_create(&c, 960, 540), 0);
    canvas_clear(c, canvas_rgba(40, 44, 52, 255));
    struct osd_geom g;
    osd_geometry(960, 540, &g);
    struct osd_state st = sample_state();
    st.hover_x = osd_bar_x_of(&g, 60000000, 33000000);
    st.message = "Speed 1.25x";
    assert_int_equal(osd_draw(t, c, &st), 0);
    struct sync_lane_stats lanes[] = {
        {"teacher_01", true, true, 3, 25, 400, false, 0, 500, 0, NULL, 0, false},
        {"student_02", true, true, -120, 12, 1900, true, 2, 300, 0, NULL, 0, false},
        {"tic_substream_teacher_01", false, false, 0, 0, -1, false, 0, 0, 0, NULL, 0, false}};
    struct sync_stats ss = {20000, 1700000040000LL, 1.25, true, -12, lanes, 3};
    assert_int_equal(sync_overlay_draw(t, c, &ss), 0);
    assert_int_equal(canvas_write_png(c, SIGPLAY_TEST_TMP "/osd_golden_actual.png"), 0);
    if (getenv("SIGPLAY_UPDATE_GOLDEN"))
        assert_int_equal(canvas_write_png(c, GOLDEN), 0);
    struct image *img = NULL;
    assert_int_equal(image_load_file(GOLDEN, &img), 0);
    assert_int_equal(img->w, c->w);
    assert_int_equal(img->h, c->h);
    double frac = 0, mean = golden_diff(c, img, &frac);
    /* text rasterizes a little differently with other FreeType builds;
     * layout or color changes move far more than this */
    if (mean > 2.0 || frac > 0.01)
        fprintf(stderr, "golden differs: mean %.3f, %.4f of pixels off (see %s)\n", mean, frac,
                SIGPLAY_TEST_TMP "/osd_golden_actual.png");
    assert_true(mean <= 2.0);
    assert_true(frac <= 0.01);
    image_free(img);
    canvas_destroy(&c);
    text_destroy(&t);
}

/* Orange means something is wrong: a 15 fps lane is up to 66.7 ms behind
 * w(t) in normal play, and that is not a warning; one interval plus the
 * margin is. */
static void test_sync_warn_follows_frame_rate(void **state)
{
    (void)state;
    struct sync_lane_stats l = {.name = "cam", .active = true, .has_frame = true};
    l.frame_us = 66667; /* 15 fps */
    for (int64_t skew = 0; skew <= 66; skew++) {
        l.skew_us = -skew * 1000;
        assert_false(sync_overlay_lane_warn(&l));
    }
    assert_int_equal(sync_overlay_limit_us(&l), 67000 + SYNC_OVERLAY_MARGIN_US);
    l.skew_us = -(67000 + SYNC_OVERLAY_MARGIN_US + 1000);
    assert_true(sync_overlay_lane_warn(&l));
    /* compared in whole ms, as shown: 999 µs past the limit is not yet past it */
    l.skew_us = -(67000 + SYNC_OVERLAY_MARGIN_US + 999);
    assert_false(sync_overlay_lane_warn(&l));
    l.skew_us = 67000 + SYNC_OVERLAY_MARGIN_US + 1000; /* ahead of the clock */
    assert_true(sync_overlay_lane_warn(&l));
    l.frame_us = 16667; /* 60 fps: the limit tightens */
    l.skew_us = -50000;
    assert_true(sync_overlay_lane_warn(&l));
    l.frame_us = 0; /* unknown rate: 40 ms assumed */
    assert_int_equal(sync_overlay_limit_us(&l),
                     SYNC_OVERLAY_DEFAULT_FRAME_US + SYNC_OVERLAY_MARGIN_US);
    l.skew_us = 0;
    l.buffering = true;
    assert_true(sync_overlay_lane_warn(&l));
    l.buffering = false;
    l.has_frame = false; /* a tile has no skew */
    l.skew_us = 5000000;
    assert_false(sync_overlay_lane_warn(&l));
}

static void test_sync_lines(void **state)
{
    (void)state;
    char b[256];
    struct sync_lane_stats l = {"teacher_01", true, true, -7400, 25,   1500000, false, 1,
                                90,           0,    NULL, 0,     false};
    sync_overlay_lane_line(&l, b, sizeof(b));
    assert_non_null(strstr(b, "teacher_01"));
    assert_non_null(strstr(b, "skew -7 ms"));
    assert_null(strstr(b, "offset")); /* no correction, not selected: as before */
    /* a corrected lane shows its correction; the selected one is marked */
    l.offset_us = -320000;
    sync_overlay_lane_line(&l, b, sizeof(b));
    assert_non_null(strstr(b, "skew -7 ms  offset -320.0 ms\t"));
    assert_int_equal(b[0], 't');
    l.offset_us = 0;
    l.selected = true;
    sync_overlay_lane_line(&l, b, sizeof(b));
    assert_memory_equal(b, "> teacher_01\t", 13);
    assert_non_null(strstr(b, "offset +0.0 ms"));
    l.selected = false;
    assert_non_null(strstr(b, "anchors 25 (1.5 s ago)"));
    assert_non_null(strstr(b, "drop 1/90"));
    assert_null(strstr(b, "BUFFERING"));
    l.buffering = true;
    l.active = false;
    l.anchor_age_us = -1;
    sync_overlay_lane_line(&l, b, sizeof(b));
    assert_non_null(strstr(b, "no media"));
    assert_non_null(strstr(b, "(-)"));
    assert_non_null(strstr(b, "BUFFERING"));
    /* a long name is cut at a character boundary, columns stay tab-separated */
    l.name = "\xe5\xad\xa6\xe7\x94\x9f_with_a_very_long_lane_name_indeed";
    sync_overlay_lane_line(&l, b, sizeof(b));
    char *tab = strchr(b, '\t');
    assert_non_null(tab);
    assert_true(tab - b <= 24 + 3);
    assert_memory_equal(tab - 3, "\xe2\x80\xa6", 3);
    /* the overlay box is at the top right and leaves the rest alone */
    struct canvas *c = NULL;
    assert_int_equal(canvas_create(&c, 1280, 720), 0);
    struct sync_stats ss = {0, 0, 1, false, 0, &l, 1};
    assert_int_equal(sync_overlay_draw(NULL, c, &ss), 0);
    assert_true(lit(c, 1270, 12));
    assert_false(lit(c, 5, 12));
    assert_false(lit(c, 1270, 700));
    canvas_destroy(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bar_ends_exact),
        cmocka_unit_test(test_bar_pause_markers),
        cmocka_unit_test(test_bar_hit_area),
        cmocka_unit_test(test_format_time),
        cmocka_unit_test(test_draw_where_expected),
        cmocka_unit_test(test_alpha_zero_draws_nothing_but_messages),
        cmocka_unit_test(test_pause_button_shape),
        cmocka_unit_test(test_golden),
        cmocka_unit_test(test_sync_lines),
        cmocka_unit_test(test_sync_warn_follows_frame_rate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
