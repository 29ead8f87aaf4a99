/* file_batches.h - whiteboard batches delivered as files (format section 4).
 *
 * A board batch too large for a custom message travels as a TIMFileElem
 * whose FileName is "TXWhiteBoardExt"; its Url (relative URLs resolve
 * against the page's URL) holds the same {"v":1,"ops":[...]} document a
 * custom message's Data would. sig_file_batches_resolve() downloads each
 * through the class's loader (so it is cached and resumable like any other
 * asset) and turns the element, in place, into an ordinary TXWhiteBoardExt
 * custom element: everything after it (the op log, msg_wb_next(), the
 * chat) sees a batch at its message's place in MsgSeq order. The element
 * keeps its file_name (TXWhiteBoardExt) and its url, made absolute, whether
 * the download worked or not (rec_assets lists it for `sigplay fetch`).
 *
 * Called by the signaling workers on each parsed page, never on the
 * caller's thread, and by verify. A batch that cannot be fetched (404,
 * time-out, over SIG_FILE_BATCH_MAX_BYTES) or is not a JSON object is one
 * warning naming its MsgSeq and URL; the element stays a file element, which
 * neither the board nor the chat shows, and the rest plays on.
 */
#ifndef SP_FILE_BATCHES_H
#define SP_FILE_BATCHES_H

#include <stdbool.h>
#include <stddef.h>

#include "player/signaling/signal_cache.h"

struct diag_list;
struct msg_page;
struct sp_loader;

/* Largest file-borne batch read (bytes). */
#define SIG_FILE_BATCH_MAX_BYTES ((size_t)32 << 20)

struct sig_file_stats {
    size_t found;   /* TXWhiteBoardExt file elements met */
    size_t fetched; /* of which downloaded and now board batches */
    size_t failed;  /* of which could not be used (one warning each) */
};

/* One batch file as read: its absolute URL, its validator (local: stat
 * before the read; fetched: the bytes' hash and length; NONE: it failed)
 * and the loader's error (0, or why it failed; SP_EPARSE: not a JSON
 * object). */
struct sig_batch_file {
    char *url; /* owned */
    struct sig_validator v;
    int err;
};

/* A growing list of them; zero-initialised is empty. */
struct sig_batch_files {
    struct sig_batch_file *items; /* owned */
    size_t count, cap;
};

void sig_batch_files_clear(struct sig_batch_files *l); /* NULL: no-op */

/* Resolves the file-borne batches of page (see above). page_url is the
 * absolute URL the page came from (NULL: Url must be absolute). stats is
 * added to (may be NULL). Returns 0, or SP_ENOMEM (the page stays valid;
 * batches not yet resolved stay file elements). */
int sig_file_batches_resolve(struct msg_page *page, const struct sp_loader *loader,
                             const char *page_url, struct sig_file_stats *stats,
                             struct diag_list *diag);

/* As sig_file_batches_resolve(), and every batch file with a URL is
 * appended to files (may be NULL), in page order. SP_ENOMEM also when the
 * list cannot grow. */
int sig_file_batches_resolve_ex(struct msg_page *page, const struct sp_loader *loader,
                                const char *page_url, struct sig_file_stats *stats,
                                struct sig_batch_files *files, struct diag_list *diag);

/* Remote batch files re-got to check a cache file: all of them if there are
 * at most this many, else the first, the last and the rest spread evenly. */
#define SIG_FILE_SAMPLE_MAX 8

/* Whether the batch files a cache file lists are still the ones read: every
 * local one (a file:// URL) by stat; the remote ones, at most
 * SIG_FILE_SAMPLE_MAX requests, by re-getting them through loader (whose
 * own cache revalidates its copy with one conditional request) and
 * comparing the bytes' hash and length. A file that failed before must
 * still fail (local: still missing); one that cannot be re-got now is
 * changed. *requests (may be NULL) is set to the gets made. */
bool sig_batch_files_unchanged(const struct sig_file_ref *files, size_t n,
                               const struct sp_loader *loader, size_t *requests);

#endif
