/* bench_signaling.c - a class's IM pages: streamed (player/signaling/signaling) vs
 * read one after another (the baseline), from local files.
 *
 *   bench_signaling [replay.json] [runs] [parallel]
 *
 * Without a manifest it makes the 2-hour class (500k board ops, 20k chat
 * messages, about 10,600 pages) in ./bench-signaling-class first (a few
 * minutes). Each measurement runs in a child process of its own, so its
 * peak RSS (getrusage) is its own:
 *   baseline   every page read and merged (msg_log_add_json), the board
 *              log from msg_wb_next(), the player, the chat: what the
 *              player did before
 *   at 1h      signaling_want(w(1h)) + signaling_wait(w(1h)): the board the
 *              caller needs for `render --at 1h`
 *   final      the final generation
 *   warm       the same with a cache directory written by a first run
 * Prints medians and ratios against the baseline.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "im/chat.h"
#include "player/board/board.h"
#include "base/diag.h"
#include "player/net/loader.h"
#include "player/recording/manifest.h"
#include "im/msgpage.h"
#include "player/signaling/signaling.h"
#include "base/sp_error.h"
#include "player/recording/timeline.h"
#include "player/net/url.h"

#define MAX_RUNS 15

static int g_parallel; /* signaling_opts.parallel; 0: the default */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

struct sample {
    double at1h_s, final_s; /* seconds; at1h_s < 0: not measured */
    double rss_mb;
    int from_cache;
};

static void baseline(const struct recording *rec, struct sample *out)
{
    double t0 = now_s();
    struct diag_list d;
    diag_init(&d);
    struct msg_log *ml = msg_log_create();
    for (size_t i = 0; i < rec->n_message_pages; i++) {
        char *json = NULL;
        size_t len = 0;
        if (sp_loader_get(NULL, rec->message_urls[i], MSG_PAGE_MAX_BYTES, &json, &len, &d))
            continue;
        char *name = url_display_name(rec->message_urls[i]);
        msg_log_add_json(ml, json, len, name, &d);
        free(name);
        free(json);
    }
    struct board_log *log = board_log_create();
    struct msg_wb_iter it;
    struct msg_wb_batch b;
    msg_wb_iter_init(&it, ml);
    while (msg_wb_next(&it, &b))
        if (board_log_add_batch(log, b.data, b.len, b.msg_seq, b.where, &d) == SP_ELIMIT)
            break;
    board_log_finish(log, &d);
    struct board_player *p = NULL;
    board_player_create(&p, log, NULL, &d);
    struct chat_log *chat = NULL;
    chat_log_build(ml, &chat, &d);
    out->final_s = now_s() - t0;
    out->at1h_s = -1;
    board_player_destroy(&p);
    chat_log_destroy(&chat);
    msg_log_destroy(&ml);
    diag_clear(&d);
}

static void streamed(const struct recording *rec, int64_t w1h, const char *cache_dir,
                     struct sample *out)
{
    double t0 = now_s();
    struct signaling_opts o = {.cache_dir = cache_dir, .parallel = g_parallel};
    struct signaling *s = NULL;
    if (signaling_start(rec, &o, &s))
        exit(1);
    signaling_want(s, w1h);
    if (signaling_wait(s, w1h, -1))
        exit(1);
    out->at1h_s = now_s() - t0;
    if (signaling_wait(s, INT64_MAX, -1))
        exit(1);
    out->final_s = now_s() - t0;
    struct signaling_progress pr;
    signaling_progress(s, &pr);
    out->from_cache = pr.from_cache;
    signaling_destroy(&s);
}

/* Runs one measurement in a child; mode 0 baseline, 1 streamed, 2 warm. */
static int measure(const struct recording *rec, int64_t w1h, int mode, const char *cache_dir,
                   struct sample *out)
{
    int fd[2];
    if (pipe(fd))
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        close(fd[0]);
        struct sample s = {0};
        if (mode == 0)
            baseline(rec, &s);
        else
            streamed(rec, w1h, mode == 2 ? cache_dir : NULL, &s);
        struct rusage ru;
        getrusage(RUSAGE_SELF, &ru);
        s.rss_mb = ru.ru_maxrss / 1024.0;
        if (write(fd[1], &s, sizeof(s)) != (ssize_t)sizeof(s))
            _exit(1);
        _exit(0);
    }
    close(fd[1]);
    ssize_t n = read(fd[0], out, sizeof(*out));
    close(fd[0]);
    int st = 0;
    waitpid(pid, &st, 0);
    return n == (ssize_t)sizeof(*out) && WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof(*v), cmp_d);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int main(int argc, char **argv)
{
    const char *manifest = argc > 1 ? argv[1] : "bench-signaling-class/replay.json";
    int runs = argc > 2 ? atoi(argv[2]) : 3;
    if (runs < 1 || runs > MAX_RUNS)
        runs = 3;
    g_parallel = argc > 3 ? atoi(argv[3]) : 0;
    struct stat st;
    if (argc <= 1 && stat(manifest, &st) != 0) {
#ifdef SIGPLAY_MKCLASS
        fprintf(stderr, "making the 2-hour class in bench-signaling-class (a few minutes)\n");
        if (system("'" SIGPLAY_MKCLASS "' -q -o bench-signaling-class --duration-ms 7200000 "
                   "--lanes 3 --size 160x90 --fps 5 --ops 500000 --chat 20000 "
                   "--pause-ms 600000") != 0)
            return 1;
#else
        fprintf(stderr, "usage: bench_signaling replay.json [runs]\n");
        return 2;
#endif
    }
    struct diag_list d;
    diag_init(&d);
    struct recording *rec = NULL;
    if (manifest_open(manifest, NULL, NULL, &d, &rec)) {
        diag_print(&d, stderr);
        return 1;
    }
    struct timeline *tl = NULL;
    if (tl_create(rec, &tl))
        return 1;
    int64_t w1h = tl_wall_from_play_us(tl, 3600000000);
    char cache_dir[] = "/tmp/bench-signaling-XXXXXX";
    if (!mkdtemp(cache_dir))
        return 1;
    printf("%s: %zu pages, %d runs each\n", manifest, rec->n_message_pages, runs);

    double base_t[MAX_RUNS], base_r[MAX_RUNS], s1h[MAX_RUNS], sfin[MAX_RUNS], srss[MAX_RUNS];
    double wfin[MAX_RUNS], wrss[MAX_RUNS];
    struct sample s;
    if (measure(rec, w1h, 2, cache_dir, &s)) /* writes the cache */
        return 1;
    for (int i = 0; i < runs; i++) {
        if (measure(rec, w1h, 0, NULL, &s))
            return 1;
        base_t[i] = s.final_s;
        base_r[i] = s.rss_mb;
        if (measure(rec, w1h, 1, NULL, &s))
            return 1;
        s1h[i] = s.at1h_s;
        sfin[i] = s.final_s;
        srss[i] = s.rss_mb;
        if (measure(rec, w1h, 2, cache_dir, &s) || !s.from_cache)
            return 1;
        wfin[i] = s.final_s;
        wrss[i] = s.rss_mb;
    }
    double bt = median(base_t, runs), br = median(base_r, runs);
    double t1 = median(s1h, runs), tf = median(sfin, runs), rs = median(srss, runs);
    double wt = median(wfin, runs), wr = median(wrss, runs);
    printf("baseline (one after another): %.3f s, peak RSS %.0f MB\n", bt, br);
    printf("streamed, board at 1h:        %.3f s (%.1fx faster)\n", t1, bt / t1);
    printf("streamed, final generation:   %.3f s (%.1fx faster), peak RSS %.0f MB (%.2fx)\n", tf,
           bt / tf, rs, rs / br);
    printf("warm (cache), final:          %.3f s (%.1fx faster), peak RSS %.0f MB (%.2fx)\n", wt,
           bt / wt, wr, wr / br);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", cache_dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", cache_dir);
    tl_destroy(&tl);
    recording_free(rec);
    diag_clear(&d);
    return 0;
}
