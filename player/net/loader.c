/* loader.c - the built-in loader for local files (file:// URLs). */
#include "player/net/loader.h"

#include "base/diag.h"
#include "base/sp_error.h"
#include "base/sp_file.h"
#include "player/net/url.h"

#include <stdlib.h>

static int local_get(void *opaque, const char *url, size_t max_bytes, char **data, size_t *len,
                     struct diag_list *diag)
{
    (void)opaque;
    *data = NULL;
    *len = 0;
    switch (url_kind(url)) {
    case URL_KIND_FILE:
        break;
    case URL_KIND_HTTP:
    case URL_KIND_HTTPS:
        diag_add(diag, DIAG_ERROR, "%s: needs network support (this reader only opens local files)",
                 url);
        return SP_EUNSUPPORTED;
    case URL_KIND_OTHER:
        diag_add(diag, DIAG_ERROR,
                 "%s: unsupported URL scheme (use a path, file://, http:// "
                 "or https://)",
                 url);
        return SP_EUNSUPPORTED;
    default:
        diag_add(diag, DIAG_ERROR, "%s: not a URL (a loader takes absolute URLs)", url);
        return SP_EINVAL;
    }
    char *path = NULL;
    int rc = url_to_path(url, &path);
    if (rc) {
        diag_add(diag, DIAG_ERROR, "%s: %s", url,
                 rc == SP_EINVAL ? "file URL on another host: cannot read it"
                                 : "cannot turn this file URL into a path");
        return rc == SP_ENOMEM ? rc : SP_EINVAL;
    }
    rc = sp_read_file(path, max_bytes, data, len);
    switch (rc) {
    case 0:
        break;
    case SP_ENOENT:
        diag_add(diag, DIAG_ERROR, "%s: cannot read: no such file", path);
        break;
    case SP_ELIMIT:
        diag_add(diag, DIAG_ERROR, "%s: larger than the limit of %zu bytes", path, max_bytes);
        break;
    default:
        diag_add(diag, DIAG_ERROR, "%s: cannot read: %s", path, sp_strerror(rc));
        break;
    }
    free(path);
    return rc;
}

static int local_get_ex(void *opaque, const char *url, size_t max_bytes, unsigned flags,
                        char **data, size_t *len, enum sp_doc_origin *origin,
                        struct diag_list *diag)
{
    (void)flags; /* a local file is read without a request either way */
    if (origin)
        *origin = SP_DOC_LOCAL;
    return local_get(opaque, url, max_bytes, data, len, diag);
}

static const struct sp_loader local_loader = {local_get, NULL};
static const struct sp_loader_ex local_loader_ex = {{local_get, NULL}, local_get_ex};

const struct sp_loader_ex *sp_loader_local_ex(void)
{
    return &local_loader_ex;
}

const struct sp_loader *sp_loader_local(void)
{
    return &local_loader;
}

int sp_loader_get(const struct sp_loader *loader, const char *url, size_t max_bytes, char **data,
                  size_t *len, struct diag_list *diag)
{
    if (!loader)
        loader = &local_loader;
    return loader->get(loader->opaque, url, max_bytes, data, len, diag);
}

int sp_loader_get_ex(const struct sp_loader_ex *l, const char *url, size_t max_bytes,
                     unsigned flags, char **data, size_t *len, enum sp_doc_origin *origin,
                     struct diag_list *diag)
{
    if (!l)
        l = &local_loader_ex;
    if (origin)
        *origin = SP_DOC_UNKNOWN;
    if (l->get_ex)
        return l->get_ex(l->base.opaque, url, max_bytes, flags, data, len, origin, diag);
    if (flags & SP_LOAD_CACHED_ONLY) {
        *data = NULL;
        *len = 0;
        return SP_EUNSUPPORTED;
    }
    return l->base.get(l->base.opaque, url, max_bytes, data, len, diag);
}
