/* Tests for board batches read apart (board_batch_parse + board_log_add_parsed):
 * a log fed with batches parsed on other threads is the log that reading
 * the same batches in turn (board_log_add_batch) gives. Compared: each
 * call's return code, every diagnostic line in order, the serialized
 * finished log byte for byte (ops, numbering of pages, elements and users,
 * strings and their offsets) and the board state at many times. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board_gen.h"
#include "base/diag.h"
#include "base/sp_error.h"
#include "player/board/board.h"

struct batch_text {
    char *json;
    size_t len;
    int64_t seq;
    char where[64];
};

struct corpus {
    struct batch_text *b;
    size_t n, cap;
};

static void corpus_add(struct corpus *c, const char *json, size_t len, int64_t seq)
{
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 64;
        c->b = realloc(c->b, c->cap * sizeof(*c->b));
        assert_non_null(c->b);
    }
    struct batch_text *t = &c->b[c->n];
    t->json = malloc(len ? len : 1); /* exact size: a read past the end is caught */
    assert_non_null(t->json);
    memcpy(t->json, json, len);
    t->len = len;
    t->seq = seq;
    snprintf(t->where, sizeof(t->where), "im/m%03zu.json: RspMsgList[%zu].MsgBody[0]", c->n / 20,
             c->n % 20);
    c->n++;
}

/* JSON written with ' for " (readable in C). */
static void corpus_add_sq(struct corpus *c, const char *sq, int64_t seq)
{
    char *s = strdup(sq);
    assert_non_null(s);
    for (char *p = s; *p; p++)
        if (*p == '\'')
            *p = '"';
    corpus_add(c, s, strlen(s), seq);
    free(s);
}

static void corpus_free(struct corpus *c)
{
    for (size_t i = 0; i < c->n; i++)
        free(c->b[i].json);
    free(c->b);
}

/* Generated drawing (several users, pages, undo, ghosts) with bad batches
 * and bad ops mixed in, among them ops skipped after their names were
 * interned (the names stay and keep their numbers). */
static void make_corpus(struct corpus *c, int batches)
{
    memset(c, 0, sizeof(*c));
    struct bgen g;
    bgen_init(&g, 7, 1700000000000LL, 400);
    static const char *const bad[] = {
        "{'v':1,'ops':[{'t':5,'user':'late','op':'stroke.begin','id':'sk1','board':'bX',"
        "'tool':'pen','color':'#ff0000','width':2,'pts':[1,2,3]}]}",
        "{'v':2,'ops':[]}",
        "not json at all",
        "[1,2,3]",
        "{'v':1,'ops':{}}",
        "{'v':1,'ops':[{'t':9,'user':'u9','op':'wobble'},{'t':10,'user':'u9','op':'text',"
        "'id':'tx1','board':'b0','x':5,'y':6,'size':14,'color':'#102030','text':'hi\\nthere'}]}",
        "{'v':1,'ops':[{'t':11,'user':'u10','op':'board.bg','board':'b1','image':"
        "'images/s9.png','fit':'sideways'},{'t':12,'user':'u10','op':'board.add','board':'b7',"
        "'image':'images/s7.png','fit':'cover','color':'#ffffff80'}]}",
        "{'v':1,'ops':[{'t':13,'user':'u11','op':'move','ids':['e1','ghostA',5],'dx':1,'dy':2},"
        "{'t':14,'user':'u11','op':'erase','ids':['e2','e2']},{'t':1.5,'user':'u11','op':'undo'}]}",
        "{'v':1,'ops':[{'t':15,'user':'u12','op':'shape','id':'sh1','board':'b2','kind':'rect',"
        "'x1':0,'y1':0,'x2':9,'y2':9,'color':'#000000','width':3,'fill':true},{'t':16,'user':"
        "'u12','op':'stroke.append','id':'sk1','pts':[1,1]}]}",
    };
    for (int i = 0; i < batches; i++) {
        int64_t t;
        int u;
        bgen_batch(&g, 6, &t, &u);
        corpus_add(c, g.buf, g.len, 1000 + i);
        if (i % 97 == 13)
            corpus_add_sq(c, bad[(i / 97) % (sizeof(bad) / sizeof(bad[0]))], 1000 + i);
    }
    for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++)
        corpus_add_sq(c, bad[k], 50000 + (int64_t)k);
    bgen_free(&g);
}

/* ---- parsing on threads ----------------------------------------------------------- */

struct parse_job {
    const struct corpus *c;
    struct board_batch **out;
    size_t from, step;
};

static void *parse_some(void *arg)
{
    struct parse_job *j = arg;
    for (size_t i = j->from; i < j->c->n; i += j->step) {
        const struct batch_text *t = &j->c->b[i];
        if (board_batch_parse(t->json, t->len, t->seq, t->where, &j->out[i]) != 0)
            abort();
    }
    return NULL;
}

/* Every batch of c parsed on `threads` threads at once. */
static struct board_batch **parse_all(const struct corpus *c, size_t threads)
{
    struct board_batch **out = calloc(c->n, sizeof(*out));
    assert_non_null(out);
    pthread_t th[4];
    struct parse_job jobs[4];
    assert_true(threads <= 4);
    for (size_t k = 0; k < threads; k++) {
        jobs[k] = (struct parse_job){c, out, k, threads};
        assert_int_equal(pthread_create(&th[k], NULL, parse_some, &jobs[k]), 0);
    }
    for (size_t k = 0; k < threads; k++)
        pthread_join(th[k], NULL);
    for (size_t i = 0; i < c->n; i++)
        assert_non_null(out[i]);
    return out;
}

/* ---- comparing ---------------------------------------------------------------------- */

static void expect_same_diags(const struct diag_list *a, const struct diag_list *b)
{
    assert_int_equal(a->count, b->count);
    assert_int_equal(a->warnings, b->warnings);
    assert_int_equal(a->errors, b->errors);
    assert_int_equal(a->dropped, b->dropped);
    for (size_t i = 0; i < a->count; i++) {
        assert_int_equal(a->items[i].level, b->items[i].level);
        assert_string_equal(a->items[i].text, b->items[i].text);
    }
}

/* Finished logs a and b (both freed): same bytes, same diagnostics of the
 * first replay, same board at `probes` times over their span and around
 * each of the first ops. */
static void expect_same_boards(struct board_log *a, struct board_log *b, int probes)
{
    struct diag_list da, db;
    diag_init(&da);
    diag_init(&db);
    assert_int_equal(board_log_finish(a, &da), 0);
    assert_int_equal(board_log_finish(b, &db), 0);
    uint8_t *sa = NULL, *sb = NULL;
    size_t la = 0, lb = 0;
    assert_int_equal(board_log_serialize(a, &sa, &la), 0);
    assert_int_equal(board_log_serialize(b, &sb, &lb), 0);
    assert_int_equal(la, lb);
    assert_memory_equal(sa, sb, la);
    free(sa);
    free(sb);
    int64_t t0 = board_log_first_time_us(a) / 1000, t1 = board_log_last_time_us(a) / 1000;
    struct board_player *pa = NULL, *pb = NULL;
    assert_int_equal(board_player_create(&pa, a, NULL, &da), 0);
    assert_int_equal(board_player_create(&pb, b, NULL, &db), 0);
    expect_same_diags(&da, &db);
    for (int k = 0; k <= probes; k++) {
        int64_t w = t0 + (t1 - t0) * k / probes;
        assert_int_equal(board_seek_us(pa, w * 1000), 0);
        assert_int_equal(board_seek_us(pb, w * 1000), 0);
        assert_true(board_state_hash(board_player_state(pa)) ==
                    board_state_hash(board_player_state(pb)));
    }
    board_player_destroy(&pa);
    board_player_destroy(&pb);
    diag_clear(&da);
    diag_clear(&db);
}

/* ---- tests -------------------------------------------------------------------------------- */

static void test_parsed_on_threads_equals_read_in_turn(void **state)
{
    (void)state;
    struct corpus c;
    make_corpus(&c, 3000);
    struct board_batch **parsed = parse_all(&c, 3);

    struct board_log *seq = board_log_create(), *par = board_log_create();
    assert_non_null(seq);
    assert_non_null(par);
    struct diag_list ds, dp;
    diag_init(&ds);
    diag_init(&dp);
    size_t refused = 0;
    for (size_t i = 0; i < c.n; i++) {
        const struct batch_text *t = &c.b[i];
        int rs = board_log_add_batch(seq, t->json, t->len, t->seq, t->where, &ds);
        int rp = board_log_add_parsed(par, parsed[i], t->json, t->len, &dp);
        assert_int_equal(rs, rp);
        refused += rs != 0;
        board_batch_free(&parsed[i]);
        assert_null(parsed[i]);
    }
    assert_true(refused >= 4); /* the refused batches of the corpus were met */
    assert_true(ds.warnings > 20);
    assert_true(diag_contains(&ds, "unknown operation \"wobble\""));
    expect_same_diags(&ds, &dp);
    assert_int_equal(board_log_op_count(seq), board_log_op_count(par));
    assert_true(board_log_op_count(seq) > 5000);
    expect_same_boards(seq, par, 400);
    diag_clear(&ds);
    diag_clear(&dp);
    free(parsed);
    corpus_free(&c);
}

/* Batches read into spares (board_batch_parse_into() reusing batches
 * already added, which held other ops, names, strings and lines) give the
 * log, codes and lines that reading in turn gives. Three spares go round,
 * so each is reused after batches of every kind in the corpus. */
static void test_reused_batches_equal_read_in_turn(void **state)
{
    (void)state;
    struct corpus c;
    make_corpus(&c, 3000);
    struct board_log *seq = board_log_create(), *par = board_log_create();
    assert_non_null(seq);
    assert_non_null(par);
    struct diag_list ds, dp;
    diag_init(&ds);
    diag_init(&dp);
    struct board_batch *spare[3] = {NULL, NULL, NULL};
    size_t refused = 0;
    for (size_t i = 0; i < c.n; i++) {
        const struct batch_text *t = &c.b[i];
        struct board_batch *b = NULL;
        assert_int_equal(
            board_batch_parse_into(t->json, t->len, t->seq, t->where, spare[i % 3], &b), 0);
        assert_non_null(b);
        if (spare[i % 3])
            assert_ptr_equal(b, spare[i % 3]); /* the spare itself, read again */
        int rs = board_log_add_batch(seq, t->json, t->len, t->seq, t->where, &ds);
        int rp = board_log_add_parsed(par, b, t->json, t->len, &dp);
        assert_int_equal(rs, rp);
        refused += rs != 0;
        spare[i % 3] = b;
    }
    for (int k = 0; k < 3; k++) {
        assert_true(board_batch_bytes(spare[k]) > 0);
        board_batch_free(&spare[k]);
    }
    assert_int_equal(board_batch_bytes(NULL), 0);
    assert_true(refused >= 4);
    assert_true(diag_contains(&ds, "unknown operation \"wobble\""));
    expect_same_diags(&ds, &dp);
    assert_true(board_log_op_count(seq) > 5000);
    expect_same_boards(seq, par, 400);
    diag_clear(&ds);
    diag_clear(&dp);
    corpus_free(&c);
}

/* A log one user short of BOARD_MAX_USERS: the batch cannot know which of
 * its users are new there, so it is read again, and the log refuses the
 * second new user exactly as reading it in turn does. */
static void test_near_a_cap_reads_again(void **state)
{
    (void)state;
    struct board_log *seq = board_log_create(), *par = board_log_create();
    struct diag_list ds, dp;
    diag_init(&ds);
    diag_init(&dp);
    /* BOARD_MAX_USERS - 1 users in batches of 1000 ops, each a new user */
    size_t cap = 1000 * 64 + 64;
    char *json = malloc(cap);
    assert_non_null(json);
    for (int b = 0; b * 1000 < BOARD_MAX_USERS - 1; b++) {
        size_t o = (size_t)snprintf(json, cap, "{\"v\":1,\"ops\":[");
        for (int k = 0; k < 1000 && b * 1000 + k < BOARD_MAX_USERS - 1; k++)
            o +=
                (size_t)snprintf(json + o, cap - o, "%s{\"t\":%d,\"user\":\"u%d\",\"op\":\"undo\"}",
                                 k ? "," : "", b * 1000 + k, b * 1000 + k);
        o += (size_t)snprintf(json + o, cap - o, "]}");
        assert_int_equal(board_log_add_batch(seq, json, o, b, "fill", &ds), 0);
        assert_int_equal(board_log_add_batch(par, json, o, b, "fill", &dp), 0);
    }
    free(json);
    diag_clear(&ds);
    diag_clear(&dp);
    struct corpus c;
    memset(&c, 0, sizeof(c));
    corpus_add_sq(&c,
                  "{'v':1,'ops':[{'t':1,'user':'u5','op':'board.add','board':'bq'},"
                  "{'t':2,'user':'newA','op':'board.switch','board':'bq'},"
                  "{'t':3,'user':'newB','op':'laser','board':'bq','x':1,'y':2},"
                  "{'t':4,'user':'newA','op':'laser','board':'bq','x':3,'y':4}]}",
                  777);
    struct board_batch **parsed = parse_all(&c, 1);
    assert_int_equal(board_log_add_batch(seq, c.b[0].json, c.b[0].len, 777, c.b[0].where, &ds), 0);
    assert_int_equal(board_log_add_parsed(par, parsed[0], c.b[0].json, c.b[0].len, &dp), 0);
    assert_true(diag_contains(&ds, "Data.ops[2].user: too many distinct values"));
    expect_same_diags(&ds, &dp);
    expect_same_boards(seq, par, 20);
    board_batch_free(&parsed[0]);
    free(parsed);
    corpus_free(&c);
    diag_clear(&ds);
    diag_clear(&dp);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    struct board_batch *b = NULL;
    assert_int_equal(board_batch_parse(NULL, 3, 1, "w", &b), SP_EINVAL);
    assert_null(b);
    assert_int_equal(board_batch_parse("{}", 2, 1, "w", NULL), SP_EINVAL);
    /* a spare is taken on error too (LSan sees it freed) */
    assert_int_equal(board_batch_parse("{}", 2, 1, "w", &b), 0);
    struct board_batch *b2 = NULL;
    assert_int_equal(board_batch_parse_into(NULL, 3, 1, "w", b, &b2), SP_EINVAL);
    assert_null(b2);
    b = NULL;
    /* an empty text is a batch that is refused when added, as it would be */
    assert_int_equal(board_batch_parse(NULL, 0, 1, NULL, &b), 0);
    struct board_log *log = board_log_create();
    struct diag_list d;
    diag_init(&d);
    assert_int_equal(board_log_add_parsed(log, b, NULL, 0, &d), SP_EPARSE);
    assert_true(diag_contains(&d, "whiteboard batch: Data: not valid JSON (batch skipped)"));
    assert_int_equal(board_log_add_parsed(NULL, b, NULL, 0, &d), SP_EINVAL);
    assert_int_equal(board_log_add_parsed(log, NULL, NULL, 0, &d), SP_EINVAL);
    assert_int_equal(board_log_finish(log, &d), 0);
    assert_int_equal(board_log_add_parsed(log, b, NULL, 0, &d), SP_EINVAL);
    board_batch_free(&b);
    board_batch_free(&b);
    board_batch_free(NULL);
    board_log_free(log);
    diag_clear(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parsed_on_threads_equals_read_in_turn),
        cmocka_unit_test(test_reused_batches_equal_read_in_turn),
        cmocka_unit_test(test_near_a_cap_reads_again),
        cmocka_unit_test(test_bad_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
