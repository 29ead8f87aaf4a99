/* signal_cache.h - the parsed-signaling cache file (internal to signaling.c).
 *
 * One file per recording under <cache_dir>/signaling/, named by a hash of
 * the recording's document URL and page URLs. It holds what reading every
 * page produced (the finished op log, the chat model, the pages' diagnostic
 * lines) and how to tell whether what it was built from is still what
 * was read: a validator per page and, since version 2, one per board batch
 * file the pages named (file_batches.h checks those). docs/signaling.md
 * gives the layout and the rule.
 *
 * The reader is a parser of untrusted bytes (a damaged, truncated, foreign
 * or hostile file): every length and count is checked against the bytes
 * left before anything is allocated from it, and the whole file against
 * its checksum. A file that does not pass is ignored, never trusted.
 */
#ifndef SP_SIGNAL_CACHE_H
#define SP_SIGNAL_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/diag.h"

#define SIG_CACHE_MAGIC "SPSIGNAL"
/* 2: the board batch files the board was built from are listed too;
 * 3: a file may hold a prefix of the class (the pages up to a board time,
 * for `render`), and says up to when. An older file is not read: it is
 * rebuilt. */
#define SIG_CACHE_VERSION 3
/* A cache file larger than this is not read (a 2-hour class is ~60 MB). */
#define SIG_CACHE_MAX_BYTES (1024u << 20)
/* Longest batch file URL a cache file may hold (bytes, no NUL). */
#define SIG_CACHE_MAX_URL 8192u

struct board_log;
struct chat_log;

enum sig_valid_kind {
    SIG_VALID_NONE = 0,   /* the page failed: nothing to compare */
    SIG_VALID_LOCAL = 1,  /* a local file: a = size, b = mtime in ns (stat) */
    SIG_VALID_REMOTE = 2, /* fetched: a = 64-bit content hash, b = length */
    SIG_VALID_UNREAD = 3  /* a prefix file: the page was not read (pages only) */
};

struct sig_validator {
    uint8_t kind; /* enum sig_valid_kind */
    uint64_t a, b;
};

/* A board batch file the board was built from (format section 5): the page
 * that named it (index in the recording's page list), its absolute URL and
 * what it is checked by (SIG_VALID_NONE: it could not be fetched). */
struct sig_file_ref {
    uint32_t page;
    struct sig_validator v;
    const char *url; /* url_len bytes, no NUL inside; not NUL-terminated in a parsed file */
    uint32_t url_len;
};

/* A parsed cache file. Points into the bytes it was parsed from (borrowed),
 * except v (owned). */
struct sig_cache_file {
    uint64_t list_hash;
    /* board time (whole ms) up to which every op and message is in:
     * INT64_MAX when every page was read, else a prefix's coverage (the
     * pages read are those whose validator is not SIG_VALID_UNREAD) */
    int64_t until_ms;
    size_t n;                /* pages */
    struct sig_validator *v; /* owned, n entries */
    size_t n_files;
    struct sig_file_ref *files; /* owned array, n_files entries; url borrowed */
    const uint8_t *board;       /* board_log_serialize() bytes */
    size_t board_len;
    const uint8_t *chat; /* chat_log_serialize() bytes */
    size_t chat_len;
    const uint8_t *lines; /* the diagnostic lines, still encoded */
    size_t lines_len;
    uint32_t n_lines;
};

/* Hash of the document URL and the page URLs, in order: the file's name
 * and its first check. */
uint64_t sig_cache_list_hash(const char *doc_url, char *const *urls, size_t n);

/* Checks magic, version, checksum and layout. Returns 0 (*f filled; clear it
 * with sig_cache_file_clear()), SP_EPARSE, SP_EUNSUPPORTED (other version)
 * or SP_ENOMEM. */
int sig_cache_parse(const uint8_t *data, size_t len, struct sig_cache_file *f);
void sig_cache_file_clear(struct sig_cache_file *f);

/* Loads the content: a finished op log, the chat model, and the saved
 * diagnostic lines appended to lines. Problems go to diag ("board log
 * cache: ...", "chat cache: ...", "signaling cache: ..."). Returns 0 or the
 * first error (SP_EPARSE, SP_EUNSUPPORTED, SP_ENOMEM); *log and *chat NULL
 * on error. */
int sig_cache_load(const struct sig_cache_file *f, struct board_log **log, struct chat_log **chat,
                   struct diag_list *lines, struct diag_list *diag);

/* Writes the file atomically (a temporary file next to it, then rename),
 * the finished op log and the chat model serialized straight into it
 * (board_log_serialize_to(), chat_log_serialize_to()): the file is never
 * held in memory. The models are only read; nothing may change them
 * meanwhile (a board player's replay included). Returns 0, SP_EIO,
 * SP_ENOMEM, or what the serializers refuse (SP_EINVAL, SP_ELIMIT).
 * until_ms: INT64_MAX for the whole class, else the prefix's coverage
 * (v of the pages not read: SIG_VALID_UNREAD). */
int sig_cache_write(const char *path, uint64_t list_hash, int64_t until_ms,
                    const struct sig_validator *v, size_t n, const struct sig_file_ref *files,
                    size_t n_files, const struct board_log *board, const struct chat_log *chat,
                    const struct diag_list *lines);

/* The validator of a local file by stat: size and mtime (ns). Returns 0, or
 * the stat failure as SP_ENOENT (no such file) or SP_EIO (*v kind NONE). */
int sig_validator_stat(const char *path, struct sig_validator *v);

/* The validator of fetched bytes: 64-bit content hash and length. */
void sig_validator_bytes(const void *data, size_t len, struct sig_validator *v);

/* Whether two validators say the same document. */
bool sig_validator_equal(const struct sig_validator *x, const struct sig_validator *y);

#endif
