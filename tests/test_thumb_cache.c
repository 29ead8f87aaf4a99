/* Tests for render/thumb_cache: a thumbnail drawn from a snapshot's raster
 * plus what changed after it is, byte for byte, the whole drawing of the
 * board at that time (board_draw_full() of board_player_state_at_us()),
 * at every op time of a generated lesson that draws, erases, undoes,
 * redoes, moves, clears, writes text, switches pages, changes a background
 * and a view and points the laser, with snapshots every few ops; also with
 * a memory bound of a few rasters, after thumb_cache_prepare() (the
 * checkpoints), also with a bound, after a size change and for a new
 * generation of the board. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/diag.h"
#include "base/sp_error.h"
#include "player/board/board.h"
#include "render/board_draw.h"
#include "render/canvas.h"
#include "render/thumb_cache.h"

#define T0 1700000000000LL /* board ms of the first op */

struct gen {
    char (*ops)[1024];
    int64_t *t;
    size_t n, cap;
    uint32_t rnd;
};

static uint32_t rnd(struct gen *g, uint32_t n)
{
    g->rnd = g->rnd * 1103515245u + 12345u;
    return (g->rnd >> 8) % n;
}

static void add(struct gen *g, int64_t t, const char *fmt, ...)
{
    if (g->n == g->cap) {
        g->cap = g->cap ? 2 * g->cap : 256;
        g->ops = realloc(g->ops, g->cap * sizeof(*g->ops));
        g->t = realloc(g->t, g->cap * sizeof(*g->t));
        assert_non_null(g->ops);
        assert_non_null(g->t);
    }
    va_list ap;
    va_start(ap, fmt);
    int len = vsnprintf(g->ops[g->n], sizeof(g->ops[0]), fmt, ap);
    va_end(ap);
    assert_true(len > 0 && (size_t)len < sizeof(g->ops[0]));
    g->t[g->n++] = t;
}

/* A lesson of about 400 ops on two pages (ids e0, e1, ...). */
static void lesson(struct gen *g)
{
    int64_t t = T0;
    int ids = 0;
    add(g, t, "\"op\":\"board.add\",\"board\":\"p1\",\"color\":\"#f4f0e0\"");
    add(g, t, "\"op\":\"board.add\",\"board\":\"p2\"");
    add(g, t, "\"op\":\"board.switch\",\"board\":\"p1\"");
    const char *page = "p1";
    for (int step = 0; step < 170; step++) {
        t += 100 + rnd(g, 400);
        uint32_t k = rnd(g, 100);
        int x = 40 + (int)rnd(g, 1200), y = 40 + (int)rnd(g, 880);
        if (k < 35) { /* a stroke over a few ops; sometimes still open at a snapshot */
            int id = ids++;
            add(g, t,
                "\"op\":\"stroke.begin\",\"id\":\"e%d\",\"board\":\"%s\",\"tool\":\"%s\","
                "\"color\":\"#%06x\",\"width\":%d,\"pts\":[%d,%d,%d,%d]",
                id, page, rnd(g, 4) ? "pen" : "highlighter", rnd(g, 0xffffff), 2 + rnd(g, 30), x, y,
                x + 60, y + 20);
            for (uint32_t a = rnd(g, 3); a > 0; a--)
                add(g, t += 50, "\"op\":\"stroke.append\",\"id\":\"e%d\",\"pts\":[%d,%d,%d,%d]", id,
                    x + 90, y + 70, x + (int)rnd(g, 300) - 150, y + (int)rnd(g, 200));
            add(g, t += 50, "\"op\":\"stroke.end\",\"id\":\"e%d\"", id);
        } else if (k < 50) {
            static const char *kinds[] = {"line", "arrow", "rect", "ellipse"};
            add(g, t,
                "\"op\":\"shape\",\"id\":\"e%d\",\"board\":\"%s\",\"kind\":\"%s\","
                "\"x1\":%d,\"y1\":%d,\"x2\":%d,\"y2\":%d,\"color\":\"#%06x\",\"width\":%d%s",
                ids++, page, kinds[rnd(g, 4)], x, y, x + (int)rnd(g, 300), y + (int)rnd(g, 200),
                rnd(g, 0xffffff), 1 + rnd(g, 8), rnd(g, 2) ? ",\"fill\":\"#80e0a080\"" : "");
        } else if (k < 55) {
            add(g, t,
                "\"op\":\"text\",\"id\":\"e%d\",\"board\":\"%s\",\"x\":%d,\"y\":%d,"
                "\"text\":\"x = %d\\n\\u4f60\\u597d\",\"size\":%d,\"color\":\"#202020\"",
                ids++, page, x, y, step, 20 + rnd(g, 40));
        } else if (k < 65 && ids) {
            add(g, t, "\"op\":\"erase\",\"ids\":[\"e%u\",\"e%u\"]", rnd(g, ids), rnd(g, ids));
        } else if (k < 72) {
            add(g, t, "\"op\":\"undo\"");
        } else if (k < 76) {
            add(g, t, "\"op\":\"redo\"");
        } else if (k < 82 && ids) {
            add(g, t, "\"op\":\"move\",\"ids\":[\"e%u\"],\"dx\":%d,\"dy\":%d", rnd(g, ids),
                (int)rnd(g, 200) - 100, (int)rnd(g, 200) - 100);
        } else if (k < 90) {
            add(g, t, "\"op\":\"laser\",\"board\":\"%s\",\"x\":%d,\"y\":%d", page, x, y);
        } else if (k < 94) {
            page = strcmp(page, "p1") ? "p1" : "p2";
            add(g, t, "\"op\":\"board.switch\",\"board\":\"%s\"", page);
        } else if (k < 96) {
            add(g, t, "\"op\":\"clear\",\"board\":\"%s\"", page);
        } else if (k < 98) {
            add(g, t, "\"op\":\"board.bg\",\"board\":\"%s\",\"color\":\"#%06x\"", page,
                0xc0c0c0 + rnd(g, 0x3f3f3f));
        } else {
            add(g, t, "\"op\":\"view\",\"board\":\"%s\",\"scale\":%d,\"x\":%d,\"y\":%d", page,
                1 + (int)rnd(g, 2), (int)rnd(g, 300), (int)rnd(g, 200));
        }
    }
}

static struct board_player *make_player(const struct gen *g, uint32_t snap_every)
{
    struct board_log *log = board_log_create();
    assert_non_null(log);
    struct diag_list d;
    diag_init(&d);
    for (size_t i = 0; i < g->n; i++) {
        char buf[1200];
        int len = snprintf(buf, sizeof(buf), "{\"v\":1,\"ops\":[{\"t\":%lld,\"user\":\"u\",%s}]}",
                           (long long)g->t[i], g->ops[i]);
        assert_true(len > 0 && (size_t)len < sizeof(buf));
        assert_int_equal(board_log_add_batch(log, buf, (size_t)len, (int64_t)i, "test", &d), 0);
    }
    assert_int_equal(d.errors, 0); /* warnings: erasing what is gone already, undo of nothing */
    assert_int_equal(board_log_finish(log, &d), 0);
    struct board_opts o = {snap_every, 0};
    struct board_player *p = NULL;
    assert_int_equal(board_player_create(&p, log, &o, &d), 0);
    diag_clear(&d);
    return p;
}

struct fix {
    struct gen g;
    struct board_player *p;
};

static int setup(void **state)
{
    struct fix *f = calloc(1, sizeof(*f));
    f->g.rnd = 17;
    lesson(&f->g);
    f->p = make_player(&f->g, 9);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fix *f = *state;
    board_player_destroy(&f->p);
    free(f->g.ops);
    free(f->g.t);
    free(f);
    return 0;
}

/* The whole drawing of the board at w_us, the reference. */
static void whole_at(struct board_draw *bd, const struct board_player *p, int64_t w_us,
                     struct canvas *c)
{
    struct board_state *s = NULL;
    assert_int_equal(board_player_state_at_us(p, w_us, &s), 0);
    assert_int_equal(board_draw_full(bd, s, c), 0);
    board_state_free(&s);
}

/* Scribbles over c, so that every pixel of the next drawing must be drawn. */
static void scribble(struct canvas *c)
{
    for (size_t i = 0; i < (size_t)c->h * (size_t)c->stride; i++)
        c->px[i] = (uint8_t)(i * 131u + 7u);
}

/* Every op time (and a moment before and after it) of the lesson, in a
 * shuffled order so that rasters are made from later ones as well. */
static size_t check_all(const struct fix *f, struct thumb_cache *tc, uint64_t gen, int w, int h)
{
    struct board_draw_opts o = {.board_w = 1280, .board_h = 960};
    struct board_draw *bd = NULL;
    struct canvas *want = NULL, *got = NULL;
    assert_int_equal(board_draw_create(&bd, w, h, &o), 0);
    assert_int_equal(canvas_create(&want, w, h), 0);
    assert_int_equal(canvas_create(&got, w, h), 0);
    size_t n = f->g.n, checked = 0;
    uint32_t r = 5;
    for (size_t j = 0; j < n; j++) {
        r = r * 1103515245u + 12345u;
        size_t i = (r >> 8) % f->g.n;
        int64_t w_us = (f->g.t[i] + (int64_t)(j % 3) - 1) * 1000 + 500;
        whole_at(bd, f->p, w_us, want);
        scribble(got);
        assert_int_equal(thumb_cache_draw_us(tc, f->p, gen, w_us, got), 0);
        if (memcmp(want->px, got->px, (size_t)h * (size_t)want->stride) != 0) {
            int bad = 0;
            for (size_t b = 0; b < (size_t)h * (size_t)want->stride; b++)
                bad += want->px[b] != got->px[b];
            print_error("at board ms %lld (op %zu): %d bytes differ\n", (long long)(w_us / 1000), i,
                        bad);
            fail();
        }
        checked++;
    }
    canvas_destroy(&want);
    canvas_destroy(&got);
    board_draw_destroy(&bd);
    return checked;
}

static void test_equals_whole_drawing(void **state)
{
    struct fix *f = *state;
    assert_true(board_player_snapshot_count(f->p) > 20);
    struct thumb_cache_opts o = {.board_w = 1280, .board_h = 960};
    struct thumb_cache *tc = NULL;
    assert_int_equal(thumb_cache_create(&tc, 192, 144, &o), 0);
    check_all(f, tc, 1, 192, 144);
    struct thumb_cache_stats st;
    thumb_cache_get_stats(tc, &st);
    /* the cases the lesson is meant to reach were reached */
    assert_true(st.from_raster > st.draws / 2);
    assert_true(st.repainted > 10);
    assert_true(st.whole > 0);
    assert_true(st.built > 10 && st.built_whole < st.built);
    assert_int_equal(st.evicted, 0);
    thumb_cache_destroy(&tc);
    thumb_cache_destroy(&tc); /* NULL-safe */
}

static void test_bounded(void **state)
{
    struct fix *f = *state;
    /* room for three rasters of 160 x 120 */
    struct thumb_cache_opts o = {.board_w = 1280, .board_h = 960, .max_bytes = 3 * 160 * 120 * 4};
    struct thumb_cache *tc = NULL;
    assert_int_equal(thumb_cache_create(&tc, 160, 120, &o), 0);
    check_all(f, tc, 1, 160, 120);
    struct thumb_cache_stats st;
    thumb_cache_get_stats(tc, &st);
    assert_true(st.evicted > 0);
    assert_true(st.rasters <= 3);
    assert_int_equal(st.bytes, st.rasters * 160 * 120 * 4);
    thumb_cache_destroy(&tc);
}

/* thumb_cache_prepare() makes checkpoints (the finished prefix of the
 * page shown, every few drawing ops and after each run of version
 * changes): after it, almost every thumbnail is a checkpoint's copy with
 * the slots above its prefix drawn on top, and still the whole drawing. */
static void test_prepare_then_resize(void **state)
{
    struct fix *f = *state;
    struct thumb_cache_opts o = {.board_w = 1280, .board_h = 960};
    struct thumb_cache *tc = NULL;
    assert_int_equal(thumb_cache_create(&tc, 120, 90, &o), 0);
    int rc, rounds = 0;
    while ((rc = thumb_cache_prepare(tc, f->p, 1, 0)) == 1)
        rounds++;
    assert_int_equal(rc, 0);
    assert_true(rounds > 5); /* a budget of 0 draws one chunk of slots a call */
    struct thumb_cache_stats st;
    thumb_cache_get_stats(tc, &st);
    print_message("prepare: %d rounds, %llu checkpoints (%llu whole), %llu repainted\n", rounds,
                  (unsigned long long)st.checkpoints_made, (unsigned long long)st.checkpoints_whole,
                  (unsigned long long)st.repainted);
    uint64_t made = st.checkpoints_made;
    assert_true(made > 10);
    /* some took more than one call: they were drawn a chunk at a time */
    assert_true((uint64_t)rounds > made + 5);
    assert_true(st.checkpoints_whole < made / 2); /* made from each other */
    assert_true(st.repainted > 0);                /* some after an undo, an erase, a move */
    assert_int_equal(st.checkpoints, made);
    assert_int_equal(st.built, 0);                            /* no snapshot raster */
    assert_int_equal(thumb_cache_prepare(tc, f->p, 1, 0), 0); /* nothing left */
    check_all(f, tc, 1, 120, 90);
    thumb_cache_get_stats(tc, &st);
    print_message("then: %llu of %llu draws from a checkpoint, %llu from a raster\n",
                  (unsigned long long)st.from_checkpoint, (unsigned long long)st.draws,
                  (unsigned long long)st.from_raster);
    assert_true(st.from_checkpoint > st.draws * 3 / 4);
    assert_int_equal(st.checkpoints_made, made);
    /* another size: everything again, and right */
    assert_int_equal(thumb_cache_resize(tc, 100, 75), 0);
    thumb_cache_get_stats(tc, &st);
    assert_int_equal(st.rasters, 0);
    assert_int_equal(st.checkpoints, 0);
    uint64_t from_cp = st.from_checkpoint;
    check_all(f, tc, 1, 100, 75);
    thumb_cache_get_stats(tc, &st);
    assert_int_equal(st.from_checkpoint, from_cp); /* none left after the resize */
    assert_int_equal(thumb_cache_resize(tc, 0, 75), SP_EINVAL);
    thumb_cache_destroy(&tc);
}

/* With room for six rasters, the checkpoints take at most 3/4 of it and
 * the snapshots' rasters the rest: still the whole drawing everywhere. */
static void test_prepare_bounded(void **state)
{
    struct fix *f = *state;
    struct thumb_cache_opts o = {.board_w = 1280, .board_h = 960, .max_bytes = 6 * 160 * 120 * 4};
    struct thumb_cache *tc = NULL;
    assert_int_equal(thumb_cache_create(&tc, 160, 120, &o), 0);
    int rc;
    while ((rc = thumb_cache_prepare(tc, f->p, 1, 0)) == 1)
        ;
    assert_int_equal(rc, 0);
    struct thumb_cache_stats st;
    thumb_cache_get_stats(tc, &st);
    size_t kept = st.checkpoints;
    assert_true(kept >= 2 && kept <= 4);
    check_all(f, tc, 1, 160, 120);
    thumb_cache_get_stats(tc, &st);
    assert_true(st.from_checkpoint > 0);
    assert_true(st.from_raster > 0);
    assert_true(st.evicted > 0);
    assert_int_equal(st.checkpoints, kept); /* the snapshots' rasters never push them out */
    assert_true(st.rasters <= 6);
    assert_int_equal(st.bytes, st.rasters * 160 * 120 * 4);
    thumb_cache_destroy(&tc);
}

/* A new generation of the board (more pages arrived) is another player:
 * the rasters of the old one are dropped before they are looked at. */
static void test_new_generation(void **state)
{
    struct fix *f = *state;
    struct thumb_cache_opts o = {.board_w = 1280, .board_h = 960};
    struct thumb_cache *tc = NULL;
    assert_int_equal(thumb_cache_create(&tc, 120, 90, &o), 0);
    struct gen half = f->g;
    half.n = f->g.n / 2;
    struct board_player *p1 = make_player(&half, 7);
    struct canvas *c = NULL;
    assert_int_equal(canvas_create(&c, 120, 90), 0);
    for (size_t i = 0; i < half.n; i += 5)
        assert_int_equal(thumb_cache_draw_us(tc, p1, 1, half.t[i] * 1000, c), 0);
    struct thumb_cache_stats st;
    thumb_cache_get_stats(tc, &st);
    assert_true(st.rasters > 0);
    board_player_destroy(&p1);
    check_all(f, tc, 2, 120, 90);
    /* the empty board before any op, and no player at all */
    assert_int_equal(thumb_cache_draw_us(tc, f->p, 2, (T0 - 5000) * 1000, c), 0);
    struct canvas_color px = canvas_get(c, 3, 3);
    assert_int_equal(px.r, 255);
    assert_int_equal(thumb_cache_draw_us(tc, NULL, 3, 0, c), 0);
    assert_int_equal(thumb_cache_draw_us(tc, f->p, 2, 0, NULL), SP_EINVAL);
    canvas_destroy(&c);
    thumb_cache_destroy(&tc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_equals_whole_drawing), cmocka_unit_test(test_bounded),
        cmocka_unit_test(test_prepare_then_resize),  cmocka_unit_test(test_prepare_bounded),
        cmocka_unit_test(test_new_generation),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
