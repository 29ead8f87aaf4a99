/* bench_draw - whiteboard frame time with the cached page layer.
 *
 * A page holds 20000 finished strokes (16 points each, pen and
 * highlighter, widths 1..8) on a 1280x960 board drawn into a 1920x1080
 * canvas; one stroke is in progress (4 points appended per 16 ms frame) and
 * a laser pointer moves. Measured per frame: board_draw_frame() = copy of the
 * cached layer + the stroke in progress + the laser (the board model's seek
 * is not counted; it is player/board/board's benchmark). Baseline in the same
 * run: board_draw_full(), drawing all 20000 strokes from scratch on one
 * thread. Also a layer redraw through board_draw_frame() (two bands on two
 * threads for a crowded page) against that baseline.
 *
 * Prints p50/p95 frame ms, the baseline median and their ratio. Build in
 * Release for numbers that mean anything:
 *   cmake -S . -B build-rel -DCMAKE_BUILD_TYPE=Release && cmake --build build-rel
 *   build-rel/bench/bench_draw [strokes] [frames]
 */
#include "player/board/board.h"
#include "base/diag.h"
#include "render/board_draw.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static double cpu_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
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

struct buf {
    char *s;
    size_t len, cap;
};

static void put(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct buf *b, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
        va_end(ap);
        if (n >= 0 && (size_t)n < b->cap - b->len) {
            b->len += (size_t)n;
            return;
        }
        b->cap = b->cap ? b->cap * 2 : 1 << 16;
        b->s = realloc(b->s, b->cap);
        if (!b->s)
            abort();
    }
}

static uint64_t rng = 88172645463325252ull;
static double rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (rng >> 11) * (1.0 / 9007199254740992.0);
}

static void add_batch(struct board_log *log, struct buf *b, int64_t seq)
{
    struct diag_list d;
    diag_init(&d);
    if (board_log_add_batch(log, b->s, b->len, seq, "bench", &d) != 0 || d.errors) {
        diag_print(&d, stderr);
        exit(1);
    }
    diag_clear(&d);
    b->len = 0;
}

int main(int argc, char **argv)
{
    int strokes = argc > 1 ? atoi(argv[1]) : 20000;
    int frames = argc > 2 ? atoi(argv[2]) : 300;
    const int W = 1920, H = 1080, PER_BATCH = 2000;
    struct board_log *log = board_log_create();
    struct buf b = {0};
    int64_t t = 1000, seq = 0;
    put(&b,
        "{\"v\":1,\"ops\":[{\"t\":%lld,\"op\":\"board.add\",\"user\":\"u\",\"board\":\"p\"},"
        "{\"t\":%lld,\"op\":\"board.switch\",\"user\":\"u\",\"board\":\"p\"}]}",
        (long long)t, (long long)t);
    add_batch(log, &b, seq++);
    static const char *const colors[] = {"#1a1a1a", "#d03030", "#2060d0", "#20a050", "#ffe000"};
    for (int i = 0; i < strokes; i += PER_BATCH) {
        put(&b, "{\"v\":1,\"ops\":[");
        for (int k = i; k < strokes && k < i + PER_BATCH; k++) {
            t++;
            bool hl = k % 10 == 0;
            double x = 40 + rnd() * 1200, y = 40 + rnd() * 880;
            put(&b,
                "%s{\"t\":%lld,\"op\":\"stroke.begin\",\"user\":\"u\",\"id\":\"s%d\","
                "\"board\":\"p\",\"tool\":\"%s\",\"color\":\"%s\",\"width\":%d,\"pts\":[",
                k == i ? "" : ",", (long long)t, k, hl ? "highlighter" : "pen",
                colors[hl ? 4 : k % 4], hl ? 16 : 1 + k % 8);
            for (int p = 0; p < 16; p++) {
                put(&b, "%s%.1f,%.1f", p ? "," : "", x, y);
                x += (rnd() - 0.5) * 16;
                y += (rnd() - 0.5) * 16;
            }
            put(&b, "]},{\"t\":%lld,\"op\":\"stroke.end\",\"user\":\"u\",\"id\":\"s%d\"}",
                (long long)t, k);
        }
        put(&b, "]}");
        add_batch(log, &b, seq++);
    }
    /* the stroke in progress and the laser: one batch per frame */
    int64_t t0 = t + 1000;
    double x, y;
    for (int f = 0; f <= frames; f++) {
        int64_t tf = t0 + 16 * f;
        put(&b,
            "{\"v\":1,\"ops\":[{\"t\":%lld,\"op\":\"%s\",\"user\":\"v\",\"id\":\"live\",%s"
            "\"pts\":[",
            (long long)tf, f ? "stroke.append" : "stroke.begin",
            f ? "" : "\"board\":\"p\",\"tool\":\"pen\",\"color\":\"#c02020\",\"width\":4,");
        for (int p = 0; p < 4; p++) {
            /* handwriting-like: wiggles along lines of 900 units */
            int k = f * 4 + p;
            x = 200 + fmod(k * 2.0, 900);
            y = 250 + 80 * floor(k * 2.0 / 900) + 25 * sin(k * 0.2);
            put(&b, "%s%.1f,%.1f", p ? "," : "", x, y);
        }
        put(&b,
            "]},{\"t\":%lld,\"op\":\"laser\",\"user\":\"v\",\"board\":\"p\","
            "\"x\":%.1f,\"y\":%.1f}]}",
            (long long)tf, 640 + 200 * (f % 50) / 50.0, 600.0);
        add_batch(log, &b, seq++);
    }
    free(b.s);
    struct diag_list d;
    diag_init(&d);
    if (board_log_finish(log, &d)) {
        fprintf(stderr, "board_log_finish failed\n");
        return 1;
    }
    struct board_player *pl = NULL;
    if (board_player_create(&pl, log, NULL, &d)) {
        fprintf(stderr, "board_player_create failed\n");
        return 1;
    }
    diag_clear(&d);

    struct board_draw_opts o = {.board_w = 1280, .board_h = 960};
    struct board_draw *bd = NULL;
    if (board_draw_create(&bd, W, H, &o)) {
        fprintf(stderr, "board_draw_create failed\n");
        return 1;
    }
    const struct canvas *frame;
    /* first frame: builds the layer (not counted) */
    board_seek_us(pl, t0 * 1000);
    double tl = now_ms();
    board_draw_frame(bd, board_player_state(pl), &frame);
    double layer_ms = now_ms() - tl;

    double *ft = malloc(sizeof(double) * (size_t)frames);
    double *fc = malloc(sizeof(double) * (size_t)frames);
    for (int f = 1; f <= frames; f++) {
        board_seek_us(pl, (t0 + 16 * f) * 1000);
        double a = now_ms(), ac = cpu_ms();
        board_draw_frame(bd, board_player_state(pl), &frame);
        ft[f - 1] = now_ms() - a;
        fc[f - 1] = cpu_ms() - ac;
    }
    struct board_draw_stats st;
    board_draw_get_stats(bd, &st);

    /* baseline: full redraw of the same state */
    struct canvas *full = NULL;
    canvas_create(&full, W, H);
    enum { RUNS = 7 };
    double base[RUNS];
    for (int i = 0; i < RUNS; i++) {
        double a = now_ms();
        board_draw_full(bd, board_player_state(pl), full);
        base[i] = now_ms() - a;
    }
    /* a layer redraw (what a seek to another page or `render` costs): drawn
     * in two bands on two threads when the page is crowded (board_draw.c),
     * against the one-thread full redraw above */
    double band[RUNS];
    uint64_t bands_before = st.band_redraws;
    for (int i = 0; i < RUNS; i++) {
        board_draw_invalidate(bd);
        double a = now_ms();
        board_draw_frame(bd, board_player_state(pl), &frame);
        band[i] = now_ms() - a;
    }
    board_draw_get_stats(bd, &st);
    /* the incremental frame and the full redraw must show the same board */
    long diff = 0;
    for (int yy = 0; yy < H; yy++)
        for (int xx = 0; xx < W; xx++) {
            struct canvas_color p = canvas_get(frame, xx, yy), q = canvas_get(full, xx, yy);
            diff += abs(p.r - q.r) + abs(p.g - q.g) + abs(p.b - q.b);
        }

    double p50 = pct(ft, (size_t)frames, 0.5), p95 = pct(ft, (size_t)frames, 0.95);
    double c50 = pct(fc, (size_t)frames, 0.5), c95 = pct(fc, (size_t)frames, 0.95);
    double bmed = pct(base, RUNS, 0.5);
    printf("bench_draw: %d finished strokes, %dx%d, 1 stroke in progress + laser, %d frames\n",
           strokes, W, H, frames);
    printf("  first frame (layer build):      %8.2f ms\n", layer_ms);
    printf("  frame (cached layer) p50 / p95: %8.3f / %.3f ms wall\n", p50, p95);
    printf("                       p50 / p95: %8.3f / %.3f ms thread CPU\n", c50, c95);
    printf("  baseline full redraw median:    %8.2f ms (%d runs)\n", bmed, RUNS);
    printf("  ratio baseline / frame p50:     %8.1fx\n", bmed / p50);
    double rmed = pct(band, RUNS, 0.5);
    printf("  layer redraw median:            %8.2f ms (%llu of %d on two threads)\n", rmed,
           (unsigned long long)(st.band_redraws - bands_before), RUNS);
    printf("  ratio baseline / layer redraw:  %8.2fx\n", bmed / rmed);
    printf("  layer redraws during frames: %llu, mean abs diff frame vs full: %.4f\n",
           (unsigned long long)(st.full_redraws - 1 - RUNS), diff / (3.0 * W * H));
    if (getenv("BENCH_DRAW_PNG")) {
        canvas_write_png(frame, getenv("BENCH_DRAW_PNG"));
    }
    free(ft);
    free(fc);
    canvas_destroy(&full);
    board_draw_destroy(&bd);
    board_player_destroy(&pl);
    return 0;
}
