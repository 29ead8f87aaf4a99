/* test_anchor_age.c - lane_view.anchor_board_us: the board time of the
 * last SEI anchor at or before the frame a lane shows (the `i` overlay's
 * "last anchor age" is the shown frame's board time minus it).
 *
 * The sample class's truth.json lists every anchor the generator wrote
 * (pts, syncTime) per segment. Playing the whole class at max speed (every
 * frame presented), each lane showing a frame must report exactly the
 * syncTime of the last truth anchor at or before its frame's pts, in its
 * own segment, and an age between 0 and the anchor spacing plus one frame;
 * a lane without SEI (the screen share) reports none. After seeks (the
 * decoder starts at a key frame, anchors before it are read at open) the
 * age stays within the same bounds. */
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

#include "player/recording/manifest.h"
#include "player/playloop.h"
#include "player/media/sei.h"
#include "base/sp_error.h"
#include "base/sp_file.h"
#include "player/recording/timeline.h"

#define MAX_STEPS 20000

struct rig {
    struct recording *rec;
    struct timeline *tl;
    struct player *p;
    cJSON *truth;
};

static void rig_open(struct rig *r)
{
    memset(r, 0, sizeof(*r));
    assert_int_equal(manifest_open(SIGPLAY_SAMPLE_DIR "/replay.json", NULL, NULL, NULL, &r->rec),
                     0);
    assert_int_equal(tl_create(r->rec, &r->tl), 0);
    struct player_opts po = {.max_speed = true, .sei_scan = sei_scan_packet_us};
    assert_int_equal(player_create(r->tl, &po, &r->p), 0);
    char *text = NULL;
    size_t len = 0;
    assert_int_equal(sp_read_file(SIGPLAY_SAMPLE_DIR "/truth.json", 64 << 20, &text, &len), 0);
    r->truth = cJSON_Parse(text);
    free(text);
    assert_non_null(r->truth);
}

static void rig_close(struct rig *r)
{
    player_destroy(&r->p);
    tl_destroy(&r->tl);
    recording_free(r->rec);
    cJSON_Delete(r->truth);
}

/* The truth entry of the segment whose URL ends with its file name. */
static const cJSON *truth_segment(const struct rig *r, const struct rec_segment *seg)
{
    const cJSON *s;
    cJSON_ArrayForEach(s, cJSON_GetObjectItem(r->truth, "segments"))
    {
        const char *file = cJSON_GetStringValue(cJSON_GetObjectItem(s, "file"));
        size_t fl = file ? strlen(file) : 0, ul = strlen(seg->url);
        if (fl && ul >= fl && !strcmp(seg->url + ul - fl, file))
            return s;
    }
    fail_msg("no truth for %s", seg->url);
    return NULL;
}

/* syncTime (Unix ms) of the last truth anchor with pts <= pts_ms, -1
 * none; *spacing_ms the largest gap between the segment's anchors. */
static int64_t truth_anchor(const cJSON *seg, int64_t pts_ms, int64_t *spacing_ms)
{
    int64_t found = -1, prev = -1;
    *spacing_ms = 0;
    const cJSON *a;
    cJSON_ArrayForEach(a, cJSON_GetObjectItem(seg, "anchors"))
    {
        int64_t p = (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(a, "pts_ms"));
        if (prev >= 0 && p - prev > *spacing_ms)
            *spacing_ms = p - prev;
        prev = p;
        if (p <= pts_ms)
            found = (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(a, "sync_time"));
    }
    return found;
}

static int64_t fps_of(const cJSON *seg)
{
    int64_t fps = (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(seg, "fps"));
    assert_true(fps > 0 && fps <= 60);
    return fps;
}

/* Checks every lane's view; exact: compares with truth's anchor. Returns
 * the number of lanes that reported an anchor. */
static size_t check_lanes(struct rig *r, bool exact)
{
    size_t with_anchor = 0;
    for (size_t i = 0; i < player_lane_count(r->p); i++) {
        const struct lane_view *v = player_lane_view(r->p, i);
        if (v->state == LANE_PLACEHOLDER || !v->frame || !v->seg)
            continue;
        const cJSON *ts = truth_segment(r, v->seg);
        int64_t spacing = 0;
        int64_t want = truth_anchor(ts, v->pts_us / 1000, &spacing);
        if (!cJSON_GetArraySize(cJSON_GetObjectItem(ts, "anchors"))) {
            assert_int_equal(v->anchor_board_us, -1); /* no SEI: no anchor */
            continue;
        }
        if (exact) {
            if (v->anchor_board_us != want * 1000)
                fail_msg("lane %zu at t %lld (pts %lld): anchor %lld, truth %lld", i,
                         (long long)player_time_us(r->p), (long long)v->pts_us,
                         (long long)v->anchor_board_us, (long long)want * 1000);
        }
        assert_true(v->anchor_board_us >= 0);
        int64_t age_ms = (v->board_us - v->anchor_board_us) / 1000;
        int64_t frame_ms = 1000 / fps_of(ts) + 1;
        if (age_ms < 0 || age_ms > spacing + frame_ms)
            fail_msg("lane %zu at t %lld: age %lld ms outside [0, %lld]", i,
                     (long long)player_time_us(r->p), (long long)age_ms,
                     (long long)(spacing + frame_ms));
        with_anchor++;
    }
    return with_anchor;
}

static void test_continuous_play(void **state)
{
    (void)state;
    struct rig r;
    rig_open(&r);
    player_seek_us(r.p, 0);
    size_t steps = 0, reported = 0;
    int rc;
    while (steps < MAX_STEPS && (rc = player_step(r.p, NULL)) >= 0) {
        reported += check_lanes(&r, true);
        steps++;
    }
    assert_int_equal(rc, SP_EEOF);
    /* the teacher shows a frame with an anchor nearly all the time */
    assert_true(steps > 100);
    assert_true(reported >= steps / 2);
    rig_close(&r);
}

static void test_after_seeks(void **state)
{
    (void)state;
    struct rig r;
    rig_open(&r);
    const int64_t at[] = {12345, 45678, 3210, 59000, 29990, 8000};
    for (size_t k = 0; k < sizeof(at) / sizeof(at[0]); k++) {
        player_seek_us(r.p, at[k] * 1000);
        size_t reported = 0;
        for (int n = 0; n < 20; n++) {
            int rc = player_step(r.p, NULL);
            if (rc < 0)
                break;
            reported += check_lanes(&r, false);
        }
        assert_true(reported > 0);
    }
    rig_close(&r);
}

int main(void)
{
    av_log_set_level(AV_LOG_QUIET);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_continuous_play),
        cmocka_unit_test(test_after_seeks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
