/* Tests for document text made safe for a terminal (base/term_text.h) and
 * the JSON helpers that keep NULs and controls from slipping through
 * (base/json_util.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/diag.h"
#include "base/json_util.h"
#include "base/term_text.h"

static void test_controls_escaped(void **state)
{
    (void)state;
    char b[256];
    assert_string_equal(term_safe("plain UTF-8: \xe4\xb8\xad\xe6\x96\x87 ok", b, sizeof(b)),
                        "plain UTF-8: \xe4\xb8\xad\xe6\x96\x87 ok");
    /* OSC title, BEL, CSI clear, DEL, newline and tab */
    assert_string_equal(term_safe("\x1b]0;pwned\x07\x1b[2J\x7f\n\t\r", b, sizeof(b)),
                        "\\x1b]0;pwned\\x07\\x1b[2J\\x7f\\n\\t\\r");
    /* C1 CSI U+009B, right-to-left override U+202E, isolates U+2066/U+2069 */
    assert_string_equal(term_safe("a\xc2\x9b"
                                  "31m\xe2\x80\xae"
                                  "b\xe2\x81\xa6"
                                  "c\xe2\x81\xa9",
                                  b, sizeof(b)),
                        "a\\u009b31m\\u202eb\\u2066c\\u2069");
    /* ill-formed bytes: a raw 0x9B (C1 in 8-bit terminals) and a cut sequence */
    assert_string_equal(term_safe("x\x9by\xe4\xb8", b, sizeof(b)), "x\\x9by\\xe4\\xb8");
    assert_string_equal(term_safe(NULL, b, sizeof(b)), "");
    assert_true(term_cp_escaped(0x1b) && term_cp_escaped(0x85) && term_cp_escaped(0x200f));
    assert_false(term_cp_escaped('a') || term_cp_escaped(0xa0) || term_cp_escaped(0x2030));
}

/* Every C0 and C1 control, DEL, and every bidirectional formatting
 * character (ALM, LRM, RLM, the embeddings and overrides LRE..RLO, the
 * isolates LRI..PDI) is escaped, each as \uXXXX or \xNN through
 * term_safe(); their printable neighbours pass as they are. */
static void test_every_control_and_bidi_escaped(void **state)
{
    (void)state;
    static const unsigned bidi[] = {0x061C, 0x200E, 0x200F, 0x202A, 0x202B, 0x202C,
                                    0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069};
    for (unsigned cp = 0; cp < 0x20; cp++)
        assert_true(term_cp_escaped(cp));
    for (unsigned cp = 0x7F; cp <= 0x9F; cp++)
        assert_true(term_cp_escaped(cp));
    for (size_t i = 0; i < sizeof(bidi) / sizeof(bidi[0]); i++) {
        unsigned cp = bidi[i];
        assert_true(term_cp_escaped(cp));
        /* as UTF-8 inside text: shown as \uXXXX, no raw byte of it left */
        char in[8] = {'a',
                      (char)(0xE0 | cp >> 12),
                      (char)(0x80 | ((cp >> 6) & 0x3F)),
                      (char)(0x80 | (cp & 0x3F)),
                      'b',
                      0};
        if (cp < 0x800) {
            in[1] = (char)(0xC0 | cp >> 6);
            in[2] = (char)(0x80 | (cp & 0x3F));
            in[3] = 'b';
            in[4] = 0;
        }
        char b[64], want[16];
        snprintf(want, sizeof(want), "a\\u%04xb", cp);
        assert_string_equal(term_safe(in, b, sizeof(b)), want);
    }
    static const unsigned kept[] = {0x20,   0x7E,   0xA0,   0x061B, 0x061D,
                                    0x200D, 0x2010, 0x202F, 0x2065, 0x206A};
    for (size_t i = 0; i < sizeof(kept) / sizeof(kept[0]); i++)
        assert_false(term_cp_escaped(kept[i]));
}

static void test_cut_whole(void **state)
{
    (void)state;
    char b[10];
    /* never half an escape or half a character, always "..." when cut */
    assert_string_equal(term_safe("abcdefghijkl", b, sizeof(b)), "abcdef...");
    assert_string_equal(term_safe("ab\x1b\x1b\x1b", b, sizeof(b)), "ab\\x1b...");
    assert_string_equal(term_safe("abcd\xe4\xb8\xad\xe4\xb8\xad", b, sizeof(b)), "abcd...");
    assert_string_equal(term_safe("abcdefghi", b, sizeof(b)), "abcdefghi"); /* fits exactly */
    char tiny[4];
    assert_string_equal(term_safe("abcdef", tiny, sizeof(tiny)), "...");
    assert_string_equal(TERM_SAFE("\x1b"), "\\x1b");
}

static void test_diag_print_escapes(void **state)
{
    (void)state;
    struct diag_list d;
    diag_init(&d);
    diag_add(&d, DIAG_ERROR, "x.json: UserId: '%s'", "a\x1b[2Jb\xe2\x80\xae");
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    diag_print(&d, f);
    fclose(f);
    assert_string_equal(buf, "sigplay: error: x.json: UserId: 'a\\x1b[2Jb\\u202e'\n");
    free(buf);
    diag_clear(&d);
}

static void test_json_nul_named(void **state)
{
    (void)state;
    char field[128];
    const char *ok = "{\"VideoInfos\":[{\"VideoUrl\":\"x.mp4\\\\u0000\"}]}"; /* an escaped \ */
    assert_false(sp_json_find_nul(ok, strlen(ok), field, sizeof(field)));
    const char *bad = "{\"Status\":\"FINISHED\",\"VideoInfos\":[{\"VideoUrl\":\"a\"},"
                      "{\"UserId\":\"u\",\"VideoUrl\":\"x.mp4\\u0000.evil\"}]}";
    assert_true(sp_json_find_nul(bad, strlen(bad), field, sizeof(field)));
    assert_string_equal(field, "VideoInfos[1].VideoUrl");
    const char *key = "{\"a\":{\"k\\u0000y\":1}}";
    assert_true(sp_json_find_nul(key, strlen(key), field, sizeof(field)));
    assert_string_equal(field, "a.k\\u0000y");
    const char *top = "\"\\u0000\"";
    assert_true(sp_json_find_nul(top, strlen(top), field, sizeof(field)));
    assert_string_equal(field, "(top level)");
    const char *nested = "[[1,[2,\"\\u0000\"]]]";
    assert_true(sp_json_find_nul(nested, strlen(nested), field, sizeof(field)));
    assert_string_equal(field, "[0][1][1]");
    /* many a 'u' before the one that counts (the quick test skips to each) */
    const char *us = "{\"user\":\"u\\u0075\",\"uu\":[\"\\uu\",\"\\u0000\"]}";
    assert_true(sp_json_find_nul(us, strlen(us), field, sizeof(field)));
    assert_string_equal(field, "uu[1]");
    /* the escape ends exactly at len: still seen; one byte less: not */
    assert_true(sp_json_find_nul("\"\\u0000\"", 7, field, sizeof(field)));
    assert_false(sp_json_find_nul("\"\\u0000\"", 6, field, sizeof(field)));
    /* junk and cut input: no crash, no read past len */
    assert_false(sp_json_find_nul("\"\\u000", 6, field, sizeof(field)));
    assert_false(sp_json_find_nul(NULL, 0, field, sizeof(field)));
}

static void test_json_print_safe(void **state)
{
    (void)state;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "name",
                            "e\x1b]0;t\x07v\xe2\x80\xae\xc2\x9b\x7f"
                            "bad\xff");
    char *s = sp_json_print_safe(o, false);
    assert_non_null(s);
    assert_string_equal(s, "{\"name\":\"e\\u001b]0;t\\u0007v\\u202e\\u009b\\u007fbad\\ufffd\"}");
    /* still JSON, with the same value (the ill-formed byte as U+FFFD) */
    cJSON *back = cJSON_Parse(s);
    assert_non_null(back);
    assert_string_equal(cJSON_GetObjectItem(back, "name")->valuestring,
                        "e\x1b]0;t\x07v\xe2\x80\xae\xc2\x9b\x7f"
                        "bad\xef\xbf\xbd");
    cJSON_Delete(back);
    free(s);
    cJSON_Delete(o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_controls_escaped),
        cmocka_unit_test(test_every_control_and_bidi_escaped),
        cmocka_unit_test(test_cut_whole),
        cmocka_unit_test(test_diag_print_escapes),
        cmocka_unit_test(test_json_nul_named),
        cmocka_unit_test(test_json_print_safe),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
