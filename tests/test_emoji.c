/* Tests for color emoji (render/emoji.h) as render/text draws them: color
 * from the color font, the monochrome fallback, variation selectors,
 * ignorables, sizes, the glyph cache's byte count. Needs
 * fonts-noto-color-emoji and fonts-dejavu-core (scripts/deps.sh). */
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
#include "render/emoji.h"
#include "render/text.h"

struct fix {
    struct text_ctx *t;
    struct canvas *c;
};

static int setup(void **state)
{
    struct fix *f = calloc(1, sizeof(*f));
    if (!f || text_create(&f->t) || canvas_create(&f->c, 200, 100))
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

struct inkstat {
    int inked;      /* pixels with alpha > 0 */
    int colorful;   /* opaque-ish pixels whose channels differ by > 60 */
    int max_spread; /* largest channel spread of any inked pixel */
};

/* Draws s at 32 px on a cleared canvas and looks at the pixels. */
static struct inkstat draw(struct fix *f, const char *s)
{
    canvas_clear(f->c, canvas_rgba(0, 0, 0, 0));
    assert_int_equal(text_draw(f->t, f->c, 4, 4, s, 32, INK, 0, NULL), 0);
    struct inkstat st = {0, 0, 0};
    for (int y = 0; y < f->c->h; y++)
        for (int x = 0; x < f->c->w; x++) {
            struct canvas_color p = canvas_get(f->c, x, y);
            if (p.a == 0)
                continue;
            st.inked++;
            int lo = p.r < p.g ? p.r : p.g, hi = p.r > p.g ? p.r : p.g;
            lo = p.b < lo ? p.b : lo;
            hi = p.b > hi ? p.b : hi;
            if (p.a > 200 && hi - lo > 60)
                st.colorful++;
            if (p.a > 32 && hi - lo > st.max_spread)
                st.max_spread = hi - lo;
        }
    return st;
}

static double width(struct fix *f, const char *s, double px)
{
    struct text_metrics m;
    assert_int_equal(text_measure(f->t, s, px, 0, &m), 0);
    return m.width;
}

static void test_color_font_found_and_used(void **state)
{
    struct fix *f = *state;
    assert_true(text_color_emoji(f->t));
    const char *font = text_font_for(f->t, 0x1F600);
    assert_non_null(font);
    assert_non_null(strstr(font, "Emoji"));
    assert_string_not_equal(font, text_font_for(f->t, 'A'));
    struct inkstat s = draw(f, "\xF0\x9F\x98\x80"); /* 😀 */
    assert_true(s.colorful > 50);
    /* plain text stays plain */
    s = draw(f, "Hello 中文");
    assert_true(s.inked > 100);
    assert_int_equal(s.colorful, 0);
}

static void test_monochrome_fallback(void **state)
{
    struct fix *f = *state;
    size_t before = text_cache_count(f->t);
    draw(f, "\xF0\x9F\x98\x80");
    assert_true(text_cache_count(f->t) > before);
    text_set_color_emoji(f->t, false);
    assert_false(text_color_emoji(f->t));
    assert_int_equal(text_cache_count(f->t), 0); /* switching empties the cache */
    const char *font = text_font_for(f->t, 0x1F600);
    assert_non_null(font); /* an outline font has it (DejaVu Sans) */
    assert_null(strstr(font, "Color"));
    struct inkstat s = draw(f, "\xF0\x9F\x98\x80");
    assert_true(s.inked > 50);      /* drawn, in the text color only */
    assert_true(s.max_spread <= 2); /* black ink: r = g = b */
    text_set_color_emoji(f->t, true);
    assert_true(text_color_emoji(f->t));
    assert_true(draw(f, "\xF0\x9F\x98\x80").colorful > 50);
}

static void test_variation_selectors(void **state)
{
    struct fix *f = *state;
    /* U+2764 HEAVY BLACK HEART is text style by default; VS16 makes it emoji */
    assert_false(emoji_presentation(0x2764));
    assert_int_equal(draw(f, "\xE2\x9D\xA4").colorful, 0);
    assert_true(draw(f, "\xE2\x9D\xA4\xEF\xB8\x8F").colorful > 50);
    /* VS15 asks for text style */
    assert_int_equal(draw(f, "\xF0\x9F\x98\x80\xEF\xB8\x8E").colorful, 0);
}

static void test_ignorables_draw_nothing(void **state)
{
    struct fix *f = *state;
    /* ZWJ, VS16 after a letter, zero-width space: no width, no box */
    assert_true(width(f,
                      "a\xE2\x80\x8D"
                      "b\xEF\xB8\x8F\xE2\x80\x8B",
                      20) == width(f, "ab", 20));
    /* a skin tone modifier is dropped (no shaping to merge it) */
    assert_true(width(f, "\xF0\x9F\x91\x8D\xF0\x9F\x8F\xBD", 20) ==
                width(f, "\xF0\x9F\x91\x8D", 20));
    /* a ZWJ family draws as its four people */
    double one = width(f, "\xF0\x9F\x91\xA8", 20);
    double family = width(f,
                          "\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x91"
                          "\xA7\xE2\x80\x8D\xF0\x9F\x91\xA6",
                          20);
    assert_true(family >= 4 * one - 4 && family <= 4 * one + 4);
}

static void test_sizes(void **state)
{
    struct fix *f = *state;
    /* about 1.25 em wide, like the font's own proportions */
    double w16 = width(f, "\xF0\x9F\x98\x80", 16), w48 = width(f, "\xF0\x9F\x98\x80", 48);
    assert_true(w16 >= 16 && w16 <= 24);
    assert_true(w48 >= 2.6 * w16 && w48 <= 3.4 * w16);
    const double sizes[] = {1, 2, 3, 5, 9, 100, 109, 300, 512};
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        struct text_metrics m;
        assert_int_equal(text_draw(f->t, f->c, 0, 0, "\xF0\x9F\x8E\x89", sizes[i], INK, 0, &m), 0);
        assert_true(m.width >= 1);
    }
    /* the cache counts emoji bitmaps (4 bytes a pixel) and stays bounded */
    size_t bytes = text_cache_bytes(f->t);
    assert_true(bytes > 512u * 512u * 4u);
    assert_true(bytes < TEXT_CACHE_MAX_BYTES + (1u << 20) + 600u * 600u * 4u);
}

static void test_emoji_font_direct(void **state)
{
    (void)state;
    FT_Library lib;
    assert_int_equal(FT_Init_FreeType(&lib), 0);
    FcConfig *fc = FcInitLoadConfigAndFonts();
    assert_non_null(fc);
    struct emoji_font *e = NULL;
    assert_int_equal(emoji_font_open(lib, fc, &e), 0);
    assert_non_null(emoji_font_path(e));
    assert_true(emoji_font_has(e, 0x1F600));
    assert_false(emoji_font_has(e, 0x4E2D));
    struct emoji_glyph g;
    assert_int_equal(emoji_font_render(e, 0x4E2D, 20, &g), SP_ENOENT);
    assert_int_equal(emoji_font_render(e, 0x1F600, 0, &g), SP_EINVAL);
    assert_int_equal(emoji_font_render(e, 0x1F600, 20, &g), 0);
    assert_true(g.w >= 18 && g.w <= 30 && g.h >= 18 && g.h <= 30);
    assert_true(g.advance >= 18 && g.advance <= 30);
    /* premultiplied: no channel above alpha */
    for (int i = 0; i < g.w * g.h; i++)
        for (int k = 0; k < 3; k++)
            assert_true(g.px[4 * i + k] <= g.px[4 * i + 3]);
    free(g.px);
    emoji_font_close(&e);
    assert_null(e);
    emoji_font_close(&e);
    assert_int_equal(emoji_font_open(NULL, fc, &e), SP_EINVAL);
    FcConfigDestroy(fc);
    FT_Done_FreeType(lib);
}

static void test_classification(void **state)
{
    (void)state;
    const uint32_t yes[] = {0x231A,  0x231B,  0x23F0,  0x2615,  0x2B55,  0x1F004,
                            0x1F1E6, 0x1F600, 0x1F64F, 0x1F44D, 0x1FAF8, 0x1F90C};
    const uint32_t no[] = {'A',     0xA9,    0x2319,  0x231C, 0x2764,  0x263A,
                           0x1F321, 0x1F3F5, 0x1FAF9, 0x4E2D, 0x10FFFF};
    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
        assert_true(emoji_presentation(yes[i]));
    for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
        assert_false(emoji_presentation(no[i]));
    assert_true(emoji_ignorable(0x200D));
    assert_true(emoji_ignorable(0xFE0F));
    assert_true(emoji_ignorable(0x1F3FD));
    assert_false(emoji_ignorable(0x1F3FA));
    assert_false(emoji_ignorable(' '));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_color_font_found_and_used, setup, teardown),
        cmocka_unit_test_setup_teardown(test_monochrome_fallback, setup, teardown),
        cmocka_unit_test_setup_teardown(test_variation_selectors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ignorables_draw_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sizes, setup, teardown),
        cmocka_unit_test(test_emoji_font_direct),
        cmocka_unit_test(test_classification),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
