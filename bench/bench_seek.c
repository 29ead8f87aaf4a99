/* bench_seek.c - 200 random exact seeks through the whole engine (every
 * lane brought to the exact frame at t), p50/p95 in ms; baseline in the
 * same run: opening one segment cold and decoding its first frame.
 *
 * Usage: bench_seek [CLASS_DIR]   (default: the build's sample class;
 * use a release build). Target: p95 < 150 ms. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libavutil/log.h>

#include "player/manifest.h"
#include "player/playloop.h"
#include "player/segment_decoder.h"
#include "player/sei.h"
#include "player/timeline.h"

#define SEEKS 200
#define COLD 20

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
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
    struct player_opts po = {.audio = true, .max_speed = true, .sei_scan = sei_scan_packet,
                             .null_sink = true};
    if (player_create(tl, &po, &p) != 0)
        return 2;
    player_seek(p, 0);
    player_step(p, NULL); /* warm: opens the first segments */
    static double t[SEEKS], cold[COLD];
    srand(1);
    int64_t total = tl_total_ms(tl);
    for (int i = 0; i < SEEKS; i++) {
        int64_t to = (int64_t)((double)rand() / RAND_MAX * (double)(total - 1));
        double s = now_ms();
        player_seek(p, to);
        player_step(p, NULL); /* presents the exact frames at t */
        t[i] = now_ms() - s;
    }
    /* baseline: a segment opened cold, first frame decoded */
    for (int i = 0; i < COLD; i++) {
        struct segdec_opts o = {.url = rec->lanes[0].segments[0].url, .sync_time_ms = -1,
                                .sei_scan = sei_scan_packet};
        char *path = strncmp(o.url, "file://", 7) == 0 ? (char *)o.url + 7 : NULL;
        if (path)
            o.url = path;
        struct segdec *d;
        double s = now_ms();
        if (segdec_create(&o, &d) != 0 || segdec_wait_ready(d, 10000) != 0)
            return 2;
        cold[i] = now_ms() - s;
        segdec_destroy(&d);
    }
    double p50 = pct(t, SEEKS, 0.5), p95 = pct(t, SEEKS, 0.95), c50 = pct(cold, COLD, 0.5);
    printf("class: %s, %d random seeks, all lanes exact\n", dir, SEEKS);
    printf("seek p50 %.1f ms, p95 %.1f ms (target p95 < 150)\n", p50, p95);
    printf("baseline: cold open + first frame of one segment, median %.1f ms\n", c50);
    printf("ratio seek p50 / cold open: %.2f\n", p50 / c50);
    player_destroy(&p);
    tl_destroy(&tl);
    recording_free(rec);
    return 0;
}
