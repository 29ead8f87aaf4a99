/* bench_seek.c - 200 random exact seeks through the whole engine (every
 * lane brought to the exact frame at t), p50/p95 in ms, also split into
 * seeks that moved some lane to another segment and seeks that did not,
 * and the process CPU time per seek (all threads: on a shared machine it
 * moves less than wall time). Baseline in the same run: opening one
 * segment cold and decoding its first frame; ratios against it.
 *
 * Usage: bench_seek [CLASS_DIR]   (default: the build's sample class;
 * use a release build). Target: p95 < 150 ms. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libavutil/log.h>

#include "player/recording/manifest.h"
#include "player/playloop.h"
#include "player/media/segment_decoder.h"
#include "player/media/sei.h"
#include "player/recording/timeline.h"

#define SEEKS 200
#define COLD 20

static double clock_ms(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static double now_ms(void)
{
    return clock_ms(CLOCK_MONOTONIC);
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double pct(double *v, int n, double p)
{
    qsort(v, (size_t)n, sizeof(*v), cmp);
    int i = (int)(p * (n - 1) + 0.5);
    return v[i];
}

int main(int argc, char **argv)
{
    char dir[1024];
    snprintf(dir, sizeof(dir), "%s", argc > 1 ? argv[1] : SIGPLAY_SOURCE_DIR "/build/sample");
    av_log_set_level(AV_LOG_QUIET);
    char src[1100];
    snprintf(src, sizeof(src), "%s/replay.json", dir);
    struct recording *rec = NULL;
    struct timeline *tl = NULL;
    struct player *p = NULL;
    if (manifest_open(src, NULL, NULL, NULL, &rec) != 0 || tl_create(rec, &tl) != 0) {
        fprintf(stderr, "bench_seek: cannot read %s\n", src);
        return 2;
    }
    struct player_opts po = {
        .audio = true, .max_speed = true, .sei_scan = sei_scan_packet_us, .null_sink = true};
    if (player_create(tl, &po, &p) != 0)
        return 2;
    player_seek_us(p, 0);
    player_step(p, NULL); /* warm: opens the first segments */
    static double t[SEEKS], cpu[SEEKS], moved[SEEKS], stayed[SEEKS], cold[COLD];
    int n_moved = 0, n_stayed = 0;
    srand(1);
    int64_t total = tl_total_us(tl) / 1000;
    size_t lanes = player_lane_count(p);
    for (int i = 0; i < SEEKS; i++) {
        int64_t to = (int64_t)((double)rand() / RAND_MAX * (double)(total - 1));
        const struct rec_segment *before[PLAYER_MAX_LANES];
        for (size_t l = 0; l < lanes; l++)
            before[l] = player_lane_view(p, l)->seg;
        double c = clock_ms(CLOCK_PROCESS_CPUTIME_ID);
        double s = now_ms();
        player_seek_us(p, to * 1000);
        player_step(p, NULL); /* presents the exact frames at t */
        t[i] = now_ms() - s;
        cpu[i] = clock_ms(CLOCK_PROCESS_CPUTIME_ID) - c;
        bool move = false;
        for (size_t l = 0; l < lanes; l++) {
            const struct rec_segment *seg = player_lane_view(p, l)->seg;
            move |= seg && seg != before[l];
        }
        if (move)
            moved[n_moved++] = t[i];
        else
            stayed[n_stayed++] = t[i];
    }
    /* baseline: a segment opened cold, first frame decoded */
    for (int i = 0; i < COLD; i++) {
        struct segdec_opts o = {.url = rec->lanes[0].segments[0].url,
                                .sync_time_us = -1,
                                .sei_scan = sei_scan_packet_us};
        char *path = strncmp(o.url, "file://", 7) == 0 ? (char *)o.url + 7 : NULL;
        if (path)
            o.url = path;
        struct segdec *d;
        double s = now_ms();
        if (segdec_create(&o, &d) != 0 || segdec_wait_ready_us(d, 10000000) != 0)
            return 2;
        cold[i] = now_ms() - s;
        segdec_destroy(&d);
    }
    double p50 = pct(t, SEEKS, 0.5), p95 = pct(t, SEEKS, 0.95), c50 = pct(cold, COLD, 0.5);
    printf("class: %s, %d random seeks, all lanes exact\n", dir, SEEKS);
    printf("seek p50 %.1f ms, p95 %.1f ms (target p95 < 150)\n", p50, p95);
    if (n_moved)
        printf("  to another segment (%d): p50 %.1f ms, p95 %.1f ms\n", n_moved,
               pct(moved, n_moved, 0.5), pct(moved, n_moved, 0.95));
    if (n_stayed)
        printf("  within the segments open (%d): p50 %.1f ms, p95 %.1f ms\n", n_stayed,
               pct(stayed, n_stayed, 0.5), pct(stayed, n_stayed, 0.95));
    printf("process CPU per seek (all threads) p50 %.1f ms, p95 %.1f ms\n", pct(cpu, SEEKS, 0.5),
           pct(cpu, SEEKS, 0.95));
    printf("baseline: cold open + first frame of one segment, median %.1f ms\n", c50);
    printf("ratio seek p50 / cold open: %.2f, p95 / cold open: %.2f\n", p50 / c50, p95 / c50);
    player_destroy(&p);
    tl_destroy(&tl);
    recording_free(rec);
    return 0;
}
