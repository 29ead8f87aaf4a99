/* Tests for the shared error table and the diagnostics list. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "base/diag.h"
#include "base/sp_error.h"
#include "base/sp_file.h"

static void test_strerror_table(void **state)
{
    (void)state;
    assert_string_equal(sp_strerror(0), "success");
    assert_string_equal(sp_strerror(SP_ENOMEM), "out of memory");
    assert_string_equal(sp_strerror(SP_EDECODE), "decoding failed");
    assert_string_equal(sp_strerror(12345), "unknown error");
    assert_true(SP_ENOMEM < 0 && SP_EDECODE < 0);
}

static void test_diag_add_and_find(void **state)
{
    (void)state;
    struct diag_list d;
    diag_init(&d);
    diag_add(&d, DIAG_ERROR, "%s: %s: expected integer, got %s", "manifest.json",
             "VideoInfos[3].VideoPlayTime", "string");
    diag_add(&d, DIAG_WARNING, "w");
    assert_int_equal(d.count, 2);
    assert_int_equal(d.errors, 1);
    assert_int_equal(d.warnings, 1);
    assert_true(diag_contains(&d, "VideoInfos[3].VideoPlayTime: expected integer, got string"));
    assert_false(diag_contains(&d, "nothing like this"));
    diag_clear(&d);
    assert_int_equal(d.count, 0);
    diag_clear(NULL);
}

/* A caller decides on the code, never on the text: the code is kept by
 * diag_move() and is DIAG_CODE_NONE for a plain diag_add(). */
static void test_diag_codes_travel(void **state)
{
    (void)state;
    struct diag_list a, b;
    diag_init(&a);
    diag_init(&b);
    diag_add(&a, DIAG_WARNING, "plain");
    diag_add_code(&a, DIAG_ERROR, DIAG_CODE_REC_STATUS, "%s: Status: %s", "m.json", "RECORDING");
    diag_add_code(&b, DIAG_WARNING, DIAG_CODE_MEDIA_UNREADABLE, "lane: f.mp4: cannot open");
    diag_move(&b, &a);
    assert_int_equal(a.count, 0);
    assert_int_equal(b.count, 3);
    assert_int_equal(b.items[0].code, DIAG_CODE_MEDIA_UNREADABLE);
    assert_int_equal(b.items[1].code, DIAG_CODE_NONE);
    assert_int_equal(b.items[2].code, DIAG_CODE_REC_STATUS);
    assert_string_equal(b.items[2].text, "m.json: Status: RECORDING");
    assert_int_equal(b.errors, 1);
    assert_int_equal(b.warnings, 2);
    diag_clear(&b);
}

static void test_diag_is_bounded(void **state)
{
    (void)state;
    struct diag_list d;
    diag_init(&d);
    for (int i = 0; i < DIAG_MAX_ENTRIES + 50; i++)
        diag_add(&d, DIAG_WARNING, "junk %d", i);
    assert_int_equal(d.count, DIAG_MAX_ENTRIES);
    assert_int_equal(d.dropped, 50);
    assert_int_equal(d.warnings, DIAG_MAX_ENTRIES + 50);
    struct diag_list e;
    diag_init(&e);
    diag_add(&e, DIAG_ERROR, "one");
    diag_move(&e, &d);
    assert_int_equal(e.count, DIAG_MAX_ENTRIES);
    assert_int_equal(e.errors, 1);
    assert_int_equal(e.warnings, DIAG_MAX_ENTRIES + 50);
    assert_int_equal(d.count, 0);
    diag_clear(&e);
}

/* What diag_print() writes, into a malloc'd string. */
static char *printed(const struct diag_list *d)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    diag_print(d, f);
    fclose(f);
    return buf;
}

/* A lane that warns on every step says it once, with how many times. */
static void test_diag_repeats_are_counted_once(void **state)
{
    (void)state;
    struct diag_list d;
    diag_init(&d);
    for (int i = 0; i < 330; i++)
        diag_add(&d, DIAG_WARNING, "teacher_01: segment at %.3f s has no VideoUrl; skipped", 0.0);
    diag_add(&d, DIAG_ERROR, "teacher_01: segment at 0.000 s has no VideoUrl; skipped");
    diag_add(&d, DIAG_WARNING, "other");
    assert_int_equal(d.count, 3); /* the error is not the warning's repeat */
    assert_int_equal(d.warnings, 331);
    assert_int_equal(d.errors, 1);
    char *out = printed(&d);
    assert_string_equal(out, "sigplay: warning: teacher_01: segment at 0.000 s has no VideoUrl; "
                             "skipped (repeated 330 times)\n"
                             "sigplay: error: teacher_01: segment at 0.000 s has no VideoUrl; "
                             "skipped\n"
                             "sigplay: warning: other\n");
    free(out);

    /* moving lists merges their repeats */
    struct diag_list e;
    diag_init(&e);
    diag_add(&e, DIAG_WARNING, "other");
    diag_add(&e, DIAG_WARNING, "other");
    diag_move(&d, &e);
    assert_int_equal(d.count, 3);
    assert_int_equal(d.warnings, 333);
    out = printed(&d);
    assert_non_null(strstr(out, "sigplay: warning: other (repeated 3 times)\n"));
    free(out);

    /* a source read a second time adds nothing it said the first time */
    diag_init(&e);
    diag_add(&e, DIAG_WARNING, "other");
    diag_add(&e, DIAG_INFO, "new");
    diag_move_unseen(&d, &e);
    assert_int_equal(d.count, 4);
    assert_int_equal(d.warnings, 333);
    out = printed(&d);
    assert_non_null(strstr(out, "sigplay: warning: other (repeated 3 times)\n"));
    assert_non_null(strstr(out, "sigplay: note: new\n"));
    free(out);
    assert_int_equal(e.count, 0);
    diag_clear(&d);
}

static void test_file_roundtrip_and_limit(void **state)
{
    (void)state;
    const char *path = SIGPLAY_TEST_TMP "/diag-file.txt";
    assert_int_equal(sp_write_file_atomic(path, "hello", 5), 0);
    char *buf;
    size_t len;
    assert_int_equal(sp_read_file(path, 100, &buf, &len), 0);
    assert_int_equal(len, 5);
    assert_string_equal(buf, "hello");
    free(buf);
    assert_int_equal(sp_read_file(path, 4, &buf, &len), SP_ELIMIT);
    assert_null(buf);
    assert_int_equal(sp_read_file(SIGPLAY_TEST_TMP "/no-such-file", 4, &buf, &len), SP_ENOENT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_strerror_table),
        cmocka_unit_test(test_diag_add_and_find),
        cmocka_unit_test(test_diag_is_bounded),
        cmocka_unit_test(test_diag_repeats_are_counted_once),
        cmocka_unit_test(test_diag_codes_travel),
        cmocka_unit_test(test_file_roundtrip_and_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
