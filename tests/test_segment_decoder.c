/* Tests for player/media/segment_decoder on small MP4s made here: full decode,
 * exact seek against continuous play (by frame hash), seek cancelling,
 * SEI hook plumbing, and bad media (missing, truncated, garbage). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libavcodec/avcodec.h>
#include <libavutil/log.h>

#include "player/media/segment_decoder.h"
#include "base/sp_error.h"
#include "support/testmedia.h"
#include "support/vm_hwm.h"

#define FRAMES 75 /* 3 s at 25 fps, key frames every 25 */
#define FPS 25
#define FRAME_US (1000000 / FPS)
#define B0 1700000000000LL

static char g_plain[512], g_fast[512];

struct shown {
    int64_t pts;
    uint64_t hash;
};
static struct shown g_all[FRAMES + 8];
static size_t g_n_all;

static void tmp_path(char *buf, size_t n, const char *name)
{
    snprintf(buf, n, "%s/segdec-%s", SIGPLAY_TEST_TMP, name);
}

static int setup(void **state)
{
    (void)state;
    av_log_set_level(AV_LOG_QUIET);
    tmp_path(g_plain, sizeof(g_plain), "plain.mp4");
    tmp_path(g_fast, sizeof(g_fast), "fast.mp4");
    struct testmedia_opts o = {.frames = FRAMES, .fps = FPS, .gop = 25, .audio_s = 3.0};
    if (testmedia_write(g_plain, &o) < 0)
        return -1;
    o.faststart = true;
    return testmedia_write(g_fast, &o) < 0 ? -1 : 0;
}

static struct segdec *open_dec(const char *path, const char *lane, int64_t start)
{
    struct segdec_opts o = {.url = path,
                            .lane = lane,
                            .sync_time_us = -1,
                            .play_time_board_us = (B0)*1000,
                            .start_pts_us = start};
    struct segdec *d = NULL;
    assert_int_equal(segdec_create(&o, &d), 0);
    return d;
}

/* Reads video frames until eof (or max); returns the count. */
static size_t drain_video(struct segdec *d, struct shown *out, size_t max)
{
    struct frame_queue *q = segdec_video_frames(d);
    AVFrame *f = av_frame_alloc();
    size_t n = 0;
    for (;;) {
        int r = frame_queue_wait_us(q, 1, 10000000);
        if (r == SP_EEOF)
            break;
        assert_int_equal(r, 0);
        struct frame_meta m;
        assert_int_equal(frame_queue_peek(q, 0, f, &m), 0);
        if (n < max) {
            out[n].pts = m.pts_us;
            out[n].hash = testmedia_frame_hash(f);
        }
        n++;
        av_frame_unref(f);
        frame_queue_pop(q);
    }
    av_frame_free(&f);
    return n;
}

/* Sums the audio frames' durations until eof (µs). */
static int64_t drain_audio(struct segdec *d)
{
    struct frame_queue *q = segdec_audio_frames(d);
    AVFrame *f = av_frame_alloc();
    int64_t total = 0;
    while (frame_queue_wait_us(q, 1, 10000000) == 0) {
        struct frame_meta m;
        assert_int_equal(frame_queue_peek(q, 0, f, &m), 0);
        total += m.duration_us;
        av_frame_unref(f);
        frame_queue_pop(q);
    }
    av_frame_free(&f);
    return total;
}

static void test_plays_everything_in_order(void **state)
{
    (void)state;
    struct segdec *d = open_dec(g_plain, "teacher_01", 0);
    assert_int_equal(segdec_wait_ready_us(d, 10000000), 0);
    assert_int_equal(segdec_state(d), SEGDEC_RUNNING);
    struct segdec_info in;
    segdec_get_info(d, &in);
    assert_true(in.has_video && in.has_audio);
    assert_int_equal(in.width, 160);
    assert_int_equal(in.frame_dur_us, FRAME_US);
    assert_int_equal(in.sample_rate, 48000);
    assert_true(in.first_known);
    /* the board map falls back to w(VideoPlayTime) at the first frame */
    assert_int_equal(segdec_board_us(d, in.first_pts_us), B0 * 1000);
    g_n_all = drain_video(d, g_all, FRAMES + 8);
    assert_int_equal(g_n_all, FRAMES);
    for (size_t i = 1; i < g_n_all; i++) {
        assert_int_equal(g_all[i].pts - g_all[i - 1].pts, FRAME_US);
        assert_true(g_all[i].hash != g_all[i - 1].hash);
    }
    int64_t audio = drain_audio(d);
    assert_true(audio > 2900000 && audio < 3200000);
    struct diag_list dg;
    diag_init(&dg);
    segdec_take_diags(d, &dg);
    assert_int_equal(dg.warnings, 0);
    diag_clear(&dg);
    segdec_destroy(&d);
    assert_null(d);
    segdec_destroy(&d);
}

/* The frame continuous play shows at pts t: the last with pts <= t. */
static const struct shown *continuous_at(int64_t t)
{
    const struct shown *best = &g_all[0];
    for (size_t i = 0; i < g_n_all; i++)
        if (g_all[i].pts <= t)
            best = &g_all[i];
    return best;
}

static void test_exact_seek_matches_continuous(void **state)
{
    (void)state;
    assert_int_equal(g_n_all, FRAMES); /* needs the first test's run */
    int64_t first = g_all[0].pts;
    const int64_t targets[] = {
        first + 0,                     /* the very first frame */
        first + 1 * FRAME_US + 1,      /* just after a frame start */
        first + 24 * FRAME_US,         /* just before a key frame */
        first + 25 * FRAME_US - 1,     /* 1 µs before a key frame */
        first + 25 * FRAME_US,         /* on a key frame */
        first + 49 * FRAME_US + 39999, /* last µs of a frame */
        first + 60 * FRAME_US + 12345,
        first + 74 * FRAME_US, /* the last frame */
        first + 80 * FRAME_US, /* past the end: the last frame */
        first + 3 * FRAME_US,  /* backwards again */
    };
    struct segdec *d = open_dec(g_fast, "teacher_01", 0);
    assert_int_equal(segdec_wait_ready_us(d, 10000000), 0);
    AVFrame *f = av_frame_alloc();
    for (size_t i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
        int serial = segdec_seek(d, targets[i]);
        struct frame_queue *q = segdec_video_frames(d);
        assert_int_equal(frame_queue_wait_us(q, 1, 10000000), 0);
        struct frame_meta m;
        assert_int_equal(frame_queue_peek(q, 0, f, &m), 0);
        const struct shown *want = continuous_at(targets[i]);
        if (m.pts_us != want->pts || testmedia_frame_hash(f) != want->hash)
            fail_msg("seek %zu to %lld: got pts %lld, want %lld", i, (long long)targets[i],
                     (long long)m.pts_us, (long long)want->pts);
        assert_int_equal(m.serial, serial);
        av_frame_unref(f);
        /* the next frame follows in order */
        if (want->pts < g_all[g_n_all - 1].pts) {
            assert_int_equal(frame_queue_wait_us(q, 2, 10000000), 0);
            assert_int_equal(frame_queue_peek(q, 1, f, &m), 0);
            assert_int_equal(m.pts_us, want->pts + FRAME_US);
            av_frame_unref(f);
        }
    }
    av_frame_free(&f);
    segdec_destroy(&d);
}

static void test_new_seek_cancels_the_one_in_flight(void **state)
{
    (void)state;
    int64_t first = g_all[0].pts;
    struct segdec *d = open_dec(g_fast, "x", 0);
    AVFrame *f = av_frame_alloc();
    for (int round = 0; round < 5; round++) {
        segdec_seek(d, first + 70 * FRAME_US);
        segdec_seek(d, first + (10 + round) * FRAME_US);
        int serial = segdec_seek(d, first + (40 + round) * FRAME_US);
        struct frame_queue *q = segdec_video_frames(d);
        assert_int_equal(frame_queue_wait_us(q, 1, 10000000), 0);
        struct frame_meta m;
        assert_int_equal(frame_queue_peek(q, 0, f, &m), 0);
        assert_int_equal(m.serial, serial);
        assert_int_equal(m.pts_us, first + (40 + round) * FRAME_US);
        av_frame_unref(f);
    }
    av_frame_free(&f);
    segdec_destroy(&d);
}

static void test_start_mid_segment(void **state)
{
    (void)state;
    int64_t first = g_all[0].pts;
    struct segdec *d = open_dec(g_fast, "late", first + 33 * FRAME_US + 5);
    assert_int_equal(segdec_wait_ready_us(d, 10000000), 0);
    struct shown got[FRAMES];
    size_t n = drain_video(d, got, FRAMES);
    assert_int_equal(n, FRAMES - 33);
    assert_int_equal(got[0].pts, first + 33 * FRAME_US);
    assert_true(got[0].hash == g_all[33].hash);
    segdec_destroy(&d);
}

struct sei_counter {
    int calls;
};

static size_t counting_sei(void *opaque, const AVCodecParameters *par, const uint8_t *data,
                           size_t size, int64_t *out, size_t max, struct diag_list *diag)
{
    (void)diag;
    struct sei_counter *c = opaque;
    assert_int_equal(par->codec_type, AVMEDIA_TYPE_VIDEO);
    assert_true(data && size > 0 && max >= 1);
    /* the n-th video packet (decode order) "says" B0 + 40 ms * n (in µs,
       as the hook gives board times) */
    out[0] = (B0 + 1000 + 40LL * c->calls++) * 1000;
    return c->calls <= 3 ? 1 : 0; /* only the first three carry one */
}

static void test_sei_hook_feeds_the_map(void **state)
{
    (void)state;
    struct sei_counter c = {0};
    struct segdec_opts o = {.url = g_fast,
                            .lane = "s",
                            .sync_time_us = -1,
                            .play_time_board_us = (B0)*1000,
                            .sei_scan = counting_sei,
                            .sei_opaque = &c,
                            .no_audio = true};
    struct segdec *d;
    assert_int_equal(segdec_create(&o, &d), 0);
    struct shown got[FRAMES];
    assert_int_equal(drain_video(d, got, FRAMES), FRAMES);
    /* every packet once, plus the first again (read by the anchor probe) */
    assert_int_equal(c.calls, FRAMES + 1);
    /* With B-frames the first three packets in decode order are not in pts
     * order, so some anchors are refused as non-monotonic; at least the
     * first is there and moves the map off the fallback. */
    assert_true(segdec_anchor_count(d) >= 1);
    enum lane_map_source src;
    segdec_start_board_us(d, &src);
    assert_int_equal(src, LANE_MAP_SEI);
    struct segdec_info in;
    segdec_get_info(d, &in);
    assert_false(in.has_audio);
    assert_int_equal(frame_queue_wait_us(segdec_audio_frames(d), 1, 1000000), SP_EEOF);
    segdec_destroy(&d);
}

/* code: the diag code the warning must carry (the lane player decides on
 * it), or -1 for any */
static void expect_warning_code(struct segdec *d, const char *a, const char *b, int code)
{
    struct diag_list dg;
    diag_init(&dg);
    segdec_take_diags(d, &dg);
    if (!diag_contains(&dg, a) || (b && !diag_contains(&dg, b))) {
        diag_print(&dg, stderr);
        fail_msg("no warning with '%s' / '%s'", a, b ? b : "");
    }
    if (code >= 0) {
        bool found = false;
        for (size_t i = 0; i < dg.count; i++)
            found = found || (int)dg.items[i].code == code;
        if (!found) {
            diag_print(&dg, stderr);
            fail_msg("no warning carries diag code %d", code);
        }
    }
    diag_clear(&dg);
}

static void expect_warning(struct segdec *d, const char *a, const char *b)
{
    expect_warning_code(d, a, b, -1);
}

static void test_missing_file(void **state)
{
    (void)state;
    char path[512];
    tmp_path(path, sizeof(path), "does-not-exist.mp4");
    struct segdec *d = open_dec(path, "student_02", 0);
    assert_int_equal(segdec_wait_ready_us(d, 10000000), SP_EEOF);
    assert_int_equal(segdec_state(d), SEGDEC_FAILED);
    assert_int_equal(frame_queue_wait_us(segdec_video_frames(d), 1, 1000000), SP_EEOF);
    /* seeking a failed decoder is harmless and still ends at once */
    segdec_seek(d, 1000000);
    assert_int_equal(frame_queue_wait_us(segdec_video_frames(d), 1, 1000000), SP_EEOF);
    expect_warning_code(d, "student_02: ", "does-not-exist.mp4: cannot open",
                        DIAG_CODE_MEDIA_UNREADABLE);
    segdec_destroy(&d);
}

static void test_missing_moov(void **state)
{
    (void)state;
    /* moov at the end (no faststart): a truncated copy has none */
    char path[512];
    tmp_path(path, sizeof(path), "nomoov.mp4");
    assert_int_equal(testmedia_truncate_copy(g_plain, path, testmedia_file_size(g_plain) / 2), 0);
    struct segdec *d = open_dec(path, "teacher_01", 0);
    assert_int_equal(segdec_wait_ready_us(d, 10000000), SP_EEOF);
    expect_warning_code(d, "teacher_01: ", "nomoov.mp4: cannot open", DIAG_CODE_MEDIA_UNREADABLE);
    segdec_destroy(&d);
}

static void test_truncated_plays_what_is_there(void **state)
{
    (void)state;
    char path[512];
    tmp_path(path, sizeof(path), "truncated.mp4");
    assert_int_equal(testmedia_truncate_copy(g_fast, path, testmedia_file_size(g_fast) / 2), 0);
    struct segdec *d = open_dec(path, "teacher_01", 0);
    assert_int_equal(segdec_wait_ready_us(d, 10000000), 0);
    struct shown got[FRAMES + 8];
    size_t n = drain_video(d, got, FRAMES + 8);
    assert_true(n > 5 && n < FRAMES);
    drain_audio(d);
    /* and a seek past the cut ends cleanly too */
    segdec_seek(d, g_all[70].pts);
    int r = frame_queue_wait_us(segdec_video_frames(d), 1, 10000000);
    assert_true(r == 0 || r == SP_EEOF);
    segdec_destroy(&d);
}

static void test_garbage_mid_file(void **state)
{
    (void)state;
    char path[512];
    tmp_path(path, sizeof(path), "garbage.mp4");
    long size = testmedia_file_size(g_fast);
    assert_int_equal(testmedia_garbage_copy(g_fast, path, size / 3, size / 3), 0);
    struct segdec *d = open_dec(path, "teacher_01", 0);
    assert_int_equal(segdec_wait_ready_us(d, 10000000), 0);
    struct shown got[FRAMES + 8];
    size_t n = drain_video(d, got, FRAMES + 8);
    assert_true(n > 0 && n <= FRAMES);
    drain_audio(d);
    expect_warning(d, "teacher_01: ", "garbage.mp4: at ");
    segdec_destroy(&d);
}

/* A 23-byte progressive JPEG whose header declares w x h (found by
 * fuzz_image: it decodes to a flat picture of that size). */
static void jpeg_header(uint8_t out[23], int w, int h)
{
    static const uint8_t wide[] = {0xff, 0xd8, 0xff, 0xc2, 0x00, 0x11, 0x08, 0x05,
                                   0x02, 0xbb, 0x01, 0x03, 0x00, 0x11, 0x00, 0x02,
                                   0x11, 0x01, 0x03, 0x11, 0x00, 0xff, 0xd9};
    memcpy(out, wide, sizeof(wide));
    out[7] = (uint8_t)(h >> 8), out[8] = (uint8_t)h;
    out[9] = (uint8_t)(w >> 8), out[10] = (uint8_t)w;
}

/* Writes frames x that JPEG into an MP4 declaring cw x ch; opens it and
 * drains it; returns the frames shown, and the peak RSS growth in *grew_kb. */
static size_t play_jpegs(const char *name, int w, int h, int cw, int ch, struct segdec **out,
                         long *grew_kb)
{
    char path[512];
    tmp_path(path, sizeof(path), name);
    uint8_t jpeg[23];
    jpeg_header(jpeg, w, h);
    assert_int_equal(testmedia_write_jpegs(path, jpeg, sizeof(jpeg), 15, 15, cw, ch), 0);
    bool measured = vm_hwm_reset();
    assert_true(measured || !VM_HWM_AVAILABLE);
    long before = vm_hwm_kb();
    struct segdec *d = open_dec(path, "student_02", 0);
    size_t n = 0;
    if (segdec_wait_ready_us(d, 10000000) == 0)
        n = drain_video(d, NULL, 0);
    *grew_kb = measured ? vm_hwm_kb() - before : 0;
    *out = d;
    return n;
}

/* A segment whose pictures are over the size limit (picture_limit.h) is
 * refused before they are allocated, with one warning that says so; its
 * 1 KB used to cost some 600 MB to 1 GB and seconds a frame. Whether the
 * container says so (the size is known at open) or only the pictures do
 * (each is refused at its header), and for a side over the limit as for an
 * area; a 4K picture within it decodes. */
static void test_picture_over_the_limit_not_decoded(void **state)
{
    (void)state;
    struct segdec *d;
    long grew;
    /* the container declares the picture: refused at open, said once */
    assert_int_equal(play_jpegs("huge-declared.mp4", 47873, 1282, 47873, 1282, &d, &grew), 0);
    assert_int_equal(segdec_state(d), SEGDEC_FAILED);
    expect_warning_code(d, "student_02: ", "declares 47873x1282, over the size limit (16384 px",
                        DIAG_CODE_MEDIA_PICTURE_LIMIT);
    segdec_destroy(&d);
    if (grew > 48 * 1024)
        fail_msg("a refused segment raised the peak RSS by %ld kB", grew);

    /* the container says 64x64, the pictures 47873x1282 (61 Mpx: over the
     * area too; each refused at its header by the decoder) and 20000x64
     * (over a side only, so small that reading the stream's parameters
     * decodes one and the size is refused at open) */
    static const int sizes[][2] = {{47873, 1282}, {20000, 64}};
    static const char *said[] = {"a picture over the size limit (16384 px",
                                 "declares 20000x64, over the size limit (16384 px"};
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        char name[64];
        snprintf(name, sizeof(name), "huge-frames-%zu.mp4", i);
        assert_int_equal(play_jpegs(name, sizes[i][0], sizes[i][1], 64, 64, &d, &grew), 0);
        expect_warning_code(d, "student_02: ", said[i], DIAG_CODE_MEDIA_PICTURE_LIMIT);
        segdec_destroy(&d);
        if (grew > 48 * 1024)
            fail_msg("%dx%d pictures raised the peak RSS by %ld kB", sizes[i][0], sizes[i][1],
                     grew);
    }

    /* within the limit the same pictures play */
    assert_int_equal(play_jpegs("4k.mp4", 3840, 2160, 64, 64, &d, &grew), 15);
    segdec_destroy(&d);
}

static void test_destroy_while_busy(void **state)
{
    (void)state;
    /* nobody reads: the threads block on full queues; destroy must not hang */
    for (int i = 0; i < 3; i++) {
        struct segdec *d = open_dec(g_fast, "x", 0);
        if (i > 0)
            segdec_wait_ready_us(d, 10000000);
        segdec_destroy(&d);
    }
    struct segdec_opts bad = {0};
    struct segdec *d = NULL;
    assert_int_equal(segdec_create(&bad, &d), SP_EINVAL);
    assert_int_equal(segdec_create(NULL, &d), SP_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plays_everything_in_order),
        cmocka_unit_test(test_exact_seek_matches_continuous),
        cmocka_unit_test(test_new_seek_cancels_the_one_in_flight),
        cmocka_unit_test(test_start_mid_segment),
        cmocka_unit_test(test_sei_hook_feeds_the_map),
        cmocka_unit_test(test_missing_file),
        cmocka_unit_test(test_missing_moov),
        cmocka_unit_test(test_truncated_plays_what_is_there),
        cmocka_unit_test(test_garbage_mid_file),
        cmocka_unit_test(test_picture_over_the_limit_not_decoded),
        cmocka_unit_test(test_destroy_while_busy),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
