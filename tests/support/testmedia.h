/* testmedia.h - small MP4 files for media tests, made on the spot.
 *
 * Video: H.264 (libx264; mpeg4 if libx264 is missing), frame i has pts i in
 * a 1/fps time base and a picture that depends on i (so frames hash
 * differently). Audio: AAC sine tone. Used by the media tests to own their
 * input without waiting for the generated sample class.
 */
#ifndef SP_TEST_TESTMEDIA_H
#define SP_TEST_TESTMEDIA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct testmedia_opts {
    int frames;        /* video frames; 0: no video */
    int fps;           /* default 25 */
    int width, height; /* default 160 x 120 */
    int gop;           /* key frame interval, frames; default 25 */
    int bframes;       /* default 2 */
    double audio_s;    /* seconds of audio; 0: no audio */
    int sample_rate;   /* default 48000 */
    double tone_hz;    /* default 440 */
    bool faststart;    /* moov before mdat */
};

/* Writes the file; returns 0 or a negative AVERROR. */
int testmedia_write(const char *path, const struct testmedia_opts *o);

/* Writes an MP4 of `frames` copies of one JPEG (MJPEG video, no audio) at
 * fps, its container declaring w x h whatever the JPEG's own header says:
 * for pictures whose size a damaged or hostile file misstates. Returns 0
 * or a negative AVERROR. */
int testmedia_write_jpegs(const char *path, const uint8_t *jpeg, size_t len, int frames, int fps,
                          int w, int h);

/* Copies the first `keep` bytes of src to dst (a truncated file). */
int testmedia_truncate_copy(const char *src, const char *dst, long keep);

/* Copies src to dst with bytes [from, from+len) replaced by pseudo-random
 * garbage (fixed seed). */
int testmedia_garbage_copy(const char *src, const char *dst, long from, long len);

long testmedia_file_size(const char *path);

/* FNV-1a (64-bit words) over the visible pixels of a decoded frame's planes (video) or
 * its samples (audio). */
uint64_t testmedia_frame_hash(const void *avframe);

#endif
