/* The segment decoder on the generated sample class: the real SEI parser
 * (player/media/sei.h) through the decoder's hook recovers every anchor the
 * generator wrote (truth.json), for both payload types, and the segment's
 * start estimate is the true board time of its first frame. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <libavutil/log.h>

#include "player/media/segment_decoder.h"
#include "player/media/sei.h"
#include "base/sp_error.h"
#include "base/sp_file.h"
#include "support/testmedia.h"

static cJSON *g_truth;

static int setup(void **state)
{
    (void)state;
    av_log_set_level(AV_LOG_QUIET);
    char *text = NULL;
    size_t len;
    if (sp_read_file(SIGPLAY_SAMPLE_DIR "/truth.json", 16 << 20, &text, &len) != 0)
        return -1;
    g_truth = cJSON_Parse(text);
    free(text);
    return g_truth ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    cJSON_Delete(g_truth);
    return 0;
}

static int64_t num(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    assert_true(cJSON_IsNumber(v));
    return (int64_t)v->valuedouble;
}

/* Plays one segment through and checks its map against the truth. */
static void check_segment(const cJSON *seg)
{
    const char *file = cJSON_GetObjectItemCaseSensitive(seg, "file")->valuestring;
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s", SIGPLAY_SAMPLE_DIR, file);
    const cJSON *anchors = cJSON_GetObjectItemCaseSensitive(seg, "anchors");
    int n_anchors = cJSON_GetArraySize(anchors);
    struct segdec_opts o = {.url = path,
                            .lane = file,
                            .sync_time_us = -1,
                            .play_time_board_us = 0 * 1000,
                            .sei_scan = sei_scan_packet_us,
                            .no_audio = true};
    struct segdec *d;
    assert_int_equal(segdec_create(&o, &d), 0);
    assert_int_equal(segdec_wait_ready_us(d, 10000000), 0);
    struct frame_queue *q = segdec_video_frames(d);
    AVFrame *f = av_frame_alloc();
    int64_t frames = 0, prev = INT64_MIN;
    while (frame_queue_wait_us(q, 1, 10000000) == 0) {
        struct frame_meta m;
        assert_int_equal(frame_queue_peek(q, 0, f, &m), 0);
        assert_true(m.pts_us > prev);
        prev = m.pts_us;
        av_frame_unref(f);
        frame_queue_pop(q);
        frames++;
    }
    av_frame_free(&f);
    assert_int_equal(frames, num(seg, "frames"));
    if (n_anchors == 0) {
        assert_int_equal(segdec_anchor_count(d), 0);
    } else {
        assert_int_equal(segdec_anchor_count(d), n_anchors);
        const cJSON *a;
        cJSON_ArrayForEach(a, anchors)
        {
            int64_t board = segdec_board_us(d, num(a, "pts_ms") * 1000);
            assert_int_equal(board, num(a, "sync_time") * 1000);
        }
        enum lane_map_source src;
        int64_t start = segdec_start_board_us(d, &src);
        assert_int_equal(src, LANE_MAP_SEI);
        assert_int_equal(start, num(seg, "first_frame_board_ms") * 1000);
    }
    struct diag_list dg;
    diag_init(&dg);
    segdec_take_diags(d, &dg);
    if (dg.warnings) {
        diag_print(&dg, stderr);
        fail_msg("%s: unexpected warnings", file);
    }
    diag_clear(&dg);
    segdec_destroy(&d);
}

static void test_every_segment_map_matches_truth(void **state)
{
    (void)state;
    const cJSON *segs = cJSON_GetObjectItemCaseSensitive(g_truth, "segments");
    assert_true(cJSON_GetArraySize(segs) >= 2);
    int with_anchors = 0, types_seen = 0;
    const cJSON *seg;
    cJSON_ArrayForEach(seg, segs)
    {
        check_segment(seg);
        if (cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(seg, "anchors")) > 0)
            with_anchors++;
        const cJSON *pt = cJSON_GetObjectItemCaseSensitive(seg, "sei_payload_type");
        if (cJSON_IsNumber(pt) && (pt->valueint == 5 || pt->valueint == 242))
            types_seen |= pt->valueint == 5 ? 1 : 2;
    }
    assert_true(with_anchors >= 2);
    assert_int_equal(types_seen, 3); /* both payload types went through */
}

/* Seek by board time on an SEI lane: after each seek, popping the queued
 * frames with board <= target (the continuous-play rule) ends on the same
 * frame (by hash) continuous play shows at that board time. */
static void test_seek_by_board_matches_continuous(void **state)
{
    (void)state;
    const cJSON *seg = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(g_truth, "segments"), 1);
    const char *file = cJSON_GetObjectItemCaseSensitive(seg, "file")->valuestring;
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s", SIGPLAY_SAMPLE_DIR, file);
    struct segdec_opts o = {.url = path,
                            .lane = file,
                            .sync_time_us = -1,
                            .sei_scan = sei_scan_packet_us,
                            .no_audio = true};
    struct segdec *d;
    assert_int_equal(segdec_create(&o, &d), 0);
    struct frame_queue *q = segdec_video_frames(d);
    AVFrame *f = av_frame_alloc();
    static int64_t boards[2000];
    static uint64_t hashes[2000];
    size_t n = 0;
    while (n < 2000 && frame_queue_wait_us(q, 1, 10000000) == 0) {
        struct frame_meta m;
        assert_int_equal(frame_queue_peek(q, 0, f, &m), 0);
        boards[n] = segdec_board_us(d, m.pts_us);
        hashes[n++] = testmedia_frame_hash(f);
        av_frame_unref(f);
        frame_queue_pop(q);
    }
    assert_true(n > 100);
    int64_t first = boards[0];
    const int64_t offsets_ms[] = {0, 1, 999, 1000, 4567, 12000, 7001, 100, 20000, 2500};
    for (size_t i = 0; i < sizeof(offsets_ms) / sizeof(offsets_ms[0]); i++) {
        int64_t target = first + offsets_ms[i] * 1000;
        size_t want = 0;
        while (want + 1 < n && boards[want + 1] <= target)
            want++;
        int serial = segdec_seek_board(d, target);
        uint64_t got_hash = 0;
        int64_t got_board = INT64_MIN;
        for (;;) {
            assert_int_equal(frame_queue_wait_us(q, 1, 10000000), 0);
            struct frame_meta m;
            assert_int_equal(frame_queue_peek(q, 0, f, &m), 0);
            assert_int_equal(m.serial, serial);
            int64_t b = segdec_board_us(d, m.pts_us);
            if (b > target && got_board != INT64_MIN) {
                av_frame_unref(f);
                break;
            }
            assert_true(b <= target); /* the decoder never starts late */
            got_board = b;
            got_hash = testmedia_frame_hash(f);
            av_frame_unref(f);
            frame_queue_pop(q);
        }
        assert_int_equal(got_board, boards[want]);
        assert_true(got_hash == hashes[want]);
    }
    av_frame_free(&f);
    segdec_destroy(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_segment_map_matches_truth),
        cmocka_unit_test(test_seek_by_board_matches_continuous),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
