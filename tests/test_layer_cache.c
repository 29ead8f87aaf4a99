/* Tests for render/layer_cache: a board page layer written by one drawer
 * and taken by a new one (a later run) gives, byte for byte, the frame a
 * drawer gives drawing from scratch, at the time it was written and at a
 * later time with more strokes on the page (also with a stroke still in
 * progress); a damaged, truncated or foreign file, and a file made stale
 * by an erase below its top, are refused and the page is drawn from
 * scratch, with the same bytes. The file reader's own checks are fuzzed
 * by tests/fuzz/fuzz_layer_file.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/diag.h"
#include "base/platform/os_file.h"
#include "base/sp_bytes.h"
#include "base/sp_error.h"
#include "base/sp_file.h"
#include "player/board/board.h"
#include "render/board_draw.h"
#include "render/canvas.h"
#include "render/layer_cache.h"

#define T0 1700000000000LL /* board ms of the first op */
#define W 320
#define H 240
#define STROKES 400

static char g_dir[4096];

/* One op per batch: strokes e0.. on page p1 every 10 ms from T0 + 10;
 * stroke e<open> begins at T0 + 10 * open and ends only after the last
 * one; e5 is erased at T0 + 10 * (STROKES + 10). */
static struct board_player *lesson(uint32_t open)
{
    struct board_log *log = board_log_create();
    assert_non_null(log);
    struct diag_list d;
    diag_init(&d);
    char buf[1024];
    int64_t seq = 0;
#define ADD(t, ...)                                                                                \
    do {                                                                                           \
        char op[900];                                                                              \
        snprintf(op, sizeof(op), __VA_ARGS__);                                                     \
        int len = snprintf(buf, sizeof(buf), "{\"v\":1,\"ops\":[{\"t\":%lld,\"user\":\"u\",%s}]}", \
                           (long long)(t), op);                                                    \
        assert_int_equal(board_log_add_batch(log, buf, (size_t)len, seq++, "test", &d), 0);        \
    } while (0)
    ADD(T0, "\"op\":\"board.add\",\"board\":\"p1\",\"color\":\"#f4f0e0\"");
    ADD(T0, "\"op\":\"board.switch\",\"board\":\"p1\"");
    uint32_t r = 7;
    for (uint32_t i = 0; i < STROKES; i++) {
        r = r * 1103515245u + 12345u;
        int x = 20 + (int)(r >> 8) % 1200, y = 20 + (int)(r >> 12) % 900;
        int64_t t = T0 + 10 * (int64_t)(i + 1);
        ADD(t,
            "\"op\":\"stroke.begin\",\"id\":\"e%u\",\"board\":\"p1\",\"tool\":\"%s\","
            "\"color\":\"#%06x\",\"width\":%u,\"pts\":[%d,%d,%d,%d,%d,%d]",
            i, i % 5 ? "pen" : "highlighter", (r >> 4) & 0xffffff, 2 + (r >> 20) % 20, x, y, x + 80,
            y + 30, x + 20, y + 90);
        if (i != open)
            ADD(t, "\"op\":\"stroke.end\",\"id\":\"e%u\"", i);
        if (i % 50 == 0)
            ADD(t,
                "\"op\":\"text\",\"id\":\"t%u\",\"board\":\"p1\",\"x\":%d,\"y\":%d,"
                "\"text\":\"x = %u\",\"size\":30,\"color\":\"#202020\"",
                i, x, y, i);
    }
    if (open < STROKES)
        ADD(T0 + 10 * (STROKES + 5), "\"op\":\"stroke.end\",\"id\":\"e%u\"", open);
    ADD(T0 + 10 * (STROKES + 10), "\"op\":\"erase\",\"ids\":[\"e5\"]");
#undef ADD
    assert_int_equal(d.errors, 0);
    assert_int_equal(board_log_finish(log, &d), 0);
    struct board_player *p = NULL;
    assert_int_equal(board_player_create(&p, log, NULL, &d), 0);
    diag_clear(&d);
    return p;
}

static struct layer_cache *cache(void)
{
    struct layer_cache_opts o = {
        .dir = g_dir, .key = "test://lesson", .board_w = 1280, .board_h = 960};
    struct layer_cache *lc = NULL;
    assert_int_equal(layer_cache_create(&o, &lc), 0);
    return lc;
}

static struct board_draw *drawer(void)
{
    struct board_draw_opts o = {.board_w = 1280, .board_h = 960};
    struct board_draw *bd = NULL;
    assert_int_equal(board_draw_create(&bd, W, H, &o), 0);
    return bd;
}

/* The frame a new drawer gives from scratch at w_ms: the reference. */
static void scratch_at(struct board_player *p, int64_t w_ms, struct canvas *out)
{
    struct board_draw *bd = drawer();
    assert_int_equal(board_seek_us(p, w_ms * 1000), 0);
    const struct canvas *f = NULL;
    assert_int_equal(board_draw_frame(bd, board_player_state(p), &f), 0);
    assert_int_equal(canvas_copy(out, f), 0);
    board_draw_destroy(&bd);
}

/* The frame at w_ms as compose draws it with a layer cache: seed, draw,
 * save. *seeded says whether the file was taken. */
static void cached_at(struct board_player *p, int64_t w_ms, struct canvas *out, bool *seeded,
                      struct layer_cache_stats *st)
{
    struct board_draw *bd = drawer();
    struct layer_cache *lc = cache();
    assert_int_equal(board_seek_us(p, w_ms * 1000), 0);
    const struct board_state *s = board_player_state(p);
    *seeded = false;
    if (!board_draw_layer_fits(bd, s))
        *seeded = layer_cache_seed(lc, bd, W, H, s);
    const struct canvas *f = NULL;
    assert_int_equal(board_draw_frame(bd, s, &f), 0);
    assert_int_equal(layer_cache_save(lc, bd, s), 0);
    assert_int_equal(canvas_copy(out, f), 0);
    layer_cache_get_stats(lc, st);
    layer_cache_destroy(&lc);
    board_draw_destroy(&bd);
}

static void assert_same(const struct canvas *a, const struct canvas *b)
{
    assert_int_equal(a->w, b->w);
    assert_int_equal(a->h, b->h);
    assert_memory_equal(a->px, b->px, (size_t)a->h * a->stride);
}

static char *the_file(void)
{
    char dir[4200];
    snprintf(dir, sizeof(dir), "%s/layers", g_dir);
    struct sp_os_dir *d = NULL;
    assert_int_equal(sp_os_dir_open(dir, &d), 0);
    const char *name;
    char *path = NULL;
    while ((name = sp_os_dir_next(d)) != NULL) {
        if (strstr(name, ".layer")) {
            assert_null(path); /* one page, one size: one file */
            path = malloc(strlen(dir) + strlen(name) + 2);
            sprintf(path, "%s/%s", dir, name);
        }
    }
    sp_os_dir_close(&d);
    assert_non_null(path);
    return path;
}

static void fresh_dir(const char *name)
{
    snprintf(g_dir, sizeof(g_dir), "%s/layer_cache_%s", SIGPLAY_TEST_TMP, name);
    char cmd[4300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g_dir);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(sp_os_mkdir_p(g_dir), 0);
}

/* What every case starts from: a fresh cache directory, the lesson and
 * two frames (the reference from scratch and the one through the cache).
 * The case's arguments come in as cmocka's initial state. */
struct fixture_args {
    const char *dir; /* under SIGPLAY_TEST_TMP/layer_cache_ */
    uint32_t open;   /* the stroke still in progress (lesson()), UINT32_MAX none */
};

struct fixture {
    struct board_player *p;
    struct canvas *ref, *got;
};

static int setup(void **state)
{
    const struct fixture_args *a = *state;
    fresh_dir(a->dir);
    struct fixture *fx = calloc(1, sizeof(*fx));
    assert_non_null(fx);
    fx->p = lesson(a->open);
    assert_int_equal(canvas_create(&fx->ref, W, H), 0);
    assert_int_equal(canvas_create(&fx->got, W, H), 0);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *fx = *state;
    canvas_destroy(&fx->ref);
    canvas_destroy(&fx->got);
    board_player_destroy(&fx->p);
    free(fx);
    return 0;
}

static void check_reuse(struct fixture *fx)
{
    struct board_player *p = fx->p;
    struct canvas *ref = fx->ref, *got = fx->got;
    bool seeded;
    struct layer_cache_stats st;
    int64_t w1 = T0 + 10 * 300, w2 = T0 + 10 * STROKES, w3 = T0 + 10 * (STROKES + 5);
    /* first run: drawn from scratch, written */
    cached_at(p, w1, got, &seeded, &st);
    assert_false(seeded);
    assert_int_equal(st.written, 1);
    scratch_at(p, w1, ref);
    assert_same(ref, got);
    /* a later run at the same time: taken from the file, same bytes */
    cached_at(p, w1, got, &seeded, &st);
    assert_true(seeded);
    assert_int_equal(st.written, 0);
    assert_same(ref, got);
    /* later: 100 strokes more (and the open one ended), drawn on the file's layer */
    cached_at(p, w2, got, &seeded, &st);
    assert_true(seeded);
    scratch_at(p, w2, ref);
    assert_same(ref, got);
    cached_at(p, w3, got, &seeded, &st);
    assert_true(seeded);
    scratch_at(p, w3, ref);
    assert_same(ref, got);
}

static void test_reuse_exact(void **state)
{
    check_reuse(*state);
}

/* e120 is unfinished at w1: pending in the file, not in its pixels */
static void test_reuse_with_stroke_in_progress(void **state)
{
    check_reuse(*state);
}

/* The file is damaged as mangle says: refused, the page drawn from scratch. */
static void check_refused(struct fixture *fx, void (*mangle)(char *data, size_t *len))
{
    struct board_player *p = fx->p;
    struct canvas *ref = fx->ref, *got = fx->got;
    bool seeded;
    struct layer_cache_stats st;
    int64_t w1 = T0 + 10 * 300;
    cached_at(p, w1, got, &seeded, &st);
    char *path = the_file();
    char *data = NULL;
    size_t len = 0;
    assert_int_equal(sp_read_file(path, LAYER_FILE_MAX_BYTES, &data, &len), 0);
    mangle(data, &len);
    assert_int_equal(sp_write_file_atomic(path, data, len), 0);
    cached_at(p, w1, got, &seeded, &st);
    assert_false(seeded);
    assert_int_equal(st.refused, 1);
    assert_int_equal(st.written, 1); /* and written again whole */
    scratch_at(p, w1, ref);
    assert_same(ref, got);
    cached_at(p, w1, got, &seeded, &st); /* the rewritten file is good */
    assert_true(seeded);
    assert_same(ref, got);
    free(data);
    free(path);
}

static void flip_pixel_byte(char *data, size_t *len)
{
    data[*len / 2] ^= 0x40; /* in the zlib stream: the checksum no longer matches */
}

static void truncate_it(char *data, size_t *len)
{
    (void)data;
    *len -= 100;
}

/* A valid file (checksum recomputed) whose pixels are another picture:
 * only the content hash tells. */
static void other_content(char *data, size_t *len)
{
    uint8_t *d = (uint8_t *)data;
    d[16] ^= 1; /* the content hash */
    sp_put_u64(d + *len - 8, sp_checksum64(d, *len - 8));
}

static void test_damaged_refused(void **state)
{
    check_refused(*state, flip_pixel_byte); /* in the fixture's directory, "flip" */
    fresh_dir("trunc");
    check_refused(*state, truncate_it);
    fresh_dir("content");
    check_refused(*state, other_content);
}

/* An erase below the file's top after it was written: the page's content
 * differs, the file is refused and the page drawn from scratch. */
static void test_stale_after_erase(void **state)
{
    struct fixture *fx = *state;
    struct board_player *p = fx->p;
    struct canvas *ref = fx->ref, *got = fx->got;
    bool seeded;
    struct layer_cache_stats st;
    cached_at(p, T0 + 10 * STROKES, got, &seeded, &st);
    assert_int_equal(st.written, 1);
    int64_t w = T0 + 10 * (STROKES + 10); /* e5 erased */
    cached_at(p, w, got, &seeded, &st);
    assert_false(seeded);
    assert_int_equal(st.refused, 1);
    scratch_at(p, w, ref);
    assert_same(ref, got);
}

/* A small page is not written: drawing it is quick. */
static void test_small_page_not_written(void **state)
{
    struct fixture *fx = *state;
    bool seeded;
    struct layer_cache_stats st;
    cached_at(fx->p, T0 + 10 * 100, fx->got, &seeded, &st); /* about 100 slots */
    assert_false(seeded);
    assert_int_equal(st.written, 0);
}

#define CASE(fn, args) cmocka_unit_test_prestate_setup_teardown(fn, setup, teardown, (void *)(args))

int main(void)
{
    static const struct fixture_args exact = {"exact", UINT32_MAX}, open = {"open", 120},
                                     flip = {"flip", UINT32_MAX}, stale = {"stale", UINT32_MAX},
                                     small = {"small", UINT32_MAX};
    const struct CMUnitTest tests[] = {
        CASE(test_reuse_exact, &exact),
        CASE(test_reuse_with_stroke_in_progress, &open),
        CASE(test_damaged_refused, &flip),
        CASE(test_stale_after_erase, &stale),
        CASE(test_small_page_not_written, &small),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
