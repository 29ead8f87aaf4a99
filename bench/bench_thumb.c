/* bench_thumb.c - the seek bar's hover thumbnail: the board at a hovered
 * time from the board's snapshots (board_player_state_at_us) drawn at
 * thumbnail size (class_scene_draw_board), as the window does on each new
 * hovered time. 200 random times over the class, p50/p95 in ms; no media
 * is opened. Baseline in the same run: the same board drawn at the size of
 * the window's board region (1280x720 canvas, the "board" preset) from the
 * same states, the picture the thumbnail stands for.
 *
 * Usage: bench_thumb [CLASS_DIR]  (default: the build's sample class; for
 * the target, the two-hour 500k-op class of bench/class_open.sh; use a
 * release build). Target: p95 <= 16 ms per thumbnail. Wall time and the
 * drawing thread's CPU time are both printed: on a shared machine the
 * wall time's tail is mostly waiting for a core. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "base/diag.h"
#include "player/board/board.h"
#include "player/class.h"
#include "player/recording/manifest.h"
#include "player/recording/timeline.h"
#include "render/canvas.h"
#include "render/class_scene.h"

#define SAMPLES 200
#define THUMB_H 144 /* a fifth of a 720-line canvas, as the window draws it */

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
    return v[(int)(p * (n - 1) + 0.5)];
}

int main(int argc, char **argv)
{
    char src[1100];
    snprintf(src, sizeof(src), "%s/replay.json",
             argc > 1 ? argv[1] : SIGPLAY_SOURCE_DIR "/build/sample");
    struct class_opts o;
    class_opts_init(&o);
    o.parts = CLASS_SIGNALING;
    struct diag_list diag = {0};
    struct sp_class *c = NULL;
    double t_open = now_ms();
    if (class_open(src, &o, &diag, &c) != 0 || class_signaling_wait(c, true, -1) != 0) {
        fprintf(stderr, "bench_thumb: cannot open %s\n", src);
        return 2;
    }
    t_open = now_ms() - t_open;
    const struct recording *rec = class_recording(c);
    struct timeline *tl = class_timeline(c);
    const struct board_player *bp = class_board_player(c);
    if (!bp) {
        fprintf(stderr, "bench_thumb: %s has no board\n", src);
        return 2;
    }
    int bw = rec->board_w > 0 ? rec->board_w : 1280, bh = rec->board_h > 0 ? rec->board_h : 960;
    int tw = THUMB_H * bw / bh;
    struct class_scene *cs = NULL;
    struct class_scene_opts so = {.loader = class_loader(c)};
    struct canvas *thumb = NULL, *big = NULL;
    /* the board region of the board preset at 1280x720 (chat off): the
     * whole height, the board's aspect */
    int big_h = 720, big_w = big_h * bw / bh;
    if (class_scene_create(rec, tl, &so, &cs) != 0 || canvas_create(&thumb, tw, THUMB_H) != 0 ||
        canvas_create(&big, big_w > 1280 ? 1280 : big_w, big_h) != 0)
        return 2;
    int64_t total = tl_total_us(tl) / 1000;
    static double th[SAMPLES], st[SAMPLES], full[SAMPLES], cpu[SAMPLES];
    static int64_t at[SAMPLES];
    srand(1);
    for (int i = 0; i < SAMPLES; i++)
        at[i] = (int64_t)((double)rand() / RAND_MAX * (double)(total - 1));
    /* warm: background images decoded once, as after the first hover */
    struct board_state *s = NULL;
    board_player_state_at_us(bp, tl_wall_from_play_us(tl, at[0] * 1000), &s);
    class_scene_draw_board(cs, s, thumb);
    board_state_free(&s);
    size_t ops_total = board_log_op_count(board_player_log(bp));
    for (int i = 0; i < SAMPLES; i++) {
        int64_t w_us = tl_wall_from_play_us(tl, at[i] * 1000);
        double c0 = clock_ms(CLOCK_THREAD_CPUTIME_ID);
        double t0 = now_ms();
        if (board_player_state_at_us(bp, w_us, &s) != 0)
            return 2;
        double t1 = now_ms();
        if (class_scene_draw_board(cs, s, thumb) != 0)
            return 2;
        double t2 = now_ms();
        th[i] = t2 - t0;
        st[i] = t1 - t0;
        cpu[i] = clock_ms(CLOCK_THREAD_CPUTIME_ID) - c0;
        board_state_free(&s);
    }
    /* the baseline in a loop of its own: a page image keeps one scaled copy
     * (render/image.c), so mixing the two sizes would scale it every time */
    for (int i = 0; i < SAMPLES; i++) {
        double t0 = now_ms();
        if (board_player_state_at_us(bp, tl_wall_from_play_us(tl, at[i] * 1000), &s) != 0 ||
            class_scene_draw_board(cs, s, big) != 0)
            return 2;
        full[i] = now_ms() - t0;
        board_state_free(&s);
    }
    double p50 = pct(th, SAMPLES, 0.5), p95 = pct(th, SAMPLES, 0.95);
    printf("class: %s (%zu board ops, %lld ms), opened in %.0f ms\n", src, ops_total,
           (long long)total, t_open);
    printf("thumbnail %dx%d: p50 %.2f ms, p95 %.2f ms, max %.2f ms (target <= 16)\n", tw, THUMB_H,
           p50, p95, th[SAMPLES - 1]);
    printf("  CPU time of the drawing thread: p50 %.2f ms, p95 %.2f ms (a loaded machine moves "
           "wall time more)\n",
           pct(cpu, SAMPLES, 0.5), pct(cpu, SAMPLES, 0.95));
    printf("  of which the state from the snapshots: p50 %.2f ms, p95 %.2f ms\n",
           pct(st, SAMPLES, 0.5), pct(st, SAMPLES, 0.95));
    double f50 = pct(full, SAMPLES, 0.5);
    printf("baseline: the same state drawn at the board region's size %dx%d: p50 %.2f ms, "
           "p95 %.2f ms\n",
           big->w, big->h, f50, pct(full, SAMPLES, 0.95));
    printf("ratio thumbnail p50 / board region p50: %.2f\n", p50 / f50);
    canvas_destroy(&thumb);
    canvas_destroy(&big);
    class_scene_destroy(&cs);
    class_close(&c);
    diag_clear(&diag);
    return 0;
}
