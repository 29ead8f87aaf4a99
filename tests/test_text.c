/* Tests for render/text: fontconfig fallback to a CJK font, newlines,
 * wrapping, the bounded glyph cache, bad UTF-8. Needs fonts-dejavu-core and
 * fonts-noto-cjk (scripts/deps.sh). */
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
#include "render/text.h"

struct fix {
    struct text_ctx *t;
    struct canvas *c;
};

static int setup(void **state)
{
    struct fix *f = calloc(1, sizeof(*f));
    if (!f || text_create(&f->t) || canvas_create(&f->c, 400, 200))
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fix *f = *state;
    text_destroy(&f->t);
    canvas_destroy(&f->c);
    free(f);
    return 0;
}

static const struct canvas_color INK = {0, 0, 0, 255};

/* Rows [y0, y1) that hold any ink in columns [x0, x1). */
static int inked_rows(const struct canvas *c, int x0, int x1, int *first, int *last)
{
    int n = 0;
    *first = -1;
    *last = -1;
    for (int y = 0; y < c->h; y++) {
        bool any = false;
        for (int x = x0; x < x1 && !any; x++)
            any = canvas_get(c, x, y).a > 0;
        if (any) {
            if (*first < 0)
                *first = y;
            *last = y;
            n++;
        }
    }
    return n;
}

static double ink(const struct canvas *c, int x0, int y0, int x1, int y1)
{
    double s = 0;
    for (int y = y0; y < y1; y++)
        for (int x = x0; x < x1; x++)
            s += canvas_get(c, x, y).a / 255.0;
    return s;
}

static void test_cjk_falls_back_and_draws(void **state)
{
    struct fix *f = *state;
    const char *latin = text_font_for(f->t, 'A');
    const char *han = text_font_for(f->t, 0x4E2D); /* 中 */
    assert_non_null(latin);
    assert_non_null(han);
    assert_string_not_equal(latin, han);
    assert_non_null(text_font_for(f->t, 0x3042)); /* あ */
    struct text_metrics m;
    assert_int_equal(text_draw(f->t, f->c, 10, 10, "中文 ok", 32, INK, 0, &m), 0);
    assert_int_equal(m.lines, 1);
    /* each CJK glyph is about one em wide and has real strokes */
    double first = ink(f->c, 10, 10, 42, 50), second = ink(f->c, 42, 10, 74, 50);
    assert_true(first > 60);
    assert_true(second > 60);
    assert_true(m.width > 2 * 28);
    char path[1024];
    snprintf(path, sizeof(path), "%s/text_cjk.png", SIGPLAY_TEST_TMP);
    assert_int_equal(canvas_write_png(f->c, path), 0);
}

static void test_newline_advances_a_line(void **state)
{
    struct fix *f = *state;
    struct text_metrics one, two;
    assert_int_equal(text_measure(f->t, "Ag", 20, 0, &one), 0);
    assert_int_equal(text_measure(f->t, "Ag\nAg", 20, 0, &two), 0);
    assert_int_equal(one.lines, 1);
    assert_int_equal(two.lines, 2);
    assert_float_equal(two.height, 2 * one.height, 1e-9);
    assert_float_equal(one.height, 25, 0.5); /* 20 px * TEXT_LINE_HEIGHT */
    assert_float_equal(two.width, one.width, 1e-9);
    /* drawn: the second line's ink sits one line height below the first's */
    assert_int_equal(text_draw(f->t, f->c, 10, 10, "T", 20, INK, 0, NULL), 0);
    int a0, a1, b0, b1;
    inked_rows(f->c, 0, f->c->w, &a0, &a1);
    canvas_clear(f->c, canvas_rgba(0, 0, 0, 0));
    assert_int_equal(text_draw(f->t, f->c, 10, 10, "T\nT", 20, INK, 0, NULL), 0);
    inked_rows(f->c, 0, f->c->w, &b0, &b1);
    assert_int_equal(b0, a0);
    assert_int_equal(b1, a1 + 25);
    /* "\r\n" counts as one newline; an empty string is one empty line */
    assert_int_equal(text_measure(f->t, "a\r\nb", 20, 0, &two), 0);
    assert_int_equal(two.lines, 2);
    assert_int_equal(text_measure(f->t, "", 20, 0, &one), 0);
    assert_int_equal(one.lines, 1);
    assert_float_equal(one.width, 0, 1e-9);
}

static void test_wrap(void **state)
{
    struct fix *f = *state;
    struct text_metrics whole, part, wrapped;
    assert_int_equal(text_measure(f->t, "hello world again", 16, 0, &whole), 0);
    assert_int_equal(text_measure(f->t, "hello world", 16, 0, &part), 0);
    assert_int_equal(text_measure(f->t, "hello world again", 16, part.width + 1, &wrapped), 0);
    assert_int_equal(whole.lines, 1);
    assert_int_equal(wrapped.lines, 2);
    assert_float_equal(wrapped.width, part.width, 1e-9);
    /* CJK has no spaces: it breaks between characters */
    assert_int_equal(text_measure(f->t, "一二三四五六七八九十", 20, 100, &wrapped), 0);
    assert_true(wrapped.lines >= 2);
    assert_true(wrapped.width <= 100);
    /* a width narrower than one glyph still makes progress */
    assert_int_equal(text_measure(f->t, "abc", 20, 1, &wrapped), 0);
    assert_int_equal(wrapped.lines, 3);
}

static void test_cache_is_bounded(void **state)
{
    struct fix *f = *state;
    char buf[8];
    for (unsigned cp = 0x4E00; cp < 0x4E00 + 600; cp++) {
        buf[0] = (char)(0xE0 | (cp >> 12));
        buf[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        buf[2] = (char)(0x80 | (cp & 0x3F));
        buf[3] = 0;
        for (int px = 8; px < 16; px++) {
            struct text_metrics m;
            assert_int_equal(text_measure(f->t, buf, px, 0, &m), 0);
            assert_true(text_cache_count(f->t) <= TEXT_CACHE_MAX_GLYPHS);
        }
    }
    assert_true(text_cache_count(f->t) > 0);
}

static void test_bad_input(void **state)
{
    struct fix *f = *state;
    struct text_metrics m;
    /* invalid UTF-8: lone continuation, truncated sequence, overlong,
     * surrogate; each draws U+FFFD and the layout goes on */
    assert_int_equal(text_draw(f->t, f->c, 0, 0,
                               "a\x80"
                               "b\xE4\xB8"
                               "\xC0\xAF\xED\xA0\x80z",
                               20, INK, 0, &m),
                     0);
    assert_int_equal(m.lines, 1);
    assert_true(m.width > 0);
    assert_int_equal(text_measure(f->t, NULL, 20, 0, &m), SP_EINVAL);
    assert_int_equal(text_measure(f->t, "x", 20, 0, NULL), SP_EINVAL);
    /* huge and tiny sizes are clamped, far-off positions are clipped */
    assert_int_equal(text_draw(f->t, f->c, -1e6, 1e6, "x", 1e9, INK, 0, &m), 0);
    assert_int_equal(text_draw(f->t, f->c, 5, 5, "x", -3, INK, 0, &m), 0);
    text_destroy(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_cjk_falls_back_and_draws, setup, teardown),
        cmocka_unit_test_setup_teardown(test_newline_advances_a_line, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cache_is_bounded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_input, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
