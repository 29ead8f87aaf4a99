/* playloop.h - the player core: lanes, clock, audio mix, one step at a time.
 *
 * The shape is mpv's run_playloop(): player_step() is a flat list of small
 * steps (refine the origin, bring every lane to t, feed and drain audio,
 * detect the end), each of which may shorten the time until the next step
 * is needed; the caller then waits that long (or until woken by input) and
 * steps again. The player owns its state; the UI reads views.
 *
 * Clock: the master is the audio output while any active lane has audio,
 * else the system clock. An audio device (ui/audio_out.h) sets the
 * clock from its callback (player_audio_pull()) with the position it plays;
 * headless play uses a null audio sink that consumes the mix at the
 * clock's pace. Either way, when the mix has nothing to play (every lane
 * that should sound is waiting for data), the clock is held: the whole
 * replay waits (player_buffering()). A lane whose video is late, or whose
 * audio is missing while another lane sounds, does not hold anything: it
 * shows its last frame as waiting and the others play on. With no active
 * audio the mix moves on through silence at the device's pace, which is
 * the system clock's. In max-speed mode (headless
 * benchmarks, traces) there is no waiting at all: t jumps from one frame
 * change to the next and every lane is brought exactly to each t (the
 * decoders are waited for), so a trace of a max-speed run lists every
 * frame continuous play presents.
 *
 * Times: t in µs of playback time; board time in Unix µs.
 * Threads: one caller thread; decoders run their own; the mixer and the
 * clock may be read by an audio callback.
 */
#ifndef SP_PLAYLOOP_H
#define SP_PLAYLOOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/diag.h"
#include "player/lane_player.h"

struct timeline;
struct audio_mix;
struct sp_clock;
struct fetch;

#define PLAYER_MAX_LANES 64
#define PLAYER_MAX_WAIT_US 10000       /* longest sleep between steps in real time */
#define PLAYER_DECODE_WAIT_US 10000000 /* max-speed: give up on a decoder after */
/* Real time at the end of the class: the lanes' last frames are awaited
 * for up to PLAYER_END_WAIT_US, looked at every PLAYER_END_POLL_US, before
 * the end is reported (SP_EEOF). */
#define PLAYER_END_WAIT_US 5000000
#define PLAYER_END_POLL_US 5000

struct player_opts {
    bool audio;                /* decode and mix audio */
    bool max_speed;            /* no clock: step from frame change to frame change */
    double speed;              /* 0.5 .. 2.0 (0: 1.0) */
    segdec_sei_us_fn sei_scan; /* SEI hook; NULL: sei_scan_packet_us (player/media/sei.h) */
    bool no_sei;               /* no SEI anchors at all: fallbacks only */
    int codec_threads;         /* per decoder, 0 auto */
    bool null_sink;            /* with audio: consume the mix at t (no device) */
    struct fetch *fetch;       /* borrowed, may be NULL: reads http(s) media through
                                  the cache (lane_player.h); must outlive the player */
    /* Changes of the picture besides the lanes' frames (board ops, chat
     * messages, lasers fading; player/class.h): the playback time in µs,
     * after t_us, at which the next one is due, or INT64_MAX. Called once
     * per step on the caller's thread; it shortens the step's deadline (in
     * max-speed mode: the next t). NULL: none. */
    int64_t (*next_event_us)(void *opaque, int64_t t_us);
    void *event_opaque;
    /* Borrowed, may be NULL: every segment's sync correction (µs, flat in
     * lane order then segment order: player/recording/offsets.h); must
     * outlive the player. After changing it, player_offsets_changed(). */
    const int64_t *seg_offset_us;
};

struct player;

/* tl must outlive the player (the player refines its origin). Returns 0,
 * SP_EINVAL or SP_ENOMEM. A recording of more than PLAYER_MAX_LANES lanes
 * plays its first PLAYER_MAX_LANES, with a warning naming the limit.
 * The player starts paused at t = 0 in real-time mode. */
int player_create(struct timeline *tl, const struct player_opts *o, struct player **out);
void player_destroy(struct player **p);
/* Tells every decoder thread to stop, without waiting for any: their
 * wind-down then overlaps whatever the caller tears down next (quitting).
 * After it only player_destroy() may follow. NULL-safe. */
void player_abort(struct player *p);

/* One pass. Returns 1 when the views changed (a frame to present), 0 if
 * nothing changed, SP_EEOF at the end of the recording, or < 0 on error.
 * *wait_us (may be NULL): how long the caller may sleep before the next
 * step (0 in max-speed mode). */
int player_step(struct player *p, int64_t *wait_us);

/* Max-speed mode, for a sink on its own frame grid (export): one pass that
 * brings every lane exactly to playback time t_us (>= the t of the last
 * step, <= TotalTime), as player_step() does at a frame change. Returns 1
 * when the views changed, 0 if not, SP_EINVAL (not max-speed, or t_us out
 * of range) or < 0 on error. */
int player_step_at(struct player *p, int64_t t_us);

/* With audio and no null sink (the caller reads the mix itself):
 * waits up to wait_us per missing audio frame until every lane showing a
 * segment has handed the mixer its audio up to playback time until_us, or
 * its audio ended; a read of the mix up to there then misses nothing.
 * Call after a step. Returns 0 or SP_ETIMEOUT (a decoder did not
 * deliver in time: that lane is silent where its data is missing). */
int player_fill_audio(struct player *p, int64_t until_us, int64_t wait_us);

/* codec_threads for a run that goes through the class once at max speed
 * (no seek has to be answered quickly): 1 when the class has at least as
 * many lanes as the machine has CPUs, else 0 (automatic). The lanes decode
 * in parallel already; libavcodec's automatic frame threads (CPUs + 1 per
 * decoder) then only add a hand-off between threads for every frame: on
 * 4 lanes and 2 CPUs, about a tenth more CPU time for the same frames.
 * Interactive play keeps automatic threads: a seek decodes a run of frames
 * as fast as it can, and frame threads shorten it. */
int player_batch_codec_threads(const struct timeline *tl);

/* Current playback time (µs) and the board time in use w(t) (Unix µs). */
int64_t player_time_us(struct player *p);
int64_t player_board_us(struct player *p);

/* The playback time (µs) at which, as the last step saw it, the next
 * decoded frame of any lane becomes due; INT64_MAX when none is known (no
 * step since the last seek, decoders not that far yet, or no frame
 * follows). Segment starts and ends are the timeline's
 * (tl_next_boundary_us). For frame stepping. */
int64_t player_next_frame_us(const struct player *p);

size_t player_lane_count(const struct player *p);
const struct lane_view *player_lane_view(const struct player *p, size_t lane);

/* Exact seek to t_us (clamped to [0, TotalTime]); a new seek replaces the
 * one in flight. */
void player_seek_us(struct player *p, int64_t t_us);
/* The sync corrections (player_opts.seg_offset_us) changed: every lane's
 * decoders take them; a player_seek_us() to the current time must follow
 * (class_set_offset_us() does both). */
void player_offsets_changed(struct player *p);
void player_set_paused(struct player *p, bool paused);
/* SP_ERANGE for a speed outside 0.5..2.0 in 0.25 steps. */
int player_set_speed(struct player *p, double speed);
/* The play speed now (1.0 normal). */
double player_speed(struct player *p);
/* True for the speeds player_set_speed() takes. */
bool player_speed_valid(double speed);
/* The next valid speed up (dir > 0) or down (dir < 0) from speed, clamped
 * to the range; an invalid speed snaps to the nearest valid one first. */
double player_speed_step(double speed, int dir);

/* With audio: whether a null sink consumes the mix (no device opened).
 * For a caller whose audio device could not open after all. */
void player_set_null_sink(struct player *p, bool on);

/* True while the whole replay waits because the master audio has nothing
 * to play (the UI draws a buffering state). */
bool player_buffering(struct player *p);

/* The seek generation (the serial the clock carries). */
int player_serial(struct player *p);

/* The mixer (NULL without audio) and the clock, for the player's own
 * rooms and headless sinks; an audio device uses player_audio.h, which
 * hides both. */
struct audio_mix *player_mixer(struct player *p);
struct sp_clock *player_clock(struct player *p);

/* Moves warnings (bad media, refused SEI, origin refinement) to dst. */
void player_take_diags(struct player *p, struct diag_list *dst);

#endif
