/* timeline.h - playback time t <-> wall/board time w, and segment lookup.
 *
 * Playback time t (µs) runs from 0 to TotalTime with the pauses cut out.
 * Wall time (board time, chat time; Unix µs) is
 *
 *     w(t) = origin + t + sum of pause durations with VideoTime <= t
 *
 * where origin starts as RecordStartTime * 1000000 (contract section 3). At
 * exactly VideoTime the player is already after the pause. The inverse maps
 * a w that falls inside a pause to that pause's VideoTime.
 *
 * RecordStartTime has one-second resolution, so the media engine refines
 * the origin once it has read SEI anchors (contract section 6): for each
 * segment it knows the board time of the segment's VideoPlayTime and calls
 * tl_refine_origin_us() with those pairs; the origin becomes their median.
 *
 * Threads: a timeline is plain data. It is immutable except for the origin;
 * set or refine the origin before sharing it between threads (or guard
 * those calls with the lock that guards the readers). Every query is pure.
 */
#ifndef SP_TIMELINE_H
#define SP_TIMELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct recording;
struct rec_segment;
struct diag_list;

/* No boundary / no segment. */
#define TL_NONE INT64_MAX

struct timeline;

/* A pause as the timeline sees it (all µs). */
struct tl_pause {
    int64_t video_us;      /* where it sits on the playback timeline */
    int64_t duration_us;   /* wall time it lasted */
    int64_t wall_start_us; /* w just before it: origin + video_us + earlier pauses */
    bool inferred;
};

/* What one lane shows at playback time t. */
struct tl_lane_state {
    const struct rec_segment *seg; /* the active segment, NULL if the lane has a hole */
    int64_t offset_us;             /* t - seg->play_us (0 when seg is NULL) */
    int64_t next_change_us;        /* the next t' > t where seg changes; TL_NONE */
};

/* Builds the timeline of rec. rec must outlive the timeline (lanes and
 * segments are referenced, not copied). Returns 0 and *out (free with
 * tl_destroy()), or SP_EINVAL / SP_ENOMEM. */
int tl_create(const struct recording *rec, struct timeline **out);

/* Frees *tl and sets it to NULL; NULL or *tl NULL is a no-op. */
void tl_destroy(struct timeline **tl);

const struct recording *tl_recording(const struct timeline *tl);
int64_t tl_total_us(const struct timeline *tl);
/* Wall time (Unix µs) of t = 0 (the origin). */
int64_t tl_origin_us(const struct timeline *tl);
/* Wall time from start to end: origin to w(TotalTime) (µs). */
int64_t tl_wall_duration_us(const struct timeline *tl);

size_t tl_pause_count(const struct timeline *tl);
/* i < tl_pause_count(); pauses in playback order. */
const struct tl_pause *tl_pause_at(const struct timeline *tl, size_t i);

/* w(t). Defined for any t (t < 0 or > TotalTime extrapolate with slope 1);
 * callers clamp t to [0, TotalTime] where that matters. */
int64_t tl_wall_from_play_us(const struct timeline *tl, int64_t t);

/* The inverse: the t with w(t) = w; a w inside a pause gives the pause's
 * VideoTime. Not clamped (a chat message before the start maps to t < 0). */
int64_t tl_play_from_wall_us(const struct timeline *tl, int64_t w);

/* The state of lane (index into rec->lanes) at t. With overlapping segments
 * (warned by the reader) the one that started last wins. A segment covers
 * [play_us, play_us + duration_us). Returns 0, or SP_EINVAL for a bad lane
 * index. */
int tl_lane_at_us(const struct timeline *tl, size_t lane, int64_t t, struct tl_lane_state *st);

/* The smallest t' > t where some lane's segment starts or ends or a pause
 * sits; TL_NONE if there is none. */
int64_t tl_next_boundary_us(const struct timeline *tl, int64_t t);

/* Sets the origin (Unix µs of t = 0). */
void tl_set_origin_us(struct timeline *tl, int64_t origin_us);

/* One measurement for the origin: a segment's VideoPlayTime and the board
 * time (Unix µs) its media shows at that playback point, from its SEI
 * anchors (or its SyncTime field). */
struct tl_anchor {
    int64_t play_us;
    int64_t board_us;
};

/* Sets the origin to the median over the anchors of
 * board_us - (w(play_us) - origin), i.e. the origin each anchor implies, so
 * one wrong segment cannot move it. If the result is more than
 * TL_ORIGIN_WARN_US from RecordStartTime * 1000000 a warning goes to diag
 * (may be NULL). n == 0 leaves the origin alone. Returns 0 or SP_EINVAL;
 * *origin_us (may be NULL) gets the origin in force afterwards. */
#define TL_ORIGIN_WARN_US 5000000
int tl_refine_origin_us(struct timeline *tl, const struct tl_anchor *anchors, size_t n,
                        struct diag_list *diag, int64_t *origin_us);

#endif
