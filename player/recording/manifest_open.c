/* manifest_open.c - from what the user typed to a recording: paths, file
 * and http(s) URLs, the web player's link, and following ReplayUrl. */
#include "player/recording/manifest.h"

#include "base/platform/os_file.h"
#include "base/diag.h"
#include "player/net/loader.h"
#include "player/recording/manifest_internal.h"
#include "base/sp_error.h"
#include "player/net/url.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The web player's link: a page (index.html, any *.html, or a directory)
 * with a url= parameter. A manifest URL with its own query (signed storage
 * URLs) has no url= parameter, so it is not mistaken for a link. */
static bool is_player_link(const char *u)
{
    struct url parts;
    if (url_parse(u, &parts) != 0)
        return false;
    bool page = false;
    if (parts.query) {
        const char *slash = strrchr(parts.path, '/');
        const char *last = slash ? slash + 1 : parts.path;
        size_t n = strlen(last);
        page = n == 0 || (n >= 5 && !strcasecmp(last + n - 5, ".html")) ||
               (n >= 4 && !strcasecmp(last + n - 4, ".htm"));
    }
    url_clear(&parts);
    if (!page)
        return false;
    char *v = NULL;
    int rc = url_query_get(u, "url", &v);
    free(v);
    return rc == 0;
}

/* Turns the source into an absolute document URL (*doc, caller frees) and
 * reads show_chat from a player link. */
static int source_url(const char *source, struct diag_list *diag, char **doc, int *show_chat)
{
    *doc = NULL;
    *show_chat = -1;
    int rc;
    switch (url_kind(source)) {
    case URL_KIND_PATH:
        rc = url_from_path(source, doc);
        if (rc) {
            diag_add(diag, DIAG_ERROR, "%s: cannot use this path: %s", source, sp_strerror(rc));
            return rc;
        }
        return 0;
    case URL_KIND_OTHER:
        diag_add(diag, DIAG_ERROR,
                 "%s: unsupported URL scheme (use a path, file://, http:// or https://)", source);
        return SP_EUNSUPPORTED;
    default:
        break;
    }
    if (!is_player_link(source)) {
        *doc = strdup(source);
        return *doc ? 0 : SP_ENOMEM;
    }
    char *target = NULL, *chat = NULL;
    rc = url_query_get(source, "url", &target);
    if (rc || !*target) {
        diag_add(diag, DIAG_ERROR, "%s: url: the player link names no replay URL", source);
        free(target);
        return rc == SP_ENOMEM ? rc : SP_EINVAL;
    }
    rc = url_resolve(source, target, doc);
    free(target);
    if (rc) {
        diag_add(diag, DIAG_ERROR, "%s: url: not a usable URL", source);
        return rc;
    }
    enum url_named named = url_named_check(source, *doc);
    if (named != URL_NAMED_OK) {
        diag_add(diag, DIAG_ERROR, "%s: url: '%.80s': %s", source, *doc, url_named_reason(named));
        free(*doc);
        *doc = NULL;
        return SP_EUNSUPPORTED;
    }
    if (url_query_get(source, "showChatMessages", &chat) == 0) {
        if (!strcmp(chat, "1"))
            *show_chat = 1;
        else if (!strcmp(chat, "0"))
            *show_chat = 0;
        else
            diag_add(diag, DIAG_WARNING, "%s: showChatMessages: expected 0 or 1, got '%.20s'",
                     source, chat);
    }
    free(chat);
    return 0;
}

static int load_one(const char *url, const struct sp_loader *loader, size_t max_bytes,
                    struct diag_list *diag, struct recording **out)
{
    char *data = NULL;
    size_t len = 0;
    int rc = sp_loader_get(loader, url, max_bytes, &data, &len, diag);
    if (rc)
        return rc;
    rc = manifest_parse(data, len, url, diag, out);
    free(data);
    return rc;
}

/* A local directory given as SOURCE: its replay.json, as a new string in
 * *dir_doc. Returns 0 (not a directory, or *dir_doc set), SP_ENOENT after
 * a diagnostic when it holds no replay.json, or SP_ENOMEM. */
static int source_in_dir(const char *source, struct diag_list *diag, char **dir_doc)
{
    *dir_doc = NULL;
    struct sp_os_stat st;
    if (url_kind(source) != URL_KIND_PATH || sp_os_stat(source, &st) != 0 || !st.is_dir)
        return 0;
    size_t n = strlen(source) + sizeof("/replay.json");
    char *p = malloc(n);
    if (!p)
        return SP_ENOMEM;
    snprintf(p, n, "%s%sreplay.json", source, source[strlen(source) - 1] == '/' ? "" : "/");
    if (sp_os_stat(p, &st) != 0 || !st.is_file) {
        diag_add(diag, DIAG_ERROR, "%s: is a directory, and holds no replay.json", source);
        free(p);
        return SP_ENOENT;
    }
    *dir_doc = p;
    return 0;
}

int manifest_open(const char *source, const struct sp_loader *loader,
                  const struct manifest_open_opts *opts, struct diag_list *diag,
                  struct recording **out)
{
    if (out)
        *out = NULL;
    if (!out || !source || !*source) {
        diag_add(diag, DIAG_ERROR, "no source given (a path or URL of a replay manifest)");
        return SP_EINVAL;
    }
    int hops = opts && opts->max_hops > 0 ? opts->max_hops : MANIFEST_MAX_HOPS;
    size_t max_bytes = opts && opts->max_doc_bytes ? opts->max_doc_bytes : MANIFEST_MAX_DOC_BYTES;
    char *doc = NULL, *dir_doc = NULL;
    int show_chat = -1;
    int rc = source_in_dir(source, diag, &dir_doc);
    if (rc)
        return rc;
    rc = source_url(dir_doc ? dir_doc : source, diag, &doc, &show_chat);
    free(dir_doc);
    if (rc)
        return rc;
    struct recording *rec = NULL;
    rc = load_one(doc, loader, max_bytes, diag, &rec);
    free(doc);
    /* The user asks which shape the file they gave was, not the manifest
       it led to (a static string: survives freeing rec). */
    const char *shape = rec ? rec->shape : NULL;
    /* URLs already read: a chain that comes back to one of them is a loop. */
    char **seen = calloc((size_t)hops, sizeof(*seen));
    int docs = 0;
    if (!seen) {
        recording_free(rec);
        return SP_ENOMEM;
    }
    while (rec && rc == 0 && *rec->replay_url && !mf_impl(rec)->has_messages) {
        seen[docs++] = strdup(rec->doc_url);
        bool loop = false;
        for (int i = 0; i < docs; i++)
            loop = loop || (seen[i] && !strcmp(seen[i], rec->replay_url));
        if (loop) {
            if (strcmp(rec->replay_url, rec->doc_url) != 0)
                diag_add(diag, DIAG_WARNING,
                         "%s: ReplayUrl: points back to a document already read; stopped here",
                         rec->doc_name);
            break;
        }
        if (docs >= hops) {
            diag_add(diag, DIAG_WARNING,
                     "%s: ReplayUrl: more than %d documents chained; stopped here", rec->doc_name,
                     hops);
            break;
        }
        struct recording *next = NULL;
        struct diag_list sub;
        diag_init(&sub);
        int nrc = load_one(rec->replay_url, loader, max_bytes, &sub, &next);
        diag_move(diag, &sub);
        if (!next) {
            diag_add(diag, DIAG_ERROR,
                     "%s: ReplayUrl: the replay manifest could not be read; using this "
                     "result's media alone",
                     rec->doc_name);
            break;
        }
        recording_free(rec);
        rec = next;
        rc = nrc;
    }
    for (int i = 0; i < docs; i++)
        free(seen[i]);
    free(seen);
    if (rec) {
        mf_impl(rec)->pub.show_chat = show_chat;
        mf_impl(rec)->pub.shape = shape;
    }
    *out = rec;
    return rc;
}
