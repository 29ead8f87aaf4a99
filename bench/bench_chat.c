/* bench_chat.c - the chat model's side of a panel update after a seek.
 *
 * A 2-hour class with 20,000 chat messages (synthetic group-history pages,
 * 20 per page, newest first, overlapping by one) is parsed, merged and
 * turned into the chat model. Then 1,000 random seeks each compute the
 * panel's window (the last 50 items at or before w) and touch its items
 * (sender and part texts), as the panel would. Measured per seek, against a
 * baseline in the same run: a linear scan over every item for the same
 * window. Prints median and p95 of each and the ratio of medians.
 *
 * Usage: bench_chat [messages] [seeks]
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "im/chat.h"
#include "base/diag.h"
#include "im/msgpage.h"

#define CLASS_S 7200
#define PAGE 20
#define WINDOW 50
#define START_S 1700000000LL

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static int64_t pct(int64_t *v, size_t n, double p)
{
    qsort(v, n, sizeof(*v), cmp_i64);
    size_t i = (size_t)(p * (double)(n - 1) + 0.5);
    return v[i];
}

/* xorshift: deterministic, no libc rand() state. */
static uint64_t rng_state = 88172645463325252ull;
static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static const char *const texts[] = {
    "\xe5\xa5\xbd\xe7\x9a\x84 \xf0\x9f\x91\x8c",
    "OK, got it",
    "1/2 + 1/3 = 5/6 ?",
    "\xf0\x9f\x91\x8d\xf0\x9f\x91\x8d",
    "could you repeat the last step please, I missed it",
};

/* Writes page p (0 = newest) of n messages with stamps ts[]. */
static char *make_page(size_t p, size_t n, const int64_t *ts)
{
    size_t hi = n - 1 - p * (PAGE - 1); /* overlapping by one */
    size_t count = hi + 1 < PAGE ? hi + 1 : PAGE;
    size_t cap = count * 400 + 128;
    char *s = malloc(cap);
    if (!s)
        return NULL;
    size_t o = (size_t)snprintf(s, cap,
                                "{\"ActionStatus\":\"OK\",\"ErrorCode\":0,"
                                "\"IsFinished\":%d,\"RspMsgList\":[",
                                hi + 1 <= PAGE);
    for (size_t k = 0; k < count; k++) {
        size_t i = hi - k;
        o += (size_t)snprintf(s + o, cap - o,
                              "%s{\"From_Account\":\"student_%02zu\",\"MsgSeq\":%zu,"
                              "\"MsgRandom\":%zu,\"MsgTimeStamp\":%" PRId64 ",\"IsPlaceMsg\":0,"
                              "\"MsgBody\":[{\"MsgType\":\"TIMTextElem\",\"MsgContent\":"
                              "{\"Text\":\"%s #%zu\"}}]}",
                              k ? "," : "", i % 40, i + 1000, i * 7919 % 100000, ts[i],
                              texts[i % 5], i);
    }
    snprintf(s + o, cap - o, "]}");
    return s;
}

int main(int argc, char **argv)
{
    size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 20000;
    size_t seeks = argc > 2 ? strtoul(argv[2], NULL, 10) : 1000;
    if (n < PAGE || seeks < 1) {
        fprintf(stderr, "usage: bench_chat [messages >= %d] [seeks >= 1]\n", PAGE);
        return 2;
    }
    int64_t *ts = malloc(n * sizeof(*ts));
    int64_t *t_fast = malloc(seeks * sizeof(int64_t));
    int64_t *t_slow = malloc(seeks * sizeof(int64_t));
    if (!ts || !t_fast || !t_slow)
        return 1;
    for (size_t i = 0; i < n; i++)
        ts[i] = START_S + (int64_t)((double)i * CLASS_S / (double)n);

    /* Build: parse pages (newest first), merge, chat model. */
    int64_t t0 = now_ns();
    struct msg_log *log = msg_log_create();
    struct diag_list d;
    diag_init(&d);
    size_t pages = 0;
    for (size_t p = 0; p * (PAGE - 1) < n - 1; p++, pages++) {
        char *page = make_page(p, n, ts);
        char name[40];
        snprintf(name, sizeof(name), "im/messages-%03zu.json", p);
        if (!page || msg_log_add_json(log, page, strlen(page), name, &d) < 0) {
            fprintf(stderr, "bench_chat: page %zu failed\n", p);
            return 1;
        }
        free(page);
    }
    struct chat_log *chat = NULL;
    if (chat_log_build(log, &chat, &d) < 0 || chat->count != n) {
        fprintf(stderr, "bench_chat: chat build failed\n");
        return 1;
    }
    int64_t build_ns = now_ns() - t0;

    /* Seeks: the same random targets for both methods, interleaved so
     * machine noise hits both alike. */
    size_t check = 0;
    int64_t lo = START_S * 1000 - 60000, span = (CLASS_S + 120) * 1000LL;
    for (size_t s = 0; s < seeks; s++) {
        int64_t w = (lo + (int64_t)(rnd() % (uint64_t)span)) * 1000; /* µs */

        int64_t a = now_ns();
        size_t first = 0;
        size_t count = chat_view_at(chat, w, WINDOW, &first);
        size_t touch = 0;
        for (size_t i = first; i < first + count; i++)
            touch += strlen(chat->items[i].sender) + strlen(chat->items[i].parts[0].text);
        int64_t b = now_ns();

        size_t vis = 0;
        for (size_t i = 0; i < chat->count; i++)
            vis += chat->items[i].show_us <= w;
        size_t sfirst = vis > WINDOW ? vis - WINDOW : 0;
        size_t stouch = 0;
        for (size_t i = sfirst; i < vis; i++)
            stouch += strlen(chat->items[i].sender) + strlen(chat->items[i].parts[0].text);
        int64_t c = now_ns();

        if (touch != stouch || first != sfirst) {
            fprintf(stderr, "bench_chat: methods disagree at w=%" PRId64 "\n", w);
            return 1;
        }
        check += touch;
        t_fast[s] = b - a;
        t_slow[s] = c - b;
    }
    int64_t fm = pct(t_fast, seeks, 0.5), f95 = pct(t_fast, seeks, 0.95);
    int64_t sm = pct(t_slow, seeks, 0.5), s95 = pct(t_slow, seeks, 0.95);
    printf("bench_chat: %zu messages in %zu pages, build (parse+merge+chat) %.1f ms\n", n, pages,
           (double)build_ns / 1e6);
    printf("seek window (binary search): median %.3f us  p95 %.3f us  (%zu seeks)\n",
           (double)fm / 1e3, (double)f95 / 1e3, seeks);
    printf("baseline (linear scan):      median %.3f us  p95 %.3f us\n", (double)sm / 1e3,
           (double)s95 / 1e3);
    printf("ratio baseline/ours (median): %.1fx; p95 %.4f ms vs the 5 ms budget; check %zu\n",
           fm > 0 ? (double)sm / (double)fm : 0.0, (double)f95 / 1e6, check % 1000);
    chat_log_destroy(&chat);
    msg_log_destroy(&log);
    diag_clear(&d);
    free(ts);
    free(t_fast);
    free(t_slow);
    return 0;
}
