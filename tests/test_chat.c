/* Tests for im/chat: IM messages to chat items, and "visible at w". */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "im/chat.h"
#include "base/utf8.h"
#include "base/diag.h"
#include "im/msgpage.h"
#include "base/sp_error.h"
#include "base/sp_file.h"

#define FFFD "\xEF\xBF\xBD"

/* Builds a chat from page texts. */
static struct chat_log *chat_from(const char *const *pages, size_t n, struct msg_log **logp,
                                  struct diag_list *d)
{
    struct msg_log *log = msg_log_create();
    assert_non_null(log);
    for (size_t i = 0; i < n; i++) {
        char name[32];
        snprintf(name, sizeof(name), "im/messages-%03zu.json", i);
        assert_int_equal(msg_log_add_json(log, pages[i], strlen(pages[i]), name, d), 0);
    }
    struct chat_log *c = NULL;
    assert_int_equal(chat_log_build(log, &c, d), 0);
    assert_non_null(c);
    *logp = log;
    return c;
}

static char *page_one(const char *from, int64_t seq, int64_t ts, const char *body)
{
    size_t cap = strlen(body) + 256;
    char *s = malloc(cap);
    assert_non_null(s);
    snprintf(s, cap,
             "{\"ActionStatus\":\"OK\",\"ErrorCode\":0,\"RspMsgList\":[{\"From_Account\":\"%s\","
             "\"MsgSeq\":%lld,\"MsgRandom\":1,\"MsgTimeStamp\":%lld,\"MsgBody\":%s}]}",
             from, (long long)seq, (long long)ts, body);
    return s;
}

static void test_every_kind(void **state)
{
    (void)state;
    const char *page =
        "{\"ActionStatus\":\"OK\",\"ErrorCode\":0,\"RspMsgList\":["
        "{\"From_Account\":\"student_02\",\"MsgSeq\":2,\"MsgTimeStamp\":1700000002,\"MsgBody\":["
        " {\"MsgType\":\"TIMTextElem\",\"MsgContent\":{\"Text\":\"\xe8\x80\x81\xe5\xb8\x88\"}},"
        " {\"MsgType\":\"TIMFaceElem\",\"MsgContent\":{\"Index\":1,\"Data\":\"[smile]\"}},"
        " {\"MsgType\":\"TIMFaceElem\",\"MsgContent\":{\"Index\":0,"
        "   \"Data\":\"\xf0\x9f\x98\x80\"}},"
        " {\"MsgType\":\"TIMFaceElem\",\"MsgContent\":{\"Index\":9}},"
        " {\"MsgType\":\"TIMImageElem\",\"MsgContent\":{\"ImageInfoArray\":["
        "   {\"Type\":1,\"Width\":800,\"Height\":600,\"URL\":\"o.jpg\"},"
        "   {\"Type\":2,\"Width\":400,\"Height\":300,\"URL\":\"l.jpg\"},"
        "   {\"Type\":3,\"Width\":198,\"Height\":148,\"URL\":\"t.jpg\"}]}},"
        " {\"MsgType\":\"TIMImageElem\",\"MsgContent\":{\"ImageInfoArray\":["
        "   {\"Type\":1,\"URL\":\"o.jpg\"},{\"Type\":2,\"URL\":\"l.jpg\"},{\"Type\":3}]}},"
        " {\"MsgType\":\"TIMImageElem\",\"MsgContent\":{\"ImageInfoArray\":[{\"Type\":1,"
        "   \"URL\":\"o.jpg\"}]}},"
        " {\"MsgType\":\"TIMImageElem\",\"MsgContent\":{\"ImageInfoArray\":[{\"Type\":3}]}},"
        " {\"MsgType\":\"TIMFileElem\",\"MsgContent\":{\"FileName\":\"\xe4\xbd\x9c.pdf\","
        "   \"FileSize\":48213}},"
        " {\"MsgType\":\"TIMSoundElem\",\"MsgContent\":{\"Second\":4,\"Size\":300}},"
        " {\"MsgType\":\"TIMVideoFileElem\",\"MsgContent\":{\"VideoSecond\":15,"
        "   \"VideoSize\":3145728}},"
        " {\"MsgType\":\"TIMLocationElem\",\"MsgContent\":{\"Desc\":\"Room 3\"}},"
        " {\"MsgType\":\"TIMCustomElem\",\"MsgContent\":{\"Desc\":\"\xe2\x9c\x8b hand\","
        "   \"Ext\":\"classroom.raise_hand\"}},"
        " {\"MsgType\":\"TIMCustomElem\",\"MsgContent\":{\"Data\":\"x\"}},"
        " {\"MsgType\":\"TIMCustomElem\",\"MsgContent\":{\"Data\":\"{}\","
        "   \"Ext\":\"TXWhiteBoardExt\"}},"
        " {\"MsgType\":\"TIMFancyElem\",\"MsgContent\":{}}]}]}";
    struct diag_list d = {0};
    struct msg_log *log;
    struct chat_log *c = chat_from(&page, 1, &log, &d);
    assert_int_equal(c->count, 1);
    const struct chat_item *it = &c->items[0];
    assert_string_equal(it->sender, "student_02");
    assert_int_equal(it->color, chat_sender_color("student_02"));
    assert_int_equal(it->wall_us, 1700000002000000LL);
    assert_int_equal(it->part_count, 15); /* the whiteboard element is not chat */
    assert_int_equal(c->board_elems, 1);
    const struct chat_part *p = it->parts;
    assert_int_equal(p[0].kind, CHAT_PART_TEXT);
    assert_string_equal(p[0].text, "\xe8\x80\x81\xe5\xb8\x88");
    assert_false(p[0].truncated);
    assert_null(p[0].full_text);
    assert_int_equal(p[1].kind, CHAT_PART_FACE);
    assert_int_equal(p[1].face_index, 1);
    assert_string_equal(p[1].text, "[smile]");
    assert_int_equal(p[2].kind, CHAT_PART_EMOJI);
    assert_string_equal(p[2].text, "\xf0\x9f\x98\x80");
    assert_int_equal(p[3].kind, CHAT_PART_FACE);
    assert_string_equal(p[3].text, "[face 9]");
    /* Image: thumbnail, else large, else original, else a label. */
    assert_int_equal(p[4].kind, CHAT_PART_IMAGE);
    assert_string_equal(p[4].url, "t.jpg");
    assert_int_equal(p[4].image_type, 3);
    assert_int_equal(p[4].width, 198);
    assert_string_equal(p[5].url, "l.jpg");
    assert_int_equal(p[5].image_type, 2);
    assert_string_equal(p[6].url, "o.jpg");
    assert_null(p[7].url);
    assert_string_equal(p[7].text, "[image]");
    assert_true(diag_contains(&d, "im/messages-000.json: RspMsgList[0].MsgBody[7].MsgContent."
                                  "ImageInfoArray: no image with a URL"));
    assert_int_equal(p[8].kind, CHAT_PART_PLACEHOLDER);
    assert_string_equal(p[8].text, "[file] \xe4\xbd\x9c.pdf (47.1 KB)");
    assert_string_equal(p[9].text, "[voice message] 4 s");
    assert_string_equal(p[10].text, "[video] 15 s (3.0 MB)");
    assert_string_equal(p[11].text, "[location] Room 3");
    assert_int_equal(p[12].kind, CHAT_PART_TEXT);
    assert_int_equal(p[12].source, MSG_ELEM_CUSTOM);
    assert_string_equal(p[12].text, "\xe2\x9c\x8b hand");
    assert_string_equal(p[13].text, "[custom message]");
    assert_string_equal(p[14].text, "[unsupported message: TIMFancyElem]");
    for (size_t i = 0; i < it->part_count; i++)
        assert_true(utf8_valid(p[i].text, strlen(p[i].text)));
    chat_log_destroy(&c);
    assert_null(c);
    chat_log_destroy(&c);
    msg_log_destroy(&log);
    diag_clear(&d);
}

static void test_board_only_and_empty_messages(void **state)
{
    (void)state;
    const char *page = "{\"ActionStatus\":\"OK\",\"ErrorCode\":0,\"RspMsgList\":["
                       "{\"From_Account\":\"t\",\"MsgSeq\":3,\"MsgTimeStamp\":5,\"MsgBody\":["
                       " {\"MsgType\":\"TIMCustomElem\",\"MsgContent\":{\"Data\":\"{}\","
                       "  \"Ext\":\"TXWhiteBoardExt\"}}]},"
                       "{\"From_Account\":\"t\",\"MsgSeq\":2,\"MsgTimeStamp\":4},"
                       "{\"From_Account\":\"t\",\"MsgSeq\":1,\"MsgTimeStamp\":3,\"MsgBody\":[]},"
                       "{\"MsgSeq\":4,\"IsPlaceMsg\":1},"
                       "{\"MsgSeq\":5,\"MsgTimeStamp\":6,\"MsgBody\":["
                       " {\"MsgType\":\"TIMTextElem\",\"MsgContent\":{\"Text\":\"anon\"}}]}]}";
    struct diag_list d = {0};
    struct msg_log *log;
    struct chat_log *c = chat_from(&page, 1, &log, &d);
    assert_int_equal(c->count, 1);
    assert_int_equal(c->items[0].seq, 5);
    assert_string_equal(c->items[0].sender, "(unknown)");
    assert_int_equal(c->empty_messages, 3);
    assert_int_equal(c->board_elems, 1);
    assert_true(diag_contains(&d, "RspMsgList[1].MsgBody: missing"));
    chat_log_destroy(&c);
    msg_log_destroy(&log);

    /* Empty page: empty chat; every query says nothing is visible. */
    const char *empty = "{\"ActionStatus\":\"OK\",\"ErrorCode\":0,\"RspMsgList\":[]}";
    c = chat_from(&empty, 1, &log, &d);
    assert_int_equal(c->count, 0);
    size_t first = 7;
    assert_int_equal(chat_view_at(c, INT64_MAX, 10, &first), 0);
    assert_int_equal(first, 0);
    assert_int_equal(chat_visible_count(NULL, 0), 0);
    chat_log_destroy(&c);
    msg_log_destroy(&log);
    assert_int_equal(chat_log_build(NULL, &c, &d), SP_EINVAL);
    diag_clear(&d);
}

static void test_invalid_utf8(void **state)
{
    (void)state;
    char *page = page_one("stu\xff", 1, 100,
                          "[{\"MsgType\":\"TIMTextElem\",\"MsgContent\":{\"Text\":\"ok \xe4\xb8"
                          " \xc0\xaf end\"}},{\"MsgType\":\"TIMFileElem\",\"MsgContent\":"
                          "{\"FileName\":\"a\xed\xa0\x80.pdf\"}}]");
    struct diag_list d = {0};
    struct msg_log *log;
    const char *pp = page;
    struct chat_log *c = chat_from(&pp, 1, &log, &d);
    assert_int_equal(c->count, 1);
    const struct chat_item *it = &c->items[0];
    assert_string_equal(it->sender, "stu" FFFD);
    assert_string_equal(it->parts[0].text, "ok " FFFD " " FFFD FFFD " end");
    assert_string_equal(it->parts[1].text, "[file] a" FFFD FFFD FFFD ".pdf");
    assert_true(it->repaired);
    assert_int_equal(c->repaired_items, 1);
    assert_true(diag_contains(&d, "im/messages-000.json: RspMsgList[0]: invalid UTF-8 (7 "
                                  "sequences shown as U+FFFD)"));
    chat_log_destroy(&c);
    msg_log_destroy(&log);
    free(page);
    diag_clear(&d);
}

static void test_long_text_is_cut(void **state)
{
    (void)state;
    /* 100 KB of text: 3-byte characters, with a newline now and then. */
    size_t n = 100 * 1024 / 3;
    size_t cap = n * 3 + n / 50 + 64;
    char *text = malloc(cap);
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        memcpy(text + o, "\xe5\xad\x97", 3);
        o += 3;
    }
    text[o] = '\0';
    size_t bcap = o + 128;
    char *body = malloc(bcap);
    snprintf(body, bcap, "[{\"MsgType\":\"TIMTextElem\",\"MsgContent\":{\"Text\":\"%s\"}}]", text);
    char *page = page_one("t", 1, 100, body);
    struct diag_list d = {0};
    struct msg_log *log;
    const char *pp = page;
    struct chat_log *c = chat_from(&pp, 1, &log, &d);
    const struct chat_part *p = &c->items[0].parts[0];
    assert_true(p->truncated);
    assert_true(c->items[0].truncated);
    assert_non_null(p->full_text);
    assert_string_equal(p->full_text, text);
    size_t len = strlen(p->text);
    /* Preview: within the caps, on a character boundary, ellipsis at the end. */
    assert_true(len <= CHAT_PREVIEW_BYTES + 3);
    assert_int_equal(utf8_count(p->text, len), CHAT_PREVIEW_CODEPOINTS + 1);
    assert_memory_equal(p->text + len - 3, CHAT_ELLIPSIS, 3);
    assert_memory_equal(p->text, text, len - 3);
    assert_true(utf8_valid(p->text, len));
    chat_log_destroy(&c);
    msg_log_destroy(&log);
    free(page);
    free(body);

    /* Many short lines: cut by lines. */
    o = 0;
    for (int i = 0; i < 40; i++)
        o += (size_t)snprintf(text + o, cap - o, "line %d\\n", i);
    body = malloc(o + 128);
    snprintf(body, o + 128, "[{\"MsgType\":\"TIMTextElem\",\"MsgContent\":{\"Text\":\"%s\"}}]",
             text);
    page = page_one("t", 1, 100, body);
    pp = page;
    c = chat_from(&pp, 1, &log, &d);
    p = &c->items[0].parts[0];
    assert_true(p->truncated);
    size_t lines = 1;
    for (const char *s = p->text; *s; s++)
        lines += *s == '\n';
    assert_int_equal(lines, CHAT_PREVIEW_LINES);
    assert_true(strncmp(p->text, "line 0\nline 1\n", 14) == 0);
    chat_log_destroy(&c);
    msg_log_destroy(&log);
    free(page);
    free(body);
    free(text);
    diag_clear(&d);
}

/* Pages newest first, overlapping by one, one message with a duplicate
 * sequence number inside a page: the chat is in MsgSeq order, once each. */
static void test_order_and_duplicates(void **state)
{
    (void)state;
    const char *pages[] = {
        "{\"ActionStatus\":\"OK\",\"ErrorCode\":0,\"RspMsgList\":["
        "{\"From_Account\":\"b\",\"MsgSeq\":13,\"MsgRandom\":1,\"MsgTimeStamp\":103,\"MsgBody\":["
        "{\"MsgType\":\"TIMTextElem\",\"MsgContent\":{\"Text\":\"13\"}}]},"
        "{\"From_Account\":\"a\",\"MsgSeq\":12,\"MsgRandom\":1,\"MsgTimeStamp\":102,\"MsgBody\":["
        "{\"MsgType\":\"TIMTextElem\",\"MsgContent\":{\"Text\":\"12\"}}]}]}",
        "{\"ActionStatus\":\"OK\",\"ErrorCode\":0,\"RspMsgList\":["
        "{\"From_Account\":\"a\",\"MsgSeq\":12,\"MsgRandom\":1,\"MsgTimeStamp\":102,\"MsgBody\":["
        "{\"MsgType\":\"TIMTextElem\",\"MsgContent\":{\"Text\":\"12\"}}]},"
        "{\"From_Account\":\"a\",\"MsgSeq\":11,\"MsgRandom\":1,\"MsgTimeStamp\":101,\"MsgBody\":["
        "{\"MsgType\":\"TIMTextElem\",\"MsgContent\":{\"Text\":\"11\"}}]},"
        "{\"From_Account\":\"a\",\"MsgSeq\":11,\"MsgRandom\":1,\"MsgTimeStamp\":101,\"MsgBody\":["
        "{\"MsgType\":\"TIMTextElem\",\"MsgContent\":{\"Text\":\"11\"}}]}]}",
    };
    struct diag_list d = {0};
    struct msg_log *log;
    struct chat_log *c = chat_from(pages, 2, &log, &d);
    assert_int_equal(c->count, 3);
    for (size_t i = 0; i < 3; i++) {
        char want[8];
        snprintf(want, sizeof(want), "%zu", 11 + i);
        assert_string_equal(c->items[i].parts[0].text, want);
        assert_int_equal(c->items[i].seq, (int64_t)(11 + i));
    }
    assert_int_equal(log->duplicates, 2);
    assert_int_not_equal(c->items[0].color, CHAT_SENDER_COLORS);
    assert_int_equal(c->items[0].color, c->items[1].color); /* same sender, same color */
    chat_log_destroy(&c);
    msg_log_destroy(&log);
    diag_clear(&d);
}

static void test_visible_at_wall_time(void **state)
{
    (void)state;
    /* Seconds stamps 100, 100, 103, 102 (out of order: shown with 103),
     * missing (takes 102 -> show 103), 110. */
    const char *page =
        "{\"ActionStatus\":\"OK\",\"ErrorCode\":0,\"RspMsgList\":["
        "{\"From_Account\":\"a\",\"MsgSeq\":6,\"MsgTimeStamp\":110,\"MsgBody\":[{\"MsgType\":"
        "\"TIMTextElem\",\"MsgContent\":{\"Text\":\"f\"}}]},"
        "{\"From_Account\":\"a\",\"MsgSeq\":5,\"MsgBody\":[{\"MsgType\":"
        "\"TIMTextElem\",\"MsgContent\":{\"Text\":\"e\"}}]},"
        "{\"From_Account\":\"a\",\"MsgSeq\":4,\"MsgTimeStamp\":102,\"MsgBody\":[{\"MsgType\":"
        "\"TIMTextElem\",\"MsgContent\":{\"Text\":\"d\"}}]},"
        "{\"From_Account\":\"a\",\"MsgSeq\":3,\"MsgTimeStamp\":103,\"MsgBody\":[{\"MsgType\":"
        "\"TIMTextElem\",\"MsgContent\":{\"Text\":\"c\"}}]},"
        "{\"From_Account\":\"a\",\"MsgSeq\":2,\"MsgTimeStamp\":100,\"MsgBody\":[{\"MsgType\":"
        "\"TIMTextElem\",\"MsgContent\":{\"Text\":\"b\"}}]},"
        "{\"From_Account\":\"a\",\"MsgSeq\":1,\"MsgTimeStamp\":100,\"MsgBody\":[{\"MsgType\":"
        "\"TIMTextElem\",\"MsgContent\":{\"Text\":\"a\"}}]}]}";
    struct diag_list d = {0};
    struct msg_log *log;
    struct chat_log *c = chat_from(&page, 1, &log, &d);
    assert_int_equal(c->count, 6);
    assert_int_equal(c->items[3].wall_us, 102000000);
    assert_int_equal(c->items[3].show_us, 103000000);
    assert_int_equal(c->items[4].wall_us, 102000000);
    assert_int_equal(c->items[4].show_us, 103000000);
    assert_int_equal(chat_visible_count(c, 99999999), 0);
    assert_int_equal(chat_visible_count(c, 100000000), 2); /* at: visible */
    assert_int_equal(chat_visible_count(c, 102999999), 2);
    assert_int_equal(chat_visible_count(c, 103000000), 5);
    assert_int_equal(chat_visible_count(c, 109999999), 5);
    assert_int_equal(chat_visible_count(c, 110000000), 6);
    assert_int_equal(chat_visible_count(c, INT64_MAX), 6);
    assert_int_equal(chat_visible_count(c, INT64_MIN), 0);
    size_t first;
    assert_int_equal(chat_view_at(c, 103000000, 2, &first), 2);
    assert_int_equal(first, 3);
    assert_int_equal(chat_view_at(c, 103000000, 50, &first), 5);
    assert_int_equal(first, 0);
    chat_log_destroy(&c);
    msg_log_destroy(&log);
    diag_clear(&d);
}

/* Seeks against the raw pages: with ordered stamps, the visible items are
 * exactly the messages with MsgTimeStamp * 1000 <= w, counted from the JSON
 * by cJSON, not by the code under test. */
static void test_seek_matches_source(void **state)
{
    (void)state;
    enum { N = 500 };
    srand(7);
    size_t cap = N * 200 + 128;
    char *json = malloc(cap);
    int64_t ts[N];
    int64_t t = 1700000000;
    size_t o = (size_t)snprintf(json, cap,
                                "{\"ActionStatus\":\"OK\",\"ErrorCode\":0,"
                                "\"RspMsgList\":[");
    for (int i = 0; i < N; i++) {
        t += rand() % 4; /* seconds, often equal */
        ts[i] = t;
    }
    for (int i = N - 1; i >= 0; i--) /* newest first */
        o += (size_t)snprintf(json + o, cap - o,
                              "%s{\"From_Account\":\"u%d\",\"MsgSeq\":%d,\"MsgTimeStamp\":%lld,"
                              "\"MsgBody\":[{\"MsgType\":\"TIMTextElem\",\"MsgContent\":"
                              "{\"Text\":\"m%d\"}}]}",
                              i == N - 1 ? "" : ",", i % 5, i + 1, (long long)ts[i], i);
    snprintf(json + o, cap - o, "]}");
    struct diag_list d = {0};
    struct msg_log *log;
    const char *pp = json;
    struct chat_log *c = chat_from(&pp, 1, &log, &d);
    cJSON *root = cJSON_Parse(json);
    const cJSON *list = cJSON_GetObjectItem(root, "RspMsgList");
    for (int k = 0; k < 300; k++) {
        int64_t w = (ts[0] - 2) * 1000 + (int64_t)(rand() % (int)((t - ts[0] + 4) * 1000));
        size_t want = 0;
        const cJSON *m;
        cJSON_ArrayForEach(m, list) want +=
            (int64_t)cJSON_GetObjectItem(m, "MsgTimeStamp")->valuedouble * 1000 <= w;
        assert_int_equal(chat_visible_count(c, w * 1000), want);
    }
    cJSON_Delete(root);
    chat_log_destroy(&c);
    msg_log_destroy(&log);
    free(json);
    diag_clear(&d);
}

static void test_sender_colors(void **state)
{
    (void)state;
    assert_int_equal(chat_sender_color("teacher_01"), chat_sender_color("teacher_01"));
    /* Spread: 100 different names use most of the palette. */
    int used[CHAT_SENDER_COLORS] = {0};
    for (int i = 0; i < 100; i++) {
        char name[32];
        snprintf(name, sizeof(name), "student_%02d", i);
        unsigned col = chat_sender_color(name);
        assert_true(col < CHAT_SENDER_COLORS);
        used[col] = 1;
    }
    int distinct = 0;
    for (int i = 0; i < CHAT_SENDER_COLORS; i++)
        distinct += used[i];
    assert_true(distinct >= CHAT_SENDER_COLORS - 2);
    assert_true(chat_sender_color(NULL) < CHAT_SENDER_COLORS);
}

/* ---- the generated sample class ---------------------------------------------- */

static cJSON *read_json(const char *path)
{
    char *text = NULL;
    size_t len = 0;
    assert_int_equal(sp_read_file(path, 64u << 20, &text, &len), 0);
    cJSON *j = cJSON_ParseWithLength(text, len);
    free(text);
    assert_non_null(j);
    return j;
}

static int64_t truth_int(const cJSON *obj, const char *a, const char *b)
{
    const cJSON *v = cJSON_GetObjectItem(obj, a);
    if (b)
        v = cJSON_GetObjectItem(v, b);
    assert_true(cJSON_IsNumber(v));
    return (int64_t)v->valuedouble;
}

static void test_sample_pages(void **state)
{
    (void)state;
    char path[4096];
    snprintf(path, sizeof(path), "%s/replay.json", SIGPLAY_SAMPLE_DIR);
    cJSON *replay = read_json(path);
    snprintf(path, sizeof(path), "%s/truth.json", SIGPLAY_SAMPLE_DIR);
    cJSON *truth = read_json(path);

    struct msg_log *log = msg_log_create();
    struct diag_list d = {0};
    const cJSON *pages = cJSON_GetObjectItem(replay, "Messages");
    assert_true(cJSON_IsArray(pages));
    const cJSON *pg;
    int npages = 0;
    cJSON_ArrayForEach(pg, pages)
    {
        const char *url = cJSON_GetObjectItem(pg, "Url")->valuestring;
        snprintf(path, sizeof(path), "%s/%s", SIGPLAY_SAMPLE_DIR, url);
        char *text = NULL;
        size_t len = 0;
        assert_int_equal(sp_read_file(path, MSG_PAGE_MAX_BYTES, &text, &len), 0);
        assert_int_equal(msg_log_add_json(log, text, len, url, &d), 0);
        free(text);
        npages++;
    }
    diag_print(&d, stderr);
    assert_int_equal(d.count, 0);
    assert_int_equal(npages, truth_int(truth, "im_pages", NULL));
    int64_t placeholders = truth_int(truth, "chat", "placeholders");
    assert_int_equal(log->placeholders, placeholders);
    assert_int_equal(log->count + log->placeholders, truth_int(truth, "im_messages", NULL));
    assert_int_equal(log->duplicates, npages - 1); /* pages overlap by one */
    assert_int_equal(log->conflicts, 0);
    for (size_t i = 1; i < log->count; i++)
        assert_true(log->msgs[i - 1].seq < log->msgs[i].seq);

    struct msg_wb_iter it;
    struct msg_wb_batch b;
    msg_wb_iter_init(&it, log);
    int64_t batches = 0;
    while (msg_wb_next(&it, &b)) {
        assert_true(b.len > 0 && b.data[0] == '{');
        batches++;
    }
    assert_int_equal(batches, truth_int(truth, "board", "batches"));

    struct chat_log *c = NULL;
    assert_int_equal(chat_log_build(log, &c, &d), 0);
    assert_int_equal(c->count, truth_int(truth, "chat", "messages"));
    assert_int_equal(c->repaired_items, 0);
    assert_int_equal(d.count, 0);
    /* The message sent during the pause has a wall time inside it. */
    const cJSON *pz = cJSON_GetArrayItem(cJSON_GetObjectItem(truth, "pauses"), 0);
    int64_t p0 = truth_int(pz, "pause_time", NULL), p1 = truth_int(pz, "resume_time", NULL);
    int64_t in_pause = 0;
    for (size_t i = 0; i < c->count; i++)
        in_pause += c->items[i].wall_us >= (p0 - 999) * 1000 && c->items[i].wall_us < p1 * 1000;
    assert_int_equal(in_pause, truth_int(truth, "chat", "in_pause"));
    /* All of it is visible at the end, none before the class. */
    int64_t start = truth_int(truth, "record_start_time", NULL) * 1000;
    assert_int_equal(chat_visible_count(c, (start - 1) * 1000), 0);
    assert_int_equal(chat_visible_count(c, (p1 + truth_int(truth, "total_time_ms", NULL)) * 1000),
                     c->count);
    chat_log_destroy(&c);
    msg_log_destroy(&log);
    cJSON_Delete(replay);
    cJSON_Delete(truth);
    diag_clear(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_kind),
        cmocka_unit_test(test_board_only_and_empty_messages),
        cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_long_text_is_cut),
        cmocka_unit_test(test_order_and_duplicates),
        cmocka_unit_test(test_visible_at_wall_time),
        cmocka_unit_test(test_seek_matches_source),
        cmocka_unit_test(test_sender_colors),
        cmocka_unit_test(test_sample_pages),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
