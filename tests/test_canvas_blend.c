/* Tests for render/canvas blending: source-over of a span and of a mask
 * row equals the per-channel formula d = p + div255(d * (255 - a)) (p the
 * premultiplied color) for every destination value, alpha and coverage. The
 * blend works on two channels at a time; this pins it to the formula the
 * goldens were made with. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "render/canvas.h"

static unsigned div255(unsigned x)
{
    x += 128;
    return (x + (x >> 8)) >> 8;
}

/* The reference: one channel at a time. */
static void ref_over(uint8_t d[4], struct canvas_color col, unsigned cov)
{
    unsigned a = div255(col.a * cov);
    if (a == 0)
        return;
    uint8_t p[4] = {(uint8_t)div255(col.r * a), (uint8_t)div255(col.g * a),
                    (uint8_t)div255(col.b * a), (uint8_t)a};
    for (int k = 0; k < 4; k++)
        d[k] = (uint8_t)(p[k] + div255(d[k] * (255 - a)));
}

/* A 256-pixel row whose pixel i has channels i, 255 - i, i ^ 0x5A, i (every
 * destination value in every channel), blended with every alpha. */
static void test_span_and_mask_match_the_formula(void **state)
{
    (void)state;
    struct canvas *c = NULL;
    assert_int_equal(canvas_create(&c, 256, 2), 0);
    const uint8_t rgb[][3] = {{0, 0, 0}, {255, 255, 255}, {200, 17, 99}, {1, 254, 128}};
    uint8_t cov[256];
    for (size_t ci = 0; ci < sizeof(rgb) / sizeof(rgb[0]); ci++) {
        for (unsigned a = 0; a < 256; a++) {
            struct canvas_color col = canvas_rgba(rgb[ci][0], rgb[ci][1], rgb[ci][2], (uint8_t)a);
            uint8_t want[2][256][4];
            for (int i = 0; i < 256; i++) {
                for (int y = 0; y < 2; y++) {
                    uint8_t *px = c->px + (size_t)y * c->stride + 4 * (size_t)i;
                    px[0] = (uint8_t)i, px[1] = (uint8_t)(255 - i);
                    px[2] = (uint8_t)(i ^ 0x5A), px[3] = (uint8_t)i;
                    memcpy(want[y][i], px, 4);
                }
                cov[i] = (uint8_t)(i * 7 + a);
                ref_over(want[0][i], col, 200);    /* row 0: a span at coverage 200 */
                ref_over(want[1][i], col, cov[i]); /* row 1: a mask row */
            }
            canvas_blend_span(c, 0, 0, 256, 200, col);
            canvas_blend_mask_row(c, 0, 1, 256, cov, col);
            for (int y = 0; y < 2; y++)
                assert_memory_equal(c->px + (size_t)y * c->stride, want[y], sizeof(want[y]));
        }
    }
    canvas_destroy(&c);
}

/* Spans of every length from 0 to 11 at every start from 0 to 5 (the
 * blend takes four pixels at a time and the rest one by one): each pixel
 * in the span is the formula's, each pixel outside is untouched. */
static void test_short_spans_and_their_ends(void **state)
{
    (void)state;
    struct canvas *c = NULL;
    assert_int_equal(canvas_create(&c, 20, 1), 0);
    const struct canvas_color col = canvas_rgba(200, 17, 99, 150);
    for (int x = 0; x < 6; x++)
        for (int len = 0; len < 12; len++)
            for (unsigned cov = 1; cov < 256; cov += 127) {
                uint8_t want[20][4];
                for (int i = 0; i < 20; i++) {
                    uint8_t *px = c->px + 4 * (size_t)i;
                    px[0] = (uint8_t)(i * 13), px[1] = (uint8_t)(255 - i * 11);
                    px[2] = (uint8_t)(i * 29), px[3] = (uint8_t)(i * 12 + 7);
                    memcpy(want[i], px, 4);
                    if (i >= x && i < x + len)
                        ref_over(want[i], col, cov);
                }
                canvas_blend_span(c, x, 0, len, (uint8_t)cov, col);
                assert_memory_equal(c->px, want, sizeof(want));
            }
    canvas_destroy(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_span_and_mask_match_the_formula),
        cmocka_unit_test(test_short_spans_and_their_ends),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
