/* Tests for render/layout: preset geometry for 1, 2, 3 and 5 lanes (board +
 * strip, grid, focus, with and without chat, landscape and portrait), which
 * lanes show and in what order, the CustomLayout reader (examples and every
 * kind of error), the service's ModelId 1 and 2 layouts and the request
 * shapes that carry a layout (MixStream.Custom, MixStream.ModelId with
 * TeacherId), "" slots in join order, binding ids to lanes, and fitting
 * into a window. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/diag.h"
#include "player/recording/manifest.h"
#include "base/sp_error.h"
#include "render/layout.h"
#include "render/osd.h"
#include "render/text.h"

/* ---- a recording made by hand ------------------------------------------------ */

#define FAKE_MAX 8

struct fake {
    struct rec_lane lanes[FAKE_MAX];
    struct rec_segment segs[FAKE_MAX];
    char owners[FAKE_MAX][64];
    struct recording rec;
};

static void fake_init(struct fake *f)
{
    memset(f, 0, sizeof(*f));
    f->rec.lanes = f->lanes;
    f->rec.board_w = 1280;
    f->rec.board_h = 960;
    f->rec.doc_name = "replay.json";
}

static void fake_add(struct fake *f, const char *uid, enum rec_lane_kind kind, int64_t start)
{
    size_t i = f->rec.n_lanes++;
    assert_true(i < FAKE_MAX);
    struct rec_segment *s = &f->segs[i];
    s->play_us = start * 1000;
    s->duration_us = 10000000;
    s->width = 640;
    s->height = 360;
    s->lane = i;
    const char *own = uid;
    if (!strncmp(uid, "tic_substream_", 14))
        own = uid + 14;
    snprintf(f->owners[i], sizeof(f->owners[i]), "%s", own);
    struct rec_lane *ln = &f->lanes[i];
    ln->user_id = uid;
    ln->kind = kind;
    ln->video_type = (int)kind;
    ln->owner = f->owners[i];
    ln->name = uid;
    ln->segments = s;
    ln->n_segments = 1;
}

/* 1: teacher; 2: + student; 3: + teacher's screen; 5: + two students. The
 * teacher is not listed first: the earliest camera is the teacher. */
static void fake_class(struct fake *f, int n)
{
    fake_init(f);
    if (n >= 2)
        fake_add(f, "student_02", REC_LANE_CAMERA, 8000);
    fake_add(f, "teacher_01", REC_LANE_CAMERA, 0);
    if (n >= 3)
        fake_add(f, "tic_substream_teacher_01", REC_LANE_SCREEN, 1000);
    if (n >= 5) {
        fake_add(f, "student_03", REC_LANE_CAMERA, 9000);
        fake_add(f, "student_04", REC_LANE_CAMERA, 500);
    }
}

/* ---- invariants every layout keeps ------------------------------------------ */

static bool overlap(struct layout_rect a, struct layout_rect b)
{
    return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

static void check_sane(const struct layout *l, bool no_overlap)
{
    assert_true(l->n <= LAYOUT_MAX_REGIONS);
    for (size_t i = 0; i < l->n; i++) {
        struct layout_rect r = l->regions[i].r;
        assert_true(r.w >= 1 && r.h >= 1);
        assert_true(r.x >= l->view.x && r.y >= l->view.y);
        assert_true(r.x + r.w <= l->view.x + l->view.w);
        assert_true(r.y + r.h <= l->view.y + l->view.h);
        for (size_t j = 0; no_overlap && j < i; j++)
            assert_false(overlap(r, l->regions[j].r));
    }
}

static ptrdiff_t find_src(const struct layout *l, enum layout_src src, ptrdiff_t lane)
{
    for (size_t i = 0; i < l->n; i++)
        if (l->regions[i].src == src && (src != LAYOUT_SRC_LANE || l->regions[i].lane == lane))
            return (ptrdiff_t)i;
    return -1;
}

static size_t count_src(const struct layout *l, enum layout_src src)
{
    size_t n = 0;
    for (size_t i = 0; i < l->n; i++)
        n += l->regions[i].src == src;
    return n;
}

static long area(struct layout_rect r)
{
    return (long)r.w * r.h;
}

/* Every lane of the fake class shows exactly once, and the region ids
 * bind back to the same lanes (presets are consistent with custom ids). */
static void check_lanes_once(const struct layout *l, const struct fake *f)
{
    for (size_t k = 0; k < f->rec.n_lanes; k++) {
        size_t seen = 0;
        for (size_t i = 0; i < l->n; i++)
            seen += l->regions[i].src == LAYOUT_SRC_LANE && l->regions[i].lane == (ptrdiff_t)k;
        assert_int_equal(seen, 1);
    }
    struct layout copy = *l;
    layout_bind(&copy, &f->rec, NULL);
    for (size_t i = 0; i < l->n; i++) {
        assert_int_equal(copy.regions[i].src, l->regions[i].src);
        assert_int_equal(copy.regions[i].lane, l->regions[i].lane);
    }
}

/* ---- presets ------------------------------------------------------------------- */

static const int lane_counts[] = {1, 2, 3, 5};

static void test_board_preset(void **state)
{
    (void)state;
    for (size_t c = 0; c < 4; c++) {
        struct fake f;
        fake_class(&f, lane_counts[c]);
        struct layout l;
        assert_int_equal(layout_preset(LAYOUT_PRESET_BOARD, &f.rec, true, 1280, 720, false, &l), 0);
        assert_string_equal(l.name, "board");
        check_sane(&l, true);
        check_lanes_once(&l, &f);
        assert_int_equal(l.n, f.rec.n_lanes + 1);
        ptrdiff_t b = find_src(&l, LAYOUT_SRC_BOARD, -1);
        assert_true(b >= 0);
        struct layout_rect br = l.regions[b].r;
        /* The board is the large one, shaped about like the board (4:3), at
         * the left; every tile is in the strip to its right, all the same
         * size, 16:9, stacked top down. */
        assert_true(fabs((double)br.w / br.h - 4.0 / 3.0) < 0.1);
        assert_true(br.h >= 720 - 2 * 10);
        struct layout_rect first = {0, 0, 0, 0};
        for (size_t i = 0; i < l.n; i++) {
            if ((ptrdiff_t)i == b)
                continue;
            struct layout_rect r = l.regions[i].r;
            assert_true(area(r) < area(br));
            assert_true(r.x >= br.x + br.w);
            assert_true(fabs((double)r.w / r.h - 16.0 / 9.0) < 0.05);
            if (!first.w)
                first = r;
            assert_int_equal(r.w, first.w);
            assert_int_equal(r.h, first.h);
            assert_true(r.y >= first.y);
        }
        /* The teacher (earliest camera) heads the strip. */
        ptrdiff_t t = find_src(&l, LAYOUT_SRC_LANE, lane_counts[c] >= 2 ? 1 : 0);
        assert_true(t >= 0);
        assert_int_equal(l.regions[t].r.y, first.y);
    }
}

static void test_board_preset_order(void **state)
{
    (void)state;
    struct fake f;
    fake_class(&f, 5);
    struct layout l;
    assert_int_equal(layout_preset(LAYOUT_PRESET_BOARD, &f.rec, true, 1280, 720, false, &l), 0);
    /* Cameras by start (teacher 0, student_04 500, student_02 8000,
     * student_03 9000), then the screen share. Lanes: 0 student_02,
     * 1 teacher_01, 2 screen, 3 student_03, 4 student_04. */
    const ptrdiff_t want[] = {1, 4, 0, 3, 2};
    size_t k = 0;
    for (size_t i = 0; i < l.n; i++)
        if (l.regions[i].src == LAYOUT_SRC_LANE)
            assert_int_equal(l.regions[i].lane, want[k++]);
    assert_int_equal(k, 5);
    assert_string_equal(l.regions[find_src(&l, LAYOUT_SRC_LANE, 2)].id, "tic_substream_teacher_01");
}

static void test_grid_preset(void **state)
{
    (void)state;
    for (size_t c = 0; c < 4; c++) {
        struct fake f;
        fake_class(&f, lane_counts[c]);
        struct layout l;
        assert_int_equal(layout_preset(LAYOUT_PRESET_GRID, &f.rec, true, 1280, 720, false, &l), 0);
        check_sane(&l, true);
        check_lanes_once(&l, &f);
        assert_int_equal(l.n, f.rec.n_lanes + 1);
        /* Board first; every cell the same 16:9 size; cells large enough
         * that the grid uses the canvas well (over a third of it). */
        assert_int_equal(l.regions[0].src, LAYOUT_SRC_BOARD);
        long total = 0;
        for (size_t i = 0; i < l.n; i++) {
            assert_int_equal(l.regions[i].r.w, l.regions[0].r.w);
            assert_int_equal(l.regions[i].r.h, l.regions[0].r.h);
            total += area(l.regions[i].r);
        }
        assert_true(total > 1280L * 720 / 3);
        /* The block is centred: equal margins left and right (within 1). */
        int minx = 1 << 30, maxx = 0;
        for (size_t i = 0; i < l.n; i++) {
            struct layout_rect r = l.regions[i].r;
            minx = r.x < minx ? r.x : minx;
            maxx = r.x + r.w > maxx ? r.x + r.w : maxx;
        }
        assert_true(abs(minx - (1280 - maxx)) <= 1);
    }
    /* 2 items: side by side; 3: two rows (2 + 1); 6: 3 x 2. */
    struct fake f;
    struct layout l;
    fake_class(&f, 1);
    assert_int_equal(layout_preset(LAYOUT_PRESET_GRID, &f.rec, true, 1280, 720, false, &l), 0);
    assert_int_equal(l.regions[0].r.y, l.regions[1].r.y);
    fake_class(&f, 2);
    assert_int_equal(layout_preset(LAYOUT_PRESET_GRID, &f.rec, true, 1280, 720, false, &l), 0);
    assert_int_equal(l.regions[0].r.y, l.regions[1].r.y);
    assert_true(l.regions[2].r.y > l.regions[0].r.y);
    /* The lone last cell is centred under the two. */
    int mid = l.regions[2].r.x + l.regions[2].r.w / 2;
    assert_true(abs(mid - 640) <= 2);
    fake_class(&f, 5);
    assert_int_equal(layout_preset(LAYOUT_PRESET_GRID, &f.rec, true, 1280, 720, false, &l), 0);
    assert_int_equal(l.regions[0].r.y, l.regions[2].r.y);
    assert_true(l.regions[3].r.y > l.regions[0].r.y);
}

static void test_focus_preset(void **state)
{
    (void)state;
    for (size_t c = 0; c < 4; c++) {
        struct fake f;
        fake_class(&f, lane_counts[c]);
        struct layout l;
        assert_int_equal(layout_preset(LAYOUT_PRESET_FOCUS, &f.rec, true, 1280, 720, false, &l), 0);
        assert_string_equal(l.name, "focus");
        check_sane(&l, true);
        check_lanes_once(&l, &f);
        ptrdiff_t teacher = lane_counts[c] >= 2 ? 1 : 0;
        ptrdiff_t t = find_src(&l, LAYOUT_SRC_LANE, teacher);
        assert_int_equal(t, 0); /* the main region comes first */
        assert_string_equal(l.regions[t].id, "teacher_01");
        for (size_t i = 1; i < l.n; i++)
            assert_true(area(l.regions[i].r) < area(l.regions[0].r));
        /* The board heads the strip. */
        assert_int_equal(l.regions[1].src, LAYOUT_SRC_BOARD);
        assert_true(l.regions[1].r.x >= l.regions[0].r.x + l.regions[0].r.w);
    }
    /* No camera: the board takes the main place. */
    struct fake f;
    fake_init(&f);
    fake_add(&f, "tic_substream_x", REC_LANE_SCREEN, 0);
    struct layout l;
    assert_int_equal(layout_preset(LAYOUT_PRESET_FOCUS, &f.rec, true, 1280, 720, false, &l), 0);
    assert_int_equal(l.regions[0].src, LAYOUT_SRC_LANE); /* the first lane shown */
    assert_int_equal(l.regions[0].lane, 0);
}

static void test_chat_column(void **state)
{
    (void)state;
    for (int p = 0; p < LAYOUT_PRESET_COUNT; p++) {
        for (size_t c = 0; c < 4; c++) {
            struct fake f;
            fake_class(&f, lane_counts[c]);
            struct layout l;
            assert_int_equal(layout_preset(p, &f.rec, true, 1280, 720, true, &l), 0);
            check_sane(&l, true);
            check_lanes_once(&l, &f);
            assert_int_equal(count_src(&l, LAYOUT_SRC_CHAT), 1);
            struct layout_rect cr = l.regions[find_src(&l, LAYOUT_SRC_CHAT, -1)].r;
            /* A full-height column at the right edge, about a quarter wide;
             * everything else to its left. */
            assert_true(cr.h >= 700);
            assert_true(1280 - (cr.x + cr.w) <= 10);
            assert_true(cr.w >= 250 && cr.w <= 330);
            for (size_t i = 0; i < l.n; i++)
                if (l.regions[i].src != LAYOUT_SRC_CHAT)
                    assert_true(l.regions[i].r.x + l.regions[i].r.w <= cr.x);
        }
    }
}

static void test_portrait_strip(void **state)
{
    (void)state;
    struct fake f;
    fake_class(&f, 3);
    struct layout l;
    assert_int_equal(layout_preset(LAYOUT_PRESET_BOARD, &f.rec, true, 720, 1280, false, &l), 0);
    check_sane(&l, true);
    ptrdiff_t b = find_src(&l, LAYOUT_SRC_BOARD, -1);
    struct layout_rect br = l.regions[b].r;
    for (size_t i = 0; i < l.n; i++)
        if ((ptrdiff_t)i != b)
            assert_true(l.regions[i].r.y >= br.y + br.h);
}

static void assert_rect(struct layout_rect r, int x, int y, int w, int h);

/* Portrait with the chat: the chat is a band across the bottom (full
 * width, about 30% of the height), the board at the top with its own
 * shape over the full width, the strip's tiles between the two; in every
 * preset nothing reaches into the band. */
static void test_portrait_chat(void **state)
{
    (void)state;
    struct fake f;
    fake_class(&f, 3);
    struct layout l;
    assert_int_equal(layout_preset(LAYOUT_PRESET_BOARD, &f.rec, true, 720, 1280, true, &l), 0);
    check_sane(&l, true);
    check_lanes_once(&l, &f);
    struct layout_rect cr = l.regions[find_src(&l, LAYOUT_SRC_CHAT, -1)].r;
    assert_rect(cr, 8, 888, 704, 384); /* gap 8 = 720 / 90; 384 = 30% of 1280 */
    struct layout_rect br = l.regions[find_src(&l, LAYOUT_SRC_BOARD, -1)].r;
    assert_rect(br, 8, 8, 704, 528); /* the full width, 4:3 as the board is */
    for (size_t i = 0; i < l.n; i++) {
        if (l.regions[i].src != LAYOUT_SRC_LANE)
            continue;
        struct layout_rect r = l.regions[i].r;
        assert_true(r.y >= br.y + br.h); /* under the board */
        assert_true(r.y + r.h <= cr.y);  /* above the chat */
        assert_true(r.w >= 240);         /* tiles as wide as a third of the canvas */
    }
    for (int p = 0; p < LAYOUT_PRESET_COUNT; p++) {
        for (size_t c = 0; c < 4; c++) {
            fake_class(&f, lane_counts[c]);
            assert_int_equal(layout_preset(p, &f.rec, true, 720, 1280, true, &l), 0);
            check_sane(&l, true);
            check_lanes_once(&l, &f);
            cr = l.regions[find_src(&l, LAYOUT_SRC_CHAT, -1)].r;
            assert_true(cr.w >= 700 && cr.y + cr.h >= 1270);
            for (size_t i = 0; i < l.n; i++)
                if (l.regions[i].src != LAYOUT_SRC_CHAT)
                    assert_true(l.regions[i].r.y + l.regions[i].r.h <= cr.y);
        }
    }
}

static void test_preset_edges(void **state)
{
    (void)state;
    struct fake f;
    struct layout l;
    /* No lanes, no board: the board region alone (an empty board). */
    fake_init(&f);
    assert_int_equal(layout_preset(LAYOUT_PRESET_BOARD, &f.rec, false, 640, 360, false, &l), 0);
    assert_int_equal(l.n, 1);
    assert_int_equal(l.regions[0].src, LAYOUT_SRC_BOARD);
    assert_int_equal(layout_preset(LAYOUT_PRESET_BOARD, NULL, false, 640, 360, true, &l), 0);
    check_sane(&l, true);
    /* Lanes but no board data: the board preset is a grid of the lanes. */
    fake_class(&f, 2);
    assert_int_equal(layout_preset(LAYOUT_PRESET_BOARD, &f.rec, false, 640, 360, false, &l), 0);
    assert_int_equal(count_src(&l, LAYOUT_SRC_BOARD), 0);
    assert_int_equal(l.n, 2);
    /* A whiteboard video lane is the board's picture, not a tile; audio of
     * a user with a camera is no tile; audio alone is. */
    fake_add(&f, "", REC_LANE_WHITEBOARD, 0);
    fake_add(&f, "teacher_01", REC_LANE_AUDIO, 0);
    fake_add(&f, "listener", REC_LANE_AUDIO, 0);
    assert_int_equal(layout_preset(LAYOUT_PRESET_BOARD, &f.rec, false, 1280, 720, false, &l), 0);
    check_sane(&l, true);
    ptrdiff_t b = find_src(&l, LAYOUT_SRC_BOARD, -1);
    assert_true(b >= 0);
    assert_int_equal(l.regions[b].lane, 2);
    assert_int_equal(find_src(&l, LAYOUT_SRC_LANE, 3), -1);
    assert_true(find_src(&l, LAYOUT_SRC_LANE, 4) >= 0);
    /* Tiny and huge canvases stay inside; bad sizes are refused. */
    int sizes[][2] = {{1, 1}, {3, 2}, {40, 30}, {16384, 16384}, {16384, 1}};
    for (size_t i = 0; i < 5; i++)
        for (int p = 0; p < LAYOUT_PRESET_COUNT; p++)
            for (int chat = 0; chat < 2; chat++) {
                fake_class(&f, 5);
                assert_int_equal(layout_preset(p, &f.rec, true, sizes[i][0], sizes[i][1], chat, &l),
                                 0);
                check_sane(&l, true);
            }
    assert_int_equal(layout_preset(LAYOUT_PRESET_BOARD, &f.rec, true, 0, 10, false, &l), SP_EINVAL);
    assert_int_equal(layout_preset(LAYOUT_PRESET_BOARD, &f.rec, true, 16385, 10, false, &l),
                     SP_EINVAL);
    assert_int_equal(layout_preset(LAYOUT_PRESET_COUNT, &f.rec, true, 10, 10, false, &l),
                     SP_EINVAL);
    assert_int_equal(layout_preset_from_name("grid"), LAYOUT_PRESET_GRID);
    assert_int_equal(layout_preset_from_name("focus"), LAYOUT_PRESET_FOCUS);
    assert_int_equal(layout_preset_from_name("board"), LAYOUT_PRESET_BOARD);
    assert_int_equal(layout_preset_from_name("nope"), -1);
    assert_null(layout_preset_name(LAYOUT_PRESET_COUNT));
}

/* Small windows keep text readable (docs/layouts.md, "Small windows"): no
 * tile under the smallest size, the tiles that do not fit become one "+N"
 * tile, and the OSD's text stays at or above the floor. */
static void check_small(const struct layout *l, size_t want_items)
{
    check_sane(l, true);
    size_t lanes = 0, more_tiles = 0;
    int more = 0;
    for (size_t i = 0; i < l->n; i++) {
        const struct layout_region *r = &l->regions[i];
        if (r->more > 0) {
            more_tiles++;
            more += r->more;
            assert_int_equal(r->src, LAYOUT_SRC_VACANT);
        }
        if (r->src == LAYOUT_SRC_LANE || r->more > 0) {
            assert_true(r->r.w >= LAYOUT_TILE_MIN_W);
            assert_true(r->r.h >= LAYOUT_TILE_MIN_H);
        }
        lanes += r->src == LAYOUT_SRC_LANE;
    }
    assert_true(more_tiles <= 1);
    assert_int_equal(lanes + (size_t)more, want_items);
}

static void test_small_window(void **state)
{
    (void)state;
    struct fake f;
    struct layout l;
    fake_class(&f, 5);
    /* 480x270 with the chat: a strip of 96x54 tiles (3 lanes and "+2") */
    assert_int_equal(layout_preset(LAYOUT_PRESET_BOARD, &f.rec, true, 480, 270, true, &l), 0);
    check_small(&l, 5);
    ptrdiff_t more = -1;
    for (size_t i = 0; i < l.n; i++)
        if (l.regions[i].more > 0)
            more = (ptrdiff_t)i;
    assert_true(more >= 0);
    assert_int_equal(l.regions[more].more, 2);
    assert_int_equal(count_src(&l, LAYOUT_SRC_LANE), 3);
    assert_int_equal(count_src(&l, LAYOUT_SRC_CHAT), 1);
    assert_int_equal(count_src(&l, LAYOUT_SRC_BOARD), 1);
    /* the order is kept: the teacher (lane 1) and the first students stay */
    assert_true(find_src(&l, LAYOUT_SRC_LANE, 1) >= 0);
    /* every preset, with and without the chat, at the small sizes */
    int sizes[][2] = {{480, 270}, {640, 360}, {320, 240}, {270, 480}};
    for (size_t s = 0; s < 4; s++)
        for (int p = 0; p < LAYOUT_PRESET_COUNT; p++)
            for (int chat = 0; chat < 2; chat++) {
                assert_int_equal(layout_preset(p, &f.rec, true, sizes[s][0], sizes[s][1], chat, &l),
                                 0);
                /* the board always shows; every lane is a tile or counted in "+N" */
                assert_int_equal(count_src(&l, LAYOUT_SRC_BOARD), 1);
                check_small(&l, 5);
            }
    /* a canvas that holds every tile drops none */
    assert_int_equal(layout_preset(LAYOUT_PRESET_BOARD, &f.rec, true, 1280, 720, true, &l), 0);
    check_small(&l, 5);
    check_lanes_once(&l, &f);
    /* the OSD's text: the floor at 270 rows (16 px at 720 would give 6) */
    struct osd_geom g;
    osd_geometry(480, 270, &g);
    assert_true(g.text_px >= TEXT_READABLE_PX);
    osd_geometry(1280, 720, &g);
    assert_true(g.text_px == 16);
}

/* The window's canvas: its drawable size within bounds. */
static void test_canvas_for_window(void **state)
{
    (void)state;
    int w, h;
    layout_canvas_for_window(720, 1280, &w, &h);
    assert_true(w == 720 && h == 1280);
    layout_canvas_for_window(1280, 720, &w, &h);
    assert_true(w == 1280 && h == 720);
    layout_canvas_for_window(100, 80, &w, &h); /* too small: the minimum, scaled down */
    assert_true(w == 320 && h == 240);
    layout_canvas_for_window(200, 500, &w, &h); /* portrait: 240 wide at least */
    assert_true(w == 240 && h == 500);
    layout_canvas_for_window(7680, 4320, &w, &h); /* too large: 4K, the aspect kept */
    assert_true(w == 3840 && h == 2160);
    layout_canvas_for_window(2000, 5000, &w, &h);
    assert_true(w == 1536 && h == 3840);
    layout_canvas_for_window(0, -3, &w, &h);
    assert_true(w == 320 && h == 240);
}

/* A class that starts fullscreen with no size asked for: the screen's
 * shape, the default canvas's long side. */
static void test_canvas_for_screen(void **state)
{
    (void)state;
    int w, h;
    layout_canvas_for_screen(1280, 720, 1080, 1920, &w, &h); /* a portrait kiosk */
    assert_true(w == 720 && h == 1280);
    layout_canvas_for_screen(1280, 720, 1920, 1080, &w, &h); /* 16:9: as it was */
    assert_true(w == 1280 && h == 720);
    layout_canvas_for_screen(1280, 720, 1600, 1000, &w, &h); /* 16:10: no bars */
    assert_true(w == 1280 && h == 800);
    layout_canvas_for_screen(1280, 720, 3840, 2160, &w, &h); /* a 4K screen: scaled, not 4K */
    assert_true(w == 1280 && h == 720);
    layout_canvas_for_screen(1280, 720, 1280, 1024, &w, &h);
    assert_true(w == 1280 && h == 1024);
    layout_canvas_for_screen(1280, 720, 600, 20000, &w, &h); /* a sliver: the minimum width */
    assert_true(w == 240 && h == 1280);
    layout_canvas_for_screen(1280, 720, 0, 1080, &w, &h); /* unknown: kept */
    assert_true(w == 1280 && h == 720);
}

/* ---- custom layouts ----------------------------------------------------------- */

static const char example[] =
    "{\"Canvas\":{\"LayoutParams\":{\"Width\":1280,\"Height\":720},"
    "\"BackgroundColor\":\"#102030\"},"
    "\"Comment\":\"unknown fields are ignored\","
    "\"InputStreamList\":["
    "{\"LayoutParams\":{\"X\":0,\"Y\":0,\"Width\":960,\"Height\":720,\"ZOrder\":1},"
    "\"InputStreamId\":\"tic_record_user\",\"BackgroundColor\":\"#FFFFFF\"},"
    "{\"LayoutParams\":{\"X\":960,\"Y\":0,\"Width\":320,\"Height\":180,\"ZOrder\":2},"
    "\"InputStreamId\":\"teacher_01\",\"FillMode\":1},"
    "{\"LayoutParams\":{\"X\":960,\"Y\":180,\"Width\":320,\"Height\":180,\"ZOrder\":2},"
    "\"InputStreamId\":\"tic_substream_teacher_01\",\"Extra\":[1,2]},"
    "{\"LayoutParams\":{\"X\":960,\"Y\":360,\"Width\":320,\"Height\":360,\"ZOrder\":0},"
    "\"InputStreamId\":\"tic_im_chat\"},"
    "{\"LayoutParams\":{\"X\":800,\"Y\":560,\"Width\":150,\"Height\":150,\"ZOrder\":5},"
    "\"InputStreamId\":\"\",\"BackgroundColor\":\"#FF000080\"},"
    "{\"LayoutParams\":{\"X\":10,\"Y\":10,\"Width\":100,\"Height\":100,\"ZOrder\":3},"
    "\"InputStreamId\":\"ghost_user\"}"
    "]}";

static void test_custom_example(void **state)
{
    (void)state;
    struct fake f;
    fake_class(&f, 3);
    struct diag_list d;
    diag_init(&d);
    struct layout l;
    assert_int_equal(layout_parse_custom(example, strlen(example), "my.json", &d, &l), 0);
    assert_int_equal(d.errors + d.warnings, 0);
    assert_string_equal(l.name, "my.json");
    assert_int_equal(l.w, 1280);
    assert_int_equal(l.h, 720);
    assert_int_equal(l.bg, 0x102030FFu);
    assert_int_equal(l.n, 6);
    check_sane(&l, false);
    /* Drawing order is ascending ZOrder, file order within. */
    const char *ids[] = {"tic_im_chat", "tic_record_user",
                         "teacher_01",  "tic_substream_teacher_01",
                         "ghost_user",  ""};
    for (size_t i = 0; i < 6; i++)
        assert_string_equal(l.regions[i].id, ids[i]);
    for (size_t i = 1; i < 6; i++)
        assert_true(l.regions[i].z >= l.regions[i - 1].z);
    assert_int_equal(l.regions[1].bg, 0xFFFFFFFFu);
    assert_int_equal(l.regions[0].bg, 0x102030FFu); /* default: the canvas color */
    assert_int_equal(l.regions[5].bg, 0xFF000080u);
    assert_int_equal(l.regions[2].fill, LAYOUT_FILL_COVER);
    assert_int_equal(l.regions[3].fill, LAYOUT_FILL_CONTAIN);
    assert_int_equal(l.regions[2].r.x, 960);
    assert_int_equal(l.regions[2].r.w, 320);

    layout_bind(&l, &f.rec, &d);
    assert_int_equal(l.regions[0].src, LAYOUT_SRC_CHAT);
    assert_int_equal(l.regions[1].src, LAYOUT_SRC_BOARD);
    assert_int_equal(l.regions[1].lane, -1);
    assert_int_equal(l.regions[2].src, LAYOUT_SRC_LANE);
    assert_int_equal(l.regions[2].lane, 1); /* teacher_01 */
    assert_int_equal(l.regions[3].lane, 2); /* the screen share */
    assert_int_equal(l.regions[4].src, LAYOUT_SRC_LANE);
    assert_int_equal(l.regions[4].lane, -1);
    /* The "" slot takes the one camera no other region shows. */
    assert_int_equal(l.regions[5].src, LAYOUT_SRC_LANE);
    assert_int_equal(l.regions[5].lane, 0); /* student_02 */
    /* Each region remembers its InputStreamList index; diagnostics name
     * the entry by it, not by its place in the drawing order. */
    const int entries[] = {3, 0, 1, 2, 5, 4};
    for (size_t i = 0; i < 6; i++)
        assert_int_equal(l.regions[i].entry, entries[i]);
    assert_true(diag_contains(&d, "my.json: InputStreamList[5] (InputStreamId 'ghost_user'): no "
                                  "such stream in this recording"));
    assert_int_equal(d.errors + d.warnings, 0);
    diag_clear(&d);
}

static void test_custom_ids(void **state)
{
    (void)state;
    struct fake f;
    fake_init(&f);
    fake_add(&f, "a", REC_LANE_CAMERA, 0);
    fake_add(&f, "tic_substream_b", REC_LANE_SCREEN, 5000);
    fake_add(&f, "tic_substream_a", REC_LANE_SCREEN, 1000);
    fake_add(&f, "c", REC_LANE_AUDIO, 0);
    fake_add(&f, "", REC_LANE_WHITEBOARD, 0);
    const char *doc =
        "{\"CustomLayout\":{\"Canvas\":{\"LayoutParams\":{\"Width\":100,\"Height\":100}},"
        "\"InputStreamList\":["
        "{\"LayoutParams\":{\"Width\":10,\"Height\":10},\"InputStreamId\":\"tic_substream\"},"
        "{\"LayoutParams\":{\"Width\":10,\"Height\":10},\"InputStreamId\":\"tic_substream_a\"},"
        "{\"LayoutParams\":{\"Width\":10,\"Height\":10},\"InputStreamId\":\"tic_substream\"},"
        "{\"LayoutParams\":{\"Width\":10,\"Height\":10},\"InputStreamId\":\"c\"},"
        "{\"LayoutParams\":{\"Width\":10,\"Height\":10},"
        "\"InputStreamId\":\"tic_record_user_1234_7\"},"
        "{\"LayoutParams\":{\"Width\":10,\"Height\":10},\"InputStreamId\":\"tic_substream\"}"
        "]}}";
    struct diag_list d;
    diag_init(&d);
    struct layout l;
    assert_int_equal(layout_parse_custom(doc, strlen(doc), "w.json", &d, &l), 0);
    assert_int_equal(d.errors + d.warnings, 0);
    layout_bind(&l, &f.rec, &d);
    /* The explicit tic_substream_a takes lane 2; the generic ones take
     * the remaining screen shares by start: lane 1 (b), then none. */
    assert_int_equal(l.regions[1].lane, 2);
    assert_int_equal(l.regions[0].lane, 1);
    assert_int_equal(l.regions[2].lane, -1);
    assert_int_equal(l.regions[3].lane, 3); /* audio-only user */
    assert_int_equal(l.regions[4].src, LAYOUT_SRC_BOARD);
    assert_int_equal(l.regions[4].lane, 4); /* the whiteboard video */
    assert_int_equal(l.regions[5].lane, -1);
    diag_clear(&d);

    /* The same layout as a JSON string inside "CustomLayout". */
    const char *str_doc =
        "{\"TaskId\":\"x\",\"CustomLayout\":\"{\\\"Canvas\\\":{\\\"LayoutParams\\\":"
        "{\\\"Width\\\":64,\\\"Height\\\":48}},\\\"InputStreamList\\\":[{\\\"LayoutParams\\\":"
        "{\\\"X\\\":1,\\\"Y\\\":2,\\\"Width\\\":3,\\\"Height\\\":4},\\\"InputStreamId\\\":"
        "\\\"a\\\"}]}\"}";
    assert_int_equal(layout_parse_custom(str_doc, strlen(str_doc), "s.json", &d, &l), 0);
    assert_int_equal(l.w, 64);
    assert_int_equal(l.n, 1);
    assert_int_equal(l.regions[0].r.x, 1);
    assert_int_equal(l.regions[0].r.h, 4);
    assert_int_equal(d.errors + d.warnings, 0);
    diag_clear(&d);
}

struct bad_case {
    const char *json;
    int rc;
    const char *diag; /* a line that must be there */
    size_t regions;   /* kept on rc 0 */
};

#define CANVAS "\"Canvas\":{\"LayoutParams\":{\"Width\":200,\"Height\":100}}"
#define ENTRY(lp) "{\"LayoutParams\":{" lp "},\"InputStreamId\":\"a\"}"
#define OK_ENTRY ENTRY("\"X\":0,\"Y\":0,\"Width\":10,\"Height\":10")

/* Parses case i as "bad.json" into *d (diag_init()ed here: the caller
 * clears it) and *l; asserts the code and the line the case names, printing
 * what came instead first. Returns the code. */
static int parse_bad_case(const struct bad_case *bc, size_t i, struct diag_list *d,
                          struct layout *l)
{
    diag_init(d);
    int rc = layout_parse_custom(bc->json, strlen(bc->json), "bad.json", d, l);
    if (rc != bc->rc || !diag_contains(d, bc->diag)) {
        fprintf(stderr, "case %zu: rc %d\n", i, rc);
        diag_print(d, stderr);
    }
    assert_int_equal(rc, bc->rc);
    assert_true(diag_contains(d, bc->diag));
    return rc;
}

static const struct bad_case bad_cases[] = {
    {"", SP_EPARSE, "bad.json: not valid JSON", 0},
    {"{\"Canvas\":", SP_EPARSE, "bad.json: not valid JSON", 0},
    {"[1,2]", SP_EPARSE, "bad.json: expected a JSON object, got array", 0},
    {"{}", SP_EPARSE, "bad.json: Canvas: missing", 0},
    {"{\"Canvas\":[]}", SP_EPARSE, "bad.json: Canvas: expected object, got array", 0},
    {"{\"Canvas\":{}}", SP_EPARSE, "bad.json: Canvas.LayoutParams: missing", 0},
    {"{\"Canvas\":{\"LayoutParams\":{\"Width\":\"1280\",\"Height\":720}},\"InputStreamList\":[]}",
     SP_EPARSE, "bad.json: Canvas.LayoutParams.Width: expected integer, got string", 0},
    {"{\"Canvas\":{\"LayoutParams\":{\"Width\":1280}},\"InputStreamList\":[]}", SP_EPARSE,
     "bad.json: Canvas.LayoutParams.Height: missing", 0},
    {"{\"Canvas\":{\"LayoutParams\":{\"Width\":0,\"Height\":720}},\"InputStreamList\":[]}",
     SP_EPARSE, "bad.json: Canvas.LayoutParams.Width: 0 out of range 1..16384", 0},
    {"{\"Canvas\":{\"LayoutParams\":{\"Width\":99999,\"Height\":720}},\"InputStreamList\":[]}",
     SP_EPARSE, "bad.json: Canvas.LayoutParams.Width: 99999 out of range 1..16384", 0},
    {"{\"Canvas\":{\"LayoutParams\":{\"Width\":12.5,\"Height\":720}},\"InputStreamList\":[]}",
     SP_EPARSE, "bad.json: Canvas.LayoutParams.Width: expected integer, got 12.5", 0},
    {"{" CANVAS "}", SP_EPARSE, "bad.json: InputStreamList: missing", 0},
    {"{" CANVAS ",\"InputStreamList\":{}}", SP_EPARSE,
     "bad.json: InputStreamList: expected array, got object", 0},
    {"{\"CustomLayout\":5}", SP_EPARSE, "bad.json: CustomLayout: expected object or string", 0},
    {"{\"CustomLayout\":\"[\"}", SP_EPARSE, "bad.json: CustomLayout: not valid JSON", 0},
    {"{\"CustomLayout\":{}}", SP_EPARSE, "bad.json: CustomLayout.Canvas: missing", 0},
    /* a NUL in a string, in the layout or in one nested as a string */
    {"{" CANVAS ",\"InputStreamList\":[{\"LayoutParams\":{\"Width\":10,\"Height\":10},"
     "\"InputStreamId\":\"a\\u0000b\"}]}",
     SP_EPARSE,
     "bad.json: InputStreamList[0].InputStreamId: a string holds a NUL character (\\u0000); "
     "the layout is refused",
     0},
    {"{\"CustomLayout\":\"{\\\"Canvas\\\":\\\"\\\\u0000\\\"}\"}", SP_EPARSE,
     "bad.json: CustomLayout.Canvas: a string holds a NUL character (\\u0000); the layout is "
     "refused",
     0},
    {"{" CANVAS ",\"InputStreamList\":[]}", 0, "bad.json: InputStreamList: empty", 0},
    {"{" CANVAS ",\"InputStreamList\":[7," OK_ENTRY "]}", 0,
     "bad.json: InputStreamList[0]: expected object, got number", 1},
    {"{" CANVAS ",\"InputStreamList\":[{\"InputStreamId\":\"a\"}," OK_ENTRY "]}", 0,
     "bad.json: InputStreamList[0].LayoutParams: missing", 1},
    {"{" CANVAS ",\"InputStreamList\":[" ENTRY(
         "\"X\":0,\"Y\":0,\"Width\":\"10\",\"Height\":10") "," OK_ENTRY "]}",
     0, "bad.json: InputStreamList[0].LayoutParams.Width: expected integer, got string", 1},
    {"{" CANVAS ",\"InputStreamList\":[" OK_ENTRY "," ENTRY("\"X\":0,\"Y\":0,\"Width\":10") "]}", 0,
     "bad.json: InputStreamList[1].LayoutParams.Height: missing", 1},
    {"{" CANVAS ",\"InputStreamList\":[" ENTRY("\"X\":-5,\"Y\":0,\"Width\":10,\"Height\":10") "]}",
     0, "bad.json: InputStreamList[0].LayoutParams.X: -5 out of range 0..16384", 0},
    {"{" CANVAS ",\"InputStreamList\":[" ENTRY("\"Y\":0,\"Width\":10,\"Height\":10,"
                                               "\"ZOrder\":true") "]}",
     0, "bad.json: InputStreamList[0].LayoutParams.ZOrder: expected integer, got boolean", 0},
    {"{" CANVAS ",\"InputStreamList\":[{\"LayoutParams\":{\"Width\":10,\"Height\":10},"
     "\"InputStreamId\":42}]}",
     0, "bad.json: InputStreamList[0].InputStreamId: expected string, got number", 0},
    {"{" CANVAS
     ",\"InputStreamList\":[" ENTRY("\"X\":150,\"Y\":50,\"Width\":100,\"Height\":80") "]}",
     0,
     "bad.json: InputStreamList[0].LayoutParams: region 100x80 at (150, 50) extends past the "
     "200x100 canvas; clipped",
     1},
    {"{" CANVAS ",\"InputStreamList\":[" ENTRY("\"X\":200,\"Y\":0,\"Width\":10,\"Height\":10") "]}",
     0,
     "bad.json: InputStreamList[0].LayoutParams: region at (200, 0) lies outside the 200x100 "
     "canvas; dropped",
     0},
    {"{" CANVAS ",\"InputStreamList\":[{\"LayoutParams\":{\"Width\":10,\"Height\":10},"
     "\"FillMode\":2}]}",
     0, "bad.json: InputStreamList[0].FillMode: 2 out of range 0..1", 1},
    {"{" CANVAS ",\"InputStreamList\":[{\"LayoutParams\":{\"Width\":10,\"Height\":10},"
     "\"BackgroundColor\":\"red\"}]}",
     0,
     "bad.json: InputStreamList[0].BackgroundColor: expected \"#RRGGBB\" or \"#RRGGBBAA\", "
     "got string 'red'; default used",
     1},
    {"{\"Canvas\":{\"LayoutParams\":{\"Width\":200,\"Height\":100},\"BackgroundColor\":[]},"
     "\"InputStreamList\":[" OK_ENTRY "]}",
     0, "bad.json: Canvas.BackgroundColor: expected \"#RRGGBB\" or \"#RRGGBBAA\", got array", 1},
};

static void test_custom_errors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
        const struct bad_case *bc = &bad_cases[i];
        struct diag_list d;
        struct layout l;
        int rc = parse_bad_case(bc, i, &d, &l);
        if (rc == 0) {
            assert_int_equal(l.n, bc->regions);
            check_sane(&l, false);
        } else {
            assert_int_equal(l.n, 0);
        }
        diag_clear(&d);
    }
}

/* ---- the service's layouts (REPLAY-FORMAT.md section 7) ------------------------- */

static void assert_rect(struct layout_rect r, int x, int y, int w, int h)
{
    if (r.x != x || r.y != y || r.w != w || r.h != h)
        fprintf(stderr, "rect %d,%d %dx%d, want %d,%d %dx%d\n", r.x, r.y, r.w, r.h, x, y, w, h);
    assert_true(r.x == x && r.y == y && r.w == w && r.h == h);
}

/* The table of section 7, with the tiles' lanes: a class whose cameras
 * join teacher_01 (0 ms), student_04 (500), student_02 (8000), student_03
 * (9000), listed in another order, and a screen share no model shows. */
static void check_model(int model, const char *teacher, const ptrdiff_t want[4])
{
    struct fake f;
    fake_class(&f, 5);
    struct layout l;
    struct diag_list d;
    diag_init(&d);
    assert_int_equal(layout_model(model, teacher, NULL, &l), 0);
    layout_bind(&l, &f.rec, &d);
    assert_int_equal(d.count, 0);
    check_sane(&l, true);
    assert_int_equal(l.model_id, model);
    assert_int_equal(l.w, model == 1 ? 1320 : 1624);
    assert_int_equal(l.h, model == 1 ? 1224 : 1000);
    assert_int_equal(l.n, 5);
    assert_int_equal(l.regions[0].src, LAYOUT_SRC_BOARD);
    assert_rect(l.regions[0].r, 8, 8, 1280, 960);
    for (int i = 0; i < 4; i++) {
        const struct layout_region *g = &l.regions[1 + i];
        if (model == 1)
            assert_rect(g->r, 8 + 328 * i, 976, 320, 240);
        else
            assert_rect(g->r, 1296, 8 + 248 * i, 320, 240);
        assert_int_equal(g->entry, i);
        assert_int_equal(g->src, LAYOUT_SRC_LANE);
        assert_int_equal(g->lane, want[i]);
    }
    diag_clear(&d);
}

static void test_model_layouts(void **state)
{
    (void)state;
    /* lanes: 0 student_02, 1 teacher_01, 2 the share, 3 student_03,
     * 4 student_04 */
    const ptrdiff_t teacher_first[4] = {1, 4, 0, 3};
    const ptrdiff_t student_first[4] = {3, 1, 4, 0};
    for (int m = 1; m <= 2; m++) {
        check_model(m, "teacher_01", teacher_first);
        check_model(m, NULL, teacher_first); /* join order from the first tile */
        check_model(m, "", teacher_first);
        check_model(m, "student_03", student_first);
    }
    assert_int_equal(layout_model_from_name("model1"), 1);
    assert_int_equal(layout_model_from_name("model2"), 2);
    assert_int_equal(layout_model_from_name("model3"), -1);
    assert_int_equal(layout_model_from_name(NULL), -1);
    struct layout l;
    assert_int_equal(layout_model(3, NULL, NULL, &l), SP_EINVAL);
    assert_int_equal(layout_model(0, NULL, NULL, &l), SP_EINVAL);

    /* Fewer cameras than tiles: the rest stay vacant. A teacher who is not
     * in the class: a name tile and one line naming TeacherId. */
    struct fake f;
    fake_class(&f, 2);
    struct diag_list d;
    diag_init(&d);
    assert_int_equal(layout_model(2, "nobody", "t.json", &l), 0);
    layout_bind(&l, &f.rec, &d);
    assert_int_equal(l.regions[1].src, LAYOUT_SRC_LANE);
    assert_int_equal(l.regions[1].lane, -1);
    assert_int_equal(l.regions[2].lane, 1); /* teacher_01 joined first */
    assert_int_equal(l.regions[3].lane, 0);
    assert_int_equal(l.regions[4].src, LAYOUT_SRC_VACANT);
    assert_int_equal(d.count, 1);
    assert_true(diag_contains(&d, "t.json: MixStream.TeacherId: 'nobody': no such user in this "
                                  "recording; tile 1 shows a name tile"));
    diag_clear(&d);

    /* --size scales the whole canvas: board and tiles keep their places. */
    fake_class(&f, 5);
    struct layout o;
    assert_int_equal(layout_model(2, "teacher_01", NULL, &l), 0);
    layout_bind(&l, &f.rec, NULL);
    assert_int_equal(layout_fit_to(&l, 812, 500, &o), 0);
    assert_rect(o.view, 0, 0, 812, 500);
    assert_rect(o.regions[0].r, 4, 4, 640, 480);
    assert_rect(o.regions[1].r, 648, 4, 160, 120);
    assert_rect(o.regions[4].r, 648, 376, 160, 120);
    assert_int_equal(o.regions[1].lane, 1);
}

/* The shapes a layout file may take: the request of the sample
 * (task-model2.json), MixStream.Custom as an object and as a string, and
 * Custom winning over ModelId. */
static void test_mixstream(void **state)
{
    (void)state;
    struct fake f;
    fake_class(&f, 5);
    struct diag_list d;
    diag_init(&d);
    struct layout l;
    const char *req = "{\"SdkAppId\":1400000000,\"OnlineRecordTaskId\":\"t1\","
                      "\"Whiteboard\":{\"Width\":1280,\"Height\":960},"
                      "\"MixStream\":{\"ModelId\":1,\"TeacherId\":\"student_02\"}}";
    assert_int_equal(layout_parse_custom(req, strlen(req), "task.json", &d, &l), 0);
    assert_int_equal(d.count, 0);
    assert_int_equal(l.model_id, 1);
    assert_int_equal(l.w, 1320);
    assert_int_equal(l.h, 1224);
    assert_string_equal(l.name, "task.json");
    layout_bind(&l, &f.rec, &d);
    assert_int_equal(l.regions[1].lane, 0); /* student_02 in tile 1 */
    assert_int_equal(l.regions[2].lane, 1); /* then teacher_01, first to join */

    const char *custom =
        "{\"MixStream\":{\"ModelId\":2,\"Custom\":{"
        "\"Canvas\":{\"LayoutParams\":{\"Width\":640,\"Height\":480}},\"InputStreamList\":["
        "{\"LayoutParams\":{\"X\":0,\"Y\":0,\"Width\":100,\"Height\":100,\"ZOrder\":7},"
        "\"InputStreamId\":\"\"},"
        "{\"LayoutParams\":{\"X\":100,\"Y\":0,\"Width\":100,\"Height\":100},"
        "\"InputStreamId\":\"teacher_01\"},"
        "{\"LayoutParams\":{\"X\":200,\"Y\":0,\"Width\":100,\"Height\":100},"
        "\"InputStreamId\":\"\"},"
        "{\"LayoutParams\":{\"X\":300,\"Y\":0,\"Width\":100,\"Height\":100},"
        "\"InputStreamId\":\"\"},"
        "{\"LayoutParams\":{\"X\":400,\"Y\":0,\"Width\":100,\"Height\":100},"
        "\"InputStreamId\":\"\"},"
        "{\"LayoutParams\":{\"X\":500,\"Y\":0,\"Width\":100,\"Height\":100},"
        "\"InputStreamId\":\"ghost\"}]}}}";
    assert_int_equal(layout_parse_custom(custom, strlen(custom), "c.json", &d, &l), 0);
    assert_int_equal(l.model_id, 0); /* Custom wins over ModelId */
    assert_int_equal(l.w, 640);
    assert_int_equal(l.n, 6);
    layout_bind(&l, &f.rec, &d);
    /* Slots in InputStreamList order (entry 0 is drawn last, ZOrder 7), each
     * the next camera by first appearance that no region shows. */
    const ptrdiff_t by_entry[6] = {4, 1, 0, 3, -1, -1};
    for (size_t i = 0; i < l.n; i++) {
        const struct layout_region *g = &l.regions[i];
        assert_int_equal(g->lane, by_entry[g->entry]);
        if (g->entry == 4)
            assert_int_equal(g->src, LAYOUT_SRC_VACANT); /* no camera left */
    }
    assert_int_equal(l.regions[5].entry, 0);
    assert_true(diag_contains(&d, "c.json: MixStream.Custom.InputStreamList[5] (InputStreamId "
                                  "'ghost'): no such stream in this recording"));
    diag_clear(&d);

    const char *as_string = "{\"MixStream\":{\"Custom\":\"{\\\"Canvas\\\":{\\\"LayoutParams\\\":"
                            "{\\\"Width\\\":64,\\\"Height\\\":48}},\\\"InputStreamList\\\":[]}\"}}";
    assert_int_equal(layout_parse_custom(as_string, strlen(as_string), "s.json", &d, &l), 0);
    assert_int_equal(l.w, 64);
    assert_int_equal(l.h, 48);
    diag_clear(&d);
}

static const struct bad_case mix_cases[] = {
    {"{\"MixStream\":{\"ModelId\":3}}", SP_EPARSE,
     "bad.json: MixStream.ModelId: 3 is not a layout this player knows (1 or 2, or give "
     "MixStream.Custom)",
     0},
    {"{\"MixStream\":{\"ModelId\":0,\"TeacherId\":\"a\"}}", SP_EPARSE,
     "bad.json: MixStream.ModelId: 0 is not a layout this player knows", 0},
    {"{\"MixStream\":{\"ModelId\":\"2\"}}", SP_EPARSE,
     "bad.json: MixStream.ModelId: expected integer, got string", 0},
    {"{\"MixStream\":{\"ModelId\":1.5}}", SP_EPARSE,
     "bad.json: MixStream.ModelId: expected integer, got 1.5", 0},
    {"{\"MixStream\":{}}", SP_EPARSE, "bad.json: MixStream: neither Custom nor ModelId", 0},
    {"{\"MixStream\":[]}", SP_EPARSE, "bad.json: MixStream: expected object, got array", 0},
    {"{\"MixStream\":{\"ModelId\":2,\"TeacherId\":7}}", SP_EPARSE,
     "bad.json: MixStream.TeacherId: expected string, got number", 0},
    {"{\"MixStream\":{\"Custom\":{\"InputStreamList\":[]}}}", SP_EPARSE,
     "bad.json: MixStream.Custom.Canvas: missing", 0},
    {"{\"MixStream\":{\"ModelId\":1,\"Custom\":{}}}", SP_EPARSE,
     "bad.json: MixStream.Custom.Canvas: missing", 0},
    {"{\"MixStream\":{\"Custom\":3}}", SP_EPARSE,
     "bad.json: MixStream.Custom: expected object or string, got number", 0},
    {"{\"MixStream\":{\"Custom\":\"{\"}}", SP_EPARSE, "bad.json: MixStream.Custom: not valid JSON",
     0},
    {"{\"MixStream\":{\"Custom\":{\"Canvas\":{\"LayoutParams\":{\"Width\":9,\"Height\":9}},"
     "\"InputStreamList\":[{\"LayoutParams\":{\"Width\":\"x\",\"Height\":1}}]}}}",
     0, "bad.json: MixStream.Custom.InputStreamList[0].LayoutParams.Width: expected integer", 0},
};

static void test_mixstream_errors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(mix_cases) / sizeof(mix_cases[0]); i++) {
        const struct bad_case *bc = &mix_cases[i];
        struct diag_list d;
        struct layout l;
        int rc = parse_bad_case(bc, i, &d, &l);
        if (rc)
            assert_int_equal(d.errors, 1); /* one clear line */
        assert_int_equal(l.n, bc->regions);
        diag_clear(&d);
    }
}

static void test_custom_caps(void **state)
{
    (void)state;
    /* More entries than LAYOUT_MAX_REGIONS: the first ones are used. */
    size_t cap = 64 * 1024;
    char *buf = malloc(cap);
    assert_non_null(buf);
    size_t n = (size_t)snprintf(buf, cap, "{" CANVAS ",\"InputStreamList\":[");
    for (int i = 0; i < 100; i++)
        n += (size_t)snprintf(buf + n, cap - n, "%s" OK_ENTRY, i ? "," : "");
    n += (size_t)snprintf(buf + n, cap - n, "]}");
    struct diag_list d;
    diag_init(&d);
    struct layout l;
    assert_int_equal(layout_parse_custom(buf, n, "many.json", &d, &l), 0);
    assert_int_equal(l.n, LAYOUT_MAX_REGIONS);
    assert_true(diag_contains(&d, "many.json: InputStreamList: 100 entries, only the first 64"));
    diag_clear(&d);
    free(buf);

    /* A file over the size cap is refused before parsing. */
    size_t big = LAYOUT_MAX_JSON_BYTES + 1;
    buf = malloc(big);
    assert_non_null(buf);
    memset(buf, ' ', big);
    assert_int_equal(layout_parse_custom(buf, big, "big.json", &d, &l), SP_ELIMIT);
    assert_true(diag_contains(&d, "big.json: larger than 262144 bytes"));
    diag_clear(&d);
    free(buf);

    /* An id of 256 bytes is too long; 255 is fine. */
    char id[300];
    for (int len = 255; len <= 256; len++) {
        memset(id, 'u', (size_t)len);
        id[len] = '\0';
        char doc[1024];
        int dl = snprintf(doc, sizeof(doc),
                          "{" CANVAS ",\"InputStreamList\":[{\"LayoutParams\":{\"Width\":1,"
                          "\"Height\":1},\"InputStreamId\":\"%s\"}]}",
                          id);
        assert_int_equal(layout_parse_custom(doc, (size_t)dl, "id.json", &d, &l), 0);
        assert_int_equal(l.n, len == 255 ? 1 : 0);
        if (len == 256)
            assert_true(diag_contains(&d, "InputStreamId: longer than 255 bytes"));
        diag_clear(&d);
    }
    /* A NULL diag list is fine. */
    assert_int_equal(layout_parse_custom("{}", 2, NULL, NULL, &l), SP_EPARSE);
}

/* A custom layout follows a window's new shape: its rectangles re-mapped
 * in proportion on each axis; the kinds the state file reports. */
static void test_remap(void **state)
{
    (void)state;
    struct layout l, r;
    assert_int_equal(layout_parse_custom(example, strlen(example), "my.json", NULL, &l), 0);
    assert_string_equal(layout_kind(&l), "custom");
    assert_int_equal(layout_remap(&l, 720, 1280, &r), 0);
    assert_int_equal(r.w, 720);
    assert_int_equal(r.h, 1280);
    assert_int_equal(r.n, l.n);
    check_sane(&r, false);
    /* teacher_01 at (960, 0) 320 x 180 of 1280 x 720 */
    assert_rect(r.regions[2].r, 540, 0, 180, 320);
    assert_string_equal(r.regions[2].id, "teacher_01");
    /* back to the size it was made for: the same rectangles */
    struct layout back;
    assert_int_equal(layout_remap(&l, 1280, 720, &back), 0);
    for (size_t i = 0; i < l.n; i++)
        assert_rect(back.regions[i].r, l.regions[i].r.x, l.regions[i].r.y, l.regions[i].r.w,
                    l.regions[i].r.h);
    assert_int_equal(layout_remap(&l, 0, 10, &r), SP_EINVAL);
    struct layout fitted;
    assert_int_equal(layout_fit_to(&l, 1000, 1000, &fitted), 0);
    assert_int_equal(layout_remap(&fitted, 500, 500, &r), SP_EINVAL); /* only a layout as made */
    struct fake f;
    fake_class(&f, 3);
    assert_int_equal(layout_preset(LAYOUT_PRESET_GRID, &f.rec, true, 720, 1280, true, &l), 0);
    assert_string_equal(layout_kind(&l), "portrait");
    assert_int_equal(layout_preset(LAYOUT_PRESET_GRID, &f.rec, true, 1280, 720, true, &l), 0);
    assert_string_equal(layout_kind(&l), "landscape");
    assert_int_equal(layout_model(1, NULL, "model1", &l), 0);
    assert_string_equal(layout_kind(&l), "custom");
}

/* A layout file named like a preset (`--layout ./board`, `grid` with no
 * extension) is still a custom layout: its kind is "custom", also after
 * it follows a window's new shape or is fitted into one. */
static void test_custom_named_like_preset(void **state)
{
    (void)state;
    static const char *const names[] = {"board", "grid", "focus"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        struct layout l, r;
        assert_int_equal(layout_parse_custom(example, strlen(example), names[i], NULL, &l), 0);
        assert_string_equal(l.name, names[i]);
        assert_string_equal(layout_kind(&l), "custom");
        assert_int_equal(layout_remap(&l, 720, 1280, &r), 0);
        assert_string_equal(layout_kind(&r), "custom");
        assert_int_equal(layout_fit_to(&l, 1000, 1000, &r), 0);
        assert_string_equal(layout_kind(&r), "custom");
    }
}

/* ---- fitting ----------------------------------------------------------------------- */

static void test_fit(void **state)
{
    (void)state;
    struct fake f;
    fake_class(&f, 3);
    struct layout l, o;
    assert_int_equal(layout_preset(LAYOUT_PRESET_BOARD, &f.rec, true, 1280, 720, true, &l), 0);
    const int wins[][2] = {{1280, 720}, {1920, 1080}, {800, 800}, {2000, 600},
                           {333, 777},  {641, 361},   {1, 1}};
    for (size_t i = 0; i < sizeof(wins) / sizeof(wins[0]); i++) {
        int ww = wins[i][0], wh = wins[i][1];
        struct layout_fit fit;
        assert_int_equal(layout_fit(&l, ww, wh, &fit), 0);
        /* Aspect kept (within a pixel of rounding), touching one pair of
         * window edges, centred. */
        assert_true(fabs(fit.w - fit.h * 1280.0 / 720.0) <= 1.0 + 1280.0 / 720.0);
        assert_true(fit.w == ww || fit.h == wh);
        assert_true(abs(fit.x - (ww - fit.w - fit.x)) <= 1);
        assert_true(abs(fit.y - (wh - fit.h - fit.y)) <= 1);
        assert_int_equal(layout_fit_to(&l, ww, wh, &o), 0);
        assert_int_equal(o.w, ww);
        assert_int_equal(o.h, wh);
        assert_int_equal(o.view.x, fit.x);
        assert_int_equal(o.view.w, fit.w);
        check_sane(&o, ww >= 100);
        assert_int_equal(o.n, l.n);
        /* Each region scales by the same factor (within rounding). */
        for (size_t k = 0; ww >= 100 && k < l.n; k++) {
            struct layout_rect a = l.regions[k].r, b = o.regions[k].r;
            assert_true(fabs(b.x - fit.x - a.x * fit.scale) <= 1.0);
            assert_true(fabs(b.w - a.w * fit.scale) <= 1.0);
            assert_true(fabs(b.h - a.h * fit.scale) <= 1.0);
        }
    }
    /* Edges that touched still touch: a custom layout split in two. */
    const char *doc = "{\"Canvas\":{\"LayoutParams\":{\"Width\":300,\"Height\":200}},"
                      "\"InputStreamList\":["
                      "{\"LayoutParams\":{\"X\":0,\"Y\":0,\"Width\":100,\"Height\":200}},"
                      "{\"LayoutParams\":{\"X\":100,\"Y\":0,\"Width\":200,\"Height\":200}}]}";
    struct layout c;
    assert_int_equal(layout_parse_custom(doc, strlen(doc), "two.json", NULL, &c), 0);
    for (int ww = 100; ww < 700; ww += 37) {
        assert_int_equal(layout_fit_to(&c, ww, 451, &o), 0);
        assert_int_equal(o.regions[0].r.x + o.regions[0].r.w, o.regions[1].r.x);
        assert_int_equal(o.regions[1].r.x + o.regions[1].r.w, o.view.x + o.view.w);
        assert_int_equal(o.regions[0].r.x, o.view.x);
    }
    /* Fitting in place; a fitted layout is not fitted again; bad sizes. */
    o = c;
    assert_int_equal(layout_fit_to(&o, 700, 400, &o), 0);
    assert_int_equal(o.regions[1].r.w, 400);
    assert_int_equal(o.regions[1].r.x, 50 + 200);
    assert_int_equal(layout_fit_to(&o, 300, 200, &o), SP_EINVAL);
    assert_int_equal(layout_fit_to(&c, 0, 200, &o), SP_EINVAL);
    struct layout_fit fit;
    assert_int_equal(layout_fit(&c, 10, -1, &fit), SP_EINVAL);
    /* Hit testing: the top region at a point. */
    assert_int_equal(layout_fit_to(&c, 600, 400, &o), 0);
    assert_int_equal(layout_hit(&o, 10, 10), 0);
    assert_int_equal(layout_hit(&o, 599, 399), 1);
    assert_int_equal(layout_hit(&o, 600, 10), -1);
}

static void test_parse_size(void **state)
{
    (void)state;
    int w = 0, h = 0;
    assert_int_equal(layout_parse_size("640x360", &w, &h), 0);
    assert_int_equal(w, 640);
    assert_int_equal(h, 360);
    assert_int_equal(layout_parse_size("16384X1", &w, &h), 0);
    const char *bad[] = {"",         "640",      "x360", "640x",   "0x10", "10x0",
                         "16385x10", "640x360x", "-1x5", "640x+3", "abc"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(layout_parse_size(bad[i], &w, &h), SP_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_board_preset),
        cmocka_unit_test(test_board_preset_order),
        cmocka_unit_test(test_grid_preset),
        cmocka_unit_test(test_focus_preset),
        cmocka_unit_test(test_chat_column),
        cmocka_unit_test(test_portrait_strip),
        cmocka_unit_test(test_portrait_chat),
        cmocka_unit_test(test_preset_edges),
        cmocka_unit_test(test_small_window),
        cmocka_unit_test(test_canvas_for_window),
        cmocka_unit_test(test_canvas_for_screen),
        cmocka_unit_test(test_remap),
        cmocka_unit_test(test_custom_named_like_preset),
        cmocka_unit_test(test_custom_example),
        cmocka_unit_test(test_custom_ids),
        cmocka_unit_test(test_custom_errors),
        cmocka_unit_test(test_custom_caps),
        cmocka_unit_test(test_fit),
        cmocka_unit_test(test_parse_size),
        cmocka_unit_test(test_model_layouts),
        cmocka_unit_test(test_mixstream),
        cmocka_unit_test(test_mixstream_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
