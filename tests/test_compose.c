/* Tests for render/compose: pictures fitted by contain and cover (RGBA and
 * YUV 4:2:0, odd crops), colors of a YUV picture, name tiles (drawn inside
 * their region, different names differ, long names cut), name tags, the
 * board, the chat hook, letterbox bars, z-order, every pixel written, a
 * screen share over the board only while it has a picture, bad input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <libavutil/pixfmt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/sp_error.h"
#include "player/recording/manifest.h"
#include "render/canvas.h"
#include "render/compose.h"
#include "render/layout.h"

#define BG 0x202020FFu
#define SLACK 64 /* readable bytes past a plane, as AVFrames have */

/* A picture owning its planes. */
struct pic {
    struct compose_picture p;
    uint8_t *buf[3];
};

/* RGBA picture of w x h, pixel (x, y) colored by fn. */
static void pic_rgba(struct pic *o, int w, int h, uint32_t (*fn)(int x, int y, int w, int h))
{
    memset(o, 0, sizeof(*o));
    o->buf[0] = malloc((size_t)w * h * 4 + SLACK);
    assert_non_null(o->buf[0]);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            uint32_t c = fn(x, y, w, h);
            uint8_t *px = o->buf[0] + ((size_t)y * w + x) * 4;
            px[0] = (uint8_t)(c >> 24);
            px[1] = (uint8_t)(c >> 16);
            px[2] = (uint8_t)(c >> 8);
            px[3] = (uint8_t)c;
        }
    o->p.data[0] = o->buf[0];
    o->p.linesize[0] = w * 4;
    o->p.w = w;
    o->p.h = h;
    o->p.format = AV_PIX_FMT_RGBA;
}

/* YUV 4:2:0 picture, solid color (limited range BT.601 values). */
static void pic_yuv(struct pic *o, int w, int h, uint8_t y, uint8_t u, uint8_t v)
{
    memset(o, 0, sizeof(*o));
    int cw = (w + 1) / 2, ch = (h + 1) / 2;
    o->buf[0] = malloc((size_t)w * h + SLACK);
    o->buf[1] = malloc((size_t)cw * ch + SLACK);
    o->buf[2] = malloc((size_t)cw * ch + SLACK);
    assert_true(o->buf[0] && o->buf[1] && o->buf[2]);
    memset(o->buf[0], y, (size_t)w * h);
    memset(o->buf[1], u, (size_t)cw * ch);
    memset(o->buf[2], v, (size_t)cw * ch);
    for (int i = 0; i < 3; i++)
        o->p.data[i] = o->buf[i];
    o->p.linesize[0] = w;
    o->p.linesize[1] = o->p.linesize[2] = cw;
    o->p.w = w;
    o->p.h = h;
    o->p.format = AV_PIX_FMT_YUV420P;
}

static void pic_free(struct pic *o)
{
    for (int i = 0; i < 3; i++)
        free(o->buf[i]);
}

static uint32_t red(int x, int y, int w, int h)
{
    (void)x, (void)y, (void)w, (void)h;
    return 0xFF0000FFu;
}

/* Three vertical stripes: red | green | blue. */
static uint32_t stripes(int x, int y, int w, int h)
{
    (void)y, (void)h;
    return x < w / 3 ? 0xFF0000FFu : x < 2 * w / 3 ? 0x00FF00FFu : 0x0000FFFFu;
}

static uint32_t half_transparent(int x, int y, int w, int h)
{
    (void)x, (void)y, (void)w, (void)h;
    return 0xFFFFFF80u;
}

/* A layout of one canvas with the given regions (x, y, w, h each). */
static void make_layout(struct layout *l, int w, int h, const int (*rects)[4], size_t n)
{
    memset(l, 0, sizeof(*l));
    l->w = w;
    l->h = h;
    l->bg = BG;
    l->view = (struct layout_rect){0, 0, w, h};
    for (size_t i = 0; i < n; i++) {
        struct layout_region *g = &l->regions[l->n++];
        g->r = (struct layout_rect){rects[i][0], rects[i][1], rects[i][2], rects[i][3]};
        g->src = LAYOUT_SRC_LANE;
        g->lane = (ptrdiff_t)i;
        g->bg = 0x000000FFu;
        snprintf(g->id, sizeof(g->id), "user%zu", i);
    }
}

static bool near(struct canvas_color c, uint8_t r, uint8_t g, uint8_t b, int tol)
{
    return abs(c.r - r) <= tol && abs(c.g - g) <= tol && abs(c.b - b) <= tol && c.a == 255;
}

static void assert_px(const struct canvas *cv, int x, int y, uint8_t r, uint8_t g, uint8_t b,
                      int tol)
{
    struct canvas_color c = canvas_get(cv, x, y);
    if (!near(c, r, g, b, tol))
        fprintf(stderr, "pixel (%d, %d) = %d %d %d %d, want %d %d %d\n", x, y, c.r, c.g, c.b, c.a,
                r, g, b);
    assert_true(near(c, r, g, b, tol));
}

struct fixture {
    struct compose *comp;
    struct canvas *cv;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    if (!f || compose_create(&f->comp, NULL) != 0)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    compose_destroy(&f->comp);
    compose_destroy(&f->comp); /* NULL-safe */
    canvas_destroy(&f->cv);
    free(f);
    return 0;
}

static struct canvas *canvas_for(struct fixture *f, int w, int h)
{
    canvas_destroy(&f->cv);
    assert_int_equal(canvas_create(&f->cv, w, h), 0);
    memset(f->cv->px, 0x55, (size_t)f->cv->stride * h); /* garbage */
    return f->cv;
}

static void test_contain_cover(void **state)
{
    struct fixture *f = *state;
    struct layout l;
    const int rects[][4] = {{0, 0, 200, 200}, {200, 0, 100, 100}, {200, 100, 100, 100}};
    make_layout(&l, 300, 200, rects, 3);
    l.regions[2].fill = LAYOUT_FILL_COVER;
    struct pic wide, st;
    pic_rgba(&wide, 160, 90, red);
    pic_rgba(&st, 300, 100, stripes);
    struct compose_lane lanes[3] = {{&wide.p, "a", REC_LANE_CAMERA, NULL},
                                    {&st.p, "b", REC_LANE_CAMERA, NULL},
                                    {&st.p, "c", REC_LANE_CAMERA, NULL}};
    struct compose_scene s = {.lanes = lanes, .n_lanes = 3};
    struct compose_opts o = {.no_name_tags = true};
    struct compose *nc = NULL;
    assert_int_equal(compose_create(&nc, &o), 0);
    struct canvas *cv = canvas_for(f, 300, 200);
    assert_int_equal(compose_draw(nc, &l, &s, cv), 0);
    /* 16:9 into 200x200: 200x113 centred (y 44..156), black bars above
     * and below. */
    assert_px(cv, 100, 100, 255, 0, 0, 2);
    assert_px(cv, 100, 46, 255, 0, 0, 2);
    assert_px(cv, 100, 153, 255, 0, 0, 2);
    assert_px(cv, 100, 40, 0, 0, 0, 0);
    assert_px(cv, 100, 160, 0, 0, 0, 0);
    assert_px(cv, 1, 100, 255, 0, 0, 2);
    assert_px(cv, 198, 100, 255, 0, 0, 2);
    /* 3:1 stripes contained in 100x100: all three stripes, 33 px tall. */
    assert_px(cv, 210, 50, 255, 0, 0, 3);
    assert_px(cv, 250, 50, 0, 255, 0, 3);
    assert_px(cv, 290, 50, 0, 0, 255, 3);
    assert_px(cv, 250, 20, 0, 0, 0, 0);
    /* Covered: only the middle stripe, filling the region. */
    for (int y = 101; y < 200; y += 7)
        for (int x = 201; x < 300; x += 7)
            assert_px(cv, x, y, 0, 255, 0, 3);
    compose_destroy(&nc);
    pic_free(&wide);
    pic_free(&st);
}

static void test_yuv(void **state)
{
    struct fixture *f = *state;
    struct layout l;
    /* Odd sizes and an odd crop offset for the 4:2:0 chroma. */
    const int rects[][4] = {{0, 0, 101, 77}, {101, 0, 57, 77}};
    make_layout(&l, 158, 77, rects, 2);
    l.regions[1].fill = LAYOUT_FILL_COVER;
    struct pic p;
    pic_yuv(&p, 321, 179, 81, 90, 240); /* BT.601 limited red */
    struct compose_lane lanes[2] = {{&p.p, "y", REC_LANE_CAMERA, NULL},
                                    {&p.p, "z", REC_LANE_CAMERA, NULL}};
    struct compose_scene s = {.lanes = lanes, .n_lanes = 2};
    struct canvas *cv = canvas_for(f, 158, 77);
    assert_int_equal(compose_draw(f->comp, &l, &s, cv), 0);
    assert_px(cv, 50, 38, 255, 0, 0, 6);
    assert_px(cv, 130, 10, 255, 0, 0, 6);
    /* Full range says the same Y means a lighter color. */
    p.p.color_range = AVCOL_RANGE_JPEG;
    assert_int_equal(compose_draw(f->comp, &l, &s, cv), 0);
    struct canvas_color c = canvas_get(cv, 50, 38);
    assert_true(c.r < 250 && c.g > 10);
    pic_free(&p);
}

static void test_name_tiles(void **state)
{
    struct fixture *f = *state;
    struct layout l;
    const int rects[][4] = {{0, 0, 200, 150}, {200, 0, 200, 150}, {100, 150, 200, 150}};
    make_layout(&l, 400, 300, rects, 3);
    for (size_t i = 0; i < 3; i++)
        l.regions[i].bg = 0x2B2D31FFu;
    const char *longname = "a_very_long_user_name_that_cannot_fit_in_a_tile_of_this_size_at_all";
    struct compose_lane lanes[3] = {{NULL, "Alice", REC_LANE_CAMERA, NULL},
                                    {NULL, "Bob", REC_LANE_SCREEN, NULL},
                                    {NULL, longname, REC_LANE_CAMERA, NULL}};
    struct compose_scene s = {.lanes = lanes, .n_lanes = 3};
    struct canvas *cv = canvas_for(f, 400, 300);
    assert_int_equal(compose_draw(f->comp, &l, &s, cv), 0);
    /* Each tile holds an avatar and some light (text) pixels, and differs
     * from the others. */
    for (size_t i = 0; i < 3; i++) {
        struct layout_rect r = l.regions[i].r;
        struct canvas_color centre = canvas_get(cv, r.x + r.w / 2, r.y + r.h / 2 - 10);
        assert_false(near(centre, 0x2B, 0x2D, 0x31, 4)); /* the avatar */
        int light = 0;
        for (int y = r.y; y < r.y + r.h; y++)
            for (int x = r.x; x < r.x + r.w; x++) {
                struct canvas_color c = canvas_get(cv, x, y);
                light += c.r > 200 && c.g > 200 && c.b > 200;
            }
        assert_true(light > 20);
    }
    /* The long name is cut: its tile's left and right columns stay plain
     * (nothing drawn over the tile's edge). */
    struct layout_rect r = l.regions[2].r;
    for (int y = r.y; y < r.y + r.h; y++) {
        assert_px(cv, r.x, y, 0x2B, 0x2D, 0x31, 0);
        assert_px(cv, r.x + r.w - 1, y, 0x2B, 0x2D, 0x31, 0);
    }
    /* No name at all: the region's id is shown; tiny tiles draw nothing
     * but their background; a lane index past the scene's lanes is a tile. */
    const int tiny[][4] = {{0, 0, 6, 6}, {10, 0, 100, 100}};
    make_layout(&l, 110, 100, tiny, 2);
    lanes[0].name = NULL;
    s.n_lanes = 1;
    cv = canvas_for(f, 110, 100);
    assert_int_equal(compose_draw(f->comp, &l, &s, cv), 0);
    assert_px(cv, 3, 3, 0, 0, 0, 0);
}

static void test_tag_and_alpha(void **state)
{
    struct fixture *f = *state;
    struct layout l;
    const int rects[][4] = {{0, 0, 320, 180}, {320, 0, 100, 100}};
    make_layout(&l, 420, 180, rects, 2);
    l.regions[1].bg = 0x000000FFu;
    struct pic p, a;
    pic_rgba(&p, 320, 180, red);
    pic_rgba(&a, 100, 100, half_transparent);
    struct compose_lane lanes[2] = {{&p.p, "Teacher", REC_LANE_CAMERA, NULL},
                                    {&a.p, "", REC_LANE_CAMERA, NULL}};
    struct compose_scene s = {.lanes = lanes, .n_lanes = 2};
    struct canvas *cv = canvas_for(f, 420, 180);
    assert_int_equal(compose_draw(f->comp, &l, &s, cv), 0);
    /* The tag darkens the bottom left corner; the top right is pure. */
    struct canvas_color c = canvas_get(cv, 8, 172);
    assert_true(c.r < 200);
    assert_px(cv, 300, 10, 255, 0, 0, 2);
    /* White at half alpha over black: mid grey. */
    assert_px(cv, 370, 50, 128, 128, 128, 3);
    pic_free(&p);
    pic_free(&a);
}

static int chat_calls;
static struct canvas_rect chat_rect;

static int fake_chat(void *opaque, struct canvas *c, struct canvas_rect r)
{
    (void)opaque;
    chat_calls++;
    chat_rect = r;
    canvas_fill_rect(c, r, canvas_rgba(0, 0, 255, 255));
    return SP_ENOMEM; /* passed on, the frame is kept */
}

static void test_board_chat_letterbox(void **state)
{
    struct fixture *f = *state;
    const char *doc = "{\"Canvas\":{\"LayoutParams\":{\"Width\":160,\"Height\":90},"
                      "\"BackgroundColor\":\"#336699\"},\"InputStreamList\":["
                      "{\"LayoutParams\":{\"X\":0,\"Y\":0,\"Width\":120,\"Height\":90},"
                      "\"InputStreamId\":\"tic_record_user\"},"
                      "{\"LayoutParams\":{\"X\":120,\"Y\":0,\"Width\":40,\"Height\":90},"
                      "\"InputStreamId\":\"tic_im_chat\"},"
                      "{\"LayoutParams\":{\"X\":100,\"Y\":70,\"Width\":40,\"Height\":20,"
                      "\"ZOrder\":9},\"InputStreamId\":\"\",\"BackgroundColor\":\"#FF0000\"}]}";
    struct layout base, l;
    assert_int_equal(layout_parse_custom(doc, strlen(doc), "t.json", NULL, &base), 0);
    layout_bind(&base, NULL, NULL);
    assert_int_equal(layout_fit_to(&base, 320, 300, &l), 0);
    /* 160x90 into 320x300: 320x180 at y 60. */
    assert_int_equal(l.view.y, 60);
    struct compose_scene s = {.has_board = true, .chat = fake_chat, .chat_on = true};
    struct canvas *cv = canvas_for(f, 320, 300);
    chat_calls = 0;
    assert_int_equal(compose_draw(f->comp, &l, &s, cv), SP_ENOMEM);
    assert_int_equal(chat_calls, 1);
    assert_int_equal(chat_rect.x, 240);
    assert_int_equal(chat_rect.y, 60);
    assert_int_equal(chat_rect.w, 80);
    assert_int_equal(chat_rect.h, 180);
    assert_px(cv, 5, 5, 0, 0, 0, 0); /* letterbox bar */
    assert_px(cv, 5, 295, 0, 0, 0, 0);
    assert_px(cv, 100, 120, 255, 255, 255, 0); /* the empty board is white */
    assert_px(cv, 300, 80, 0, 0, 255, 0);      /* chat */
    assert_px(cv, 250, 230, 255, 0, 0, 0);     /* the vacant tile on top (z 9) */
    /* Every pixel is opaque: nothing of the garbage is left. */
    for (int y = 0; y < 300; y++)
        for (int x = 0; x < 320; x++)
            assert_int_equal(canvas_get(cv, x, y).a, 255);
    /* Chat off: the hook is not called; the region keeps its background. */
    s.chat_on = false;
    assert_int_equal(compose_draw(f->comp, &l, &s, cv), 0);
    assert_int_equal(chat_calls, 1);
    assert_px(cv, 300, 80, 0x33, 0x66, 0x99, 0);
    /* No board data: a whiteboard tile (not white all over). */
    s.has_board = false;
    assert_int_equal(compose_draw(f->comp, &l, &s, cv), 0);
    assert_px(cv, 10, 70, 0x33, 0x66, 0x99, 0);
}

/* The service's own layout puts tic_substream over the board with a
 * higher ZOrder: the share covers the board while it has a picture, and
 * the board shows again (not a name tile, not the region's background)
 * while it has none. */
static void test_share_over_board(void **state)
{
    struct fixture *f = *state;
    const char *doc = "{\"Canvas\":{\"LayoutParams\":{\"Width\":160,\"Height\":120}},"
                      "\"InputStreamList\":["
                      "{\"LayoutParams\":{\"X\":0,\"Y\":0,\"Width\":160,\"Height\":120,"
                      "\"ZOrder\":1},\"InputStreamId\":\"tic_substream\","
                      "\"BackgroundColor\":\"#00FF00\",\"FillMode\":1},"
                      "{\"LayoutParams\":{\"X\":0,\"Y\":0,\"Width\":160,\"Height\":120},"
                      "\"InputStreamId\":\"tic_record_user\"}]}";
    static struct rec_segment seg = {
        .play_us = 0, .duration_us = 1000000, .width = 160, .height = 90};
    static const struct rec_lane lanes[1] = {
        {"tic_substream_t", 1, REC_LANE_SCREEN, "t", "t (screen)", &seg, 1}};
    struct recording rec;
    memset(&rec, 0, sizeof(rec));
    rec.lanes = lanes;
    rec.n_lanes = 1;
    struct layout l;
    assert_int_equal(layout_parse_custom(doc, strlen(doc), "t.json", NULL, &l), 0);
    layout_bind(&l, &rec, NULL);
    assert_int_equal(l.n, 2);
    assert_int_equal(l.regions[1].lane, 0); /* drawn last: the share */
    assert_true(l.regions[1].share);
    struct pic red_pic;
    pic_rgba(&red_pic, 160, 90, red);
    struct compose_lane cl = {.pic = &red_pic.p, .name = "t", .kind = REC_LANE_SCREEN};
    struct compose_scene s = {.lanes = &cl, .n_lanes = 1, .has_board = true};
    struct compose_opts o = {.no_name_tags = true};
    struct compose *nc = NULL;
    assert_int_equal(compose_create(&nc, &o), 0);
    struct canvas *cv = canvas_for(f, 160, 120);
    /* Sharing: the picture covers the board (cover fill: edge to edge). */
    assert_int_equal(compose_draw(nc, &l, &s, cv), 0);
    for (int y = 2; y < 120; y += 13)
        for (int x = 2; x < 160; x += 13)
            assert_px(cv, x, y, 255, 0, 0, 2);
    /* Not sharing: the empty board (white), nothing of the region. */
    cl.pic = NULL;
    assert_int_equal(compose_draw(nc, &l, &s, cv), 0);
    for (int y = 2; y < 120; y += 13)
        for (int x = 2; x < 160; x += 13)
            assert_px(cv, x, y, 255, 255, 255, 0);
    /* A recording without a share: the region never draws. */
    rec.n_lanes = 0;
    layout_bind(&l, &rec, NULL);
    assert_int_equal(l.regions[1].lane, -1);
    assert_int_equal(compose_draw(nc, &l, &s, cv), 0);
    assert_px(cv, 80, 60, 255, 255, 255, 0);
    compose_destroy(&nc);
    pic_free(&red_pic);
}

static void test_bad_input(void **state)
{
    struct fixture *f = *state;
    struct layout l;
    const int rects[][4] = {{0, 0, 64, 64}};
    make_layout(&l, 64, 64, rects, 1);
    struct compose_scene s = {0};
    struct canvas *cv = canvas_for(f, 63, 64);
    assert_int_equal(compose_draw(f->comp, &l, &s, cv), SP_EINVAL);
    assert_int_equal(compose_draw(f->comp, NULL, &s, cv), SP_EINVAL);
    cv = canvas_for(f, 64, 64);
    /* An unsupported or broken picture shows the name tile instead. */
    struct pic p;
    pic_rgba(&p, 8, 8, red);
    p.p.format = AV_PIX_FMT_PAL8;
    struct compose_lane lane = {&p.p, "x", REC_LANE_CAMERA, NULL};
    s.lanes = &lane;
    s.n_lanes = 1;
    assert_int_equal(compose_draw(f->comp, &l, &s, cv), 0);
    assert_false(near(canvas_get(cv, 32, 20), 255, 0, 0, 40));
    p.p.format = AV_PIX_FMT_RGBA;
    p.p.w = 0;
    assert_int_equal(compose_draw(f->comp, &l, &s, cv), 0);
    p.p.w = 8;
    p.p.data[0] = NULL;
    assert_int_equal(compose_draw(f->comp, &l, &s, cv), 0);
    pic_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_contain_cover, setup, teardown),
        cmocka_unit_test_setup_teardown(test_yuv, setup, teardown),
        cmocka_unit_test_setup_teardown(test_name_tiles, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tag_and_alpha, setup, teardown),
        cmocka_unit_test_setup_teardown(test_board_chat_letterbox, setup, teardown),
        cmocka_unit_test_setup_teardown(test_share_over_board, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_input, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
