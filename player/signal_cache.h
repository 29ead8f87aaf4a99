/* signal_cache.h - the parsed-signaling cache file (internal to signaling.c).
 *
 * One file per recording under <cache_dir>/signaling/, named by a hash of
 * the recording's document URL and page URLs. It holds what reading every
 * page produced (the finished op log, the chat model, the pages' diagnostic
 * lines) and how to tell whether the pages are still the ones read: a
 * validator per page. docs/signaling.md describes the layout.
 *
 * The reader is a parser of untrusted bytes (a damaged, truncated, foreign
 * or hostile file): every length and count is checked against the bytes
 * left and the documented caps before anything is allocated from it.
 */
#ifndef SP_SIGNAL_CACHE_H
#define SP_SIGNAL_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "player/diag.h"

enum sig_valid_kind {
    SIG_VALID_NONE = 0,   /* the page failed: nothing to compare */
    SIG_VALID_LOCAL = 1,  /* a local file: a = size, b = mtime in ns (stat) */
    SIG_VALID_REMOTE = 2  /* fetched: a = 64-bit content hash, b = length */
};

struct sig_validator {
    uint8_t kind; /* enum sig_valid_kind */
    uint64_t a, b;
};

/* A 64-bit hash of bytes (not cryptographic: it tells changed pages and
 * names files, it does not resist someone forging a page). */
uint64_t sig_hash64(const void *data, size_t len, uint64_t seed);

#endif
