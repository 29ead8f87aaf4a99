/* audio_mix.h - every lane's audio resampled, placed on the playback
 * timeline, mixed with headroom, and time-stretched for the play speed.
 *
 * Output: AUDIO_MIX_RATE Hz, stereo, interleaved float (-1..1). The audio
 * device (SDL's callback, later) or the headless null sink pulls with
 * audio_mix_read(); the play loop pushes decoded frames with
 * audio_mix_write(), each stamped with the playback time t (µs) of its
 * first sample. No SDL here.
 *
 * Placement: the mixer keeps a read position pos (playback time, counted in
 * output-rate samples so it never drifts). Each lane has a FIFO whose head
 * sits at a known t; data behind pos is dropped (late), a gap before the
 * head plays as silence. A write that lands within AUDIO_MIX_RESYNC_US of
 * where the lane's previous data ended is appended as is (frame timestamps
 * jitter); further off, the lane re-aligns (silence or trimming).
 *
 * Stalls: a lane marked active is one that should have audio at pos. If no
 * lane has data at pos and some active lane has none, the mixer stalls: it
 * returns fewer frames and pos stays put, so the audio clock (and with it
 * the whole replay) waits. If any lane has data, starving lanes are silent
 * and pos moves on (the others keep playing). With no active lane, pos
 * moves on through silence.
 *
 * Headroom: the sum of the unmuted lanes is scaled by 1/sqrt(n) (n = active
 * unmuted lanes with non-zero volume; uncorrelated voices add in power, so
 * this keeps the loudness of a crowd near that of one voice), then a soft
 * knee limiter maps |x| above AUDIO_MIX_KNEE smoothly (tanh) into
 * (KNEE, 1): the output never clips, however many lanes are loud, and
 * quiet passages are untouched.
 *
 * Speed: 0.5x .. 2.0x through libavfilter's atempo (pitch kept), applied
 * after the mix; at 1.0x the filter is bypassed.
 *
 * Locking: one mutex guards everything; every function is thread-safe
 * (the device callback reads while the play loop writes). Lock order: a
 * leaf (the mixer takes no other lock while holding its own; the device
 * callback takes the mixer's and the clock's one after the other, never
 * nested).
 */
#ifndef SP_AUDIO_MIX_H
#define SP_AUDIO_MIX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AUDIO_MIX_RATE 48000
#define AUDIO_MIX_CHANNELS 2
#define AUDIO_MIX_MAX_LANES 64
#define AUDIO_MIX_RESYNC_US 40000        /* re-align a lane beyond this error */
#define AUDIO_MIX_MAX_BUFFER_US 10000000 /* per lane; writes past it are refused */
/* The input rates played. The rate comes from the file and sets how many
 * samples a frame becomes: a frame of 8000 samples stamped 1 Hz would be
 * 384 million at 48 kHz (1.5 GB). 1 kHz is well under any codec's least
 * (telephony's 8 kHz, AAC's 7350 Hz). */
#define AUDIO_MIX_MIN_IN_RATE 1000
#define AUDIO_MIX_MAX_IN_RATE 768000
#define AUDIO_MIX_KNEE 0.8f

struct audio_mix;

struct audio_mix_status {
    int64_t t_us; /* playback time of the first frame returned */
    bool stalled; /* an active lane had no data and nothing else played */
    int playing;  /* lanes that contributed data */
};

/* Returns 0, SP_ENOMEM. pos starts at 0, speed 1, no lanes active. */
int audio_mix_create(struct audio_mix **out);
void audio_mix_destroy(struct audio_mix **m);

/* Appends a decoded audio frame (any format, rate, layout; const: the mixer
 * copies) to lane (0..AUDIO_MIX_MAX_LANES-1), its first sample at playback
 * time t_us. Returns 0, SP_EINVAL (bad lane or frame, a rate outside
 * AUDIO_MIX_MIN_IN_RATE..AUDIO_MIX_MAX_IN_RATE), SP_ELIMIT (the frame
 * alone would be more than AUDIO_MIX_MAX_BUFFER_US: refused before its
 * buffer is allocated), SP_EAGAIN (the lane already holds
 * AUDIO_MIX_MAX_BUFFER_US: feed later), SP_ENOMEM or SP_EDECODE (the
 * resampler refused the format). */
int audio_mix_write(struct audio_mix *m, int lane, const void *avframe, int64_t t_us);

/* How far past pos the lane's data reaches (µs; 0 if none). */
int64_t audio_mix_buffered_us(struct audio_mix *m, int lane);

/* How much later than its stamp the lane's sample at pos plays (µs; a
 * write appended within AUDIO_MIX_RESYNC_US of the lane's end keeps that
 * error until a re-align), or AUDIO_MIX_NO_SKEW if the lane has no data at
 * pos. With the sink's own latency, this is the lane's audio-against-video
 * offset (negative of it: audio late). */
#define AUDIO_MIX_NO_SKEW INT64_MIN
int64_t audio_mix_lane_late_us(struct audio_mix *m, int lane);

/* Active: the lane should have audio now (a segment with audio, playing). */
void audio_mix_set_active(struct audio_mix *m, int lane, bool active);
/* volume: 0..2 (1 = as recorded); mute keeps the volume for unmute. */
void audio_mix_set_volume(struct audio_mix *m, int lane, float volume);
void audio_mix_set_mute(struct audio_mix *m, int lane, bool mute);

/* Drops every lane's data and the filter's, moves pos to t_us (a seek). */
void audio_mix_reset(struct audio_mix *m, int64_t t_us);
/* Drops one lane's data (its segment changed). */
void audio_mix_lane_reset(struct audio_mix *m, int lane);

/* 0.5 .. 2.0 in 0.25 steps; SP_ERANGE otherwise. */
int audio_mix_set_speed(struct audio_mix *m, double speed);

/* Fills out with up to frames stereo frames (2 * frames floats); the rest
 * of out is zeroed. Returns the frames produced (>= 0) or SP_ENOMEM /
 * SP_EDECODE; st (may be NULL) says where they sit and whether it stalled. */
int audio_mix_read(struct audio_mix *m, float *out, int frames, struct audio_mix_status *st);

/* End of all audio: pushes what the tempo filter still holds to the output
 * (read it with audio_mix_read). */
void audio_mix_drain(struct audio_mix *m);

/* Playback time of the next input sample to be mixed (µs). */
int64_t audio_mix_pos_us(struct audio_mix *m);

#endif
