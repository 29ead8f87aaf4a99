/* file_batches.c - whiteboard batches delivered as files; see
 * file_batches.h. */
#include "player/signaling/file_batches.h"

#include "base/diag.h"
#include "base/platform/os_libc.h"
#include "base/sp_error.h"
#include "im/msgpage.h"
#include "player/net/loader.h"
#include "player/net/url.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* A cheap shape test, so a 404 page or a truncated download is named here
 * with its URL: the board log's parser reports deeper problems. */
static bool looks_like_object(const char *s, size_t n)
{
    size_t a = 0;
    while (a < n && (s[a] == ' ' || s[a] == '\t' || s[a] == '\r' || s[a] == '\n'))
        a++;
    while (n > a && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n' ||
                     s[n - 1] == '\0'))
        n--;
    return n - a >= 2 && s[a] == '{' && s[n - 1] == '}';
}

void sig_batch_files_clear(struct sig_batch_files *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->count; i++)
        free(l->items[i].url);
    free(l->items);
    memset(l, 0, sizeof(*l));
}

/* Appends url with its validator; SP_ENOMEM. */
static int files_add(struct sig_batch_files *l, const char *url, const struct sig_validator *v,
                     int err)
{
    if (!l)
        return 0;
    if (l->count == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        struct sig_batch_file *n = realloc(l->items, cap * sizeof(*n));
        if (!n)
            return SP_ENOMEM;
        l->items = n;
        l->cap = cap;
    }
    char *u = strdup(url);
    if (!u)
        return SP_ENOMEM;
    l->items[l->count++] = (struct sig_batch_file){u, *v, err};
    return 0;
}

/* The validator of url as it is read now: a local file by stat (before the
 * read, so a change after it fails the next check, never the reverse);
 * *local says which. kind NONE for a remote one: filled after the get. */
static int pre_validator(const char *url, struct sig_validator *v, bool *local)
{
    memset(v, 0, sizeof(*v));
    char *path = NULL;
    int rc = url_to_path(url, &path);
    if (rc == SP_ENOMEM)
        return rc;
    *local = rc == 0;
    if (*local)
        (void)sig_validator_stat(path, v); /* fails: NONE, "missing" */
    free(path);
    return 0;
}

/* One element: 1 resolved, 0 failed (warned), SP_ENOMEM. */
static int resolve_one(struct msg_elem *e, const struct msg_message *m,
                       const struct sp_loader *loader, const char *page_url,
                       struct sig_batch_files *files, struct diag_list *diag)
{
    const char *page = m->page ? m->page : "IM page";
    if (!e->url || !*e->url) {
        diag_add(diag, DIAG_WARNING,
                 "%s: MsgSeq %lld: board batch file: no Url; its operations are missing", page,
                 (long long)m->seq);
        return 0;
    }
    char *abs = NULL;
    int rc = page_url && *page_url ? url_resolve(page_url, e->url, &abs) : 0;
    if (rc == SP_ENOMEM)
        return rc;
    const char *url = abs ? abs : e->url;
    if (rc) {
        diag_add(diag, DIAG_WARNING,
                 "%s: MsgSeq %lld: board batch file %.200s: cannot resolve the URL; its "
                 "operations are missing",
                 page, (long long)m->seq, e->url);
        return 0;
    }
    enum url_named named = url_named_check(page_url, url);
    if (named != URL_NAMED_OK) {
        diag_add(diag, DIAG_WARNING,
                 "%s: MsgSeq %lld: board batch file %.200s: %s; its operations are missing", page,
                 (long long)m->seq, url, url_named_reason(named));
        free(abs);
        return 0;
    }
    if (abs) {
        /* the element keeps the absolute URL, so that a list of what the
         * class needs (rec_assets, for fetch) finds the file again */
        free(e->url);
        e->url = abs;
        abs = NULL;
        url = e->url;
    }
    struct sig_validator v;
    bool local = false;
    if (files && pre_validator(url, &v, &local) != 0)
        return SP_ENOMEM;
    struct diag_list d;
    diag_init(&d);
    char *data = NULL;
    size_t len = 0;
    rc = sp_loader_get(loader, url, SIG_FILE_BATCH_MAX_BYTES, &data, &len, &d);
    if (rc == SP_ENOMEM) {
        diag_clear(&d);
        free(abs);
        return rc;
    }
    if (files) {
        /* a failed read checks as "still failing", whatever stat said */
        if (rc)
            memset(&v, 0, sizeof(v));
        else if (!local)
            sig_validator_bytes(data, len, &v);
        int frc = rc ? rc : looks_like_object(data, len) ? 0 : SP_EPARSE;
        if (files_add(files, url, &v, frc) != 0) {
            diag_clear(&d);
            free(data);
            return SP_ENOMEM;
        }
    }
    if (rc || !looks_like_object(data, len)) {
        /* one line naming the message and the URL, with the loader's reason */
        diag_add(diag, DIAG_WARNING,
                 "%s: MsgSeq %lld: board batch file %.300s: %s; its operations are missing", page,
                 (long long)m->seq, url,
                 rc ? (d.count ? d.items[0].text : sp_strerror(rc)) : "not a JSON object");
        diag_clear(&d);
        free(data);
        free(abs);
        return 0;
    }
    diag_clear(&d);
    char *ext = strdup(MSG_WHITEBOARD_EXT);
    if (!ext) {
        free(data);
        free(abs);
        return SP_ENOMEM;
    }
    /* the loader's buffer ends in a NUL, as msg_wb_batch.data promises */
    free(e->data);
    free(e->ext);
    e->type = MSG_ELEM_CUSTOM;
    e->data = data;
    e->data_len = len;
    e->ext = ext;
    free(abs);
    return 1;
}

int sig_file_batches_resolve(struct msg_page *page, const struct sp_loader *loader,
                             const char *page_url, struct sig_file_stats *stats,
                             struct diag_list *diag)
{
    return sig_file_batches_resolve_ex(page, loader, page_url, stats, NULL, diag);
}

int sig_file_batches_resolve_ex(struct msg_page *page, const struct sp_loader *loader,
                                const char *page_url, struct sig_file_stats *stats,
                                struct sig_batch_files *files, struct diag_list *diag)
{
    if (!page)
        return 0;
    for (size_t i = 0; i < page->count; i++) {
        struct msg_message *m = &page->msgs[i];
        if (m->is_place || m->is_recalled)
            continue;
        for (size_t k = 0; k < m->elem_count; k++) {
            struct msg_elem *e = &m->elems[k];
            if (!msg_elem_is_board_file(e))
                continue;
            if (stats)
                stats->found++;
            int r = resolve_one(e, m, loader, page_url, files, diag);
            if (r < 0)
                return r;
            if (stats) {
                stats->fetched += r == 1;
                stats->failed += r == 0;
            }
        }
    }
    return 0;
}

/* One listed file against what it is now: true when unchanged. A remote
 * get adds to *gets. */
static bool file_unchanged(const struct sig_file_ref *f, const char *url, const char *path,
                           const struct sp_loader *loader, size_t *gets)
{
    struct sig_validator now;
    if (path) {
        int rc = sig_validator_stat(path, &now);
        if (rc)
            return f->v.kind == SIG_VALID_NONE && rc == SP_ENOENT; /* still missing */
        return sig_validator_equal(&now, &f->v);
    }
    char *data = NULL;
    size_t len = 0;
    (*gets)++;
    int rc = sp_loader_get(loader, url, SIG_FILE_BATCH_MAX_BYTES, &data, &len, NULL);
    if (rc) /* failing before and now (a 404 stays one): unchanged */
        return f->v.kind == SIG_VALID_NONE;
    sig_validator_bytes(data, len, &now);
    free(data);
    return sig_validator_equal(&now, &f->v);
}

bool sig_batch_files_unchanged(const struct sig_file_ref *files, size_t n,
                               const struct sp_loader *loader, size_t *requests)
{
    size_t gets = 0, n_remote = 0;
    bool ok = true;
    /* first pass: every local file by stat (cheap); count the remote ones */
    for (size_t i = 0; ok && i < n; i++) {
        char *url = sp_os_strndup(files[i].url, files[i].url_len);
        char *path = NULL;
        int rc = url ? url_to_path(url, &path) : SP_ENOMEM;
        if (rc == SP_ENOMEM)
            ok = false;
        else if (rc == 0)
            ok = file_unchanged(&files[i], url, path, loader, &gets);
        else
            n_remote++;
        free(path);
        free(url);
    }
    /* then the remote sample: the k-th is remote file k * (n_remote - 1) /
     * (want - 1), so the first and the last are always in */
    size_t want = n_remote < SIG_FILE_SAMPLE_MAX ? n_remote : SIG_FILE_SAMPLE_MAX;
    for (size_t i = 0, k = 0, r = 0; ok && i < n && k < want; i++) {
        char *url = sp_os_strndup(files[i].url, files[i].url_len);
        char *path = NULL;
        int rc = url ? url_to_path(url, &path) : SP_ENOMEM;
        if (rc == SP_ENOMEM) {
            ok = false;
        } else if (rc != 0) {
            size_t target = want > 1 ? k * (n_remote - 1) / (want - 1) : 0;
            if (r++ == target) {
                k++;
                ok = file_unchanged(&files[i], url, NULL, loader, &gets);
            }
        }
        free(path);
        free(url);
    }
    if (requests)
        *requests = gets;
    return ok;
}
