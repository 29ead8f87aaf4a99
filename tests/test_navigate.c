/* test_navigate.c - chat search folding and event stepping (player/navigate.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "player/navigate.h"

static void test_match(void **state)
{
    (void)state;
    assert_true(nav_text_match("Fractions: ½ + ¼", "fraction"));
    assert_true(nav_text_match("OK, got it", "GOT IT"));
    assert_true(nav_text_match("大家好 今天我们学习分数。", "分数"));
    assert_true(nav_text_match("ÉCOLE", "école"));
    assert_true(nav_text_match("ＡＢＣ", "ａｂｃ"));
    assert_false(nav_text_match("分钟", "分数"));
    assert_false(nav_text_match("abc", ""));
    assert_false(nav_text_match("\xff\xfe abc", "\xff"));
}

static void test_step_empty(void **state)
{
    (void)state;
    assert_int_equal(nav_step(NULL, NAV_BOARD, 0, 1), NAV_NONE);
    long k = nav_hit_step(NULL, 0, 0, 1);
    assert_int_equal(k, -1);
    struct nav_hit h[3] = {{0, 1000}, {1, 5000}, {2, 5000}};
    assert_int_equal(nav_hit_step(h, 3, 0, 1), 0);
    assert_int_equal(nav_hit_step(h, 3, 1000, 1), 1);
    assert_int_equal(nav_hit_step(h, 3, 5000, -1), 0);
    assert_int_equal(nav_hit_step(h, 3, 5000, 1), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_match),
                                       cmocka_unit_test(test_step_empty)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
