/* signaling.h - a class's signaling (IM pages -> board + chat), streamed.
 *
 * The IM group-history pages of a recording (replay format, section 4)
 * carry both the whiteboard ops and the chat. A two-hour class has about
 * ten thousand of them, so they are never read one after another before
 * the first picture. signaling_start() returns at once; worker threads
 * then
 *   - fetch the pages through the loader, SIGNALING_DEFAULT_PARALLEL at a
 *     time, ranked by need: the first and last page (they tell whether
 *     the list runs oldest- or newest-first and the class's time span),
 *     then the pages from the class's start up to the board time the
 *     caller wants (signaling_want()), then the rest;
 *   - parse them off the caller's thread, board batches included (read
 *     on the workers with board_batch_parse(), appended in page order to
 *     a compact op log; their JSON text is not kept), chat messages into
 *     the chat model, each MsgSeq once;
 *   - publish generations: an immutable struct signal_set (board player
 *     with snapshots + chat model) covering every op and message up to
 *     complete_until_us. A new generation is built when the pages loaded
 *     in a row from the class's start cover the wanted time and the last
 *     one did not, and when every page is in (the final generation,
 *     complete_until_us = INT64_MAX).
 *
 * Disk cache: with a cache directory, the final generation's content
 * (the finished op log, the chat model, the pages' diagnostics) is saved
 * keyed by the recording's page URLs and the pages' validators (local
 * pages: size and mtime; remote pages: a content hash of a bounded sample,
 * revalidated through the loader). A later open whose pages validate
 * loads it instead of fetching and parsing the pages: a bounded number of
 * requests, not one per page.
 *
 * Bad pages: a page that fails (404, bad JSON, too large, timeout) is one
 * diagnostic line naming it; the others load. A page that never answers
 * holds one worker until the loader's timeout, nothing else.
 *
 * Times: board/wall times are Unix µs at the API (the board's op log keeps
 * whole ms inside: player/board/board.h).
 * Threads: signaling_* may be called from one caller thread; the workers
 * (SIGNALING_DEFAULT_PARALLEL, or the parallel asked for: each fetches and
 * parses a page) and one builder (merges parsed pages in order into a new
 * generation and publishes it) run their own. One mutex (the core's mu)
 * guards the page slots, the published generation and the diag list,
 * with three conditions: work (workers), build (builder), pub
 * (signaling_wait()). Lock order: mu is never held while a page is
 * fetched or parsed; the loader (class.h's net_lock, then fetch.h's lock)
 * is called without it; the log's lock is a leaf. A signal_set handed out by signaling_take()
 * belongs to the caller, who uses it from one thread (board_seek() mutates the board player).
 */
#ifndef SP_SIGNALING_H
#define SP_SIGNALING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/diag.h"
#include "player/net/loader.h"

#define SIGNALING_DEFAULT_PARALLEL 8
/* More workers than this are not started (each is a thread). */
#define SIGNALING_MAX_PARALLEL 32
/* An op is assumed to reach its page at most this long after its time:
 * a generation built from pages up to message time M covers ops up to
 * M - SIGNALING_OP_LAG_US (a whole ms: the builder works in the ops' ms). */
#define SIGNALING_OP_LAG_US 2000000

struct recording;
struct board_player;
struct chat_log;

struct signaling_opts {
    const struct sp_loader *loader; /* borrowed; NULL: local files only */
    /* borrowed; NULL: loader. With cache_dir, the pages the parsed-signaling
     * cache will stand for (all but the few re-got to validate it) are got
     * through this one instead: a loader that need not keep them in its own
     * download cache (SP_LOAD_NO_STORE, player/net/loader.h) */
    const struct sp_loader *page_loader;
    /* every page through page_loader, cache_dir or not: nothing downloaded
     * outlives this open (a temporary download cache, --no-cache) */
    bool pages_not_kept;
    const char *cache_dir; /* parsed-signaling cache; NULL: none */
    int parallel;          /* pages in flight; <= 0: SIGNALING_DEFAULT_PARALLEL; at most
                              SIGNALING_MAX_PARALLEL */
    /* Read only as far as one board time needs (`render`): the first
     * signaling_wait() for a time below INT64_MAX sets that bound. Once the
     * pages read in a row cover it, no further page is read: the generation
     * published then is the last (progress.finished; complete_until_us
     * covers the bound and is below INT64_MAX unless every page was read),
     * and the cache file holds that prefix. A later open takes a prefix
     * file only if it stops at a bound too and its bound is within the
     * prefix; any other open reads every page and replaces the file. No
     * generation is built before the bound's. */
    bool stop_at_bound;
};

/* One published generation. Owned by whoever took it. */
struct signal_set {
    struct board_player *board; /* owned; never NULL (an empty board without ops) */
    struct chat_log *chat;      /* owned; never NULL (may have no items) */
    int64_t complete_until_us;  /* every op and message up to this board time (Unix µs;
                                 * the last µs of a whole ms) is in; INT64_MIN: none;
                                 * INT64_MAX: every page was read (or failed) */
    uint64_t generation;        /* 1, 2, ...: increasing */
};

/* NULL-safe; sets *s to NULL. */
void signal_set_free(struct signal_set **s);

struct signaling_progress {
    size_t total;    /* pages in the recording */
    size_t done;     /* pages read (parsed or failed) */
    size_t failed;   /* of which failed */
    bool finished;   /* every page done and the final generation published */
    bool from_cache; /* the final generation came from the disk cache */
};

struct signaling;

/* Starts reading rec's pages (rec is borrowed and must outlive s). A
 * recording without pages finishes at once with an empty final
 * generation. Returns 0, SP_EINVAL or SP_ENOMEM. */
int signaling_start(const struct recording *rec, const struct signaling_opts *o,
                    struct signaling **out);

/* Stops the workers and frees. A page request in flight is waited for (its
 * worker is joined, so that the loader can be freed next): a caller whose
 * loader can hang cancels it first (fetch_cancel_all(), as class_close()
 * does). NULL-safe; sets *s to NULL. */
void signaling_destroy(struct signaling **s);

/* The board time (Unix µs) the caller shows or is about to show: pages
 * up to it are fetched first. Cheap; call on every seek. */
void signaling_want(struct signaling *s, int64_t w_us);

/* If a generation newer than `have` was published, moves the newest to
 * *out (the caller frees it) and returns true; else false and *out is
 * untouched. Never blocks on the workers. */
bool signaling_take(struct signaling *s, uint64_t have, struct signal_set **out);

/* Blocks until a published generation covers board time w_us (Unix µs;
 * INT64_MAX: until the final one), or timeout_us passed (µs; < 0: no
 * limit). While it waits, w_us
 * counts as wanted too (a generation is built for it). Returns 0,
 * SP_ETIMEOUT, SP_ERANGE (opts.stop_at_bound: w_us is past the prefix
 * read), or SP_ENOMEM if the builder ran out of memory (a diag line
 * says so; no further generation comes). */
int signaling_wait(struct signaling *s, int64_t w_us, int64_t timeout_us);

void signaling_progress(const struct signaling *s, struct signaling_progress *out);

/* Moves the diagnostics so far (failed pages, bad messages and ops: each
 * once, not once per generation) to dst. */
void signaling_take_diags(struct signaling *s, struct diag_list *dst);

#endif
