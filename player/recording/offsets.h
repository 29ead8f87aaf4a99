/* offsets.h - local sync corrections (the replay format contract, section 8).
 *
 * A QA desk that finds a lane off saves a correction in a JSON file of its
 * own, never in the service's files:
 *
 *   { "Version": 1, "Source": "https://.../replay.json",
 *     "Offsets": [ { "VideoId": "5285890781570653828", "UserId": "pc_test1",
 *                    "VideoPlayTime": 300000, "OffsetMs": -320 } ] }
 *
 * Each entry shifts the board time of every frame of one segment by
 * OffsetMs (positive: that segment's pictures show later). An entry names
 * its segment by VideoId, else by UserId + VideoPlayTime (ms). Here every
 * time is µs: OffsetMs (a number, fractions allowed: a frame interval is
 * rarely whole ms) becomes offset_us where the file is read, and back where
 * it is written.
 *
 * Bad input is normal input: a file that is not a JSON object, or breaks a
 * cap, is one error line; a bad entry is one warning line naming the file,
 * the field and the reason, and is skipped. Nothing here stops play.
 *
 * Per-segment offsets are kept flat, in the recording's lane order and each
 * lane's segment order (offsets_flat_index()), one int64_t µs per segment.
 */
#ifndef SP_OFFSETS_H
#define SP_OFFSETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct diag_list;
struct recording;
struct rec_segment;

#define OFFSETS_VERSION 1
#define OFFSETS_MAX_BYTES ((size_t)8 << 20) /* one offsets file */
#define OFFSETS_MAX_ENTRIES 100000          /* Offsets entries read (= segments) */
#define OFFSETS_MAX_ABS_MS                                                                         \
    600000                      /* |OffsetMs|: ten minutes is a misplaced                          \
                                   segment, not a sync correction */
#define OFFSETS_MAX_STRING 4096 /* bytes in VideoId, UserId, Source */

struct rec_offset {
    const char *video_id; /* "" if absent */
    const char *user_id;  /* "" if absent */
    bool has_play_time;
    int64_t play_us;   /* VideoPlayTime * 1000, if has_play_time */
    int64_t offset_us; /* OffsetMs * 1000, rounded to whole µs */
    size_t index;      /* its index in Offsets, for messages */
};

struct rec_offsets {
    int version;        /* Version (0 if absent) */
    const char *source; /* Source, "" if absent */
    struct rec_offset *entries;
    size_t n;
};

/* Reads one offsets document (json, len bytes; need not be NUL-terminated)
 * whose name (for messages; NULL: "offsets") is name. Returns 0 and *out
 * (offsets_free()), with a warning in diag for each entry skipped;
 * SP_EPARSE (not a JSON object), SP_ELIMIT (a cap), SP_ENOMEM: *out NULL
 * and one error line in diag. */
int offsets_parse(const char *json, size_t len, const char *name, struct diag_list *diag,
                  struct rec_offsets **out);

/* offsets_parse() of the file at path. SP_ENOENT (no such file) adds
 * nothing to diag: a missing default file is the normal case. */
int offsets_read(const char *path, struct diag_list *diag, struct rec_offsets **out);

/* NULL-safe. */
void offsets_free(struct rec_offsets *o);

/* Index of lane `lane`'s segment k in the flat per-segment arrays. */
size_t offsets_flat_index(const struct recording *rec, size_t lane, size_t k);
/* The same for a segment of rec (one of its lanes' segments). */
size_t offsets_flat_index_of(const struct recording *rec, const struct rec_segment *seg);

/* Matches o's entries to rec's segments and writes each matched entry's
 * offset into seg_us[flat index] (rec->n_segments entries; the caller
 * zeroes them first). An entry that matches no segment is stale: one
 * warning each (name: the file, for messages). A second entry for the same
 * segment wins, with a warning. Returns the number of segments corrected. */
size_t offsets_match(const struct rec_offsets *o, const struct recording *rec, const char *name,
                     int64_t *seg_us, struct diag_list *diag);

/* The offsets document for rec with seg_us (flat, µs): one entry per segment
 * whose offset is not 0, with its VideoId (if it has one), UserId,
 * VideoPlayTime and OffsetMs; source is the Source field (NULL: none).
 * New string (caller frees), or NULL when out of memory. */
char *offsets_format(const struct recording *rec, const int64_t *seg_us, const char *source);

/* offsets_format() written to path atomically (base/sp_file.h: temp file,
 * fsync, rename over the old one). *n_written: entries written (may be
 * NULL). Returns 0, or sp_write_file_atomic()'s error, or SP_ENOMEM. */
int offsets_write(const char *path, const struct recording *rec, const int64_t *seg_us,
                  const char *source, size_t *n_written);

/* The default file for source (what the user named): next to a local
 * manifest, "<path>.offsets.json" (a file:// URL is its path); for a remote
 * one, "<cache_dir>/<key>.offsets.json" with the download cache's key of
 * the URL (cache.h: lowercase hex SHA-256), or NULL without a cache_dir.
 * New string, or NULL (no default, or out of memory). */
char *offsets_default_path(const char *source, const char *cache_dir);

#endif
