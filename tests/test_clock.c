/* Tests for player/clock with a fake time source. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "player/clock.h"
#include "base/sp_error.h"

static int64_t fake_now(void *opaque)
{
    return *(int64_t *)opaque;
}

static void test_runs_pauses_resumes(void **state)
{
    (void)state;
    int64_t now = 5000000;
    struct sp_clock *c;
    assert_int_equal(clock_create(&c, fake_now, &now), 0);
    assert_true(clock_paused(c));
    now += 1000000;
    assert_int_equal(clock_get(c), 0); /* paused: does not move */
    clock_set_paused(c, false);
    now += 250000;
    assert_int_equal(clock_get(c), 250000);
    clock_set_paused(c, true);
    now += 9000000;
    assert_int_equal(clock_get(c), 250000);
    clock_set_paused(c, false);
    now += 100;
    assert_int_equal(clock_get(c), 250100);
    clock_destroy(&c);
    assert_null(c);
    clock_destroy(&c);
}

static void test_set_and_serial(void **state)
{
    (void)state;
    int64_t now = 0;
    struct sp_clock *c;
    assert_int_equal(clock_create(&c, fake_now, &now), 0);
    clock_set_paused(c, false);
    clock_set(c, 42000000, 3);
    now += 1000;
    int serial = -1;
    assert_int_equal(clock_get_serial(c, &serial), 42001000);
    assert_int_equal(serial, 3);
    /* An audio callback: "sample position 10 s was played at source time
     * 500 µs ago". */
    clock_set_at(c, 10000000, 4, now - 500);
    assert_int_equal(clock_get(c), 10000500);
    assert_int_equal(clock_serial(c), 4);
    clock_destroy(&c);
}

static void test_speed_changes_rate_without_jump(void **state)
{
    (void)state;
    int64_t now = 0;
    struct sp_clock *c;
    assert_int_equal(clock_create(&c, fake_now, &now), 0);
    clock_set_paused(c, false);
    now = 1000000;
    assert_int_equal(clock_set_speed(c, 2.0), 0);
    assert_int_equal(clock_get(c), 1000000); /* no jump */
    now += 1000000;
    assert_int_equal(clock_get(c), 3000000);
    assert_int_equal(clock_set_speed(c, 0.5), 0);
    now += 1000000;
    assert_int_equal(clock_get(c), 3500000);
    assert_int_equal(clock_set_speed(c, 1.1), SP_ERANGE);
    assert_true(clock_speed(c) == 0.5);
    /* speed while paused: applies after resume, value still */
    clock_set_paused(c, true);
    assert_int_equal(clock_set_speed(c, 1.75), 0);
    now += 1000000;
    assert_int_equal(clock_get(c), 3500000);
    clock_set_paused(c, false);
    now += 1000000;
    assert_int_equal(clock_get(c), 5250000);
    clock_destroy(&c);
}

static void test_speed_table(void **state)
{
    (void)state;
    static const struct {
        double speed;
        bool valid;
    } cases[] = {
        {0.5, true},  {0.75, true},  {1.0, true},      {1.25, true},  {1.5, true},
        {1.75, true}, {2.0, true},   {0.25, false},    {2.25, false}, {1.1, false},
        {0.0, false}, {-1.0, false}, {1.0 / 3, false},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        assert_int_equal(clock_speed_valid(cases[i].speed), cases[i].valid);
    assert_true(clock_speed_step(1.0, 1) == 1.25);
    assert_true(clock_speed_step(1.0, -1) == 0.75);
    assert_true(clock_speed_step(2.0, 1) == 2.0);
    assert_true(clock_speed_step(0.5, -1) == 0.5);
    assert_true(clock_speed_step(1.1, 0) == 1.0);
    assert_true(clock_speed_step(9.0, -1) == 2.0);
    int steps = 0;
    for (double s = CLOCK_SPEED_MIN; s < CLOCK_SPEED_MAX; s = clock_speed_step(s, 1))
        steps++;
    assert_int_equal(steps, 6);
}

static void test_monotonic_source_advances(void **state)
{
    (void)state;
    int64_t a = clock_time_monotonic(NULL);
    int64_t b = clock_time_monotonic(NULL);
    assert_true(a > 0 && b >= a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_runs_pauses_resumes),
        cmocka_unit_test(test_set_and_serial),
        cmocka_unit_test(test_speed_changes_rate_without_jump),
        cmocka_unit_test(test_speed_table),
        cmocka_unit_test(test_monotonic_source_advances),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
