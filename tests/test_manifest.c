/* Tests for player/recording/manifest: the seed's example result, URL resolution,
 * lanes, pauses, every diagnostic the reader gives (message text checked),
 * caps, junk input, and manifest_open() over paths, links and ReplayUrl. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/diag.h"
#include "player/net/loader.h"
#include "player/recording/manifest.h"
#include "base/sp_error.h"
#include "base/sp_file.h"
#include "player/net/url.h"

#define DOC "file:///data/class/manifest.json"

/* JSON in C literals is written with ' for " (no test string needs a
 * quote); q() swaps them into a new string. */
static char *q(const char *s)
{
    char *d = strdup(s);
    assert_non_null(d);
    for (char *p = d; *p; p++)
        if (*p == '\'')
            *p = '"';
    return d;
}

static int parse_q(const char *json_q, struct diag_list *d, struct recording **rec)
{
    char *json = q(json_q);
    int rc = manifest_parse(json, strlen(json), DOC, d, rec);
    free(json);
    return rc;
}

/* The stored entry that contains text, or NULL. */
static const struct diag_entry *find(const struct diag_list *d, const char *text)
{
    for (size_t i = 0; i < d->count; i++)
        if (strstr(d->items[i].text, text))
            return &d->items[i];
    return NULL;
}

static void dump(const struct diag_list *d)
{
    for (size_t i = 0; i < d->count; i++)
        print_message("  diag[%zu] %s: %s\n", i, diag_level_name(d->items[i].level),
                      d->items[i].text);
}

static void expect_diag(const struct diag_list *d, enum diag_level level, const char *text)
{
    const struct diag_entry *e = find(d, text);
    if (!e) {
        dump(d);
        fail_msg("no diagnostic contains \"%s\"", text);
    }
    if (e->level != level)
        fail_msg("\"%s\" is a %s, expected a %s", e->text, diag_level_name(e->level),
                 diag_level_name(level));
}

static char *read_test_file(const char *path, size_t *len)
{
    char *buf = NULL;
    assert_int_equal(sp_read_file(path, 1 << 20, &buf, len), 0);
    return buf;
}

/* ---- the seed's example --------------------------------------------------- */

static void test_seed_example(void **state)
{
    (void)state;
    size_t len;
    char *json = read_test_file(SIGPLAY_TEST_DATA "/seed-result.json", &len);
    struct diag_list d;
    diag_init(&d);
    struct recording *rec = NULL;
    assert_int_equal(manifest_parse(json, len, "file:///x/seed-result.json", &d, &rec), 0);
    free(json);
    dump(&d);
    assert_int_equal(d.errors, 0);
    assert_int_equal(d.warnings, 0);
    assert_true(rec->ready);
    assert_false(rec->is_manifest);
    assert_int_equal(rec->room_id, 1234);
    assert_string_equal(rec->group_id, "1234");
    assert_int_equal(rec->record_start_us, 1558613140LL * 1000000);
    assert_int_equal(rec->record_stop_us, 1558614640LL * 1000000);
    assert_int_equal(rec->total_us, 1440000 * 1000LL);
    assert_int_equal(rec->board_w, 1280);
    assert_int_equal(rec->board_h, 960);

    /* Three lanes in order of first appearance. */
    assert_int_equal(rec->n_lanes, 3);
    assert_int_equal(rec->n_segments, 6);
    static const struct {
        const char *user, *name;
        enum rec_lane_kind kind;
        int64_t seg[2][2]; /* VideoPlayTime, VideoDuration */
        size_t src[2];
    } want[3] = {
        {"ios_test1", "ios_test1", REC_LANE_CAMERA, {{0, 900000}, {900000, 300000}}, {0, 3}},
        {"pc_test1", "pc_test1", REC_LANE_CAMERA, {{300000, 600000}, {900000, 210000}}, {1, 4}},
        {"", "whiteboard", REC_LANE_WHITEBOARD, {{120000, 780000}, {900000, 540000}}, {2, 5}},
    };
    for (size_t l = 0; l < 3; l++) {
        const struct rec_lane *ln = &rec->lanes[l];
        assert_string_equal(ln->user_id, want[l].user);
        assert_string_equal(ln->name, want[l].name);
        assert_int_equal(ln->kind, want[l].kind);
        assert_int_equal(ln->n_segments, 2);
        for (size_t k = 0; k < 2; k++) {
            assert_int_equal(ln->segments[k].play_us, want[l].seg[k][0] * 1000LL);
            assert_int_equal(ln->segments[k].duration_us, want[l].seg[k][1] * 1000LL);
            assert_int_equal(ln->segments[k].source_index, want[l].src[k]);
            assert_int_equal(ln->segments[k].lane, l);
            assert_string_equal(ln->segments[k].format, "mp4");
        }
    }
    assert_string_equal(rec->lanes[0].segments[0].url,
                        "http://1253488539.vod2.myqcloud.com/oM86K7X3Ig8b.mp4");
    assert_int_equal(rec->lanes[0].segments[0].size_bytes, 13151);
    assert_string_equal(rec->lanes[0].segments[0].video_id, "5285890781570653827");

    /* One inferred pause: at 900000 ms, 60000 ms long. */
    assert_false(rec->pauses_given);
    assert_int_equal(rec->n_pauses, 1);
    assert_true(rec->pauses[0].inferred);
    assert_int_equal(rec->pauses[0].video_us, 900000 * 1000LL);
    assert_int_equal(rec->pauses[0].resume_wall_us - rec->pauses[0].pause_wall_us, 60000 * 1000LL);
    assert_int_equal(rec->pauses[0].pause_wall_us, (1558613140000LL + 900000) * 1000LL);
    assert_int_equal(rec->unplaced_us, 0);
    recording_free(rec);
    diag_clear(&d);
    recording_free(NULL);
}

/* ---- fields ------------------------------------------------------------------- */

#define HDR                                                                                        \
    "'RoomId':1234,'RecordStartTime':1700000000,'RecordStopTime':1700000060,"                      \
    "'TotalTime':60000"
#define SEG(play, dur, user, type)                                                                 \
    "{'VideoPlayTime':" #play ",'VideoDuration':" #dur ",'UserId':'" user "','VideoType':" #type   \
    ",'VideoUrl':'media/" user #play ".mp4'}"

static void test_manifest_fields_and_urls(void **state)
{
    (void)state;
    struct diag_list d;
    diag_init(&d);
    struct recording *rec = NULL;
    int rc = parse_q(
        "{" HDR ",'Version':1,'TaskId':'t1','Status':'FINISHED',"
        "'GroupId':'g1','RecordUserId':'tic_record_user_1234_77',"
        "'ReplayUrl':'replay.json','Whiteboard':{'Width':1920,'Height':1080},"
        "'Messages':[{'Url':'im/messages-000.json'},{'Url':'https://h/p1.json'}],"
        "'OmittedDurations':[],"
        "'VideoInfos':[" SEG(
            0, 30000, "teacher_01",
            0) ","
               "{'VideoPlayTime':0,'VideoDuration':60000,'VideoType':1,"
               "'UserId':'tic_substream_teacher_01','VideoUrl':'../shared/s.mp4',"
               "'SyncTime':1700000000123,'Width':1280,'Height':720,'VideoSize':99},"
               "{'VideoPlayTime':0,'VideoDuration':60000,'VideoType':3,"
               "'UserId':'tic_mixstream_1234_2','VideoUrl':'http://cdn/m.mp4'},"
               "{'VideoPlayTime':0,'VideoDuration':60000,'VideoType':4,"
               "'UserId':'bob','VideoUrl':'a.mp3','VideoFormat':'mp3'},"
               "{'VideoPlayTime':0,'VideoDuration':60000,'VideoType':2,"
               "'UserId':null,'VideoUrl':'wb.mp4'}," SEG(30000, 30000, "teacher_01", 0) "]}",
        &d, &rec);
    dump(&d);
    assert_int_equal(rc, 0);
    assert_int_equal(d.errors + d.warnings, 0);
    assert_true(rec->is_manifest);
    assert_int_equal(rec->version, 1);
    assert_string_equal(rec->doc_name, "manifest.json");
    assert_string_equal(rec->task_id, "t1");
    assert_int_equal(rec->board_w, 1920);
    assert_int_equal(rec->board_h, 1080);
    assert_string_equal(rec->replay_url, "file:///data/class/replay.json");
    assert_int_equal(rec->n_message_pages, 2);
    assert_string_equal(rec->message_urls[0], "file:///data/class/im/messages-000.json");
    assert_string_equal(rec->message_urls[1], "https://h/p1.json");
    assert_true(rec->pauses_given);
    assert_int_equal(rec->n_pauses, 0);
    assert_int_equal(rec->show_chat, -1);
    assert_int_equal(rec->n_lanes, 5);
    const struct rec_lane *cam = &rec->lanes[0], *scr = &rec->lanes[1];
    assert_string_equal(cam->name, "teacher_01");
    assert_int_equal(cam->n_segments, 2);
    assert_string_equal(cam->segments[1].url, "file:///data/class/media/teacher_0130000.mp4");
    assert_int_equal(scr->kind, REC_LANE_SCREEN);
    assert_string_equal(scr->owner, "teacher_01");
    assert_string_equal(scr->name, "teacher_01 (screen)");
    assert_string_equal(scr->segments[0].url, "file:///data/shared/s.mp4");
    assert_true(scr->segments[0].has_sync_time);
    assert_int_equal(scr->segments[0].sync_time_us, 1700000000123LL * 1000LL);
    assert_int_equal(scr->segments[0].width, 1280);
    assert_int_equal(scr->segments[0].size_bytes, 99);
    assert_false(cam->segments[0].has_sync_time);
    assert_int_equal(cam->segments[0].size_bytes, -1);
    assert_string_equal(rec->lanes[2].name, "mixed stream");
    assert_string_equal(rec->lanes[2].segments[0].url, "http://cdn/m.mp4");
    assert_string_equal(rec->lanes[3].name, "bob (audio)");
    assert_string_equal(rec_lane_kind_name(rec->lanes[3].kind), "audio");
    assert_string_equal(rec->lanes[4].name, "whiteboard");
    assert_string_equal(rec->lanes[4].user_id, "");
    recording_free(rec);
    diag_clear(&d);
}

static void test_given_pauses_sorted(void **state)
{
    (void)state;
    struct diag_list d;
    diag_init(&d);
    struct recording *rec = NULL;
    assert_int_equal(parse_q("{'RecordStartTime':1000,'RecordStopTime':1090,'TotalTime':60000,"
                             "'OmittedDurations':["
                             "{'VideoTime':40000,'PauseTime':1050000,'ResumeTime':1060000},"
                             "{'VideoTime':20000,'PauseTime':1020000,'ResumeTime':1040000}],"
                             "'VideoInfos':[" SEG(0, 60000, "a", 0) "]}",
                             &d, &rec),
                     0);
    assert_int_equal(rec->n_pauses, 2);
    assert_int_equal(rec->pauses[0].video_us, 20000 * 1000LL);
    assert_int_equal(rec->pauses[1].video_us, 40000 * 1000LL);
    assert_false(rec->pauses[0].inferred);
    expect_diag(&d, DIAG_WARNING,
                "manifest.json: OmittedDurations: not in VideoTime order; sorted");
    assert_int_equal(d.warnings, 1);
    recording_free(rec);
    diag_clear(&d);
}

static void test_exact_message_from_issue(void **state)
{
    (void)state;
    struct diag_list d;
    diag_init(&d);
    struct recording *rec = NULL;
    assert_int_equal(
        parse_q(
            "{" HDR ",'VideoInfos':[" SEG(0, 1000, "a", 0) "," SEG(1000, 1000, "a", 0) "," SEG(
                2000, 1000, "a", 0) ","
                                    "{'VideoPlayTime':'3000','VideoDuration':1000,'VideoType':0,"
                                    "'UserId':'a','VideoUrl':'x'}]}",
            &d, &rec),
        0);
    assert_int_equal(d.errors, 1);
    assert_string_equal(d.items[0].text,
                        "manifest.json: VideoInfos[3].VideoPlayTime: expected integer, got string");
    assert_int_equal(rec->n_segments, 3); /* the bad one skipped, the rest kept */
    recording_free(rec);
    diag_clear(&d);
}

/* ---- every diagnostic ------------------------------------------------------- */

struct diag_case {
    const char *json;
    int rc;
    enum diag_level level;
    const char *text;
};

static const struct diag_case cases[] = {
    /* types and ranges */
    {"{" HDR ",'VideoInfos':[{'VideoPlayTime':0,'VideoDuration':1.5,'VideoType':0,"
     "'VideoUrl':'x'}]}",
     0, DIAG_ERROR, "manifest.json: VideoInfos[0].VideoDuration: expected integer, got 1.5"},
    {"{" HDR ",'VideoInfos':[{'VideoPlayTime':0,'VideoDuration':-5,'VideoType':0,"
     "'VideoUrl':'x'}]}",
     0, DIAG_ERROR, "manifest.json: VideoInfos[0].VideoDuration: must not be negative, got -5"},
    {"{" HDR ",'VideoInfos':[{'VideoPlayTime':1e300,'VideoDuration':5,'VideoType':0,"
     "'VideoUrl':'x'}]}",
     0, DIAG_ERROR, "manifest.json: VideoInfos[0].VideoPlayTime: expected integer, got 1e+300"},
    {"{" HDR ",'VideoInfos':[{'VideoDuration':5,'VideoType':0,'VideoUrl':'x'}]}", 0, DIAG_ERROR,
     "manifest.json: VideoInfos[0].VideoPlayTime: missing; segment skipped"},
    {"{" HDR ",'VideoInfos':[{'VideoPlayTime':0,'VideoDuration':5,'VideoUrl':'x'}]}", 0, DIAG_ERROR,
     "manifest.json: VideoInfos[0].VideoType: missing; segment skipped"},
    {"{" HDR ",'VideoInfos':[7]}", 0, DIAG_ERROR,
     "manifest.json: VideoInfos[0]: expected object, got number"},
    {"{" HDR ",'VideoInfos':{}}", 0, DIAG_ERROR,
     "manifest.json: VideoInfos: expected array, got object"},
    {"{" HDR "}", 0, DIAG_WARNING, "manifest.json: VideoInfos: missing; no media lanes"},
    {"{" HDR ",'VideoInfos':[{'VideoPlayTime':0,'VideoDuration':5,'VideoType':0,"
     "'UserId':3,'VideoUrl':'x'}]}",
     0, DIAG_ERROR, "manifest.json: VideoInfos[0].UserId: expected string, got number"},
    {"{" HDR ",'VideoInfos':[{'VideoPlayTime':0,'VideoDuration':5,'VideoType':0}]}", 0, DIAG_ERROR,
     "manifest.json: VideoInfos[0].VideoUrl: missing; the lane has no media here"},
    {"{" HDR ",'VideoInfos':[" SEG(0, 60000, "a", 9) "]}", 0, DIAG_WARNING,
     "manifest.json: VideoInfos[0].VideoType: unknown type 9 (0 to 4 are known)"},
    {"{" HDR ",'VideoInfos':[{'VideoPlayTime':0,'VideoDuration':5,'VideoType':0,"
     "'VideoUrl':'x','VideoSize':-1}]}",
     0, DIAG_ERROR, "manifest.json: VideoInfos[0].VideoSize: must not be negative, got -1"},
    /* the timeline */
    {"{" HDR ",'VideoInfos':[" SEG(0, 70000, "a", 0) "]}", 0, DIAG_WARNING,
     "manifest.json: VideoInfos[0]: ends at 70000 ms, past TotalTime 60000 ms; cut there"},
    {"{" HDR ",'VideoInfos':[" SEG(0, 60000, "a", 0) "," SEG(60000, 10, "b", 0) "]}", 0,
     DIAG_WARNING,
     "manifest.json: VideoInfos[1]: starts at 60000 ms, at or after TotalTime 60000 ms; "
     "never shown"},
    {"{" HDR ",'VideoInfos':[" SEG(0, 30000, "a", 0) "," SEG(20000, 40000, "a", 0) "]}", 0,
     DIAG_WARNING,
     "manifest.json: VideoInfos[1]: overlaps VideoInfos[0] in lane a (starts at 20000 ms, "
     "before that one ends at 30000 ms)"},
    {"{'RecordStopTime':1700000060,'TotalTime':60000,'VideoInfos':[]}", 0, DIAG_ERROR,
     "manifest.json: RecordStartTime: missing; wall-clock times are unknown"},
    {"{'RecordStartTime':1700000000,'RecordStopTime':1700000060,'VideoInfos':[" SEG(0, 45000, "a",
                                                                                    0) "]}",
     0, DIAG_ERROR, "manifest.json: TotalTime: missing; using the end of the last segment"},
    /* Unix ms where seconds belong: named, not read as year 51000 (which
       overflowed the timeline's range and broke w(t)'s inverse). */
    {"{'RecordStartTime':1558613440000,'RecordStopTime':1558613500,'TotalTime':0}", 0, DIAG_ERROR,
     "manifest.json: RecordStartTime: 1558613440000 is not Unix seconds (after year 9999); "
     "milliseconds?"},
    {"{'RecordStartTime':1558613440,'RecordStopTime':253402300800000,'TotalTime':0}", 0, DIAG_ERROR,
     "manifest.json: RecordStopTime: out of range: 253402300800000 (expected 0 to 253402300799)"},
    {"{" HDR ",'OmittedDurations':[{'VideoTime':1,'PauseTime':253402300800000,'ResumeTime':5}]}", 0,
     DIAG_ERROR, "PauseTime: out of range: 253402300800000 (expected 0 to 253402300799999)"},
    {"{'RecordStartTime':1700000000,'RecordStopTime':1699999000,'TotalTime':0}", 0, DIAG_ERROR,
     "manifest.json: RecordStopTime: 1699999000 is before RecordStartTime 1700000000"},
    {"{'RecordStartTime':1700000000,'TotalTime':0,'VideoInfos':[]}", 0, DIAG_WARNING,
     "manifest.json: RecordStopTime: missing; pauses cannot be found"},
    {"{'RecordStartTime':1700000000,'RecordStopTime':1700000060,'TotalTime':90000,"
     "'VideoInfos':[]}",
     0, DIAG_WARNING,
     "manifest.json: TotalTime: 90000 ms is longer than RecordStopTime - RecordStartTime "
     "(60000 ms)"},
    /* 20 s of wall time too many, but lane a runs across every boundary */
    {"{'RecordStartTime':1700000000,'RecordStopTime':1700000080,'TotalTime':60000,"
     "'VideoInfos':[" SEG(0, 60000, "a", 0) "," SEG(0, 30000, "b", 0) "," SEG(30000, 30000, "b",
                                                                              0) "]}",
     0, DIAG_WARNING,
     "manifest.json: RecordStopTime - RecordStartTime is 20000 ms longer than TotalTime, but "
     "no playback time has every lane ending and restarting; the pause cannot be placed"},
    {"{'RecordStartTime':1700000000,'RecordStopTime':1700000080,'TotalTime':60000,"
     "'VideoInfos':[" SEG(0, 20000, "a", 0) "," SEG(20000, 20000, "a", 0) "," SEG(40000, 20000, "a",
                                                                                  0) "]}",
     0, DIAG_WARNING,
     "manifest.json: 2 playback times could hold the 20000 ms of pause (first 20000 ms, last "
     "40000 ms); placed at the first"},
    /* OmittedDurations */
    {"{" HDR ",'OmittedDurations':[{'VideoTime':1,'PauseTime':9,'ResumeTime':5}]}", 0, DIAG_ERROR,
     "manifest.json: OmittedDurations[0]: ResumeTime 5 is before PauseTime 9; "
     "pause skipped"},
    {"{" HDR ",'OmittedDurations':[{'VideoTime':1,'PauseTime':9}]}", 0, DIAG_ERROR,
     "manifest.json: OmittedDurations[0].ResumeTime: missing; pause skipped"},
    {"{" HDR ",'OmittedDurations':['x']}", 0, DIAG_ERROR,
     "manifest.json: OmittedDurations[0]: expected object, got string"},
    {"{" HDR ",'OmittedDurations':[{'VideoTime':1000,'PauseTime':1700000001000,"
     "'ResumeTime':1700000031000}]}",
     0, DIAG_WARNING,
     "manifest.json: OmittedDurations: RecordStopTime - RecordStartTime is 60000 ms, but "
     "TotalTime plus the pauses is 90000 ms"},
    {"{" HDR ",'OmittedDurations':[{'VideoTime':70000,'PauseTime':1,'ResumeTime':1}]}", 0,
     DIAG_WARNING,
     "manifest.json: OmittedDurations: pause at VideoTime 70000 ms is past "
     "TotalTime 60000 ms"},
    {"{" HDR ",'OmittedDurations':[{'VideoTime':10,'PauseTime':100,'ResumeTime':200},"
     "{'VideoTime':20,'PauseTime':150,'ResumeTime':160}]}",
     0, DIAG_WARNING,
     "manifest.json: OmittedDurations: pause at VideoTime 20 ms begins (PauseTime 150) before "
     "the previous pause resumes (200)"},
    /* status */
    {"{" HDR ",'Status':'STOPPED'}", SP_ENOTREADY, DIAG_ERROR,
     "manifest.json: Status: STOPPED: recording has stopped and the result is still being "
     "processed; try again later"},
    {"{" HDR ",'Status':'PREPARED'}", SP_ENOTREADY, DIAG_ERROR,
     "manifest.json: Status: PREPARED: the recording task was created but has not started"},
    {"{" HDR ",'Status':'RECORDING'}", SP_ENOTREADY, DIAG_ERROR,
     "manifest.json: Status: RECORDING: the class is still being recorded"},
    {"{" HDR ",'Status':'PAUSED'}", SP_ENOTREADY, DIAG_ERROR,
     "manifest.json: Status: PAUSED: recording is paused and the class is not over"},
    {"{" HDR ",'Status':'DONE'}", SP_ENOTREADY, DIAG_ERROR,
     "manifest.json: Status: DONE: unknown status (expected FINISHED)"},
    {"{" HDR ",'FinishReason':'EXCEPTION'}", 0, DIAG_WARNING,
     "manifest.json: FinishReason: EXCEPTION: recording stopped because of an error"},
    {"{" HDR ",'FinishReason':'FORCE_STOP'}", 0, DIAG_WARNING,
     "manifest.json: FinishReason: FORCE_STOP: the service stopped the recording"},
    {"{" HDR ",'FinishReason':'AUTO'}", 0, DIAG_INFO,
     "manifest.json: FinishReason: AUTO: stopped after 5 min without audio, video or board"},
    {"{" HDR ",'FinishReason':'WHY'}", 0, DIAG_WARNING,
     "manifest.json: FinishReason: unknown value 'WHY'"},
    {"{" HDR ",'ExceptionCnt':3}", 0, DIAG_WARNING,
     "manifest.json: ExceptionCnt: 3 exceptions while recording; parts may be missing"},
    {"{" HDR ",'Interrupts':[{'UserId':'bob','Count':2}]}", 0, DIAG_INFO,
     "manifest.json: Interrupts: bob: stream interrupted 2 time(s)"},
    {"{" HDR ",'Interrupts':[{'UserId':'bob','Count':'2'}]}", 0, DIAG_ERROR,
     "manifest.json: Interrupts[0].Count: expected integer, got string"},
    {"{" HDR ",'RecordUserId':'tic_record_user_99_1'}", 0, DIAG_WARNING,
     "manifest.json: RecordUserId: 'tic_record_user_99_1' does not look like "
     "tic_record_user_1234_<random>"},
    {"{" HDR ",'RecordUserId':'tic_record_user_1234_'}", 0, DIAG_WARNING,
     "manifest.json: RecordUserId: 'tic_record_user_1234_' does not look like"},
    {"{'RecordStartTime':1,'RecordStopTime':1,'TotalTime':0,'RecordUserId':'x'}", 0, DIAG_WARNING,
     "manifest.json: RecordUserId: 'x' does not look like "
     "tic_record_user_<RoomId>_<random>"},
    /* manifest parts */
    {"{" HDR ",'Version':2}", 0, DIAG_WARNING,
     "manifest.json: Version: 2 is newer than this player knows (1); reading what it can"},
    {"{" HDR ",'Version':'1'}", 0, DIAG_ERROR,
     "manifest.json: Version: expected integer, got string"},
    {"{" HDR ",'Whiteboard':[]}", 0, DIAG_ERROR,
     "manifest.json: Whiteboard: expected object, got array"},
    {"{" HDR ",'Whiteboard':{'Width':0,'Height':960}}", 0, DIAG_ERROR,
     "manifest.json: Whiteboard.Width: out of range: 0 (expected 1 to 65536)"},
    {"{" HDR ",'Whiteboard':{'Width':1280}}", 0, DIAG_WARNING,
     "manifest.json: Whiteboard: needs both Width and Height; using 1280x960"},
    {"{" HDR ",'Messages':[5]}", 0, DIAG_ERROR,
     "manifest.json: Messages[0]: expected object, got number"},
    {"{" HDR ",'Messages':[{'Url':'a.json'},{}]}", 0, DIAG_ERROR,
     "manifest.json: Messages[1].Url: missing; page skipped"},
    {"{" HDR ",'Messages':'im/'}", 0, DIAG_ERROR,
     "manifest.json: Messages: expected array, got string"},
    /* whole-document failures */
    {"{\n  'a': }", SP_EPARSE, DIAG_ERROR, "manifest.json: not valid JSON (line 2, column"},
    {"{} x", SP_EPARSE, DIAG_ERROR, "manifest.json: not valid JSON (line 1, column 3)"},
    {"[1,2]", SP_EPARSE, DIAG_ERROR, "manifest.json: expected a JSON object at the top, got array"},
    {"  \n", SP_EPARSE, DIAG_ERROR, "manifest.json: empty document (expected a JSON object)"},
};

static void test_every_diagnostic(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct diag_list d;
        diag_init(&d);
        struct recording *rec = NULL;
        int rc = parse_q(cases[i].json, &d, &rec);
        if (rc != cases[i].rc) {
            dump(&d);
            fail_msg("case %zu: rc %d, want %d", i, rc, cases[i].rc);
        }
        /* Only whole-document failures leave no recording. */
        if ((rc == 0 || rc == SP_ENOTREADY) != (rec != NULL))
            fail_msg("case %zu: rc %d but recording %p", i, rc, (void *)rec);
        expect_diag(&d, cases[i].level, cases[i].text);
        recording_free(rec);
        diag_clear(&d);
    }
}

static void test_valid_record_user_id_is_quiet(void **state)
{
    (void)state;
    struct diag_list d;
    diag_init(&d);
    struct recording *rec = NULL;
    assert_int_equal(parse_q("{" HDR ",'RecordUserId':'tic_record_user_1234_100',"
                             "'VideoInfos':[" SEG(0, 60000, "a", 0) "]}",
                             &d, &rec),
                     0);
    dump(&d);
    assert_int_equal(d.count, 0);
    assert_string_equal(rec->record_user_id, "tic_record_user_1234_100");
    recording_free(rec);
    diag_clear(&d);
}

static void test_long_string(void **state)
{
    (void)state;
    size_t n = MANIFEST_MAX_STRING + 10;
    char *json = malloc(n + 200);
    int off = sprintf(json, "{\"RecordStartTime\":1,\"TotalTime\":0,\"GroupId\":\"");
    memset(json + off, 'g', n);
    strcpy(json + off + n, "\"}");
    struct diag_list d;
    diag_init(&d);
    struct recording *rec = NULL;
    assert_int_equal(manifest_parse(json, strlen(json), DOC, &d, &rec), 0);
    expect_diag(&d, DIAG_ERROR, "manifest.json: GroupId: longer than the limit of 65536 bytes");
    assert_string_equal(rec->group_id, "");
    recording_free(rec);
    diag_clear(&d);
    free(json);
}

/* ---- caps and junk ---------------------------------------------------------- */

/* {"<key>":[<item>,<item>,...]} with count items. */
static char *repeat_doc(const char *key, const char *item, size_t count)
{
    size_t il = strlen(item);
    size_t cap = count * (il + 1) + strlen(key) + 64;
    char *s = malloc(cap);
    assert_non_null(s);
    size_t o = (size_t)sprintf(s, "{\"TotalTime\":0,\"RecordStartTime\":1,\"%s\":[", key);
    for (size_t i = 0; i < count; i++) {
        if (i)
            s[o++] = ',';
        memcpy(s + o, item, il);
        o += il;
    }
    strcpy(s + o, "]}");
    return s;
}

static void test_count_caps(void **state)
{
    (void)state;
    static const struct {
        const char *key, *item;
        size_t count;
        const char *text;
    } caps[] = {
        {"VideoInfos", "{}", MANIFEST_MAX_SEGMENTS + 1,
         "manifest.json: VideoInfos: 100001 entries, more than the limit of 100000; reading "
         "the first 100000"},
        {"Messages", "{\"Url\":\"p.json\"}", MANIFEST_MAX_MESSAGE_PAGES + 1,
         "manifest.json: Messages: 200001 entries, more than the limit of 200000; reading the "
         "first 200000"},
        {"OmittedDurations", "{\"VideoTime\":0,\"PauseTime\":0,\"ResumeTime\":0}",
         MANIFEST_MAX_PAUSES + 1,
         "manifest.json: OmittedDurations: 10001 entries, more than the limit of 10000"},
        {"Interrupts", "{\"UserId\":\"u\",\"Count\":0}", MANIFEST_MAX_INTERRUPTS + 1,
         "manifest.json: Interrupts: 10001 entries, more than the limit of 10000"},
    };
    for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
        char *json = repeat_doc(caps[i].key, caps[i].item, caps[i].count);
        struct diag_list d;
        diag_init(&d);
        struct recording *rec = NULL;
        assert_int_equal(manifest_parse(json, strlen(json), DOC, &d, &rec), 0);
        expect_diag(&d, DIAG_ERROR, caps[i].text);
        if (i == 1)
            assert_int_equal(rec->n_message_pages, MANIFEST_MAX_MESSAGE_PAGES);
        recording_free(rec);
        diag_clear(&d);
        free(json);
    }
}

/* A real two-hour class lists about 10,600 pages (20 messages a page): every
 * one is read, in order, without a word. The old cap of 10,000 dropped the
 * last 623 of them, and the board and chat of the class's last minutes. */
static void test_two_hour_class_pages_all_read(void **state)
{
    (void)state;
    enum { PAGES = 10623 };
    size_t cap = (size_t)PAGES * 40 + 128;
    char *json = malloc(cap);
    assert_non_null(json);
    size_t o = (size_t)sprintf(json, "{\"TotalTime\":0,\"RecordStartTime\":1,\"Messages\":[");
    for (int i = 0; i < PAGES; i++)
        o += (size_t)sprintf(json + o, "%s{\"Url\":\"im/m%05d.json\"}", i ? "," : "", i);
    strcpy(json + o, "]}");
    struct diag_list d;
    diag_init(&d);
    struct recording *rec = NULL;
    assert_int_equal(manifest_parse(json, strlen(json), DOC, &d, &rec), 0);
    assert_false(diag_contains(&d, "Messages")); /* (the lanes' absence is said, not this) */
    assert_int_equal(rec->n_message_pages, PAGES);
    assert_string_equal(rec->message_urls[0], "file:///data/class/im/m00000.json");
    assert_string_equal(rec->message_urls[PAGES - 1], "file:///data/class/im/m10622.json");
    recording_free(rec);
    diag_clear(&d);
    free(json);
}

/* A junk document fails with exactly one error and no recording. */
static void expect_one_failure(const char *buf, size_t len, int want_rc, const char *text)
{
    struct diag_list d;
    diag_init(&d);
    struct recording *rec = (struct recording *)1;
    assert_int_equal(manifest_parse(buf, len, DOC, &d, &rec), want_rc);
    assert_null(rec);
    assert_int_equal(d.count, 1);
    assert_int_equal(d.errors, 1);
    expect_diag(&d, DIAG_ERROR, text);
    diag_clear(&d);
}

static void test_ten_megabytes_of_junk(void **state)
{
    (void)state;
    size_t n = 10u << 20;
    char *buf = malloc(n);
    assert_non_null(buf);
    /* Random bytes (a fixed LCG, so the test is the same every run). */
    uint32_t x = 12345;
    for (size_t i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u;
        buf[i] = (char)(x >> 16);
    }
    expect_one_failure(buf, n, SP_EPARSE, "manifest.json: not valid JSON (line 1, column 1)");
    /* Deep nesting, and an array at the top: refused at the first byte. */
    memset(buf, '[', n);
    expect_one_failure(buf, n, SP_EPARSE,
                       "manifest.json: expected a JSON object at the top, got array");
    /* Valid JSON, millions of tiny values: refused before any is built. */
    memcpy(buf, "{\"a\":[", 6);
    for (size_t i = 6; i + 2 < n; i += 2) {
        buf[i] = '1';
        buf[i + 1] = ',';
    }
    memcpy(buf + n - 3, "1]}", 3);
    expect_one_failure(buf, n, SP_ELIMIT,
                       "manifest.json: more than 2000000 JSON values, over the limit");
    /* Objects nested deeper than cJSON allows. */
    size_t deep = 100000; /* 20000 levels, past cJSON's limit of 1000 */
    for (size_t i = 0; i + 5 <= deep; i += 5)
        memcpy(buf + i, "{\"a\":", 5);
    expect_one_failure(buf, deep, SP_EPARSE, "manifest.json: not valid JSON (line 1, column");
    /* One huge string in an object: parses, then is refused field by field. */
    memset(buf, 'z', n);
    memcpy(buf, "{\"GroupId\":\"", 12);
    memcpy(buf + n - 2, "\"}", 2);
    struct diag_list d;
    diag_init(&d);
    struct recording *rec = NULL;
    assert_int_equal(manifest_parse(buf, n, DOC, &d, &rec), 0);
    expect_diag(&d, DIAG_ERROR, "manifest.json: GroupId: longer than the limit");
    recording_free(rec);
    diag_clear(&d);
    free(buf);
}

static void test_not_nul_terminated(void **state)
{
    (void)state;
    /* The reader honours len: a valid prefix of a longer buffer. */
    const char *s = "{\"TotalTime\":5,\"RecordStartTime\":1}GARBAGE";
    struct diag_list d;
    diag_init(&d);
    struct recording *rec = NULL;
    assert_int_equal(manifest_parse(s, 35, NULL, &d, &rec), 0);
    assert_int_equal(rec->total_us, 5 * 1000LL);
    assert_string_equal(rec->doc_name, "manifest");
    recording_free(rec);
    diag_clear(&d);
    assert_int_equal(manifest_parse(NULL, 0, NULL, &d, &rec), SP_EINVAL);
}

/* ---- manifest_open ------------------------------------------------------------ */

static void write_tmp(const char *name, const char *json_q)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s", SIGPLAY_TEST_TMP, name);
    char *json = q(json_q);
    assert_int_equal(sp_write_file_atomic(path, json, strlen(json)), 0);
    free(json);
}

static char *tmp_path(const char *name)
{
    char *p = malloc(1024);
    snprintf(p, 1024, "%s/%s", SIGPLAY_TEST_TMP, name);
    return p;
}

#define REPLAY_Q                                                                                   \
    "{" HDR                                                                                        \
    ",'Version':1,'Messages':[{'Url':'im/m0.json'}],'VideoInfos':[" SEG(0, 60000, "t", 0) "]}"

static void test_open_paths_and_errors(void **state)
{
    (void)state;
    struct diag_list d;
    diag_init(&d);
    struct recording *rec = NULL;
    assert_int_equal(manifest_open(SIGPLAY_TEST_DATA "/seed-result.json", NULL, NULL, &d, &rec), 0);
    assert_int_equal(rec->n_segments, 6);
    assert_string_equal(rec->doc_name, "seed-result.json");
    assert_true(strncmp(rec->doc_url, "file:///", 8) == 0);
    recording_free(rec);

    assert_int_equal(manifest_open(SIGPLAY_TEST_TMP "/no-such.json", NULL, NULL, &d, &rec),
                     SP_ENOENT);
    assert_null(rec);
    expect_diag(&d, DIAG_ERROR, "/no-such.json: cannot read: no such file");

    assert_int_equal(manifest_open("https://cos.example.com/r/replay.json", NULL, NULL, &d, &rec),
                     SP_EUNSUPPORTED);
    expect_diag(&d, DIAG_ERROR, "https://cos.example.com/r/replay.json: needs network support");

    assert_int_equal(manifest_open("ftp://h/r.json", NULL, NULL, &d, &rec), SP_EUNSUPPORTED);
    expect_diag(&d, DIAG_ERROR, "ftp://h/r.json: unsupported URL scheme");

    assert_int_equal(manifest_open("", NULL, NULL, &d, &rec), SP_EINVAL);
    expect_diag(&d, DIAG_ERROR, "no source given");

    assert_int_equal(manifest_open("https://sdk.example.com/web/replay/index.html?url=&"
                                   "showChatMessages=1",
                                   NULL, NULL, &d, &rec),
                     SP_EINVAL);
    expect_diag(&d, DIAG_ERROR, "url: the player link names no replay URL");

    struct manifest_open_opts small = {0, 100};
    assert_int_equal(manifest_open(SIGPLAY_TEST_DATA "/seed-result.json", NULL, &small, &d, &rec),
                     SP_ELIMIT);
    expect_diag(&d, DIAG_ERROR, "seed-result.json: larger than the limit of 100 bytes");
    diag_clear(&d);
}

static void test_open_follows_replay_url(void **state)
{
    (void)state;
    write_tmp("mo-replay.json", REPLAY_Q);
    write_tmp("mo-callback.json", "{" HDR ",'Status':'FINISHED','ReplayUrl':'mo-replay.json',"
                                  "'VideoInfos':[" SEG(0, 60000, "t", 0) "]}");
    struct diag_list d;
    diag_init(&d);
    struct recording *rec = NULL;
    char *cb = tmp_path("mo-callback.json");
    assert_int_equal(manifest_open(cb, NULL, NULL, &d, &rec), 0);
    dump(&d);
    assert_int_equal(d.count, 0);
    assert_string_equal(rec->doc_name, "mo-replay.json");
    assert_true(rec->is_manifest);
    assert_int_equal(rec->n_message_pages, 1);
    recording_free(rec);

    /* A ReplayUrl that cannot be read: the result itself, with an error. */
    write_tmp("mo-broken.json",
              "{" HDR ",'ReplayUrl':'mo-missing.json','VideoInfos':[" SEG(0, 60000, "t", 0) "]}");
    char *broken = tmp_path("mo-broken.json");
    assert_int_equal(manifest_open(broken, NULL, NULL, &d, &rec), 0);
    assert_string_equal(rec->doc_name, "mo-broken.json");
    expect_diag(&d, DIAG_ERROR, "mo-missing.json: cannot read: no such file");
    expect_diag(&d, DIAG_ERROR,
                "mo-broken.json: ReplayUrl: the replay manifest could not be "
                "read; using this result's media alone");
    recording_free(rec);
    diag_clear(&d);

    /* Not ready: not followed. */
    write_tmp("mo-stopped.json", "{" HDR ",'Status':'STOPPED','ReplayUrl':'mo-replay.json'}");
    char *stopped = tmp_path("mo-stopped.json");
    assert_int_equal(manifest_open(stopped, NULL, NULL, &d, &rec), SP_ENOTREADY);
    assert_string_equal(rec->doc_name, "mo-stopped.json");
    expect_diag(&d, DIAG_ERROR, "Status: STOPPED");
    recording_free(rec);
    diag_clear(&d);

    /* A loop of two results; a result naming itself. */
    write_tmp("mo-a.json", "{" HDR ",'ReplayUrl':'mo-b.json'}");
    write_tmp("mo-b.json", "{" HDR ",'ReplayUrl':'./mo-a.json'}");
    write_tmp("mo-self.json", "{" HDR ",'VideoInfos':[],'ReplayUrl':'mo-self.json'}");
    char *a = tmp_path("mo-a.json"), *self = tmp_path("mo-self.json");
    assert_int_equal(manifest_open(a, NULL, NULL, &d, &rec), 0);
    assert_string_equal(rec->doc_name, "mo-b.json");
    expect_diag(&d, DIAG_WARNING,
                "mo-b.json: ReplayUrl: points back to a document already read; stopped here");
    recording_free(rec);
    diag_clear(&d);
    assert_int_equal(manifest_open(self, NULL, NULL, &d, &rec), 0);
    assert_int_equal(d.count, 0);
    recording_free(rec);

    /* A long chain stops at the hop limit. */
    for (int i = 0; i < 6; i++) {
        char name[32], body[256];
        snprintf(name, sizeof(name), "mo-chain%d.json", i);
        snprintf(body, sizeof(body), "{" HDR ",'ReplayUrl':'mo-chain%d.json'}", i + 1);
        write_tmp(name, body);
    }
    char *chain = tmp_path("mo-chain0.json");
    struct manifest_open_opts opts = {3, 0};
    assert_int_equal(manifest_open(chain, NULL, &opts, &d, &rec), 0);
    assert_string_equal(rec->doc_name, "mo-chain2.json");
    expect_diag(&d, DIAG_WARNING,
                "mo-chain2.json: ReplayUrl: more than 3 documents chained; stopped here");
    recording_free(rec);
    diag_clear(&d);
    free(cb);
    free(broken);
    free(stopped);
    free(a);
    free(self);
    free(chain);
}

/* A loader serving a few https documents from memory. */
struct fake_doc {
    const char *url;
    const char *json_q;
};

static const struct fake_doc fake_docs[] = {
    {"https://cos.example.com/r/cb.json",
     "{" HDR ",'ReplayUrl':'replay.json','VideoInfos':[" SEG(0, 60000, "t", 0) "]}"},
    {"https://cos.example.com/r/replay.json", REPLAY_Q},
};

static int fake_get(void *opaque, const char *url, size_t max_bytes, char **data, size_t *len,
                    struct diag_list *diag)
{
    int *calls = opaque;
    (*calls)++;
    for (size_t i = 0; i < sizeof(fake_docs) / sizeof(fake_docs[0]); i++) {
        if (!strcmp(url, fake_docs[i].url)) {
            *data = q(fake_docs[i].json_q);
            *len = strlen(*data);
            assert_true(*len <= max_bytes);
            return 0;
        }
    }
    if (url_kind(url) == URL_KIND_FILE)
        return sp_loader_local()->get(NULL, url, max_bytes, data, len, diag);
    *data = NULL;
    *len = 0;
    diag_add(diag, DIAG_ERROR, "%s: HTTP 404", url);
    return SP_EHTTP;
}

static void test_open_player_link_over_a_loader(void **state)
{
    (void)state;
    int calls = 0;
    struct sp_loader fake = {fake_get, &calls};
    struct diag_list d;
    diag_init(&d);
    struct recording *rec = NULL;
    const char *link = "https://sdk.qcloudtiw.com/web/replay/index.html?"
                       "url=https%3A%2F%2Fcos.example.com%2Fr%2Fcb.json&showChatMessages=1";
    assert_int_equal(manifest_open(link, &fake, NULL, &d, &rec), 0);
    dump(&d);
    assert_int_equal(d.count, 0);
    assert_int_equal(calls, 2);
    assert_int_equal(rec->show_chat, 1);
    assert_string_equal(rec->doc_url, "https://cos.example.com/r/replay.json");
    assert_string_equal(rec->lanes[0].segments[0].url, "https://cos.example.com/r/media/t0.mp4");
    assert_string_equal(rec->message_urls[0], "https://cos.example.com/r/im/m0.json");
    recording_free(rec);

    /* showChatMessages=0, and a relative url= taken against the link. */
    assert_int_equal(manifest_open("https://cos.example.com/r/index.html?url=replay.json&"
                                   "showChatMessages=0",
                                   &fake, NULL, &d, &rec),
                     0);
    assert_int_equal(rec->show_chat, 0);
    assert_string_equal(rec->doc_url, "https://cos.example.com/r/replay.json");
    recording_free(rec);

    assert_int_equal(manifest_open("https://cos.example.com/r/gone.json", &fake, NULL, &d, &rec),
                     SP_EHTTP);
    expect_diag(&d, DIAG_ERROR, "https://cos.example.com/r/gone.json: HTTP 404");

    /* A file:// link page works the same way. */
    write_tmp("mo-link-replay.json", REPLAY_Q);
    char *p = tmp_path("mo-link-replay.json"), *u = NULL, *enc = NULL;
    assert_int_equal(url_from_path(p, &u), 0);
    enc = malloc(strlen(u) * 3 + 1);
    char *o = enc;
    for (const char *s = u; *s; s++)
        o += (*s == ':' || *s == '/') ? sprintf(o, "%%%02X", (unsigned char)*s)
                                      : sprintf(o, "%c", *s);
    char link2[4096];
    snprintf(link2, sizeof(link2),
             "file:///opt/web/replay/index.html?url=%s&"
             "showChatMessages=1",
             enc);
    assert_int_equal(manifest_open(link2, NULL, NULL, &d, &rec), 0);
    assert_string_equal(rec->doc_name, "mo-link-replay.json");
    assert_int_equal(rec->show_chat, 1);
    recording_free(rec);
    free(p);
    free(u);
    free(enc);
    diag_clear(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seed_example),
        cmocka_unit_test(test_manifest_fields_and_urls),
        cmocka_unit_test(test_given_pauses_sorted),
        cmocka_unit_test(test_exact_message_from_issue),
        cmocka_unit_test(test_every_diagnostic),
        cmocka_unit_test(test_valid_record_user_id_is_quiet),
        cmocka_unit_test(test_long_string),
        cmocka_unit_test(test_count_caps),
        cmocka_unit_test(test_two_hour_class_pages_all_read),
        cmocka_unit_test(test_ten_megabytes_of_junk),
        cmocka_unit_test(test_not_nul_terminated),
        cmocka_unit_test(test_open_paths_and_errors),
        cmocka_unit_test(test_open_follows_replay_url),
        cmocka_unit_test(test_open_player_link_over_a_loader),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
