/* Tests for player/board/board on the generated sample class: the IM pages of the
 * manifest are read (im/msgpage), their TXWhiteBoardExt batches go into
 * the board log, and
 *   - every op the generator says it wrote is read, and the replay warns
 *     about nothing (the generator writes only valid ops),
 *   - a seek to 100 random board times gives the same state (hash) as
 *     continuous application,
 *   - elements drawn during the pause appear exactly at the pause's
 *     VideoTime on the playback timeline (player/recording/timeline).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "player/board/board.h"
#include "base/diag.h"
#include "player/recording/manifest.h"
#include "im/msgpage.h"
#include "base/sp_file.h"
#include "player/recording/timeline.h"

#define SAMPLE SIGPLAY_SAMPLE_DIR

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

struct sample {
    struct msg_log *msgs;
    struct board_player *player;
    struct diag_list diag;
};

/* Reads every page of the manifest into a message log and the board. */
static void load(struct sample *s, const struct board_opts *opts)
{
    diag_init(&s->diag);
    s->msgs = msg_log_create();
    assert_non_null(s->msgs);
    cJSON *man = read_json(SAMPLE "/replay.json");
    const cJSON *pages = cJSON_GetObjectItemCaseSensitive(man, "Messages");
    assert_true(cJSON_GetArraySize(pages) > 1);
    const cJSON *pg;
    cJSON_ArrayForEach(pg, pages)
    {
        const cJSON *url = cJSON_GetObjectItemCaseSensitive(pg, "Url");
        assert_true(cJSON_IsString(url));
        char path[1024], *text = NULL;
        size_t len = 0;
        snprintf(path, sizeof(path), "%s/%s", SAMPLE, url->valuestring);
        assert_int_equal(sp_read_file(path, MSG_PAGE_MAX_BYTES, &text, &len), 0);
        assert_int_equal(msg_log_add_json(s->msgs, text, len, url->valuestring, &s->diag), 0);
        free(text);
    }
    cJSON_Delete(man);
    struct board_log *log = board_log_create();
    struct msg_wb_iter it;
    struct msg_wb_batch b;
    msg_wb_iter_init(&it, s->msgs);
    while (msg_wb_next(&it, &b))
        assert_int_equal(board_log_add_batch(log, b.data, b.len, b.msg_seq, b.where, &s->diag), 0);
    assert_int_equal(board_log_finish(log, &s->diag), 0);
    assert_int_equal(board_player_create(&s->player, log, opts, &s->diag), 0);
}

static void unload(struct sample *s)
{
    board_player_destroy(&s->player);
    msg_log_destroy(&s->msgs);
    diag_clear(&s->diag);
}

static void test_sample_ops_read_without_warnings(void **state)
{
    (void)state;
    struct sample s;
    load(&s, NULL);
    cJSON *truth = read_json(SAMPLE "/truth.json");
    const cJSON *board = cJSON_GetObjectItemCaseSensitive(truth, "board");
    const cJSON *ops = cJSON_GetObjectItemCaseSensitive(board, "ops");
    assert_true(cJSON_IsNumber(ops));
    assert_int_equal(board_log_op_count(board_player_log(s.player)), (size_t)ops->valuedouble);
    if (s.diag.count)
        diag_print(&s.diag, stderr);
    assert_int_equal(s.diag.warnings, 0);
    assert_int_equal(s.diag.errors, 0);
    /* At the end some page is shown and holds elements. */
    assert_int_equal(board_seek_us(s.player, board_log_last_time_us(board_player_log(s.player))),
                     0);
    const struct board_state *st = board_player_state(s.player);
    const struct board_page *cur = board_state_current(st);
    assert_non_null(cur);
    size_t shown = 0;
    for (uint32_t k = 0; k < board_page_slot_count(cur); k++)
        shown += board_state_slot(st, cur, k) != NULL;
    assert_true(shown > 0);
    cJSON_Delete(truth);
    unload(&s);
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static void test_sample_seek_equals_continuous(void **state)
{
    (void)state;
    struct sample snap, cont;
    struct board_opts so = {16, 2000000}; /* many snapshots for a small class */
    struct board_opts none = {0, 0};
    load(&snap, &so);
    load(&cont, &none);
    const struct board_log *log = board_player_log(snap.player);
    int64_t t0 = board_log_first_time_us(log) / 1000 - 1000,
            t1 = board_log_last_time_us(log) / 1000 + 1000;
    enum { N = 100 };
    int64_t times[N], sorted[N];
    uint64_t hash[N];
    uint64_t rng = 99;
    for (int i = 0; i < N; i++) {
        rng = rng * 6364136223846793005ull + 1442695040888963407ull;
        times[i] = sorted[i] = t0 + (int64_t)((rng >> 20) % (uint64_t)(t1 - t0));
    }
    qsort(sorted, N, sizeof(int64_t), cmp_i64);
    for (int i = 0; i < N; i++) {
        assert_int_equal(board_seek_us(cont.player, sorted[i] * 1000), 0);
        hash[i] = board_state_hash(board_player_state(cont.player));
    }
    int distinct = 0;
    for (int i = 0; i < N; i++) {
        assert_int_equal(board_seek_us(snap.player, times[i] * 1000), 0);
        int k = 0;
        while (sorted[k] != times[i])
            k++;
        assert_true(board_state_hash(board_player_state(snap.player)) == hash[k]);
        distinct += k > 0 && hash[k] != hash[k - 1];
    }
    assert_true(distinct > N / 2);
    struct board_stats st;
    board_player_stats(snap.player, &st);
    assert_true(st.snapshots > 10);
    unload(&snap);
    unload(&cont);
}

/* Is an element with this id shown on any page? */
static bool shown(const struct board_state *s, const char *name)
{
    for (uint32_t i = 0; i < board_state_page_count(s); i++) {
        const struct board_page *pg = board_state_page(s, i);
        for (uint32_t k = 0; pg && k < board_page_slot_count(pg); k++) {
            const struct board_element *e = board_state_slot(s, pg, k);
            if (e && strcmp(e->name, name) == 0)
                return true;
        }
    }
    return false;
}

static void test_sample_pause_drawing_appears_at_video_time(void **state)
{
    (void)state;
    struct sample s;
    load(&s, NULL);
    char *text = NULL;
    size_t len = 0;
    assert_int_equal(sp_read_file(SAMPLE "/replay.json", 1u << 20, &text, &len), 0);
    struct recording *rec = NULL;
    assert_int_equal(manifest_parse(text, len, NULL, &s.diag, &rec), 0);
    free(text);
    struct timeline *tl = NULL;
    assert_int_equal(tl_create(rec, &tl), 0);
    assert_true(tl_pause_count(tl) >= 1);
    const struct tl_pause *pause = tl_pause_at(tl, 0);
    int64_t pause_start = pause->wall_start_us / 1000,
            pause_end = pause_start + pause->duration_us / 1000;

    /* The ids created by ops timed inside the pause, straight from the pages. */
    char ids[16][64];
    int nids = 0;
    struct msg_wb_iter it;
    struct msg_wb_batch b;
    msg_wb_iter_init(&it, s.msgs);
    while (msg_wb_next(&it, &b)) {
        cJSON *batch = cJSON_Parse(b.data);
        const cJSON *op;
        cJSON_ArrayForEach(op, cJSON_GetObjectItemCaseSensitive(batch, "ops"))
        {
            int64_t t = (int64_t)cJSON_GetObjectItemCaseSensitive(op, "t")->valuedouble;
            const char *kind = cJSON_GetObjectItemCaseSensitive(op, "op")->valuestring;
            const cJSON *id = cJSON_GetObjectItemCaseSensitive(op, "id");
            if (t >= pause_start && t < pause_end && nids < 16 && cJSON_IsString(id) &&
                (!strcmp(kind, "stroke.begin") || !strcmp(kind, "shape") || !strcmp(kind, "text")))
                snprintf(ids[nids++], sizeof(ids[0]), "%s", id->valuestring);
        }
        cJSON_Delete(batch);
    }
    assert_true(nids > 0);
    const struct board_state *st;
    assert_int_equal(board_seek_us(s.player, tl_wall_from_play_us(tl, pause->video_us - 1000)), 0);
    st = board_player_state(s.player);
    for (int i = 0; i < nids; i++)
        assert_false(shown(st, ids[i]));
    assert_int_equal(board_seek_us(s.player, tl_wall_from_play_us(tl, pause->video_us)), 0);
    st = board_player_state(s.player);
    for (int i = 0; i < nids; i++)
        assert_true(shown(st, ids[i]));
    tl_destroy(&tl);
    recording_free(rec);
    unload(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sample_ops_read_without_warnings),
        cmocka_unit_test(test_sample_seek_equals_continuous),
        cmocka_unit_test(test_sample_pause_drawing_appears_at_video_time),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
