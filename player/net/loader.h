/* loader.h - how the core fetches a whole small document by URL.
 *
 * Manifests, results and IM pages are small documents read whole. The core
 * does not care where they come from: a loader maps an absolute URL to
 * bytes. sp_loader_local() serves file:// URLs from disk and answers
 * http(s):// with one clear "needs network support" error; a network
 * loader (player/net/fetch) serves http(s) and can hand file URLs on to the
 * local one.
 */
#ifndef SP_LOADER_H
#define SP_LOADER_H

#include <stddef.h>

struct diag_list;

/* Where a document's bytes came from (sp_loader.get_ex). */
enum sp_doc_origin {
    SP_DOC_UNKNOWN = 0, /* the loader does not say (no get_ex) */
    SP_DOC_NETWORK,     /* new bytes from the server */
    SP_DOC_VALIDATED,   /* a held copy the server just confirmed unchanged */
    SP_DOC_CACHED,      /* a held copy, not checked (SP_LOAD_CACHED_ONLY) */
    SP_DOC_STALE,       /* a held copy, because the server could not be reached */
    SP_DOC_LOCAL        /* a local file */
};

/* Flags of get_ex. */
/* No request: only a complete copy the loader holds (its disk cache), or a
 * local file. None held: SP_ENOENT, and no diag line (the caller usually
 * goes on with a plain get). For a caller that validated a sample of a set
 * of documents with plain gets (each a conditional request) and, when
 * every one came back SP_DOC_VALIDATED, trusts the held copies of the
 * rest: a bounded number of requests instead of one per document. */
#define SP_LOAD_CACHED_ONLY 1u
/* The document need not stay in the loader's disk cache: a copy held
 * already is revalidated and kept as with flags 0, a new one is returned
 * but not stored (no file is created for it). For a caller that keeps what
 * it made of the document instead (the parsed-signaling cache keeps the
 * pages parsed); without the network, a later get finds no copy. Loaders
 * without a cache ignore it. */
#define SP_LOAD_NO_STORE 2u

struct sp_loader {
    /* Fetches url (absolute) whole. On success returns 0 and *data is a new
     * heap buffer of *len bytes plus a terminating NUL (the caller frees
     * it). Documents larger than max_bytes fail with SP_ELIMIT without
     * reading them whole. On error returns a negative SP_E* code, sets
     * *data = NULL, *len = 0, and appends exactly one DIAG_ERROR line to
     * diag (may be NULL) shaped "<where>: <reason>", where <where> is the
     * local path or the URL. Must be callable from any thread with its own
     * diag. */
    int (*get)(void *opaque, const char *url, size_t max_bytes, char **data, size_t *len,
               struct diag_list *diag);
    void *opaque;
};

/* A static loader for file:// URLs (thread-safe, nothing to free). Errors:
 * SP_ENOENT (no such file), SP_EIO, SP_ELIMIT, SP_ENOMEM, SP_EINVAL (not
 * a URL it can read), SP_EUNSUPPORTED (http/https: "needs network
 * support"; other schemes: "unsupported URL scheme"). */
const struct sp_loader *sp_loader_local(void);

/* Calls loader->get (loader NULL means sp_loader_local()). */
int sp_loader_get(const struct sp_loader *loader, const char *url, size_t max_bytes, char **data,
                  size_t *len, struct diag_list *diag);

/* A loader that can also say where a document came from and read the
 * copies it holds without a request (the network loader with its disk
 * cache: fetch_loader_ex() in player/net/fetch.h). A separate struct, so
 * that every plain struct sp_loader stays as it is. */
struct sp_loader_ex {
    struct sp_loader base; /* the plain interface; get_ex with flags 0 equals base.get */
    /* NULL: no copies held. As base.get, with flags (SP_LOAD_*) and
     * *origin (may be NULL) saying where the bytes came from. */
    int (*get_ex)(void *opaque, const char *url, size_t max_bytes, unsigned flags, char **data,
                  size_t *len, enum sp_doc_origin *origin, struct diag_list *diag);
};

/* Local files, with get_ex (origin SP_DOC_LOCAL whatever the flags). */
const struct sp_loader_ex *sp_loader_local_ex(void);

/* Calls l->get_ex with l->base.opaque (l NULL means sp_loader_local_ex()).
 * Without get_ex: flags 0 is a plain base.get (*origin SP_DOC_UNKNOWN),
 * and SP_LOAD_CACHED_ONLY returns SP_EUNSUPPORTED with no diag line. */
int sp_loader_get_ex(const struct sp_loader_ex *l, const char *url, size_t max_bytes,
                     unsigned flags, char **data, size_t *len, enum sp_doc_origin *origin,
                     struct diag_list *diag);

#endif
