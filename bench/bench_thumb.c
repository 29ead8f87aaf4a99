/* bench_thumb.c - the seek bar's hover thumbnail: the board at a hovered
 * time drawn at thumbnail size, as the window does on each new hovered
 * time; no media is opened. 200 random times over the class, p50/p95 per
 * thumbnail of the wall time and of the drawing thread's CPU time (on a
 * shared machine the wall time's tail is mostly waiting for a core).
 *
 *   whole    the baseline, in the same run: the state from the snapshots
 *            (board_player_state_at_us) drawn whole (class_scene_draw_board);
 *            on the first BASE_SAMPLES times only (it is slow)
 *   cold     class_scene_draw_board_at_us() on a new scene, no checkpoint
 *            made yet: each thumbnail starts from a snapshot's raster,
 *            made the first time its region is hovered
 *   prepared the same after class_scene_prepare_thumbs() made the
 *            thumbnail cache's checkpoints (render/thumb_cache.h: rasters
 *            of the page's finished prefix spread over the class, the
 *            window makes them when idle, in calls of a 20 ms budget; the
 *            count, the total time and the longest call are printed)
 *
 * Every thumbnail of the cached paths is compared with the baseline's
 * picture at the same time (the first BASE_SAMPLES times): pixels that
 * differ are counted (the target is none).
 *
 * Usage: bench_thumb [CLASS_DIR [N]]  (default: the build's sample class; for
 * the target, the two-hour 500k-op class of bench/class_open.sh; use a
 * release build; N: fewer random times than 200, the same first ones, for
 * a quick look). Target: p95 <= 16 ms per thumbnail. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/diag.h"
#include "player/board/board.h"
#include "player/class.h"
#include "player/recording/manifest.h"
#include "player/recording/timeline.h"
#include "render/canvas.h"
#include "render/class_scene.h"
#include "render/thumb_cache.h"

#define SAMPLES 200
#define BASE_SAMPLES 40
#define THUMB_H 144 /* a fifth of a 720-line canvas, as the window draws it */

static double clock_ms(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double pct(const double *v0, int n, double p)
{
    static double v[SAMPLES];
    memcpy(v, v0, (size_t)n * sizeof(*v));
    qsort(v, (size_t)n, sizeof(*v), cmp);
    return v[(int)(p * (n - 1) + 0.5)];
}

struct run {
    double wall[SAMPLES], cpu[SAMPLES];
    int n;
    long long bad_px; /* pixels unlike the baseline's */
};

static void report(const char *name, const struct run *r, bool compared)
{
    printf("%-9s p50 %7.2f ms  p95 %7.2f ms  max %7.2f ms wall | CPU p50 %7.2f ms  p95 %7.2f ms",
           name, pct(r->wall, r->n, 0.5), pct(r->wall, r->n, 0.95), pct(r->wall, r->n, 1.0),
           pct(r->cpu, r->n, 0.5), pct(r->cpu, r->n, 0.95));
    if (compared)
        printf("  | %lld px unlike the baseline", r->bad_px);
    printf("\n");
}

static long long px_diff(const struct canvas *a, const struct canvas *b)
{
    long long n = 0;
    for (int y = 0; y < a->h; y++)
        for (int x = 0; x < a->w; x++)
            n += memcmp(a->px + (size_t)y * a->stride + 4 * (size_t)x,
                        b->px + (size_t)y * b->stride + 4 * (size_t)x, 4) != 0;
    return n;
}

int main(int argc, char **argv)
{
    int samples = argc > 2 ? atoi(argv[2]) : SAMPLES;
    if (samples < 1 || samples > SAMPLES)
        samples = SAMPLES;
    int base_samples = samples < BASE_SAMPLES ? samples : BASE_SAMPLES;
    char src[1100];
    snprintf(src, sizeof(src), "%s/replay.json",
             argc > 1 ? argv[1] : SIGPLAY_SOURCE_DIR "/build/sample");
    struct class_opts o;
    class_opts_init(&o);
    o.parts = CLASS_SIGNALING;
    struct diag_list diag = {0};
    struct sp_class *c = NULL;
    double t_open = clock_ms(CLOCK_MONOTONIC);
    if (class_open(src, &o, &diag, &c) != 0 || class_signaling_wait(c, true, -1) != 0) {
        fprintf(stderr, "bench_thumb: cannot open %s\n", src);
        return 2;
    }
    t_open = clock_ms(CLOCK_MONOTONIC) - t_open;
    const struct recording *rec = class_recording(c);
    struct timeline *tl = class_timeline(c);
    const struct board_player *bp = class_board_player(c);
    uint64_t gen = class_signal_generation(c);
    if (!bp) {
        fprintf(stderr, "bench_thumb: %s has no board\n", src);
        return 2;
    }
    int bw = rec->board_w > 0 ? rec->board_w : 1280, bh = rec->board_h > 0 ? rec->board_h : 960;
    int tw = THUMB_H * bw / bh;
    struct class_scene_opts so = {.loader = class_loader(c)};
    struct class_scene *base = NULL, *cold = NULL, *warm = NULL;
    static struct canvas *ref[BASE_SAMPLES];
    struct canvas *thumb = NULL;
    if (class_scene_create(rec, tl, &so, &base) != 0 || class_scene_create(rec, tl, &so, &cold) ||
        class_scene_create(rec, tl, &so, &warm) || canvas_create(&thumb, tw, THUMB_H) != 0)
        return 2;
    for (int i = 0; i < BASE_SAMPLES; i++)
        if (canvas_create(&ref[i], tw, THUMB_H) != 0)
            return 2;
    int64_t total = tl_total_us(tl) / 1000;
    static int64_t at[SAMPLES];
    srand(1);
    for (int i = 0; i < SAMPLES; i++)
        at[i] = (int64_t)((double)rand() / RAND_MAX * (double)(total - 1));
    /* warm: background images decoded once, as after the first hover */
    struct board_state *s = NULL;
    board_player_state_at_us(bp, tl_wall_from_play_us(tl, at[0] * 1000), &s);
    class_scene_draw_board(base, s, thumb);
    board_state_free(&s);
    size_t ops_total = board_log_op_count(board_player_log(bp));
    struct board_stats bst;
    board_player_stats(bp, &bst);

    static struct run whole, lazy, prepared;
    for (int i = 0; i < base_samples; i++) {
        int64_t w_us = tl_wall_from_play_us(tl, at[i] * 1000);
        double c0 = clock_ms(CLOCK_THREAD_CPUTIME_ID), t0 = clock_ms(CLOCK_MONOTONIC);
        if (board_player_state_at_us(bp, w_us, &s) != 0 || class_scene_draw_board(base, s, ref[i]))
            return 2;
        whole.wall[i] = clock_ms(CLOCK_MONOTONIC) - t0;
        whole.cpu[i] = clock_ms(CLOCK_THREAD_CPUTIME_ID) - c0;
        board_state_free(&s);
    }
    whole.n = base_samples;

    struct run *runs[2] = {&lazy, &prepared};
    struct class_scene *scenes[2] = {cold, warm};
    double prep_ms = 0, prep_cpu = 0, prep_max = 0;
    int prep_calls = 0, prep_over = 0;
    for (int r = 0; r < 2; r++) {
        if (r == 1) {
            double c0 = clock_ms(CLOCK_THREAD_CPUTIME_ID), t0 = clock_ms(CLOCK_MONOTONIC);
            int rc;
            do {
                /* one call is what the window's idle time blocks for */
                double k0 = clock_ms(CLOCK_THREAD_CPUTIME_ID);
                rc = class_scene_prepare_thumbs(warm, bp, gen, tw, THUMB_H, 20000);
                double k = clock_ms(CLOCK_THREAD_CPUTIME_ID) - k0;
                prep_calls++;
                prep_max = k > prep_max ? k : prep_max;
                prep_over += k > 50;
            } while (rc == 1);
            if (rc)
                return 2;
            prep_ms = clock_ms(CLOCK_MONOTONIC) - t0;
            prep_cpu = clock_ms(CLOCK_THREAD_CPUTIME_ID) - c0;
        }
        for (int i = 0; i < samples; i++) {
            int64_t w_us = tl_wall_from_play_us(tl, at[i] * 1000);
            double c0 = clock_ms(CLOCK_THREAD_CPUTIME_ID), t0 = clock_ms(CLOCK_MONOTONIC);
            if (class_scene_draw_board_at_us(scenes[r], bp, gen, w_us, thumb) != 0)
                return 2;
            runs[r]->wall[i] = clock_ms(CLOCK_MONOTONIC) - t0;
            runs[r]->cpu[i] = clock_ms(CLOCK_THREAD_CPUTIME_ID) - c0;
            if (i < base_samples)
                runs[r]->bad_px += px_diff(thumb, ref[i]);
        }
        runs[r]->n = samples;
    }
    struct thumb_cache_stats cs_cold, cs_warm;
    class_scene_thumb_stats(cold, &cs_cold);
    class_scene_thumb_stats(warm, &cs_warm);

    printf("class: %s (%zu board ops, %zu snapshots, %lld ms), opened in %.0f ms\n", src, ops_total,
           bst.snapshots, (long long)total, t_open);
    printf("thumbnail %dx%d, %d random times (whole: the first %d); target p95 <= 16 ms\n", tw,
           THUMB_H, samples, base_samples);
    report("whole", &whole, false);
    report("cold", &lazy, true);
    report("prepared", &prepared, true);
    printf("cold: %llu rasters made on hover (%llu drawn whole), %llu thumbnails drawn whole\n",
           (unsigned long long)cs_cold.built, (unsigned long long)cs_cold.built_whole,
           (unsigned long long)cs_cold.whole);
    printf("prepare: %llu checkpoints (%llu drawn whole) in %.0f ms wall, %.0f ms CPU; then "
           "%llu of %llu thumbnails from a checkpoint, %llu from a snapshot's raster (%llu "
           "made, %llu repainted rows); %zu rasters kept (%.1f MiB)\n",
           (unsigned long long)cs_warm.checkpoints_made,
           (unsigned long long)cs_warm.checkpoints_whole, prep_ms, prep_cpu,
           (unsigned long long)cs_warm.from_checkpoint, (unsigned long long)cs_warm.draws,
           (unsigned long long)cs_warm.from_raster, (unsigned long long)cs_warm.built,
           (unsigned long long)cs_warm.repainted, cs_warm.rasters, cs_warm.bytes / 1048576.0);
    printf("prepare: %d calls of a 20 ms budget, the longest %.0f ms CPU, %d over 50 ms\n",
           prep_calls, prep_max, prep_over);
    printf("ratio whole p50 / prepared p50: %.1f\n",
           pct(whole.wall, whole.n, 0.5) / pct(prepared.wall, prepared.n, 0.5));
    canvas_destroy(&thumb);
    for (int i = 0; i < BASE_SAMPLES; i++)
        canvas_destroy(&ref[i]);
    class_scene_destroy(&base);
    class_scene_destroy(&cold);
    class_scene_destroy(&warm);
    class_close(&c);
    diag_clear(&diag);
    return 0;
}
