/* bench_sigcache.c - what the signaling cache saves on a second open.
 *
 * Reads a class's IM pages (DIR/im/messages-NNN.json, as sigplay-mkclass
 * writes them) into the merged message log, then measures in one run
 * (medians of several runs each):
 *   - the baseline: the board log built from the pages' whiteboard batches
 *     (board_log_add_batch for every batch, then board_log_finish), and the
 *     chat model built from the message log (chat_log_build);
 *   - board_log_clone of the unfinished log and board_log_finish of the copy
 *     (what a generation costs before its player);
 *   - board_log_serialize / board_log_deserialize of the finished log, and
 *     the ratio deserialize / baseline;
 *   - board_player_create on the loaded log (the first replay with its
 *     snapshots), without and with a diagnostics list;
 *   - chat_log_serialize / chat_log_deserialize;
 *   - the bytes of both serialized forms.
 *
 * The first run of deserialize and player_create is printed too: it is the
 * only one whose memory is fresh from the kernel (later runs reuse what the
 * previous one freed), and first-touch page faults can dominate it.
 *
 * Usage: bench_sigcache DIR [runs]
 * Make DIR with: sigplay-mkclass -o DIR --duration-ms 7200000 --lanes 3
 *   --size 160x90 --fps 5 --ops 500000 --chat 20000 --pause-ms 600000
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "im/chat.h"
#include "player/board/board.h"
#include "base/diag.h"
#include "im/msgpage.h"

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

static double median(double *v, size_t n)
{
    qsort(v, n, sizeof(*v), cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (buf) {
        buf[n] = '\0';
        *len = (size_t)n;
    }
    return buf;
}

/* The baseline: every whiteboard batch of the message log into a new log. */
static struct board_log *build_board(const struct msg_log *ml, bool finish, size_t *batches)
{
    struct board_log *log = board_log_create();
    struct diag_list d;
    diag_init(&d);
    struct msg_wb_iter it;
    msg_wb_iter_init(&it, ml);
    struct msg_wb_batch b;
    size_t n = 0;
    while (msg_wb_next(&it, &b)) {
        board_log_add_batch(log, b.data, b.len, b.msg_seq, b.where, &d);
        n++;
    }
    if (finish && board_log_finish(log, &d) != 0) {
        fprintf(stderr, "bench_sigcache: finish failed\n");
        exit(1);
    }
    diag_clear(&d);
    if (batches)
        *batches = n;
    return log;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_sigcache DIR [runs]\n");
        return 2;
    }
    size_t runs = argc > 2 ? strtoul(argv[2], NULL, 10) : 5;
    if (runs < 1)
        runs = 1;
    struct diag_list d;
    diag_init(&d);
    struct msg_log *ml = msg_log_create();
    double t0 = now_ms();
    size_t pages = 0, page_bytes = 0;
    for (;; pages++) {
        char path[4096];
        snprintf(path, sizeof(path), "%s/im/messages-%03zu.json", argv[1], pages);
        size_t len;
        char *json = read_file(path, &len);
        if (!json)
            break;
        page_bytes += len;
        char name[64];
        snprintf(name, sizeof(name), "im/messages-%03zu.json", pages);
        if (msg_log_add_json(ml, json, len, name, &d) != 0) {
            fprintf(stderr, "bench_sigcache: %s refused\n", path);
            return 1;
        }
        free(json);
    }
    double t_pages = now_ms() - t0;
    if (!pages) {
        fprintf(stderr, "bench_sigcache: no %s/im/messages-000.json\n", argv[1]);
        return 1;
    }

    double *v = malloc(runs * sizeof(double));
    size_t batches = 0;
    for (size_t i = 0; i < runs; i++) {
        t0 = now_ms();
        struct board_log *log = build_board(ml, true, &batches);
        v[i] = now_ms() - t0;
        board_log_free(log);
    }
    double m_build = median(v, runs);

    struct board_log *open = build_board(ml, false, NULL);
    for (size_t i = 0; i < runs; i++) {
        t0 = now_ms();
        struct board_log *c = board_log_clone(open);
        v[i] = now_ms() - t0;
        if (!c)
            return 1;
        board_log_free(c);
    }
    double m_clone = median(v, runs);
    /* A generation: the copy finished (sorted, ids laid out). */
    for (size_t i = 0; i < runs; i++) {
        struct board_log *c = board_log_clone(open);
        if (!c)
            return 1;
        t0 = now_ms();
        board_log_finish(c, &d);
        v[i] = now_ms() - t0;
        board_log_free(c);
    }
    double m_finish = median(v, runs);
    size_t nops = board_log_op_count(open);
    board_log_finish(open, &d);
    struct board_log *log = open;

    uint8_t *buf = NULL;
    size_t len = 0;
    for (size_t i = 0; i < runs; i++) {
        free(buf);
        t0 = now_ms();
        if (board_log_serialize(log, &buf, &len) != 0)
            return 1;
        v[i] = now_ms() - t0;
    }
    double m_ser = median(v, runs);
    for (size_t i = 0; i < runs; i++) {
        struct board_log *back = NULL;
        t0 = now_ms();
        if (board_log_deserialize(buf, len, &back, &d) != 0)
            return 1;
        v[i] = now_ms() - t0;
        board_log_free(back);
    }
    double first_de = v[0];
    double m_de = median(v, runs);
    double *v2 = malloc(runs * sizeof(double));
    struct board_stats st = {0};
    for (size_t i = 0; i < runs; i++) {
        for (int with_diag = 0; with_diag < 2; with_diag++) {
            struct board_log *back = NULL;
            if (board_log_deserialize(buf, len, &back, &d) != 0)
                return 1;
            struct diag_list pd;
            diag_init(&pd);
            struct board_player *p = NULL;
            t0 = now_ms();
            if (board_player_create(&p, back, NULL, with_diag ? &pd : NULL) != 0)
                return 1;
            (with_diag ? v2 : v)[i] = now_ms() - t0;
            board_player_stats(p, &st);
            board_player_destroy(&p);
            diag_clear(&pd);
        }
    }
    double first_create = v[0];
    double m_create = median(v, runs), m_create_diag = median(v2, runs);
    board_log_free(log);

    for (size_t i = 0; i < runs; i++) {
        struct chat_log *c = NULL;
        t0 = now_ms();
        if (chat_log_build(ml, &c, &d) != 0)
            return 1;
        v[i] = now_ms() - t0;
        chat_log_destroy(&c);
    }
    double m_chat = median(v, runs);
    struct chat_log *chat = NULL;
    chat_log_build(ml, &chat, &d);
    size_t items = chat->count;
    msg_log_destroy(&ml); /* the chat model does not need it any more */
    uint8_t *cbuf = NULL;
    size_t clen = 0;
    for (size_t i = 0; i < runs; i++) {
        free(cbuf);
        t0 = now_ms();
        if (chat_log_serialize(chat, &cbuf, &clen) != 0)
            return 1;
        v[i] = now_ms() - t0;
    }
    double m_cser = median(v, runs);
    for (size_t i = 0; i < runs; i++) {
        struct chat_log *back = NULL;
        t0 = now_ms();
        if (chat_log_deserialize(cbuf, clen, &back, &d) != 0)
            return 1;
        v[i] = now_ms() - t0;
        chat_log_destroy(&back);
    }
    double m_cde = median(v, runs);
    chat_log_destroy(&chat);

    printf("class: %zu pages (%.1f MB) read and merged in %.0f ms; %zu batches, %zu ops, "
           "%zu chat items\n",
           pages, (double)page_bytes / 1048576.0, t_pages, batches, nops, items);
    printf("board log from the batches (baseline): %.1f ms\n", m_build);
    printf(
        "board_log_clone (unfinished, %zu ops): %.1f ms; board_log_finish of the copy: %.1f ms\n",
        nops, m_clone, m_finish);
    printf("board_log_serialize: %.1f ms, %.1f MB\n", m_ser, (double)len / 1048576.0);
    printf("board_log_deserialize: %.1f ms (%.3f of the baseline, %.0fx faster)\n", m_de,
           m_de / m_build, m_build / (m_de > 0 ? m_de : 1e-6));
    printf("board_player_create on the loaded log: %.1f ms (with diagnostics %.1f ms), "
           "%zu snapshots\n",
           m_create, m_create_diag, st.snapshots);
    printf("deserialize + player_create: %.1f ms (first run, into memory the process never "
           "touched: %.1f + %.1f ms)\n",
           m_de + m_create, first_de, first_create);
    printf("chat_log_build (baseline): %.1f ms; chat_log_serialize %.1f ms, %.2f MB; "
           "chat_log_deserialize %.1f ms (%.0fx faster)\n",
           m_chat, m_cser, (double)clen / 1048576.0, m_cde, m_chat / (m_cde > 0 ? m_cde : 1e-6));
    printf("RESULT build_ms=%.1f clone_ms=%.1f ser_ms=%.1f de_ms=%.1f de_ratio=%.3f "
           "create_ms=%.1f create_diag_ms=%.1f first_de_ms=%.1f first_create_ms=%.1f "
           "board_bytes=%zu chat_build_ms=%.1f "
           "chat_ser_ms=%.1f chat_de_ms=%.1f chat_bytes=%zu\n",
           m_build, m_clone, m_ser, m_de, m_de / m_build, m_create, m_create_diag, first_de,
           first_create, len, m_chat, m_cser, m_cde, clen);
    free(buf);
    free(cbuf);
    free(v);
    free(v2);
    diag_clear(&d);
    return 0;
}
