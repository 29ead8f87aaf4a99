/* Tests for render/board_draw: the cached-layer frame equals a full
 * redraw, the layer is redrawn only when the past changes, view zoom and
 * scroll, laser fade, backgrounds (color, image with fit), dirty rects.
 * Also render/image decoding and fit rectangles. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "player/board/board.h"
#include "base/diag.h"
#include "base/sp_error.h"
#include "render/board_draw.h"
#include "render/image.h"
#include "support/vm_hwm.h"

/* ---- building a board from ops ----------------------------------------- */

struct op {
    int64_t t;
    const char *json; /* the op's fields after "t", "user" */
};

static struct board_player *make_player(const struct op *ops, size_t n)
{
    struct board_log *log = board_log_create();
    assert_non_null(log);
    struct diag_list d;
    diag_init(&d);
    for (size_t i = 0; i < n; i++) {
        char buf[4096];
        int len = snprintf(buf, sizeof(buf), "{\"v\":1,\"ops\":[{\"t\":%lld,\"user\":\"u\",%s}]}",
                           (long long)ops[i].t, ops[i].json);
        assert_true(len > 0 && (size_t)len < sizeof(buf));
        assert_int_equal(board_log_add_batch(log, buf, (size_t)len, (int64_t)i, "test", &d), 0);
    }
    if (d.errors || d.warnings)
        diag_print(&d, stderr);
    assert_int_equal(d.errors + d.warnings, 0);
    assert_int_equal(board_log_finish(log, &d), 0);
    struct board_player *p = NULL;
    assert_int_equal(board_player_create(&p, log, NULL, &d), 0);
    diag_clear(&d);
    return p;
}

static const struct canvas *frame_at(struct board_draw *bd, struct board_player *p, int64_t t)
{
    assert_int_equal(board_seek_us(p, t * 1000), 0);
    const struct canvas *f = NULL;
    assert_int_equal(board_draw_frame(bd, board_player_state(p), &f), 0);
    return f;
}

static double mad(const struct canvas *a, const struct canvas *b)
{
    double s = 0;
    for (int y = 0; y < a->h; y++)
        for (int x = 0; x < a->w; x++) {
            struct canvas_color p = canvas_get(a, x, y), q = canvas_get(b, x, y);
            s += abs(p.r - q.r) + abs(p.g - q.g) + abs(p.b - q.b);
        }
    return s / (3.0 * a->w * a->h);
}

/* The frame must equal a from-scratch drawing of the same state (up to
 * the in-progress masks' max() union at crossing edges). */
static void assert_frame_is_full(struct board_draw *bd, struct board_player *p,
                                 const struct canvas *f)
{
    struct canvas *full = NULL;
    assert_int_equal(canvas_create(&full, f->w, f->h), 0);
    assert_int_equal(board_draw_full(bd, board_player_state(p), full), 0);
    double m = mad(f, full);
    if (m >= 0.05)
        print_error("frame vs full redraw: MAD %.4f\n", m);
    assert_true(m < 0.05);
    canvas_destroy(&full);
}

static const struct op OPS[] = {
    {1000, "\"op\":\"board.add\",\"board\":\"p\",\"color\":\"#f4f0e0\""},
    {1000, "\"op\":\"board.switch\",\"board\":\"p\""},
    {1100, "\"op\":\"stroke.begin\",\"id\":\"s1\",\"board\":\"p\",\"tool\":\"pen\","
           "\"color\":\"#2040c0\",\"width\":6,\"pts\":[100,100,300,150,500,100]"},
    {1200, "\"op\":\"stroke.end\",\"id\":\"s1\""},
    {1300, "\"op\":\"shape\",\"id\":\"r1\",\"board\":\"p\",\"kind\":\"rect\",\"x1\":600,"
           "\"y1\":100,\"x2\":900,\"y2\":300,\"color\":\"#000000\",\"width\":4,"
           "\"fill\":\"#80e0a0\""},
    {1400, "\"op\":\"text\",\"id\":\"t1\",\"board\":\"p\",\"x\":100,\"y\":400,"
           "\"text\":\"Hello\\n你好\",\"size\":40,\"color\":\"#202020\""},
    /* a highlighter in progress over three frames, crossing itself */
    {2000, "\"op\":\"stroke.begin\",\"id\":\"h1\",\"board\":\"p\",\"tool\":\"highlighter\","
           "\"color\":\"#ffd000\",\"width\":30,\"pts\":[80,120,520,120]"},
    {2100, "\"op\":\"stroke.append\",\"id\":\"h1\",\"pts\":[520,60,300,60,300,200]"},
    {2200, "\"op\":\"shape\",\"id\":\"a1\",\"board\":\"p\",\"kind\":\"arrow\",\"x1\":700,"
           "\"y1\":700,\"x2\":1100,\"y2\":600,\"color\":\"#c02020\",\"width\":5"},
    {2300, "\"op\":\"stroke.append\",\"id\":\"h1\",\"pts\":[200,200,200,90]"},
    {2400, "\"op\":\"stroke.end\",\"id\":\"h1\""},
    {2500, "\"op\":\"laser\",\"board\":\"p\",\"x\":640,\"y\":480"},
    {3000, "\"op\":\"erase\",\"ids\":[\"s1\"]"},
    {3100, "\"op\":\"view\",\"board\":\"p\",\"scale\":2,\"x\":500,\"y\":50"},
};

struct fix {
    struct board_player *p;
    struct board_draw *bd;
};

static int setup(void **state)
{
    struct fix *f = calloc(1, sizeof(*f));
    f->p = make_player(OPS, sizeof(OPS) / sizeof(OPS[0]));
    struct board_draw_opts o = {.board_w = 1280, .board_h = 960};
    if (board_draw_create(&f->bd, 640, 480, &o))
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fix *f = *state;
    board_draw_destroy(&f->bd);
    board_player_destroy(&f->p);
    free(f);
    return 0;
}

static void test_incremental_equals_full(void **state)
{
    struct fix *f = *state;
    struct board_draw_stats st;
    const int64_t times[] = {1050, 1150, 1250, 1350, 1450, 2050, 2150,
                             2250, 2350, 2450, 2600, 3050, 3200};
    for (size_t i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
        const struct canvas *fr = frame_at(f->bd, f->p, times[i]);
        assert_frame_is_full(f->bd, f->p, fr);
    }
    board_draw_get_stats(f->bd, &st);
    /* redraws: first frame; h1 finishing below a1, which was already in the
     * layer (z-order); the erase; the view. Everything else was added on
     * top (s1, r1, t1, a1). */
    assert_int_equal(st.full_redraws, 4);
    assert_true(st.added_elements >= 4);
    char path[1024];
    snprintf(path, sizeof(path), "%s/board_draw_2450.png", SIGPLAY_TEST_TMP);
    assert_int_equal(canvas_write_png(frame_at(f->bd, f->p, 2450), path), 0);
    snprintf(path, sizeof(path), "%s/board_draw_3200.png", SIGPLAY_TEST_TMP);
    assert_int_equal(canvas_write_png(frame_at(f->bd, f->p, 3200), path), 0);
}

static void test_highlighter_in_progress_never_darkens(void **state)
{
    struct fix *f = *state;
    /* bg #f4f0e0, highlighter #ffd000 at BOARD_DRAW_HIGHLIGHTER_ALPHA:
     * where it crosses itself (board 300,120 -> pixel 150,60) the color is
     * the same as where it does not (board 300,180 -> 150,90) */
    const struct canvas *fr = frame_at(f->bd, f->p, 2350);
    struct canvas_color cross = canvas_get(fr, 150, 60), once = canvas_get(fr, 150, 90);
    assert_memory_equal(&cross, &once, 4);
    assert_true(cross.b < 0xe0 - 40); /* and it is visibly there */
    fr = frame_at(f->bd, f->p, 2450); /* finished: drawn into the layer */
    struct canvas_color cross2 = canvas_get(fr, 150, 60);
    assert_true(abs(cross2.b - cross.b) <= 1 && abs(cross2.r - cross.r) <= 1);
}

static void test_view_zooms_and_scrolls(void **state)
{
    struct fix *f = *state;
    /* after view {scale 2, x 500, y 50}: board (x, y) -> ((x-500)*2, (y-50)*2) * 0.5
     * (the 1280x960 board fits 640x480 at 0.5). The rect's border at
     * board x=600 lands at pixel x=100; its fill inside at 120. */
    const struct canvas *fr = frame_at(f->bd, f->p, 3200);
    struct canvas_color fill = canvas_get(fr, 150, 150);
    assert_int_equal(fill.r, 0x80);
    assert_int_equal(fill.g, 0xe0);
    struct canvas_color border = canvas_get(fr, 100, 150);
    assert_true(border.r < 40 && border.g < 40);
    /* the border is 4 units * 2 (zoom) * 0.5 (fit) = 4 px wide */
    int dark = 0;
    for (int x = 90; x < 110; x++)
        dark += canvas_get(fr, x, 150).g < 128;
    assert_in_range(dark, 3, 5);
}

static void test_laser_fades_and_dirty_rect_is_small(void **state)
{
    struct fix *f = *state;
    /* laser at board 640,480 -> pixel 320,240 at t=2500 (an empty spot of
     * the page); look 4 px right of its centre, in the red dot outside the
     * light core */
    const struct canvas *fr = frame_at(f->bd, f->p, 2450);
    struct canvas_color before = canvas_get(fr, 324, 240);
    fr = frame_at(f->bd, f->p, 2550);
    struct canvas_color fresh = canvas_get(fr, 324, 240);
    struct canvas_rect d1 = board_draw_last_dirty(f->bd);
    fr = frame_at(f->bd, f->p, 2900);
    struct canvas_color older = canvas_get(fr, 324, 240);
    struct canvas_rect d2 = board_draw_last_dirty(f->bd);
    /* redness = r - g: none before, strong when fresh, weaker later */
    int r0 = before.r - before.g, r1 = fresh.r - fresh.g, r2 = older.r - older.g;
    assert_true(r0 < 20);
    assert_true(r1 > 150);
    assert_true(r2 > 20 && r2 < r1 - 30);
    /* only the laser changed between these frames: small dirty rects */
    assert_true(d1.w > 0 && d1.w < 60 && d1.h < 60);
    assert_true(d2.w > 0 && d2.w < 60 && d2.h < 60);
}

static struct image *g_img;
static struct image *get_img(void *opaque, const char *url)
{
    (void)opaque;
    return strcmp(url, "images/slide.png") == 0 ? g_img : NULL;
}

static void test_background_image_fit(void **state)
{
    (void)state;
    /* a 100x50 red PNG made by the canvas encoder, decoded by image.c */
    struct canvas *src = NULL;
    assert_int_equal(canvas_create(&src, 100, 50), 0);
    canvas_clear(src, canvas_rgba(220, 0, 0, 255));
    uint8_t *png;
    size_t len;
    assert_int_equal(canvas_encode_png(src, &png, &len), 0);
    assert_int_equal(image_decode(png, len, &g_img), 0);
    assert_int_equal(g_img->w, 100);
    assert_int_equal(g_img->h, 50);
    free(png);
    canvas_destroy(&src);
    const struct op ops[] = {
        {1000, "\"op\":\"board.add\",\"board\":\"p\",\"color\":\"#0000ff\","
               "\"image\":\"images/slide.png\",\"fit\":\"contain\""},
        {1000, "\"op\":\"board.switch\",\"board\":\"p\""},
    };
    struct board_player *p = make_player(ops, 2);
    struct board_draw_opts o = {.board_w = 1280, .board_h = 960, .get_image = get_img};
    struct board_draw *bd = NULL;
    assert_int_equal(board_draw_create(&bd, 640, 480, &o), 0);
    /* contain: 2:1 image in a 4:3 board -> 640x320 centred, bands of 80 px */
    const struct canvas *fr = frame_at(bd, p, 1500);
    struct canvas_color top = canvas_get(fr, 320, 40), mid = canvas_get(fr, 320, 240);
    struct canvas_color bottom = canvas_get(fr, 320, 440);
    assert_int_equal(top.b, 255);
    assert_int_equal(bottom.b, 255);
    assert_int_equal(mid.r, 220);
    assert_int_equal(mid.b, 0);
    assert_int_equal(canvas_get(fr, 320, 79).b, 255);
    assert_int_equal(canvas_get(fr, 320, 80).r, 220);
    board_draw_destroy(&bd);
    board_player_destroy(&p);
    image_free(g_img);
    g_img = NULL;
}

static void test_image_decode_and_fit(void **state)
{
    (void)state;
    struct image *img = NULL;
    const uint8_t junk[] = "GIF89a not supported";
    assert_int_equal(image_decode(junk, sizeof(junk), &img), SP_EUNSUPPORTED);
    const uint8_t trunc[] = "\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
    assert_true(image_decode(trunc, sizeof(trunc) - 1, &img) < 0);
    assert_null(img);
    char path[1024];
    snprintf(path, sizeof(path), "%s/does-not-exist.png", SIGPLAY_TEST_TMP);
    assert_int_equal(image_load_file(path, &img), SP_ENOENT);
    const double rect[4] = {0, 0, 400, 300};
    double out[4];
    image_fit_rect(200, 200, rect, IMAGE_FIT_CONTAIN, out);
    assert_float_equal(out[0], 50, 1e-9);
    assert_float_equal(out[2], 300, 1e-9);
    image_fit_rect(200, 200, rect, IMAGE_FIT_COVER, out);
    assert_float_equal(out[1], -50, 1e-9);
    assert_float_equal(out[3], 400, 1e-9);
    image_fit_rect(200, 200, rect, IMAGE_FIT_STRETCH, out);
    assert_memory_equal(out, rect, sizeof(rect));
    image_free(NULL);
}

/* A picture over a cap is refused at its header, before the decoder
 * allocates and fills it: this 23-byte progressive JPEG declares
 * 47873x1282 (over IMAGE_MAX_DIM, under IMAGE_MAX_PIXELS), which the
 * decoder used to expand into some 500 MB in seconds before the size was
 * checked (found by fuzz_image). The same for a declared area over the
 * cap given to image_decode_capped(). */
static void test_image_over_a_cap_refused_at_its_header(void **state)
{
    (void)state;
    static const uint8_t wide[] = {0xff, 0xd8, 0xff, 0xc2, 0x00, 0x11, 0x08, 0x05,
                                   0x02, 0xbb, 0x01, 0x03, 0x00, 0x11, 0x00, 0x02,
                                   0x11, 0x01, 0x03, 0x11, 0x00, 0xff, 0xd9};
    /* the same header at 2048x2048: within the caps of image_decode() */
    uint8_t square[sizeof(wide)];
    memcpy(square, wide, sizeof(wide));
    square[7] = 0x08, square[8] = 0x00, square[9] = 0x08, square[10] = 0x00;
    struct image *img = NULL;
    bool measured = vm_hwm_reset();
    assert_true(measured || !VM_HWM_AVAILABLE);
    long before = vm_hwm_kb();
    assert_int_equal(image_decode(wide, sizeof(wide), &img), SP_ELIMIT);
    assert_null(img);
    assert_int_equal(image_decode_capped(square, sizeof(square), 1 << 20, &img), SP_ELIMIT);
    assert_null(img);
    long grew = vm_hwm_kb() - before;
    if (measured && grew > 32 * 1024)
        fail_msg("decoding two refused pictures raised the peak RSS by %ld kB", grew);
    /* within the caps the same header decodes (a flat picture) */
    assert_int_equal(image_decode_capped(square, sizeof(square), 16 << 20, &img), 0);
    assert_int_equal(img->w, 2048);
    assert_int_equal(img->h, 2048);
    image_free(img);
}

static int rnd(unsigned *seed, int m)
{
    *seed = *seed * 1103515245u + 12345u;
    return (int)((*seed >> 16) % (unsigned)m);
}

/* A crowded page is redrawn on two threads, each drawing one band of the
 * layer (board_draw.c): the picture must be byte for byte what one thread
 * draws. The page holds every kind of element, many of them across the
 * band edge (the canvas's middle row): long and dense strokes (the dense
 * one goes through the coverage mask), translucent highlighters, filled
 * shapes, arrows and text, Latin and Chinese. */
static void test_crowded_page_two_bands_equal_one_thread(void **state)
{
    (void)state;
    enum { N = 240 };
    static char json[N + 2][3000];
    struct op ops[N + 2];
    size_t n = 0;
    ops[n++] = (struct op){1000, "\"op\":\"board.add\",\"board\":\"p\",\"color\":\"#ffffff\""};
    ops[n++] = (struct op){1000, "\"op\":\"board.switch\",\"board\":\"p\""};
    unsigned seed = 12345;
#define RND(m) rnd(&seed, m)
    for (int i = 0; i < N; i++) {
        char *j = json[i];
        int x = RND(1200), y = 300 + RND(360), k = i % 6;
        const char *col = (const char *[]){"#e53935", "#1e88e5", "#43a047", "#8e24aa"}[i % 4];
        if (k == 0 || k == 1) { /* a zigzag stroke across the middle */
            int len = snprintf(j, 3000,
                               "\"op\":\"stroke.begin\",\"id\":\"s%d\",\"board\":\"p\","
                               "\"tool\":\"%s\",\"color\":\"%s\",\"width\":%d,\"pts\":[",
                               i, k ? "highlighter" : "pen", col, k ? 24 : 3);
            int pts = i % 12 == 0 ? 150 : 12; /* the dense ones cross themselves */
            for (int q = 0; q < pts; q++)
                len += snprintf(j + len, 3000 - (size_t)len, "%s%d,%d", q ? "," : "",
                                x + RND(160) - 80, y + RND(200) - 100);
            snprintf(j + len, 3000 - (size_t)len, "]");
            ops[n++] = (struct op){2000 + 10 * i, j};
            continue;
        }
        if (k == 2)
            snprintf(j, 3000,
                     "\"op\":\"shape\",\"id\":\"r%d\",\"board\":\"p\",\"kind\":\"rect\","
                     "\"x1\":%d,\"y1\":%d,\"x2\":%d,\"y2\":%d,\"color\":\"%s\",\"width\":4,"
                     "\"fill\":\"#80e0a080\"",
                     i, x, y - 60, x + 90, y + 60, col);
        else if (k == 3)
            snprintf(j, 3000,
                     "\"op\":\"shape\",\"id\":\"e%d\",\"board\":\"p\",\"kind\":\"ellipse\","
                     "\"x1\":%d,\"y1\":%d,\"x2\":%d,\"y2\":%d,\"color\":\"%s\",\"width\":5",
                     i, x, y - 70, x + 120, y + 50, col);
        else if (k == 4)
            snprintf(j, 3000,
                     "\"op\":\"shape\",\"id\":\"a%d\",\"board\":\"p\",\"kind\":\"arrow\","
                     "\"x1\":%d,\"y1\":%d,\"x2\":%d,\"y2\":%d,\"color\":\"%s\",\"width\":6",
                     i, x, y - 90, x + 60, y + 90, col);
        else
            snprintf(j, 3000,
                     "\"op\":\"text\",\"id\":\"t%d\",\"board\":\"p\",\"x\":%d,\"y\":%d,"
                     "\"text\":\"分数 numerator %d\",\"size\":%d,\"color\":\"%s\"",
                     i, x, y - 30, i, 28 + i % 20, col);
        ops[n++] = (struct op){2000 + 10 * i, j};
    }
#undef RND
    /* end every stroke: the layer holds them all */
    static char ends[N][64];
    struct op all[2 * N + 2];
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        all[m++] = ops[i];
    for (int i = 0; i < N; i++)
        if (i % 6 < 2) {
            snprintf(ends[i], sizeof(ends[i]), "\"op\":\"stroke.end\",\"id\":\"s%d\"", i);
            all[m++] = (struct op){2000 + 10 * N + i, ends[i]};
        }
    struct board_player *p = make_player(all, m);
    struct board_draw_opts o = {.board_w = 1280, .board_h = 960};
    struct board_draw *bd = NULL;
    assert_int_equal(board_draw_create(&bd, 640, 480, &o), 0);
    assert_int_equal(board_seek_us(p, 1000000000), 0);
    const struct canvas *f = NULL;
    assert_int_equal(board_draw_frame(bd, board_player_state(p), &f), 0);
    struct board_draw_stats st;
    board_draw_get_stats(bd, &st);
    assert_int_equal(st.band_redraws, 1); /* it did take the two-thread path */

    /* one thread, no bands: a fresh drawer's board_draw_full() */
    struct board_draw *one = NULL;
    assert_int_equal(board_draw_create(&one, 640, 480, &o), 0);
    struct canvas *full = NULL;
    assert_int_equal(canvas_create(&full, 640, 480), 0);
    assert_int_equal(board_draw_full(one, board_player_state(p), full), 0);
    size_t differ = 0;
    for (int y = 0; y < 480; y++) {
        bool d = memcmp(f->px + (size_t)y * f->stride, full->px + (size_t)y * full->stride,
                        4 * 640) != 0;
        if (d)
            print_error("row %d differs\n", y);
        differ += d;
    }
    if (differ)
        print_error("two bands vs one thread: %zu rows differ (MAD %.4f)\n", differ, mad(f, full));
    assert_int_equal(differ, 0);
    struct board_draw_stats st1;
    board_draw_get_stats(one, &st1);
    assert_int_equal(st1.band_redraws, 0);
    canvas_destroy(&full);
    board_draw_destroy(&one);
    board_draw_destroy(&bd);
    board_player_destroy(&p);
}

/* A level arrow whose line ends above a row but whose head reaches below
 * it: board_draw_part() of the rows below (as render/thumb_cache.c draws
 * them) must draw the head there as a full drawing does. Its box holds
 * only the line's half width. */
static void test_part_rows_keep_an_arrow_head(void **state)
{
    (void)state;
    static const struct op ops[] = {
        {1000, "\"op\":\"board.add\",\"board\":\"p\",\"color\":\"#ffffff\""},
        {1000, "\"op\":\"board.switch\",\"board\":\"p\""},
        /* at 640 x 480 a board unit is half a pixel: the line (6 px wide)
         * is at row 92, its head reaches row 103 */
        {1100, "\"op\":\"shape\",\"id\":\"a1\",\"board\":\"p\",\"kind\":\"arrow\","
               "\"x1\":200,\"y1\":184,\"x2\":1000,\"y2\":184,\"color\":\"#000000\",\"width\":12"},
    };
    struct board_player *p = make_player(ops, sizeof(ops) / sizeof(ops[0]));
    struct board_draw_opts o = {.board_w = 1280, .board_h = 960};
    struct board_draw *bd = NULL;
    assert_int_equal(board_draw_create(&bd, 640, 480, &o), 0);
    assert_int_equal(board_seek_us(p, 2000000), 0);
    struct canvas *full = NULL, *part = NULL;
    assert_int_equal(canvas_create(&full, 640, 480), 0);
    assert_int_equal(canvas_create(&part, 640, 480), 0);
    assert_int_equal(board_draw_full(bd, board_player_state(p), full), 0);
    struct board_draw_part rows = {
        .background = true, .to = UINT32_MAX, .rows_y0 = 100, .rows_y1 = 480};
    assert_int_equal(board_draw_part(bd, board_player_state(p), &rows, part), 0);
    assert_true(canvas_get(full, 481, 100).r < 128); /* the head is there in the full drawing */
    for (int y = 100; y < 480; y++)
        assert_memory_equal(part->px + (size_t)y * part->stride,
                            full->px + (size_t)y * full->stride, 4 * 640);
    canvas_destroy(&full);
    canvas_destroy(&part);
    board_draw_destroy(&bd);
    board_player_destroy(&p);
}

/* A level arrow whose line runs just above the canvas but whose head
 * reaches into it: a full drawing draws the head (its box holds only the
 * line's half width, so a cull by the box alone dropped the arrow). */
static void test_arrow_head_on_canvas_line_off(void **state)
{
    (void)state;
    static const struct op ops[] = {
        {1000, "\"op\":\"board.add\",\"board\":\"p\",\"color\":\"#ffffff\""},
        {1000, "\"op\":\"board.switch\",\"board\":\"p\""},
        /* at 640 x 480 a board unit is half a pixel: the line (2 px wide)
         * is at row -4, its box ends at row -3; the head (20 board units
         * long, 10 px) has a base 10 px across, down to row 1 */
        {1100, "\"op\":\"shape\",\"id\":\"a1\",\"board\":\"p\",\"kind\":\"arrow\","
               "\"x1\":200,\"y1\":-8,\"x2\":1000,\"y2\":-8,\"color\":\"#000000\",\"width\":4"},
    };
    struct board_player *p = make_player(ops, sizeof(ops) / sizeof(ops[0]));
    struct board_draw_opts o = {.board_w = 1280, .board_h = 960};
    struct board_draw *bd = NULL;
    assert_int_equal(board_draw_create(&bd, 640, 480, &o), 0);
    const struct canvas *fr = frame_at(bd, p, 2000);
    int inked = 0;
    for (int x = 488; x < 500; x++)
        inked += canvas_get(fr, x, 0).r < 200;
    assert_true(inked > 0);                       /* the head's base, on row 0 */
    assert_true(canvas_get(fr, 300, 0).r == 255); /* the line stays off the canvas */
    board_draw_destroy(&bd);
    board_player_destroy(&p);
}

/* An element that cannot be drawn (an ellipse whose box is far beyond
 * what the scan converter takes at this scale) is skipped with one
 * warning naming it, however many frames draw it; the frame is drawn, and
 * the stroke drawn after it is there. */
static void test_undrawable_element_skipped_with_one_warning(void **state)
{
    (void)state;
    static const struct op ops[] = {
        {1000, "\"op\":\"board.add\",\"board\":\"p\",\"color\":\"#ffffff\""},
        {1000, "\"op\":\"board.switch\",\"board\":\"p\""},
        {1100, "\"op\":\"shape\",\"id\":\"e1\",\"board\":\"p\",\"kind\":\"ellipse\","
               "\"x1\":0,\"y1\":0,\"x2\":900000,\"y2\":900000,\"color\":\"#000000\",\"width\":4"},
        {1200, "\"op\":\"stroke.begin\",\"id\":\"s1\",\"board\":\"p\",\"tool\":\"pen\","
               "\"color\":\"#000000\",\"width\":6,\"pts\":[100,100,500,100]"},
        {1300, "\"op\":\"stroke.end\",\"id\":\"s1\""},
        {1400, "\"op\":\"view\",\"board\":\"p\",\"scale\":1,\"x\":10,\"y\":0"},
    };
    struct board_player *p = make_player(ops, sizeof(ops) / sizeof(ops[0]));
    struct board_draw_opts o = {.board_w = 1280, .board_h = 960};
    struct board_draw *bd = NULL;
    assert_int_equal(board_draw_create(&bd, 640, 480, &o), 0);
    struct diag_list d;
    diag_init(&d);
    const int64_t times[] = {1150, 1250, 1350, 1500, 1350};
    for (size_t i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
        const struct canvas *fr = frame_at(bd, p, times[i]);
        if (times[i] >= 1250 && times[i] < 1400) /* the stroke, at board scale 0.5 */
            assert_true(canvas_get(fr, 150, 50).r < 64);
        assert_true(canvas_get(fr, 600, 400).r == 255); /* the page, no ellipse ink */
        board_draw_take_diags(bd, &d);
    }
    if (d.count != 1)
        diag_print(&d, stderr);
    assert_int_equal(d.count, 1);
    assert_int_equal(d.items[0].level, DIAG_WARNING);
    print_message("%s\n", d.items[0].text);
    assert_non_null(strstr(d.items[0].text,
                           "board: an ellipse is not drawn: input exceeds a documented limit"));
    diag_clear(&d);
    board_draw_destroy(&bd);
    board_player_destroy(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_incremental_equals_full, setup, teardown),
        cmocka_unit_test_setup_teardown(test_highlighter_in_progress_never_darkens, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_view_zooms_and_scrolls, setup, teardown),
        cmocka_unit_test_setup_teardown(test_laser_fades_and_dirty_rect_is_small, setup, teardown),
        cmocka_unit_test(test_crowded_page_two_bands_equal_one_thread),
        cmocka_unit_test(test_part_rows_keep_an_arrow_head),
        cmocka_unit_test(test_arrow_head_on_canvas_line_off),
        cmocka_unit_test(test_undrawable_element_skipped_with_one_warning),
        cmocka_unit_test(test_background_image_fit),
        cmocka_unit_test(test_image_decode_and_fit),
        cmocka_unit_test(test_image_over_a_cap_refused_at_its_header),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
