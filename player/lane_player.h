/* lane_player.h - what one lane shows at playback time t.
 *
 * A lane is a row of segments (player/recording/manifest.h). The lane player keeps a
 * segment decoder open for the segment active at t and, from `prefetch`
 * before it is due, for the next one (opened and its first frame decoded
 * early, so a lane starting mid-play never stalls the others). It picks
 * the frame by board time with the one rule both continuous play and seek
 * use: the last frame whose board time is <= w(t).
 *
 * States: PLACEHOLDER (no segment at t, or its first frame is not due yet:
 * the UI draws the lane's tile, never a frozen frame), SHOWING, WAITING
 * (the segment should show something newer but its data is not there yet:
 * the last frame stays, marked waiting; the lane rejoins exactly when the
 * data arrives because selection is by board time, not by count).
 *
 * Audio: decoded audio of the active segment goes to the mixer (lane index
 * = mixer lane), stamped with playback time through the same map.
 *
 * Remote media (opts.fetch): a read that waits for bytes blocks only that
 * segment's demux thread; the lane shows WAITING (view.buffering says why)
 * and every other lane plays on. Closing a segment cancels its reads.
 *
 * Times: t and board time in µs (board: Unix µs). Threads: one caller
 * (the play loop); the decoders run their own threads.
 */
#ifndef SP_LANE_PLAYER_H
#define SP_LANE_PLAYER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/diag.h"
#include "player/media/segment_decoder.h"

struct timeline;
struct rec_segment;
struct audio_mix;
struct fetch;

#define LANE_PLAYER_PREFETCH_US 1000000    /* open the next segment this early */
#define LANE_PLAYER_AUDIO_AHEAD_US 1000000 /* audio fed to the mixer ahead of t */
/* A local segment's decoder a seek moved away from is kept open this
 * long, in playback time played since the last seek, so that seeking back
 * to it needs no reopen; a lane still has at most two decoders. (One whose
 * segment ended in play is closed at once.) */
#define LANE_PLAYER_KEEP_IDLE_US 10000000
/* A seek at most this far ahead of the shown frame, in the same segment,
 * plays on to its target instead of seeking the decoder (no flush, no
 * decoding from the key frame again; what is shown is the same, since
 * frames are picked by board time either way). About what a seek decodes
 * from the key frame on average, at a key frame every 2 s. */
#define LANE_PLAYER_SEEK_AHEAD_US 1000000
/* A shown frame this many frame intervals older than w(t) while the next
 * frame is known to be later marks a hole (damage skipped): the lane shows
 * its placeholder. After the media's end, one interval is enough. */
#define LANE_PLAYER_HOLE_FRAMES 2

enum lane_show { LANE_PLACEHOLDER, LANE_SHOWING, LANE_WAITING };

struct lane_view {
    enum lane_show state;
    const void *frame;             /* AVFrame, owned by the lane player; valid
                                      until its next update/seek; NULL when
                                      PLACEHOLDER */
    int64_t pts_us;                /* media time of the frame */
    int64_t board_us;              /* its board time */
    const struct rec_segment *seg; /* active segment, NULL in a hole */
    bool buffering;                /* remote media: the segment's demuxer waits
                                      for bytes not downloaded yet */
    size_t anchors;                /* SEI anchors read so far in the active
                                      segment (0 without one) */
    int64_t anchor_board_us;       /* board time (Unix µs) of the last SEI
                                      anchor at or before the shown frame;
                                      -1 none (or no frame) */
    int64_t frame_dur_us;          /* nominal frame interval of the active
                                      segment's video, µs; 0 unknown */
    /* Why the active segment's media shows nothing (missing, unreadable,
     * undecodable at t), e.g. "student_02-1.mp4: No such file or
     * directory"; NULL when it is fine (or still opening). Owned by the
     * lane player, valid until its next update or seek. A lane with no
     * segment at t is not unavailable: it has not joined. */
    const char *unavailable;
};

struct lane_player_opts {
    struct timeline *tl;       /* borrowed; the play loop owns it */
    size_t lane;               /* index into the recording's lanes */
    segdec_sei_us_fn sei_scan; /* SEI hook for the decoders (may be NULL) */
    struct audio_mix *mix;     /* NULL: no audio decoded */
    int codec_threads;         /* per decoder; 0 auto */
    struct fetch *fetch;       /* borrowed, may be NULL: http(s) media is read
                                  through it (avio_cache.h: cached, resumable,
                                  played while it downloads); without it, and
                                  for local files, libavformat opens the URL */
    /* Borrowed, may be NULL: the lane's sync corrections (µs, one per
     * segment in lane order; player/recording/offsets.h): each segment's
     * board times are that much later. Read on the caller's thread only;
     * after a change, lane_player_offsets_changed(). */
    const int64_t *seg_offset_us;
};

struct lane_player;

int lane_player_create(const struct lane_player_opts *o, struct lane_player **out);
void lane_player_destroy(struct lane_player **lp);

/* Asks the lane's decoders to stop without waiting (lane_player_destroy()
 * joins them later); for a player stopping many lanes at once. NULL-safe;
 * nothing else may be called on lp but lane_player_destroy() after it. */
void lane_player_abort(struct lane_player *lp);

/* Brings the lane to playback time t_us: opens/closes decoders, picks the
 * frame, feeds audio. wait_us: how long to wait for a decoder whose next
 * frame is needed to decide (0 in real-time play; headless max-speed
 * waits so that every frame is exact). Returns 0 (view updated), or
 * SP_ENOMEM. */
int lane_player_update(struct lane_player *lp, int64_t t_us, int64_t wait_us);

/* The sync corrections (lane_player_opts.seg_offset_us) changed: every
 * open decoder takes its segment's new offset, and the frame on screen is
 * dropped so that the next lane_player_seek() re-aims the decoders (the
 * caller seeks to the current t at once: the picture follows). */
void lane_player_offsets_changed(struct lane_player *lp);

/* The view after the last update. */
const struct lane_view *lane_player_view(const struct lane_player *lp);

/* Playback time (µs) at which this lane's shown frame will next change
 * (its next frame becomes due), INT64_MAX if unknown or never; waits up to
 * wait_us for the decoder. */
int64_t lane_player_next_change(struct lane_player *lp, int64_t wait_us);

/* Seek: a short step forward plays on (LANE_PLAYER_SEEK_AHEAD_US); else
 * the decoder of the segment at t_us is aimed (by board time) at w(t_us), opened now if the lane
 * has none (so that every lane's decoder starts at once, before the next update waits for any);
 * other open decoders are kept idle for a seek back. The shown frame is dropped. */
void lane_player_seek(struct lane_player *lp, int64_t t_us);

/* Origin refinement input: for each open segment, once, the board time of
 * its VideoPlayTime as its SEI anchors (or SyncTime) say. Returns 1 and
 * fills *play_us / *board_us if one is ready, else 0. Both are whole ms
 * (truncated), as the refinement has always been fed. */
int lane_player_take_estimate(struct lane_player *lp, int64_t *play_us, int64_t *board_us);

/* The timeline's origin moved while playback is at t_us: refreshes
 * w(VideoPlayTime) in the decoders, and sends back (on the next update) a
 * decoder that has already handed out or skipped frames the new w(t_us)
 * needs, as when the origin moved earlier. */
void lane_player_origin_changed(struct lane_player *lp, int64_t t_us);

/* Headless export: moves the active segment's decoded audio into the
 * mixer until the lane's data there reaches playback time until_us (or the
 * segment's audio ends), waiting up to wait_us for each frame the decoder
 * has not delivered yet, so that a read of the mix up to until_us misses
 * nothing of this lane. Call after lane_player_update(). Returns 0 or
 * SP_ETIMEOUT (the decoder did not deliver in time). */
int lane_player_fill_audio(struct lane_player *lp, int64_t until_us, int64_t wait_us);

/* Moves the decoders' warnings to dst. */
void lane_player_take_diags(struct lane_player *lp, struct diag_list *dst);

/* Board µs <-> playback µs through the timeline (ms resolution on the
 * timeline, µs kept as an offset: exact outside pauses). */
int64_t lane_player_wall_us(const struct timeline *tl, int64_t t_us);
int64_t lane_player_play_us(const struct timeline *tl, int64_t board_us);

#endif
