/* cache.h - the resumable disk cache behind player/net/fetch.
 *
 * Layout, under one directory (default $XDG_CACHE_HOME/sigplay, else
 * ~/.cache/sigplay): for each URL, key = lowercase hex SHA-256 of the URL
 * text (file names never contain URL text, so no path traversal):
 *   <key>.part   bytes being downloaded, at their own offsets (sparse)
 *   <key>.data   a complete file (renamed from .part once every byte is in)
 *   <key>.lock   the entry's cross-process lock (see Processes below)
 *   <key>.json   sidecar: url, length, ETag, Last-Modified, the byte ranges
 *                present, "complete", and for documents "crc32" (CRC-32 of
 *                .data); replaced atomically (temp + rename)
 *
 * Guarantees:
 * - An entry reads as complete only if its sidecar says so AND <key>.data
 *   exists with exactly the recorded length AND, when the sidecar records
 *   a CRC, the file's content has that CRC. Anything else is dropped (all
 *   three files) and the URL is fetched again.
 * - Media (the default): .part data is fsynced before the sidecar lists it
 *   and before the rename, so a crash or kill mid download leaves at worst
 *   a shorter partial entry, never a "complete" one with missing bytes.
 *   That costs a flush per checkpoint, which a download of hundreds of
 *   megabytes amortises and needs: its partial bytes are worth resuming.
 * - Documents (cache_entry_hold_in_memory(): manifests, IM pages): the
 *   bytes are kept in memory until the last one is in, then written once,
 *   .data and the sidecar each through a temporary file and a rename, with
 *   no fsync. A kill leaves the old state or the new one (renames are
 *   atomic); a power loss may leave a .data that is short, zeroed or old
 *   under a new sidecar, and that is exactly what the length and CRC
 *   check on opening detects, so the entry is dropped and refetched. A
 *   lost document costs one 10-20 KB request, while an fsync per page
 *   (two, with the sidecar's) made ten thousand pages several times
 *   slower than the network. A document's partial bytes are not kept.
 * - New validators (ETag / Last-Modified) that differ from the stored ones
 *   drop every stored byte of the entry (cache_entry_set_info()).
 * - Least recently used entries are evicted when the total size of the
 *   directory's entries exceeds the cap; entries open in this process are
 *   never evicted.
 *
 * Lock order: struct cache's lock (the list of open entries) may be held
 * while an entry's lock is taken, never the reverse; an entry's lock is
 * taken alone otherwise. The fetch's own lock (fetch.h) is never taken
 * while either is held.
 * Threads: struct cache and struct cache_entry are safe to use from any
 * thread. An entry is shared: opening the same URL twice gives the same
 * entry (reference counted), so readers see the writers' bytes at once.
 * Processes: each entry has a lock file, <key>.lock, held with an
 * exclusive advisory lock (flock) while the entry is open in a process.
 * A second process opening it waits (polling, without blocking its other
 * entries) until the first releases it, and then loads what the first
 * left: two `sigplay fetch` runs of one URL both end with the complete
 * file, downloaded once. A complete entry is shared at once, read-only
 * (writes answer SP_EAGAIN, a reset forgets it only in memory). A holder
 * that writes nothing to the entry for 30 s makes the wait give up with
 * SP_EAGAIN. Eviction skips entries another process holds. Lock files
 * are removed with their entry.
 */
#ifndef SP_CACHE_H
#define SP_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Default size cap of a cache directory, bytes. */
#define CACHE_DEFAULT_CAP (4ull * 1024 * 1024 * 1024)
/* Longest URL / validator kept in a sidecar, bytes (longer: not cached). */
#define CACHE_MAX_URL 8192
#define CACHE_MAX_VALIDATOR 512
/* Most separate byte ranges an entry tracks; a write that would need more
 * is still stored but the entry forgets its smallest ranges. */
#define CACHE_MAX_RANGES 256

struct cache;
struct cache_entry;

/* Writes the default cache directory into buf ($XDG_CACHE_HOME/sigplay or
 * $HOME/.cache/sigplay). Returns 0, or SP_ENOENT if neither variable is
 * set, or SP_ELIMIT if buf is too small. */
int cache_default_dir(char *buf, size_t size);

/* Opens (creating it, with parents, mode 0700) the cache directory dir.
 * cap_bytes 0 means CACHE_DEFAULT_CAP. With temporary set, dir is ignored:
 * a fresh private directory under $TMPDIR (or /tmp) is used and removed by
 * cache_close() (this is --no-cache). On success *out is owned by the
 * caller (cache_close()). Returns 0, SP_EIO, SP_ENOMEM or SP_EINVAL. */
int cache_open(const char *dir, uint64_t cap_bytes, bool temporary, struct cache **out);

/* Closes the cache; every entry must have been released. NULL-safe;
 * sets *c to NULL. */
void cache_close(struct cache **c);

const char *cache_dir(const struct cache *c);

/* Evicts least recently used entries (not open in this process) until the
 * total is at most the cap. Returns the number of bytes now used. */
uint64_t cache_trim(struct cache *c);

/* Opens the entry for url (sidecar loaded, or a new empty entry). *out
 * holds one reference: cache_entry_release(). May wait for another
 * process that holds the entry (see Processes above). Returns 0,
 * SP_ELIMIT (URL too long), SP_EAGAIN (held by a process that stopped
 * writing it), SP_EIO or SP_ENOMEM. */
int cache_entry_open(struct cache *c, const char *url, struct cache_entry **out);

/* cache_entry_open() when anything of url is held (an entry open in this
 * process, or its sidecar on disk); else a scratch entry: a document
 * (call cache_entry_hold_in_memory()) that is never stored. A scratch
 * entry is in no list (another open of url gets an entry of its own),
 * creates and touches no file, and cache_entry_checkpoint() only marks it
 * complete once every byte of its proven length is in. For a document
 * nobody reads from the cache again (an IM page whose parsed form is
 * cached instead: player/signaling/signal_cache.h), where the three files
 * of a stored entry cost more than the download. Same returns as
 * cache_entry_open(). */
int cache_entry_open_no_store(struct cache *c, const char *url, struct cache_entry **out);

/* Whether e is a scratch entry (cache_entry_open_no_store()). */
bool cache_entry_is_scratch(struct cache_entry *e);

/* Hands a complete scratch entry's bytes over without a copy: *data
 * (NUL-terminated, the caller frees it) and *len. The entry is empty
 * afterwards. SP_EINVAL (and nothing set) for any other entry. */
int cache_entry_take_memory(struct cache_entry *e, char **data, size_t *len);
void cache_entry_release(struct cache_entry **e);

/* Snapshot of an entry's state. */
struct cache_info {
    int64_t length; /* total bytes, -1 if unknown yet */
    int64_t have;   /* bytes present */
    bool complete;  /* every byte present and durable */
    unsigned gen;   /* bumped whenever stored bytes are dropped */
    char etag[CACHE_MAX_VALIDATOR];
    char last_modified[CACHE_MAX_VALIDATOR];
};
void cache_entry_info(struct cache_entry *e, struct cache_info *out);

/* Marks e as a document: from now on its new bytes are held in memory (at
 * most max_bytes; a write past that fails with SP_ELIMIT) and reach the
 * disk once, complete, at the checkpoint that completes it, without fsync
 * and with a CRC (see the guarantees above). A complete entry stays as it
 * is until it is replaced. An entry with partial bytes on disk is left the
 * durable kind (it resumes as before). Call it before the first write. */
void cache_entry_hold_in_memory(struct cache_entry *e, size_t max_bytes);

/* Records what the server says about the resource. If the entry holds
 * bytes under different validators (an ETag, else Last-Modified, that
 * differs, or a different known length) those bytes are dropped first and
 * the generation moves on. Empty strings mean "not given". *gen receives
 * the generation to pass to cache_entry_write(). Returns 0 or SP_EIO. */
int cache_entry_set_info(struct cache_entry *e, int64_t length, const char *etag,
                         const char *last_modified, unsigned *gen);

/* Corrects the total length without touching validators (a server that
 * announced a wrong Content-Length, then said the true size in a 416
 * answer); bytes past the new length are forgotten. */
void cache_entry_set_length(struct cache_entry *e, int64_t length);

/* Says that the entry's length is disproven: the server's length is not
 * the one the recording gives (fetch_stream_open_expect()), so its bytes
 * may be read but do not make a complete file. From now on, while the
 * entry stays open, checkpoints record its bytes in the sidecar but never
 * complete it; a reset (cache_entry_reset(), new validators) clears it.
 * The next process, or the next open that knows the length, finds a
 * partial entry of the wrong length and fetches it again. */
void cache_entry_set_unproven(struct cache_entry *e);

/* Drops every stored byte and the validators (e.g. the file changed).
 * Returns the new generation. */
unsigned cache_entry_reset(struct cache_entry *e);

/* Stores len bytes at offset. Refused with SP_ECANCELLED when gen is not
 * the current generation (the entry was reset meanwhile), SP_ERANGE when
 * the bytes run past a known length. Wakes waiters. Returns 0, or SP_EIO. */
int cache_entry_write(struct cache_entry *e, unsigned gen, int64_t offset, const void *data,
                      size_t len);

/* Makes the bytes written so far durable and records them in the sidecar
 * (fdatasync, then the sidecar replaced atomically). When every byte of a
 * known length is present, also completes the entry (.part -> .data).
 * An entry held in memory is written only when complete (.data and the
 * sidecar, no fsync); before that this does nothing. Returns 0 or
 * SP_EIO. */
int cache_entry_checkpoint(struct cache_entry *e);

/* Number of bytes present starting at offset (0 if offset is missing). */
int64_t cache_entry_avail(struct cache_entry *e, int64_t offset);
/* First missing byte at or after offset, or -1 if none up to the known
 * length (or, length unknown, the end of the last range). *gap_end
 * receives the end of that gap (exclusive; -1 = to the end). */
int64_t cache_entry_next_gap(struct cache_entry *e, int64_t offset, int64_t *gap_end);

/* Reads up to len present bytes at offset. Returns the count read (0 if
 * the byte at offset is not present) or SP_EIO. */
int64_t cache_entry_read(struct cache_entry *e, int64_t offset, void *buf, size_t len);

/* Waits until cache_entry_wake() is called or a write lands, or timeout_us
 * (µs) passes. The caller re-checks its condition after it returns. */
void cache_entry_wait(struct cache_entry *e, int64_t timeout_us);
void cache_entry_wake(struct cache_entry *e);

/* Path of the entry's data file (.data when complete, else .part) into buf.
 * Returns 0 or SP_ELIMIT. */
int cache_entry_path(struct cache_entry *e, char *buf, size_t size);

/* Lowercase hex SHA-256 of url (65 bytes with the NUL). */
void cache_key(const char *url, char out[65]);

#endif
