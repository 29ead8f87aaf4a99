/* test_offsets_file.c - the sync-corrections file (player/recording/offsets.h,
 * format section 8): reading, bad input (one line, file, field, reason, with
 * a code), matching by VideoId and by UserId + VideoPlayTime, stale and
 * duplicate entries, the writer (reads back the same, atomically written)
 * and the default path (next to a local manifest; in the cache by URL). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/diag.h"
#include "base/sp_error.h"
#include "base/sp_file.h"
#include "player/net/cache.h"
#include "player/recording/manifest.h"
#include "player/recording/offsets.h"

static const char REC[] =
    "{\"RecordStartTime\":1700000000,\"RecordStopTime\":1700000100,\"TotalTime\":600000,"
    "\"VideoInfos\":["
    "{\"UserId\":\"teacher_01\",\"VideoType\":0,\"VideoId\":\"11\",\"VideoPlayTime\":0,"
    "\"VideoDuration\":300000,\"VideoUrl\":\"a.mp4\"},"
    "{\"UserId\":\"teacher_01\",\"VideoType\":0,\"VideoId\":\"12\",\"VideoPlayTime\":300000,"
    "\"VideoDuration\":300000,\"VideoUrl\":\"b.mp4\"},"
    "{\"UserId\":\"pc_test1\",\"VideoType\":0,\"VideoPlayTime\":300000,"
    "\"VideoDuration\":300000,\"VideoUrl\":\"c.mp4\"}]}";

static struct recording *rec_new(void)
{
    struct recording *r = NULL;
    assert_int_equal(manifest_parse(REC, sizeof REC - 1, NULL, NULL, &r), 0);
    assert_int_equal(r->n_lanes, 2);
    assert_int_equal(r->n_segments, 3);
    return r;
}

static struct rec_offsets *parse(const char *json, struct diag_list *d, int want_rc)
{
    struct rec_offsets *o = NULL;
    assert_int_equal(offsets_parse(json, strlen(json), "x.offsets.json", d, &o), want_rc);
    return o;
}

/* The one diagnostic of d, with its level and code. */
static const char *only(const struct diag_list *d, enum diag_level level, enum diag_code code)
{
    assert_int_equal(d->count, 1);
    assert_int_equal(d->items[0].level, level);
    assert_int_equal(d->items[0].code, code);
    return d->items[0].text;
}

static void test_read_and_match(void **state)
{
    (void)state;
    struct recording *rec = rec_new();
    struct diag_list d = {0};
    struct rec_offsets *o =
        parse("{\"Version\":1,\"Source\":\"https://x/replay.json\",\"Offsets\":["
              "{\"VideoId\":\"12\",\"UserId\":\"teacher_01\",\"VideoPlayTime\":300000,"
              "\"OffsetMs\":-320},"
              "{\"UserId\":\"pc_test1\",\"VideoPlayTime\":300000,\"OffsetMs\":66.667}]}",
              &d, 0);
    assert_int_equal(d.count, 0);
    assert_string_equal(o->source, "https://x/replay.json");
    assert_int_equal(o->n, 2);
    assert_int_equal(o->entries[0].offset_us, -320000);
    assert_int_equal(o->entries[1].offset_us, 66667); /* fractions kept to the µs */
    int64_t seg[3] = {0, 0, 0};
    assert_int_equal(offsets_match(o, rec, "x.offsets.json", seg, &d), 2);
    assert_int_equal(d.count, 0);
    /* flat order: teacher_01's two segments, then pc_test1's */
    assert_int_equal(seg[0], 0);
    assert_int_equal(seg[1], -320000);
    assert_int_equal(seg[2], 66667);
    assert_int_equal(offsets_flat_index(rec, 1, 0), 2);
    assert_int_equal(offsets_flat_index_of(rec, &rec->lanes[0].segments[1]), 1);
    offsets_free(o);
    offsets_free(NULL);
    diag_clear(&d);
    recording_free(rec);
}

static void test_stale_and_duplicate(void **state)
{
    (void)state;
    struct recording *rec = rec_new();
    struct diag_list d = {0};
    /* a VideoId that matches nothing falls back to UserId + VideoPlayTime */
    struct rec_offsets *o = parse("{\"Offsets\":[{\"VideoId\":\"999\",\"OffsetMs\":5},"
                                  "{\"VideoId\":\"998\",\"UserId\":\"pc_test1\","
                                  "\"VideoPlayTime\":300000,\"OffsetMs\":7}]}",
                                  &d, 0);
    int64_t seg[3] = {0, 0, 0};
    assert_int_equal(offsets_match(o, rec, "x.offsets.json", seg, &d), 1);
    assert_string_equal(only(&d, DIAG_WARNING, DIAG_CODE_OFFSETS_STALE),
                        "x.offsets.json: Offsets[0]: no segment with VideoId 999 in this "
                        "recording; stale entry ignored");
    assert_int_equal(seg[2], 7000);
    offsets_free(o);
    diag_clear(&d);
    o = parse("{\"Offsets\":[{\"VideoId\":\"11\",\"OffsetMs\":1},{\"VideoId\":\"11\","
              "\"OffsetMs\":2}]}",
              &d, 0);
    memset(seg, 0, sizeof seg);
    assert_int_equal(offsets_match(o, rec, "x.offsets.json", seg, &d), 1);
    assert_non_null(strstr(only(&d, DIAG_WARNING, DIAG_CODE_OFFSETS_BAD), "this one wins"));
    assert_int_equal(seg[0], 2000);
    offsets_free(o);
    diag_clear(&d);
    recording_free(rec);
}

static void test_bad_input(void **state)
{
    (void)state;
    static const struct {
        const char *json;
        const char *line;
    } bad[] = {
        {"{\"Offsets\":[{\"VideoId\":5,\"OffsetMs\":1}]}",
         "x.offsets.json: Offsets[0].VideoId: expected string, got number; entry skipped"},
        {"{\"Offsets\":[{\"VideoId\":\"1\"}]}",
         "x.offsets.json: Offsets[0].OffsetMs: missing; entry skipped"},
        {"{\"Offsets\":[{\"VideoId\":\"1\",\"OffsetMs\":\"-3\"}]}",
         "x.offsets.json: Offsets[0].OffsetMs: expected a number of ms within +-600000, got "
         "string; entry skipped"},
        {"{\"Offsets\":[{\"VideoId\":\"1\",\"OffsetMs\":700000}]}",
         "x.offsets.json: Offsets[0].OffsetMs: expected a number of ms within +-600000, got "
         "one out of range; entry skipped"},
        {"{\"Offsets\":[{\"UserId\":\"a\",\"VideoPlayTime\":1.5,\"OffsetMs\":1}]}",
         "x.offsets.json: Offsets[0].VideoPlayTime: expected whole ms >= 0, got a number out "
         "of range; entry skipped"},
        {"{\"Offsets\":[{\"UserId\":\"a\",\"OffsetMs\":1}]}",
         "x.offsets.json: Offsets[0]: names no segment (needs VideoId, or UserId and "
         "VideoPlayTime); entry skipped"},
        {"{\"Offsets\":[3]}", "x.offsets.json: Offsets[0]: expected object, got number; entry "
                              "skipped"},
        {"{\"Offsets\":{}}", "x.offsets.json: Offsets: expected array, got object; no "
                             "corrections"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct diag_list d = {0};
        struct rec_offsets *o = parse(bad[i].json, &d, 0);
        assert_int_equal(o->n, 0);
        assert_string_equal(only(&d, DIAG_WARNING, DIAG_CODE_OFFSETS_BAD), bad[i].line);
        offsets_free(o);
        diag_clear(&d);
    }
    /* not an object: one error, nothing returned */
    struct diag_list d = {0};
    assert_null(parse("[1, 2", &d, SP_EPARSE));
    assert_string_equal(only(&d, DIAG_ERROR, DIAG_CODE_OFFSETS_BAD),
                        "x.offsets.json: not a JSON object; no corrections applied");
    diag_clear(&d);
    assert_null(parse("{\"Offsets\":[{\"VideoId\":\"a\\u0000b\",\"OffsetMs\":1}]}", &d, SP_EPARSE));
    assert_int_equal(d.errors, 1);
    diag_clear(&d);
    /* a missing file says nothing (the default file usually is absent) */
    struct rec_offsets *o = NULL;
    assert_int_equal(offsets_read(SIGPLAY_TEST_TMP "/no-such.offsets.json", &d, &o), SP_ENOENT);
    assert_int_equal(d.count, 0);
    assert_null(o);
}

static void test_write_reads_back(void **state)
{
    (void)state;
    struct recording *rec = rec_new();
    int64_t seg[3] = {0, -386667, 320000};
    const char *path = SIGPLAY_TEST_TMP "/test_offsets_file.offsets.json";
    size_t n = 9;
    assert_int_equal(offsets_write(path, rec, seg, "class/replay.json", &n), 0);
    assert_int_equal(n, 2);
    struct diag_list d = {0};
    struct rec_offsets *o = NULL;
    assert_int_equal(offsets_read(path, &d, &o), 0);
    assert_int_equal(d.count, 0);
    assert_int_equal(o->version, 1);
    assert_string_equal(o->source, "class/replay.json");
    assert_int_equal(o->n, 2);
    assert_string_equal(o->entries[0].video_id, "12"); /* VideoId when it has one */
    assert_string_equal(o->entries[1].video_id, "");
    assert_string_equal(o->entries[1].user_id, "pc_test1");
    assert_int_equal(o->entries[1].play_us, 300000000);
    int64_t back[3] = {0, 0, 0};
    assert_int_equal(offsets_match(o, rec, path, back, &d), 2);
    assert_memory_equal(back, seg, sizeof seg);
    offsets_free(o);
    diag_clear(&d);
    recording_free(rec);
}

static void test_default_path(void **state)
{
    (void)state;
    char *p = offsets_default_path("class/replay.json", "/c");
    assert_string_equal(p, "class/replay.json.offsets.json");
    free(p);
    p = offsets_default_path("file:///srv/class/replay.json", NULL);
    assert_string_equal(p, "/srv/class/replay.json.offsets.json");
    free(p);
    const char *url = "https://cdn.example/r/replay.json";
    char key[65], want[128];
    cache_key(url, key);
    snprintf(want, sizeof want, "/c/%s.offsets.json", key);
    p = offsets_default_path(url, "/c");
    assert_string_equal(p, want);
    free(p);
    assert_null(offsets_default_path(url, NULL)); /* no cache folder: no default */
    assert_null(offsets_default_path("", "/c"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_read_and_match), cmocka_unit_test(test_stale_and_duplicate),
        cmocka_unit_test(test_bad_input),      cmocka_unit_test(test_write_reads_back),
        cmocka_unit_test(test_default_path),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
