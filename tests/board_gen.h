/* board_gen.h - deterministic generator of whiteboard op batches (replay
 * format, section 5) for tests and benchmarks: several users drawing,
 * appending, moving, erasing, clearing, undoing and redoing on a few pages,
 * with batch times that interleave (so ordering matters) and a few ops that
 * name unknown ids. Header-only (static inline) so both tests/ and bench/
 * can include it without a library.
 */
#ifndef SP_TESTS_BOARD_GEN_H
#define SP_TESTS_BOARD_GEN_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BGEN_USERS 3
#define BGEN_RECENT 64

struct bgen {
    uint64_t rng;
    int64_t t;       /* board ms, advances */
    int64_t step_ms; /* mean gap between batches */
    int next_id;
    int boards;              /* boards added so far: b0 .. b<boards-1> */
    int open[BGEN_USERS];    /* id of the user's open stroke, -1 none */
    int recent[BGEN_RECENT]; /* recently created ids (may be erased: fine) */
    int nrecent;
    char *buf;
    size_t len, cap;
};

static inline uint64_t bgen_rand(struct bgen *g)
{
    uint64_t x = g->rng;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    g->rng = x;
    return x;
}

static inline int bgen_int(struct bgen *g, int n)
{
    return (int)(bgen_rand(g) % (uint64_t)n);
}

static inline void bgen_put(struct bgen *g, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static inline void bgen_put(struct bgen *g, const char *fmt, ...)
{
    char tmp[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n >= sizeof(tmp))
        n = sizeof(tmp) - 1;
    if (g->len + (size_t)n + 1 > g->cap) {
        size_t ncap = g->cap ? g->cap * 2 : 4096;
        while (ncap < g->len + (size_t)n + 1)
            ncap *= 2;
        char *nb = realloc(g->buf, ncap);
        if (!nb)
            abort();
        g->buf = nb;
        g->cap = ncap;
    }
    memcpy(g->buf + g->len, tmp, (size_t)n + 1);
    g->len += (size_t)n;
}

static inline void bgen_init(struct bgen *g, uint64_t seed, int64_t start_ms, int64_t step_ms)
{
    memset(g, 0, sizeof(*g));
    g->rng = seed * 2654435761u + 88172645463325252ull;
    g->t = start_ms;
    g->step_ms = step_ms;
    for (int u = 0; u < BGEN_USERS; u++)
        g->open[u] = -1;
}

static inline void bgen_free(struct bgen *g)
{
    free(g->buf);
    g->buf = NULL;
}

static inline int bgen_pick(struct bgen *g)
{
    return g->nrecent ? g->recent[bgen_int(g, g->nrecent)] : 0;
}

static inline void bgen_created(struct bgen *g, int id)
{
    if (g->nrecent < BGEN_RECENT)
        g->recent[g->nrecent++] = id;
    else
        g->recent[bgen_int(g, BGEN_RECENT)] = id;
}

static inline void bgen_points(struct bgen *g, int n)
{
    bgen_put(g, "\"pts\":[");
    for (int i = 0; i < n; i++)
        bgen_put(g, "%s%d,%d", i ? "," : "", bgen_int(g, 1280), bgen_int(g, 960));
    bgen_put(g, "]");
}

/* One op of user u at time t into g->buf. */
static inline void bgen_op(struct bgen *g, int u, int64_t t)
{
    static const char *const colors[] = {"#ff0000", "#00aa00", "#2040ffcc", "#000000"};
    bgen_put(g, "{\"t\":%lld,\"user\":\"user%d\",", (long long)t, u);
    int board = g->boards ? bgen_int(g, g->boards > 3 ? 3 : g->boards) : 0;
    if (g->open[u] >= 0) {
        int r = bgen_int(g, 10);
        if (r < 8) {
            bgen_put(g, "\"op\":\"stroke.append\",\"id\":\"e%d\",", g->open[u]);
            bgen_points(g, 4);
            bgen_put(g, "}");
            return;
        }
        if (r == 8) {
            bgen_put(g, "\"op\":\"stroke.end\",\"id\":\"e%d\"}", g->open[u]);
            g->open[u] = -1;
            return;
        }
    }
    int r = bgen_int(g, 1000);
    if (r < 300) {
        int id = g->next_id++;
        bgen_put(g,
                 "\"op\":\"stroke.begin\",\"id\":\"e%d\",\"board\":\"b%d\",\"tool\":\"%s\","
                 "\"color\":\"%s\",\"width\":%d,",
                 id, board, r < 260 ? "pen" : "highlighter", colors[bgen_int(g, 4)],
                 1 + bgen_int(g, 12));
        bgen_points(g, 2);
        bgen_put(g, "}");
        if (g->open[u] < 0)
            g->open[u] = id;
        bgen_created(g, id);
    } else if (r < 420) {
        static const char *const kinds[] = {"line", "arrow", "rect", "ellipse"};
        int id = g->next_id++;
        int k = bgen_int(g, 4);
        bgen_put(g,
                 "\"op\":\"shape\",\"id\":\"e%d\",\"board\":\"b%d\",\"kind\":\"%s\","
                 "\"x1\":%d,\"y1\":%d,\"x2\":%d,\"y2\":%d,\"color\":\"%s\",\"width\":%d%s}",
                 id, board, kinds[k], bgen_int(g, 1280), bgen_int(g, 960), bgen_int(g, 1280),
                 bgen_int(g, 960), colors[bgen_int(g, 4)], 1 + bgen_int(g, 6),
                 k >= 2 && bgen_int(g, 2) ? ",\"fill\":\"#ffee0080\"" : "");
        bgen_created(g, id);
    } else if (r < 470) {
        int id = g->next_id++;
        bgen_put(g,
                 "\"op\":\"text\",\"id\":\"e%d\",\"board\":\"b%d\",\"x\":%d,\"y\":%d,"
                 "\"text\":\"note %d\\nline 2\",\"size\":%d,\"color\":\"#202020\"}",
                 id, board, bgen_int(g, 1200), bgen_int(g, 900), id, 12 + bgen_int(g, 30));
        bgen_created(g, id);
    } else if (r < 560) {
        bgen_put(g, "\"op\":\"move\",\"ids\":[\"e%d\",\"e%d\"],\"dx\":%d,\"dy\":%d}", bgen_pick(g),
                 bgen_pick(g), bgen_int(g, 41) - 20, bgen_int(g, 41) - 20);
    } else if (r < 630) {
        bgen_put(g, "\"op\":\"erase\",\"ids\":[\"e%d\"]}", bgen_pick(g));
    } else if (r < 645) {
        bgen_put(g, "\"op\":\"clear\",\"board\":\"b%d\"}", board);
    } else if (r < 760) {
        bgen_put(g, "\"op\":\"undo\"}");
    } else if (r < 830) {
        bgen_put(g, "\"op\":\"redo\"}");
    } else if (r < 900) {
        bgen_put(g, "\"op\":\"laser\",\"board\":\"b%d\",\"x\":%d,\"y\":%d}", board,
                 bgen_int(g, 1280), bgen_int(g, 960));
    } else if (r < 930) {
        bgen_put(g, "\"op\":\"view\",\"board\":\"b%d\",\"scale\":%.2f,\"x\":%d,\"y\":%d}", board,
                 0.5 + bgen_int(g, 30) / 10.0, bgen_int(g, 400), bgen_int(g, 300));
    } else if (r < 970) {
        bgen_put(g, "\"op\":\"board.switch\",\"board\":\"b%d\"}", board);
    } else if (r < 980) {
        bgen_put(g, "\"op\":\"board.add\",\"board\":\"b%d\",\"color\":\"#fafafa\"}", g->boards++);
    } else if (r < 988) {
        bgen_put(g,
                 "\"op\":\"board.bg\",\"board\":\"b%d\",\"image\":\"images/slide%d.png\","
                 "\"fit\":\"%s\"}",
                 board, bgen_int(g, 4), bgen_int(g, 2) ? "cover" : "contain");
    } else if (r < 990) {
        /* Rare: remove the newest extra page (b0..b2 stay). Once in a while
         * a page that is gone: warned and skipped. */
        int b = g->boards > 3 ? --g->boards : 3 + bgen_int(g, 3);
        bgen_put(g, "\"op\":\"board.remove\",\"board\":\"b%d\"}", b);
    } else {
        /* An op naming an id nobody created: warned and skipped. */
        bgen_put(g, "\"op\":\"erase\",\"ids\":[\"ghost%d\"]}", bgen_int(g, 100));
    }
}

/* Builds the next batch into g->buf ({"v":1,"ops":[...]}, nops ops of one
 * user); returns its op count. Times jitter so batches of different users
 * interleave. */
static inline int bgen_batch(struct bgen *g, int max_ops, int64_t *batch_t, int *user)
{
    g->len = 0;
    int u = bgen_int(g, BGEN_USERS);
    int n = 1 + bgen_int(g, max_ops);
    g->t += bgen_int(g, (int)(2 * g->step_ms) + 1);
    int64_t t = g->t - bgen_int(g, 40); /* may be earlier than the previous batch */
    bgen_put(g, "{\"v\":1,\"ops\":[");
    int written = 0;
    if (g->boards == 0) {
        for (int b = 0; b < 3; b++)
            bgen_put(g,
                     "{\"t\":%lld,\"user\":\"user%d\",\"op\":\"board.add\","
                     "\"board\":\"b%d\",\"color\":\"#ffffff\"},",
                     (long long)t, u, b);
        bgen_put(g, "{\"t\":%lld,\"user\":\"user%d\",\"op\":\"board.switch\",\"board\":\"b0\"},",
                 (long long)t, u);
        g->boards = 3;
        written = 4;
        n += 4;
    }
    for (int i = written; i < n; i++) {
        if (i > written)
            bgen_put(g, ",");
        bgen_op(g, u, t + i * 3);
    }
    bgen_put(g, "]}");
    *batch_t = t;
    *user = u;
    return n;
}

#endif
