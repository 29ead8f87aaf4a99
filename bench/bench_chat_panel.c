/* bench_chat_panel.c - the chat panel after a seek, on a synthetic 2-hour
 * class with 20k messages.
 *
 * The chat: 20 000 messages spread over 2 hours from 60 senders, a mix of
 * English, Chinese (drawn from 2 500 Han characters), emoji, some long
 * texts that get cut, and a few images (drawn as boxes: no loader). The
 * pages go through the real IM reader and chat model.
 *
 * Measured in one run, on a 400x1080 canvas:
 *   - 1000 random seeks: chat_panel_set_time() + chat_panel_draw() (which
 *     lays out the items on screen not yet in the height cache);
 *   - the baseline: the same update with no cache, laying out every
 *     visible message (what a panel that re-wraps all messages on a seek
 *     costs), on fewer seeks because it is slow, and the ratio of medians;
 *   - the glyph cache's memory after the run (text_cache_bytes).
 *
 * Usage: bench_chat_panel [messages] [seeks] [baseline_seeks]
 * Defaults: 20000 1000 40.
 */
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "im/chat.h"
#include "im/msgpage.h"
#include "render/canvas.h"
#include "render/chat_panel.h"
#include "render/text.h"

#define START_S 1700000000LL
#define SPAN_S (2 * 3600)

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* CPU time of this thread: the update's own cost, without the time the
 * (shared, noisy) machine gave to other processes. */
static double cpu_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
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

static uint64_t rng = 0x9E3779B97F4A7C15ull;

static uint32_t rnd(uint32_t n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng % n);
}

static size_t put_utf8(char *p, uint32_t cp)
{
    if (cp < 0x80) {
        p[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        p[0] = (char)(0xC0 | cp >> 6);
        p[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        p[0] = (char)(0xE0 | cp >> 12);
        p[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        p[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    p[0] = (char)(0xF0 | cp >> 18);
    p[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    p[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    p[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* A chat line: words of English, runs of Han, the odd emoji. Long ones
 * (1 in 200) are over the preview cap. */
static void make_text(char *out, size_t cap)
{
    static const char *words[] = {"the",   "answer", "is",       "teacher", "please",
                                  "ok",    "yes",    "question", "page",    "three",
                                  "I",     "think",  "we",       "can",     "see",
                                  "board", "thanks", "got",      "it",      "example"};
    static const uint32_t emoji[] = {0x1F600, 0x1F44D, 0x1F389, 0x2615,  0x1F914,
                                     0x1F44F, 0x2764,  0x1F602, 0x1F4DA, 0x23F0};
    size_t len = 0;
    int units = rnd(200) == 0 ? 400 : 2 + (int)rnd(14);
    for (int u = 0; u < units && len + 64 < cap; u++) {
        uint32_t kind = rnd(10);
        if (kind < 4) {
            const char *w = words[rnd(sizeof(words) / sizeof(words[0]))];
            len += (size_t)snprintf(out + len, cap - len, "%s ", w);
        } else if (kind < 9) {
            int n = 1 + (int)rnd(6);
            for (int k = 0; k < n; k++)
                len += put_utf8(out + len, 0x4E00 + rnd(2500));
        } else {
            len += put_utf8(out + len, emoji[rnd(sizeof(emoji) / sizeof(emoji[0]))]);
        }
    }
    out[len] = '\0';
}

static struct chat_log *make_chat(size_t count)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "ActionStatus", "OK");
    cJSON_AddNumberToObject(root, "ErrorCode", 0);
    cJSON_AddStringToObject(root, "GroupId", "bench");
    cJSON_AddNumberToObject(root, "IsFinished", 1);
    cJSON *list = cJSON_AddArrayToObject(root, "RspMsgList");
    char text[8192], from[32];
    for (size_t i = 0; i < count; i++) {
        cJSON *m = cJSON_CreateObject();
        snprintf(from, sizeof(from), "student_%02u", rnd(60));
        cJSON_AddStringToObject(m, "From_Account", i % 7 ? from : "teacher_01");
        cJSON_AddNumberToObject(m, "MsgSeq", (double)(1000 + i));
        cJSON_AddNumberToObject(m, "MsgTimeStamp",
                                (double)(START_S + (int64_t)i * SPAN_S / (int64_t)count));
        cJSON *body = cJSON_AddArrayToObject(m, "MsgBody");
        cJSON *e = cJSON_CreateObject();
        cJSON_AddItemToArray(body, e);
        if (rnd(100) == 0) {
            cJSON_AddStringToObject(e, "MsgType", "TIMImageElem");
            cJSON *c = cJSON_AddObjectToObject(e, "MsgContent");
            cJSON *arr = cJSON_AddArrayToObject(c, "ImageInfoArray");
            cJSON *info = cJSON_CreateObject();
            cJSON_AddNumberToObject(info, "Type", 3);
            cJSON_AddNumberToObject(info, "Width", 200);
            cJSON_AddNumberToObject(info, "Height", 150);
            cJSON_AddStringToObject(info, "URL", "images/x.jpg");
            cJSON_AddItemToArray(arr, info);
        } else {
            make_text(text, sizeof(text));
            cJSON_AddStringToObject(e, "MsgType", "TIMTextElem");
            cJSON_AddStringToObject(cJSON_AddObjectToObject(e, "MsgContent"), "Text", text);
        }
        cJSON_AddItemToArray(list, m);
    }
    char *json = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    struct msg_log *log = msg_log_create();
    struct chat_log *chat = NULL;
    if (!json || !log || msg_log_add_json(log, json, strlen(json), "bench", NULL) ||
        chat_log_build(log, &chat, NULL))
        chat = NULL;
    free(json);
    msg_log_destroy(&log);
    return chat;
}

static int64_t class_time(void *ud, int64_t wall_us)
{
    (void)ud;
    return wall_us - START_S * 1000000;
}

int main(int argc, char **argv)
{
    size_t count = argc > 1 ? strtoul(argv[1], NULL, 10) : 20000;
    size_t nseeks = argc > 2 ? strtoul(argv[2], NULL, 10) : 1000;
    size_t nbase = argc > 3 ? strtoul(argv[3], NULL, 10) : 40;
    if (count < 1 || nseeks < 2 || nbase < 2) {
        fprintf(stderr, "usage: bench_chat_panel [messages>=1] [seeks>=2] [baseline_seeks>=2]\n");
        return 2;
    }
    double t0 = now_ms();
    struct chat_log *chat = make_chat(count);
    struct text_ctx *text = NULL;
    struct canvas *c = NULL;
    struct chat_panel *p = NULL;
    struct chat_panel_opts o = {.class_time = class_time};
    if (!chat || text_create(&text) || canvas_create(&c, 400, 1080) ||
        chat_panel_create(text, chat, &o, &p)) {
        fprintf(stderr, "bench_chat_panel: setup failed\n");
        return 1;
    }
    printf("chat: %zu messages over %d min, built in %.0f ms; color emoji: %s\n", chat->count,
           SPAN_S / 60, now_ms() - t0, text_color_emoji(text) ? "yes" : "no");
    const struct canvas_rect rect = {0, 0, 400, 1080};
    const int64_t w0 = START_S * 1000, span = (int64_t)SPAN_S * 1000;

    double *seek = malloc(nseeks * sizeof(double));
    double *base = malloc(nbase * sizeof(double));
    double *cpu = malloc(nseeks * sizeof(double));
    if (!seek || !base || !cpu)
        return 1;
    /* the panel as the player uses it: caches warm up as the user seeks */
    for (size_t i = 0; i < nseeks; i++) {
        int64_t w = w0 + (int64_t)rnd((uint32_t)span);
        double a = now_ms(), ac = cpu_ms();
        chat_panel_set_time(p, w * 1000); /* w: Unix ms */
        if (chat_panel_draw(p, c, rect)) {
            fprintf(stderr, "bench_chat_panel: draw failed\n");
            return 1;
        }
        seek[i] = now_ms() - a;
        cpu[i] = cpu_ms() - ac;
    }
    double first = seek[0];
    /* after the first 10% of the seeks most glyphs are cached: what a
     * user sees once the class has been on screen a while */
    size_t skip = nseeks / 10;
    double *warm = malloc((nseeks - skip) * sizeof(double));
    if (!warm)
        return 1;
    memcpy(warm, seek + skip, (nseeks - skip) * sizeof(double));
    double w95 = pct(warm, nseeks - skip, 0.95);
    free(warm);
    double s50 = pct(seek, nseeks, 0.5), s95 = pct(seek, nseeks, 0.95);
    double c50 = pct(cpu, nseeks, 0.5), c95 = pct(cpu, nseeks, 0.95);
    double smax = seek[nseeks - 1];
    size_t glyph_bytes = text_cache_bytes(text), glyphs = text_cache_count(text);

    /* baseline: every visible message laid out again, no height cache */
    double visible = 0;
    for (size_t i = 0; i < nbase; i++) {
        int64_t w = w0 + (int64_t)rnd((uint32_t)span);
        double a = now_ms();
        chat_panel_invalidate(p);
        chat_panel_set_time(p, w * 1000); /* w: Unix ms */
        size_t n = chat_panel_visible_count(p);
        for (size_t k = 0; k < n; k++)
            if (chat_panel_item_height(p, k, rect.w) < 0)
                return 1;
        if (chat_panel_draw(p, c, rect))
            return 1;
        base[i] = now_ms() - a;
        visible += (double)n;
    }
    double b50 = pct(base, nbase, 0.5), b95 = pct(base, nbase, 0.95);
    if (glyph_bytes < text_cache_bytes(text))
        glyph_bytes = text_cache_bytes(text);

    printf("seek + draw 400x1080 (%zu random): median %.3f ms, p95 %.3f ms, max %.3f ms, "
           "first %.3f ms\n",
           nseeks, s50, s95, smax, first);
    printf("  p95 without the first %zu seeks (glyphs mostly cached): %.3f ms\n", skip, w95);
    printf("  thread CPU time: median %.3f ms, p95 %.3f ms\n", c50, c95);
    printf("baseline, all visible messages laid out (%zu random, %.0f visible on average): "
           "median %.1f ms, p95 %.1f ms\n",
           nbase, visible / (double)nbase, b50, b95);
    printf("ratio baseline/panel (medians): %.0fx\n", b50 / (s50 > 0 ? s50 : 1e-6));
    printf("glyph cache: %zu glyphs, %.2f MB (cap %u glyphs, %.0f MB of bitmaps)\n", glyphs,
           (double)glyph_bytes / 1e6, TEXT_CACHE_MAX_GLYPHS, TEXT_CACHE_MAX_BYTES / 1e6);
    printf(
        "RESULT panel_p50_ms=%.3f panel_p95_ms=%.3f panel_warm_p95_ms=%.3f panel_cpu_p95_ms=%.3f "
        "baseline_p50_ms=%.1f ratio=%.0f glyph_cache_bytes=%zu\n",
        s50, s95, w95, c95, b50, b50 / (s50 > 0 ? s50 : 1e-6), glyph_bytes);
    free(seek);
    free(cpu);
    free(base);
    chat_panel_destroy(&p);
    canvas_destroy(&c);
    text_destroy(&text);
    chat_log_destroy(&chat);
    return 0;
}
