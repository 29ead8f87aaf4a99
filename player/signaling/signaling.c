/* signaling.c - a class's IM pages streamed into board + chat generations.
 *
 * Threads and ownership (the contract is in signaling.h):
 *
 *   workers (opts.parallel, detached)  pick a page, get it through the
 *       loader, parse it (msg_page_parse), free its text, put its messages
 *       in (MsgSeq, position) order and read its board batches
 *       (board_batch_parse), leave both in the page's slot.
 *   builder (one, joined by destroy)   takes the parsed pages in
 *       chronological order, drops messages already read (MsgSeq), appends
 *       the parsed board batches to the one board_log and keeps chat
 *       messages (and only their chat elements) in a msg_log; builds and
 *       publishes the generations.
 *
 * Why one builder: the log interns board ids, users and element names in
 * the order batches arrive, which shows in the board (page numbering).
 * Feeding it in chronological page order (MsgSeq order inside a page)
 * gives exactly the log that reading the pages one after another gives,
 * whatever order the workers finish in. The JSON of a batch is read on
 * the workers: board_log_add_parsed() then costs the builder a copy of
 * the batch's records and the same numbering as a read there would give,
 * so the builder's share (appending, the chat, generations) is small and
 * the workers' reading spreads over the cores. The workers run at most
 * SIG_WINDOW pages ahead of the builder, which bounds the parsed pages held.
 *
 * Why detached workers: a worker can sit in loader->get() until the
 * loader's own timeout (fetch: FETCH_DEFAULT_IDLE_TIMEOUT_US without a
 * byte). signaling_destroy() must not wait for that, and a blocking call
 * cannot be cancelled from here. So everything a worker touches lives in
 * struct sig_core, reference-counted: the handle, the builder and each
 * worker hold one reference; the last one out frees it. The core copies
 * what it needs from the recording and the loader struct at start (both
 * are borrowed only until destroy). The loader itself (its opaque) must
 * stay usable until its calls in flight return; fetch_destroy() ends them.
 * A worker whose call returns after destroy drops the result and exits
 * without another call.
 *
 * The builder is joined: it never blocks outside this file's condition
 * variables, and it checks the stop flag between pages, so destroy waits
 * at most for one page or one generation build in progress.
 */
#include "player/signaling/signaling.h"

#include "base/platform/os_libc.h"
#include "player/signaling/file_batches.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "im/chat.h"
#include "player/board/board.h"
#include "player/recording/manifest.h"
#include "im/msgpage.h"
#include "player/signaling/seq_set.h"
#include "player/signaling/signal_cache.h"
#include "base/json_arena.h"
#include "base/platform/os_file.h"
#include "base/platform/os_process.h"
#include "base/platform/os_time.h"
#include "base/sp_bytes.h"
#include "base/sp_error.h"
#include "base/sp_time.h"
#include "player/net/url.h"

/* Batches read and added go back to the workers as spares
 * (board_batch_parse_into()): allocating and freeing each batch's arrays
 * was a tenth of the builder's time. At most SIG_SPARE_MAX are kept, each
 * of at most SIG_SPARE_MAX_BYTES (a rare large batch is freed); a worker
 * takes up to SIG_SPARE_TAKE with the page it picks, under the same lock. */
#define SIG_SPARE_MAX 1024
#define SIG_SPARE_TAKE 64
#define SIG_SPARE_MAX_BYTES ((size_t)64 << 10)

/* Parsed pages the workers may hold ahead of the builder, per worker. */
#define SIG_WINDOW_PER_WORKER 4
#define SIG_WINDOW_MIN 16
#define NO_PAGE SIZE_MAX

/* The board batches of one parsed page, read by the worker that parsed the
 * page (board_batch_parse()), in the order the builder meets them: messages
 * in (MsgSeq, position) order, placeholders left out, each whiteboard
 * element with data. b[k] NULL (or k >= n): the builder reads that batch
 * itself (a worker ran out of memory). */
struct page_batches {
    struct board_batch **b;
    size_t n;
};

/* Frees the n batches of *b and the array; *b NULL, *n 0 after. */
static void batches_free(struct board_batch ***b, size_t *n)
{
    for (size_t k = 0; k < *n; k++)
        board_batch_free(&(*b)[k]);
    free(*b);
    *b = NULL;
    *n = 0;
}

static void page_batches_clear(struct page_batches *w)
{
    batches_free(&w->b, &w->n);
}

enum page_state {
    PG_IDLE,  /* not picked yet */
    PG_BUSY,  /* a worker has it */
    PG_READY, /* parsed (or failed); waiting for the builder */
    PG_USED   /* the builder took it */
};

struct page_slot {
    /* all fields: core.mu */
    enum page_state state;
    int err;                      /* 0, or why the page failed (SP_E*) */
    struct msg_page *page;        /* PG_READY and not failed: the parsed page, owned */
    struct diag_list diag;        /* the loader's and the parser's lines for this page */
    int64_t seq_min;              /* smallest MsgSeq of a real message; INT64_MAX: none */
    int64_t ts_max;               /* largest MsgTimeStamp (s) of a real message; -1: none */
    struct sig_validator v;       /* what the cache checks this page by */
    struct page_batches wb;       /* the page's board batches, parsed; owned */
    struct sig_batch_files files; /* the batch files it named, as read; owned */
};

struct sig_core {
    pthread_mutex_t mu;
    pthread_cond_t work_cv;  /* workers: a page to pick, or stop */
    pthread_cond_t build_cv; /* builder: a slot ready, sample checked, or stop */
    pthread_cond_t pub_cv;   /* signaling_wait(): a generation published */

    /* immutable after start */
    struct sp_loader loader;
    struct sp_loader page_loader; /* opts.page_loader, else loader */
    bool pages_not_kept;          /* opts.pages_not_kept */
    size_t n;
    char **urls;  /* owned copies of rec->message_urls */
    char **names; /* url_display_name() of each, for diagnostics */
    char **paths; /* local path of a file:// page, else NULL */
    char *doc_url;
    char *cache_path;   /* NULL: no cache */
    uint64_t list_hash; /* sig_cache_list_hash() of doc_url and urls */
    int parallel;
    size_t window;
    bool stop_at_bound; /* opts.stop_at_bound */

    /* guarded by mu */
    int refs;
    bool stop;
    struct page_slot *slots;
    size_t idle;    /* slots in PG_IDLE */
    int dir;        /* -1 not known yet, 0 oldest first, 1 newest first */
    size_t info_lo; /* lowest / highest page index read that holds messages */
    size_t info_hi;
    size_t busy;      /* slots in PG_BUSY */
    size_t lo_cursor; /* probing from both ends while dir < 0 */
    size_t hi_cursor;
    bool probe_hi;     /* the next probe takes the high end */
    size_t chron_next; /* lowest chronological position that may still be idle */
    size_t built;      /* chronological pages the builder consumed */
    int64_t want_ms;
    int64_t wait_ms;  /* a signaling_wait() in progress wants this covered */
    int64_t bound_ms; /* set by the first wait with stop_at_bound; INT64_MIN: none yet */
    size_t *sample;   /* cache check: remote pages to re-get first; owned, immutable */
    size_t n_sample;
    bool sample_phase;          /* a cache file is being checked: workers take only sample pages */
    struct signal_set *latest;  /* newest published, not taken yet; owned */
    uint64_t generation;        /* of the newest published */
    int64_t published_until;    /* its complete_until_us as whole ms; INT64_MIN: none */
    int fatal;                  /* SP_ENOMEM once the builder gave up */
    struct diag_list diag;      /* for signaling_take_diags() */
    struct board_batch **spare; /* SIG_SPARE_MAX slots: batches to read into again; owned */
    size_t n_spare;
    bool spares_closed; /* every page is in: no more spares (spares_close()) */
    size_t done, failed;
    bool finished, from_cache;
};

struct signaling {
    struct sig_core *core;
    pthread_t builder;
    bool builder_started;
    /* The page workers, joined by signaling_destroy(): a worker may be
     * inside the loader, whose network client the caller frees next. */
    pthread_t workers[SIGNALING_MAX_PARALLEL];
    size_t n_workers;
};

/* A published generation. The chat model owns its page names, so nothing
 * of the builder is kept alive by it. */
struct sig_gen {
    struct signal_set pub;
};

void signal_set_free(struct signal_set **sp)
{
    if (!sp || !*sp)
        return;
    struct sig_gen *g = (struct sig_gen *)*sp;
    board_player_destroy(&g->pub.board);
    chat_log_destroy(&g->pub.chat);
    free(g);
    *sp = NULL;
}

/* ---- the core's life ------------------------------------------------------------- */

/* Under mu (or by core_free()): every page is in, so no batch will be read
 * again: the spares (up to SIG_SPARE_MAX of them, megabytes for a long
 * class) are freed before the final generation is built and drawn, not
 * when the class closes; a worker's own go back to spares_return(), which
 * frees them. */
static void spares_close(struct sig_core *c)
{
    batches_free(&c->spare, &c->n_spare);
    c->spares_closed = true;
}

static void core_free(struct sig_core *c)
{
    for (size_t i = 0; i < c->n; i++) {
        free(c->urls[i]);
        free(c->paths[i]);
        free(c->names[i]);
        if (c->slots) {
            msg_page_free(c->slots[i].page);
            diag_clear(&c->slots[i].diag);
            page_batches_clear(&c->slots[i].wb);
            sig_batch_files_clear(&c->slots[i].files);
        }
    }
    free(c->urls);
    free(c->names);
    free(c->paths);
    free(c->slots);
    free(c->doc_url);
    free(c->cache_path);
    free(c->sample);
    spares_close(c);
    signal_set_free(&c->latest);
    diag_clear(&c->diag);
    pthread_cond_destroy(&c->work_cv);
    pthread_cond_destroy(&c->build_cv);
    pthread_cond_destroy(&c->pub_cv);
    pthread_mutex_destroy(&c->mu);
    free(c);
}

/* Drops one reference; the last frees the core. Called without mu held. */
static void core_unref(struct sig_core *c)
{
    pthread_mutex_lock(&c->mu);
    bool last = --c->refs == 0;
    pthread_mutex_unlock(&c->mu);
    if (last)
        core_free(c);
}

/* ---- scheduling (all under mu) ------------------------------------------------------ */

static size_t chron_to_index(const struct sig_core *c, size_t k)
{
    return c->dir == 1 ? c->n - 1 - k : k;
}

/* Decides whether the list runs oldest or newest first. The list is in
 * MsgSeq order one way or the other, so any two pages with messages tell:
 * the lowest- and the highest-numbered such page read so far are compared.
 * A page that never answers (at an end or anywhere) does not hold this up. */
static void note_page_for_dir(struct sig_core *c, size_t i)
{
    if (c->dir >= 0)
        return;
    if (c->slots[i].seq_min != INT64_MAX) {
        if (c->info_lo == NO_PAGE || i < c->info_lo)
            c->info_lo = i;
        if (c->info_hi == NO_PAGE || i > c->info_hi)
            c->info_hi = i;
        if (c->info_lo != c->info_hi) {
            int64_t lo = c->slots[c->info_lo].seq_min, hi = c->slots[c->info_hi].seq_min;
            if (lo != hi)
                c->dir = lo > hi ? 1 : 0;
        }
    }
    if (c->dir < 0 && c->idle == 0 && c->busy == 0)
        c->dir = 0; /* every page is in and fewer than two tell: any order */
}

static size_t pick_page(struct sig_core *c)
{
    if (c->idle == 0)
        return NO_PAGE;
    if (c->sample_phase) {
        for (size_t k = 0; k < c->n_sample; k++)
            if (c->slots[c->sample[k]].state == PG_IDLE)
                return c->sample[k];
        return NO_PAGE; /* wait for the builder's verdict */
    }
    if (c->dir < 0) {
        /* Both ends first: they tell the direction and the time span. */
        while (c->lo_cursor < c->n && c->slots[c->lo_cursor].state != PG_IDLE)
            c->lo_cursor++;
        while (c->hi_cursor > 0 && c->slots[c->hi_cursor - 1].state != PG_IDLE)
            c->hi_cursor--;
        if (c->lo_cursor >= c->hi_cursor)
            return NO_PAGE;
        c->probe_hi = !c->probe_hi;
        return c->probe_hi ? --c->hi_cursor : c->lo_cursor++;
    }
    /* Then chronological order: the pages up to the wanted time come first,
     * and a generation needs every page before it, so the rest follow in
     * the same order. */
    while (c->chron_next < c->n && c->slots[chron_to_index(c, c->chron_next)].state != PG_IDLE)
        c->chron_next++;
    if (c->chron_next >= c->n || c->chron_next >= c->built + c->window)
        return NO_PAGE;
    return chron_to_index(c, c->chron_next++);
}

/* ---- a worker ------------------------------------------------------------------- */

static uint64_t content_hash(const char *p, size_t len)
{
    return sp_checksum64((const uint8_t *)p, len);
}

/* The spares a worker took with its page (under mu), used from the top. */
struct spares {
    struct board_batch *b[SIG_SPARE_TAKE];
    size_t n;
};

/* Under mu: takes up to SIG_SPARE_TAKE of the core's spares. */
static void spares_take(struct sig_core *c, struct spares *sp)
{
    sp->n = c->n_spare < SIG_SPARE_TAKE ? c->n_spare : SIG_SPARE_TAKE;
    c->n_spare -= sp->n;
    if (sp->n)
        memcpy(sp->b, c->spare + c->n_spare, sp->n * sizeof(*sp->b));
}

/* Under mu: gives back what is left of them (freed if the core has no
 * room: it never has, unless the builder gave many back meanwhile). */
static void spares_return(struct sig_core *c, struct spares *sp)
{
    while (sp->n > 0) {
        struct board_batch *b = sp->b[--sp->n];
        if (c->spare && c->n_spare < SIG_SPARE_MAX)
            c->spare[c->n_spare++] = b;
        else
            board_batch_free(&b);
    }
}

struct page_result {
    int err;
    struct msg_page *page;
    struct diag_list diag;
    int64_t seq_min, ts_max;
    struct sig_validator v;
    struct page_batches wb;
    struct sig_batch_files files;
};

static int cmp_msg(const void *a, const void *b)
{
    const struct msg_message *x = a, *y = b;
    if (x->seq != y->seq)
        return x->seq < y->seq ? -1 : 1;
    return (x->index > y->index) - (x->index < y->index);
}

/* A whiteboard element that carries a batch to read (the builder and the
 * workers must agree on which these are). */
static bool board_batch_elem(const struct msg_elem *el)
{
    return msg_elem_is_whiteboard(el) && el->data && el->data_len > 0;
}

/* Appends s[0..n) to buf at *at, cut to what fits before the NUL, as
 * snprintf() cuts. */
static void where_put(char *buf, size_t len, size_t *at, const char *s, size_t n)
{
    size_t room = len - 1 - *at;
    if (n > room)
        n = room;
    memcpy(buf + *at, s, n);
    *at += n;
}

/* Appends v in decimal. */
static void where_put_num(char *buf, size_t len, size_t *at, long long v)
{
    char d[24];
    size_t k = sizeof(d);
    unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
    do
        d[--k] = (char)('0' + u % 10);
    while (u /= 10);
    if (v < 0)
        d[--k] = '-';
    where_put(buf, len, at, d + k, sizeof(d) - k);
}

/* The name of a batch in diagnostics: the same for the worker's read and
 * the builder's. The bytes of snprintf("%s: RspMsgList[%d].MsgBody[%zu]"),
 * put together by hand: formatting one for every batch was 3% of a first
 * open. len > 0. */
static void batch_where(const struct msg_message *m, size_t e, char *buf, size_t len)
{
    const char *name = m->page ? m->page : "IM page";
    size_t at = 0;
    where_put(buf, len, &at, name, strlen(name));
    where_put(buf, len, &at, ": RspMsgList[", 13);
    where_put_num(buf, len, &at, m->index);
    where_put(buf, len, &at, "].MsgBody[", 10);
    where_put_num(buf, len, &at, (long long)e);
    where_put(buf, len, &at, "]", 1);
    buf[at] = '\0';
}

/* Reads the page's board batches here, off the builder's thread: the
 * builder then only appends their records (board_log_add_parsed()). The
 * page's messages are put in the builder's order first. A batch that
 * cannot be read for lack of memory is left to the builder. */
static void parse_batches(struct msg_page *page, struct page_batches *w, struct spares *sp)
{
    if (page->count > 1)
        qsort(page->msgs, page->count, sizeof(*page->msgs), cmp_msg);
    size_t n = 0;
    for (size_t i = 0; i < page->count; i++)
        for (size_t e = 0; !page->msgs[i].is_place && e < page->msgs[i].elem_count; e++)
            n += board_batch_elem(&page->msgs[i].elems[e]);
    if (n == 0 || !(w->b = calloc(n, sizeof(*w->b))))
        return;
    w->n = n;
    size_t k = 0;
    for (size_t i = 0; i < page->count; i++) {
        const struct msg_message *m = &page->msgs[i];
        for (size_t e = 0; !m->is_place && e < m->elem_count; e++) {
            const struct msg_elem *el = &m->elems[e];
            if (!board_batch_elem(el))
                continue;
            char where[MSG_MAX_FIELD_BYTES + 64];
            batch_where(m, e, where, sizeof(where));
            sp_json_arena_begin(); /* the batch's tree is dropped at once */
            struct board_batch *spare = sp->n ? sp->b[--sp->n] : NULL;
            if (board_batch_parse_into(el->data, el->data_len, m->seq, where, spare, &w->b[k]) != 0)
                w->b[k] = NULL;
            sp_json_arena_end();
            k++;
        }
    }
}

static bool in_sample(const struct sig_core *c, size_t i)
{
    for (size_t k = 0; k < c->n_sample; k++)
        if (c->sample[k] == i)
            return true;
    return false;
}

static void load_page(struct sig_core *c, size_t i, struct page_result *r, struct spares *sp)
{
    memset(r, 0, sizeof(*r));
    r->seq_min = INT64_MAX;
    r->ts_max = -1;
    if (c->paths[i]) {
        /* stat before reading: a change after it makes the next check fail,
         * never the other way round */
        struct sp_os_stat st;
        if (sp_os_stat(c->paths[i], &st) == 0) {
            r->v.kind = SIG_VALID_LOCAL;
            r->v.a = (uint64_t)st.size;
            r->v.b = (uint64_t)st.mtime_ns;
        }
    }
    char *data = NULL;
    size_t len = 0;
    /* a page the cache file will stand for need not stay downloaded; the
     * sample stays, so that a later open validates offline too */
    const struct sp_loader *l =
        c->pages_not_kept || (c->cache_path && !in_sample(c, i)) ? &c->page_loader : &c->loader;
    r->err = l->get(l->opaque, c->urls[i], MSG_PAGE_MAX_BYTES, &data, &len, &r->diag);
    if (r->err == 0) {
        if (!c->paths[i]) {
            r->v.kind = SIG_VALID_REMOTE;
            r->v.a = content_hash(data, len);
            r->v.b = len;
        }
        /* the page's cJSON tree from this thread's arena: msg_page_parse()
           copies what it keeps, and the tree goes in one step */
        sp_json_arena_begin();
        r->err = msg_page_parse(data, len, c->names[i], &r->page, &r->diag);
        sp_json_arena_end();
        free(data); /* the text is never kept: only the parsed page */
    }
    /* Batches delivered as files are fetched here, on the worker, so the
       builder sees ordinary batches at their messages' places. */
    if (r->err == 0)
        r->err = sig_file_batches_resolve_ex(r->page, &c->loader, c->urls[i], NULL,
                                             c->cache_path ? &r->files : NULL, &r->diag);
    if (r->err == 0) {
        parse_batches(r->page, &r->wb, sp);
        for (size_t k = 0; k < r->page->count; k++) {
            const struct msg_message *m = &r->page->msgs[k];
            if (m->is_place)
                continue;
            if (m->seq < r->seq_min)
                r->seq_min = m->seq;
            if (m->timestamp > r->ts_max)
                r->ts_max = m->timestamp;
        }
    }
}

static void *worker_main(void *arg)
{
    struct sig_core *c = arg;
    pthread_mutex_lock(&c->mu);
    while (!c->stop) {
        size_t i = pick_page(c);
        if (i == NO_PAGE) {
            if (c->idle == 0)
                break;
            pthread_cond_wait(&c->work_cv, &c->mu);
            continue;
        }
        c->slots[i].state = PG_BUSY;
        c->idle--;
        c->busy++;
        struct spares sp;
        spares_take(c, &sp);
        pthread_mutex_unlock(&c->mu);

        struct page_result r;
        load_page(c, i, &r, &sp);

        pthread_mutex_lock(&c->mu);
        spares_return(c, &sp);
        if (c->stop) {
            msg_page_free(r.page);
            diag_clear(&r.diag);
            page_batches_clear(&r.wb);
            sig_batch_files_clear(&r.files);
            break;
        }
        struct page_slot *s = &c->slots[i];
        s->err = r.err;
        s->page = r.page;
        s->diag = r.diag;
        s->seq_min = r.seq_min;
        s->ts_max = r.ts_max;
        s->v = r.v;
        s->wb = r.wb;
        s->files = r.files;
        s->state = PG_READY;
        c->busy--;
        note_page_for_dir(c, i);
        pthread_cond_signal(&c->build_cv);
        if (c->dir >= 0)
            pthread_cond_broadcast(&c->work_cv); /* the direction may just be known */
    }
    bool last = --c->refs == 0;
    pthread_mutex_unlock(&c->mu);
    if (last)
        core_free(c);
    return NULL;
}

/* ---- the builder ------------------------------------------------------------------ */

struct builder {
    struct sig_core *c;
    struct board_log *board; /* the one op log, fed in order */
    struct msg_log *chat;    /* chat messages, chat elements only */
    struct seq_set seen;
    struct diag_list diag; /* this page's lines, moved to core.diag after it */
    bool board_capped;     /* a log-wide cap was hit: later batches are dropped */
    size_t board_elems;    /* whiteboard elements of kept messages */
    size_t board_only;     /* kept messages that held only whiteboard elements */
    size_t duplicates, conflicts, placeholders;
    int64_t ts_max;         /* largest MsgTimeStamp (s) of the pages consumed */
    int64_t built_until;    /* whole ms covered by the newest generation built */
    struct diag_list saved; /* a copy of every line given, for the cache file */
    bool transient;         /* a page failed in a way that may pass: no cache file */
    bool prefix;            /* reading stopped at the bound: the last generation is a prefix */
};

/* Copies d's lines into the saved set (a warm open gives them again). */
static void keep_lines(struct builder *b, const struct diag_list *d)
{
    if (!b->c->cache_path)
        return;
    for (size_t i = 0; i < d->count; i++)
        diag_add(&b->saved, d->items[i].level, "%s", d->items[i].text);
}

/* Failures that say something about the page itself; others (network,
 * timeouts, I/O, 5xx) may pass, and a cache would repeat them forever. */
static bool lasting_failure(int err)
{
    return err == SP_ENOENT || err == SP_EPARSE || err == SP_ELIMIT || err == SP_EUNSUPPORTED ||
           err == SP_EINVAL;
}

/* One page into the logs: its messages are in (MsgSeq, position) order and
 * wb holds their batches, parsed (parse_batches()). The page is freed; wb's
 * batches, all added, are left to the caller (recycle()). Returns 0 or
 * SP_ENOMEM. */
static int consume_page(struct builder *b, size_t page_no, struct msg_page *page,
                        struct page_batches *wb)
{
    int rc = 0;
    size_t next_batch = 0; /* wb's entry of the next batch met */
    size_t keep = 0;
    for (size_t i = 0; i < page->count; i++) {
        struct msg_message *m = &page->msgs[i];
        if (m->is_place) {
            b->placeholders++;
            goto drop;
        }
        size_t batches = 0;
        for (size_t e = 0; e < m->elem_count; e++)
            batches += board_batch_elem(&m->elems[e]);
        size_t first_batch = next_batch;
        next_batch += batches; /* a message dropped below skips its batches */
        const struct seq_entry *kept = NULL;
        uint64_t fp = seq_fingerprint(m->from, m->random, m->timestamp, m->elem_count);
        int r = seq_set_insert(&b->seen, m->seq, fp, (uint32_t)page_no, m->index, &kept);
        if (r < 0) {
            rc = r;
            goto drop;
        }
        if (r == 0) {
            b->duplicates++;
            if (kept->fp != fp) {
                b->conflicts++;
                diag_add(&b->diag, DIAG_WARNING,
                         "%s: RspMsgList[%d].MsgSeq: %lld already read from %s: "
                         "RspMsgList[%d] with different content; kept the first",
                         m->page, m->index, (long long)m->seq, b->c->names[kept->page],
                         kept->index);
            }
            goto drop;
        }
        /* Board batches go into the op log now and their text goes. */
        size_t ke = 0;
        for (size_t e = 0; e < m->elem_count; e++) {
            struct msg_elem *el = &m->elems[e];
            if (!msg_elem_is_whiteboard(el)) {
                m->elems[ke++] = *el;
                continue;
            }
            b->board_elems++;
            if (!board_batch_elem(el)) {
                msg_elem_clear(el);
                continue;
            }
            size_t k = first_batch++;
            if (!b->board_capped && rc == 0) {
                int br;
                if (k < wb->n && wb->b[k]) {
                    br = board_log_add_parsed(b->board, wb->b[k], el->data, el->data_len, &b->diag);
                } else {
                    char where[MSG_MAX_FIELD_BYTES + 64];
                    batch_where(m, e, where, sizeof(where));
                    br = board_log_add_batch(b->board, el->data, el->data_len, m->seq, where,
                                             &b->diag);
                }
                if (br == SP_ENOMEM)
                    rc = br;
                else if (br == SP_ELIMIT)
                    b->board_capped = true; /* keep what came before, as a whole read does */
            }
            msg_elem_clear(el);
        }
        bool only_board = m->elem_count > 0 && ke == 0;
        m->elem_count = ke;
        if (only_board) {
            b->board_only++;
            goto drop;
        }
        page->msgs[keep++] = *m;
        continue;
    drop:
        /* msg_page_free() clears msgs[0..count): clear this one now and let
         * the compacted prefix be the page. */
        for (size_t e = 0; e < m->elem_count; e++)
            msg_elem_clear(&m->elems[e]);
        free(m->elems);
        free(m->from);
        m->elems = NULL;
        m->from = NULL;
    }
    page->count = keep;
    if (rc == 0 && keep > 0) {
        rc = msg_log_add_page(b->chat, &page, &b->diag);
        if (rc == SP_ELIMIT)
            rc = 0; /* the log said so; the board still has its batches */
    } else {
        msg_page_free(page);
    }
    return rc;
}

/* The API speaks Unix µs, the builder whole ms (the op log's unit).
 * INT64_MIN and INT64_MAX are "none" and "all" in both. */
static int64_t ms_of_us(int64_t us)
{
    return us == INT64_MAX || us == INT64_MIN ? us : sp_floor_ms(us);
}

/* Covered up to ms T: every µs of T is covered, so T * 1000 + 999. */
static int64_t until_us_of_ms(int64_t ms)
{
    return ms == INT64_MAX || ms == INT64_MIN ? ms : ms * 1000 + 999;
}

/* last: no generation follows (every page read, or the bound's prefix). */
static void publish(struct sig_core *c, struct sig_gen *g, bool last)
{
    pthread_mutex_lock(&c->mu);
    g->pub.generation = ++c->generation;
    c->published_until = ms_of_us(g->pub.complete_until_us);
    signal_set_free(&c->latest);
    c->latest = &g->pub;
    if (last)
        c->finished = true;
    pthread_cond_broadcast(&c->pub_cv);
    pthread_mutex_unlock(&c->mu);
}

static void fix_chat_counters(const struct builder *b, struct chat_log *chat)
{
    /* The msg_log held no board element and no board-only message: count
     * them as a chat built from every message would. */
    chat->board_elems += b->board_elems;
    chat->empty_messages += b->board_only;
}

static int64_t complete_until(const struct builder *b)
{
    if (b->ts_max < 0)
        return INT64_MIN;
    /* Every message stamped before second ts_max is in (a later page may
     * still hold more of that second); an op is in a message stamped at
     * most SIGNALING_OP_LAG_US after it. Whole ms, the ops' unit. */
    return b->ts_max * 1000 - 1 - SIGNALING_OP_LAG_US / 1000;
}

/* Builds a generation from what the builder has. The final one finishes
 * the builder's own log; an earlier one a copy of it, and its board replay
 * and chat warnings are dropped: the final generation gives each once. */
static int build_gen(struct builder *b, bool final, struct sig_gen **out)
{
    *out = NULL;
    struct sig_gen *g = calloc(1, sizeof(*g));
    if (!g)
        return SP_ENOMEM;
    struct diag_list scratch;
    diag_init(&scratch);
    struct diag_list *d = final ? &b->diag : &scratch;
    struct board_log *log = final ? b->board : board_log_clone(b->board);
    if (final)
        b->board = NULL;
    int rc = log ? board_log_finish(log, d) : SP_ENOMEM;
    if (rc == 0)
        rc = board_player_create(&g->pub.board, log, NULL, d); /* takes the log */
    else
        board_log_free(log);
    if (rc == 0)
        rc = chat_log_build(b->chat, &g->pub.chat, d);
    diag_clear(&scratch);
    if (rc) {
        signal_set_free((struct signal_set **)&g);
        return rc;
    }
    fix_chat_counters(b, g->pub.chat);
    b->built_until = final && !b->prefix ? INT64_MAX : complete_until(b);
    g->pub.complete_until_us = until_us_of_ms(b->built_until);
    *out = g;
    return 0;
}

static void move_diag(struct sig_core *c, struct diag_list *d)
{
    pthread_mutex_lock(&c->mu);
    diag_move(&c->diag, d);
    pthread_mutex_unlock(&c->mu);
}

static void builder_fail(struct sig_core *c, int rc)
{
    pthread_mutex_lock(&c->mu);
    c->fatal = rc;
    diag_add(&c->diag, DIAG_ERROR, "IM pages: %s; board and chat incomplete", sp_strerror(rc));
    pthread_cond_broadcast(&c->pub_cv);
    pthread_mutex_unlock(&c->mu);
}

/* An earlier generation is due when the pages in a row cover the time
 * wanted (or waited for) and the last generation did not. Under mu. */
static bool gen_due(const struct builder *b)
{
    const struct sig_core *c = b->c;
    int64_t target = c->want_ms > c->wait_ms ? c->want_ms : c->wait_ms;
    return c->built < c->n && target != INT64_MIN && b->built_until < target &&
           complete_until(b) >= target;
}

/* Under mu: the page's batches become spares for the workers; those the
 * core has no room for, or too large to keep, stay in wb for the caller
 * to free. */
static void recycle(struct sig_core *c, struct page_batches *wb)
{
    if (c->spares_closed)
        return;
    if (!c->spare)
        c->spare = calloc(SIG_SPARE_MAX, sizeof(*c->spare)); /* none: freed as before */
    size_t left = 0;
    for (size_t k = 0; k < wb->n; k++) {
        struct board_batch *bb = wb->b[k];
        if (bb && c->spare && c->n_spare < SIG_SPARE_MAX &&
            board_batch_bytes(bb) <= SIG_SPARE_MAX_BYTES)
            c->spare[c->n_spare++] = bb;
        else
            wb->b[left++] = bb;
    }
    wb->n = left;
}

static int run_pages(struct builder *b)
{
    struct sig_core *c = b->c;
    pthread_mutex_lock(&c->mu);
    while (!c->stop && c->built < c->n) {
        if (c->stop_at_bound) {
            /* Until the bound comes (with the first wait, once the media
             * have set the board time), the time wanted stands for it: no
             * page past what it needs is taken meanwhile, and none before
             * a time is known (a wait for every page: all of them). */
            int64_t target = c->bound_ms != INT64_MIN  ? c->bound_ms
                             : c->want_ms > c->wait_ms ? c->want_ms
                                                       : c->wait_ms;
            if (target == INT64_MIN || complete_until(b) >= target) {
                if (c->bound_ms == INT64_MIN) {
                    pthread_cond_wait(&c->build_cv, &c->mu); /* the bound, a want, or stop */
                    continue;
                }
                /* the pages read cover the bound: the rest is not read */
                b->prefix = true;
                c->idle = 0;
                pthread_cond_broadcast(&c->work_cv);
                break;
            }
        }
        if (!c->stop_at_bound && gen_due(b)) {
            pthread_mutex_unlock(&c->mu);
            struct sig_gen *g = NULL;
            int rc = build_gen(b, false, &g);
            if (rc)
                return rc;
            publish(c, g, false);
            pthread_mutex_lock(&c->mu);
            continue;
        }
        size_t i = c->dir >= 0 ? chron_to_index(c, c->built) : NO_PAGE;
        if (i == NO_PAGE || c->slots[i].state != PG_READY) {
            pthread_cond_wait(&c->build_cv, &c->mu); /* a page, want/wait, or stop */
            continue;
        }
        struct page_slot *s = &c->slots[i];
        s->state = PG_USED;
        struct msg_page *page = s->page;
        s->page = NULL;
        struct page_batches wb = s->wb;
        s->wb = (struct page_batches){NULL, 0};
        int err = s->err;
        int64_t ts = s->ts_max;
        /* a batch file that failed in a way that may pass: no cache file */
        for (size_t k = 0; k < s->files.count; k++)
            if (s->files.items[k].err && !lasting_failure(s->files.items[k].err))
                b->transient = true;
        /* the page's own lines first, in page order: the same order every run */
        keep_lines(b, &s->diag);
        diag_move(&c->diag, &s->diag);
        pthread_mutex_unlock(&c->mu);

        int rc = 0;
        if (err == 0 && page)
            rc = consume_page(b, i, page, &wb);
        if (rc) {
            page_batches_clear(&wb);
            return rc;
        }
        if (ts > b->ts_max)
            b->ts_max = ts;
        if (err && !lasting_failure(err))
            b->transient = true;
        keep_lines(b, &b->diag);

        pthread_mutex_lock(&c->mu);
        diag_move(&c->diag, &b->diag);
        recycle(c, &wb);
        page_batches_clear(&wb); /* the few not kept, and the list */
        c->built++;
        c->done++;
        c->failed += err != 0;
        pthread_cond_broadcast(&c->work_cv); /* the window moved */
    }
    bool stopped = c->stop;
    pthread_mutex_unlock(&c->mu);
    return stopped ? SP_ECANCELLED : 0;
}

/* ---- the disk cache ----------------------------------------------------------------- */

#define SIG_SAMPLE_MAX 8

static int read_whole(const char *path, uint8_t **data, size_t *len)
{
    *data = NULL;
    *len = 0;
    FILE *f = sp_os_fopen(path, "rb");
    if (!f)
        return SP_ENOENT;
    struct sp_os_stat st;
    int rc = sp_os_stat(path, &st) == 0 && st.is_file ? 0 : SP_EIO;
    if (rc == 0 && (uint64_t)st.size > SIG_CACHE_MAX_BYTES)
        rc = SP_ELIMIT;
    size_t n = rc == 0 ? (size_t)st.size : 0;
    uint8_t *buf = rc == 0 ? malloc(n ? n : 1) : NULL;
    if (rc == 0 && !buf)
        rc = SP_ENOMEM;
    if (rc == 0 && fread(buf, 1, n, f) != n)
        rc = SP_EIO;
    fclose(f);
    if (rc) {
        free(buf);
        return rc;
    }
    *data = buf;
    *len = n;
    return 0;
}

static bool local_page_unchanged(const struct sig_core *c, size_t i, const struct sig_validator *v)
{
    struct sp_os_stat st;
    int sr = sp_os_stat(c->paths[i], &st);
    if (sr != 0)
        return v->kind == SIG_VALID_NONE && sr == -ENOENT; /* still missing */
    uint64_t mt = (uint64_t)st.mtime_ns;
    return v->kind == SIG_VALID_LOCAL && v->a == (uint64_t)st.size && v->b == mt;
}

/* Ends the sample phase: the workers go on with every page (verdict false)
 * or stop picking (true: the cache stands for them all). */
static void end_sample(struct sig_core *c, bool cached)
{
    pthread_mutex_lock(&c->mu);
    c->sample_phase = false;
    if (cached)
        c->idle = 0;
    pthread_cond_broadcast(&c->work_cv);
    pthread_mutex_unlock(&c->mu);
}

/* Whether the file's pages are the recording's: local pages by stat, all
 * of them; remote pages by the content of the sample the workers re-got
 * (the loader revalidates its own copy with one conditional request). */
static bool cache_valid(struct builder *b, const struct sig_cache_file *f)
{
    struct sig_core *c = b->c;
    for (size_t i = 0; i < c->n; i++)
        if (c->paths[i] && f->v[i].kind != SIG_VALID_UNREAD &&
            !local_page_unchanged(c, i, &f->v[i]))
            return false;
    pthread_mutex_lock(&c->mu);
    for (size_t k = 0; k < c->n_sample && !c->stop; k++) {
        while (!c->stop && c->slots[c->sample[k]].state != PG_READY)
            pthread_cond_wait(&c->build_cv, &c->mu);
    }
    bool ok = !c->stop;
    for (size_t k = 0; ok && k < c->n_sample; k++) {
        const struct page_slot *s = &c->slots[c->sample[k]];
        const struct sig_validator *v = &f->v[c->sample[k]];
        ok = v->kind == SIG_VALID_UNREAD || /* past the prefix: not compared */
             (s->v.kind == v->kind && s->v.a == v->a && s->v.b == v->b);
    }
    pthread_mutex_unlock(&c->mu);
    /* the board batch files the board was built from (file_batches.h) */
    return ok && sig_batch_files_unchanged(f->files, f->n_files, &c->loader, NULL);
}

/* Whether a prefix file covering board time until_ms (whole ms) serves
 * this open: only one that stops at a bound (render) and whose bound is
 * within it. The bound comes with the caller's first wait, after the
 * media have set the board time: wait for it (or stop). */
static bool prefix_serves(struct sig_core *c, int64_t until_ms)
{
    if (!c->stop_at_bound)
        return false; /* every page is wanted */
    pthread_mutex_lock(&c->mu);
    while (!c->stop && c->bound_ms == INT64_MIN)
        pthread_cond_wait(&c->build_cv, &c->mu);
    bool ok = !c->stop && c->bound_ms <= until_ms;
    pthread_mutex_unlock(&c->mu);
    return ok;
}

/* A warm open: returns true when the last generation came from the file. */
static bool try_cache(struct builder *b)
{
    struct sig_core *c = b->c;
    uint8_t *data = NULL;
    size_t len = 0;
    struct sig_cache_file f;
    memset(&f, 0, sizeof(f));
    bool ok = read_whole(c->cache_path, &data, &len) == 0 && sig_cache_parse(data, len, &f) == 0 &&
              f.list_hash == c->list_hash && f.n == c->n;
    if (ok && f.until_ms != INT64_MAX)
        ok = prefix_serves(c, f.until_ms);
    if (!ok)
        end_sample(c, false); /* nothing to compare with: read the pages */
    else if (ok)
        ok = cache_valid(b, &f);
    struct board_log *log = NULL;
    struct chat_log *chat = NULL;
    struct diag_list lines, scratch;
    diag_init(&lines);
    diag_init(&scratch);
    struct sig_gen *g = NULL;
    if (ok)
        ok = sig_cache_load(&f, &log, &chat, &lines, &scratch) == 0;
    if (ok) {
        g = calloc(1, sizeof(*g));
        /* the replay's warnings are among the saved lines already */
        ok = g && board_player_create(&g->pub.board, log, NULL, &scratch) == 0;
        log = NULL;
    }
    if (ok) {
        g->pub.chat = chat;
        chat = NULL;
        g->pub.complete_until_us = until_us_of_ms(f.until_ms);
        size_t failed = 0, read = 0;
        for (size_t i = 0; i < c->n; i++) {
            failed += f.v[i].kind == SIG_VALID_NONE;
            read += f.v[i].kind != SIG_VALID_UNREAD;
        }
        end_sample(c, true);
        pthread_mutex_lock(&c->mu);
        diag_move(&c->diag, &lines);
        c->done = read;
        c->failed = failed;
        c->from_cache = true;
        pthread_mutex_unlock(&c->mu);
        publish(c, g, true);
        g = NULL;
    } else {
        end_sample(c, false);
    }
    if (g)
        signal_set_free((struct signal_set **)&g);
    board_log_free(log);
    chat_log_destroy(&chat);
    diag_clear(&lines);
    diag_clear(&scratch);
    sig_cache_file_clear(&f);
    free(data);
    return ok;
}

static int mkdirs(const char *path)
{
    char *p = strdup(path);
    if (!p)
        return SP_ENOMEM;
    for (char *q = p + 1; *q; q++) {
        if (*q != '/')
            continue;
        *q = '\0';
        int mr = sp_os_mkdir(p);
        if (mr != 0 && mr != -EEXIST) {
            free(p);
            return SP_EIO;
        }
        *q = '/';
    }
    free(p);
    return 0;
}

/* The cache file, written from the final generation's models before it is
 * published: the caller owns the generation after that (its board player
 * marks the log's ops as it replays), and streaming from the models holds
 * no serialized copy (tens of MB for a long class) beside them. */
static void write_cache(struct builder *b, const struct sig_gen *g)
{
    struct sig_core *c = b->c;
    if (!c->cache_path || b->transient)
        return;
    struct sig_validator *v = calloc(c->n, sizeof(*v));
    if (!v)
        return;
    pthread_mutex_lock(&c->mu);
    size_t nf = 0;
    for (size_t i = 0; i < c->n; i++) {
        /* a prefix: the pages the builder did not take are not in it */
        bool used = c->slots[i].state == PG_USED;
        v[i] = used ? c->slots[i].v : (struct sig_validator){SIG_VALID_UNREAD, 0, 0};
        nf += used ? c->slots[i].files.count : 0;
    }
    /* the slots' lists stay theirs: the refs borrow the URLs (a PG_USED
     * page is the builder's: no worker changes it) */
    struct sig_file_ref *refs = calloc(nf ? nf : 1, sizeof(*refs));
    for (size_t i = 0, k = 0; refs && i < c->n; i++)
        for (size_t j = 0; c->slots[i].state == PG_USED && j < c->slots[i].files.count; j++, k++) {
            const struct sig_batch_file *bf = &c->slots[i].files.items[j];
            size_t ul = strlen(bf->url);
            refs[k] = (struct sig_file_ref){(uint32_t)i, bf->v, bf->url,
                                            ul > SIG_CACHE_MAX_URL ? 0 : (uint32_t)ul};
        }
    pthread_mutex_unlock(&c->mu);
    int rc = refs ? mkdirs(c->cache_path) : SP_ENOMEM;
    if (rc == 0)
        rc = sig_cache_write(c->cache_path, c->list_hash, b->built_until, v, c->n, refs, nf,
                             board_player_log(g->pub.board), g->pub.chat, &b->saved);
    free(refs);
    free(v);
    if (rc) {
        pthread_mutex_lock(&c->mu);
        diag_add(&c->diag, DIAG_WARNING, "%s: cannot write the signaling cache: %s", c->cache_path,
                 sp_strerror(rc));
        pthread_mutex_unlock(&c->mu);
    }
}

static void *builder_main(void *arg)
{
    struct builder b = {.c = arg, .ts_max = -1, .built_until = INT64_MIN};
    struct sig_core *c = b.c;
    if (c->cache_path && try_cache(&b)) {
        core_unref(c);
        return NULL;
    }
    b.board = board_log_create();
    b.chat = msg_log_create();
    int rc = b.board && b.chat ? 0 : SP_ENOMEM;
    if (rc == 0)
        rc = run_pages(&b);
    pthread_mutex_lock(&c->mu);
    spares_close(c);
    pthread_mutex_unlock(&c->mu);
    struct sig_gen *g = NULL;
    if (rc == 0)
        rc = build_gen(&b, true, &g);
    keep_lines(&b, &b.diag);
    move_diag(c, &b.diag);
    if (rc == 0) {
        /* the pages' messages are in the models now: not held while the
         * cache file is written */
        msg_log_destroy(&b.chat);
        write_cache(&b, g);
        publish(c, g, true);
        /* the pages, their trees and the batch logs were freed by the
         * workers and this thread: give those pages back, or a long
         * class keeps tens of MB resident that nothing uses */
        sp_os_heap_trim();
    } else if (rc != SP_ECANCELLED) {
        builder_fail(c, rc);
    }
    board_log_free(b.board);
    msg_log_destroy(&b.chat);
    seq_set_clear(&b.seen);
    diag_clear(&b.diag);
    diag_clear(&b.saved);
    core_unref(c);
    return NULL;
}

/* ---- the handle --------------------------------------------------------------------- */

static char *dup_str(const char *s)
{
    return strdup(s ? s : "");
}

static int core_create(const struct recording *rec, const struct signaling_opts *o,
                       struct sig_core **out)
{
    struct sig_core *c = calloc(1, sizeof(*c));
    if (!c)
        return SP_ENOMEM;
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->work_cv, NULL);
    pthread_cond_init(&c->build_cv, NULL);
    sp_os_cond_init(&c->pub_cv);
    c->refs = 1;
    c->dir = -1;
    c->info_lo = NO_PAGE;
    c->info_hi = NO_PAGE;
    c->want_ms = INT64_MIN;
    c->wait_ms = INT64_MIN;
    c->bound_ms = INT64_MIN;
    c->stop_at_bound = o && o->stop_at_bound;
    c->published_until = INT64_MIN;
    const struct sp_loader *l = o && o->loader ? o->loader : sp_loader_local();
    c->loader = *l;
    c->page_loader = o && o->page_loader ? *o->page_loader : *l;
    c->pages_not_kept = o && o->pages_not_kept;
    c->parallel = o && o->parallel > 0 ? o->parallel : SIGNALING_DEFAULT_PARALLEL;
    if (c->parallel > SIGNALING_MAX_PARALLEL)
        c->parallel = SIGNALING_MAX_PARALLEL;
    c->window = (size_t)c->parallel * SIG_WINDOW_PER_WORKER;
    if (c->window < SIG_WINDOW_MIN)
        c->window = SIG_WINDOW_MIN;
    c->n = rec->n_message_pages;
    size_t nn = c->n ? c->n : 1;
    c->urls = calloc(nn, sizeof(*c->urls));
    c->names = calloc(nn, sizeof(*c->names));
    c->paths = calloc(nn, sizeof(*c->paths));
    c->slots = calloc(nn, sizeof(*c->slots));
    c->doc_url = dup_str(rec->doc_url);
    if (!c->urls || !c->names || !c->paths || !c->slots || !c->doc_url) {
        core_free(c);
        return SP_ENOMEM;
    }
    for (size_t i = 0; i < c->n; i++) {
        const char *u = rec->message_urls[i] ? rec->message_urls[i] : "";
        c->urls[i] = strdup(u);
        c->names[i] = url_display_name(u);
        if (!c->urls[i] || !c->names[i]) {
            core_free(c);
            return SP_ENOMEM;
        }
        int prc = url_to_path(u, &c->paths[i]);
        if (prc == SP_ENOMEM) {
            core_free(c);
            return SP_ENOMEM;
        }
        if (prc)
            c->paths[i] = NULL; /* not a local file: validated by content */
        c->slots[i].seq_min = INT64_MAX;
        c->slots[i].ts_max = -1;
    }
    c->idle = c->n;
    c->hi_cursor = c->n;
    /* Local pages have no latency to hide: workers beyond the cores only
     * contend for the core's lock (measured: a two-hour class's render at
     * 1 h, 8 workers on 2 cores 2.2 s, 3 workers 1.8 to 2.1 s). */
    size_t n_local = 0;
    for (size_t i = 0; i < c->n; i++)
        n_local += c->paths[i] != NULL;
    if (!(o && o->parallel > 0) && c->n > 0 && n_local == c->n) {
        int cpus = sp_os_cpu_count();
        int want = cpus > 0 ? cpus + 1 : SIGNALING_DEFAULT_PARALLEL;
        if (want < c->parallel)
            c->parallel = want;
        c->window = (size_t)c->parallel * SIG_WINDOW_PER_WORKER;
        if (c->window < SIG_WINDOW_MIN)
            c->window = SIG_WINDOW_MIN;
    }
    if (o && o->cache_dir && o->cache_dir[0]) {
        c->list_hash = sig_cache_list_hash(c->doc_url, c->urls, c->n);
        size_t len = strlen(o->cache_dir) + 64;
        c->cache_path = malloc(len);
        if (!c->cache_path) {
            core_free(c);
            return SP_ENOMEM;
        }
        snprintf(c->cache_path, len, "%s/signaling/%016" PRIx64 ".sig", o->cache_dir, c->list_hash);
        /* The remote pages re-got to validate a cache file: the first, the
         * last and up to six spread between them. */
        size_t nr = 0;
        for (size_t i = 0; i < c->n; i++)
            nr += c->paths[i] == NULL;
        if (nr > 0) {
            c->sample = calloc(SIG_SAMPLE_MAX, sizeof(*c->sample));
            if (!c->sample) {
                core_free(c);
                return SP_ENOMEM;
            }
            size_t want = nr < SIG_SAMPLE_MAX ? nr : SIG_SAMPLE_MAX;
            for (size_t k = 0, r = 0, i = 0; i < c->n && k < want; i++) {
                if (c->paths[i])
                    continue;
                /* the k-th sample is remote page number k * (nr - 1) / (want - 1) */
                size_t target = want > 1 ? k * (nr - 1) / (want - 1) : 0;
                if (r++ == target)
                    c->sample[k++] = i;
            }
            c->n_sample = want;
        }
        /* Until the builder's verdict on the file the workers read only the
         * sample: a warm open reads nothing else. */
        c->sample_phase = true;
    }
    *out = c;
    return 0;
}

/* A recording without pages: the empty final generation, no thread. */
static int publish_empty(struct sig_core *c)
{
    struct sig_gen *g = calloc(1, sizeof(*g));
    struct board_log *log = board_log_create();
    struct diag_list d;
    diag_init(&d);
    int rc = g && log ? board_log_finish(log, &d) : SP_ENOMEM;
    if (rc == 0) {
        rc = board_player_create(&g->pub.board, log, NULL, &d);
        log = NULL;
    }
    struct msg_log *none = rc == 0 ? msg_log_create() : NULL;
    if (rc == 0)
        rc = none ? chat_log_build(none, &g->pub.chat, &d) : SP_ENOMEM;
    msg_log_destroy(&none);
    board_log_free(log);
    diag_clear(&d);
    if (rc) {
        if (g)
            signal_set_free((struct signal_set **)&g);
        return rc;
    }
    g->pub.complete_until_us = INT64_MAX;
    publish(c, g, true);
    return 0;
}

int signaling_start(const struct recording *rec, const struct signaling_opts *o,
                    struct signaling **out)
{
    if (!out)
        return SP_EINVAL;
    *out = NULL;
    if (!rec || (rec->n_message_pages > 0 && !rec->message_urls))
        return SP_EINVAL;
    struct signaling *s = calloc(1, sizeof(*s));
    if (!s)
        return SP_ENOMEM;
    int rc = core_create(rec, o, &s->core);
    if (rc) {
        free(s);
        return rc;
    }
    struct sig_core *c = s->core;
    if (c->n == 0) {
        rc = publish_empty(c);
        if (rc) {
            signaling_destroy(&s);
            return rc;
        }
        *out = s;
        return 0;
    }
    pthread_mutex_lock(&c->mu);
    c->refs++;
    pthread_mutex_unlock(&c->mu);
    if (pthread_create(&s->builder, NULL, builder_main, c) != 0) {
        c->refs--;
        signaling_destroy(&s);
        return SP_ENOMEM;
    }
    s->builder_started = true;
    size_t nw = (size_t)c->parallel < c->n ? (size_t)c->parallel : c->n;
    if (nw > SIGNALING_MAX_PARALLEL)
        nw = SIGNALING_MAX_PARALLEL;
    for (size_t k = 0; k < nw; k++) {
        pthread_mutex_lock(&c->mu);
        c->refs++;
        pthread_mutex_unlock(&c->mu);
        if (pthread_create(&s->workers[s->n_workers], NULL, worker_main, c) != 0) {
            pthread_mutex_lock(&c->mu);
            c->refs--;
            pthread_mutex_unlock(&c->mu);
            break;
        }
        s->n_workers++;
    }
    if (s->n_workers == 0) {
        signaling_destroy(&s);
        return SP_ENOMEM;
    }
    *out = s;
    return 0;
}

void signaling_destroy(struct signaling **sp)
{
    if (!sp || !*sp)
        return;
    struct signaling *s = *sp;
    *sp = NULL;
    struct sig_core *c = s->core;
    pthread_mutex_lock(&c->mu);
    c->stop = true;
    pthread_cond_broadcast(&c->work_cv);
    pthread_cond_broadcast(&c->build_cv);
    pthread_cond_broadcast(&c->pub_cv);
    pthread_mutex_unlock(&c->mu);
    if (s->builder_started)
        pthread_join(s->builder, NULL);
    /* A worker inside a loader call finishes it first: the caller cancels
     * its network client's transfers before this (class_close()). */
    for (size_t k = 0; k < s->n_workers; k++)
        pthread_join(s->workers[k], NULL);
    core_unref(c);
    free(s);
}

void signaling_want(struct signaling *s, int64_t w_us)
{
    if (!s)
        return;
    pthread_mutex_lock(&s->core->mu);
    s->core->want_ms = ms_of_us(w_us);
    pthread_cond_signal(&s->core->build_cv);
    pthread_mutex_unlock(&s->core->mu);
}

bool signaling_take(struct signaling *s, uint64_t have, struct signal_set **out)
{
    if (!s || !out)
        return false;
    struct sig_core *c = s->core;
    bool got = false;
    pthread_mutex_lock(&c->mu);
    if (c->latest && c->latest->generation > have) {
        *out = c->latest;
        c->latest = NULL;
        got = true;
    }
    pthread_mutex_unlock(&c->mu);
    return got;
}

int signaling_wait(struct signaling *s, int64_t w_us, int64_t timeout_us)
{
    if (!s)
        return SP_EINVAL;
    struct sig_core *c = s->core;
    int64_t w_ms = ms_of_us(w_us);
    struct timespec end;
    sp_os_cond_now(&end);
    if (timeout_us >= 0) {
        /* capped far beyond any real wait, so that tv_sec cannot overflow */
        int64_t t = timeout_us < INT64_C(1) << 50 ? timeout_us : INT64_C(1) << 50;
        end.tv_sec += (time_t)(t / 1000000);
        end.tv_nsec += (long)(t % 1000000) * 1000L;
        if (end.tv_nsec >= 1000000000L) {
            end.tv_sec++;
            end.tv_nsec -= 1000000000L;
        }
    }
    int rc = 0;
    pthread_mutex_lock(&c->mu);
    c->wait_ms = w_ms;
    if (c->stop_at_bound && c->bound_ms == INT64_MIN && w_ms != INT64_MAX)
        c->bound_ms = w_ms; /* the first wait sets the bound */
    pthread_cond_signal(&c->build_cv);
    while (c->published_until < w_ms && !c->fatal && !c->stop && !c->finished) {
        if (timeout_us < 0) {
            pthread_cond_wait(&c->pub_cv, &c->mu);
        } else if (pthread_cond_timedwait(&c->pub_cv, &c->mu, &end) == ETIMEDOUT) {
            if (c->published_until < w_ms)
                rc = SP_ETIMEOUT;
            break;
        }
    }
    if (rc == 0 && c->published_until < w_ms)
        rc = c->fatal ? c->fatal : c->finished ? SP_ERANGE : SP_ECANCELLED;
    c->wait_ms = INT64_MIN;
    pthread_mutex_unlock(&c->mu);
    return rc;
}

void signaling_progress(const struct signaling *s, struct signaling_progress *out)
{
    if (!out)
        return;
    memset(out, 0, sizeof(*out));
    if (!s)
        return;
    struct sig_core *c = s->core;
    pthread_mutex_lock(&c->mu);
    out->total = c->n;
    out->done = c->done;
    out->failed = c->failed;
    out->finished = c->finished;
    out->from_cache = c->from_cache;
    pthread_mutex_unlock(&c->mu);
}

void signaling_take_diags(struct signaling *s, struct diag_list *dst)
{
    if (!s || !dst)
        return;
    pthread_mutex_lock(&s->core->mu);
    diag_move(dst, &s->core->diag);
    pthread_mutex_unlock(&s->core->mu);
}
