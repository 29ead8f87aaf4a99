/* buffered.h - which stretches of playback time can play without waiting
 * for the network: the buffered band of the seek bar.
 *
 * A time t is buffered when every media segment that covers t has the
 * bytes for t in the download cache. Local files (paths, file:// URLs)
 * and times no segment covers count as buffered. For a remote segment the
 * byte ranges present in its cache entry (cache_entry_next_gap()) are
 * mapped to playback time in proportion: byte b of a file of L bytes is
 * taken as time play_us + b * duration_us / L. That is an approximation
 * (an MP4's index and the varying bit rate make bytes and time not quite
 * proportional), good for drawing a bar, not for deciding what to read.
 * A segment whose length the server has not said yet counts as missing.
 *
 * Reads the cache only (the sidecar of an entry no one has open); it does
 * not start or stop a download. Times in µs of playback time (whole ms:
 * the proportion is worked out in ms, which is finer than a bar's pixel).
 */
#ifndef SP_BUFFERED_H
#define SP_BUFFERED_H

#include <stddef.h>
#include <stdint.h>

struct timeline;
struct fetch;

#define BUFFERED_MAX_GAPS 65536 /* missing stretches tracked; more are merged */

/* A half-open interval [start_us, end_us) of playback time (µs). */
struct buffered_range {
    int64_t start_us, end_us;
};

/* Writes the buffered stretches of [0, TotalTime) of tl's recording,
 * sorted and disjoint, at most max of them (the rest are left out), to out.
 * f may be NULL (then nothing is remote: the whole class is buffered).
 * Returns the count, or SP_EINVAL / SP_ENOMEM. */
int buffered_ranges(const struct timeline *tl, struct fetch *f, struct buffered_range *out,
                    size_t max);

#endif
