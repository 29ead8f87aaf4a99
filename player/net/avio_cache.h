/* avio_cache.h - an FFmpeg AVIOContext reading a URL through fetch + cache.
 *
 * Demuxing starts while the file downloads: a read waits for its bytes; a
 * seek into a part not fetched yet makes the download start there with a
 * ranged request (so an MP4 whose index sits at the end plays without
 * fetching the whole file first). Local files (paths, file://) are read
 * directly. While a read waits, avio_cache_status() says so (buffering,
 * bytes present, rate) for the UI to draw.
 *
 * Threads: the AVIOContext is used by one demuxing thread;
 * avio_cache_cancel() and avio_cache_status() may be called from any other.
 */
#ifndef SP_AVIO_CACHE_H
#define SP_AVIO_CACHE_H

#include "player/net/fetch.h"

#include <libavformat/avio.h>

/* Bytes of the AVIOContext's own buffer. */
#define AVIO_CACHE_BUFFER 65536

struct avio_cache;

/* Opens url (flags: FETCH_MEDIA for recording media). size_bytes: the
 * file's length when the recording gives it (VideoSize), else -1; a
 * download of another length plays as far as it goes, is never marked
 * complete and says so in the status's warning
 * (fetch_stream_open_expect()). *out is owned by the caller
 * (avio_cache_close()); f must outlive it. Returns 0, SP_ENOENT, SP_EIO,
 * SP_ENOMEM. */
int avio_cache_open(struct fetch *f, const char *url, unsigned flags, int64_t size_bytes,
                    struct avio_cache **out);

/* The context to put in AVFormatContext.pb (with AVFMT_FLAG_CUSTOM_IO);
 * owned by the avio_cache. */
AVIOContext *avio_cache_ctx(struct avio_cache *ac);

/* Makes blocked and later reads fail (AVERROR_EXIT); thread-safe. */
void avio_cache_cancel(struct avio_cache *ac);

/* Buffering state: st->buffering is true while a read waits for bytes. */
void avio_cache_status(struct avio_cache *ac, struct fetch_status *st);

/* The error of the last failed read as one line ("" if none). */
const char *avio_cache_error(struct avio_cache *ac);

/* Frees the context and stops the download. NULL-safe; sets *ac NULL. */
void avio_cache_close(struct avio_cache **ac);

#endif
