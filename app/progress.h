/* progress.h - the download progress bar of the commands that fetch a
 * recording (`sigplay fetch`, `sigplay verify`): bytes, rate, ETA and the
 * file being fetched, redrawn on stderr when stderr is a terminal (nothing
 * otherwise, so logs and pipes stay clean). */
#ifndef SP_APP_PROGRESS_H
#define SP_APP_PROGRESS_H

#include "player/net/fetch.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct app_progress {
    bool tty;            /* stderr is a terminal: draw */
    size_t index, count; /* file being fetched (0-based) of count */
    char name[64];       /* its short name */
    int64_t done_before; /* bytes of the files already finished */
    int64_t total;       /* expected bytes of everything, -1 unknown */
    struct timespec start;
    int64_t received; /* over the network in this run, finished files */
    bool drawn;
    int64_t last_draw_us; /* app_progress_media: µs after start of the last redraw */
};

/* Starts a bar over count files of total expected bytes (-1 unknown). */
void app_progress_start(struct app_progress *p, size_t count, int64_t total);

/* Names file index (its URL's last path segment) before its download. */
void app_progress_item(struct app_progress *p, size_t index, const char *url);

/* Counts a finished file of size bytes (<= 0: unknown, not counted). */
void app_progress_done(struct app_progress *p, int64_t size);

/* A fetch_progress_fn; opaque is the struct app_progress. */
void app_progress_cb(void *opaque, const struct fetch_status *st);

/* The bar of a job over playback time (`sigplay export`): done_us of
 * total_us, the speed against real time and the ETA (shown to the ms,
 * as before). Call app_progress_start(p, 1, -1) first; redraws at most 4
 * times a second. */
void app_progress_media(struct app_progress *p, int64_t done_us, int64_t total_us);

/* Ends the bar's line if one was drawn. */
void app_progress_end(struct app_progress *p);

/* "2.1 MB" */
void app_human_bytes(double bytes, char *buf, size_t n);

#endif
