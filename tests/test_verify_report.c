/* Tests for verify/verify: the report model (severities, exit code, cap),
 * coverage gaps, sync offsets against the refined origin, the recording
 * state findings, and a media check of a file that is not media. The whole
 * command on real and damaged media is tests/test_verify.sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/diag.h"
#include "player/recording/manifest.h"
#include "base/sp_error.h"
#include "player/recording/timeline.h"
#include "verify/verify.h"

/* Two lanes: a: [0, 10 s) and [20 s, 30 s); b: [5 s, 12 s). Total 40 s.
 * Single quotes stand for double quotes. */
static const char *DOC =
    "{'RecordStartTime':1700000000,'RecordStopTime':1700000040,'TotalTime':40000,"
    "'Status':'%s','ExceptionCnt':%d,'VideoInfos':["
    "{'UserId':'a','VideoType':0,'VideoPlayTime':0,'VideoDuration':10000,"
    " 'VideoUrl':'m/a0.mp4','VideoSize':10},"
    "{'UserId':'a','VideoType':0,'VideoPlayTime':20000,'VideoDuration':10000,"
    " 'VideoUrl':'m/a1.mp4?sig=1','VideoSize':10},"
    "{'UserId':'b','VideoType':0,'VideoPlayTime':5000,'VideoDuration':7000,"
    " 'VideoUrl':'m/b0.mp4','VideoSize':10}]}";

struct fx {
    struct recording *rec;
    struct timeline *tl;
    struct diag_list diag;
    struct verify_report r;
};

static void load(struct fx *f, const char *status, int exceptions)
{
    char json[2048];
    snprintf(json, sizeof(json), DOC, status, exceptions);
    for (char *p = json; *p; p++)
        if (*p == '\'')
            *p = '"';
    memset(f, 0, sizeof(*f));
    int rc = manifest_parse(json, strlen(json), "file:///t/m.json", &f->diag, &f->rec);
    assert_true(rc == 0 || rc == SP_ENOTREADY);
    assert_int_equal(tl_create(f->rec, &f->tl), 0);
    assert_int_equal(verify_report_setup(&f->r, f->rec), 0);
}

static void unload(struct fx *f)
{
    verify_report_clear(&f->r);
    tl_destroy(&f->tl);
    recording_free(f->rec);
    diag_clear(&f->diag);
}

static size_t count_code(const struct verify_report *r, const char *code)
{
    size_t n = 0;
    for (size_t i = 0; i < r->n_findings; i++)
        n += !strcmp(r->findings[i].code, code);
    return n;
}

static void test_setup_and_exit_codes(void **state)
{
    (void)state;
    struct fx f;
    load(&f, "FINISHED", 0);
    assert_int_equal(f.r.n_segments, 3);
    /* lane order: a's two segments, then b's; short names without query */
    assert_string_equal(f.r.segments[0].name, "a0.mp4");
    assert_string_equal(f.r.segments[1].name, "a1.mp4");
    assert_string_equal(f.r.segments[2].name, "b0.mp4");
    assert_int_equal(f.r.origin_us, 1700000000000000LL);
    assert_int_equal(verify_exit_code(&f.r), 0);
    verify_add(&f.r, VERIFY_INFO, "x", -1, -1, "note");
    assert_int_equal(verify_exit_code(&f.r), 0);
    verify_add(&f.r, VERIFY_WARNING, "x", 2, 1500000, "at %d", 3);
    assert_int_equal(verify_exit_code(&f.r), 1);
    /* play_us = VideoPlayTime of segment 2 (5 s) + media time */
    assert_int_equal(f.r.findings[1].play_us, 6500000);
    assert_string_equal(f.r.findings[1].message, "at 3");
    verify_add(&f.r, VERIFY_ERROR, "x", -1, -1, "bad");
    assert_int_equal(verify_exit_code(&f.r), 2);
    unload(&f);
}

static void test_cap(void **state)
{
    (void)state;
    struct verify_report r = {0};
    for (int i = 0; i < VERIFY_MAX_FINDINGS + 7; i++)
        verify_add(&r, VERIFY_WARNING, "x", -1, -1, "w%d", i);
    assert_int_equal(r.n_findings, VERIFY_MAX_FINDINGS);
    assert_int_equal(r.dropped, 7);
    assert_int_equal(r.counts[VERIFY_WARNING], VERIFY_MAX_FINDINGS + 7);
    verify_report_clear(&r);
    assert_int_equal(r.n_findings, 0);
}

static void test_coverage(void **state)
{
    (void)state;
    struct fx f;
    load(&f, "FINISHED", 0);
    /* all usable: a hole from 12 s to 20 s and from 30 s to the end */
    assert_int_equal(verify_coverage(&f.r, f.tl), 0);
    assert_int_equal(f.r.n_gaps, 2);
    assert_int_equal(f.r.gaps[0].start_us, 12000000);
    assert_int_equal(f.r.gaps[0].end_us, 20000000);
    assert_int_equal(f.r.gaps[1].start_us, 30000000);
    assert_int_equal(f.r.gaps[1].end_us, 40000000);
    assert_int_equal(f.r.uncovered_us, 18000000);
    assert_int_equal(count_code(&f.r, "coverage.gap"), 2);
    verify_report_clear(&f.r);

    /* b unreachable and a0's media only 3 s long: holes 3-20 s, 30-40 s */
    assert_int_equal(verify_report_setup(&f.r, f.rec), 0);
    verify_unreachable(&f.r, 2, "b0.mp4: gone");
    f.r.segments[0].decoded = true;
    f.r.segments[0].duration_us = 3000000;
    assert_int_equal(verify_coverage(&f.r, f.tl), 0);
    assert_int_equal(f.r.n_gaps, 2);
    assert_int_equal(f.r.gaps[0].start_us, 3000000);
    assert_int_equal(f.r.gaps[0].end_us, 20000000);
    assert_int_equal(count_code(&f.r, "media.unreachable"), 1);
    assert_int_equal(verify_exit_code(&f.r), 2);
    unload(&f);
}

static void test_sync_offsets(void **state)
{
    (void)state;
    struct fx f;
    load(&f, "FINISHED", 0);
    /* The true origin is 400 ms after RecordStartTime (truncated); a0 and
     * b0 agree, a1 is 700 ms later than its VideoPlayTime says. */
    int64_t truth = 1700000000400LL;
    int64_t off[3] = {0, 700, 0};
    for (size_t i = 0; i < 3; i++) {
        struct verify_segment *v = &f.r.segments[i];
        v->decoded = true;
        v->sync_source = LANE_MAP_SEI;
        v->start_board_us = (truth + v->seg->play_us / 1000 + off[i]) * 1000;
    }
    verify_sync(&f.r, f.tl);
    assert_int_equal(f.r.origin_estimates, 3);
    assert_int_equal(f.r.refined_origin_us, truth * 1000);
    assert_int_equal(f.r.segments[0].offset_us, 400000);
    assert_int_equal(f.r.segments[1].offset_us, 1100000);
    assert_int_equal(f.r.segments[0].offset_refined_us, 0);
    assert_int_equal(f.r.segments[1].offset_refined_us, 700000);
    assert_int_equal(f.r.segments[2].offset_refined_us, 0);
    /* only a1 is flagged: 400 ms of truncation is not a sync problem */
    assert_int_equal(count_code(&f.r, "sync.offset"), 1);
    assert_int_equal(verify_exit_code(&f.r), 1);
    unload(&f);
}

static void test_recording_state(void **state)
{
    (void)state;
    struct fx f;
    load(&f, "RECORDING", 2);
    verify_recording(&f.r, f.rec, &f.diag);
    assert_int_equal(count_code(&f.r, "status"), 1);
    assert_int_equal(count_code(&f.r, "status.exceptions"), 1);
    assert_int_equal(verify_exit_code(&f.r), 2);
    unload(&f);
    load(&f, "FINISHED", 0);
    verify_recording(&f.r, f.rec, &f.diag);
    assert_int_equal(verify_exit_code(&f.r), 0);
    unload(&f);
}

static void test_media_not_media(void **state)
{
    (void)state;
    /* a text file where a segment should be: unreadable media, one error,
     * never a crash; a missing file: unreachable */
    char path[512];
    snprintf(path, sizeof(path), "%s/verify-not-media.mp4", SIGPLAY_TEST_TMP);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs("this is not an mp4 file\n", fp);
    fclose(fp);
    char json[2048];
    snprintf(json, sizeof(json),
             "{\"RecordStartTime\":1700000000,\"TotalTime\":10000,\"VideoInfos\":["
             "{\"UserId\":\"a\",\"VideoType\":0,\"VideoPlayTime\":0,\"VideoDuration\":10000,"
             "\"VideoUrl\":\"%s\",\"VideoSize\":24},"
             "{\"UserId\":\"b\",\"VideoType\":0,\"VideoPlayTime\":0,\"VideoDuration\":10000,"
             "\"VideoUrl\":\"%s/verify-no-such.mp4\"}]}",
             path, SIGPLAY_TEST_TMP);
    struct recording *rec = NULL;
    struct timeline *tl = NULL;
    struct verify_report r = {0};
    assert_int_equal(manifest_parse(json, strlen(json), NULL, NULL, &rec), 0);
    assert_int_equal(tl_create(rec, &tl), 0);
    assert_int_equal(verify_report_setup(&r, rec), 0);
    assert_int_equal(verify_media(&r, 0, NULL, tl), 0);
    assert_int_equal(verify_media(&r, 1, NULL, tl), 0);
    assert_true(r.segments[0].reachable);
    assert_false(r.segments[0].usable);
    assert_int_equal(count_code(&r, "media.open"), 1);
    assert_false(r.segments[1].reachable);
    assert_int_equal(count_code(&r, "media.unreachable"), 1);
    assert_int_equal(verify_exit_code(&r), 2);
    verify_report_clear(&r);
    tl_destroy(&tl);
    recording_free(rec);
    remove(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_setup_and_exit_codes),
        cmocka_unit_test(test_cap),
        cmocka_unit_test(test_coverage),
        cmocka_unit_test(test_sync_offsets),
        cmocka_unit_test(test_recording_state),
        cmocka_unit_test(test_media_not_media),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
