/* player_audio.c - see player_audio.h. */
#include "player/player_audio.h"

#include <string.h>

#include "base/sp_error.h"
#include "player/clock.h"
#include "player/media/audio_mix.h"
#include "player/playloop.h"

_Static_assert(PLAYER_AUDIO_RATE == AUDIO_MIX_RATE, "the device's rate is the mixer's");
_Static_assert(PLAYER_AUDIO_CHANNELS == AUDIO_MIX_CHANNELS, "the device's layout is the mixer's");

bool player_has_audio(struct player *p)
{
    return p && player_mixer(p) != NULL;
}

int player_audio_pull(struct player *p, float *out, int frames, int64_t latency_us,
                      struct player_audio_pull *r)
{
    *r = (struct player_audio_pull){0, false, -1};
    struct audio_mix *mix = p ? player_mixer(p) : NULL;
    size_t bytes = (size_t)(frames > 0 ? frames : 0) * sizeof(float) * AUDIO_MIX_CHANNELS;
    if (!mix) {
        memset(out, 0, bytes);
        return SP_EINVAL;
    }
    struct sp_clock *clock = player_clock(p);
    int64_t now = clock_time_monotonic(NULL);
    if (clock_paused(clock)) {
        memset(out, 0, bytes);
        return 0;
    }
    /* the serial before the pull: a seek in between makes the clock
     * refuse this buffer's position */
    int serial = clock_serial(clock);
    struct audio_mix_status ms;
    int n = audio_mix_read(mix, out, frames, &ms); /* zeroes the rest */
    if (n > 0) {
        /* release first: releasing re-anchors at "now" */
        clock_set_held(clock, false);
        clock_update_at(clock, ms.t_us, serial, now + latency_us);
        r->mixed = n;
        r->end_us = audio_mix_pos_us(mix);
    } else {
        if (n < 0)
            memset(out, 0, bytes);
        if (ms.stalled && n == 0) {
            /* nothing to play: the replay waits at what is heard now */
            clock_set_held(clock, true);
            r->held = true;
        }
    }
    return 0;
}

void player_audio_release(struct player *p)
{
    if (p)
        clock_set_held(player_clock(p), false);
}

void player_set_lane_audio(struct player *p, size_t lane, float volume, bool mute)
{
    struct audio_mix *m = p ? player_mixer(p) : NULL;
    if (!m || lane >= AUDIO_MIX_MAX_LANES)
        return;
    audio_mix_set_volume(m, (int)lane, volume);
    audio_mix_set_mute(m, (int)lane, mute);
}

int64_t player_clock_us(struct player *p)
{
    return clock_get(player_clock(p));
}
