/* player_audio.h - what an audio device needs from the player, without
 * the mixer or the clock behind it.
 *
 * A device (ui/audio_out.h) plays the player's mix and, while it plays, is
 * the master clock. Its callback asks for one buffer at a time
 * (player_audio_pull()); the player reads its mix and sets its clock from
 * the position that buffer will be heard at, or holds the clock when the
 * mix has nothing to play (playloop.h says when). The mixer and the clock
 * stay the player's: the device sees neither.
 *
 * Output: PLAYER_AUDIO_RATE Hz, PLAYER_AUDIO_CHANNELS channels,
 * interleaved float (-1..1).
 * Threads: player_audio_pull() and player_audio_release() may run on the
 * device's thread while the player's own thread steps (the mixer and the
 * clock take their own locks; neither is held across the other). The
 * rest: the player's thread.
 */
#ifndef SP_PLAYER_AUDIO_H
#define SP_PLAYER_AUDIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct player;

#define PLAYER_AUDIO_RATE 48000 /* = AUDIO_MIX_RATE (checked in player_audio.c) */
#define PLAYER_AUDIO_CHANNELS 2 /* = AUDIO_MIX_CHANNELS */

/* True when the player mixes audio (a device may be opened for it). */
bool player_has_audio(struct player *p);

/* One device buffer. */
struct player_audio_pull {
    int mixed;      /* frames that came from the mix (the rest is silence) */
    bool held;      /* the mix had nothing to play: the clock is held */
    int64_t end_us; /* playback time of the last mixed frame's end; -1 none */
};

/* Fills out (frames frames, zeroed where nothing is mixed) for a buffer
 * first heard latency_us from now. While paused: silence, the mix stays
 * where it is. Else the clock is set to (the buffer's playback time,
 * now + latency_us), unless a seek came in between (its serial), or held
 * when the mix has nothing to play. Returns 0, or SP_EINVAL (no audio). */
int player_audio_pull(struct player *p, float *out, int frames, int64_t latency_us,
                      struct player_audio_pull *r);

/* The device stops: a clock it held is released, so the replay does not
 * wait for a device that is gone. */
void player_audio_release(struct player *p);

/* Volume (0..1) and mute of one lane's audio in the mix; lanes past the
 * mixer's capacity and a player without audio are ignored. */
void player_set_lane_audio(struct player *p, size_t lane, float volume, bool mute);

/* The master clock's playback time now (µs): what is being heard while a
 * device leads, the system clock's t otherwise. */
int64_t player_clock_us(struct player *p);

#endif
