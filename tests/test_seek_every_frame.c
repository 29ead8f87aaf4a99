/* Exact seek onto every frame of a B-frame stream: the sample class's
 * camera segments are libx264 with B-frames, a third of them non-reference
 * (the decoder skips those on its way from the key frame to a seek target
 * when they cannot be the target, see segment_decoder.c). A seek to each
 * frame's own pts, and to 1 µs before it, across two whole GOPs and their
 * boundaries, must give the same frame (by hash) as continuous play, and
 * the frames after it in order, with frame threads and without. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>

#include <libavutil/frame.h>
#include <libavutil/log.h>

#include "player/media/segment_decoder.h"
#include "base/sp_error.h"
#include "support/testmedia.h"

#define MAX_FRAMES 2000
#define FIRST 27 /* the frames checked: FIRST .. LAST (key frames every 30) */
#define LAST 63
#define WAIT_MS 10000

static int64_t g_pts[MAX_FRAMES];
static uint64_t g_hash[MAX_FRAMES];
static size_t g_n;

static const char *sample_file(void)
{
    return SIGPLAY_SAMPLE_DIR "/media/teacher_01-0.mp4";
}

static struct segdec *open_dec(int threads)
{
    struct segdec_opts o = {.url = sample_file(),
                            .lane = "teacher_01",
                            .no_audio = true,
                            .sync_time_us = -1,
                            .codec_threads = threads};
    struct segdec *d = NULL;
    assert_int_equal(segdec_create(&o, &d), 0);
    return d;
}

static int setup(void **state)
{
    (void)state;
    av_log_set_level(AV_LOG_QUIET);
    struct segdec *d = NULL;
    struct segdec_opts o = {.url = sample_file(),
                            .lane = "teacher_01",
                            .no_audio = true,
                            .sync_time_us = -1,
                            .codec_threads = 1};
    if (segdec_create(&o, &d) != 0)
        return -1;
    struct frame_queue *q = segdec_video_frames(d);
    AVFrame *f = av_frame_alloc();
    while (f && g_n < MAX_FRAMES && frame_queue_wait_us(q, 1, (int64_t)(WAIT_MS)*1000) == 0) {
        struct frame_meta m;
        if (frame_queue_peek(q, 0, f, &m) != 0)
            break;
        g_pts[g_n] = m.pts_us;
        g_hash[g_n++] = testmedia_frame_hash(f);
        av_frame_unref(f);
        frame_queue_pop(q);
    }
    av_frame_free(&f);
    segdec_destroy(&d);
    return g_n > LAST + 1 ? 0 : -1;
}

/* Seeks to target; the first queued frame must be frame `want`, the next
 * two want+1, want+2. */
static void check_seek(struct segdec *d, int64_t target, size_t want)
{
    int serial = segdec_seek(d, target);
    struct frame_queue *q = segdec_video_frames(d);
    AVFrame *f = av_frame_alloc();
    assert_non_null(f);
    for (size_t k = 0; k < 3 && want + k < g_n; k++) {
        assert_int_equal(frame_queue_wait_us(q, (int)k + 1, (int64_t)(WAIT_MS)*1000), 0);
        struct frame_meta m;
        assert_int_equal(frame_queue_peek(q, k, f, &m), 0);
        assert_int_equal(m.serial, serial);
        if (m.pts_us != g_pts[want + k] || testmedia_frame_hash(f) != g_hash[want + k])
            fail_msg("seek to %lld: frame %zu after it has pts %lld, want frame %zu (pts %lld)",
                     (long long)target, k, (long long)m.pts_us, want + k,
                     (long long)g_pts[want + k]);
        av_frame_unref(f);
    }
    av_frame_free(&f);
}

static void run(int threads)
{
    struct segdec *d = open_dec(threads);
    assert_int_equal(segdec_wait_ready_us(d, (int64_t)(WAIT_MS)*1000), 0);
    for (size_t i = FIRST; i <= LAST; i++) {
        check_seek(d, g_pts[i], i);
        check_seek(d, g_pts[i] - 1, i - 1);
    }
    segdec_destroy(&d);
}

static void test_every_frame_single_thread(void **state)
{
    (void)state;
    run(1);
}

static void test_every_frame_frame_threads(void **state)
{
    (void)state;
    run(3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_frame_single_thread),
        cmocka_unit_test(test_every_frame_frame_threads),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
