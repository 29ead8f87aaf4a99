/* Tests for player/net/url: RFC 3986 split, every example of section 5.4,
 * dot-segment removal, percent-decoding, query lookup, file URLs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/sp_error.h"
#include "player/net/url.h"

struct example {
    const char *ref;
    const char *want;
};

#define RFC_BASE "http://a/b/c/d;p?q"

/* RFC 3986 section 5.4.1. */
static const struct example normal[] = {
    {"g:h", "g:h"},
    {"g", "http://a/b/c/g"},
    {"./g", "http://a/b/c/g"},
    {"g/", "http://a/b/c/g/"},
    {"/g", "http://a/g"},
    {"//g", "http://g"},
    {"?y", "http://a/b/c/d;p?y"},
    {"g?y", "http://a/b/c/g?y"},
    {"#s", "http://a/b/c/d;p?q#s"},
    {"g#s", "http://a/b/c/g#s"},
    {"g?y#s", "http://a/b/c/g?y#s"},
    {";x", "http://a/b/c/;x"},
    {"g;x", "http://a/b/c/g;x"},
    {"g;x?y#s", "http://a/b/c/g;x?y#s"},
    {"", "http://a/b/c/d;p?q"},
    {".", "http://a/b/c/"},
    {"./", "http://a/b/c/"},
    {"..", "http://a/b/"},
    {"../", "http://a/b/"},
    {"../g", "http://a/b/g"},
    {"../..", "http://a/"},
    {"../../", "http://a/"},
    {"../../g", "http://a/g"},
};

/* RFC 3986 section 5.4.2 (strict parser for the last one). */
static const struct example abnormal[] = {
    {"../../../g", "http://a/g"},
    {"../../../../g", "http://a/g"},
    {"/./g", "http://a/g"},
    {"/../g", "http://a/g"},
    {"g.", "http://a/b/c/g."},
    {".g", "http://a/b/c/.g"},
    {"g..", "http://a/b/c/g.."},
    {"..g", "http://a/b/c/..g"},
    {"./../g", "http://a/b/g"},
    {"./g/.", "http://a/b/c/g/"},
    {"g/./h", "http://a/b/c/g/h"},
    {"g/../h", "http://a/b/c/h"},
    {"g;x=1/./y", "http://a/b/c/g;x=1/y"},
    {"g;x=1/../y", "http://a/b/c/y"},
    {"g?y/./x", "http://a/b/c/g?y/./x"},
    {"g?y/../x", "http://a/b/c/g?y/../x"},
    {"g#s/./x", "http://a/b/c/g#s/./x"},
    {"g#s/../x", "http://a/b/c/g#s/../x"},
    {"http:g", "http:g"},
};

static void check_examples(const struct example *ex, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char *got = NULL;
        int rc = url_resolve(RFC_BASE, ex[i].ref, &got);
        if (rc != 0 || strcmp(got, ex[i].want) != 0)
            fail_msg("resolve(\"%s\"): got \"%s\" (rc %d), want \"%s\"", ex[i].ref,
                     got ? got : "(null)", rc, ex[i].want);
        free(got);
    }
}

static void test_rfc_normal_examples(void **state)
{
    (void)state;
    check_examples(normal, sizeof(normal) / sizeof(normal[0]));
}

static void test_rfc_abnormal_examples(void **state)
{
    (void)state;
    check_examples(abnormal, sizeof(abnormal) / sizeof(abnormal[0]));
}

static void test_remove_dot_segments(void **state)
{
    (void)state;
    /* The two walk-throughs of section 5.2.4. */
    char *p = url_remove_dot_segments("/a/b/c/./../../g");
    assert_string_equal(p, "/a/g");
    free(p);
    p = url_remove_dot_segments("mid/content=5/../6");
    assert_string_equal(p, "mid/6");
    free(p);
    p = url_remove_dot_segments("");
    assert_string_equal(p, "");
    free(p);
}

static void test_parse_components(void **state)
{
    (void)state;
    struct url u;
    /* Appendix B's example. */
    assert_int_equal(url_parse("http://www.ics.uci.edu/pub/ietf/uri/#Related", &u), 0);
    assert_string_equal(u.scheme, "http");
    assert_string_equal(u.authority, "www.ics.uci.edu");
    assert_string_equal(u.path, "/pub/ietf/uri/");
    assert_null(u.query);
    assert_string_equal(u.fragment, "Related");
    char *back = url_recompose(&u);
    assert_string_equal(back, "http://www.ics.uci.edu/pub/ietf/uri/#Related");
    free(back);
    url_clear(&u);
    /* Present-but-empty differs from absent. */
    assert_int_equal(url_parse("http://a?", &u), 0);
    assert_string_equal(u.query, "");
    assert_string_equal(u.path, "");
    url_clear(&u);
    assert_int_equal(url_parse("media/a.mp4", &u), 0);
    assert_null(u.scheme);
    assert_null(u.authority);
    assert_string_equal(u.path, "media/a.mp4");
    url_clear(&u);
    /* A reference with a relative base is refused. */
    char *out = (char *)1;
    assert_int_equal(url_resolve("media/x.json", "a", &out), SP_EINVAL);
    assert_null(out);
    assert_int_equal(url_parse(NULL, &u), SP_EINVAL);
}

static void test_parse_limit(void **state)
{
    (void)state;
    size_t n = URL_MAX_LEN + 10;
    char *big = malloc(n + 1);
    memset(big, 'a', n);
    big[n] = '\0';
    struct url u;
    assert_int_equal(url_parse(big, &u), SP_ELIMIT);
    char *out;
    assert_int_equal(url_resolve("http://a/", big, &out), SP_ELIMIT);
    free(big);
}

static void test_percent_decode(void **state)
{
    (void)state;
    char *d;
    const char *s = "a%20b%2Fc+d%zz%4";
    assert_int_equal(url_percent_decode(s, strlen(s), false, &d), 0);
    assert_string_equal(d, "a b/c+d%zz%4");
    free(d);
    assert_int_equal(url_percent_decode(s, strlen(s), true, &d), 0);
    assert_string_equal(d, "a b/c d%zz%4");
    free(d);
    assert_int_equal(url_percent_decode("%E5%A4%A7", 9, false, &d), 0);
    assert_string_equal(d, "\xE5\xA4\xA7");
    free(d);
    assert_int_equal(url_percent_decode("x%00y", 5, false, &d), SP_EPARSE);
    assert_null(d);
    /* Only len bytes are read. */
    assert_int_equal(url_percent_decode("abc%41", 4, false, &d), 0);
    assert_string_equal(d, "abc%");
    free(d);
}

static void test_query_get(void **state)
{
    (void)state;
    const char *link = "https://sdk.example.com/web/replay/index.html?"
                       "url=https%3A%2F%2Fcos.example.com%2Fr%2Freplay.json%3Fsign%3Da%2Bb"
                       "&showChatMessages=1&empty&x=a+b";
    char *v;
    assert_int_equal(url_query_get(link, "url", &v), 0);
    assert_string_equal(v, "https://cos.example.com/r/replay.json?sign=a+b");
    free(v);
    assert_int_equal(url_query_get(link, "showChatMessages", &v), 0);
    assert_string_equal(v, "1");
    free(v);
    assert_int_equal(url_query_get(link, "empty", &v), 0);
    assert_string_equal(v, "");
    free(v);
    assert_int_equal(url_query_get(link, "x", &v), 0);
    assert_string_equal(v, "a b");
    free(v);
    assert_int_equal(url_query_get(link, "missing", &v), SP_ENOENT);
    assert_null(v);
    assert_int_equal(url_query_get("http://a/b", "url", &v), SP_ENOENT);
    /* The fragment is not part of the query. */
    assert_int_equal(url_query_get("http://a/?k=1#k=2", "k", &v), 0);
    assert_string_equal(v, "1");
    free(v);
}

static void test_kind(void **state)
{
    (void)state;
    assert_int_equal(url_kind("/tmp/replay.json"), URL_KIND_PATH);
    assert_int_equal(url_kind("class/replay.json"), URL_KIND_PATH);
    assert_int_equal(url_kind("notes:v2.json"), URL_KIND_PATH);
    assert_int_equal(url_kind("file:///tmp/r.json"), URL_KIND_FILE);
    assert_int_equal(url_kind("FILE:/tmp/r.json"), URL_KIND_FILE);
    assert_int_equal(url_kind("http://h/r.json"), URL_KIND_HTTP);
    assert_int_equal(url_kind("HTTPS://h/r.json"), URL_KIND_HTTPS);
    assert_int_equal(url_kind("ftp://h/r.json"), URL_KIND_OTHER);
    assert_true(url_is_absolute("g:h"));
    assert_false(url_is_absolute("./g:h"));
    assert_false(url_is_absolute("1a:b"));
}

static void test_file_urls(void **state)
{
    (void)state;
    char *u, *p;
    assert_int_equal(url_from_path("/tmp/my class/大 #1?.json", &u), 0);
    assert_string_equal(u, "file:///tmp/my%20class/%E5%A4%A7%20%231%3F.json");
    assert_int_equal(url_to_path(u, &p), 0);
    assert_string_equal(p, "/tmp/my class/大 #1?.json");
    free(u);
    free(p);
    assert_int_equal(url_from_path("/a/./b/../c.json", &u), 0);
    assert_string_equal(u, "file:///a/c.json");
    free(u);
    /* Relative paths are taken from the current directory. */
    char cwd[4096];
    assert_non_null(getcwd(cwd, sizeof(cwd)));
    assert_int_equal(url_from_path("x.json", &u), 0);
    assert_int_equal(url_to_path(u, &p), 0);
    char want[4200];
    snprintf(want, sizeof(want), "%s/x.json", strcmp(cwd, "/") ? cwd : "");
    assert_string_equal(p, want);
    free(u);
    free(p);
    assert_int_equal(url_to_path("file://localhost/etc/x", &p), 0);
    assert_string_equal(p, "/etc/x");
    free(p);
    assert_int_equal(url_to_path("file://otherhost/etc/x", &p), SP_EINVAL);
    assert_int_equal(url_to_path("http://h/x", &p), SP_EINVAL);
    assert_int_equal(url_from_path("", &u), SP_EINVAL);
}

static void test_display_name(void **state)
{
    (void)state;
    char *n = url_display_name("file:///data/class/replay%20v2.json");
    assert_string_equal(n, "replay v2.json");
    free(n);
    n = url_display_name("https://cos.example.com/r/replay.json?sign=secret#x");
    assert_string_equal(n, "https://cos.example.com/r/replay.json");
    free(n);
}

/* The scheme allow-list: what a document may name. */
static void test_named_check(void **state)
{
    (void)state;
    const char *remote = "https://cos.example.com/r/replay.json";
    const char *local = "file:///home/u/class/replay.json";
    assert_int_equal(url_named_check(remote, "http://a/x.mp4"), URL_NAMED_OK);
    assert_int_equal(url_named_check(remote, "HTTPS://a/x.mp4"), URL_NAMED_OK);
    assert_int_equal(url_named_check(remote, "file:///etc/passwd"), URL_NAMED_LOCAL_DENIED);
    assert_int_equal(url_named_check(remote, "/etc/passwd"), URL_NAMED_LOCAL_DENIED);
    assert_int_equal(url_named_check(local, "file:///home/u/class/a.mp4"), URL_NAMED_OK);
    assert_int_equal(url_named_check(local, "https://a/x.mp4"), URL_NAMED_OK);
    assert_int_equal(url_named_check("/home/u/replay.json", "file:///x"), URL_NAMED_OK);
    assert_int_equal(url_named_check(NULL, "media/a.mp4"), URL_NAMED_OK);
    /* FFmpeg's and everybody else's protocols, from any document */
    const char *other[] = {"tcp://127.0.0.1:9/x",
                           "pipe:0",
                           "concat:/etc/passwd|/etc/hosts",
                           "data:video/mp4;base64,AAAA",
                           "ftp://h/x.mp4",
                           "rtmp://h/live",
                           "crypto:file:///x",
                           NULL};
    for (int i = 0; other[i]; i++) {
        assert_int_equal(url_named_check(local, other[i]), URL_NAMED_SCHEME_DENIED);
        assert_int_equal(url_named_check(remote, other[i]), URL_NAMED_SCHEME_DENIED);
        assert_int_equal(url_named_check(NULL, other[i]), URL_NAMED_SCHEME_DENIED);
    }
    assert_int_equal(url_named_check(local, NULL), URL_NAMED_SCHEME_DENIED);
    /* no scheme (a ',' ends it): a path, so local; FFmpeg gets "file:" +
     * the path and its whitelist, never its "subfile," form */
    assert_int_equal(url_named_check(remote, "subfile,,start,0,end,9,,:/etc/passwd"),
                     URL_NAMED_LOCAL_DENIED);
    assert_non_null(strstr(url_named_reason(URL_NAMED_LOCAL_DENIED), "only http"));
    char sch[8];
    assert_string_equal(url_scheme_of("concat:/x", sch, sizeof(sch)), "concat");
    assert_string_equal(url_scheme_of("a/b", sch, sizeof(sch)), "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc_normal_examples), cmocka_unit_test(test_rfc_abnormal_examples),
        cmocka_unit_test(test_remove_dot_segments), cmocka_unit_test(test_parse_components),
        cmocka_unit_test(test_parse_limit),         cmocka_unit_test(test_percent_decode),
        cmocka_unit_test(test_query_get),           cmocka_unit_test(test_kind),
        cmocka_unit_test(test_file_urls),           cmocka_unit_test(test_display_name),
        cmocka_unit_test(test_named_check),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
