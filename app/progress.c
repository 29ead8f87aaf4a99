/* progress.c - see progress.h. */
#include "app/progress.h"

#include "base/term_text.h"
#include "base/platform/os_file.h"
#include "base/platform/os_time.h"

#include <stdio.h>
#include <string.h>

static double elapsed(const struct timespec *t0)
{
    struct timespec t;
    sp_os_mono_timespec(&t);
    return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

void app_human_bytes(double bytes, char *buf, size_t n)
{
    if (bytes >= 1e9)
        snprintf(buf, n, "%.2f GB", bytes / 1e9);
    else if (bytes >= 1e6)
        snprintf(buf, n, "%.1f MB", bytes / 1e6);
    else if (bytes >= 1e3)
        snprintf(buf, n, "%.0f KB", bytes / 1e3);
    else
        snprintf(buf, n, "%.0f B", bytes);
}

void app_progress_start(struct app_progress *p, size_t count, int64_t total)
{
    memset(p, 0, sizeof(*p));
    p->tty = sp_os_isatty(2);
    p->count = count;
    p->total = total;
    sp_os_mono_timespec(&p->start);
}

void app_progress_item(struct app_progress *p, size_t index, const char *url)
{
    const char *q = url + strcspn(url, "?#");
    const char *s = q;
    while (s > url && s[-1] != '/')
        s--;
    p->index = index;
    snprintf(p->name, sizeof(p->name), "%.*s", (int)(q - s), s);
}

void app_progress_done(struct app_progress *p, int64_t size)
{
    if (size > 0)
        p->done_before += size;
}

void app_progress_cb(void *opaque, const struct fetch_status *st)
{
    struct app_progress *p = opaque;
    if (!p->tty)
        return;
    int64_t done = p->done_before + (st->have > 0 ? st->have : 0);
    int64_t total = p->total;
    if (total >= 0 && done > total)
        total = done;
    double secs = elapsed(&p->start);
    double rate =
        st->rate > 0 ? st->rate : (secs > 0 ? (double)(p->received + st->received) / secs : 0);
    char d[32], t[32], r[32], eta[32] = "--:--";
    app_human_bytes((double)done, d, sizeof(d));
    app_human_bytes(total >= 0 ? (double)total : 0, t, sizeof(t));
    app_human_bytes(rate, r, sizeof(r));
    if (total > 0 && rate > 1) {
        int s = (int)((double)(total - done) / rate);
        snprintf(eta, sizeof(eta), "%d:%02d", s / 60, s % 60);
    }
    char bar[31];
    int fill = total > 0 ? (int)(30.0 * (double)done / (double)total) : 0;
    for (int i = 0; i < 30; i++)
        bar[i] = i < fill ? '#' : '.';
    bar[30] = '\0';
    fprintf(stderr, "\r[%s] %s / %s  %s/s  ETA %s  (%zu/%zu) %-24.24s", bar, d,
            total >= 0 ? t : "?", r, eta, p->index + 1, p->count, TERM_SAFE(p->name));
    fflush(stderr);
    p->drawn = true;
}

static void put_clock(char *buf, size_t n, int64_t ms)
{
    int64_t s = ms / 1000;
    if (s >= 3600)
        snprintf(buf, n, "%d:%02d:%02d", (int)(s / 3600), (int)(s / 60 % 60), (int)(s % 60));
    else
        snprintf(buf, n, "%d:%02d", (int)(s / 60), (int)(s % 60));
}

void app_progress_media(struct app_progress *p, int64_t done_us, int64_t total_us)
{
    if (!p->tty)
        return;
    /* the bar is drawn in ms (put_clock()), truncated as it always was */
    int64_t done_ms = done_us / 1000, total_ms = total_us / 1000;
    double secs = elapsed(&p->start);
    if (done_ms < total_ms && p->drawn && secs * 1e6 - (double)p->last_draw_us < 250000)
        return;
    p->last_draw_us = (int64_t)(secs * 1e6);
    double speed = secs > 0 ? (double)done_ms / 1000 / secs : 0;
    char d[24], t[24], eta[24] = "--:--";
    put_clock(d, sizeof(d), done_ms);
    put_clock(t, sizeof(t), total_ms);
    if (speed > 0.01 && total_ms > done_ms)
        put_clock(eta, sizeof(eta), (int64_t)((double)(total_ms - done_ms) / speed));
    char bar[31];
    int fill = total_ms > 0 ? (int)(30.0 * (double)done_ms / (double)total_ms) : 0;
    for (int i = 0; i < 30; i++)
        bar[i] = i < fill ? '#' : '.';
    bar[30] = '\0';
    fprintf(stderr, "\r[%s] %s / %s  %.1fx  ETA %s   ", bar, d, t, speed, eta);
    fflush(stderr);
    p->drawn = true;
}

void app_progress_end(struct app_progress *p)
{
    if (p->drawn)
        fprintf(stderr, "\n");
    p->drawn = false;
}
