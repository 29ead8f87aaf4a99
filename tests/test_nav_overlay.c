/* Tests for render/nav_overlay: the chapter list's rows map back to the
 * chapters drawn there at every size and scroll position, the thumbnail
 * stays on the canvas above the bar, and the marks land on the columns the
 * bar maps their times to (pixels read back from the canvas). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "render/canvas.h"
#include "render/nav_overlay.h"
#include "render/osd.h"
#include "render/text.h"

static void test_list_rows_map_back(void **state)
{
    (void)state;
    static const int sizes[][2] = {{1280, 720}, {640, 360}, {1920, 1080}, {400, 240}};
    static const size_t counts[] = {1, 7, 40, 300};
    for (size_t s = 0; s < 4; s++)
        for (size_t c = 0; c < 4; c++)
            for (size_t sel = 0; sel < counts[c]; sel += 1 + counts[c] / 9) {
                struct nav_list_geom g;
                nav_list_geometry(sizes[s][0], sizes[s][1], counts[c], sel, &g);
                assert_true(g.rows >= 1 && g.rows <= counts[c]);
                /* the selected chapter is on screen */
                assert_true(sel >= g.first && sel < g.first + g.rows);
                for (size_t r = 0; r < g.rows; r++) {
                    int y = g.rows_y + (int)r * g.row_h + g.row_h / 2;
                    assert_int_equal(nav_list_row_at(&g, g.box.x + 5, y), (long)(g.first + r));
                }
                /* off the rows: nothing */
                assert_int_equal(nav_list_row_at(&g, g.box.x - 1, g.rows_y + 1), -1);
                assert_int_equal(nav_list_row_at(&g, g.box.x + 5, g.rows_y - 1), -1);
                assert_int_equal(nav_list_row_at(&g, g.box.x + 5, g.rows_y + (int)g.rows * g.row_h),
                                 -1);
                /* the panel stays above the OSD band */
                struct osd_geom og;
                osd_geometry(sizes[s][0], sizes[s][1], &og);
                assert_true(g.box.y + g.box.h <= og.panel.y || g.rows == 1);
            }
}

/* Each lane's sound sits in the OSD band's text row, between the time
 * and the speed: inside the band (never above its top edge), below the
 * bar with its chapter ticks, pause marks and play head, clear of the
 * row's other texts; at every size, also in a band narrowed by a chat
 * column (the band's canvas is then narrower than the window). */
static void test_lane_states_in_band(void **state)
{
    (void)state;
    struct text_ctx *t = NULL;
    assert_int_equal(text_create(&t), 0);
    static const int sizes[][2] = {{1280, 720}, {900, 720}, {1920, 1080}, {1300, 1080},
                                   {640, 360},  {450, 360}, {960, 540},   {2560, 1440}};
    const char *names[] = {"teacher_01", "student_02", "student_03"};
    const bool muted[] = {false, true, false};
    struct osd_state st = {.duration_us = 3600000000,
                           .t_us = 1234000000,
                           .speed = 1,
                           .volume = 80,
                           .wall_clock = "2023-11-14 22:13:20"};
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        int w = sizes[i][0], h = sizes[i][1];
        struct canvas *c = NULL;
        assert_int_equal(canvas_create(&c, w, h), 0);
        canvas_clear(c, canvas_rgba(0, 0, 0, 0));
        struct osd_row row;
        assert_int_equal(osd_text_row_free(t, w, h, &st, &row), 0);
        assert_int_equal(nav_lane_states_draw(t, c, &row, names, muted, 3, 1.0), 0);
        int x0 = w, y0 = h, x1 = -1, y1 = -1;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                if (canvas_get(c, x, y).a) {
                    x0 = x < x0 ? x : x0;
                    x1 = x > x1 ? x : x1;
                    y0 = y < y0 ? y : y0;
                    y1 = y > y1 ? y : y1;
                }
        struct osd_geom g;
        osd_geometry(w, h, &g);
        print_message("%dx%d: lane states in [%d,%d]x[%d,%d], band from row %d, bar rows %d..%d\n",
                      w, h, x0, x1, y0, y1, g.panel.y, g.bar.y, g.bar.y + g.bar.h - 1);
        if (w >= 640) /* three lanes fit the row of a band this wide */
            assert_true(x1 >= 0);
        if (x1 >= 0) {
            assert_true(y0 >= g.panel.y && y1 < g.panel.y + g.panel.h);
            /* below the play head (radius 7 at the bar's middle), the
             * pause marks and the strips of the lanes */
            int below_bar = g.strip_y + OSD_MAX_LANE_STRIPS * (g.strip_h + g.strip_gap);
            assert_true(y0 >= below_bar);
            assert_true(y0 >= g.bar.y + g.bar.h / 2 + (int)(7 * g.scale + 0.5));
            assert_true(x0 >= row.x0 && x1 < row.x1);
        }
        canvas_destroy(&c);
    }
    text_destroy(&t);
}

static void test_thumb_rect_on_canvas(void **state)
{
    (void)state;
    struct osd_geom g;
    osd_geometry(1280, 720, &g);
    int64_t dur = 3600 * 1000000LL;
    for (int x = -50; x < 1330; x += 37) {
        struct canvas_rect r = nav_thumb_rect(&g, dur, x, 192, 144);
        assert_true(r.x >= 0 && r.x + r.w <= 1280);
        assert_true(r.y >= 0 && r.y + r.h < g.bar.y);
        assert_int_equal(r.w, 192);
        assert_int_equal(r.h, 144);
    }
    /* in the middle it is centred on the hovered column */
    struct canvas_rect r = nav_thumb_rect(&g, dur, 640, 192, 144);
    int col = osd_bar_x_of(&g, dur, osd_bar_time_at(&g, dur, 640));
    assert_true(r.x + r.w / 2 - col <= 1 && col - (r.x + r.w / 2) <= 1);
}

static void test_marks_on_their_columns(void **state)
{
    (void)state;
    struct canvas *c = NULL;
    assert_int_equal(canvas_create(&c, 1280, 720), 0);
    canvas_clear(c, canvas_rgba(0, 0, 0, 255));
    struct nav_chapter ch[2];
    memset(ch, 0, sizeof(ch));
    ch[0].t_us = 10 * 1000000LL;
    ch[1].t_us = 40 * 1000000LL;
    struct nav_hit hits[1] = {{.item = 0, .t_us = 25 * 1000000LL}};
    struct nav_bar_marks m = {.duration_us = 60 * 1000000LL,
                              .chapters = ch,
                              .n_chapters = 2,
                              .hits = hits,
                              .n_hits = 1,
                              .hit = 0,
                              .alpha = 1};
    nav_bar_marks_draw(c, &m);
    struct osd_geom g;
    osd_geometry(1280, 720, &g);
    for (int i = 0; i < 2; i++) {
        int x = osd_bar_x_of(&g, 60000000, ch[i].t_us);
        assert_true(canvas_get(c, x, g.bar.y - 3).r > 200);
        assert_true(canvas_get(c, x + 6, g.bar.y - 3).r == 0);
    }
    int hx = osd_bar_x_of(&g, 60000000, 25000000);
    struct canvas_color h = canvas_get(c, hx, g.bar.y + g.bar.h + 1);
    assert_true(h.g > 150 && h.r < h.g);
    assert_true(canvas_get(c, hx, g.bar.y - 3).r == 0); /* a hit is no chapter tick */
    /* hidden OSD: nothing */
    canvas_clear(c, canvas_rgba(0, 0, 0, 255));
    m.alpha = 0;
    nav_bar_marks_draw(c, &m);
    assert_true(canvas_get(c, osd_bar_x_of(&g, 60000000, 10000000), g.bar.y - 3).r == 0);
    nav_bar_marks_draw(NULL, &m);
    nav_bar_marks_draw(c, NULL);
    canvas_destroy(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_list_rows_map_back),
        cmocka_unit_test(test_thumb_rect_on_canvas),
        cmocka_unit_test(test_lane_states_in_band),
        cmocka_unit_test(test_marks_on_their_columns),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
