/* Tests for base/utf8: decoding, U+FFFD repair, prefix cutting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "base/utf8.h"

#define FFFD "\xEF\xBF\xBD"

static void expect_repair(const char *in, size_t in_len, const char *want, size_t want_bad)
{
    size_t len = 0, bad = 99;
    char *out = utf8_repair(in, in_len, &len, &bad);
    assert_non_null(out);
    assert_int_equal(len, strlen(want));
    assert_memory_equal(out, want, len);
    assert_int_equal(out[len], '\0');
    assert_int_equal(bad, want_bad);
    assert_true(utf8_valid(out, len));
    assert_int_equal(utf8_valid(in, in_len), want_bad == 0);
    free(out);
}

static void test_decode(void **state)
{
    (void)state;
    const char *s = "a\xC3\xA9\xE4\xB8\xAD\xF0\x9F\x91\x8B";
    size_t len = strlen(s), i = 0;
    assert_int_equal(utf8_next(s, len, &i), 'a');
    assert_int_equal(utf8_next(s, len, &i), 0xE9);
    assert_int_equal(utf8_next(s, len, &i), 0x4E2D);
    assert_int_equal(utf8_next(s, len, &i), 0x1F44B);
    assert_int_equal(i, len);
    assert_int_equal(utf8_count(s, len), 4);
    char buf[4];
    assert_int_equal(utf8_encode(0x1F44B, buf), 4);
    assert_memory_equal(buf, "\xF0\x9F\x91\x8B", 4);
    assert_int_equal(utf8_encode(0xE9, buf), 2);
    assert_int_equal(utf8_encode(0x4E2D, buf), 3);
    assert_int_equal(utf8_encode('x', buf), 1);
    assert_int_equal(utf8_encode(0xD800, buf), 0);
    assert_int_equal(utf8_encode(0x110000, buf), 0);
}

static void test_repair_ill_formed(void **state)
{
    (void)state;
    expect_repair("plain \xE5\xA5\xBD", 9, "plain \xE5\xA5\xBD", 0);
    expect_repair("", 0, "", 0);
    /* Stray continuation bytes, each one replacement. */
    expect_repair("a\x80\x80z", 4, "a" FFFD FFFD "z", 2);
    /* Overlong forms: C0/C1 leads and E0 80.. are ill-formed byte by byte. */
    expect_repair("\xC0\xAF", 2, FFFD FFFD, 2);
    expect_repair("\xE0\x80\xAF", 3, FFFD FFFD FFFD, 3);
    /* A surrogate (U+D800 as ED A0 80). */
    expect_repair("\xED\xA0\x80", 3, FFFD FFFD FFFD, 3);
    /* Past U+10FFFF. */
    expect_repair("\xF4\x90\x80\x80", 4, FFFD FFFD FFFD FFFD, 4);
    expect_repair("\xFF", 1, FFFD, 1);
    /* Truncated sequences: the maximal subpart is one replacement, and the
     * byte that broke it starts over. */
    expect_repair("\xE4\xB8", 2, FFFD, 1);
    expect_repair("\xE4\xB8z", 3, FFFD "z", 1);
    expect_repair("\xF0\x9F\x91", 3, FFFD, 1);
    expect_repair("\xF0\x9F\x91\xE4\xB8\xAD", 6, FFFD "\xE4\xB8\xAD", 1);
    /* Embedded NUL is kept. */
    size_t len;
    char *out = utf8_repair("a\0b", 3, &len, NULL);
    assert_int_equal(len, 3);
    assert_memory_equal(out, "a\0b", 3);
    free(out);
    /* Growth: many single bad bytes triple in size, still exact. */
    char junk[1000];
    memset(junk, 0xFE, sizeof(junk));
    size_t bad;
    out = utf8_repair(junk, sizeof(junk), &len, &bad);
    assert_int_equal(len, 3000);
    assert_int_equal(bad, 1000);
    assert_int_equal(utf8_count(out, len), 1000);
    free(out);
}

static void test_prefix(void **state)
{
    (void)state;
    const char *s = "\xE4\xB8\xAD\xE4\xB8\xAD\xE4\xB8\xAD"; /* three 3-byte code points */
    size_t len = strlen(s);
    assert_int_equal(utf8_prefix(s, len, SIZE_MAX, SIZE_MAX, SIZE_MAX), len);
    assert_int_equal(utf8_prefix(s, len, 8, SIZE_MAX, SIZE_MAX), 6); /* not inside one */
    assert_int_equal(utf8_prefix(s, len, 2, SIZE_MAX, SIZE_MAX), 0);
    assert_int_equal(utf8_prefix(s, len, SIZE_MAX, 1, SIZE_MAX), 3);
    assert_int_equal(utf8_prefix(s, len, SIZE_MAX, 0, SIZE_MAX), 0);
    const char *lines = "l1\nl2\nl3\nl4";
    size_t ll = strlen(lines);
    assert_int_equal(utf8_prefix(lines, ll, SIZE_MAX, SIZE_MAX, 2), 5); /* "l1\nl2" */
    assert_int_equal(utf8_prefix(lines, ll, SIZE_MAX, SIZE_MAX, 4), ll);
    assert_int_equal(utf8_prefix(lines, ll, SIZE_MAX, SIZE_MAX, 1), 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decode),
        cmocka_unit_test(test_repair_ill_formed),
        cmocka_unit_test(test_prefix),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
