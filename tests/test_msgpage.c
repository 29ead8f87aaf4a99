/* Tests for im/msgpage: IM group-history pages (spec section 4). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/diag.h"
#include "im/msgpage.h"
#include "base/sp_error.h"

static int parse(const char *json, struct msg_page **page, struct diag_list *d)
{
    return msg_page_parse(json, strlen(json), "im/p.json", page, d);
}

/* A page with one message per entry of bodies[] (JSON arrays), seqs given. */
static char *make_page(const int64_t *seqs, const char *const *bodies, size_t n)
{
    size_t cap = 256;
    for (size_t i = 0; i < n; i++)
        cap += strlen(bodies[i]) + 200;
    char *s = malloc(cap);
    assert_non_null(s);
    size_t o = (size_t)snprintf(s, cap,
                                "{\"ActionStatus\":\"OK\",\"ErrorCode\":0,"
                                "\"GroupId\":\"g\",\"IsFinished\":1,\"RspMsgList\":[");
    for (size_t i = 0; i < n; i++)
        o += (size_t)snprintf(s + o, cap - o,
                              "%s{\"From_Account\":\"u%lld\",\"MsgSeq\":%lld,\"MsgRandom\":%lld,"
                              "\"MsgTimeStamp\":%lld,\"IsPlaceMsg\":0,\"MsgBody\":%s}",
                              i ? "," : "", (long long)(seqs[i] % 3), (long long)seqs[i],
                              (long long)(seqs[i] * 7), (long long)(1700000000 + seqs[i]),
                              bodies[i]);
    snprintf(s + o, cap - o, "]}");
    return s;
}

static const char *TEXT_BODY = "[{\"MsgType\":\"TIMTextElem\",\"MsgContent\":{\"Text\":\"hi\"}}]";

static void test_basic_text(void **state)
{
    (void)state;
    const char *json =
        "{ \"ActionStatus\": \"OK\", \"ErrorCode\": 0, \"GroupId\": \"1234\", \"IsFinished\": 1,"
        "  \"RspMsgList\": ["
        "    { \"From_Account\": \"teacher_01\", \"MsgSeq\": 12, \"MsgRandom\": 88123,"
        "      \"MsgTimeStamp\": 1558613150, \"IsPlaceMsg\": 0, \"MsgPriority\": 1,"
        "      \"MsgBody\": [ { \"MsgType\": \"TIMTextElem\","
        "                       \"MsgContent\": { \"Text\":"
        "                         \"\\u5927\\u5bb6\\u597d \xf0\x9f\x91\x8b\" } } ] } ] }";
    struct diag_list d = {0};
    struct msg_page *p = NULL;
    assert_int_equal(parse(json, &p, &d), 0);
    assert_int_equal(d.count, 0);
    assert_string_equal(p->group_id, "1234");
    assert_true(p->is_finished);
    assert_int_equal(p->count, 1);
    const struct msg_message *m = &p->msgs[0];
    assert_string_equal(m->from, "teacher_01");
    assert_int_equal(m->seq, 12);
    assert_int_equal(m->random, 88123);
    assert_int_equal(m->timestamp, 1558613150);
    assert_false(m->is_place);
    assert_int_equal(m->elem_count, 1);
    assert_int_equal(m->elems[0].type, MSG_ELEM_TEXT);
    assert_string_equal(m->elems[0].type_name, "TIMTextElem");
    assert_string_equal(m->elems[0].text, "\xe5\xa4\xa7\xe5\xae\xb6\xe5\xa5\xbd \xf0\x9f\x91\x8b");
    assert_string_equal(m->page, "im/p.json");
    msg_page_free(p);
    diag_clear(&d);
}

static void test_every_element_kind(void **state)
{
    (void)state;
    const char *body =
        "[{\"MsgType\":\"TIMTextElem\",\"MsgContent\":{\"Text\":\"t\"}},"
        " {\"MsgType\":\"TIMFaceElem\",\"MsgContent\":{\"Index\":7,\"Data\":\"[smile]\"}},"
        " {\"MsgType\":\"TIMImageElem\",\"MsgContent\":{\"UUID\":\"img1\",\"ImageFormat\":1,"
        "   \"ImageInfoArray\":[{\"Type\":1,\"Size\":1000,\"Width\":800,\"Height\":600,"
        "   \"URL\":\"images/o.jpg\"},{\"Type\":3,\"Size\":100,\"Width\":198,\"Height\":148,"
        "   \"URL\":\"images/t.jpg\"}]}},"
        " {\"MsgType\":\"TIMFileElem\",\"MsgContent\":{\"Url\":\"f.pdf\",\"FileSize\":2048,"
        "   \"FileName\":\"notes.pdf\",\"UUID\":\"u\",\"Download_Flag\":2}},"
        " {\"MsgType\":\"TIMSoundElem\",\"MsgContent\":{\"Url\":\"s.amr\",\"Size\":300,"
        "   \"Second\":4,\"UUID\":\"su\"}},"
        " {\"MsgType\":\"TIMVideoFileElem\",\"MsgContent\":{\"VideoUrl\":\"v.mp4\","
        "   \"VideoSize\":5000,\"VideoSecond\":15,\"ThumbUrl\":\"v.jpg\",\"VideoUUID\":\"vu\"}},"
        " {\"MsgType\":\"TIMLocationElem\",\"MsgContent\":{\"Desc\":\"Room 3\","
        "   \"Latitude\":22.5,\"Longitude\":113.9}},"
        " {\"MsgType\":\"TIMCustomElem\",\"MsgContent\":{\"Data\":\"{\\\"v\\\":1}\","
        "   \"Desc\":\"poll\",\"Ext\":\"other\"}},"
        " {\"MsgType\":\"TIMCustomElem\",\"MsgContent\":{"
        "   \"Data\":\"{\\\"v\\\":1,\\\"ops\\\":[]}\","
        "   \"Ext\":\"TXWhiteBoardExt\"}},"
        " {\"MsgType\":\"TIMNewElem\",\"MsgContent\":{}}]";
    int64_t seq = 5;
    char *json = make_page(&seq, &body, 1);
    struct diag_list d = {0};
    struct msg_page *p = NULL;
    assert_int_equal(parse(json, &p, &d), 0);
    assert_int_equal(p->count, 1);
    const struct msg_message *m = &p->msgs[0];
    assert_int_equal(m->elem_count, 10);
    const struct msg_elem *e = m->elems;
    assert_int_equal(e[0].type, MSG_ELEM_TEXT);
    assert_int_equal(e[1].type, MSG_ELEM_FACE);
    assert_int_equal(e[1].index, 7);
    assert_string_equal(e[1].data, "[smile]");
    assert_int_equal(e[2].type, MSG_ELEM_IMAGE);
    assert_string_equal(e[2].uuid, "img1");
    assert_int_equal(e[2].image_format, 1);
    assert_int_equal(e[2].image_count, 2);
    assert_int_equal(e[2].images[1].type, 3);
    assert_int_equal(e[2].images[1].width, 198);
    assert_int_equal(e[2].images[1].size, 100);
    assert_string_equal(e[2].images[1].url, "images/t.jpg");
    assert_int_equal(e[3].type, MSG_ELEM_FILE);
    assert_string_equal(e[3].file_name, "notes.pdf");
    assert_int_equal(e[3].size, 2048);
    assert_int_equal(e[4].type, MSG_ELEM_SOUND);
    assert_int_equal(e[4].seconds, 4);
    assert_int_equal(e[4].size, 300);
    assert_int_equal(e[5].type, MSG_ELEM_VIDEO);
    assert_string_equal(e[5].url, "v.mp4");
    assert_string_equal(e[5].thumb_url, "v.jpg");
    assert_int_equal(e[5].seconds, 15);
    assert_int_equal(e[6].type, MSG_ELEM_LOCATION);
    assert_string_equal(e[6].desc, "Room 3");
    assert_true(fabs(e[6].latitude - 22.5) < 1e-9);
    assert_int_equal(e[7].type, MSG_ELEM_CUSTOM);
    assert_false(msg_elem_is_whiteboard(&e[7]));
    assert_string_equal(e[7].desc, "poll");
    assert_true(msg_elem_is_whiteboard(&e[8]));
    assert_int_equal(e[8].data_len, strlen("{\"v\":1,\"ops\":[]}"));
    assert_int_equal(e[9].type, MSG_ELEM_UNKNOWN);
    assert_string_equal(e[9].type_name, "TIMNewElem");
    assert_true(diag_contains(&d, "im/p.json: RspMsgList[0].MsgBody[9].MsgType: unknown type"));
    assert_string_equal(msg_elem_type_name(MSG_ELEM_LOCATION), "location");
    msg_page_free(p);
    diag_clear(&d);
    free(json);
}

static void test_empty_and_failed_pages(void **state)
{
    (void)state;
    struct diag_list d = {0};
    struct msg_page *p = NULL;
    assert_int_equal(parse("{\"ActionStatus\":\"OK\",\"ErrorCode\":0,\"RspMsgList\":[]}", &p, &d),
                     0);
    assert_int_equal(p->count, 0);
    assert_int_equal(d.count, 0);
    struct msg_log *log = msg_log_create();
    assert_int_equal(msg_log_add_page(log, &p, &d), 0);
    assert_null(p);
    assert_int_equal(log->count, 0);
    assert_int_equal(log->page_count, 1);
    msg_log_destroy(&log);

    assert_int_equal(parse("{\"ActionStatus\":\"OK\",\"ErrorCode\":0}", &p, &d), 0);
    assert_int_equal(p->count, 0);
    assert_true(diag_contains(&d, "im/p.json: RspMsgList: missing"));
    msg_page_free(p);

    assert_int_equal(parse("{\"ActionStatus\":\"FAIL\",\"ErrorCode\":10004,"
                           "\"ErrorInfo\":\"invalid group\"}",
                           &p, &d),
                     SP_EPARSE);
    assert_null(p);
    assert_true(diag_contains(&d, "ErrorCode 10004: invalid group"));
    /* Text from the page cannot put control characters into a diagnostic. */
    assert_int_equal(parse("{\"ActionStatus\":\"FAIL\",\"ErrorCode\":1,"
                           "\"ErrorInfo\":\"bad\\u001b[2Jthing\\n\"}",
                           &p, &d),
                     SP_EPARSE);
    /* shown the way every document string is shown (base/term_text.h) */
    assert_true(diag_contains(&d, "ErrorCode 1: bad\\x1b[2Jthing\\n)"));

    assert_int_equal(parse("{\"ActionStatus\":\"OK\",", &p, &d), SP_EPARSE);
    assert_true(diag_contains(&d, "im/p.json: not valid JSON"));
    assert_int_equal(parse("[1,2]", &p, &d), SP_EPARSE);
    assert_true(diag_contains(&d, "expected a JSON object, got array"));
    assert_int_equal(parse("", &p, &d), SP_EPARSE);
    assert_int_equal(parse("{\"RspMsgList\":{}}", &p, &d), SP_EPARSE);
    assert_true(diag_contains(&d, "im/p.json: RspMsgList: expected array, got object"));
    assert_int_equal(msg_page_parse("{}", MSG_PAGE_MAX_BYTES + 1u, "big.json", &p, &d), SP_ELIMIT);
    assert_int_equal(msg_page_parse(NULL, 0, "x", NULL, &d), SP_EINVAL);
    msg_page_free(NULL);
    diag_clear(&d);
}

static void test_bad_fields_are_named(void **state)
{
    (void)state;
    const char *json =
        "{\"ActionStatus\":\"OK\",\"ErrorCode\":0,\"RspMsgList\":["
        " {\"From_Account\":\"a\",\"MsgSeq\":\"3\",\"MsgTimeStamp\":1,\"MsgBody\":[]},"
        " {\"From_Account\":\"a\",\"MsgTimeStamp\":1,\"MsgBody\":[]},"
        " {\"From_Account\":\"a\",\"MsgSeq\":4.5,\"MsgBody\":[]},"
        " {\"MsgSeq\":5},"
        " 17,"
        " {\"From_Account\":7,\"MsgSeq\":6,\"MsgTimeStamp\":-4,\"MsgBody\":[5,"
        "   {\"MsgType\":\"TIMTextElem\"},{\"MsgType\":\"TIMImageElem\",\"MsgContent\":{}}]}]}";
    struct diag_list d = {0};
    struct msg_page *p = NULL;
    assert_int_equal(parse(json, &p, &d), 0);
    assert_true(diag_contains(&d, "im/p.json: RspMsgList[0].MsgSeq: expected integer, got string"));
    assert_true(diag_contains(&d, "im/p.json: RspMsgList[1].MsgSeq: missing; message skipped"));
    assert_true(diag_contains(&d, "im/p.json: RspMsgList[2].MsgSeq: expected integer, got 4.5"));
    assert_true(diag_contains(&d, "im/p.json: RspMsgList[3].MsgBody: missing"));
    assert_true(diag_contains(&d, "im/p.json: RspMsgList[3].MsgTimeStamp: missing"));
    assert_true(diag_contains(&d, "im/p.json: RspMsgList[3].From_Account: missing"));
    assert_true(diag_contains(&d, "im/p.json: RspMsgList[4]: expected object, got number"));
    assert_true(diag_contains(&d, "RspMsgList[5].From_Account: expected string, got number"));
    assert_true(diag_contains(&d, "RspMsgList[5].MsgTimeStamp: -4 is not Unix seconds"));
    assert_true(diag_contains(&d, "RspMsgList[5].MsgBody[0]: expected object, got number"));
    assert_true(diag_contains(&d, "RspMsgList[5].MsgBody[1].MsgContent: missing"));
    assert_true(diag_contains(&d, "RspMsgList[5].MsgBody[2].MsgContent.ImageInfoArray: missing"));
    /* Kept: seq 5 (no body) and seq 6. */
    assert_int_equal(p->count, 2);
    assert_int_equal(p->msgs[0].seq, 5);
    assert_true(p->msgs[0].body_missing);
    assert_int_equal(p->msgs[0].elem_count, 0);
    assert_string_equal(p->msgs[0].from, "");
    assert_int_equal(p->msgs[0].timestamp, -1);
    assert_int_equal(p->msgs[1].seq, 6);
    assert_int_equal(p->msgs[1].timestamp, -1);
    assert_int_equal(p->msgs[1].elem_count, 3);
    assert_int_equal(p->msgs[1].elems[0].type, MSG_ELEM_UNKNOWN);
    assert_string_equal(p->msgs[1].elems[0].type_name, "");
    assert_null(p->msgs[1].elems[1].text);
    msg_page_free(p);
    diag_clear(&d);
}

static void test_merge_newest_first_overlapping(void **state)
{
    (void)state;
    /* Three pages, newest first, each overlapping the next by one message,
     * each listing its messages newest first (as the service does). */
    struct msg_log *log = msg_log_create();
    assert_non_null(log);
    struct diag_list d = {0};
    const char *bodies[4] = {TEXT_BODY, TEXT_BODY, TEXT_BODY, TEXT_BODY};
    int64_t p0[] = {10, 9, 8, 7}, p1[] = {7, 6, 5, 4}, p2[] = {4, 3, 2, 1};
    int64_t *pages[] = {p0, p1, p2};
    for (int i = 0; i < 3; i++) {
        char *json = make_page(pages[i], bodies, 4);
        char name[32];
        snprintf(name, sizeof(name), "im/messages-%03d.json", i);
        assert_int_equal(msg_log_add_json(log, json, strlen(json), name, &d), 0);
        free(json);
    }
    assert_int_equal(log->count, 10);
    for (size_t i = 0; i < log->count; i++)
        assert_int_equal(log->msgs[i].seq, (int64_t)i + 1);
    assert_int_equal(log->duplicates, 2);
    assert_int_equal(log->conflicts, 0);
    assert_int_equal(d.count, 0);
    assert_int_equal(log->page_count, 3);
    /* Each message remembers where it was read. */
    assert_string_equal(log->msgs[9].page, "im/messages-000.json");
    assert_int_equal(log->msgs[9].index, 0);
    assert_string_equal(log->msgs[0].page, "im/messages-002.json");
    assert_int_equal(log->msgs[0].index, 3);
    assert_int_equal(msg_log_find(log, 6), 5);
    assert_int_equal(msg_log_find(log, 11), -1);
    assert_int_equal(msg_log_find(log, 0), -1);
    msg_log_destroy(&log);
    assert_null(log);
    msg_log_destroy(&log);
    diag_clear(&d);
}

/* Pages in random order covering random, overlapping seq ranges: the log is
 * the sorted union, and each seq keeps the message of the first page that
 * had it. */
static void test_merge_random_orders(void **state)
{
    (void)state;
    enum { SEQS = 400, PAGES = 150 };
    int first_page[SEQS + 1];
    for (int i = 0; i <= SEQS; i++)
        first_page[i] = -1;
    srand(12345);
    struct msg_log *log = msg_log_create();
    struct diag_list d = {0};
    for (int p = 0; p < PAGES; p++) {
        int lo = 1 + rand() % SEQS, len = 1 + rand() % 40;
        int64_t seqs[40];
        char *bodies[40];
        int n = 0;
        for (int q = lo; q < lo + len && q <= SEQS; q++) {
            if (rand() % 4 == 0)
                continue; /* holes */
            seqs[n] = q;
            bodies[n] = malloc(96);
            snprintf(bodies[n], 96,
                     "[{\"MsgType\":\"TIMTextElem\",\"MsgContent\":"
                     "{\"Text\":\"p%d\"}}]",
                     p);
            if (first_page[q] < 0)
                first_page[q] = p;
            n++;
        }
        if (rand() % 2) { /* newest first */
            for (int a = 0, b = n - 1; a < b; a++, b--) {
                int64_t t = seqs[a];
                seqs[a] = seqs[b];
                seqs[b] = t;
                char *tb = bodies[a];
                bodies[a] = bodies[b];
                bodies[b] = tb;
            }
        }
        char *json = make_page(seqs, (const char *const *)bodies, (size_t)n);
        assert_int_equal(msg_log_add_json(log, json, strlen(json), "r.json", &d), 0);
        free(json);
        for (int i = 0; i < n; i++)
            free(bodies[i]);
    }
    size_t want = 0;
    for (int q = 1; q <= SEQS; q++) {
        if (first_page[q] < 0) {
            assert_int_equal(msg_log_find(log, q), -1);
            continue;
        }
        ptrdiff_t at = msg_log_find(log, q);
        assert_true(at >= 0);
        char tag[16];
        snprintf(tag, sizeof(tag), "p%d", first_page[q]);
        assert_string_equal(log->msgs[at].elems[0].text, tag);
        want++;
    }
    assert_int_equal(log->count, want);
    for (size_t i = 1; i < log->count; i++)
        assert_true(log->msgs[i - 1].seq < log->msgs[i].seq);
    assert_int_equal(log->conflicts, 0);
    msg_log_destroy(&log);
    diag_clear(&d);
}

static void test_duplicates_and_placeholders(void **state)
{
    (void)state;
    const char *a =
        "{\"ActionStatus\":\"OK\",\"ErrorCode\":0,\"RspMsgList\":["
        " {\"From_Account\":\"a\",\"MsgSeq\":2,\"MsgRandom\":1,\"MsgTimeStamp\":100,"
        "  \"MsgBody\":[{\"MsgType\":\"TIMTextElem\",\"MsgContent\":{\"Text\":\"first\"}}]},"
        " {\"From_Account\":\"a\",\"MsgSeq\":2,\"MsgRandom\":1,\"MsgTimeStamp\":100,"
        "  \"MsgBody\":[{\"MsgType\":\"TIMTextElem\",\"MsgContent\":{\"Text\":\"again\"}}]},"
        " {\"MsgSeq\":3,\"IsPlaceMsg\":1},"
        " {\"From_Account\":\"b\",\"MsgSeq\":1,\"MsgRandom\":5,\"MsgTimeStamp\":99,"
        "  \"IsPlaceMsg\":0,\"MsgBody\":[]}]}";
    const char *b =
        "{\"ActionStatus\":\"OK\",\"ErrorCode\":0,\"RspMsgList\":["
        " {\"From_Account\":\"z\",\"MsgSeq\":2,\"MsgRandom\":9,\"MsgTimeStamp\":100,"
        "  \"MsgBody\":[{\"MsgType\":\"TIMTextElem\",\"MsgContent\":{\"Text\":\"other\"}}]}]}";
    struct msg_log *log = msg_log_create();
    struct diag_list d = {0};
    assert_int_equal(msg_log_add_json(log, a, strlen(a), "a.json", &d), 0);
    assert_int_equal(d.count, 0); /* same content: silent */
    assert_int_equal(msg_log_add_json(log, b, strlen(b), "b.json", &d), 0);
    assert_int_equal(log->count, 2);
    assert_int_equal(log->msgs[0].seq, 1);
    assert_int_equal(log->msgs[1].seq, 2);
    assert_string_equal(log->msgs[1].elems[0].text, "first");
    assert_int_equal(log->placeholders, 1);
    assert_int_equal(log->duplicates, 2);
    assert_int_equal(log->conflicts, 1);
    assert_true(diag_contains(&d, "b.json: RspMsgList[0].MsgSeq: 2 already read from a.json: "
                                  "RspMsgList[0] with different content"));
    /* A failed page leaves the log alone. */
    assert_int_equal(msg_log_add_json(log, "nope", 4, "c.json", &d), SP_EPARSE);
    assert_int_equal(log->count, 2);
    struct msg_page *null_page = NULL;
    assert_int_equal(msg_log_add_page(log, &null_page, &d), SP_EINVAL);
    msg_log_destroy(&log);
    diag_clear(&d);
}

static void test_caps(void **state)
{
    (void)state;
    struct diag_list d = {0};
    /* Too many elements: the first MSG_MAX_ELEMS are kept. */
    size_t cap = (MSG_MAX_ELEMS + 10) * 80 + 16;
    char *body = malloc(cap);
    size_t o = (size_t)snprintf(body, cap, "[");
    for (int i = 0; i < MSG_MAX_ELEMS + 10; i++)
        o += (size_t)snprintf(body + o, cap - o,
                              "%s{\"MsgType\":\"TIMTextElem\","
                              "\"MsgContent\":{\"Text\":\"%d\"}}",
                              i ? "," : "", i);
    snprintf(body + o, cap - o, "]");
    int64_t seq = 1;
    const char *bp = body;
    char *json = make_page(&seq, &bp, 1);
    struct msg_page *p = NULL;
    assert_int_equal(parse(json, &p, &d), 0);
    assert_int_equal(p->msgs[0].elem_count, MSG_MAX_ELEMS);
    assert_string_equal(p->msgs[0].elems[MSG_MAX_ELEMS - 1].text, "63");
    assert_true(diag_contains(&d, "MsgBody: 74 elements, over the limit of 64"));
    msg_page_free(p);
    free(json);
    free(body);

    /* A text over MSG_MAX_TEXT_BYTES is cut at a UTF-8 boundary: 3-byte
     * characters, so the limit falls inside one. */
    size_t n = MSG_MAX_TEXT_BYTES / 3 + 10;
    size_t jcap = n * 3 + 200;
    json = malloc(jcap);
    o = (size_t)snprintf(json, jcap,
                         "{\"RspMsgList\":[{\"MsgSeq\":1,\"From_Account\":\"a\","
                         "\"MsgTimeStamp\":5,\"MsgBody\":[{\"MsgType\":\"TIMTextElem\","
                         "\"MsgContent\":{\"Text\":\"");
    for (size_t i = 0; i < n; i++) {
        memcpy(json + o, "\xe4\xb8\xad", 3);
        o += 3;
    }
    snprintf(json + o, jcap - o, "\"}}]}]}");
    assert_int_equal(parse(json, &p, &d), 0);
    const struct msg_elem *e = &p->msgs[0].elems[0];
    assert_true(e->text_cut);
    size_t len = strlen(e->text);
    assert_true(len <= MSG_MAX_TEXT_BYTES);
    assert_int_equal(len % 3, 0);
    assert_true(len > MSG_MAX_TEXT_BYTES - 3);
    assert_true(diag_contains(&d, "MsgContent.Text: "));
    msg_page_free(p);
    free(json);

    /* Too many image infos. */
    json = strdup("{\"RspMsgList\":[{\"MsgSeq\":1,\"From_Account\":\"a\",\"MsgTimeStamp\":5,"
                  "\"MsgBody\":[{\"MsgType\":\"TIMImageElem\",\"MsgContent\":{\"ImageInfoArray\":"
                  "[{},{},{},{},{},{},{},{},{},{\"Type\":3}]}}]}]}");
    assert_int_equal(parse(json, &p, &d), 0);
    assert_int_equal(p->msgs[0].elems[0].image_count, MSG_MAX_IMAGE_INFOS);
    assert_true(diag_contains(&d, "ImageInfoArray: more than 8 entries"));
    msg_page_free(p);
    free(json);
    diag_clear(&d);
}

static void test_whiteboard_batches(void **state)
{
    (void)state;
    const char *wb1 = "[{\"MsgType\":\"TIMCustomElem\",\"MsgContent\":{\"Data\":\"{\\\"v\\\":1,"
                      "\\\"ops\\\":[1]}\",\"Ext\":\"TXWhiteBoardExt\"}}]";
    const char *wb2 = "[{\"MsgType\":\"TIMTextElem\",\"MsgContent\":{\"Text\":\"x\"}},"
                      "{\"MsgType\":\"TIMCustomElem\",\"MsgContent\":{\"Data\":\"B\","
                      "\"Ext\":\"TXWhiteBoardExt\"}},"
                      "{\"MsgType\":\"TIMCustomElem\",\"MsgContent\":{\"Data\":\"\","
                      "\"Ext\":\"TXWhiteBoardExt\"}},"
                      "{\"MsgType\":\"TIMCustomElem\",\"MsgContent\":{\"Data\":\"C\","
                      "\"Ext\":\"TXWhiteBoardExt\"}}]";
    const char *other = "[{\"MsgType\":\"TIMCustomElem\",\"MsgContent\":{\"Data\":\"no\","
                        "\"Ext\":\"poll\"}}]";
    int64_t seqs[] = {30, 20, 10};
    const char *bodies[] = {wb2, other, wb1};
    char *json = make_page(seqs, bodies, 3);
    struct msg_log *log = msg_log_create();
    struct diag_list d = {0};
    assert_int_equal(msg_log_add_json(log, json, strlen(json), "im/messages-001.json", &d), 0);
    struct msg_wb_iter it;
    struct msg_wb_batch b;
    msg_wb_iter_init(&it, log);
    assert_true(msg_wb_next(&it, &b));
    assert_string_equal(b.data, "{\"v\":1,\"ops\":[1]}");
    assert_int_equal(b.len, strlen(b.data));
    assert_int_equal(b.msg_seq, 10);
    assert_int_equal(b.timestamp, 1700000010);
    assert_string_equal(b.where, "im/messages-001.json: RspMsgList[2].MsgBody[0]");
    assert_true(msg_wb_next(&it, &b));
    assert_string_equal(b.data, "B");
    assert_int_equal(b.msg_seq, 30);
    assert_string_equal(b.where, "im/messages-001.json: RspMsgList[0].MsgBody[1]");
    assert_true(msg_wb_next(&it, &b));
    assert_string_equal(b.data, "C");
    assert_string_equal(b.where, "im/messages-001.json: RspMsgList[0].MsgBody[3]");
    assert_false(msg_wb_next(&it, &b));
    assert_false(msg_wb_next(&it, &b));
    msg_log_destroy(&log);
    free(json);
    diag_clear(&d);
}

/* A NUL inside any string of a page (a message's text, a whiteboard
 * batch, a file's URL) refuses the page with one error naming the field:
 * cJSON would cut the string there, so "f.pdf\u0000.evil" read as "f.pdf"
 * is not what the service sent. The same text without the NUL reads. */
static void test_nul_in_any_string(void **state)
{
    (void)state;
    static const struct {
        const char *body;
        const char *field;
    } cases[] = {
        {"[{\"MsgType\":\"TIMTextElem\",\"MsgContent\":{\"Text\":\"hi\\u0000there\"}}]",
         "RspMsgList[0].MsgBody[0].MsgContent.Text"},
        {"[{\"MsgType\":\"TIMCustomElem\",\"MsgContent\":{\"Data\":\"{}\\u0000\","
         "\"Ext\":\"TXWhiteBoardExt\"}}]",
         "RspMsgList[0].MsgBody[0].MsgContent.Data"},
        {"[{\"MsgType\":\"TIMFileElem\",\"MsgContent\":{\"Url\":\"f.pdf\\u0000.evil\","
         "\"FileSize\":2048,\"FileName\":\"notes.pdf\"}}]",
         "RspMsgList[0].MsgBody[0].MsgContent.Url"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int64_t seq = 5;
        char *json = make_page(&seq, &cases[i].body, 1);
        struct diag_list d = {0};
        struct msg_page *p = NULL;
        assert_int_equal(parse(json, &p, &d), SP_EPARSE);
        assert_null(p);
        assert_int_equal(d.errors, 1);
        assert_int_equal(d.items[0].code, DIAG_CODE_JSON_NUL);
        char want[256];
        snprintf(want, sizeof(want),
                 "im/p.json: %s: a string holds a NUL character (\\u0000); the page is refused",
                 cases[i].field);
        assert_string_equal(d.items[0].text, want);
        diag_clear(&d);
        /* the same page with the escape written as text, "\\u0000", reads */
        char *esc = strstr(json, "\\u0000");
        assert_non_null(esc);
        size_t at = (size_t)(esc - json);
        char *ok = malloc(strlen(json) + 2);
        assert_non_null(ok);
        memcpy(ok, json, at);
        ok[at] = '\\';
        strcpy(ok + at + 1, json + at);
        assert_int_equal(parse(ok, &p, &d), 0);
        assert_int_equal(d.errors, 0);
        assert_int_equal(p->count, 1);
        msg_page_free(p);
        diag_clear(&d);
        free(ok);
        free(json);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_basic_text),
        cmocka_unit_test(test_every_element_kind),
        cmocka_unit_test(test_empty_and_failed_pages),
        cmocka_unit_test(test_bad_fields_are_named),
        cmocka_unit_test(test_merge_newest_first_overlapping),
        cmocka_unit_test(test_merge_random_orders),
        cmocka_unit_test(test_duplicates_and_placeholders),
        cmocka_unit_test(test_caps),
        cmocka_unit_test(test_nul_in_any_string),
        cmocka_unit_test(test_whiteboard_batches),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
