/* bench_compose - time to compose one frame of the class.
 *
 * The board preset on a 1920x1080 canvas with the chat column: an empty
 * board (its cached layer makes it a copy) and N camera lanes (default 4)
 * whose pictures are 1280x720 YUV 4:2:0 with changing content, scaled into
 * the strip tiles. Measured per frame: compose_draw() (swscale scales and
 * converts each picture straight to its tile size, then a row copy).
 *
 * Baseline in the same run, same frames: what a player without a direct
 * scaler would do per picture: convert it whole to RGBA with swscale
 * (unscaled), then draw that image into the tile with render/image.h
 * (image_draw_fit; a new picture each frame, so its minified copy is made
 * again every time).
 *
 * Prints p50/p95 frame ms of both and the ratio of medians. Build in
 * Release for numbers that mean anything:
 *   cmake -S . -B build-rel -DCMAKE_BUILD_TYPE=Release && cmake --build build-rel
 *   build-rel/bench/bench_compose [lanes] [frames]
 */
#include "player/recording/manifest.h"
#include "render/canvas.h"
#include "render/compose.h"
#include "render/image.h"
#include "render/layout.h"

#include <libavutil/pixfmt.h>
#include <libswscale/swscale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CW 1920
#define CH 1080
#define PW 1280
#define PH 720
#define MAX_LANES 16

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double pct(double *v, size_t n, double p)
{
    qsort(v, n, sizeof(*v), cmp_double);
    size_t i = (size_t)(p * (n - 1) + 0.5);
    return v[i];
}

struct yuv {
    uint8_t *plane[3];
    struct compose_picture pic;
};

/* A moving gradient with a per-lane tint; frame f. */
static void fill_yuv(struct yuv *y, int lane, int f)
{
    for (int r = 0; r < PH; r++)
        for (int x = 0; x < PW; x++)
            y->plane[0][(size_t)r * PW + x] = (uint8_t)(16 + ((x + r + 3 * f) & 0xFF) * 219 / 255);
    for (int r = 0; r < PH / 2; r++) {
        memset(y->plane[1] + (size_t)r * (PW / 2), 100 + 20 * lane + f % 7, PW / 2);
        memset(y->plane[2] + (size_t)r * (PW / 2), 150 - 10 * lane, PW / 2);
    }
}

int main(int argc, char **argv)
{
    int lanes = argc > 1 ? atoi(argv[1]) : 4;
    int frames = argc > 2 ? atoi(argv[2]) : 60;
    if (lanes < 1 || lanes > MAX_LANES || frames < 3) {
        fprintf(stderr, "usage: bench_compose [lanes 1..%d] [frames >= 3]\n", MAX_LANES);
        return 2;
    }

    /* A recording of `lanes` cameras, for the preset. */
    static struct rec_segment segs[MAX_LANES];
    static struct rec_lane rl[MAX_LANES];
    static char ids[MAX_LANES][16];
    for (int i = 0; i < lanes; i++) {
        snprintf(ids[i], sizeof(ids[i]), "user_%02d", i);
        segs[i] = (struct rec_segment){
            .play_us = i * 1000, .duration_us = 1000000, .width = PW, .height = PH};
        rl[i] = (struct rec_lane){ids[i], 0, REC_LANE_CAMERA, ids[i], ids[i], &segs[i], 1};
    }
    struct recording rec;
    memset(&rec, 0, sizeof(rec));
    rec.lanes = rl;
    rec.n_lanes = (size_t)lanes;
    rec.board_w = 1280;
    rec.board_h = 960;
    static struct layout l;
    if (layout_preset(LAYOUT_PRESET_BOARD, &rec, true, CW, CH, true, &l) != 0)
        return 1;

    /* The baseline's layout: the same, its lane regions left vacant (the
     * pictures are drawn into them afterwards). */
    static struct layout lb;
    lb = l;
    for (size_t r = 0; r < lb.n; r++)
        if (lb.regions[r].src == LAYOUT_SRC_LANE)
            lb.regions[r].src = LAYOUT_SRC_VACANT;

    struct yuv pics[MAX_LANES];
    struct compose_lane cl[MAX_LANES];
    for (int i = 0; i < lanes; i++) {
        for (int k = 0; k < 3; k++) {
            size_t sz = k ? (size_t)(PW / 2) * (PH / 2) : (size_t)PW * PH;
            pics[i].plane[k] = malloc(sz + 64);
            if (!pics[i].plane[k])
                return 1;
        }
        pics[i].pic =
            (struct compose_picture){{pics[i].plane[0], pics[i].plane[1], pics[i].plane[2], NULL},
                                     {PW, PW / 2, PW / 2, 0},
                                     PW,
                                     PH,
                                     AV_PIX_FMT_YUV420P,
                                     0,
                                     0};
        cl[i] = (struct compose_lane){&pics[i].pic, ids[i], REC_LANE_CAMERA, NULL};
    }
    struct compose *comp = NULL;
    struct canvas *cv = NULL;
    if (compose_create(&comp, NULL) != 0 || canvas_create(&cv, CW, CH) != 0)
        return 1;
    struct compose_scene s = {.lanes = cl, .n_lanes = (size_t)lanes, .has_board = true};

    double *t_comp = calloc((size_t)frames, sizeof(double));
    double *t_base = calloc((size_t)frames, sizeof(double));
    struct SwsContext *sws = NULL;
    if (!t_comp || !t_base)
        return 1;
    for (int f = 0; f < frames; f++) {
        for (int i = 0; i < lanes; i++)
            fill_yuv(&pics[i], i, f);

        double t0 = now_ms();
        if (compose_draw(comp, &l, &s, cv) != 0)
            return 1;
        t_comp[f] = now_ms() - t0;

        /* baseline: whole-picture RGBA, then image_draw_fit into the tile */
        t0 = now_ms();
        if (compose_draw(comp, &lb, &s, cv) != 0) /* board, backgrounds */
            return 1;
        for (size_t r = 0; r < l.n; r++) {
            const struct layout_region *g = &l.regions[r];
            if (g->src != LAYOUT_SRC_LANE || g->lane < 0)
                continue;
            struct image *img = calloc(1, sizeof(*img));
            if (!img)
                return 1;
            img->w = PW;
            img->h = PH;
            img->px = malloc((size_t)PW * PH * 4 + 256);
            if (!img->px)
                return 1;
            sws = sws_getCachedContext(sws, PW, PH, AV_PIX_FMT_YUV420P, PW, PH, AV_PIX_FMT_RGBA,
                                       SWS_BILINEAR, NULL, NULL, NULL);
            uint8_t *dp[4] = {img->px, NULL, NULL, NULL};
            int dls[4] = {PW * 4, 0, 0, 0};
            const struct compose_picture *p = &pics[g->lane].pic;
            sws_scale(sws, p->data, p->linesize, 0, PH, dp, dls);
            double rect[4] = {g->r.x, g->r.y, g->r.w, g->r.h};
            image_draw_fit(cv, img, rect, IMAGE_FIT_CONTAIN);
            image_free(img);
        }
        t_base[f] = now_ms() - t0;
    }
    double c50 = pct(t_comp, (size_t)frames, 0.5), c95 = pct(t_comp, (size_t)frames, 0.95);
    double b50 = pct(t_base, (size_t)frames, 0.5), b95 = pct(t_base, (size_t)frames, 0.95);
    printf("compose %dx%d, board preset + chat, %d lanes of %dx%d yuv420p, %d frames\n", CW, CH,
           lanes, PW, PH, frames);
    printf("compose_draw:          p50 %.2f ms  p95 %.2f ms\n", c50, c95);
    printf("baseline (rgba+image): p50 %.2f ms  p95 %.2f ms\n", b50, b95);
    printf("ratio baseline/compose (medians): %.2fx\n", b50 / c50);

    sws_freeContext(sws);
    for (int i = 0; i < lanes; i++)
        for (int k = 0; k < 3; k++)
            free(pics[i].plane[k]);
    free(t_comp);
    free(t_base);
    canvas_destroy(&cv);
    compose_destroy(&comp);
    return 0;
}
