/* Drawing quality against an independent reference: ImageMagick.
 *
 * Each scene (strokes, shapes, a translucent highlighter over pen strokes)
 * is described once as data; sigplay draws it with render/raster, and
 * ImageMagick's `convert -draw` draws the same geometry (stroke-linecap and
 * stroke-linejoin round, antialias on, the default). Both images are written
 * to SIGPLAY_TEST_TMP/raster_vs_magick/ so a person can look at them.
 *
 * Metrics, on the 8-bit RGB images over a white background:
 *   MAD   mean absolute difference per channel over all pixels (0..255);
 *   SSIM  mean structural similarity of luma, 8x8 windows, step 4,
 *         the usual constants (Wang et al. 2004).
 * Thresholds: MAD < 1.5 and SSIM > 0.97 for every scene.
 * Why these: both renderers fill the same ideal shapes with area-based
 * anti-aliasing (FreeType's scan converter is exact-area; ImageMagick
 * estimates coverage from the distance to the edge), so they may only
 * differ on edge pixels, by a fraction of a pixel's coverage, plus
 * ImageMagick's polygonal approximation of round caps and ellipses. Edge
 * pixels are a few percent of each scene, so sub-pixel edge rounding alone
 * stays well under MAD 1.5 (measured: 0.5 to 0.7; SSIM 0.998). A real
 * geometric or blending error does not, and the negative controls below
 * prove the thresholds catch them (measured): widths 40 % too wide
 * (MAD 8.2, SSIM 0.85), shapes shifted by 2 px (MAD 14.7, SSIM 0.77), a
 * highlighter that darkens where it overlaps itself, drawn segment by
 * segment (MAD 5.2, SSIM 0.953).
 *
 * Needs ImageMagick's `convert` on PATH (scripts/deps.sh installs the
 * imagemagick package; CI has it). Without it the test fails, it does not
 * skip.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "render/canvas.h"
#include "render/raster.h"

extern char **environ;

#define PI 3.14159265358979323846
#define MAD_MAX 1.5
#define SSIM_MIN 0.97

enum el_kind { EL_POLY, EL_RECT, EL_ELLIPSE, EL_ARROW };

struct el {
    enum el_kind kind;
    double width;
    struct canvas_color color;
    bool has_fill;
    struct canvas_color fill;
    size_t n;        /* EL_POLY points */
    double pts[128]; /* EL_POLY: x,y pairs; shapes: x1,y1,x2,y2 */
};

struct scene {
    const char *name;
    int w, h;
    size_t n;
    struct el els[16];
};

/* ---- scenes -------------------------------------------------------------- */

static void poly_sine(struct el *e, double x0, double y0, double len, double amp, int n)
{
    e->kind = EL_POLY;
    e->n = (size_t)n;
    for (int i = 0; i < n; i++) {
        double t = (double)i / (n - 1);
        e->pts[2 * i] = x0 + t * len;
        e->pts[2 * i + 1] = y0 + amp * sin(t * 3.0 * PI);
    }
}

static void poly(struct el *e, size_t n, const double *xy)
{
    e->kind = EL_POLY;
    e->n = n;
    memcpy(e->pts, xy, n * 2 * sizeof(double));
}

static void shape(struct el *e, enum el_kind k, double x1, double y1, double x2, double y2)
{
    e->kind = k;
    e->pts[0] = x1;
    e->pts[1] = y1;
    e->pts[2] = x2;
    e->pts[3] = y2;
}

static void build_strokes(struct scene *s)
{
    memset(s, 0, sizeof(*s));
    s->name = "strokes";
    s->w = 320;
    s->h = 240;
    struct el *e = s->els;
    poly_sine(e, 20, 40, 280, 18, 40);
    e->width = 2, e->color = canvas_rgba(20, 20, 20, 255), e++;
    poly_sine(e, 20, 95, 280, 14, 30);
    e->width = 6, e->color = canvas_rgba(30, 90, 210, 255), e++;
    const double zig[] = {25, 200, 60, 140, 95, 210, 130, 150, 150, 215};
    poly(e, 5, zig);
    e->width = 9, e->color = canvas_rgba(200, 40, 40, 255), e++;
    const double hook[] = {180, 150, 290, 150, 290, 215, 210, 215, 215, 170};
    poly(e, 5, hook);
    e->width = 14, e->color = canvas_rgba(40, 150, 60, 255), e++;
    const double dot[] = {160, 130};
    poly(e, 1, dot);
    e->width = 12, e->color = canvas_rgba(0, 0, 0, 255), e++;
    s->n = (size_t)(e - s->els);
}

static void build_shapes(struct scene *s)
{
    memset(s, 0, sizeof(*s));
    s->name = "shapes";
    s->w = 320;
    s->h = 240;
    struct el *e = s->els;
    shape(e, EL_POLY, 20, 20, 140, 70);
    e->n = 2, e->width = 4, e->color = canvas_rgba(0, 0, 0, 255), e++;
    shape(e, EL_RECT, 170, 20, 300, 90);
    e->width = 5, e->color = canvas_rgba(30, 60, 160, 255), e++;
    shape(e, EL_RECT, 20, 110, 140, 220);
    e->width = 3, e->color = canvas_rgba(0, 0, 0, 255), e->has_fill = true;
    e->fill = canvas_rgba(250, 200, 60, 255), e++;
    shape(e, EL_ELLIPSE, 170, 110, 300, 180);
    e->width = 4, e->color = canvas_rgba(150, 20, 150, 255), e++;
    shape(e, EL_ELLIPSE, 190, 190, 280, 230);
    e->width = 2, e->color = canvas_rgba(20, 20, 20, 255), e->has_fill = true;
    e->fill = canvas_rgba(120, 200, 240, 255), e++;
    shape(e, EL_ARROW, 30, 95, 150, 100);
    e->width = 3, e->color = canvas_rgba(200, 30, 30, 255), e++;
    s->n = (size_t)(e - s->els);
}

static void build_highlighter(struct scene *s)
{
    memset(s, 0, sizeof(*s));
    s->name = "highlighter";
    s->w = 320;
    s->h = 240;
    struct el *e = s->els;
    /* pen "text lines" underneath */
    for (int i = 0; i < 4; i++) {
        shape(e, EL_POLY, 30, 50 + 45 * i, 290, 50 + 45 * i);
        e->n = 2, e->width = 3, e->color = canvas_rgba(10, 10, 10, 255), e++;
    }
    /* a highlighter stroke that doubles back over itself and crosses itself */
    const double loop[] = {20,  50,  300, 50,  300, 95,  40,  95, 40,  140, 260,
                           140, 260, 30,  150, 30,  150, 210, 60, 210, 60,  170};
    poly(e, 11, loop);
    e->width = 26, e->color = canvas_rgba(255, 225, 0, 110), e++;
    /* and a second one over it: two strokes do compound, as they should */
    poly_sine(e, 20, 185, 280, 25, 24);
    e->width = 20, e->color = canvas_rgba(60, 220, 120, 100), e++;
    s->n = (size_t)(e - s->els);
}

/* ---- sigplay side ------------------------------------------------------ */

/* split_segments draws each segment of a polyline on its own: the classic
 * bug that makes a translucent stroke darken where it overlaps itself (a
 * negative control). */
static struct canvas *draw_sigplay(const struct scene *s, double width_factor, double shift,
                                   bool split_segments)
{
    struct canvas *c = NULL;
    assert_int_equal(canvas_create(&c, s->w, s->h), 0);
    canvas_clear(c, canvas_rgba(255, 255, 255, 255));
    struct raster *r = NULL;
    assert_int_equal(raster_create(&r), 0);
    struct raster_xform xf = {1.0, shift, shift};
    for (size_t i = 0; i < s->n; i++) {
        const struct el *e = &s->els[i];
        const double *p = e->pts;
        double w = e->width * width_factor;
        const struct canvas_color *fill = e->has_fill ? &e->fill : NULL;
        int ret = 0;
        switch (e->kind) {
        case EL_POLY:
            if (split_segments && e->n > 1) {
                for (size_t k = 0; k + 1 < e->n && !ret; k++)
                    ret = raster_stroke(r, c, &xf, p + 2 * k, 2, w, e->color);
            } else {
                ret = raster_stroke(r, c, &xf, p, e->n, w, e->color);
            }
            break;
        case EL_RECT:
            ret = raster_rect(r, c, &xf, p[0], p[1], p[2], p[3], w, e->color, fill);
            break;
        case EL_ELLIPSE:
            ret = raster_ellipse(r, c, &xf, p[0], p[1], p[2], p[3], w, e->color, fill);
            break;
        case EL_ARROW:
            ret = raster_arrow(r, c, &xf, p[0], p[1], p[2], p[3], w, e->color);
            break;
        }
        assert_int_equal(ret, 0);
    }
    raster_destroy(&r);
    return c;
}

/* ---- ImageMagick side ---------------------------------------------------- */

struct argv_buf {
    char *v[256];
    int n;
};

static void arg(struct argv_buf *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void arg(struct argv_buf *a, const char *fmt, ...)
{
    assert_true(a->n < 254);
    va_list ap;
    va_start(ap, fmt);
    char buf[4096];
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    a->v[a->n] = strdup(buf);
    assert_non_null(a->v[a->n]);
    a->n++;
    a->v[a->n] = NULL;
}

static void color_arg(struct argv_buf *a, struct canvas_color c)
{
    arg(a, "rgba(%d,%d,%d,%.4f)", c.r, c.g, c.b, c.a / 255.0);
}

/* ImageMagick puts pixel centres on integer coordinates, sigplay on
 * integer + 0.5 (see raster.h): the same point is (x - 0.5) there. */
#define IM(v) ((v)-0.5)

static void append_points(char *buf, size_t cap, const double *xy, size_t n)
{
    size_t len = strlen(buf);
    for (size_t i = 0; i < n; i++) {
        int k = snprintf(buf + len, cap - len, " %.3f,%.3f", IM(xy[2 * i]), IM(xy[2 * i + 1]));
        assert_true(k > 0 && (size_t)k < cap - len);
        len += (size_t)k;
    }
}

static const char *ROUND = "stroke-linecap round stroke-linejoin round";

static void magick_el(struct argv_buf *a, const struct el *e)
{
    char d[4096];
    const double *p = e->pts;
    if (e->kind == EL_ARROW) {
        double tri[6], se[2];
        raster_arrow_geometry(p[0], p[1], p[2], p[3], e->width, tri, se);
        const double shaft[4] = {p[0], p[1], se[0], se[1]};
        arg(a, "-fill");
        arg(a, "none");
        arg(a, "-stroke");
        color_arg(a, e->color);
        arg(a, "-strokewidth");
        arg(a, "%.3f", e->width);
        snprintf(d, sizeof(d), "%s polyline", ROUND);
        append_points(d, sizeof(d), shaft, 2);
        arg(a, "-draw");
        arg(a, "%s", d);
        arg(a, "-stroke");
        arg(a, "none");
        arg(a, "-fill");
        color_arg(a, e->color);
        snprintf(d, sizeof(d), "polygon");
        append_points(d, sizeof(d), tri, 3);
        arg(a, "-draw");
        arg(a, "%s", d);
        return;
    }
    /* Fill and border as separate primitives, like raster_rect/ellipse. */
    if (e->has_fill) {
        arg(a, "-stroke");
        arg(a, "none");
        arg(a, "-fill");
        color_arg(a, e->fill);
        if (e->kind == EL_RECT)
            snprintf(d, sizeof(d), "rectangle %.3f,%.3f %.3f,%.3f", IM(p[0]), IM(p[1]), IM(p[2]),
                     IM(p[3]));
        else
            snprintf(d, sizeof(d), "ellipse %.3f,%.3f %.3f,%.3f 0,360", IM((p[0] + p[2]) / 2),
                     IM((p[1] + p[3]) / 2), fabs(p[2] - p[0]) / 2, fabs(p[3] - p[1]) / 2);
        arg(a, "-draw");
        arg(a, "%s", d);
    }
    arg(a, "-fill");
    arg(a, "none");
    arg(a, "-stroke");
    color_arg(a, e->color);
    arg(a, "-strokewidth");
    arg(a, "%.3f", e->width);
    switch (e->kind) {
    case EL_POLY:
        if (e->n == 1) /* a dot: a zero-length line with round caps */
            snprintf(d, sizeof(d), "%s line %.3f,%.3f %.3f,%.3f", ROUND, IM(p[0]), IM(p[1]),
                     IM(p[0]), IM(p[1]));
        else {
            snprintf(d, sizeof(d), "%s polyline", ROUND);
            append_points(d, sizeof(d), p, e->n);
        }
        break;
    case EL_RECT:
        snprintf(d, sizeof(d), "%s rectangle %.3f,%.3f %.3f,%.3f", ROUND, IM(p[0]), IM(p[1]),
                 IM(p[2]), IM(p[3]));
        break;
    case EL_ELLIPSE:
        snprintf(d, sizeof(d), "%s ellipse %.3f,%.3f %.3f,%.3f 0,360", ROUND, IM((p[0] + p[2]) / 2),
                 IM((p[1] + p[3]) / 2), fabs(p[2] - p[0]) / 2, fabs(p[3] - p[1]) / 2);
        break;
    default:
        fail();
    }
    arg(a, "-draw");
    arg(a, "%s", d);
}

static int run_argv(char **argv)
{
    pid_t pid;
    int err = posix_spawnp(&pid, argv[0], NULL, NULL, argv, environ);
    if (err) {
        print_error("cannot run %s: %s (install ImageMagick: scripts/deps.sh)\n", argv[0],
                    strerror(err));
        return -1;
    }
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Returns w*h*3 RGB bytes drawn by ImageMagick (caller frees). */
static uint8_t *draw_magick(const struct scene *s, const char *png_path, const char *rgb_path)
{
    struct argv_buf a = {.n = 0};
    arg(&a, "convert");
    arg(&a, "-size");
    arg(&a, "%dx%d", s->w, s->h);
    arg(&a, "xc:white");
    arg(&a, "-antialias"); /* the default, made explicit */
    for (size_t i = 0; i < s->n; i++)
        magick_el(&a, &s->els[i]);
    arg(&a, "-write");
    arg(&a, "%s", png_path);
    arg(&a, "-depth");
    arg(&a, "8");
    arg(&a, "rgb:%s", rgb_path);
    int rc = run_argv(a.v);
    for (int i = 0; i < a.n; i++)
        free(a.v[i]);
    assert_int_equal(rc, 0);
    FILE *f = fopen(rgb_path, "rb");
    assert_non_null(f);
    size_t size = (size_t)s->w * s->h * 3;
    uint8_t *buf = malloc(size);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, size, f), size);
    fclose(f);
    return buf;
}

/* ---- metrics ----------------------------------------------------------------- */

static uint8_t *canvas_rgb(const struct canvas *c)
{
    uint8_t *buf = malloc((size_t)c->w * c->h * 3);
    assert_non_null(buf);
    for (int y = 0; y < c->h; y++)
        for (int x = 0; x < c->w; x++) {
            struct canvas_color p = canvas_get(c, x, y);
            uint8_t *d = buf + ((size_t)y * c->w + x) * 3;
            d[0] = p.r, d[1] = p.g, d[2] = p.b;
        }
    return buf;
}

static double mad(const uint8_t *a, const uint8_t *b, size_t n)
{
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += abs((int)a[i] - (int)b[i]);
    return sum / n;
}

static double ssim(const uint8_t *a, const uint8_t *b, int w, int h)
{
    const double c1 = (0.01 * 255) * (0.01 * 255), c2 = (0.03 * 255) * (0.03 * 255);
    double total = 0;
    int windows = 0;
    for (int y0 = 0; y0 + 8 <= h; y0 += 4)
        for (int x0 = 0; x0 + 8 <= w; x0 += 4) {
            double sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
            for (int y = y0; y < y0 + 8; y++)
                for (int x = x0; x < x0 + 8; x++) {
                    const uint8_t *pa = a + ((size_t)y * w + x) * 3;
                    const uint8_t *pb = b + ((size_t)y * w + x) * 3;
                    double la = 0.299 * pa[0] + 0.587 * pa[1] + 0.114 * pa[2];
                    double lb = 0.299 * pb[0] + 0.587 * pb[1] + 0.114 * pb[2];
                    sa += la, sb += lb, saa += la * la, sbb += lb * lb, sab += la * lb;
                }
            double n = 64, ma = sa / n, mb = sb / n;
            double va = saa / n - ma * ma, vb = sbb / n - mb * mb, cov = sab / n - ma * mb;
            total +=
                ((2 * ma * mb + c1) * (2 * cov + c2)) / ((ma * ma + mb * mb + c1) * (va + vb + c2));
            windows++;
        }
    return total / windows;
}

struct result {
    double mad, ssim;
};

static struct result compare_scene(const struct scene *s, double width_factor, double shift,
                                   bool split, const char *tag)
{
    char dir[1024], png[1200], rgb[1200], ours[1200];
    snprintf(dir, sizeof(dir), "%s/raster_vs_magick", SIGPLAY_TEST_TMP);
    mkdir(dir, 0755);
    snprintf(png, sizeof(png), "%s/%s_magick.png", dir, s->name);
    snprintf(rgb, sizeof(rgb), "%s/%s_magick.rgb", dir, s->name);
    snprintf(ours, sizeof(ours), "%s/%s_sigplay%s.png", dir, s->name, tag);
    uint8_t *ref = draw_magick(s, png, rgb);
    struct canvas *c = draw_sigplay(s, width_factor, shift, split);
    assert_int_equal(canvas_write_png(c, ours), 0);
    uint8_t *mine = canvas_rgb(c);
    struct result res = {mad(mine, ref, (size_t)s->w * s->h * 3), ssim(mine, ref, s->w, s->h)};
    print_message("%-12s%-10s MAD %.3f  SSIM %.4f\n", s->name, tag, res.mad, res.ssim);
    free(mine);
    free(ref);
    canvas_destroy(&c);
    return res;
}

static void check_scene(void (*build)(struct scene *))
{
    struct scene *s = malloc(sizeof(*s));
    assert_non_null(s);
    build(s);
    struct result r = compare_scene(s, 1.0, 0.0, false, "");
    assert_true(r.mad < MAD_MAX);
    assert_true(r.ssim > SSIM_MIN);
    free(s);
}

static void test_strokes(void **state)
{
    (void)state;
    check_scene(build_strokes);
}

static void test_shapes(void **state)
{
    (void)state;
    check_scene(build_shapes);
}

static void test_highlighter(void **state)
{
    (void)state;
    check_scene(build_highlighter);
}

/* Negative controls: the thresholds must reject visibly wrong drawings. */
static void test_metric_rejects_wrong_width(void **state)
{
    (void)state;
    struct scene *s = malloc(sizeof(*s));
    assert_non_null(s);
    build_strokes(s);
    struct result r = compare_scene(s, 1.4, 0.0, false, "_wide");
    assert_false(r.mad < MAD_MAX && r.ssim > SSIM_MIN);
    free(s);
}

static void test_metric_rejects_shift(void **state)
{
    (void)state;
    struct scene *s = malloc(sizeof(*s));
    assert_non_null(s);
    build_shapes(s);
    struct result r = compare_scene(s, 1.0, 2.0, false, "_shifted");
    assert_false(r.mad < MAD_MAX && r.ssim > SSIM_MIN);
    free(s);
}

static void test_metric_rejects_self_darkening(void **state)
{
    (void)state;
    struct scene *s = malloc(sizeof(*s));
    assert_non_null(s);
    build_highlighter(s);
    struct result r = compare_scene(s, 1.0, 0.0, true, "_darkening");
    assert_false(r.mad < MAD_MAX && r.ssim > SSIM_MIN);
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_strokes),
        cmocka_unit_test(test_shapes),
        cmocka_unit_test(test_highlighter),
        cmocka_unit_test(test_metric_rejects_wrong_width),
        cmocka_unit_test(test_metric_rejects_shift),
        cmocka_unit_test(test_metric_rejects_self_darkening),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
