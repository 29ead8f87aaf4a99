/* test_buffered.c - player/net/buffered: the seek bar's buffered band.
 *
 * Local media: the whole class is buffered, with or without a fetch.
 * Remote media (the teacher's two segments from the test HTTP server's
 * /slow/ path, about 100 KB/s, the rest local): before play nothing of
 * the teacher's segments is buffered and everything else is; while the
 * class plays the buffered part of the first segment grows (never
 * shrinks) from its start, stays short of the whole segment (the
 * download is slower than the file), and the stretches outside the
 * teacher's segments stay buffered. Real time, about 5 s. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libavutil/log.h>

#include "player/net/buffered.h"
#include "base/diag.h"
#include "player/net/fetch.h"
#include "player/recording/manifest.h"
#include "player/playloop.h"
#include "player/media/sei.h"
#include "base/sp_error.h"
#include "base/sp_file.h"
#include "player/recording/timeline.h"
#include "support/httpd.h"

#define SAMPLE SIGPLAY_SAMPLE_DIR
#define MAXR 600

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* s with every `from` replaced by `to` (caller frees). */
static char *replace_all(const char *s, const char *from, const char *to)
{
    size_t nf = strlen(from), nt = strlen(to), count = 0;
    for (const char *p = strstr(s, from); p; p = strstr(p + nf, from))
        count++;
    char *out = malloc(strlen(s) + count * nt + 1);
    assert_non_null(out);
    char *o = out;
    for (const char *p = s;;) {
        const char *q = strstr(p, from);
        if (!q) {
            strcpy(o, p);
            break;
        }
        memcpy(o, p, (size_t)(q - p));
        o += q - p;
        memcpy(o, to, nt);
        o += nt;
        p = q + nf;
    }
    return out;
}

/* The sample's manifest with the teacher's media at remote + "media/..."
 * and every other file at its absolute local path. */
static void write_manifest(const char *remote, char *out_path, size_t out_size)
{
    char *text = NULL, to[1400];
    size_t len = 0;
    assert_int_equal(sp_read_file(SAMPLE "/replay.json", 8 << 20, &text, &len), 0);
    snprintf(to, sizeof(to), "\"%smedia/teacher_01", remote);
    char *a = replace_all(text, "\"media/teacher_01", to);
    snprintf(to, sizeof(to), "\"%s/media/", SAMPLE);
    char *b = replace_all(a, "\"media/", to);
    snprintf(out_path, out_size, "%s/buffered_slow.json", SIGPLAY_TEST_TMP);
    assert_int_equal(sp_write_file_atomic(out_path, b, strlen(b)), 0);
    free(text);
    free(a);
    free(b);
}

/* µs of [a, b) covered by the ranges; also checks they are sorted,
 * disjoint, non-empty and within [0, total]. */
static int64_t covered(const struct buffered_range *r, int n, int64_t total, int64_t a, int64_t b)
{
    int64_t sum = 0, prev_end = -1;
    for (int i = 0; i < n; i++) {
        assert_true(r[i].start_us < r[i].end_us);
        assert_true(r[i].start_us > prev_end || (i == 0 && r[i].start_us >= 0));
        assert_true(r[i].start_us >= 0 && r[i].end_us <= total);
        prev_end = r[i].end_us;
        int64_t s = r[i].start_us > a ? r[i].start_us : a;
        int64_t e = r[i].end_us < b ? r[i].end_us : b;
        if (e > s)
            sum += e - s;
    }
    return sum;
}

static void test_local_full(void **state)
{
    (void)state;
    struct recording *rec = NULL;
    struct timeline *tl = NULL;
    struct diag_list diag;
    diag_init(&diag);
    assert_int_equal(manifest_open(SAMPLE "/replay.json", NULL, NULL, NULL, &rec), 0);
    assert_int_equal(tl_create(rec, &tl), 0);
    struct fetch_opts fo;
    fetch_opts_init(&fo);
    fo.no_cache = true;
    struct fetch *f = NULL;
    assert_int_equal(fetch_create(&fo, &f, &diag), 0);
    struct buffered_range r[4];
    for (int k = 0; k < 2; k++) {
        int n = buffered_ranges(tl, k ? f : NULL, r, 4);
        assert_int_equal(n, 1);
        assert_int_equal(r[0].start_us, 0);
        assert_int_equal(r[0].end_us, tl_total_us(tl) / 1000 * 1000);
    }
    assert_int_equal(buffered_ranges(tl, f, r, 0), 0);
    fetch_destroy(&f);
    tl_destroy(&tl);
    recording_free(rec);
    diag_clear(&diag);
}

static void test_remote_grows(void **state)
{
    (void)state;
    struct httpd *srv = NULL;
    assert_int_equal(httpd_start(SAMPLE, &srv), 0);
    httpd_set_slow_ms(srv, 10); /* 1 KB per 10 ms */
    char remote[128], manifest[1200];
    snprintf(remote, sizeof(remote), "http://127.0.0.1:%d/slow/", httpd_port(srv));
    write_manifest(remote, manifest, sizeof(manifest));

    struct diag_list diag;
    diag_init(&diag);
    struct recording *rec = NULL;
    struct timeline *tl = NULL;
    struct fetch *f = NULL;
    struct player *p = NULL;
    assert_int_equal(manifest_open(manifest, NULL, NULL, &diag, &rec), 0);
    assert_int_equal(tl_create(rec, &tl), 0);
    struct fetch_opts fo;
    fetch_opts_init(&fo);
    fo.no_cache = true;
    assert_int_equal(fetch_create(&fo, &f, &diag), 0);
    struct player_opts po = {.sei_scan = sei_scan_packet_us, .fetch = f};
    assert_int_equal(player_create(tl, &po, &p), 0);

    const struct rec_lane *teacher = NULL;
    for (size_t l = 0; l < rec->n_lanes; l++)
        if (!strcmp(rec->lanes[l].name, "teacher_01"))
            teacher = &rec->lanes[l];
    assert_non_null(teacher);
    assert_int_equal(teacher->n_segments, 2);
    const struct rec_segment *s0 = &teacher->segments[0], *s1 = &teacher->segments[1];
    int64_t total = tl_total_us(tl) / 1000 * 1000; /* the ranges are whole ms, in µs */
    int64_t a0 = s0->play_us / 1000 * 1000, b0 = rec_segment_end_us(s0) / 1000 * 1000;
    int64_t a1 = s1->play_us / 1000 * 1000, b1 = rec_segment_end_us(s1) / 1000 * 1000;
    assert_true(b0 <= a1 && b1 <= total);
    /* outside the teacher's segments: always buffered */
    int64_t outside = (a0 - 0) + (a1 - b0) + (total - b1);

    static struct buffered_range r[MAXR];
    int n = buffered_ranges(tl, f, r, MAXR);
    assert_true(n >= 0);
    assert_int_equal(covered(r, n, total, a0, b0), 0);
    assert_int_equal(covered(r, n, total, a1, b1), 0);
    assert_int_equal(covered(r, n, total, 0, total), outside);

    player_seek_us(p, 0);
    player_set_paused(p, false);
    int64_t start = now_ms(), last_sample = 0, prev = 0, first_seen = -1;
    int samples = 0, grew = 0;
    while (now_ms() - start < 3000) {
        int64_t wait = 0;
        assert_true(player_step(p, &wait) >= 0);
        if (now_ms() - last_sample >= 250) {
            last_sample = now_ms();
            n = buffered_ranges(tl, f, r, MAXR);
            assert_true(n >= 0);
            int64_t in0 = covered(r, n, total, a0, b0);
            assert_true(in0 >= prev); /* never shrinks */
            if (in0 > prev)
                grew++;
            if (in0 > 0 && first_seen < 0)
                first_seen = samples;
            prev = in0;
            samples++;
            assert_int_equal(covered(r, n, total, 0, total) - in0 - covered(r, n, total, a1, b1),
                             outside);
        }
        struct timespec ts = {0, (long)(wait > 0 ? wait : 1000) * 1000};
        nanosleep(&ts, NULL);
    }
    printf("buffered in the first segment: %lld of %lld ms, grew in %d of %d samples\n",
           (long long)(prev / 1000), (long long)((b0 - a0) / 1000), grew, samples);
    assert_true(first_seen >= 0);
    assert_true(grew >= 3);
    assert_true(prev < b0 - a0); /* ~300 KB of ~900 KB: not all of it */
    /* bytes come from the start: the segment's start is buffered */
    n = buffered_ranges(tl, f, r, MAXR);
    assert_true(covered(r, n, total, a0, a0 + 1000) == 1000); /* its first ms */

    player_destroy(&p);
    fetch_destroy(&f);
    httpd_stop(&srv);
    tl_destroy(&tl);
    recording_free(rec);
    diag_clear(&diag);
}

int main(void)
{
    av_log_set_level(AV_LOG_QUIET);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_local_full),
        cmocka_unit_test(test_remote_grows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
