/* mp4_out.h - the sink of `sigplay export`: composed canvases and the
 * mixed audio encoded to H.264 (libx264) and AAC in an MP4 file.
 *
 * Video: each canvas (premultiplied RGBA8, opaque where composed, so the
 * same as straight RGBA) is copied and handed to an encoder thread through
 * a small bounded queue; that thread converts it to yuv420p with libswscale
 * (BT.709, limited range, tagged as such) and runs libx264 (its own
 * threads: auto) and the muxer, so composing the next frame overlaps
 * converting and encoding the last ones. Frame i has pts i in 1/fps.
 *
 * Audio: AUDIO_MIX_RATE Hz stereo interleaved float (player/media/audio_mix.h's
 * output), in any chunk sizes; sample k has pts k in 1/AUDIO_MIX_RATE. The
 * encoder thread cuts it into the AAC encoder's frames; the last one may
 * be short. The file is written with +faststart (index first).
 *
 * Errors: 0 or a negative SP_E* code; a line saying what failed (encoder
 * missing, file not writable) is kept for the caller (app_mp4_error()).
 * Threads: one caller thread uses a struct app_mp4; the encoder thread is
 * internal.
 */
#ifndef SP_APP_MP4_OUT_H
#define SP_APP_MP4_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "render/canvas.h"

#define APP_MP4_QUEUE 6 /* video frames waiting for the encoder at most */

/* A chapter: [start_us, end_us) of the output's time, a UTF-8 title
 * (written in ms, the chapters' time base). */
struct app_mp4_chapter {
    int64_t start_us, end_us;
    const char *title;
};

/* A subtitle cue for the mov_text track (times of the output, µs). */
struct app_mp4_sub {
    int64_t start_us, end_us;
    const char *text; /* UTF-8; at most 65535 bytes are kept */
};

struct app_mp4_opts {
    int w, h;           /* pixels, even, 2..CANVAS_MAX_DIM */
    int fps;            /* frames per second, 1..120 */
    int crf;            /* x264 CRF, 0..51 */
    const char *preset; /* x264 preset name (NULL: "veryfast") */
    bool audio;         /* an AAC track */
    /* Chapters (the container's chapter list: players show them) and a
     * mov_text subtitle track; both borrowed during app_mp4_open() only,
     * sorted by start. n 0: none. */
    const struct app_mp4_chapter *chapters;
    size_t n_chapters;
    const struct app_mp4_sub *subs;
    size_t n_subs;
    const char *subs_language; /* ISO 639-2 tag of the subtitle track (NULL: "und") */
};

struct app_mp4;

/* Opens path for writing (replaced if present) and the encoders. Returns 0
 * and *out, or SP_EINVAL (bad options), SP_EUNSUPPORTED (no libx264 or
 * AAC encoder, or a preset libx264 refuses), SP_EIO (cannot write),
 * SP_ENOMEM; on error *out is NULL and err (errlen bytes) says why. */
int app_mp4_open(const char *path, const struct app_mp4_opts *o, struct app_mp4 **out, char *err,
                 size_t errlen);

/* Queues c (o->w x o->h) as the next video frame; blocks while the queue
 * is full. Returns 0 or the encoder thread's error. */
int app_mp4_video(struct app_mp4 *m, const struct canvas *c);

/* Appends frames stereo frames of interleaved float samples. Returns 0 or
 * the encoder thread's error. */
int app_mp4_audio(struct app_mp4 *m, const float *samples, int frames);

/* Flushes the encoders, writes the index and closes the file; then frees
 * everything (*m becomes NULL). Returns 0 or the first error met, with its
 * reason in err (errlen bytes). */
int app_mp4_finish(struct app_mp4 **m, char *err, size_t errlen);

/* Stops without finishing (the file is incomplete: the caller removes it)
 * and frees everything. NULL-safe; sets *m to NULL. */
void app_mp4_destroy(struct app_mp4 **m);

/* The reason of the first error (after app_mp4_video/audio failed), ""
 * if none. */
const char *app_mp4_error(const struct app_mp4 *m);

#endif
