/* bench_board.c - board seek on a synthetic 2-hour class with 500k ops.
 *
 * Builds the op log with the deterministic generator of tests/board_gen.h
 * (3 users drawing, moving, erasing, clearing, undoing on a few pages), then
 * measures in one run:
 *   - 1000 random seeks (board_seek: nearest snapshot + the ops after it),
 *   - the baseline: replay from the empty board (board_seek_from_start) to
 *     random times, and the ratio of the medians,
 *   - the memory of all snapshots plus the current state (counted by the
 *     model's allocator; shared data counted once) and of the op log.
 *
 * Usage: bench_board [ops] [seeks] [snap_every_ops] [snap_every_ms]
 * Defaults: 500000 1000 and BOARD_OPTS_DEFAULT.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "player/board/board.h"
#include "tests/board_gen.h"

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double pct(double *v, size_t n, double p)
{
    qsort(v, n, sizeof(*v), cmp_double);
    size_t i = (size_t)(p * (double)(n - 1) + 0.5);
    return v[i];
}

int main(int argc, char **argv)
{
    size_t target = argc > 1 ? strtoul(argv[1], NULL, 10) : 500000;
    size_t nseeks = argc > 2 ? strtoul(argv[2], NULL, 10) : 1000;
    struct board_opts opts = BOARD_OPTS_DEFAULT;
    if (argc > 3)
        opts.snap_every_ops = (uint32_t)strtoul(argv[3], NULL, 10);
    if (argc > 4)
        opts.snap_every_us = strtoll(argv[4], NULL, 10) * 1000; /* the option stays ms */
    if (nseeks < 2)
        nseeks = 2;

    /* 2 hours: mean gap between batches so that target ops span 7.2e6 ms
     * (batches hold 4.5 ops on average). */
    const int64_t start = 1700000000000LL, span = 2 * 3600 * 1000;
    struct bgen g;
    bgen_init(&g, 42, start, span * 45 / 10 / (int64_t)(target ? target : 1));
    struct board_log *log = board_log_create();
    struct diag_list d;
    diag_init(&d);
    double t0 = now_ms();
    size_t n = 0;
    int64_t seq = 1;
    while (n < target) {
        int64_t bt;
        int u;
        n += (size_t)bgen_batch(&g, 8, &bt, &u);
        if (board_log_add_batch(log, g.buf, g.len, seq++, "bench", &d) != 0) {
            fprintf(stderr, "bench_board: batch rejected\n");
            return 1;
        }
    }
    bgen_free(&g);
    double t_parse = now_ms() - t0;
    t0 = now_ms();
    if (board_log_finish(log, &d) != 0)
        return 1;
    double t_finish = now_ms() - t0;
    int64_t first = board_log_first_time_us(log) / 1000, last = board_log_last_time_us(log) / 1000;
    t0 = now_ms();
    struct board_player *p = NULL;
    if (board_player_create(&p, log, &opts, &d) != 0) {
        fprintf(stderr, "bench_board: player failed\n");
        return 1;
    }
    double t_create = now_ms() - t0;
    struct board_stats st;
    board_player_stats(p, &st);
    printf("board: %zu ops in %.0f min of board time, %zu batches, %zu warnings\n",
           board_log_op_count(board_player_log(p)), (double)(last - first) / 60000.0,
           (size_t)(seq - 1), d.warnings);
    printf("parse %.0f ms, sort %.0f ms, first replay with snapshots %.0f ms\n", t_parse, t_finish,
           t_create);
    printf("snapshots: %zu (every %u ops / %lld ms), memory %.1f MB (all snapshots + state),"
           " op log %.1f MB\n",
           st.snapshots, opts.snap_every_ops, (long long)(opts.snap_every_us / 1000),
           (double)st.model_bytes / 1048576.0, (double)st.log_bytes / 1048576.0);

    double *seek = malloc(nseeks * sizeof(double));
    uint64_t rng = 12345;
    volatile uint64_t sink = 0;
    for (size_t i = 0; i < nseeks; i++) {
        rng = rng * 6364136223846793005ull + 1442695040888963407ull;
        int64_t w = first + (int64_t)((rng >> 16) % (uint64_t)(last - first + 1));
        double a = now_ms();
        if (board_seek_us(p, w * 1000) != 0)
            return 1;
        seek[i] = now_ms() - a;
        sink += board_state_time_us(board_player_state(p));
    }
    board_player_stats(p, &st);
    size_t peak_model = st.model_bytes;
    double s50 = pct(seek, nseeks, 0.5), s95 = pct(seek, nseeks, 0.95);
    double smax = seek[nseeks - 1];

    /* Baseline: replay from the empty board, fewer runs (each is long). */
    size_t nbase = nseeks / 50 < 5 ? 5 : nseeks / 50;
    double *base = malloc(nbase * sizeof(double));
    for (size_t i = 0; i < nbase; i++) {
        rng = rng * 6364136223846793005ull + 1442695040888963407ull;
        int64_t w = first + (int64_t)((rng >> 16) % (uint64_t)(last - first + 1));
        double a = now_ms();
        if (board_seek_from_start_us(p, w * 1000) != 0)
            return 1;
        base[i] = now_ms() - a;
    }
    double b50 = pct(base, nbase, 0.5);
    double a = now_ms();
    board_seek_from_start_us(p, last * 1000);
    double full = now_ms() - a;

    printf("seek (%zu random): median %.3f ms, p95 %.3f ms, max %.3f ms\n", nseeks, s50, s95, smax);
    printf("baseline replay from start (%zu random): median %.1f ms; to the end %.1f ms\n", nbase,
           b50, full);
    printf("ratio baseline/seek (medians): %.0fx\n", b50 / (s50 > 0 ? s50 : 1e-6));
    printf("memory after the seeks: %.1f MB\n", (double)peak_model / 1048576.0);
    printf("RESULT seek_p50_ms=%.3f seek_p95_ms=%.3f baseline_p50_ms=%.1f ratio=%.0f "
           "snapshot_mb=%.1f log_mb=%.1f\n",
           s50, s95, b50, b50 / (s50 > 0 ? s50 : 1e-6), (double)peak_model / 1048576.0,
           (double)st.log_bytes / 1048576.0);
    (void)sink;
    free(seek);
    free(base);
    board_player_destroy(&p);
    diag_clear(&d);
    return 0;
}
