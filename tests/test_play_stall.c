/* test_play_stall.c - the play loop with remote media that is slow or
 * stalled (player/playloop + lane_player through fetch/avio_cache), served
 * by the test HTTP server (tests/support/httpd.c) on 127.0.0.1.
 *
 * 1. One lane slow (the late student's media at about 50 KB/s while the
 *    class plays at 2x, which needs about 62 KB/s): the other lanes (local
 *    files) keep advancing, each within one frame of w(t); the slow lane
 *    keeps its last frame marked waiting ('~', view.buffering set while its
 *    demuxer waits for bytes), the clock is not held (another lane sounds).
 *    Then at 0.5x its download overtakes playback and the lane rejoins
 *    exactly: its shown board time within one frame below w(t).
 * 2. Every lane stalled (headers, then no byte): the master audio has
 *    nothing to play, so the whole replay waits (player_buffering(), t
 *    stands still), with the null sink and with the SDL audio device
 *    (dummy driver) as master; destroying the player does not hang on the
 *    blocked reads.
 *
 * Real time, bounded: the whole test takes about 10 s. */
#include "base/diag.h"
#include "player/net/fetch.h"
#include "player/recording/manifest.h"
#include "player/playloop.h"
#include "player/media/sei.h"
#include "base/sp_error.h"
#include "player/recording/timeline.h"
#include "ui/audio_out.h"
#include "support/httpd.h"

#include <SDL.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#define SAMPLE SIGPLAY_SAMPLE_DIR

/* Under ThreadSanitizer (scripts/test.sh's second stage) every thread runs
 * 5 to 15 times slower, so the local lanes cannot play on in real time
 * while the slow one waits: there the slow-lane case runs for its races
 * and for what does not depend on throughput (local lanes exact, the slow
 * lane waits and buffers, then rejoins); the rates are checked in the
 * normal build. */
#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define UNDER_TSAN 1
#endif
#endif
#ifdef UNDER_TSAN
static const bool check_rates = false;
#else
static const bool check_rates = true;
#endif

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_us(int64_t us)
{
    if (us <= 0)
        return;
    struct timespec ts = {(time_t)(us / 1000000), (long)(us % 1000000) * 1000};
    nanosleep(&ts, NULL);
}

static char *read_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    assert_true(n > 0 && n < (8 << 20));
    char *s = malloc((size_t)n + 1);
    assert_non_null(s);
    assert_int_equal(fread(s, 1, (size_t)n, f), (size_t)n);
    s[n] = '\0';
    fclose(f);
    return s;
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

/* Writes the sample's replay.json to TMP/name with media URLs rewritten:
 * "media/<lane_prefix>..." to `remote` + "media/...", the rest to absolute
 * local paths (lane_prefix "" makes every lane remote). */
static void write_manifest(const char *name, const char *lane_prefix, const char *remote,
                           char *out_path, size_t out_size)
{
    char path[1024], from[256], to[1400];
    snprintf(path, sizeof(path), "%s/replay.json", SAMPLE);
    char *text = read_text(path);
    snprintf(from, sizeof(from), "\"media/%s", lane_prefix);
    snprintf(to, sizeof(to), "\"%smedia/%s", remote, lane_prefix);
    char *a = replace_all(text, from, to);
    snprintf(to, sizeof(to), "\"%s/media/", SAMPLE);
    char *b = replace_all(a, "\"media/", to);
    snprintf(out_path, out_size, "%s/%s", SIGPLAY_TEST_TMP, name);
    FILE *f = fopen(out_path, "wb");
    assert_non_null(f);
    fputs(b, f);
    fclose(f);
    free(text);
    free(a);
    free(b);
}

/* The sample's frame interval (µs), from truth.json's options. */
static int64_t frame_us(void)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/truth.json", SAMPLE);
    char *t = read_text(path);
    const char *p = strstr(t, "\"fps\":");
    assert_non_null(p);
    int fps = atoi(p + 6);
    free(t);
    assert_true(fps > 0 && fps <= 60);
    return 1000000 / fps;
}

struct rig {
    struct httpd *srv;
    struct diag_list diag;
    struct recording *rec;
    struct timeline *tl;
    struct fetch *f;
    struct player *p;
};

static void rig_open(struct rig *r, const char *manifest, double speed, bool null_sink)
{
    memset(r, 0, sizeof(*r));
    diag_init(&r->diag);
    int rc = manifest_open(manifest, NULL, NULL, &r->diag, &r->rec);
    assert_non_null(r->rec);
    assert_int_equal(rc, 0);
    assert_int_equal(tl_create(r->rec, &r->tl), 0);
    struct fetch_opts fo;
    fetch_opts_init(&fo);
    fo.no_cache = true;
    assert_int_equal(fetch_create(&fo, &r->f, &r->diag), 0);
    struct player_opts po = {.audio = true,
                             .speed = speed,
                             .sei_scan = sei_scan_packet_us,
                             .null_sink = null_sink,
                             .fetch = r->f};
    assert_int_equal(player_create(r->tl, &po, &r->p), 0);
}

static void rig_close(struct rig *r)
{
    if (r->p)
        player_take_diags(r->p, &r->diag);
    player_destroy(&r->p);
    fetch_destroy(&r->f);
    tl_destroy(&r->tl);
    recording_free(r->rec);
    diag_clear(&r->diag);
}

static size_t lane_index(const struct recording *rec, const char *name)
{
    for (size_t i = 0; i < rec->n_lanes; i++)
        if (!strcmp(rec->lanes[i].name, name))
            return i;
    fail_msg("no lane %s", name);
    return 0;
}

static void print_line(struct player *p)
{
    printf("%.3f\t%.3f", player_time_us(p) / 1e3, player_board_us(p) / 1e3);
    for (size_t i = 0; i < player_lane_count(p); i++) {
        const struct lane_view *v = player_lane_view(p, i);
        if (v->state == LANE_PLACEHOLDER)
            printf("\t-");
        else
            printf("\t%.3f@%.3f%s", v->pts_us / 1e3, v->board_us / 1e3,
                   v->state == LANE_WAITING ? "~" : "");
    }
    printf("%s\n", player_buffering(p) ? "\tBUFFERING" : "");
}

static void test_slow_lane(void **state)
{
    (void)state;
    struct rig r;
    struct httpd *srv = NULL;
    assert_int_equal(httpd_start(SAMPLE, &srv), 0);
    httpd_set_slow_ms(srv, 20); /* 1 KB per 20 ms */
    char remote[128], manifest[1200];
    snprintf(remote, sizeof(remote), "http://127.0.0.1:%d/slow/", httpd_port(srv));
    write_manifest("stall_slow.json", "student_02", remote, manifest, sizeof(manifest));
    rig_open(&r, manifest, 2.0, true);
    size_t slow = lane_index(r.rec, "student_02");
    const int64_t fr = frame_us();
    bool verbose = getenv("SIGPLAY_TEST_VERBOSE") != NULL;

    player_seek_us(r.p, 8000000); /* the student joins at 8 s */
    player_set_paused(r.p, false);
    int64_t start = now_ms();
    bool slowed = false, rejoined = false;
    int waiting_steps = 0, buffering_seen = 0, in_sync_run = 0;
    int64_t others_first[8] = {0}, others_last[8] = {0};
    int64_t t_wait_first = -1, t_wait_last = -1, t_held = 0;
    int64_t late_since[8] = {-1, -1, -1, -1, -1, -1, -1, -1}; /* w when it fell a frame behind */
    while (now_ms() - start < 16000) {
        int64_t wait = 0;
        int rc = player_step(r.p, &wait);
        assert_true(rc >= 0);
        int64_t t = player_time_us(r.p), w = player_board_us(r.p);
        if (verbose && rc == 1)
            print_line(r.p);
        if (player_buffering(r.p))
            t_held += wait;
        const struct lane_view *sv = player_lane_view(r.p, slow);
        for (size_t i = 0; i < player_lane_count(r.p); i++) {
            const struct lane_view *v = player_lane_view(r.p, i);
            if (i == slow || v->state == LANE_PLACEHOLDER)
                continue;
            /* local lanes: exact, whatever the slow one does. A frame that
             * a starved CPU (a sanitizer build beside a compile) decodes
             * late shows one frame late for a moment, and the lane catches
             * up; a lane the slow one holds back stays late. So: never
             * ahead, never two frames behind, one frame behind for at most
             * four frames' time. */
            int64_t behind = v->state == LANE_SHOWING ? w - v->board_us : 0;
            if (behind < 0 || behind >= 2 * fr)
                fail_msg("lane %zu at t=%.3f: w-board=%lld us", i, t / 1e3, (long long)behind);
            if (i < 8 && behind >= fr && late_since[i] < 0)
                late_since[i] = w;
            if (i < 8 && behind < fr)
                late_since[i] = -1;
            if (i < 8 && late_since[i] >= 0 && w - late_since[i] > 4 * fr)
                fail_msg("lane %zu at t=%.3f: one frame late since board %lld us", i, t / 1e3,
                         (long long)late_since[i]);
            if (sv->state == LANE_WAITING && i < 8) {
                if (!others_first[i])
                    others_first[i] = v->board_us;
                others_last[i] = v->board_us;
            }
        }
        if (sv->state == LANE_WAITING) {
            waiting_steps++;
            if (t_wait_first < 0)
                t_wait_first = t;
            t_wait_last = t;
            buffering_seen += sv->buffering;
        }
        if (!slowed && now_ms() - start > 4000) {
            /* the lane is behind by now; slower play lets its data overtake */
            assert_int_equal(player_set_speed(r.p, 0.5), 0);
            slowed = true;
        }
        if (slowed && waiting_steps > 0 && sv->state == LANE_SHOWING && w - sv->board_us >= 0 &&
            w - sv->board_us < fr) {
            if (++in_sync_run >= 50) { /* stays in sync, not a lucky frame */
                rejoined = true;
                break;
            }
        } else {
            /* a blip (a starved decoder on a busy machine) starts over */
            in_sync_run = 0;
        }
        sleep_us(wait);
    }
    printf("slow lane: waiting in %d steps over t=%.3f..%.3f s (demuxer buffering in %d), "
           "clock held %.3f s, rejoined after %.1f s\n",
           waiting_steps, t_wait_first / 1e6, t_wait_last / 1e6, buffering_seen, t_held / 1e6,
           (now_ms() - start) / 1e3);
    assert_true(waiting_steps > (check_rates ? 10 : 0));
    assert_true(buffering_seen > 0);
    /* the others kept playing while the slow lane waited: more than a
     * second of board time went by in each of them */
    for (size_t i = 0; check_rates && i < player_lane_count(r.p) && i < 8; i++)
        if (i != slow)
            assert_true(others_last[i] - others_first[i] > 1000000);
    if (check_rates)
        assert_true(t_wait_last - t_wait_first > 1000000);
    assert_true(rejoined);
    rig_close(&r);
    httpd_stop(&srv);
}

/* device: true to play through ui/audio_out (SDL's dummy driver)
 * instead of the null sink */
static void all_stalled(bool device)
{
    struct rig r;
    struct audio_out *ao = NULL;
    struct httpd *srv = NULL;
    assert_int_equal(httpd_start(SAMPLE, &srv), 0);
    char remote[128], manifest[1200];
    snprintf(remote, sizeof(remote), "http://127.0.0.1:%d/stall/", httpd_port(srv));
    write_manifest("stall_all.json", "", remote, manifest, sizeof(manifest));
    rig_open(&r, manifest, 1.0, !device);
    if (device) {
        setenv("SDL_AUDIODRIVER", "dummy", 1);
        assert_int_equal(audio_out_open(r.p, &ao), 0);
    }
    player_seek_us(r.p, 1000000);
    player_set_paused(r.p, false);
    int64_t start = now_ms();
    int buffering = 0, steps = 0;
    while (now_ms() - start < 1500) {
        int64_t wait = 0;
        assert_true(player_step(r.p, &wait) >= 0);
        steps++;
        buffering += player_buffering(r.p);
        sleep_us(wait);
    }
    /* nothing to play: the replay waits where it was sent */
    assert_true(buffering > steps / 2);
    assert_true(player_time_us(r.p) - 1000000 < 100000);
    for (size_t i = 0; i < player_lane_count(r.p); i++)
        assert_int_not_equal(player_lane_view(r.p, i)->state, LANE_SHOWING);
    if (device) {
        struct audio_out_stats st;
        audio_out_get_stats(ao, &st);
        assert_true(st.held);
        assert_true(st.callbacks > 10);
    }
    int64_t t0 = now_ms();
    audio_out_close(&ao);
    rig_close(&r); /* cancels the blocked reads */
    assert_true(now_ms() - t0 < 3000);
    httpd_stop(&srv);
}

static void test_all_stalled(void **state)
{
    (void)state;
    all_stalled(false);
}

static void test_all_stalled_device(void **state)
{
    (void)state;
    all_stalled(true);
    SDL_Quit();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_slow_lane),
        cmocka_unit_test(test_all_stalled),
        cmocka_unit_test(test_all_stalled_device),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
