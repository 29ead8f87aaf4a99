/* Tests for player/board/board_log_io: the serialized log (round trip checked by the
 * board at many times, damaged / truncated / foreign / other-version input
 * refused with one diagnostic) and board_log_clone (a copy finished and
 * played while the original takes more batches). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/sink_check.h"
#include "board_gen.h"
#include "player/board/board.h"
#include "base/diag.h"
#include "base/sp_bytes.h"
#include "base/sp_error.h"

/* ---- helpers ------------------------------------------------------------------ */

/* Generated batches, kept so several logs can be built from the same input. */
struct batches {
    char **json;
    size_t *len;
    size_t n;
};

static void gen_batches(struct batches *b, uint64_t seed, size_t ops)
{
    memset(b, 0, sizeof(*b));
    struct bgen g;
    bgen_init(&g, seed, 1700000000000LL, 400);
    size_t total = 0, cap = 0;
    while (total < ops) {
        int64_t bt;
        int u;
        total += (size_t)bgen_batch(&g, 8, &bt, &u);
        if (b->n == cap) {
            cap = cap ? cap * 2 : 64;
            b->json = realloc(b->json, cap * sizeof(*b->json));
            b->len = realloc(b->len, cap * sizeof(*b->len));
            assert_non_null(b->json);
            assert_non_null(b->len);
        }
        b->json[b->n] = strdup(g.buf);
        assert_non_null(b->json[b->n]);
        b->len[b->n] = g.len;
        b->n++;
    }
    bgen_free(&g);
}

static void free_batches(struct batches *b)
{
    for (size_t i = 0; i < b->n; i++)
        free(b->json[i]);
    free(b->json);
    free(b->len);
}

/* Adds batches [from, to) with msg_seq = index + 1. */
static void add_range(struct board_log *log, const struct batches *b, size_t from, size_t to,
                      struct diag_list *d)
{
    for (size_t i = from; i < to; i++) {
        char where[64];
        snprintf(where, sizeof(where), "im/messages-%03zu.json: RspMsgList[%zu]", i / 100, i % 100);
        assert_int_equal(board_log_add_batch(log, b->json[i], b->len[i], (int64_t)i + 1, where, d),
                         0);
    }
}

/* Hand-written ops the generator does not make: a duplicate id, a text with
 * escapes, a background image, an op on an unknown board. */
static const char *kExtra =
    "{\"v\":1,\"ops\":["
    "{\"t\":1700000000001,\"user\":\"zed\",\"op\":\"shape\",\"id\":\"e0\",\"board\":\"b0\","
    "\"kind\":\"rect\",\"x1\":1,\"y1\":2,\"x2\":3,\"y2\":4,\"color\":\"#123456\",\"width\":2},"
    "{\"t\":1700000000002,\"user\":\"zed\",\"op\":\"text\",\"id\":\"tx\",\"board\":\"b1\","
    "\"x\":5,\"y\":6,\"size\":14,\"color\":\"#000000\",\"text\":\"a\\\"b\\n\\u00e9\"},"
    "{\"t\":1700000000003,\"user\":\"zed\",\"op\":\"board.bg\",\"board\":\"b2\","
    "\"image\":\"img/p 1.png\",\"fit\":\"stretch\"},"
    "{\"t\":1700000000004,\"user\":\"zed\",\"op\":\"laser\",\"board\":\"nowhere\",\"x\":1,\"y\":1}"
    "]}";

static struct board_log *build_log(const struct batches *b, size_t from, size_t to, bool extra)
{
    struct diag_list d;
    diag_init(&d);
    struct board_log *log = board_log_create();
    assert_non_null(log);
    add_range(log, b, from, to, &d);
    if (extra)
        assert_int_equal(board_log_add_batch(log, kExtra, strlen(kExtra), 0, "extra", &d), 0);
    assert_int_equal(board_log_finish(log, &d), 0);
    diag_clear(&d);
    return log;
}

static struct board_player *player_of(struct board_log *log)
{
    struct board_player *p = NULL;
    struct board_opts o = {64, 5000000};
    assert_int_equal(board_player_create(&p, log, &o, NULL), 0);
    return p;
}

/* Two players show the same board at n times across [t0 - 1, t1 + 1] and at
 * every op time of the first 200 ops, seeking backwards and forwards. */
static void assert_same_boards(struct board_player *a, struct board_player *b)
{
    const struct board_log *la = board_player_log(a), *lb = board_player_log(b);
    assert_int_equal(board_log_op_count(la), board_log_op_count(lb));
    int64_t t0 = board_log_first_time_us(la) / 1000, t1 = board_log_last_time_us(la) / 1000;
    assert_true(t0 == board_log_first_time_us(lb) / 1000 &&
                t1 == board_log_last_time_us(lb) / 1000);
    const int n = 300;
    for (int i = 0; i <= n; i++) {
        /* Alternate ends of the range so both seek paths (snapshot, forward) run. */
        int k = i % 2 ? i : n - i;
        int64_t w = t0 - 1 + (t1 - t0 + 2) * k / n;
        assert_int_equal(board_seek_us(a, w * 1000), 0);
        assert_int_equal(board_seek_us(b, w * 1000), 0);
        uint64_t ha = board_state_hash(board_player_state(a));
        uint64_t hb = board_state_hash(board_player_state(b));
        if (ha != hb)
            fail_msg("boards differ at %lld", (long long)w);
    }
    for (int64_t w = t0; w < t0 + 200 * 3; w += 3) {
        assert_int_equal(board_seek_us(a, w * 1000), 0);
        assert_int_equal(board_seek_us(b, w * 1000), 0);
        assert_true(board_state_hash(board_player_state(a)) ==
                    board_state_hash(board_player_state(b)));
    }
}

static void reseal(uint8_t *buf, size_t len)
{
    sp_put_u64(buf + len - 8, sp_checksum64(buf, len - 8));
}

/* Deserializing buf must fail with rc and exactly one diagnostic. */
static void assert_refused(const uint8_t *buf, size_t len, int rc, const char *needle)
{
    struct diag_list d;
    diag_init(&d);
    struct board_log *out = (struct board_log *)1;
    int r = board_log_deserialize(buf, len, &out, &d);
    if (r != rc)
        fail_msg("len %zu: expected %d, got %d", len, rc, r);
    assert_null(out);
    assert_int_equal(d.count, 1);
    assert_non_null(strstr(d.items[0].text, "board log cache: "));
    if (needle && !diag_contains(&d, needle))
        fail_msg("diagnostic \"%s\" lacks \"%s\"", d.items[0].text, needle);
    diag_clear(&d);
}

/* A small serialized log (a few hundred bytes). */
static void small_serialized(uint8_t **buf, size_t *len)
{
    struct batches b;
    gen_batches(&b, 7, 12);
    struct board_log *log = build_log(&b, 0, b.n, true);
    assert_int_equal(board_log_serialize(log, buf, len), 0);
    board_log_free(log);
    free_batches(&b);
}

/* ---- tests ---------------------------------------------------------------------- */

static void test_round_trip_generated(void **state)
{
    (void)state;
    struct batches b;
    gen_batches(&b, 11, 20000);
    struct board_log *log = build_log(&b, 0, b.n, true);
    uint8_t *buf = NULL;
    size_t len = 0;
    assert_int_equal(board_log_serialize(log, &buf, &len), 0);
    assert_non_null(buf);
    assert_true(len > 1000);

    struct diag_list d;
    diag_init(&d);
    struct board_log *back = NULL;
    assert_int_equal(board_log_deserialize(buf, len, &back, &d), 0);
    assert_int_equal(d.count, 0);
    assert_non_null(back);
    /* Loading then saving again gives the same bytes: every array came back. */
    uint8_t *buf2 = NULL;
    size_t len2 = 0;
    assert_int_equal(board_log_serialize(back, &buf2, &len2), 0);
    assert_int_equal(len, len2);
    assert_memory_equal(buf, buf2, len);
    free(buf2);

    struct board_player *pa = player_of(log), *pb = player_of(back);
    assert_same_boards(pa, pb);

    /* A log serialized after a player replayed it (which flags skipped ops)
     * gives the bytes it gave before. */
    assert_int_equal(board_log_serialize(board_player_log(pa), &buf2, &len2), 0);
    assert_int_equal(len, len2);
    assert_memory_equal(buf, buf2, len);
    free(buf2);

    /* Streamed (the signaling cache's way): the same bytes, in pieces of at
     * most 64 KB, as many as board_log_serialized_len() says; a sink that
     * fails stops the writing with its code. */
    uint64_t slen = 0;
    assert_int_equal(board_log_serialized_len(log, &slen), 0);
    assert_int_equal(slen, len);
    assert_true(len > 3 * 65536);
    struct sink_check sc = {0};
    struct sp_sink out = {sink_check_put, &sc};
    assert_int_equal(board_log_serialize_to(log, &out), 0);
    assert_int_equal(sc.n, len);
    assert_memory_equal(sc.p, buf, len);
    assert_true(sc.pieces >= 4 && sc.largest <= 65536);
    free(sc.p);
    sc = (struct sink_check){.fail_at = 2, .fail_rc = SP_EIO};
    assert_int_equal(board_log_serialize_to(log, &out), SP_EIO);
    assert_false(sc.after_fail);
    free(sc.p);
    assert_int_equal(board_log_serialize_to(log, NULL), SP_EINVAL);

    board_player_destroy(&pa);
    board_player_destroy(&pb);
    free(buf);
    diag_clear(&d);
    free_batches(&b);
}

static int count_urls(void *opaque, const char *url)
{
    (void)url;
    (*(int *)opaque)++;
    return 0;
}

static void test_round_trip_strings_and_empty(void **state)
{
    (void)state;
    /* The extra batch alone: text with escapes, image URL, unknown board. */
    struct board_log *log = board_log_create();
    struct diag_list d;
    diag_init(&d);
    assert_int_equal(board_log_add_batch(log, kExtra, strlen(kExtra), 3, "extra", &d), 0);
    assert_int_equal(board_log_finish(log, &d), 0);
    uint8_t *buf;
    size_t len;
    assert_int_equal(board_log_serialize(log, &buf, &len), 0);
    struct board_log *back = NULL;
    assert_int_equal(board_log_deserialize(buf, len, &back, &d), 0);
    int n1 = 0, n2 = 0;
    board_log_image_urls(log, count_urls, &n1);
    board_log_image_urls(back, count_urls, &n2);
    assert_int_equal(n1, 1);
    assert_int_equal(n2, 1);
    struct board_player *pa = player_of(log), *pb = player_of(back);
    /* The first replay warns about the same ops from the loaded log. */
    assert_same_boards(pa, pb);
    board_player_destroy(&pa);
    board_player_destroy(&pb);
    free(buf);

    /* An empty finished log. */
    log = board_log_create();
    assert_int_equal(board_log_finish(log, &d), 0);
    assert_int_equal(board_log_serialize(log, &buf, &len), 0);
    assert_int_equal(board_log_deserialize(buf, len, &back, &d), 0);
    assert_int_equal(board_log_op_count(back), 0);
    pb = player_of(back);
    assert_int_equal(board_seek_us(pb, 5000), 0);
    assert_null(board_state_current(board_player_state(pb)));
    board_player_destroy(&pb);
    board_log_free(log);
    free(buf);
    assert_int_equal(d.count, 0);
    diag_clear(&d);
}

static void test_serialize_refuses_unfinished(void **state)
{
    (void)state;
    struct board_log *log = board_log_create();
    uint8_t *buf = (uint8_t *)1;
    size_t len = 9;
    assert_int_equal(board_log_serialize(log, &buf, &len), SP_EINVAL);
    assert_null(buf);
    assert_int_equal(len, 0);
    assert_int_equal(board_log_serialize(NULL, &buf, &len), SP_EINVAL);
    assert_int_equal(board_log_serialize(log, NULL, &len), SP_EINVAL);
    struct board_log *out;
    assert_int_equal(board_log_deserialize(NULL, 0, NULL, NULL), SP_EINVAL);
    assert_int_equal(board_log_deserialize(NULL, 5, &out, NULL), SP_EINVAL);
    board_log_free(log);
    board_log_free(NULL);
    assert_null(board_log_clone(NULL));
}

static void test_every_truncation_fails(void **state)
{
    (void)state;
    uint8_t *buf;
    size_t len;
    small_serialized(&buf, &len);
    assert_true(len < 4096);
    for (size_t n = 0; n < len; n++) {
        /* Exact-size copy: a read past the end is caught by the sanitizer. */
        uint8_t *cut = malloc(n ? n : 1);
        memcpy(cut, buf, n);
        assert_refused(cut, n, SP_EPARSE, NULL);
        free(cut);
    }
    /* One byte too many is refused too. */
    uint8_t *longer = malloc(len + 1);
    memcpy(longer, buf, len);
    longer[len] = 0;
    assert_refused(longer, len + 1, SP_EPARSE, "header says");
    free(longer);
    free(buf);
}

static void test_flipped_byte_fails(void **state)
{
    (void)state;
    uint8_t *buf;
    size_t len;
    small_serialized(&buf, &len);
    for (size_t i = 0; i < len; i++) {
        for (int bit = 0; bit < 8; bit += 3) {
            buf[i] ^= (uint8_t)(1u << bit);
            struct diag_list d;
            diag_init(&d);
            struct board_log *out = NULL;
            int rc = board_log_deserialize(buf, len, &out, &d);
            /* The version field says "other version"; everything else is damage. */
            if (i >= 8 && i < 12)
                assert_int_equal(rc, SP_EUNSUPPORTED);
            else
                assert_int_equal(rc, SP_EPARSE);
            assert_null(out);
            assert_int_equal(d.count, 1);
            if (i >= 24 && i < len - 8 && !diag_contains(&d, "checksum"))
                fail_msg("byte %zu: %s", i, d.items[0].text);
            diag_clear(&d);
            buf[i] ^= (uint8_t)(1u << bit);
        }
    }
    free(buf);
}

static void test_foreign_and_other_version(void **state)
{
    (void)state;
    const char *json = "{\"v\":1,\"ops\":[]}";
    assert_refused((const uint8_t *)json, strlen(json), SP_EPARSE, "magic");
    assert_refused((const uint8_t *)"", 0, SP_EPARSE, "magic");

    uint8_t *buf;
    size_t len;
    small_serialized(&buf, &len);
    sp_put_u32(buf + 8, 2);
    reseal(buf, len);
    assert_refused(buf, len, SP_EUNSUPPORTED, "version 2");
    free(buf);
}

/* Offsets in the small log: header 24 bytes, 9 counts, then the ops. */
#define OPS_AT (24 + 36)

/* A sealed buffer whose structure is wrong is refused by the checks behind
 * the checksum, one case at a time. */
static void test_structure_checked_behind_checksum(void **state)
{
    (void)state;
    uint8_t *orig;
    size_t len;
    small_serialized(&orig, &len);
    uint8_t *buf = malloc(len);
    uint32_t nops = sp_get_u32(orig + 24);
    uint32_t nusers = sp_get_u32(orig + 24 + 32);
    assert_true(nops > 4);
    struct {
        size_t at;
        int width; /* 1 or 4 bytes */
        uint32_t value;
        const char *needle;
    } cases[] = {
        {OPS_AT + 34, 1, 200, "unknown op kind"},
        {OPS_AT + 35, 1, 0x04, "unknown flags"},
        {OPS_AT + 12, 4, nusers, "user index"},
        {OPS_AT + 8, 4, 100000, "batch index"},
        {24, 4, nops + 1, "counts do not match"},
        {24, 4, BOARD_MAX_OPS + 1, "BOARD_MAX_OPS"},
        {24 + 8, 4, 3, "point count"},
        {24 + 16, 4, 0xFFFFFFF0u, "BOARD_MAX_STRING_BYTES"},
        {24 + 28, 4, BOARD_MAX_PAGES + 1, "BOARD_MAX_PAGES"},
        {len - 9, 1, 'x', "NUL"},
        {OPS_AT + 36 + 4, 4, 0, "out of order"}, /* op 1 earlier than op 0 */
    };
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        memcpy(buf, orig, len);
        if (cases[c].width == 1)
            buf[cases[c].at] = (uint8_t)cases[c].value;
        else
            sp_put_u32(buf + cases[c].at, cases[c].value);
        reseal(buf, len);
        assert_refused(buf, len, SP_EPARSE, cases[c].needle);
    }
    free(buf);
    free(orig);
}

static void test_clone_then_add_more(void **state)
{
    (void)state;
    struct batches b;
    gen_batches(&b, 23, 6000);
    size_t half = b.n / 2;
    struct diag_list d;
    diag_init(&d);

    struct board_log *orig = board_log_create();
    add_range(orig, &b, 0, half, &d);
    struct board_log *copy = board_log_clone(orig);
    assert_non_null(copy);
    assert_int_equal(board_log_op_count(copy), board_log_op_count(orig));
    /* The copy is finished and played while the original takes the rest. */
    assert_int_equal(board_log_finish(copy, &d), 0);
    struct board_player *pc = player_of(copy);
    add_range(orig, &b, half, b.n, &d);
    assert_int_equal(board_log_add_batch(orig, kExtra, strlen(kExtra), 0, "extra", &d), 0);
    assert_int_equal(board_log_finish(orig, &d), 0);
    struct board_player *po = player_of(orig);

    struct board_player *ref_half = player_of(build_log(&b, 0, half, false));
    struct board_player *ref_all = player_of(build_log(&b, 0, b.n, true));
    assert_same_boards(pc, ref_half);
    assert_same_boards(po, ref_all);

    /* A clone of a copy that took more batches, and of an empty log. */
    struct board_log *e = board_log_create();
    struct board_log *ec = board_log_clone(e);
    assert_non_null(ec);
    add_range(ec, &b, 0, 3, &d);
    assert_int_equal(board_log_op_count(e), 0);
    assert_true(board_log_op_count(ec) > 0);
    struct board_log *ecc = board_log_clone(ec);
    add_range(ecc, &b, 3, 6, &d);
    assert_int_equal(board_log_finish(ecc, &d), 0);
    struct board_player *p6 = player_of(ecc);
    struct board_player *r6 = player_of(build_log(&b, 0, 6, false));
    assert_same_boards(p6, r6);
    board_log_free(e);
    board_log_free(ec);

    /* A finished log clones to a finished log that plays the same. */
    struct board_log *fc = board_log_clone(board_player_log(ref_all));
    assert_non_null(fc);
    struct board_player *pf = player_of(fc);
    assert_same_boards(pf, ref_all);

    board_player_destroy(&pf);
    board_player_destroy(&p6);
    board_player_destroy(&r6);
    board_player_destroy(&pc);
    board_player_destroy(&po);
    board_player_destroy(&ref_half);
    board_player_destroy(&ref_all);
    diag_clear(&d);
    free_batches(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_generated),
        cmocka_unit_test(test_round_trip_strings_and_empty),
        cmocka_unit_test(test_serialize_refuses_unfinished),
        cmocka_unit_test(test_every_truncation_fails),
        cmocka_unit_test(test_flipped_byte_fails),
        cmocka_unit_test(test_foreign_and_other_version),
        cmocka_unit_test(test_structure_checked_behind_checksum),
        cmocka_unit_test(test_clone_then_add_more),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
