/* Tests for base/json_arena: cJSON's nodes from a per-thread arena. The
 * arena must change nothing a reader sees: a page parsed inside a scope
 * gives the same records as one parsed with malloc, trees made outside a
 * scope still free normally, and the memory goes back at the end (ASan
 * and LSan check the rest: no leak, no read of a dropped tree). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "base/diag.h"
#include "base/json_arena.h"
#include "im/msgpage.h"

/* A page of n messages: chat text, a whiteboard batch (Data nested as a
 * string), an image with its infos. */
static char *make_page(size_t n)
{
    size_t cap = 512 + n * 700;
    char *s = malloc(cap);
    assert_non_null(s);
    size_t o = (size_t)snprintf(s, cap,
                                "{\"ActionStatus\":\"OK\",\"ErrorCode\":0,"
                                "\"GroupId\":\"g1\",\"IsFinished\":1,\"RspMsgList\":[");
    for (size_t i = 0; i < n; i++)
        o += (size_t)snprintf(
            s + o, cap - o,
            "%s{\"From_Account\":\"user%zu\",\"MsgSeq\":%zu,\"MsgRandom\":%zu,"
            "\"MsgTimeStamp\":%zu,\"IsPlaceMsg\":0,\"MsgBody\":["
            "{\"MsgType\":\"TIMTextElem\",\"MsgContent\":{\"Text\":\"line %zu \\u00e9\"}},"
            "{\"MsgType\":\"TIMCustomElem\",\"MsgContent\":{\"Ext\":\"TXWhiteBoardExt\","
            "\"Data\":\"{\\\"v\\\":1,\\\"ops\\\":[{\\\"t\\\":%zu}]}\",\"Desc\":\"d\"}},"
            "{\"MsgType\":\"TIMImageElem\",\"MsgContent\":{\"UUID\":\"u%zu\",\"ImageFormat\":1,"
            "\"ImageInfoArray\":[{\"Type\":1,\"Size\":%zu,\"Width\":4,\"Height\":3,"
            "\"URL\":\"https://x/%zu.png\"}]}}]}",
            i ? "," : "", i % 7, 100 + i, i * 31, 1700000000 + i, i, i * 40, i, 1000 + i, i);
    snprintf(s + o, cap - o, "]}");
    return s;
}

static bool same_text(const char *a, const char *b)
{
    return (!a || !b) ? a == b : strcmp(a, b) == 0;
}

/* Every field the readers set, compared (no cmocka asserts: the reader
 * threads call it too). */
static bool same_page(const struct msg_page *a, const struct msg_page *b)
{
    if (!same_text(a->group_id, b->group_id) || a->is_finished != b->is_finished ||
        a->count != b->count)
        return false;
    for (size_t i = 0; i < a->count; i++) {
        const struct msg_message *x = &a->msgs[i], *y = &b->msgs[i];
        if (!same_text(x->from, y->from) || x->seq != y->seq || x->random != y->random ||
            x->timestamp != y->timestamp || x->elem_count != y->elem_count)
            return false;
        for (size_t e = 0; e < x->elem_count; e++) {
            const struct msg_elem *p = &x->elems[e], *q = &y->elems[e];
            if (p->type != q->type || !same_text(p->type_name, q->type_name) ||
                !same_text(p->text, q->text) || !same_text(p->ext, q->ext) ||
                !same_text(p->desc, q->desc) || !same_text(p->uuid, q->uuid) ||
                p->data_len != q->data_len || p->image_count != q->image_count)
                return false;
            if (p->data_len && memcmp(p->data, q->data, p->data_len) != 0)
                return false;
            for (size_t k = 0; k < p->image_count; k++)
                if (p->images[k].size != q->images[k].size ||
                    !same_text(p->images[k].url, q->images[k].url))
                    return false;
        }
    }
    return true;
}

static struct msg_page *parse(const char *json, struct diag_list *d)
{
    struct msg_page *p = NULL;
    assert_int_equal(msg_page_parse(json, strlen(json), "im/p.json", &p, d), 0);
    assert_non_null(p);
    return p;
}

/* Before install a scope does nothing: cJSON mallocs as it always did. */
static void test_not_installed_is_plain(void **state)
{
    (void)state;
    assert_false(sp_json_arena_installed());
    sp_json_arena_begin();
    cJSON *t = cJSON_Parse("{\"a\":[1,2,3]}");
    assert_non_null(t);
    assert_int_equal(sp_json_arena_used(), 0);
    cJSON_Delete(t);
    sp_json_arena_end();
    sp_json_arena_end(); /* an unmatched end is harmless */
    assert_int_equal(sp_json_arena_install(), 0);
    assert_int_equal(sp_json_arena_install(), 0); /* twice is once */
    assert_true(sp_json_arena_installed());
}

/* The same records inside a scope as outside, and the pages outlive the
 * scope (they own copies, not pointers into the tree). */
static void test_page_same_records(void **state)
{
    (void)state;
    char *json = make_page(200);
    struct diag_list d1, d2;
    diag_init(&d1);
    diag_init(&d2);
    struct msg_page *plain = parse(json, &d1);
    sp_json_arena_begin();
    struct msg_page *in = parse(json, &d2);
    sp_json_arena_end();
    free(json);
    assert_int_equal(plain->count, 200);
    assert_true(same_page(plain, in));
    assert_non_null(in->msgs[199].elems[1].data); /* the batch text, copied */
    assert_string_equal(in->msgs[0].elems[0].text, "line 0 \xc3\xa9");
    assert_int_equal(d1.count, d2.count);
    msg_page_free(plain);
    msg_page_free(in);
    diag_clear(&d1);
    diag_clear(&d2);
}

/* Inside a scope the tree comes from the arena (used grows), end gives it
 * back (used 0), and a tree made before the scope is still freed by
 * cJSON_Delete inside it. Nested scopes end at the outermost. */
static void test_scope_accounting(void **state)
{
    (void)state;
    cJSON *before = cJSON_Parse("{\"kept\":\"made with malloc\",\"n\":[1,2,3,4]}");
    assert_non_null(before);
    assert_int_equal(sp_json_arena_used(), 0);
    sp_json_arena_begin();
    cJSON *t = cJSON_Parse("{\"a\":\"bcdefgh\",\"b\":[1,2,{\"c\":null}]}");
    assert_non_null(t);
    size_t u = sp_json_arena_used();
    assert_true(u >= 6 * sizeof(cJSON));
    sp_json_arena_begin();
    cJSON *t2 = cJSON_Parse("[true,false]");
    assert_true(sp_json_arena_used() > u);
    sp_json_arena_end();
    assert_true(sp_json_arena_used() > u); /* still inside the outer scope */
    assert_string_equal(cJSON_GetObjectItem(t, "a")->valuestring, "bcdefgh");
    cJSON_Delete(t2);
    cJSON_Delete(t);
    cJSON_Delete(before); /* malloc's, not the arena's: really freed (LSan) */
    sp_json_arena_end();
    assert_int_equal(sp_json_arena_used(), 0);
}

/* "[7,7,...,7]" with n numbers (the caller frees). */
static char *number_array(size_t n)
{
    char *json = malloc(n * 2 + 2);
    assert_non_null(json);
    json[0] = '[';
    for (size_t i = 0; i < n; i++) {
        json[1 + 2 * i] = '7';
        json[2 + 2 * i] = i + 1 < n ? ',' : ']';
    }
    json[n * 2 + 1] = 0;
    return json;
}

/* Past the bound cJSON goes on with malloc: a tree larger than the bound
 * still parses whole, the arena never holds more than the bound. */
static void test_bound_falls_back(void **state)
{
    (void)state;
    sp_json_arena_set_max_bytes((size_t)256 << 10);
    size_t n = 20000; /* about 20000 nodes: over 1 MB of cJSON */
    char *json = number_array(n);
    sp_json_arena_begin();
    cJSON *t = cJSON_Parse(json);
    assert_non_null(t);
    assert_int_equal(cJSON_GetArraySize(t), (int)n);
    assert_true(sp_json_arena_used() <= ((size_t)256 << 10));
    assert_true(sp_json_arena_used() > 0);
    cJSON_Delete(t); /* arena nodes skipped, malloc'd ones freed (LSan) */
    sp_json_arena_end();
    sp_json_arena_set_max_bytes(0);
    free(json);
}

/* sp_json_arena_delete(): inside a scope whose every node is the arena's
 * it frees nothing (the arena keeps all it gave, ASan sees no bad free);
 * after a fallback to malloc, and outside a scope, it frees the tree for
 * real (LSan fails the test on a leak). */
static void test_arena_delete(void **state)
{
    (void)state;
    sp_json_arena_begin();
    cJSON *t = cJSON_Parse("{\"a\":\"bcdefgh\",\"b\":[1,2,{\"c\":null}]}");
    assert_non_null(t);
    size_t u = sp_json_arena_used();
    sp_json_arena_delete(t);
    assert_int_equal(sp_json_arena_used(), u);
    sp_json_arena_end();

    /* a tree made before the scope is malloc's: really freed inside it */
    cJSON *before = cJSON_Parse("[\"made with malloc\",1,2]");
    assert_non_null(before);
    sp_json_arena_begin();
    sp_json_arena_delete(before);
    sp_json_arena_end();

    /* past the bound part of the tree is malloc's: the walk runs */
    sp_json_arena_set_max_bytes((size_t)64 << 10);
    size_t n = 5000;
    char *json = number_array(n);
    sp_json_arena_begin();
    cJSON *big = cJSON_Parse(json);
    assert_non_null(big);
    sp_json_arena_delete(big);
    sp_json_arena_end();
    /* a new scope starts without the last one's fallback */
    sp_json_arena_set_max_bytes(0);
    sp_json_arena_begin();
    cJSON *small = cJSON_Parse("[1]");
    size_t su = sp_json_arena_used();
    sp_json_arena_delete(small);
    assert_int_equal(sp_json_arena_used(), su);
    sp_json_arena_end();
    free(json);

    sp_json_arena_delete(cJSON_Parse("{\"outside\":true}")); /* no scope: freed */
    sp_json_arena_delete(NULL);
}

struct job {
    const char *json;
    const struct msg_page *want;
    int rounds;
};

static void *reader(void *arg)
{
    struct job *j = arg;
    for (int r = 0; r < j->rounds; r++) {
        struct diag_list d;
        diag_init(&d);
        sp_json_arena_begin();
        struct msg_page *p = NULL;
        int rc = msg_page_parse(j->json, strlen(j->json), "im/p.json", &p, &d);
        sp_json_arena_end();
        if (rc != 0 || !p)
            return (void *)1;
        bool ok = same_page(j->want, p);
        msg_page_free(p);
        diag_clear(&d);
        if (!ok)
            return (void *)1;
    }
    return NULL; /* the thread's kept chunk is freed as it ends (LSan) */
}

/* Threads each read in their own arena at once, and get the same records. */
static void test_threads_own_arenas(void **state)
{
    (void)state;
    char *json = make_page(100);
    struct diag_list d;
    diag_init(&d);
    struct msg_page *want = parse(json, &d);
    struct job j = {json, want, 20};
    pthread_t th[3];
    for (int i = 0; i < 3; i++)
        assert_int_equal(pthread_create(&th[i], NULL, reader, &j), 0);
    for (int i = 0; i < 3; i++) {
        void *rv = (void *)1;
        pthread_join(th[i], &rv);
        assert_null(rv);
    }
    msg_page_free(want);
    diag_clear(&d);
    free(json);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_not_installed_is_plain), /* first: installs */
        cmocka_unit_test(test_page_same_records),      cmocka_unit_test(test_scope_accounting),
        cmocka_unit_test(test_bound_falls_back),       cmocka_unit_test(test_arena_delete),
        cmocka_unit_test(test_threads_own_arenas),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
