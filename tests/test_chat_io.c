/* Tests for the self-contained chat model (page names owned and interned by
 * the chat log) and its serialized form (im/chat_io.c): exact round trip of
 * a generated chat, every truncation and a flipped byte refused, foreign and
 * other-version input, structural checks behind the checksum. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/sink_check.h"
#include "im/chat.h"
#include "base/diag.h"
#include "im/msgpage.h"
#include "base/sp_bytes.h"
#include "base/sp_error.h"

/* ---- a generated chat ------------------------------------------------------------ */

struct sbuf {
    char *s;
    size_t n, cap;
};

static void put(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct sbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    assert_true(n >= 0);
    if (b->n + (size_t)n + 1 > b->cap) {
        b->cap = (b->n + (size_t)n + 1) * 2;
        b->s = realloc(b->s, b->cap);
        assert_non_null(b->s);
    }
    va_start(ap, fmt);
    vsnprintf(b->s + b->n, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->n += (size_t)n;
}

/* Message bodies of every kind the chat knows, some with ill-formed UTF-8,
 * a long text (cut into a preview), whiteboard batches (not chat) and an
 * empty body (no item). */
static const char *const kBodies[] = {
    "[{\"MsgType\":\"TIMTextElem\",\"MsgContent\":{\"Text\":\"hello \xe8\x80\x81\"}}]",
    "[{\"MsgType\":\"TIMTextElem\",\"MsgContent\":{\"Text\":\"bad \xff\xfe byte\"}},"
    " {\"MsgType\":\"TIMFaceElem\",\"MsgContent\":{\"Index\":3,\"Data\":\"[smile]\"}}]",
    "[{\"MsgType\":\"TIMFaceElem\",\"MsgContent\":{\"Index\":0,\"Data\":\"\xf0\x9f\x98\x80\"}},"
    " {\"MsgType\":\"TIMFaceElem\",\"MsgContent\":{}}]",
    "[{\"MsgType\":\"TIMImageElem\",\"MsgContent\":{\"ImageInfoArray\":["
    "  {\"Type\":1,\"Width\":800,\"Height\":600,\"URL\":\"o.jpg\"},"
    "  {\"Type\":3,\"Width\":198,\"Height\":148,\"URL\":\"t.jpg\"}]}},"
    " {\"MsgType\":\"TIMImageElem\",\"MsgContent\":{\"ImageInfoArray\":[{\"Type\":3}]}}]",
    "[{\"MsgType\":\"TIMFileElem\",\"MsgContent\":{\"FileName\":\"n.pdf\",\"FileSize\":48213}},"
    " {\"MsgType\":\"TIMSoundElem\",\"MsgContent\":{\"Second\":4}},"
    " {\"MsgType\":\"TIMVideoFileElem\",\"MsgContent\":{\"VideoSecond\":15}},"
    " {\"MsgType\":\"TIMLocationElem\",\"MsgContent\":{\"Desc\":\"Room 3\"}}]",
    "[{\"MsgType\":\"TIMCustomElem\",\"MsgContent\":{\"Desc\":\"hand\",\"Ext\":\"x\"}},"
    " {\"MsgType\":\"TIMCustomElem\",\"MsgContent\":{\"Data\":\"x\"}},"
    " {\"MsgType\":\"TIMFancyElem\",\"MsgContent\":{}}]",
    "[{\"MsgType\":\"TIMCustomElem\",\"MsgContent\":{\"Data\":\"{}\",\"Ext\":\"TXWhiteBoardExt\"}}"
    "]",
    "[]",
    "LONG",
};

/* pages pages of per messages each, newest page first (long_text: some
 * texts are cut into previews); every 7th message has
 * no MsgTimeStamp, times jump back now and then (show_us stays monotonic). */
static struct chat_log *gen_chat(size_t pages, size_t per, bool long_text, struct msg_log **logp)
{
    struct diag_list d;
    diag_init(&d);
    struct msg_log *log = msg_log_create();
    assert_non_null(log);
    uint64_t rng = 99;
    for (size_t pg = pages; pg-- > 0;) {
        struct sbuf b = {0};
        put(&b, "{\"ActionStatus\":\"OK\",\"ErrorCode\":0,\"RspMsgList\":[");
        for (size_t k = 0; k < per; k++) {
            size_t seq = pg * per + k + 1;
            rng = rng * 6364136223846793005ull + 1442695040888963407ull;
            const char *body = kBodies[(rng >> 33) % (sizeof(kBodies) / sizeof(kBodies[0]))];
            long long ts = 1700000000LL + (long long)seq * 3 - (long long)((rng >> 40) % 10);
            put(&b, "%s{\"From_Account\":\"user_%zu\",\"MsgSeq\":%zu,", k ? "," : "", seq % 5, seq);
            if (seq % 7)
                put(&b, "\"MsgTimeStamp\":%lld,", ts);
            if (strcmp(body, "LONG") == 0 && !long_text)
                body = kBodies[1];
            if (strcmp(body, "LONG") == 0) {
                put(&b, "\"MsgBody\":[{\"MsgType\":\"TIMTextElem\",\"MsgContent\":{\"Text\":\"");
                for (int i = 0; i < 300; i++)
                    put(&b, "line %d of a long text\\n", i);
                put(&b, "\"}}]}");
            } else {
                put(&b, "\"MsgBody\":%s}", body);
            }
        }
        put(&b, "]}");
        char name[64];
        snprintf(name, sizeof(name), "https://example.test/im/messages-%03zu.json", pg);
        assert_int_equal(msg_log_add_json(log, b.s, b.n, name, &d), 0);
        free(b.s);
    }
    struct chat_log *c = NULL;
    assert_int_equal(chat_log_build(log, &c, &d), 0);
    diag_clear(&d);
    if (logp)
        *logp = log;
    else
        msg_log_destroy(&log);
    return c;
}

static void assert_str_eq_or_null(const char *a, const char *b)
{
    if (!a || !b)
        assert_true(a == b);
    else
        assert_string_equal(a, b);
}

/* Field by field; b's page pointers are b's own. */
static void assert_same_chat(const struct chat_log *a, const struct chat_log *b)
{
    assert_int_equal(a->count, b->count);
    assert_int_equal(a->board_elems, b->board_elems);
    assert_int_equal(a->empty_messages, b->empty_messages);
    assert_int_equal(a->repaired_items, b->repaired_items);
    assert_int_equal(a->page_count, b->page_count);
    for (size_t i = 0; i < a->page_count; i++)
        assert_string_equal(a->pages[i], b->pages[i]);
    for (size_t i = 0; i < a->count; i++) {
        const struct chat_item *x = &a->items[i], *y = &b->items[i];
        assert_int_equal(x->seq, y->seq);
        assert_int_equal(x->wall_us, y->wall_us);
        assert_int_equal(x->show_us, y->show_us);
        assert_int_equal(a->show[i], b->show[i]);
        assert_string_equal(x->sender, y->sender);
        assert_int_equal(x->color, y->color);
        assert_int_equal(x->truncated, y->truncated);
        assert_int_equal(x->repaired, y->repaired);
        assert_int_equal(x->index, y->index);
        assert_str_eq_or_null(x->page, y->page);
        bool owned = !y->page;
        for (size_t k = 0; k < b->page_count; k++)
            owned |= y->page == b->pages[k];
        assert_true(owned);
        assert_int_equal(x->part_count, y->part_count);
        for (size_t k = 0; k < x->part_count; k++) {
            const struct chat_part *p = &x->parts[k], *q = &y->parts[k];
            assert_int_equal(p->kind, q->kind);
            assert_int_equal(p->source, q->source);
            assert_string_equal(p->text, q->text);
            assert_str_eq_or_null(p->full_text, q->full_text);
            assert_int_equal(p->truncated, q->truncated);
            assert_int_equal(p->face_index, q->face_index);
            assert_str_eq_or_null(p->url, q->url);
            assert_int_equal(p->image_type, q->image_type);
            assert_int_equal(p->width, q->width);
            assert_int_equal(p->height, q->height);
        }
    }
}

static void reseal(uint8_t *buf, size_t len)
{
    sp_put_u64(buf + len - 8, sp_checksum64(buf, len - 8));
}

static void assert_refused(const uint8_t *buf, size_t len, int rc, const char *needle)
{
    struct diag_list d;
    diag_init(&d);
    struct chat_log *out = (struct chat_log *)1;
    int r = chat_log_deserialize(buf, len, &out, &d);
    if (r != rc)
        fail_msg("len %zu: expected %d, got %d", len, rc, r);
    assert_null(out);
    assert_int_equal(d.count, 1);
    assert_non_null(strstr(d.items[0].text, "chat cache: "));
    if (needle && !diag_contains(&d, needle))
        fail_msg("diagnostic \"%s\" lacks \"%s\"", d.items[0].text, needle);
    diag_clear(&d);
}

/* A small serialized chat: 2 pages of 3 messages. */
static void small_serialized(uint8_t **buf, size_t *len)
{
    struct chat_log *c = gen_chat(2, 3, false, NULL);
    assert_true(c->count >= 2);
    assert_int_equal(chat_log_serialize(c, buf, len), 0);
    chat_log_destroy(&c);
}

/* ---- tests ------------------------------------------------------------------------- */

static void test_pages_owned_and_interned(void **state)
{
    (void)state;
    struct msg_log *log = NULL;
    struct chat_log *c = gen_chat(6, 20, true, &log);
    /* The message log goes first: nothing in the chat may point into it. */
    msg_log_destroy(&log);
    assert_true(c->count > 60);
    assert_true(c->page_count >= 1 && c->page_count <= 6);
    for (size_t i = 0; i < c->page_count; i++)
        for (size_t k = i + 1; k < c->page_count; k++)
            assert_true(strcmp(c->pages[i], c->pages[k]) != 0);
    /* One copy per page: items of the same page share the pointer. */
    for (size_t i = 0; i < c->count; i++) {
        const char *pg = c->items[i].page;
        assert_non_null(pg);
        size_t owners = 0;
        for (size_t k = 0; k < c->page_count; k++)
            owners += pg == c->pages[k];
        assert_int_equal(owners, 1);
        assert_non_null(strstr(pg, "im/messages-"));
    }
    chat_log_destroy(&c);
    chat_log_destroy(&c);
    chat_log_destroy(NULL);
}

static void test_round_trip_generated(void **state)
{
    (void)state;
    struct chat_log *c = gen_chat(40, 25, true, NULL);
    assert_true(c->count > 500);
    assert_true(c->repaired_items > 0 && c->board_elems > 0 && c->empty_messages > 0);
    bool cut = false;
    for (size_t i = 0; i < c->count; i++)
        cut |= c->items[i].truncated;
    assert_true(cut);
    uint8_t *buf = NULL;
    size_t len = 0;
    assert_int_equal(chat_log_serialize(c, &buf, &len), 0);
    struct diag_list d;
    diag_init(&d);
    struct chat_log *back = NULL;
    assert_int_equal(chat_log_deserialize(buf, len, &back, &d), 0);
    assert_int_equal(d.count, 0);
    assert_same_chat(c, back);
    /* Queries agree. */
    for (int64_t w = 1699999990000LL; w < 1700003100000LL; w += 7777)
        assert_int_equal(chat_visible_count(c, w * 1000), chat_visible_count(back, w * 1000));
    uint8_t *buf2;
    size_t len2;
    assert_int_equal(chat_log_serialize(back, &buf2, &len2), 0);
    assert_int_equal(len, len2);
    assert_memory_equal(buf, buf2, len);
    free(buf2);
    /* Streamed (the signaling cache's way): the same bytes in pieces of at
     * most 64 KB; a sink that fails stops the writing with its code. */
    uint64_t slen = 0;
    assert_int_equal(chat_log_serialized_len(c, &slen), 0);
    assert_int_equal(slen, len);
    struct sink_check sc = {0};
    struct sp_sink out = {sink_check_put, &sc};
    assert_int_equal(chat_log_serialize_to(c, &out), 0);
    assert_int_equal(sc.n, len);
    assert_memory_equal(sc.p, buf, len);
    assert_true(sc.largest <= 65536);
    assert_true(len > 65536 + 8 && sc.pieces >= 2); /* more than one piece */
    free(sc.p);
    sc = (struct sink_check){.fail_at = 1, .fail_rc = SP_EIO};
    assert_int_equal(chat_log_serialize_to(c, &out), SP_EIO);
    assert_false(sc.after_fail);
    free(sc.p);
    free(buf);
    chat_log_destroy(&back);
    chat_log_destroy(&c);

    /* An empty chat. */
    struct msg_log *log = msg_log_create();
    assert_int_equal(chat_log_build(log, &c, &d), 0);
    msg_log_destroy(&log);
    assert_int_equal(chat_log_serialize(c, &buf, &len), 0);
    assert_int_equal(chat_log_deserialize(buf, len, &back, &d), 0);
    assert_same_chat(c, back);
    assert_int_equal(chat_visible_count(back, INT64_MAX), 0);
    free(buf);
    chat_log_destroy(&back);
    chat_log_destroy(&c);
    diag_clear(&d);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    uint8_t *buf = (uint8_t *)1;
    size_t len = 3;
    assert_int_equal(chat_log_serialize(NULL, &buf, &len), SP_EINVAL);
    assert_null(buf);
    assert_int_equal(len, 0);
    struct chat_log *out;
    assert_int_equal(chat_log_deserialize(NULL, 0, NULL, NULL), SP_EINVAL);
    assert_int_equal(chat_log_deserialize(NULL, 4, &out, NULL), SP_EINVAL);
}

static void test_every_truncation_fails(void **state)
{
    (void)state;
    uint8_t *buf;
    size_t len;
    small_serialized(&buf, &len);
    assert_true(len < 4096);
    for (size_t n = 0; n < len; n++) {
        uint8_t *cut = malloc(n ? n : 1);
        memcpy(cut, buf, n);
        assert_refused(cut, n, SP_EPARSE, NULL);
        free(cut);
    }
    free(buf);
}

static void test_flipped_byte_fails(void **state)
{
    (void)state;
    uint8_t *buf;
    size_t len;
    small_serialized(&buf, &len);
    for (size_t i = 0; i < len; i++) {
        buf[i] ^= 0x10;
        struct diag_list d;
        diag_init(&d);
        struct chat_log *out = NULL;
        int rc = chat_log_deserialize(buf, len, &out, &d);
        assert_int_equal(rc, i >= 8 && i < 12 ? SP_EUNSUPPORTED : SP_EPARSE);
        assert_null(out);
        assert_int_equal(d.count, 1);
        if (i >= 24 && !diag_contains(&d, "checksum"))
            fail_msg("byte %zu: %s", i, d.items[0].text);
        diag_clear(&d);
        buf[i] ^= 0x10;
    }
    free(buf);
}

static void test_foreign_and_other_version(void **state)
{
    (void)state;
    const char *page = "{\"ActionStatus\":\"OK\",\"ErrorCode\":0,\"RspMsgList\":[]}";
    assert_refused((const uint8_t *)page, strlen(page), SP_EPARSE, "magic");
    /* The board's serialized form is foreign here. */
    assert_refused((const uint8_t *)"SPBDLOG\n\1\0\0\0\0\0\0\0", 16, SP_EPARSE, "magic");
    uint8_t *buf;
    size_t len;
    small_serialized(&buf, &len);
    sp_put_u32(buf + 8, 7);
    reseal(buf, len);
    assert_refused(buf, len, SP_EUNSUPPORTED, "version 7");
    free(buf);
}

/* Offsets in the small chat: header 24, counts 32, page names, then items. */
static void test_structure_checked_behind_checksum(void **state)
{
    (void)state;
    uint8_t *orig;
    size_t len;
    small_serialized(&orig, &len);
    uint32_t npages = sp_get_u32(orig + 28);
    size_t items_at = 56;
    for (uint32_t i = 0; i < npages; i++)
        items_at += 4 + sp_get_u32(orig + items_at);
    uint8_t *buf = malloc(len);
    struct {
        size_t at;
        int width;
        uint64_t value;
        const char *needle;
    } cases[] = {
        {24, 4, MSG_LOG_MAX_MESSAGES + 1, "caps"},
        {24, 4, 100000, "caps"},
        {28, 4, 1000, "caps"},
        {48, 8, 1000, "counters"},
        {items_at + 16, 8, 5, "running maximum"}, /* show_ms of item 0 (the format's ms) */
        {items_at + 24, 4, 99, "color"},          /* color */
        {items_at + 28, 4, 5, "page index"},      /* page */
        {items_at + 38, 2, 0, "part count"},      /* parts */
        {items_at + 38, 2, MSG_MAX_ELEMS + 1, "part count"},
        {items_at + 40, 4, 0x7FFFFFFF, "cap"},   /* sender length */
        {items_at + 36, 1, 1, "truncated flag"}, /* item truncated */
        {24, 4, 1, NULL},
    };
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        memcpy(buf, orig, len);
        if (cases[c].width == 1)
            buf[cases[c].at] = (uint8_t)cases[c].value;
        else if (cases[c].width == 2)
            sp_put_u16(buf + cases[c].at, (uint16_t)cases[c].value);
        else if (cases[c].width == 4)
            sp_put_u32(buf + cases[c].at, (uint32_t)cases[c].value);
        else
            sp_put_u64(buf + cases[c].at, cases[c].value);
        reseal(buf, len);
        assert_refused(buf, len, SP_EPARSE, cases[c].needle);
    }
    /* A sender that is not valid UTF-8. */
    memcpy(buf, orig, len);
    uint32_t slen = sp_get_u32(orig + items_at + 40);
    assert_true(slen > 0);
    buf[items_at + 44] = 0xFF;
    reseal(buf, len);
    assert_refused(buf, len, SP_EPARSE, "UTF-8");
    free(buf);
    free(orig);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pages_owned_and_interned),
        cmocka_unit_test(test_round_trip_generated),
        cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test(test_every_truncation_fails),
        cmocka_unit_test(test_flipped_byte_fails),
        cmocka_unit_test(test_foreign_and_other_version),
        cmocka_unit_test(test_structure_checked_behind_checksum),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
