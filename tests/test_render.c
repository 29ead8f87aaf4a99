/* Tests for `sigplay render` on the generated sample class: golden frames
 * for each preset and a custom layout (compared with a tolerance), the
 * tolerance's power to tell frames apart, same bytes on a second run, and
 * the command line's errors.
 *
 * Golden images live in tests/data/golden/render_*.png (640x360, the custom
 * layout 640x400 with letterbox bars). To regenerate them after an intended
 * change, run this test with SIGPLAY_UPDATE_GOLDEN=1 (e.g.
 * `SIGPLAY_UPDATE_GOLDEN=1 ctest -R test_render`), LOOK at the new PNGs,
 * and commit them. Every frame rendered is also in SIGPLAY_TEST_TMP
 * (render_*.png, and render_*-diff.png when a comparison fails).
 *
 * Needs the fonts of scripts/deps.sh (fonts-dejavu-core, fonts-noto-cjk,
 * fonts-noto-color-emoji). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "base/sp_error.h"
#include "base/sp_file.h"
#include "render/canvas.h"
#include "render/image.h"

#define SAMPLE SIGPLAY_SAMPLE_DIR "/replay.json"

/* Tolerances. The frames are video pictures (decoded and scaled by the
 * same libraries every run), board strokes and text; two runs give the same
 * bytes. Other builds of swscale (SIMD paths) move colors by a level or
 * two, which stays under MAX_DIFF_LEVEL and barely moves the mean; other
 * FreeType builds move glyph edges, a few hundred pixels at most. Breakage
 * is far above: a different layout or a missing picture moves 20% and
 * more. The finest change the test must see is time: the frame 2 s later
 * differs in the clock text of every picture and in the board (measured:
 * 0.20% of pixels, mean 0.28), so the pixel fraction sits at half that. */
#define MEAN_TOLERANCE 1.0  /* mean |a-b| over all RGB channels, 0..255 */
#define MAX_DIFF_LEVEL 64   /* a pixel "differs" above this in any channel */
#define DIFF_FRACTION 0.001 /* at most this fraction of pixels may differ */

struct render_case {
    const char *name; /* golden: render_<name>.png */
    const char *args; /* after SOURCE */
};

static const struct render_case cases[] = {
    {"board", "--at 12000 --layout board --size 640x360"},
    {"grid", "--at 5000 --layout grid --size 640x360 --chat"},
    {"focus", "--at 45000 --layout focus --size 640x360 --chat"},
    {"custom", "--at 25000 --layout " SIGPLAY_TEST_DATA "/layouts/classroom.json --size 640x400 "
               "--chat"},
};
#define N_CASES (sizeof(cases) / sizeof(cases[0]))

/* Runs sigplay with args (a shell command tail); returns its exit code and
 * its stderr in *err (caller frees; may be NULL). */
static int run(const char *args, char **err)
{
    char errpath[4096], cmd[24576];
    snprintf(errpath, sizeof(errpath), "%s/render-stderr.txt", SIGPLAY_TEST_TMP);
    snprintf(cmd, sizeof(cmd), "'%s' %s 2>'%s'", SIGPLAY_BIN, args, errpath);
    int st = system(cmd);
    assert_true(st != -1 && WIFEXITED(st));
    if (err) {
        size_t len = 0;
        *err = NULL;
        if (sp_read_file(errpath, 1 << 20, err, &len) != 0)
            *err = strdup("");
        assert_non_null(*err);
    }
    return WEXITSTATUS(st);
}

static struct image *render_case(const struct render_case *c, const char *suffix)
{
    char out[4096], args[16384];
    snprintf(out, sizeof(out), "%s/render_%s%s.png", SIGPLAY_TEST_TMP, c->name, suffix);
    remove(out);
    snprintf(args, sizeof(args), "render '%s' %s -o '%s'", SAMPLE, c->args, out);
    char *err = NULL;
    int code = run(args, &err);
    if (code != 0)
        fprintf(stderr, "%s: exit %d: %s\n", c->name, code, err);
    free(err);
    assert_int_equal(code, 0);
    struct image *img = NULL;
    assert_int_equal(image_load_file(out, &img), 0);
    return img;
}

struct diffstat {
    double mean;
    double frac;
};

static struct diffstat compare(const struct image *a, const struct image *b, const char *diff_png)
{
    struct diffstat s = {1e9, 1.0};
    if (a->w != b->w || a->h != b->h)
        return s;
    struct canvas *diff = NULL;
    if (diff_png)
        assert_int_equal(canvas_create(&diff, a->w, a->h), 0);
    double sum = 0;
    size_t differ = 0;
    for (size_t i = 0; i < (size_t)a->w * a->h; i++) {
        const uint8_t *pa = a->px + 4 * i, *pb = b->px + 4 * i;
        int worst = 0;
        for (int k = 0; k < 3; k++) {
            int d = abs(pa[k] - pb[k]);
            sum += d;
            worst = d > worst ? d : worst;
        }
        differ += worst > MAX_DIFF_LEVEL;
        if (diff) {
            uint8_t *pd = diff->px + 4 * i;
            pd[0] = (uint8_t)worst;
            pd[1] = worst > MAX_DIFF_LEVEL ? 0 : (uint8_t)worst;
            pd[2] = 0;
            pd[3] = 255;
        }
    }
    s.mean = sum / (3.0 * a->w * a->h);
    s.frac = (double)differ / ((double)a->w * a->h);
    if (diff) {
        canvas_write_png(diff, diff_png);
        canvas_destroy(&diff);
    }
    return s;
}

static bool within(struct diffstat s)
{
    return s.mean <= MEAN_TOLERANCE && s.frac <= DIFF_FRACTION;
}

static struct image *load_golden(const char *name)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/golden/render_%s.png", SIGPLAY_TEST_DATA, name);
    struct image *g = NULL;
    int ret = image_load_file(path, &g);
    if (ret)
        fail_msg("%s: %s (run with SIGPLAY_UPDATE_GOLDEN=1 to create it)", path, sp_strerror(ret));
    return g;
}

static void test_goldens(void **state)
{
    (void)state;
    const char *upd = getenv("SIGPLAY_UPDATE_GOLDEN");
    bool update = upd && !strcmp(upd, "1");
    for (size_t i = 0; i < N_CASES; i++) {
        struct image *img = render_case(&cases[i], "");
        char path[4096];
        if (update) {
            char src[4096];
            snprintf(src, sizeof(src), "%s/render_%s.png", SIGPLAY_TEST_TMP, cases[i].name);
            snprintf(path, sizeof(path), "%s/golden/render_%s.png", SIGPLAY_TEST_DATA,
                     cases[i].name);
            char *data = NULL;
            size_t len = 0;
            assert_int_equal(sp_read_file(src, 16u << 20, &data, &len), 0);
            assert_int_equal(sp_write_file_atomic(path, data, len), 0);
            free(data);
            fprintf(stderr, "updated %s\n", path);
            image_free(img);
            continue;
        }
        struct image *g = load_golden(cases[i].name);
        snprintf(path, sizeof(path), "%s/render_%s-diff.png", SIGPLAY_TEST_TMP, cases[i].name);
        struct diffstat s = compare(img, g, NULL);
        fprintf(stderr, "%s: %dx%d, mean diff %.3f, differing %.4f%%\n", cases[i].name, img->w,
                img->h, s.mean, 100 * s.frac);
        if (!within(s))
            compare(img, g, path);
        assert_true(within(s));
        /* Negative controls: every other golden is far outside. */
        for (size_t j = 0; j < N_CASES; j++) {
            if (j == i)
                continue;
            struct image *o = load_golden(cases[j].name);
            assert_false(within(compare(img, o, NULL)));
            image_free(o);
        }
        image_free(g);
        image_free(img);
    }
}

/* The tolerance notices a frame 2 s off (same layout, same lanes shown). */
static void test_tolerance_catches_time(void **state)
{
    (void)state;
    const struct render_case later = {"board", "--at 14000 --layout board --size 640x360"};
    struct image *img = render_case(&later, "_later");
    struct image *g = load_golden("board");
    struct diffstat s = compare(img, g, NULL);
    fprintf(stderr, "2 s later: mean diff %.3f, differing %.4f%%\n", s.mean, 100 * s.frac);
    assert_false(within(s));
    image_free(g);
    image_free(img);
}

/* Two runs give the same bytes (exact frames, no timing in the picture). */
static void test_deterministic(void **state)
{
    (void)state;
    struct image *a = render_case(&cases[0], "_a");
    struct image *b = render_case(&cases[0], "_b");
    assert_int_equal(a->w, b->w);
    assert_int_equal(a->h, b->h);
    assert_memory_equal(a->px, b->px, (size_t)a->w * a->h * 4);
    image_free(a);
    image_free(b);
}

static void expect_fail(const char *args, int code, const char *needle)
{
    char *err = NULL;
    int got = run(args, &err);
    if (got != code || !strstr(err, needle))
        fprintf(stderr, "'%s': exit %d, stderr:\n%s\n", args, got, err);
    assert_int_equal(got, code);
    assert_non_null(strstr(err, needle));
    free(err);
}

static void test_errors(void **state)
{
    (void)state;
    char bad[4096], args[16384], out[4096];
    snprintf(out, sizeof(out), "%s/render_err.png", SIGPLAY_TEST_TMP);
    remove(out);
    expect_fail("render", 64, "Usage: sigplay render");
    snprintf(args, sizeof(args), "render '%s' --at 1000", SAMPLE);
    expect_fail(args, 64, "-o FILE.png is required");
    snprintf(args, sizeof(args), "render '%s' -o '%s'", SAMPLE, out);
    expect_fail(args, 64, "--at T is required");
    snprintf(args, sizeof(args), "render '%s' --at 99999999 -o '%s'", SAMPLE, out);
    expect_fail(args, 64,
                "--at: 99999999 is past the end of the class (it is 1:00.000 long, 60000 ms)");
    snprintf(args, sizeof(args), "render '%s' --at 0 --size 10 -o '%s'", SAMPLE, out);
    expect_fail(args, 64, "--size: expected WxH");
    snprintf(args, sizeof(args), "render '%s' --at 0 --layout nosuch.json -o '%s'", SAMPLE, out);
    expect_fail(args, 2,
                "nosuch.json: no such layout file (presets: board, grid, focus, model1, model2)");
    /* A layout with a bad field: one line naming file, field and reason. */
    snprintf(bad, sizeof(bad), "%s/render_bad_layout.json", SIGPLAY_TEST_TMP);
    const char *doc = "{\"Canvas\":{\"LayoutParams\":{\"Width\":\"wide\",\"Height\":720}},"
                      "\"InputStreamList\":[]}";
    assert_int_equal(sp_write_file_atomic(bad, doc, strlen(doc)), 0);
    snprintf(args, sizeof(args), "render '%s' --at 0 --layout '%s' -o '%s'", SAMPLE, bad, out);
    expect_fail(args, 2,
                "render_bad_layout.json: Canvas.LayoutParams.Width: expected integer, got string");
    FILE *f = fopen(out, "rb");
    assert_null(f); /* nothing written */
    /* A missing source. */
    snprintf(args, sizeof(args), "render '%s/none.json' --at 0 -o '%s'", SIGPLAY_TEST_TMP, out);
    int code = run(args, NULL);
    assert_int_equal(code, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_goldens),
        cmocka_unit_test(test_tolerance_catches_time),
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
