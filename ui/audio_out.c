/* audio_out.c - see audio_out.h. */
#include "ui/audio_out.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <SDL.h>

#include "player/player_audio.h"
#include "base/log.h"
#include "base/sp_error.h"

static struct sp_log lg = SP_LOG_INIT("audio");

struct audio_out {
    struct player *p; /* borrowed: its mix and clock (player_audio.h) */
    SDL_AudioDeviceID dev;
    int64_t latency_us;
    pthread_mutex_t lock; /* guards st */
    struct audio_out_stats st;
    /* set under SDL's device lock (audio_out_stop()), read by the callback,
     * which SDL runs under that lock: once set, the player is not used */
    atomic_bool stopped;
    bool closer_started; /* the caller's thread only */
    pthread_t closer;    /* runs SDL_CloseAudioDevice() */
};

static void SDLCALL callback(void *opaque, Uint8 *stream, int len)
{
    struct audio_out *ao = opaque;
    float *out = (float *)(void *)stream;
    int frames = len / (int)(sizeof(float) * PLAYER_AUDIO_CHANNELS);
    if (atomic_load(&ao->stopped)) {
        memset(stream, 0, (size_t)len); /* closing: the player may be gone */
        return;
    }
    struct player_audio_pull r;
    player_audio_pull(ao->p, out, frames, ao->latency_us, &r);
    pthread_mutex_lock(&ao->lock);
    ao->st.frames += frames;
    ao->st.mixed += r.mixed;
    ao->st.callbacks++;
    if (r.end_us >= 0)
        ao->st.position_us = r.end_us;
    ao->st.held = r.held;
    pthread_mutex_unlock(&ao->lock);
}

int audio_out_open(struct player *p, struct audio_out **out)
{
    if (!out)
        return SP_EINVAL;
    *out = NULL;
    if (!player_has_audio(p))
        return SP_EINVAL;
    if (SDL_InitSubSystem(SDL_INIT_AUDIO) != 0) {
        SP_WARN(&lg, "no audio: %s", SDL_GetError());
        return SP_EUNSUPPORTED;
    }
    struct audio_out *ao = calloc(1, sizeof(*ao));
    if (!ao) {
        SDL_QuitSubSystem(SDL_INIT_AUDIO);
        return SP_ENOMEM;
    }
    ao->p = p;
    pthread_mutex_init(&ao->lock, NULL);
    SDL_AudioSpec want, have;
    SDL_zero(want);
    want.freq = PLAYER_AUDIO_RATE;
    want.format = AUDIO_F32SYS;
    want.channels = PLAYER_AUDIO_CHANNELS;
    want.samples = AUDIO_OUT_BUFFER_FRAMES;
    want.callback = callback;
    want.userdata = ao;
    /* no allowed changes: SDL converts to whatever the hardware takes, the
     * callback always sees 48 kHz stereo float */
    ao->dev = SDL_OpenAudioDevice(NULL, 0, &want, &have, 0);
    if (ao->dev == 0) {
        SP_WARN(&lg, "cannot open the audio device: %s", SDL_GetError());
        pthread_mutex_destroy(&ao->lock);
        free(ao);
        SDL_QuitSubSystem(SDL_INIT_AUDIO);
        return SP_EUNSUPPORTED;
    }
    /* two buffers: the one playing and the one just handed over */
    ao->latency_us = 2 * (int64_t)have.samples * 1000000 / have.freq;
    ao->st.latency_us = ao->latency_us;
    SP_DBG(&lg, "device: %d Hz, %d ch, %d frames per buffer (driver %s)", have.freq, have.channels,
           have.samples, SDL_GetCurrentAudioDriver());
    SDL_PauseAudioDevice(ao->dev, 0);
    *out = ao;
    return 0;
}

static void *closer_main(void *arg)
{
    struct audio_out *ao = arg;
    SDL_CloseAudioDevice(ao->dev); /* joins SDL's thread after the drain */
    return NULL;
}

void audio_out_stop(struct audio_out *ao)
{
    if (!ao || atomic_load(&ao->stopped))
        return;
    /* the lock SDL holds around every callback: none runs while it is held,
     * and each one after it sees the flag */
    SDL_LockAudioDevice(ao->dev);
    atomic_store(&ao->stopped, true);
    SDL_UnlockAudioDevice(ao->dev);
    /* a clock held by the device would stay held without it */
    player_audio_release(ao->p);
    ao->closer_started = pthread_create(&ao->closer, NULL, closer_main, ao) == 0;
    if (!ao->closer_started)
        SDL_CloseAudioDevice(ao->dev); /* no thread: close here, and wait */
}

void audio_out_close(struct audio_out **pao)
{
    if (!pao || !*pao)
        return;
    struct audio_out *ao = *pao;
    *pao = NULL;
    audio_out_stop(ao);
    if (ao->closer_started)
        pthread_join(ao->closer, NULL);
    pthread_mutex_destroy(&ao->lock);
    free(ao);
    SDL_QuitSubSystem(SDL_INIT_AUDIO);
}

void audio_out_get_stats(struct audio_out *ao, struct audio_out_stats *st)
{
    pthread_mutex_lock(&ao->lock);
    *st = ao->st;
    pthread_mutex_unlock(&ao->lock);
}
