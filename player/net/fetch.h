/* fetch.h - HTTP(S) downloads into the disk cache (libwebsockets client).
 *
 * One struct fetch owns one libwebsockets context served by one thread;
 * every transfer of the process runs on it. Callers on other threads see a
 * small blocking API:
 *   fetch_get()       a whole small document (manifest, IM page) in memory
 *                     (fetch_get_ex(): with where it came from, or from
 *                     the cache only)
 *   fetch_download()  a whole file into the cache (sigplay fetch)
 *   fetch_stream_*()  random access to a file while it downloads (the
 *                     AVIOContext in avio_cache.h sits on this)
 * file:// URLs and plain paths are read from disk directly, never cached.
 *
 * Network behaviour (docs/fetch.md is the user-facing description):
 * - GET with Range / If-Range to resume partial cache entries and to serve
 *   seeks into parts not fetched yet; a server that ignores Range (200) is
 *   read from byte 0 instead.
 * - Redirects: at most FETCH_MAX_REDIRECTS, a loop is an error.
 * - TLS: certificates verified against the system CA store, plus
 *   opts.ca_file; opts.insecure turns verification off.
 * - Timeouts: connect (opts.connect_timeout_us) and idle, i.e. no byte
 *   received for opts.idle_timeout_us. A timeout ends the transfer with
 *   SP_ETIMEOUT (not retried; the partial data stays cached and a later
 *   call resumes).
 * - Completeness: a download is complete only when its length is proven:
 *   Content-Length or a Content-Range total fully received, or a chunked
 *   body's final chunk (and the caller's known length, when given:
 *   fetch_download_expect()). A body that ends with the connection and no
 *   length proves nothing and is retried.
 * - Resume: partial bytes are resumed with Range and If-Range. Bytes with
 *   neither ETag nor Last-Modified left by an earlier attempt are dropped
 *   and the file read from 0 (nothing proves it is still the same file).
 * - Encoding: every request says "Accept-Encoding: identity"; a gzip or
 *   deflate body sent anyway is inflated, and read whole from 0.
 * - Retries: 5xx answers and connections closed mid-body are retried with
 *   exponential backoff (opts.backoff_us, doubling), opts.max_tries
 *   attempts in all, per download; only an attempt that brings the entry
 *   past the most bytes it held before resets the count (bytes received
 *   again, from a server that ignores Range, are no progress).
 * - Documents (fetch_get) from many threads run in parallel: per host
 *   (scheme, name, port) at most FETCH_MAX_CONNS_PER_HOST requests are on
 *   the wire at once, each on its own connection; further ones wait in
 *   submission order. Direct connections are kept alive (HTTP/1.1) for
 *   FETCH_KEEP_WARM_SECS after an answer and reused by the next document
 *   for that host, so a run of small pages costs a few TCP (and TLS)
 *   handshakes, not one per page. A document's body is held in memory on
 *   the fetch thread and written to the cache once, by the caller's
 *   thread, without fsync (cache.h says why that is safe). Revalidation on
 *   a kept-alive connection asks "Range: bytes=0-0" under If-Range rather
 *   than If-None-Match, so that the answer has a length and the connection
 *   survives it (a 304 without Content-Length would end it; docs/fetch.md).
 *   A request that stalls holds only its own
 *   connection until its timeout. Media (fetch_download, fetch_stream_*)
 *   use a connection of their own per transfer, not counted in the bound.
 * - Proxies: http_proxy / https_proxy / no_proxy (and upper-case forms)
 *   are honoured through libwebsockets' proxy support, which tunnels every
 *   request (http too) with CONNECT.
 *
 * Locks: struct fetch's lock guards the list of transfers and each
 * transfer's shared state (its fields marked "f->lock"); its condition is
 * broadcast on every change of a transfer. Lock order: class.h's net_lock
 * (held while the client is created) -> this lock; this lock and the
 * cache's (cache.h) are not nested; the log's lock is a leaf taken last.
 *
 * Errors: 0 or a negative SP_E* code; a failure also appends one line to
 * the caller's diag list (if given), shaped "URL: reason".
 */
#ifndef SP_FETCH_H
#define SP_FETCH_H

#include "base/diag.h"
#include "player/net/loader.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FETCH_MAX_REDIRECTS 5
#define FETCH_DEFAULT_CONNECT_TIMEOUT_US 15000000
#define FETCH_DEFAULT_IDLE_TIMEOUT_US 30000000
#define FETCH_DEFAULT_MAX_TRIES 3
#define FETCH_DEFAULT_BACKOFF_US 500000
/* Documents on the wire at once per host; more wait in submission order. */
#define FETCH_MAX_CONNS_PER_HOST 8
/* How long an idle kept-alive document connection waits for reuse, s. */
#define FETCH_KEEP_WARM_SECS 5

struct fetch_opts {
    const char *cache_dir;      /* NULL: cache_default_dir() */
    bool no_cache;              /* use a private temporary cache, removed at the end */
    uint64_t cache_cap;         /* bytes; 0: CACHE_DEFAULT_CAP */
    const char *ca_file;        /* extra PEM CA bundle trusted besides the system's */
    bool insecure;              /* do not verify TLS certificates */
    int64_t connect_timeout_us; /* <= 0: default */
    int64_t idle_timeout_us;    /* <= 0: default */
    int max_tries;              /* <= 0: default */
    int64_t backoff_us;         /* < 0: default; first retry delay, doubles */
};

/* Fills o with the defaults (every field above). */
void fetch_opts_init(struct fetch_opts *o);

struct fetch;

/* Starts the fetch thread. The strings in opts are copied. Returns 0,
 * SP_EIO (cache directory), SP_ETLS (CA file unusable), SP_ENOMEM or
 * SP_ENET (libwebsockets could not start); a diag line says which. */
int fetch_create(const struct fetch_opts *opts, struct fetch **out, struct diag_list *diag);

/* Cancels every transfer, joins the thread, closes the cache. Every
 * stream must be closed first. NULL-safe; sets *f to NULL. */
void fetch_destroy(struct fetch **f);

/* Cancels every transfer of f, as fetch_stream_cancel() and a caller's
 * own cancel would: waiting calls return SP_ECANCELLED, and each
 * transfer's bytes so far are made durable in the cache first (a clean
 * exit on SIGTERM keeps a partial download). For good: every transfer
 * asked for afterwards fails at once with SP_ECANCELLED, so threads still
 * inside a call can be joined before fetch_destroy(). NULL-safe,
 * thread-safe; not
 * async-signal-safe (call it from a thread that saw the signal's flag). */
void fetch_cancel_all(struct fetch *f);

/* The cache in use (for tests and `sigplay fetch` reporting). */
struct cache *fetch_cache(struct fetch *f);

/* True for http:// and https:// URLs (anything else is read from disk). */
bool fetch_is_remote(const char *url);

/* Reads a whole document (at most max_bytes) into *data (NUL-terminated,
 * caller frees) and *len. Remote documents are revalidated when cached
 * (If-None-Match / If-Modified-Since); when the network is unreachable a
 * complete cached copy is used instead. Returns 0, SP_ELIMIT (bigger than
 * max_bytes), SP_ENOENT, SP_EHTTP, SP_ENET, SP_ETLS, SP_ETIMEOUT, SP_EIO
 * or SP_ENOMEM. */
int fetch_get(struct fetch *f, const char *url, size_t max_bytes, char **data, size_t *len,
              struct diag_list *diag);

/* fetch_get() with flags (SP_LOAD_CACHED_ONLY: fetch_get_cached()) and
 * *origin (may be NULL) set on success: SP_DOC_NETWORK (new bytes),
 * SP_DOC_VALIDATED (the cached copy; the server said just now it is
 * current), SP_DOC_STALE (the cached copy; the server could not be
 * reached), SP_DOC_CACHED (SP_LOAD_CACHED_ONLY), SP_DOC_LOCAL (a local
 * file). With SP_LOAD_CACHED_ONLY, SP_ENOENT (no complete copy) adds no
 * diag line. For a caller checking a set of documents with a bounded
 * number of requests: get a sample with flags 0; when every one is
 * SP_DOC_VALIDATED, read the rest with SP_LOAD_CACHED_ONLY and use
 * flags 0 only for those that answer SP_ENOENT. */
int fetch_get_ex(struct fetch *f, const char *url, size_t max_bytes, unsigned flags, char **data,
                 size_t *len, enum sp_doc_origin *origin, struct diag_list *diag);

/* Reads a complete cached copy of url (at most max_bytes) into *data
 * (NUL-terminated, caller frees) and *len, without any request and without
 * revalidating it: for a caller that revalidated a sample of a set of
 * documents itself and trusts the rest. Local paths and file:// URLs are
 * read from disk as by fetch_get(). Thread-safe. Returns 0, SP_ENOENT (not
 * cached, cached only in part, or a cached copy whose length or CRC is
 * wrong: dropped), SP_ELIMIT (bigger than max_bytes), SP_EIO or
 * SP_ENOMEM. */
int fetch_get_cached(struct fetch *f, const char *url, size_t max_bytes, char **data, size_t *len);

/* An sp_loader (player/net/loader.h) serving http(s) through f (with the
 * cache and its offline fallback) and file URLs from disk. Valid while f
 * lives; usable from any thread. */
struct sp_loader fetch_loader(struct fetch *f);
/* The same with get_ex (fetch_get_ex()): origins and cache-only reads. */
struct sp_loader_ex fetch_loader_ex(struct fetch *f);

/* State of a transfer, for progress bars and a buffering indicator. */
enum fetch_state {
    FETCH_IDLE, /* nothing to do or waiting for a reader */
    FETCH_CONNECTING,
    FETCH_RECEIVING,
    FETCH_RETRY_WAIT, /* backing off before the next attempt */
    FETCH_DONE,       /* every byte is in the cache */
    FETCH_FAILED,
    FETCH_CANCELLED
};

struct fetch_status {
    enum fetch_state state;
    bool buffering;              /* a reader is blocked waiting for bytes */
    int64_t have;                /* bytes present in the cache */
    int64_t total;               /* total size, -1 unknown */
    int64_t received;            /* bytes received over the network by this transfer */
    double rate;                 /* bytes/s over the last second or so */
    int err;                     /* SP_E* when FAILED */
    int http_status;             /* last HTTP status seen, 0 if none */
    char message[DIAG_MAX_TEXT]; /* the one-line reason when FAILED */
    /* a stream whose length is not the recording's (fetch_stream_open_expect()):
     * "URL: N bytes, but the recording says M (VideoSize); ...", "" none */
    char warning[DIAG_MAX_TEXT];
};

const char *fetch_state_name(enum fetch_state s);

/* Flags for fetch_download() / fetch_stream_open(). */
#define FETCH_MEDIA 1u /* a recording's media: 403/404 explain link expiry */

/* Called about 5 times a second from the waiting thread. */
typedef void (*fetch_progress_fn)(void *opaque, const struct fetch_status *st);

/* Downloads url completely into the cache (no-op when already complete
 * or for local files). Blocks. Returns 0 or an SP_E* code as fetch_get(). */
int fetch_download(struct fetch *f, const char *url, unsigned flags, fetch_progress_fn progress,
                   void *opaque, struct diag_list *diag);

/* As fetch_download(), when the caller knows the file's length
 * (size_bytes >= 0: a recording's VideoSize, an image's announced size):
 * the download is complete only at exactly that length. A server that
 * announces or delivers another length ends it with SP_ERANGE and one
 * DIAG_WARNING line "URL: N bytes, but the recording says M (VideoSize);
 * ..."; nothing of it is marked complete, and a complete cached copy of
 * another length is dropped and fetched again. size_bytes < 0: as
 * fetch_download(). */
int fetch_download_expect(struct fetch *f, const char *url, unsigned flags, int64_t size_bytes,
                          fetch_progress_fn progress, void *opaque, struct diag_list *diag);

struct fetch_stream;

/* As fetch_download(), but a complete cached copy is checked with the
 * server first (a conditional request: 304 costs no body), so the answer
 * says whether the server serves url now: SP_ENET / SP_ETIMEOUT when it
 * cannot be reached, even if the cache could serve it. Local files: as
 * fetch_download(). */
int fetch_revalidate(struct fetch *f, const char *url, unsigned flags, fetch_progress_fn progress,
                     void *opaque, struct diag_list *diag);

/* True when the cache holds every byte of remote url (no request). */
bool fetch_cached_complete(struct fetch *f, const char *url);

/* Opens url for random-access reading. Remote files download in the
 * background (from the first byte a reader wants, then every missing
 * part). *out is owned by the caller: fetch_stream_close(). Returns 0,
 * SP_ENOENT (local file missing), SP_EIO, SP_ELIMIT or SP_ENOMEM. */
int fetch_stream_open(struct fetch *f, const char *url, unsigned flags, struct fetch_stream **out);

/* As fetch_stream_open(), when the caller knows the file's length
 * (size_bytes >= 0: the segment's VideoSize). The length is proven as by
 * fetch_download_expect(), but a stream plays what it gets: a server that
 * announces or delivers another length (a Content-Length shorter than the
 * body, a body cut before its Content-Length) is one line in the status's
 * warning, the bytes it does send are read to their end, and the entry is
 * never marked complete, so the next open fetches the file again. A
 * complete cached copy of another length is dropped and fetched again.
 * size_bytes < 0: as fetch_stream_open(). */
int fetch_stream_open_expect(struct fetch *f, const char *url, unsigned flags, int64_t size_bytes,
                             struct fetch_stream **out);

/* Reads up to len bytes at offset; blocks until at least one byte is there.
 * Returns the count (> 0), 0 at the end of the file, SP_ECANCELLED after
 * fetch_stream_cancel(), or the transfer's error. */
int64_t fetch_stream_read(struct fetch_stream *s, int64_t offset, void *buf, size_t len);

/* Total size; blocks until the server said it. Returns it, or a negative
 * SP_E* code (SP_EUNSUPPORTED if the server does not tell). */
int64_t fetch_stream_size(struct fetch_stream *s);

/* Makes blocked and future reads return SP_ECANCELLED; thread-safe. */
void fetch_stream_cancel(struct fetch_stream *s);

void fetch_stream_status(struct fetch_stream *s, struct fetch_status *out);

/* Stops the background download (cached bytes stay). NULL-safe; sets *s
 * to NULL. */
void fetch_stream_close(struct fetch_stream **s);

/* The line a person should read about an HTTP failure on url, e.g.
 * "https://x/y.mp4: HTTP 404 Not Found: ...". flags as above. */
void fetch_http_message(char *buf, size_t size, const char *url, int status, unsigned flags);

#endif
