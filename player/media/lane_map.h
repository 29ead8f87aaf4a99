/* lane_map.h - one segment's map from media time to board time.
 *
 * Contract section 6: the (presentation time, syncTime) pairs a segment's
 * SEI carries define board time as a function of media time, piecewise
 * linear between anchors and slope 1 beyond the ends. A segment without
 * any anchor falls back to its SyncTime field (board time of its first
 * frame), and then to w(VideoPlayTime) from the timeline.
 *
 * Units: media time (pts) in microseconds on the segment's own clock, as
 * the decoder stamps frames; board time in microseconds of Unix time
 * (board ms * 1000) so that fractions of a millisecond survive the
 * interpolation; anchors arrive in µs made from the SEI's whole ms.
 *
 * Anchors arrive while the demuxer reads (a few seconds ahead of what is
 * shown), so the map grows: lane_map_add_anchor_us() inserts in pts order and
 * refuses an anchor that would make the map non-increasing or give a piece
 * a slope outside [LANE_MAP_MIN_SLOPE, LANE_MAP_MAX_SLOPE] next to its
 * neighbours (a client clock jump or a corrupt SEI); the caller warns. The
 * map is therefore always strictly increasing and has an exact inverse.
 *
 * Threads: plain data, no lock; the owner (the segment decoder) guards it.
 */
#ifndef SP_LANE_MAP_H
#define SP_LANE_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LANE_MAP_MAX_ANCHORS 200000 /* > one per second for 48 h; more are refused */
#define LANE_MAP_MIN_SLOPE 0.5      /* board µs per media µs, between anchors */
#define LANE_MAP_MAX_SLOPE 2.0

/* Where the map's board times come from, best first. */
enum lane_map_source {
    LANE_MAP_SEI,       /* at least one SEI anchor */
    LANE_MAP_SYNC_TIME, /* the segment's SyncTime field */
    LANE_MAP_PLAY_TIME, /* w(VideoPlayTime) from the timeline's origin */
};

struct lane_map_point {
    int64_t pts_us;   /* media time */
    int64_t board_us; /* board time, Unix µs */
};

struct lane_map {
    struct lane_map_point *anchors; /* owned; sorted by pts, strictly increasing in both */
    size_t n, cap;
    /* Fallback, used while n == 0: board time of the first frame. */
    int64_t first_pts_us; /* media time of the segment's first frame */
    bool has_sync_time;
    int64_t sync_time_us;       /* SyncTime (Unix µs) if has_sync_time */
    int64_t play_time_board_us; /* w(VideoPlayTime) (Unix µs) */
};

/* Sets up an empty map with its fallbacks: first_pts_us (media time of the
 * first frame; 0 if not yet known), sync_time_us (Unix µs; < 0: the segment
 * has no SyncTime), play_time_board_us = w(VideoPlayTime) (Unix µs). Never
 * fails. */
void lane_map_init_us(struct lane_map *m, int64_t first_pts_us, int64_t sync_time_us,
                      int64_t play_time_board_us);
/* Frees the anchors; the map is then empty (fallbacks kept). NULL-safe. */
void lane_map_clear(struct lane_map *m);

/* The fallbacks may be learnt late: the first frame's pts once decoded, the
 * timeline's w(VideoPlayTime) after an origin refinement. */
void lane_map_set_first_pts(struct lane_map *m, int64_t first_pts_us);
void lane_map_set_play_time_board_us(struct lane_map *m, int64_t play_time_board_us);

/* Adds the anchor (pts_us, sync_us: board time, Unix µs). Returns 0 (added, or an exact
 * duplicate ignored), SP_ERANGE (refused: breaks monotonicity or the slope
 * bounds; the map is unchanged), SP_ELIMIT (LANE_MAP_MAX_ANCHORS reached)
 * or SP_ENOMEM. */
int lane_map_add_anchor_us(struct lane_map *m, int64_t pts_us, int64_t sync_us);

enum lane_map_source lane_map_source(const struct lane_map *m);
size_t lane_map_anchor_count(const struct lane_map *m);
/* The last anchor at or before media time pts_us (the one continuous play
 * passed last when the frame at pts_us shows): true and *out, or false
 * when no anchor is that early. */
bool lane_map_anchor_before(const struct lane_map *m, int64_t pts_us, struct lane_map_point *out);

/* Board time (Unix µs) of media time pts_us. */
int64_t lane_map_board_us(const struct lane_map *m, int64_t pts_us);
/* The inverse: the largest media time (µs) whose board time is at most
 * board_us (so a frame with that pts or earlier is on screen at board_us). */
int64_t lane_map_pts_us(const struct lane_map *m, int64_t board_us);

/* The segment's own estimate of w(VideoPlayTime): the board time (Unix µs,
 * rounded to the nearest whole ms, as the timeline's origin is kept) of its
 * first frame, with the source it rests on.
 * Only LANE_MAP_SEI and LANE_MAP_SYNC_TIME estimates say anything about
 * the timeline's origin (a PLAY_TIME one is the origin itself): the play
 * loop feeds those to tl_refine_origin_us(). */
int64_t lane_map_start_board_us(const struct lane_map *m, enum lane_map_source *source);

#endif
