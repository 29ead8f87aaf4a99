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

#endif
