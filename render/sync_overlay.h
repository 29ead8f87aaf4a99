/* sync_overlay.h - the "i" statistics overlay: how well the lanes keep sync.
 *
 * Like mpv's stats page: a translucent box at the top right listing, per
 * lane, the board time of the frame it shows minus w(t) (the sync error;
 * 0 is perfect, positive means the picture is ahead of the clock), its SEI
 * anchor count and the age of the last anchor it passed, whether it waits
 * for data, and frames dropped/shown; and, when there is audio, the audio
 * clock minus the video clock. Drawn from a plain struct; no state.
 *
 * Times in µs; the overlay shows them in ms.
 */
#ifndef SP_RENDER_SYNC_OVERLAY_H
#define SP_RENDER_SYNC_OVERLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "render/canvas.h"

struct text_ctx;

#define SYNC_OVERLAY_MAX_LANES 32 /* lines drawn; more lanes get "+N more" */

struct sync_lane_stats {
    const char *name;        /* lane name */
    bool active;             /* a segment covers t (else the lane shows its tile) */
    bool has_frame;          /* a frame is shown: skew_us is meaningful */
    int64_t skew_us;         /* shown frame's board time - w(t); shown in ms (truncated) */
    size_t anchors;          /* SEI anchors read in the active segment */
    int64_t anchor_age_us;   /* shown frame's board time - last anchor's; < 0 none */
    bool buffering;          /* waiting for data */
    uint64_t dropped;        /* frames decoded but never shown */
    uint64_t shown;          /* frames shown */
    int64_t frame_us;        /* the lane's nominal frame interval, µs; 0 unknown */
    const char *unavailable; /* why its media shows nothing (drawn in red); NULL fine */
    int64_t offset_us;       /* its sync correction at t (docs/offsets.md), µs */
    bool selected;           /* Tab chose it: the nudge keys move its correction */
};

/* A shown frame is always up to one frame interval behind w(t) (it is the
 * last frame at or before it), so the overlay turns a lane orange only
 * past one interval of that lane plus this margin: the wake-up and
 * presentation jitter of a loaded machine (a 60 Hz display adds up to one
 * refresh, 16.7 ms). */
#define SYNC_OVERLAY_MARGIN_US 20000
/* The interval assumed for a lane whose frame rate is unknown. */
#define SYNC_OVERLAY_DEFAULT_FRAME_US 40000

/* The skew past which l is drawn orange (see above): whole ms, the frame
 * interval rounded up to one. */
int64_t sync_overlay_limit_us(const struct sync_lane_stats *l);

/* True when l is drawn orange: waiting for data, or its frame is off by
 * more than sync_overlay_limit_us() (the skew compared in whole ms, as
 * it is shown). */
bool sync_overlay_lane_warn(const struct sync_lane_stats *l);

struct sync_stats {
    int64_t t_us; /* playback time */
    int64_t w_us; /* w(t), Unix µs; shown in ms */
    double speed;
    bool has_audio;
    int64_t av_diff_us; /* audio clock - video clock, when has_audio; shown in ms */
    const struct sync_lane_stats *lanes;
    size_t n_lanes;
};

/* Formats one lane's line, e.g.
 * "teacher_01      skew   +3 ms  anchors  25 (0.4 s ago)  drop 0/123"
 * into buf (n bytes). Tests read these; the overlay draws them. */
void sync_overlay_lane_line(const struct sync_lane_stats *l, char *buf, size_t n);

/* Draws the overlay at the top right of c. text may be NULL (box only).
 * Returns 0, SP_EINVAL or a text error. */
int sync_overlay_draw(struct text_ctx *text, struct canvas *c, const struct sync_stats *st);

#endif
