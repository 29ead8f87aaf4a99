/* file_batches.c - whiteboard batches delivered as files; see
 * file_batches.h. */
#include "player/signaling/file_batches.h"

#include "base/diag.h"
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

/* One element: 1 resolved, 0 failed (warned), SP_ENOMEM. */
static int resolve_one(struct msg_elem *e, const struct msg_message *m,
                       const struct sp_loader *loader, const char *page_url, struct diag_list *diag)
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
            int r = resolve_one(e, m, loader, page_url, diag);
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
