/* audio_out.h - the SDL audio device: plays the player's mix and is the
 * master clock while any active lane has audio.
 *
 * The device is opened at PLAYER_AUDIO_RATE Hz, stereo, 32-bit float (SDL
 * converts if the hardware wants something else). Its callback, on SDL's
 * audio thread, pulls frames from the player (player/player_audio.h), which
 * reads its mix and sets its playback clock from the position handed over:
 * the first frame of each buffer is heard `latency` after the callback, so
 * the clock is set to (that frame's playback time, now + latency). Between
 * callbacks the clock runs on the system clock at the play speed.
 *
 * - Paused clock: the device plays silence and leaves the mix where it is.
 * - Nothing to play (the mixer stalls: every lane that should sound is
 *   waiting for data): silence, and the clock is held at
 *   what is being heard: the whole replay waits (buffering) until audio is
 *   there again. Lanes without data while another lane sounds are silent
 *   and hold nothing (audio_mix.h).
 * - No active lane: the mixer moves on through silence at the device's
 *   pace, i.e. the system clock's.
 * - Speed: the mixer's atempo; the clock's speed says how fast playback
 *   time runs per second heard.
 * - Seek: the play loop resets the mix before it sets the clock with a new
 *   serial; the pull only sets the clock if the serial it read before
 *   pulling the mix is still current, so a buffer pulled
 *   before a seek never drags the clock back.
 *
 * Latency: SDL2 does not report the device's; we take two buffers (the one
 * playing and the one just handed over), as ffplay does.
 *
 * Tests run with SDL_AUDIODRIVER=dummy, whose callback runs in real time.
 * Threads: open/close on one thread; the callback on SDL's; the mixer and
 * the clock are thread-safe. The device's own lock guards its statistics
 * (audio_out_stats). Lock order: the callback takes the mixer's lock,
 * then the clock's, then this one, each released before the next: none is
 * nested in another. close() stops the callback before it returns, so the
 * player (mixer, clock) may be destroyed after it.
 */
#ifndef SP_RENDER_AUDIO_OUT_H
#define SP_RENDER_AUDIO_OUT_H

#include <stdbool.h>
#include <stdint.h>

struct player;

#define AUDIO_OUT_BUFFER_FRAMES 1024 /* per callback: 21.3 ms at 48 kHz */

struct audio_out;

struct audio_out_stats {
    int64_t frames; /* frames handed to the device, silence included */
    int64_t mixed;  /* of which came from the mix */
    int64_t callbacks;
    int64_t position_us; /* playback time of the last mixed frame's end */
    int64_t latency_us;  /* the estimate used */
    bool held;           /* the last callback found nothing to play */
};

/* Opens the default audio device (initialising SDL's audio subsystem if
 * needed) and starts it, playing p's mix. p is borrowed and must outlive
 * the device (or audio_out_stop() come first). Returns 0, SP_EINVAL (no
 * player, or one without audio) or
 * SP_EUNSUPPORTED (no audio device: the reason is logged; the caller may
 * fall back to the system clock). */
int audio_out_open(struct player *p, struct audio_out **out);

/* Begins closing the device: when this returns the callback no longer
 * touches the mixer or the clock (it plays silence; the clock is no longer
 * held), so the player that owns them may be destroyed. SDL's close itself
 * waits for the device to drain (two buffers, about 40 ms, plus the buffer
 * playing) and runs meanwhile on a thread of its own, so that quitting
 * does the other teardown at the same time; audio_out_close() joins it.
 * NULL-safe; a second call does nothing. */
void audio_out_stop(struct audio_out *ao);

/* Stops the device (audio_out_stop() if not done), waits until SDL has
 * closed it and frees it. NULL-safe; sets *ao NULL. */
void audio_out_close(struct audio_out **ao);

void audio_out_get_stats(struct audio_out *ao, struct audio_out_stats *st);

#endif
