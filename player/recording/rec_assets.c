/* rec_assets.c - every URL a recording needs (see rec_assets.h). */
#include "player/recording/rec_assets.h"

#include "player/board/board.h"
#include "im/msgpage.h"
#include "player/signaling/file_batches.h"
#include "base/sp_error.h"
#include "player/net/url.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

const char *rec_asset_kind_name(enum rec_asset_kind kind)
{
    switch (kind) {
    case REC_ASSET_MANIFEST:
        return "manifest";
    case REC_ASSET_PAGE:
        return "page";
    case REC_ASSET_MEDIA:
        return "media";
    case REC_ASSET_IMAGE:
        return "image";
    case REC_ASSET_BOARD_FILE:
        return "board file";
    }
    return "unknown";
}

void rec_assets_clear(struct rec_assets *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->count; i++)
        free(l->items[i].url);
    free(l->items);
    free(l->slots);
    memset(l, 0, sizeof(*l));
}

/* FNV-1a, 64 bits. */
static uint64_t hash_str(const char *s)
{
    uint64_t h = 14695981039346656037ull;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ull;
    }
    return h;
}

/* The slot holding url, or the empty slot where it would go. */
static size_t probe(const struct rec_assets *l, const char *url)
{
    size_t mask = l->nslots - 1;
    size_t i = (size_t)hash_str(url) & mask;
    while (l->slots[i] && strcmp(l->items[l->slots[i] - 1].url, url) != 0)
        i = (i + 1) & mask;
    return i;
}

ptrdiff_t rec_assets_find(const struct rec_assets *l, const char *url)
{
    if (!l || !url || !l->nslots)
        return -1;
    uint32_t v = l->slots[probe(l, url)];
    return v ? (ptrdiff_t)v - 1 : -1;
}

/* Keeps the set at most half full. */
static int grow_set(struct rec_assets *l)
{
    if (l->nslots && (l->count + 1) * 2 <= l->nslots)
        return 0;
    size_t n = l->nslots ? l->nslots * 2 : 64;
    uint32_t *s = calloc(n, sizeof(*s));
    if (!s)
        return SP_ENOMEM;
    free(l->slots);
    l->slots = s;
    l->nslots = n;
    for (size_t i = 0; i < l->count; i++)
        l->slots[probe(l, l->items[i].url)] = (uint32_t)(i + 1);
    return 0;
}

int rec_assets_add(struct rec_assets *l, const char *base, const char *url,
                   enum rec_asset_kind kind, int64_t size)
{
    if (!l || !url || !*url)
        return SP_EINVAL;
    char *abs = NULL;
    if (base && *base) {
        int rc = url_resolve(base, url, &abs);
        if (rc)
            return rc;
    } else {
        if (!url_is_absolute(url))
            return SP_EINVAL;
        abs = strdup(url);
        if (!abs)
            return SP_ENOMEM;
    }
    if (base && *base && url_named_check(base, abs) != URL_NAMED_OK) {
        free(abs); /* the scheme allow-list: nothing to fetch */
        return SP_EINVAL;
    }
    if (rec_assets_find(l, abs) >= 0) {
        free(abs);
        return 0;
    }
    if (l->count >= REC_ASSETS_MAX_URLS) {
        free(abs);
        return SP_ELIMIT;
    }
    if (grow_set(l)) {
        free(abs);
        return SP_ENOMEM;
    }
    if (l->count == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        struct rec_asset *it = realloc(l->items, cap * sizeof(*it));
        if (!it) {
            free(abs);
            return SP_ENOMEM;
        }
        l->items = it;
        l->cap = cap;
    }
    l->items[l->count] = (struct rec_asset){abs, kind, size >= 0 ? size : -1};
    l->slots[probe(l, abs)] = (uint32_t)(l->count + 1);
    l->count++;
    l->by_kind[kind]++;
    return 0;
}

struct img_ctx {
    struct rec_assets *out;
    const char *base;
    const char *where; /* names the source of the URL for diagnostics */
    struct diag_list *diag;
    int64_t size;
};

/* Adds one image URL; a URL that cannot be resolved is a warning, not a stop. */
static int add_image(void *opaque, const char *url)
{
    struct img_ctx *c = opaque;
    if (c->base && *c->base && url && *url) {
        /* refused by the scheme allow-list: say so, not "cannot be
           resolved" (nor, when drawn, that it cannot be decoded) */
        char *abs = NULL;
        if (url_resolve(c->base, url, &abs) == 0) {
            enum url_named v = url_named_check(c->base, abs);
            free(abs);
            if (v != URL_NAMED_OK) {
                diag_add(c->diag, DIAG_WARNING, "%s: image URL '%.80s' refused: %s", c->where, url,
                         url_named_reason(v));
                return 0;
            }
        }
    }
    int rc = rec_assets_add(c->out, c->base, url, REC_ASSET_IMAGE, c->size);
    if (rc == SP_EINVAL || rc == SP_EPARSE) {
        diag_add(c->diag, DIAG_WARNING, "%s: image URL '%.80s' cannot be resolved", c->where, url);
        return 0;
    }
    if (rc == SP_ELIMIT)
        diag_add(c->diag, DIAG_ERROR,
                 "%s: more than %d URLs in one recording; the rest are "
                 "left out",
                 c->where, REC_ASSETS_MAX_URLS);
    return rc;
}

/* Pages are fetched and parsed by READ_WORKERS threads (a two-hour class
 * has about ten thousand of them: one after another, a 30 ms round trip
 * alone costs minutes) and merged into the log in their list order by the
 * caller, so the result is exactly that of reading them in turn. Workers
 * stay at most READ_AHEAD pages ahead of the merge, which bounds the
 * parsed pages held at once. */
#define READ_WORKERS 8
#define READ_AHEAD 64

struct page_slot {
    struct msg_page *page;    /* parsed, not merged yet */
    struct diag_list diag;    /* what reading it said */
    int rc;                   /* 0, or why it could not be read or parsed */
    struct sig_file_stats fs; /* its board batches delivered as files */
    bool done;
};

struct page_reader {
    const struct recording *rec;
    const struct sp_loader *loader;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    size_t next;             /* guarded by lock: next page index to claim */
    size_t merged;           /* guarded by lock: pages merged so far */
    bool stop;               /* guarded by lock */
    struct page_slot *slots; /* slots[i] written by its worker, read once done (lock) */
};

static void *read_worker(void *arg)
{
    struct page_reader *r = arg;
    for (;;) {
        pthread_mutex_lock(&r->lock);
        while (!r->stop && r->next < r->rec->n_message_pages && r->next >= r->merged + READ_AHEAD)
            pthread_cond_wait(&r->cond, &r->lock);
        if (r->stop || r->next >= r->rec->n_message_pages) {
            pthread_mutex_unlock(&r->lock);
            return NULL;
        }
        size_t i = r->next++;
        pthread_mutex_unlock(&r->lock);
        struct page_slot *s = &r->slots[i];
        const char *url = r->rec->message_urls[i];
        char *json = NULL;
        size_t len = 0;
        s->rc = sp_loader_get(r->loader, url, MSG_PAGE_MAX_BYTES, &json, &len, &s->diag);
        if (!s->rc) {
            char *name = url_display_name(url);
            s->rc = msg_page_parse(json, len, name ? name : url, &s->page, &s->diag);
            free(name);
            /* batches delivered as files, fetched as the player does */
            if (!s->rc)
                s->rc = sig_file_batches_resolve(s->page, r->loader, url, &s->fs, &s->diag);
        }
        free(json);
        pthread_mutex_lock(&r->lock);
        s->done = true;
        pthread_cond_broadcast(&r->cond);
        pthread_mutex_unlock(&r->lock);
    }
}

int rec_pages_read(const struct recording *rec, const struct sp_loader *loader, struct msg_log *log,
                   rec_page_fn on_page, void *opaque)
{
    size_t n = rec->n_message_pages;
    struct page_reader r = {.rec = rec, .loader = loader};
    r.slots = calloc(n ? n : 1, sizeof(*r.slots));
    if (!r.slots)
        return SP_ENOMEM;
    pthread_mutex_init(&r.lock, NULL);
    pthread_cond_init(&r.cond, NULL);
    pthread_t th[READ_WORKERS];
    int started = 0;
    for (int k = 0; k < READ_WORKERS && (size_t)k < n; k++)
        if (pthread_create(&th[k], NULL, read_worker, &r) == 0)
            started++;
    int rc = started || !n ? 0 : SP_ENOMEM;
    for (size_t i = 0; i < n && !rc; i++) {
        struct page_slot *s = &r.slots[i];
        pthread_mutex_lock(&r.lock);
        while (!s->done)
            pthread_cond_wait(&r.cond, &r.lock);
        pthread_mutex_unlock(&r.lock);
        int pr = s->rc;
        if (!pr)
            pr = msg_log_add_page(log, &s->page, &s->diag);
        if (pr == SP_ENOMEM)
            rc = SP_ENOMEM;
        if (on_page)
            on_page(opaque, i, pr, &s->fs, &s->diag);
        diag_clear(&s->diag);
        pthread_mutex_lock(&r.lock);
        r.merged = i + 1;
        pthread_cond_broadcast(&r.cond);
        pthread_mutex_unlock(&r.lock);
    }
    pthread_mutex_lock(&r.lock);
    r.stop = true;
    pthread_cond_broadcast(&r.cond);
    pthread_mutex_unlock(&r.lock);
    for (int k = 0; k < started; k++)
        pthread_join(th[k], NULL);
    for (size_t i = 0; i < n; i++) {
        msg_page_free(r.slots[i].page);
        diag_clear(&r.slots[i].diag);
    }
    free(r.slots);
    pthread_cond_destroy(&r.cond);
    pthread_mutex_destroy(&r.lock);
    return rc;
}

struct assets_pages {
    struct rec_assets *out;
    struct diag_list *diag;
};

static void assets_page(void *opaque, size_t i, int rc, const struct sig_file_stats *fs,
                        struct diag_list *d)
{
    (void)i;
    (void)fs;
    struct assets_pages *a = opaque;
    diag_move(a->diag, d);
    if (rc)
        a->out->pages_unread++;
}

/* Reads the pages into one merged log. */
static int read_pages(const struct recording *rec, const struct sp_loader *loader,
                      struct diag_list *diag, struct rec_assets *out, struct msg_log *log)
{
    struct assets_pages a = {out, diag};
    return rec_pages_read(rec, loader, log, assets_page, &a);
}

static int chat_images(const struct msg_log *log, const char *base, struct diag_list *diag,
                       struct rec_assets *out)
{
    for (size_t m = 0; m < log->count; m++) {
        const struct msg_message *msg = &log->msgs[m];
        for (size_t e = 0; e < msg->elem_count; e++) {
            const struct msg_elem *el = &msg->elems[e];
            if (el->type != MSG_ELEM_IMAGE)
                continue;
            for (size_t k = 0; k < el->image_count; k++) {
                if (!el->images[k].url || !*el->images[k].url)
                    continue;
                struct img_ctx c = {out, base, msg->page ? msg->page : "messages", diag,
                                    el->images[k].size};
                int rc = add_image(&c, el->images[k].url);
                if (rc)
                    return rc;
            }
        }
    }
    return 0;
}

/* The board batches the pages deliver as files: rec_pages_read() fetched
 * them already (through the loader, so a caching loader holds them) and
 * left their absolute URLs on the elements. */
static int board_files(const struct msg_log *log, struct rec_assets *out)
{
    for (size_t m = 0; m < log->count; m++) {
        const struct msg_message *msg = &log->msgs[m];
        if (msg->is_place || msg->is_recalled)
            continue;
        for (size_t e = 0; e < msg->elem_count; e++) {
            const struct msg_elem *el = &msg->elems[e];
            if (!el->file_name || strcmp(el->file_name, MSG_WHITEBOARD_EXT) != 0 ||
                (el->type != MSG_ELEM_FILE && el->type != MSG_ELEM_CUSTOM) || !el->url || !*el->url)
                continue;
            /* a URL that could not be made absolute was warned about */
            int rc = rec_assets_add(out, NULL, el->url, REC_ASSET_BOARD_FILE, -1);
            if (rc && rc != SP_EINVAL)
                return rc;
        }
    }
    return 0;
}

/* Page images, read with the board's own op parser (the same checks and
 * caps the player applies). */
static int board_images(const struct msg_log *log, const char *base, struct diag_list *diag,
                        struct rec_assets *out)
{
    struct board_log *blog = board_log_create();
    if (!blog)
        return SP_ENOMEM;
    struct msg_wb_iter it;
    struct msg_wb_batch b;
    msg_wb_iter_init(&it, log);
    int rc = 0;
    while (msg_wb_next(&it, &b)) {
        rc = board_log_add_batch(blog, b.data, b.len, b.msg_seq, b.where, diag);
        if (rc == SP_ENOMEM || rc == SP_ELIMIT)
            break; /* SP_ELIMIT: the log is full; what it holds is what the player shows */
        rc = 0;
    }
    if (rc != SP_ENOMEM) {
        struct img_ctx c = {out, base, "whiteboard", diag, -1};
        rc = board_log_image_urls(blog, add_image, &c);
    }
    board_log_free(blog);
    return rc;
}

int rec_assets_collect(const struct recording *rec, const struct sp_loader *loader,
                       struct diag_list *diag, struct rec_assets *out)
{
    if (!rec || !out)
        return SP_EINVAL;
    /* Relative URLs that the manifest could not resolve were diagnosed by
     * it: they are left out here (SP_EINVAL) without a second line. */
    int rc = 0;
    if (rec->doc_url && *rec->doc_url)
        rc = rec_assets_add(out, NULL, rec->doc_url, REC_ASSET_MANIFEST, -1);
    for (size_t i = 0; i < rec->n_message_pages && (!rc || rc == SP_EINVAL); i++)
        rc = rec_assets_add(out, NULL, rec->message_urls[i], REC_ASSET_PAGE, -1);
    for (size_t l = 0; l < rec->n_lanes && (!rc || rc == SP_EINVAL); l++) {
        const struct rec_lane *ln = &rec->lanes[l];
        for (size_t k = 0; k < ln->n_segments && (!rc || rc == SP_EINVAL); k++) {
            const struct rec_segment *s = &ln->segments[k];
            if (s->url && *s->url)
                rc = rec_assets_add(out, NULL, s->url, REC_ASSET_MEDIA, s->size_bytes);
        }
    }
    if (rc == SP_ELIMIT)
        diag_add(diag, DIAG_ERROR,
                 "%s: more than %d URLs in one recording; the rest are left "
                 "out",
                 rec->doc_name ? rec->doc_name : "manifest", REC_ASSETS_MAX_URLS);
    if (rc && rc != SP_EINVAL)
        return rc;
    if (!rec->n_message_pages)
        return 0;

    struct msg_log *log = msg_log_create();
    if (!log)
        return SP_ENOMEM;
    rc = read_pages(rec, loader, diag, out, log);
    const char *base = rec->doc_url;
    if (!rc)
        rc = board_files(log, out);
    if (!rc)
        rc = board_images(log, base, diag, out);
    if (!rc)
        rc = chat_images(log, base, diag, out);
    msg_log_destroy(&log);
    return rc;
}
