/* Unit tests for render/canvas and render/raster: coverage properties of the
 * anti-aliased primitives, measured on transparent canvases (alpha = ink). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/sp_error.h"
#include "render/canvas.h"
#include "render/raster.h"

#include <ft2build.h>
#include FT_FREETYPE_H

#define PI 3.14159265358979323846

struct fix {
    struct canvas *c;
    struct raster *r;
    struct raster_xform xf;
};

static int setup(void **state)
{
    struct fix *f = calloc(1, sizeof(*f));
    if (!f || canvas_create(&f->c, 200, 120) || raster_create(&f->r))
        return -1;
    f->xf = raster_xform_identity();
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fix *f = *state;
    canvas_destroy(&f->c);
    raster_destroy(&f->r);
    free(f);
    return 0;
}

static const struct canvas_color BLACK = {0, 0, 0, 255};

static double alpha_at(const struct canvas *c, int x, int y)
{
    return canvas_get(c, x, y).a / 255.0;
}

static double column_ink(const struct canvas *c, int x)
{
    double s = 0;
    for (int y = 0; y < c->h; y++)
        s += alpha_at(c, x, y);
    return s;
}

static double row_ink(const struct canvas *c, int y)
{
    double s = 0;
    for (int x = 0; x < c->w; x++)
        s += alpha_at(c, x, y);
    return s;
}

static double total_ink(const struct canvas *c)
{
    double s = 0;
    for (int y = 0; y < c->h; y++)
        s += row_ink(c, y);
    return s;
}

static uint8_t max_alpha(const struct canvas *c)
{
    uint8_t m = 0;
    for (int y = 0; y < c->h; y++)
        for (int x = 0; x < c->w; x++)
            if (canvas_get(c, x, y).a > m)
                m = canvas_get(c, x, y).a;
    return m;
}

static void test_line_width_and_round_caps(void **state)
{
    struct fix *f = *state;
    /* horizontal, width 10, centre line y = 50 (pixel rows 45..54) */
    assert_int_equal(raster_line(f->r, f->c, &f->xf, 40, 50, 120, 50, 10, BLACK), 0);
    assert_float_equal(column_ink(f->c, 80), 10.0, 0.02);
    for (int y = 45; y < 55; y++)
        assert_int_equal(canvas_get(f->c, 80, y).a, 255);
    assert_int_equal(canvas_get(f->c, 80, 44).a, 0);
    assert_int_equal(canvas_get(f->c, 80, 55).a, 0);
    /* round caps: ink starts w/2 before the end points, along the centre */
    /* rows 49 and 50 hold the caps' widest chords, 2 * sqrt(25 - 0.25) */
    assert_float_equal(row_ink(f->c, 49) + row_ink(f->c, 50), 2 * (80 + 2 * 4.975), 0.3);
    assert_int_equal(canvas_get(f->c, 36, 50).a, 255);     /* inside the cap */
    assert_in_range(canvas_get(f->c, 35, 50).a, 200, 254); /* its edge pixel */
    assert_int_equal(canvas_get(f->c, 34, 50).a, 0);       /* past the cap */
    /* the cap is round: its corner pixel is empty, where a square cap
     * would be full */
    assert_int_equal(canvas_get(f->c, 35, 45).a, 0);
    /* total area: rectangle + disc (FreeType flattens curves to chords a
     * few hundredths of a pixel inside the true arc: ~0.06 px * 31 px) */
    assert_float_equal(total_ink(f->c), 80 * 10 + PI * 25, 2.5);
}

static void test_width_scales_with_view(void **state)
{
    struct fix *f = *state;
    struct raster_xform xf = {2.0, -20.0, 0.0}; /* zoom 2, scrolled 10 units */
    assert_int_equal(raster_line(f->r, f->c, &xf, 30, 25, 60, 25, 10, BLACK), 0);
    assert_float_equal(column_ink(f->c, 80), 20.0, 0.02); /* 10 units * 2 */
    assert_int_equal(canvas_get(f->c, 80, 40).a, 255);    /* rows 40..59 */
    assert_int_equal(canvas_get(f->c, 80, 59).a, 255);
    assert_int_equal(canvas_get(f->c, 80, 39).a, 0);
    assert_int_equal(canvas_get(f->c, 80, 60).a, 0);
    /* starts at x = 30*2 - 20 - 10 (cap) = 30 */
    assert_int_equal(canvas_get(f->c, 31, 50).a, 255);
    assert_in_range(canvas_get(f->c, 30, 50).a, 200, 254);
    assert_int_equal(canvas_get(f->c, 29, 50).a, 0);
}

static void test_highlighter_never_darkens_itself(void **state)
{
    struct fix *f = *state;
    const struct canvas_color hl = {255, 220, 0, 100};
    /* crosses itself twice and doubles back along its own path */
    const double pts[] = {20, 60, 180, 60, 180, 20, 100, 20, 100, 100, 60, 100, 60, 10, 60, 90};
    assert_int_equal(raster_stroke(f->r, f->c, &f->xf, pts, 8, 16, hl), 0);
    assert_int_equal(max_alpha(f->c), 100);
    assert_int_equal(canvas_get(f->c, 100, 60).a, 100); /* a crossing */
    assert_int_equal(canvas_get(f->c, 60, 50).a, 100);  /* doubled back */
    /* a second stroke over it does compound: 100 + 100 * (155/255) */
    const double over[] = {10, 60, 190, 60};
    assert_int_equal(raster_stroke(f->r, f->c, &f->xf, over, 2, 6, hl), 0);
    assert_int_equal(canvas_get(f->c, 100, 60).a, 161);
}

static void test_long_translucent_stroke_is_one_mask(void **state)
{
    struct fix *f = *state;
    /* more points than one stroker chunk, zig-zagging over itself */
    enum { N = 5000 };
    double *pts = malloc(2 * N * sizeof(double));
    assert_non_null(pts);
    for (int i = 0; i < N; i++) {
        pts[2 * i] = 30 + 140 * (0.5 + 0.5 * sin(i * 0.013));
        pts[2 * i + 1] = 20 + 80 * (0.5 + 0.5 * sin(i * 0.0071));
    }
    const struct canvas_color hl = {0, 120, 255, 90};
    assert_int_equal(raster_stroke(f->r, f->c, &f->xf, pts, N, 12, hl), 0);
    assert_int_equal(max_alpha(f->c), 90);
    assert_true(total_ink(f->c) > 2000 * 90 / 255.0);
    free(pts);
}

static void test_fill_is_pixel_exact(void **state)
{
    struct fix *f = *state;
    const struct canvas_color fill = {10, 200, 30, 255};
    assert_int_equal(raster_rect(f->r, f->c, &f->xf, 30, 20, 10, 10, 0, BLACK, &fill), 0);
    for (int y = 0; y < f->c->h; y++)
        for (int x = 0; x < f->c->w; x++) {
            bool in = x >= 10 && x < 30 && y >= 10 && y < 20;
            struct canvas_color p = canvas_get(f->c, x, y);
            assert_int_equal(p.a, in ? 255 : 0);
            if (in)
                assert_memory_equal(&p, &fill, 4);
        }
    /* half a pixel of coverage on a half-pixel edge */
    canvas_clear(f->c, canvas_rgba(0, 0, 0, 0));
    assert_int_equal(raster_rect(f->r, f->c, &f->xf, 50.5, 50, 60, 60, 0, BLACK, &fill), 0);
    assert_in_range(canvas_get(f->c, 50, 55).a, 127, 128);
    assert_int_equal(canvas_get(f->c, 51, 55).a, 255);
}

static void test_blend_over_opaque(void **state)
{
    struct fix *f = *state;
    canvas_clear(f->c, canvas_rgba(255, 255, 255, 255));
    struct canvas_rect r = {0, 0, 10, 10};
    canvas_fill_rect(f->c, r, canvas_rgba(0, 0, 255, 128));
    struct canvas_color p = canvas_get(f->c, 5, 5);
    assert_int_equal(p.a, 255);
    assert_int_equal(p.b, 255);
    assert_in_range(p.r, 126, 128); /* 255 * (1 - 128/255) */
    assert_in_range(p.g, 126, 128);
}

static void test_dot_and_ellipse_areas(void **state)
{
    struct fix *f = *state;
    const double dot[] = {50, 50, 50, 50}; /* repeated point = a dot */
    assert_int_equal(raster_stroke(f->r, f->c, &f->xf, dot, 2, 20, BLACK), 0);
    assert_float_equal(total_ink(f->c), PI * 100, PI * 100 * 0.01);
    canvas_clear(f->c, canvas_rgba(0, 0, 0, 0));
    const struct canvas_color fill = {0, 0, 0, 255};
    assert_int_equal(raster_ellipse(f->r, f->c, &f->xf, 20, 20, 120, 80, 0, BLACK, &fill), 0);
    assert_float_equal(total_ink(f->c), PI * 50 * 30, PI * 50 * 30 * 0.01);
    /* a stroked ellipse ring: outer minus inner area */
    canvas_clear(f->c, canvas_rgba(0, 0, 0, 0));
    assert_int_equal(raster_ellipse(f->r, f->c, &f->xf, 20, 20, 120, 100, 4, BLACK, NULL), 0);
    assert_float_equal(total_ink(f->c), PI * (52 * 42 - 48 * 38), PI * 8 * 45 * 0.02);
    assert_int_equal(canvas_get(f->c, 70, 60).a, 0); /* centre stays empty */
}

static void test_arrow_is_one_shape(void **state)
{
    struct fix *f = *state;
    const struct canvas_color c = {200, 0, 0, 120};
    assert_int_equal(raster_arrow(f->r, f->c, &f->xf, 20, 60, 180, 60, 6, c), 0);
    assert_int_equal(max_alpha(f->c), 120); /* shaft and head overlap blend once */
    /* the head is wider than the shaft near the tip, the tip is sharp */
    double tri[6], se[2];
    raster_arrow_geometry(20, 60, 180, 60, 6, tri, se);
    assert_float_equal(tri[0], 180, 1e-9);
    assert_float_equal(RASTER_ARROW_HEAD_LEN(6.0), 26.0, 1e-9);
    /* the head's full width at distance d from the tip is d (26 long, 26 wide) */
    assert_float_equal(column_ink(f->c, 160), 19.5 * 120 / 255.0, 0.3);
    assert_int_equal(canvas_get(f->c, 181, 60).a, 0);
}

static void test_laser_fades(void **state)
{
    struct fix *f = *state;
    assert_int_equal(raster_laser(f->r, f->c, &f->xf, 50, 50, 0.0), 0);
    assert_int_equal(max_alpha(f->c), 0);
    assert_int_equal(raster_laser(f->r, f->c, &f->xf, 50, 50, 1.0), 0);
    uint8_t full = max_alpha(f->c);
    double ink_full = total_ink(f->c);
    canvas_clear(f->c, canvas_rgba(0, 0, 0, 0));
    assert_int_equal(raster_laser(f->r, f->c, &f->xf, 50, 50, 0.3), 0);
    uint8_t faded = max_alpha(f->c);
    assert_true(full > 240);
    assert_true(faded > 0 && faded < full * 0.6);
    assert_true(total_ink(f->c) < ink_full * 0.5);
    /* constant screen size: a zoomed view draws the same dot */
    struct raster_xform zoom = {4.0, 0, 0};
    double ink_faded = total_ink(f->c);
    canvas_clear(f->c, canvas_rgba(0, 0, 0, 0));
    assert_int_equal(raster_laser(f->r, f->c, &zoom, 12.5, 12.5, 0.3), 0);
    assert_float_equal(total_ink(f->c), ink_faded, 0.5);
}

static void test_bad_input(void **state)
{
    struct fix *f = *state;
    const double pts[] = {0, 0, NAN, 5, 10, 10};
    assert_int_equal(raster_stroke(f->r, f->c, &f->xf, pts, 3, NAN, BLACK), SP_EINVAL);
    assert_int_equal(raster_stroke(f->r, f->c, &f->xf, pts, 3, -1, BLACK), SP_EINVAL);
    assert_int_equal(raster_stroke(f->r, f->c, &f->xf, NULL, 3, 1, BLACK), SP_EINVAL);
    assert_int_equal(raster_stroke(f->r, f->c, &f->xf, pts, RASTER_MAX_POINTS + 1, 1, BLACK),
                     SP_ELIMIT);
    struct raster_xform bad = {0, 0, 0};
    assert_int_equal(raster_stroke(f->r, f->c, &bad, pts, 3, 1, BLACK), SP_EINVAL);
    /* a NaN point is skipped, the rest is drawn */
    assert_int_equal(raster_stroke(f->r, f->c, &f->xf, pts, 3, 2, BLACK), 0);
    assert_true(total_ink(f->c) > 10);
    /* far off-canvas and huge coordinates: nothing drawn, no crash */
    canvas_clear(f->c, canvas_rgba(0, 0, 0, 0));
    const double far[] = {-1e12, -1e12, -1e9, 5e11};
    assert_int_equal(raster_stroke(f->r, f->c, &f->xf, far, 2, 3, BLACK), 0);
    const double across[] = {-1e9, 60, 1e9, 60};
    assert_int_equal(raster_stroke(f->r, f->c, &f->xf, across, 2, 4, BLACK), 0);
    assert_float_equal(column_ink(f->c, 100), 4.0, 0.05);
    assert_int_equal(raster_arrow(f->r, f->c, &f->xf, 5, 5, 5, 5, 3, BLACK), 0);
    assert_int_equal(raster_rect(f->r, f->c, &f->xf, 5, 5, 5, 50, 3, BLACK, NULL), 0);
    struct canvas *c2 = NULL;
    assert_int_equal(canvas_create(&c2, 0, 10), SP_EINVAL);
    assert_int_equal(canvas_create(&c2, CANVAS_MAX_DIM + 1, 10), SP_EINVAL);
    assert_null(c2);
    canvas_destroy(NULL);
    canvas_destroy(&c2);
    raster_destroy(NULL);
}

static void test_png_round_trip_size(void **state)
{
    struct fix *f = *state;
    assert_int_equal(raster_line(f->r, f->c, &f->xf, 10, 10, 150, 100, 8, BLACK), 0);
    uint8_t *png = NULL;
    size_t len = 0;
    assert_int_equal(canvas_encode_png(f->c, &png, &len), 0);
    assert_true(len > 100);
    assert_memory_equal(png, "\x89PNG\r\n\x1a\n", 8);
    free(png);
    char path[1024];
    snprintf(path, sizeof(path), "%s/raster_line.png", SIGPLAY_TEST_TMP);
    assert_int_equal(canvas_write_png(f->c, path), 0);
}

/* One dense pen stroke: n random, self-crossing points over a board-sized
 * canvas, width 3. FreeType's scan converter runs out of cells on such an
 * outline; it must still draw, every point of it. step 0: each point
 * anywhere on the board (long segments criss-crossing all of it); step s:
 * a scribble, each point within s px of the one before, wandering over the
 * board (as many points and crossings for a fraction of the ink, so the
 * vertex check is not met by a board inked all over). */
static void dense_stroke(int n, int step)
{
    struct canvas *c = NULL;
    struct raster *r = NULL;
    assert_int_equal(canvas_create(&c, 1280, 960), 0);
    assert_int_equal(raster_create(&r), 0);
    double *pts = malloc(sizeof(double) * 2 * (size_t)n);
    assert_non_null(pts);
    unsigned seed = 12345u + (unsigned)n;
    int x = 640, y = 480;
    for (int i = 0; i < n; i++) {
        seed = seed * 1103515245u + 12345u;
        int rx = (int)((seed >> 8) % 1240);
        seed = seed * 1103515245u + 12345u;
        int ry = (int)((seed >> 8) % 920);
        if (step) { /* rx, ry as a step of -step..step, kept on the board */
            x += rx % (2 * step + 1) - step;
            y += ry % (2 * step + 1) - step;
            x = x < 20 ? 40 - x : x > 1259 ? 2518 - x : x;
            y = y < 20 ? 40 - y : y > 939 ? 1878 - y : y;
        } else {
            x = 20 + rx;
            y = 20 + ry;
        }
        pts[2 * i] = x;
        pts[2 * i + 1] = y;
    }
    struct raster_xform xf = raster_xform_identity();
    int rc = raster_stroke(r, c, &xf, pts, (size_t)n, 3.0, BLACK);
    assert_int_equal(rc, 0);
    /* every vertex lies inside the stroke: its pixel is inked */
    int missed = 0;
    for (int i = 0; i < n; i++)
        if (alpha_at(c, (int)pts[2 * i], (int)pts[2 * i + 1]) < 0.5)
            missed++;
    assert_int_equal(missed, 0);
    /* and the ink stays a 3 px line: a pixel far from every segment (the
     * corner margin, outside every point) is empty */
    assert_true(alpha_at(c, 5, 5) == 0.0 && alpha_at(c, 1275, 955) == 0.0);
    if (step) {
        /* the scribble covers much of the board, not all of it */
        double ink = total_ink(c) / (1280.0 * 960.0);
        printf("scribble of %d points: %.0f%% of the board inked\n", n, ink * 100);
        assert_true(ink > 0.05 && ink < 0.6);
    }
    free(pts);
    raster_destroy(&r);
    canvas_destroy(&c);
}

static void test_dense_stroke_200(void **state)
{
    (void)state;
    dense_stroke(200, 0);
}

static void test_dense_stroke_2000(void **state)
{
    (void)state;
    dense_stroke(2000, 0);
}

/* 20000 points as a scribble: spread over the board like the 2000 above
 * (some 30 Mpx of ink: the board covered over twenty times) it took over
 * half a minute of CPU under the sanitizers; the scribble takes the same
 * paths (pieces, the union mask) with every vertex still checked, on a
 * board that is not inked all over. */
static void test_dense_stroke_20000(void **state)
{
    (void)state;
    dense_stroke(20000, 24);
}

/* A FreeType error is named as what it is, not as out of memory: a
 * corrupted scan converter is SP_ERANGE and says so; only FreeType's own
 * out-of-memory is SP_ENOMEM; with no error injected the stroke draws. */
static void test_freetype_error_named(void **state)
{
    struct fix *f = *state;
    const double pts[] = {20, 20, 180, 100, 20, 100};
    raster_inject_error(f->r, FT_Err_Raster_Corrupted);
    assert_int_equal(raster_stroke(f->r, f->c, &f->xf, pts, 3, 3.0, BLACK), SP_ERANGE);
    const char *why = raster_error_text(f->r);
    print_message("FreeType: %s\n", why);
    assert_non_null(strstr(why, "corrupt"));
    assert_null(strstr(why, "memory"));
    raster_inject_error(f->r, FT_Err_Invalid_Outline);
    assert_int_equal(raster_line(f->r, f->c, &f->xf, 10, 10, 100, 10, 3.0, BLACK), SP_ERANGE);
    assert_non_null(strstr(raster_error_text(f->r), "invalid outline"));
    raster_inject_error(f->r, FT_Err_Out_Of_Memory);
    assert_int_equal(raster_stroke(f->r, f->c, &f->xf, pts, 3, 3.0, BLACK), SP_ENOMEM);
    assert_non_null(strstr(raster_error_text(f->r), "memory"));
    assert_true(total_ink(f->c) == 0.0);
    raster_inject_error(f->r, 0);
    assert_int_equal(raster_stroke(f->r, f->c, &f->xf, pts, 3, 3.0, BLACK), 0);
    assert_true(alpha_at(f->c, 100, 60) > 0.5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_line_width_and_round_caps, setup, teardown),
        cmocka_unit_test_setup_teardown(test_width_scales_with_view, setup, teardown),
        cmocka_unit_test_setup_teardown(test_highlighter_never_darkens_itself, setup, teardown),
        cmocka_unit_test_setup_teardown(test_long_translucent_stroke_is_one_mask, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fill_is_pixel_exact, setup, teardown),
        cmocka_unit_test_setup_teardown(test_blend_over_opaque, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dot_and_ellipse_areas, setup, teardown),
        cmocka_unit_test_setup_teardown(test_arrow_is_one_shape, setup, teardown),
        cmocka_unit_test_setup_teardown(test_laser_fades, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_input, setup, teardown),
        cmocka_unit_test_setup_teardown(test_png_round_trip_size, setup, teardown),
        cmocka_unit_test_setup_teardown(test_freetype_error_named, setup, teardown),
        cmocka_unit_test(test_dense_stroke_200),
        cmocka_unit_test(test_dense_stroke_2000),
        cmocka_unit_test(test_dense_stroke_20000),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
