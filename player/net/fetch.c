/* fetch.c - HTTP(S) transfers on one libwebsockets thread, into the cache.
 *
 * Shape: callers create a "dl" (one URL downloading into one cache entry)
 * and wait on it. The fetch thread runs lws_service(); every dl is driven
 * there by dl_step(), which starts one connection at a time for the first
 * missing byte range (the one a reader waits for first), handles the
 * answer in the lws callback, and on the end of each connection decides:
 * next range, retry after backoff, done, or failed.
 *
 * Documents (fetch_get) are many and small, so they do not each open a
 * connection: a dl marked "doc" asks for a slot of its host (struct host)
 * and waits in that host's queue, in submission order, until one of the
 * FETCH_MAX_CONNS_PER_HOST slots is free. Slot i sends through vhost
 * vh_doc[i] with LCCSCF_PIPELINE, which keeps the connection alive after
 * the answer and lets the next request on that vhost to the same endpoint
 * take it over. lws (4.1) queues every pipelined request for an endpoint
 * on the first live connection of its vhost and runs them one after the
 * other, so one vhost per slot, and never more than one request per slot,
 * is what makes 8 run side by side, and what keeps a stalled answer from
 * holding up the requests behind it.
 *
 * Locks: f->lock guards the dl list, each dl's refs and its "shared"
 * fields (want, cancel, st, finished), and f->next_seq; a caller waits
 * for its dl on d->cond with f->lock. Fields marked
 * "fetch thread" (and every struct host) are touched only by the fetch
 * thread. Cache entries have their own lock and never call back into this
 * file.
 */
#include "player/net/fetch.h"

#include "player/net/cache.h"
#include "player/net/loader.h"
#include "base/platform/os_file.h"
#include "base/platform/os_time.h"
#include "base/log.h"
#include "base/sp_error.h"
#include "base/sp_file.h"
#include "player/net/http_parse.h"
#include "player/net/url.h"
#include "sigplay_version.h"

#include <libwebsockets.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <zlib.h>

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static struct sp_log lg = SP_LOG_INIT("fetch");

/* Bytes handed to lws_http_client_read() per call; big reads matter for
 * throughput on fast links. */
#define RX_CHUNK (256 * 1024)
/* Make received bytes durable in the sidecar at least this often (bytes). */
#define CHECKPOINT_BYTES (64ll * 1024 * 1024)
/* Timer period of the fetch thread (timeouts, retries, rates), microseconds. */
#define TICK_US (50 * 1000)
/* A reader waiting ahead of the running connection waits for it rather
 * than starting a new ranged request when the gap would arrive within about
 * a second at the current rate: between these bounds (bytes). */
#define AHEAD_SLACK_MIN (64 * 1024)
#define AHEAD_SLACK_MAX (4 * 1024 * 1024)
#define MAX_URL 8192
/* Largest "scheme://authority" a host is keyed by (longer ones are cut). */
#define HOST_KEY_MAX 320
/* Decoded bytes per inflate() call on a gzip/deflate body. */
#define INFLATE_CHUNK (64 * 1024)
/* Most bytes a gzip/deflate body may decode to when nothing smaller is
 * known (no declared length, no document cap): a few KB of wire bytes can
 * inflate to gigabytes, which would fill the cache's disk. */
#define INFLATE_MAX_BYTES ((int64_t)4 << 30)

struct dl;

/* One scheme://authority documents come from (fetch thread only). */
struct host {
    struct host *next;
    char key[HOST_KEY_MAX];              /* lower-cased */
    bool busy[FETCH_MAX_CONNS_PER_HOST]; /* a request is on that slot */
    /* until when the slot's last connection may still be idling, kept
     * alive for reuse; 0 once it is known closed */
    int64_t warm_until_us[FETCH_MAX_CONNS_PER_HOST];
    struct dl *queue; /* documents waiting for a slot, by seq */
};

struct fetch {
    struct fetch_opts opts; /* strings below are owned copies */
    char *cache_dir;
    char *ca_file;
    struct cache *cache;
    struct lws_context *ctx;
    struct lws_vhost *vh_direct, *vh_http_proxy, *vh_https_proxy;
    struct lws_vhost *vh_doc[FETCH_MAX_CONNS_PER_HOST]; /* document slots, direct */
    char *no_proxy;                                     /* copy of no_proxy/NO_PROXY, or NULL */
    pthread_t thread;
    atomic_bool stop;
    /* fetch_cancel_all() was called: new transfers fail at once with
     * SP_ECANCELLED (a closing class cancels, then waits for the threads
     * that might still start one) */
    atomic_bool cancelled;
    lws_sorted_usec_list_t tick; /* fetch thread */

    pthread_mutex_t lock;
    struct dl *dls;     /* every live dl, in submission order, guarded by lock */
    uint64_t next_seq;  /* lock: submission number of the next dl */
    struct host *hosts; /* fetch thread */

    unsigned char rxbuf[LWS_PRE + RX_CHUNK]; /* fetch thread */
    unsigned char zbuf[INFLATE_CHUNK];       /* fetch thread: inflated bytes */
};

/* What the certificate check said about the server's certificate (fetch
 * thread), for a message that names what is wrong. */
struct tls_fail {
    int err;             /* X509_V_ERR_*, 0: no verification error seen */
    char subject[256];   /* the failing certificate's subject name */
    char issuer[256];    /* and its issuer */
    char not_before[64]; /* validity window, as OpenSSL prints it */
    char not_after[64];
    char names[256]; /* DNS / IP names it is valid for (SAN, else CN) */
};

struct dl {
    struct fetch *f;
    struct dl *next; /* f->dls */
    int refs;        /* f->lock: the caller's and the fetch thread's */
    /* with f->lock: broadcast on every state change of this dl. One per
     * dl, so that eight threads waiting for eight pages are not all woken
     * by each page's every step. */
    pthread_cond_t cond;
    char *url; /* the cache key: the URL as asked for */
    unsigned flags;
    struct cache_entry *entry;
    size_t limit;    /* most bytes accepted (fetch_get), 0: none */
    bool revalidate; /* a complete entry is checked with the server once */
    bool doc;        /* a document: shares its host's slots and connections */
    uint64_t seq;    /* submission number (set under f->lock before the fetch
                        thread sees d, then constant) */

    /* shared, f->lock */
    int64_t want; /* offset a reader waits for, -1 none */
    bool cancel;
    bool reader_waiting;
    bool finished; /* no more work will happen */
    bool attached; /* the fetch thread holds it (refs includes it) */
    struct fetch_status st;

    /* fetch thread */
    struct lws *wsi;
    char *cur_url; /* after redirects */
    char *visited[FETCH_MAX_REDIRECTS + 1];
    int nvisited;
    int64_t start, end, pos; /* this connection: requested [start,end), next byte */
    unsigned gen;
    int tries;
    int64_t deadline_us;
    int64_t retry_at_us;
    bool connected;   /* headers seen on this connection */
    bool sent;        /* the request went out on this connection */
    int64_t begun_us; /* when this connection was asked for */
    bool conditional; /* this connection revalidates a complete entry */
    bool revalidated;
    bool no_range; /* server ignores Range: read sequentially */
    bool sized;    /* this connection's answer told the total */
    bool chunked;  /* this answer is chunked: only its final chunk ends it */
    /* lws_http_client_read() is running for this connection. lws 4.1
     * reports both a chunked body's final chunk and the connection closing
     * as COMPLETED from inside it; only its return value tells them apart
     * (0 after the final chunk, -1 after the close), so a chunked answer's
     * COMPLETED is decided when the read returns (chunk_end_pending) */
    bool in_read;
    bool chunk_end_pending;
    /* a gzip/deflate answer (Content-Encoding) being inflated: d->pos and
     * d->end count wire bytes, dec_pos the decoded bytes stored */
    z_stream *z;
    bool z_done; /* inflate() saw the end of the stream */
    int64_t dec_pos;
    /* the most bytes the entry has held during this download: a retry is
     * charged unless an attempt got past it (bytes received again that
     * were held already are no progress) */
    int64_t best;
    /* the entry's bytes came from an earlier attempt (an earlier process,
     * or a connection that failed): without a validator they cannot be
     * trusted to belong to the file the server has now */
    bool distrust;
    int64_t expect; /* length the caller knows (VideoSize), -1 none */
    /* a stream (fetch_stream_open_expect()): a length other than expect is
     * one warning (st.warning) and the bytes the server sends are still
     * read, so that playback goes on with what there is */
    bool lenient;
    /* this download saw a length other than expect (lenient only): its
     * entry is never marked complete (cache_entry_set_unproven()) */
    bool disproven;
    struct tls_fail tls;
    int64_t since_ckpt;
    int64_t rate_mark_us, rate_mark_bytes;
    int last_err;
    char last_msg[DIAG_MAX_TEXT];
    /* fetch thread, documents only */
    struct host *host; /* whose queue d waits in, or whose slot it holds */
    int slot;          /* the slot held, -1 none */
    bool queued;       /* in host->queue */
    struct dl *qnext;
    bool pipelined;      /* this connection may stay alive after the answer */
    bool reused;         /* sent where a kept-alive connection was idling */
    bool ends_by_length; /* Content-Length ends the body where d->end is */
    bool done_304;       /* a 304 with Content-Length: 0 is completing */
    /* this connection revalidates with "Range: bytes=0-0" + If-Range
     * instead of If-None-Match: see dl_connect() */
    bool probe;
    /* how the entry was found good: the server confirmed the cached copy
     * (304, probe, same validators), or sent new bytes */
    bool confirmed, got_new;
};

/* ---- small helpers ------------------------------------------------------- */

static int64_t now_us(void)
{
    struct timespec ts;
    sp_os_mono_timespec(&ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

bool fetch_is_remote(const char *url)
{
    return !strncasecmp(url, "http://", 7) || !strncasecmp(url, "https://", 8);
}

/* file:// URL or plain path -> a local path (malloc'd), or NULL. */
static char *local_path(const char *url)
{
    char *out = NULL;
    if (url_kind(url) == URL_KIND_FILE)
        return url_to_path(url, &out) ? NULL : out;
    return strdup(url);
}

const char *fetch_state_name(enum fetch_state s)
{
    switch (s) {
    case FETCH_IDLE:
        return "idle";
    case FETCH_CONNECTING:
        return "connecting";
    case FETCH_RECEIVING:
        return "receiving";
    case FETCH_RETRY_WAIT:
        return "waiting to retry";
    case FETCH_DONE:
        return "done";
    case FETCH_FAILED:
        return "failed";
    case FETCH_CANCELLED:
        return "cancelled";
    }
    return "?";
}

static const char *status_text(int status)
{
    switch (status) {
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 410:
        return "Gone";
    case 416:
        return "Range Not Satisfiable";
    case 429:
        return "Too Many Requests";
    case 500:
        return "Internal Server Error";
    case 502:
        return "Bad Gateway";
    case 503:
        return "Service Unavailable";
    case 504:
        return "Gateway Timeout";
    default:
        return "";
    }
}

void fetch_http_message(char *buf, size_t size, const char *url, int status, unsigned flags)
{
    const char *t = status_text(status);
    if ((flags & FETCH_MEDIA) && (status == 403 || status == 404 || status == 410))
        snprintf(buf, size,
                 "%s: HTTP %d%s%s: the media file is gone; without a storage bucket "
                 "configured the recording service keeps files only 3 days",
                 url, status, t[0] ? " " : "", t);
    else
        snprintf(buf, size, "%s: HTTP %d%s%s", url, status, t[0] ? " " : "", t);
}

/* Resolves a Location header against the URL it answered (RFC 3986). */
static char *resolve_location(const char *base, const char *loc)
{
    char *out = NULL;
    return url_resolve(base, loc, &out) ? NULL : out;
}

/* ---- proxies --------------------------------------------------------------- */

static const char *env2(const char *a, const char *b)
{
    const char *v = getenv(a);
    if (!v || !v[0])
        v = getenv(b);
    return v && v[0] ? v : NULL;
}

/* "http://user:pw@host:port/" -> "user:pw@host:port" for lws_set_proxy. */
static char *proxy_address(const char *env)
{
    const char *p = strstr(env, "://");
    p = p ? p + 3 : env;
    size_t n = strcspn(p, "/");
    char *out = malloc(n + 1);
    if (!out)
        return NULL;
    memcpy(out, p, n);
    out[n] = '\0';
    if (!strchr(strrchr(out, '@') ? strrchr(out, '@') : out, ':')) {
        /* lws needs an explicit port; the conventional one for a proxy */
        char *o2 = realloc(out, n + 6);
        if (!o2) {
            free(out);
            return NULL;
        }
        out = o2;
        strcat(out, ":8080");
    }
    return out;
}

/* no_proxy: comma-separated host names (matching themselves and their
 * subdomains, a leading '.' allowed), or "*" for every host. */
static bool no_proxy_match(const char *list, const char *host)
{
    if (!list)
        return false;
    size_t hl = strlen(host);
    const char *p = list;
    while (*p) {
        while (*p == ',' || *p == ' ')
            p++;
        size_t n = strcspn(p, ", ");
        if (!n)
            break;
        const char *e = p;
        size_t en = n;
        if (en == 1 && e[0] == '*')
            return true;
        if (e[0] == '.') {
            e++;
            en--;
        }
        if (en == hl && !strncasecmp(e, host, hl))
            return true;
        if (hl > en && host[hl - en - 1] == '.' && !strncasecmp(host + hl - en, e, en))
            return true;
        p += n;
    }
    return false;
}

/* ---- document slots (fetch thread) ----------------------------------------- */

/* The host record of url ("scheme://authority", lower-cased), created on
 * first use; NULL when out of memory. */
static struct host *host_get(struct fetch *f, const char *url)
{
    char key[HOST_KEY_MAX];
    const char *p = strstr(url, "://");
    size_t n = p ? (size_t)(p + 3 - url) + strcspn(p + 3, "/?#") : strlen(url);
    if (n >= sizeof(key))
        n = sizeof(key) - 1;
    for (size_t i = 0; i < n; i++)
        key[i] = (char)tolower((unsigned char)url[i]);
    key[n] = '\0';
    for (struct host *h = f->hosts; h; h = h->next)
        if (!strcmp(h->key, key))
            return h;
    struct host *h = calloc(1, sizeof(*h));
    if (!h)
        return NULL;
    memcpy(h->key, key, n + 1);
    h->next = f->hosts;
    f->hosts = h;
    return h;
}

static void dl_connect(struct dl *d);

/* Starts queued documents of h while it has free slots, oldest first. The
 * lowest free slot is taken: its connection is the likeliest to be alive. */
static void host_dispatch(struct host *h)
{
    while (h->queue) {
        int s = 0;
        while (s < FETCH_MAX_CONNS_PER_HOST && h->busy[s])
            s++;
        if (s == FETCH_MAX_CONNS_PER_HOST)
            return;
        struct dl *d = h->queue;
        h->queue = d->qnext;
        d->qnext = NULL;
        d->queued = false;
        h->busy[s] = true;
        d->slot = s;
        d->reused = h->warm_until_us[s] > now_us();
        dl_connect(d); /* may end d at once, which dispatches recursively */
    }
}

/* Leaves d's host: out of its queue, its slot freed for the next one. */
static void slot_release(struct dl *d)
{
    struct host *h = d->host;
    if (!h)
        return;
    if (d->queued) {
        for (struct dl **p = &h->queue; *p; p = &(*p)->qnext) {
            if (*p == d) {
                *p = d->qnext;
                break;
            }
        }
        d->queued = false;
        d->qnext = NULL;
    }
    if (d->slot >= 0)
        h->busy[d->slot] = false;
    d->slot = -1;
    d->host = NULL;
    host_dispatch(h);
}

/* ---- dl life --------------------------------------------------------------- */

/* Ends the inflating of this connection's answer, if any (fetch thread). */
static void dl_z_end(struct dl *d)
{
    if (!d->z)
        return;
    inflateEnd(d->z);
    free(d->z);
    d->z = NULL;
    d->z_done = false;
}

static void dl_free(struct dl *d)
{
    dl_z_end(d);
    pthread_cond_destroy(&d->cond);
    cache_entry_release(&d->entry);
    free(d->url);
    free(d->cur_url);
    for (int i = 0; i < d->nvisited; i++)
        free(d->visited[i]);
    free(d);
}

/* Drops one reference (f->lock held); returns true if d was freed. */
static bool dl_unref_locked(struct dl *d)
{
    if (--d->refs > 0)
        return false;
    for (struct dl **p = &d->f->dls; *p; p = &(*p)->next) {
        if (*p == d) {
            *p = d->next;
            break;
        }
    }
    dl_free(d);
    return true;
}

static void wake_fetch_thread(struct fetch *f)
{
    if (f->ctx)
        lws_cancel_service(f->ctx);
}

/* Publishes a state change to waiters. */
static void dl_publish(struct dl *d)
{
    pthread_cond_broadcast(&d->cond);
    cache_entry_wake(d->entry);
}

static void dl_set_state(struct dl *d, enum fetch_state s)
{
    pthread_mutex_lock(&d->f->lock);
    d->st.state = s;
    pthread_mutex_unlock(&d->f->lock);
    dl_publish(d);
}

/* Whether the fetch thread leaves the durable completion of d's entry
 * (fsync, rename, sidecar: the bulk of a small document's cost) to the
 * caller: a document's caller waits for it anyway and does it in its own
 * thread, so that many documents complete in parallel instead of one after
 * the other here. Failures still checkpoint here (what arrived is kept). */
static bool leave_checkpoint_to_caller(const struct dl *d, bool ok)
{
    return d->doc && ok;
}

/* Ends the dl for good (fetch thread). */
static void dl_finish(struct dl *d, enum fetch_state s, int err, const char *msg)
{
    struct cache_info ci;
    if (!leave_checkpoint_to_caller(d, s == FETCH_DONE))
        cache_entry_checkpoint(d->entry);
    cache_entry_info(d->entry, &ci);
    pthread_mutex_lock(&d->f->lock);
    d->st.state = s;
    d->st.err = err;
    d->st.have = ci.have;
    d->st.total = ci.length;
    if (msg)
        snprintf(d->st.message, sizeof(d->st.message), "%s", msg);
    d->finished = true;
    pthread_mutex_unlock(&d->f->lock);
    if (s == FETCH_FAILED)
        SP_DBG(&lg, "%s", msg ? msg : "failed");
    dl_publish(d);
    slot_release(d);
}

/* Detaches the current connection from d; closes it unless it is the
 * connection whose callback is running (that one returns -1 instead). */
static void dl_detach(struct dl *d, struct lws *running)
{
    if (!d->wsi)
        return;
    lws_set_opaque_user_data(d->wsi, NULL);
    dl_z_end(d);
    if (d->wsi != running)
        lws_set_timeout(d->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
    d->wsi = NULL;
    d->connected = false;
    if (d->host && d->slot >= 0)
        d->host->warm_until_us[d->slot] = 0; /* this connection is closing */
}

/* The answer on wsi is complete and the connection can carry the next
 * request of d's slot: d lets go of it without closing it (lws keeps it
 * idle for FETCH_KEEP_WARM_SECS); the caller then ends the connection
 * with dl_conn_end() and returns 0 from the callback. */
static void dl_keep_alive(struct dl *d, struct lws *wsi)
{
    lws_set_opaque_user_data(wsi, NULL);
    d->wsi = NULL;
    d->connected = false;
    if (d->host && d->slot >= 0)
        d->host->warm_until_us[d->slot] =
            now_us() + (int64_t)FETCH_KEEP_WARM_SECS * 1000000 - TICK_US;
}

enum conn_end { END_NEXT, END_RETRY, END_FAIL, END_DONE };

/* The current connection is over (fetch thread). */
static void dl_conn_end(struct dl *d, struct lws *running, enum conn_end how, int err,
                        const char *msg)
{
    dl_detach(d, running);
    if (!leave_checkpoint_to_caller(d, how == END_NEXT || how == END_DONE))
        cache_entry_checkpoint(d->entry);
    d->since_ckpt = 0;
    switch (how) {
    case END_NEXT:
        d->retry_at_us = now_us();
        dl_set_state(d, FETCH_IDLE);
        break;
    case END_RETRY:
        d->tries++;
        d->distrust = true; /* what this attempt left is checked again */
        d->last_err = err;
        snprintf(d->last_msg, sizeof(d->last_msg), "%s", msg ? msg : "failed");
        if (d->tries >= d->f->opts.max_tries) {
            char m[DIAG_MAX_TEXT];
            snprintf(m, sizeof(m), "%.400s (gave up after %d tries)", d->last_msg, d->tries);
            dl_finish(d, FETCH_FAILED, err, m);
            break;
        }
        int64_t delay = d->f->opts.backoff_us << (d->tries - 1);
        d->retry_at_us = now_us() + delay;
        SP_INFO(&lg, "%s; retrying in %lld ms (%d/%d)", d->last_msg, (long long)(delay / 1000),
                d->tries + 1, d->f->opts.max_tries);
        dl_set_state(d, FETCH_RETRY_WAIT);
        break;
    case END_FAIL:
        dl_finish(d, FETCH_FAILED, err, msg);
        break;
    case END_DONE:
        dl_finish(d, FETCH_DONE, 0, NULL);
        break;
    }
    slot_release(d); /* a next request of d queues again */
    wake_fetch_thread(d->f);
}

/* ---- connections ----------------------------------------------------------- */

static struct lws_vhost *vhost_for(struct fetch *f, bool tls, const char *host)
{
    struct lws_vhost *vh = tls ? f->vh_https_proxy : f->vh_http_proxy;
    if (!vh || no_proxy_match(f->no_proxy, host))
        return f->vh_direct;
    return vh;
}

static void dl_connect(struct dl *d)
{
    struct fetch *f = d->f;
    char buf[MAX_URL];
    if (strlen(d->cur_url) >= sizeof(buf)) {
        dl_finish(d, FETCH_FAILED, SP_ELIMIT, "URL too long");
        return;
    }
    strcpy(buf, d->cur_url);
    const char *prot, *ads, *path;
    int port;
    if (lws_parse_uri(buf, &prot, &ads, &port, &path) || !ads[0]) {
        char m[DIAG_MAX_TEXT];
        snprintf(m, sizeof(m), "%.300s: not a valid URL", d->cur_url);
        dl_finish(d, FETCH_FAILED, SP_EINVAL, m);
        return;
    }
    bool tls = !strcasecmp(prot, "https");
    char host[300], fullpath[MAX_URL + 2];
    if ((tls && port == 443) || (!tls && port == 80))
        snprintf(host, sizeof(host), "%s", ads);
    else
        snprintf(host, sizeof(host), "%s:%d", ads, port);
    snprintf(fullpath, sizeof(fullpath), "/%s", path);

    struct lws_client_connect_info ci;
    memset(&ci, 0, sizeof(ci));
    ci.context = f->ctx;
    ci.vhost = vhost_for(f, tls, ads);
    /* documents on direct connections keep them alive; through a proxy
     * every request tunnels on a connection of its own */
    d->pipelined = d->slot >= 0 && ci.vhost == f->vh_direct;
    d->ends_by_length = false;
    d->done_304 = false;
    /* A 304 without Content-Length (nginx sends none) ends the connection:
     * lws 4.1 then reads a body until the server closes (docs/fetch.md).
     * On a kept-alive document connection the check is asked as a one-byte
     * range under If-Range instead: unchanged comes back 206 with
     * Content-Length: 1, changed 200 with the document, both of a known
     * length, so the connection carries the next page. If-Range needs a
     * strong ETag (RFC 9110 13.1.5); otherwise, and through a proxy, the
     * classic If-None-Match is sent. */
    d->probe = false;
    if (d->conditional && d->pipelined) {
        struct cache_info inf;
        cache_entry_info(d->entry, &inf);
        d->probe = inf.length > 0 && inf.etag[0] && strncmp(inf.etag, "W/", 2) != 0;
    }
    if (d->pipelined)
        ci.vhost = f->vh_doc[d->slot];
    ci.address = ads;
    ci.port = port;
    ci.path = fullpath;
    ci.host = host;
    ci.origin = host;
    ci.method = "GET";
    ci.protocol = "sigplay-fetch";
    ci.local_protocol_name = "sigplay-fetch";
    ci.alpn = "http/1.1";
    ci.opaque_user_data = d;
    ci.ssl_connection = LCCSCF_HTTP_NO_FOLLOW_REDIRECT;
    if (d->pipelined) {
        ci.ssl_connection |= LCCSCF_PIPELINE;
        ci.keep_warm_secs = FETCH_KEEP_WARM_SECS;
        /* lws 4.1 finds the live connection to reuse by comparing its Host
         * with the new request's address, so a Host with ":port" in it
         * would never match: the Host of a document sent on a non-default
         * port carries the name only. */
        ci.host = ads;
    }
    if (tls) {
        ci.ssl_connection |= LCCSCF_USE_SSL;
        if (f->opts.insecure)
            ci.ssl_connection |= LCCSCF_ALLOW_SELFSIGNED | LCCSCF_SKIP_SERVER_CERT_HOSTNAME_CHECK |
                                 LCCSCF_ALLOW_EXPIRED | LCCSCF_ALLOW_INSECURE;
    }
    d->connected = false;
    d->sent = false;
    d->sized = false;
    d->chunked = false;
    d->in_read = false;
    d->chunk_end_pending = false;
    memset(&d->tls, 0, sizeof(d->tls));
    d->begun_us = now_us();
    d->deadline_us = d->begun_us + f->opts.connect_timeout_us;
    d->retry_at_us = 0;
    dl_set_state(d, FETCH_CONNECTING);
    SP_DBG(&lg, "GET %s bytes %lld-%lld%s%s", d->cur_url, (long long)d->start, (long long)d->end,
           d->probe         ? " (revalidate, If-Range)"
           : d->conditional ? " (revalidate)"
                            : "",
           d->pipelined ? (d->reused ? " (kept-alive slot)" : " (new slot connection)") : "");
    struct lws *w = lws_client_connect_via_info(&ci);
    if (w && !d->finished && d->st.state == FETCH_CONNECTING && d->retry_at_us == 0)
        d->wsi = w;
    else if (!w && d->retry_at_us == 0 && !d->finished && d->st.state == FETCH_CONNECTING) {
        /* failed before any callback could say why */
        char m[DIAG_MAX_TEXT];
        snprintf(m, sizeof(m), "%.300s: could not connect", d->cur_url);
        dl_conn_end(d, NULL, END_FAIL, SP_ENET, m);
    }
}

/* Starts the next request of d: a document waits for a slot of its host,
 * anything else connects at once. */
static void dl_request(struct dl *d)
{
    if (!d->doc) {
        dl_connect(d);
        return;
    }
    struct host *h = host_get(d->f, d->cur_url);
    if (!h) {
        dl_finish(d, FETCH_FAILED, SP_ENOMEM, "out of memory");
        return;
    }
    d->host = h;
    struct dl **p = &h->queue;
    while (*p && (*p)->seq < d->seq)
        p = &(*p)->qnext;
    d->qnext = *p;
    *p = d;
    d->queued = true;
    host_dispatch(h);
}

/* The request went out, no complete headers came, and about the connect
 * timeout has passed: a header timeout, whoever noticed it first (lws's
 * own timers are set to fire after ours, fetch_create(), but a close in
 * the last second is still named for what it is). */
static bool headers_timed_out(const struct dl *d)
{
    int64_t waited_us = now_us() - d->begun_us;
    return d->sent && !d->connected && waited_us + 1000000 >= d->f->opts.connect_timeout_us;
}

static void header_timeout_message(const struct dl *d, char *m, size_t size)
{
    snprintf(m, size,
             "%.300s: timed out waiting for the answer's headers (%.1f s, the connect "
             "timeout)",
             d->cur_url, d->f->opts.connect_timeout_us / 1e6);
}

/* Decides what d does next (fetch thread). */
static void dl_step(struct dl *d)
{
    struct fetch *f = d->f;
    pthread_mutex_lock(&f->lock);
    bool cancel = d->cancel, finished = d->finished;
    int64_t want = d->want;
    double rate = d->st.rate;
    pthread_mutex_unlock(&f->lock);
    int64_t slack = rate > AHEAD_SLACK_MAX ? AHEAD_SLACK_MAX : (int64_t)rate;
    if (slack < AHEAD_SLACK_MIN)
        slack = AHEAD_SLACK_MIN;
    if (finished)
        return;
    if (cancel) {
        dl_detach(d, NULL);
        dl_finish(d, FETCH_CANCELLED, SP_ECANCELLED, "cancelled");
        return;
    }
    if (d->queued)
        return; /* waiting for a slot; no timeout runs before the request */
    int64_t now = now_us();
    if (d->wsi) {
        if (now > d->deadline_us) {
            char m[DIAG_MAX_TEXT];
            if (d->connected)
                snprintf(m, sizeof(m), "%.300s: timed out: no data for %.1f s", d->cur_url,
                         f->opts.idle_timeout_us / 1e6);
            else if (d->sent)
                header_timeout_message(d, m, sizeof(m));
            else
                snprintf(m, sizeof(m), "%.300s: timed out connecting (%.1f s)", d->cur_url,
                         f->opts.connect_timeout_us / 1e6);
            dl_conn_end(d, NULL, END_FAIL, SP_ETIMEOUT, m);
            return;
        }
        if (want >= 0 && !d->no_range && d->connected && !d->conditional &&
            cache_entry_avail(d->entry, want) == 0 &&
            !(want >= d->pos && want < d->pos + slack && (d->end < 0 || want < d->end))) {
            /* a reader jumped elsewhere: serve it first */
            SP_DBG(&lg, "%s: reader wants %lld, connection at %lld: restarting", d->url,
                   (long long)want, (long long)d->pos);
            dl_conn_end(d, NULL, END_NEXT, 0, NULL);
        }
        return;
    }
    if (d->retry_at_us && now < d->retry_at_us)
        return;

    struct cache_info ci;
    cache_entry_info(d->entry, &ci);
    if (d->expect >= 0 && ci.length >= 0 && ci.length != d->expect && !d->disproven) {
        /* complete by the server's word, or partial from a server that
         * said another length (a stream that played what there was), but
         * not the length the recording gives: not proven, so fetched
         * again */
        SP_INFO(&lg, "%s: cached copy has %lld bytes, %lld expected: fetching it again", d->url,
                (long long)ci.length, (long long)d->expect);
        d->gen = cache_entry_reset(d->entry);
        cache_entry_info(d->entry, &ci);
    }
    if (!ci.complete && d->distrust && ci.have > 0 && !ci.etag[0] && !ci.last_modified[0]) {
        /* bytes from an earlier attempt and no validator to prove the
         * file is still the same: a resume could join two files */
        SP_DBG(&lg, "%s: no ETag or Last-Modified for the %lld bytes held: starting over", d->url,
               (long long)ci.have);
        d->gen = cache_entry_reset(d->entry);
        d->pos = 0;
        cache_entry_info(d->entry, &ci);
    }
    d->distrust = false;
    if (ci.complete) {
        if (d->revalidate && !d->revalidated) {
            d->conditional = true;
            d->start = 0;
            d->end = -1;
            dl_request(d);
        } else
            dl_finish(d, FETCH_DONE, 0, NULL);
        return;
    }
    d->conditional = false;
    int64_t from = (want >= 0 && cache_entry_avail(d->entry, want) == 0) ? want : d->pos;
    int64_t gap_end;
    int64_t gap = cache_entry_next_gap(d->entry, from, &gap_end);
    if (gap < 0)
        gap = cache_entry_next_gap(d->entry, 0, &gap_end);
    if (gap < 0) {
        /* every byte of a known length is here: make it complete */
        if (leave_checkpoint_to_caller(d, true)) {
            dl_finish(d, FETCH_DONE, 0, NULL); /* fetch_get() completes it */
            return;
        }
        cache_entry_checkpoint(d->entry);
        cache_entry_info(d->entry, &ci);
        if (ci.complete)
            dl_finish(d, FETCH_DONE, 0, NULL);
        else if (d->disproven)
            /* every byte the server said it has, but not the recording's
             * length: readable to its end, never complete */
            dl_finish(d, FETCH_FAILED, SP_ERANGE, d->st.warning); /* only this thread writes it */
        else
            dl_finish(d, FETCH_FAILED, SP_EIO, "could not complete the cache entry");
        return;
    }
    if (d->no_range) {
        gap = 0;
        gap_end = -1;
    }
    d->start = d->pos = gap;
    d->end = gap_end;
    dl_request(d);
}

static void service_all(struct fetch *f)
{
    /* A snapshot of the attached dls (each held by a reference) under the
     * lock, in submission order so that documents queue for their host's
     * slots in that order; then each is stepped without the lock. */
    struct dl *stack[64], **todo = stack;
    size_t n = 0, cap = 64;
    pthread_mutex_lock(&f->lock);
    for (struct dl *d = f->dls; d; d = d->next)
        if (d->attached)
            n++;
    if (n > cap) {
        struct dl **big = malloc(n * sizeof(*big));
        if (big) {
            todo = big;
            cap = n;
        }
    }
    n = 0;
    for (struct dl *d = f->dls; d && n < cap; d = d->next) {
        if (d->attached) {
            d->refs++;
            todo[n++] = d;
        }
    }
    pthread_mutex_unlock(&f->lock);
    for (size_t i = 0; i < n; i++)
        dl_step(todo[i]);
    /* release the fetch thread's hold on finished dls */
    pthread_mutex_lock(&f->lock);
    for (size_t i = 0; i < n; i++) {
        struct dl *d = todo[i];
        if (d->finished && d->attached && !d->wsi) {
            d->attached = false;
            d->refs--; /* the attachment reference; d lives on (todo ref) */
        }
        dl_unref_locked(d);
    }
    pthread_mutex_unlock(&f->lock);
    if (todo != stack)
        free(todo);
}

static void update_rates(struct fetch *f)
{
    int64_t now = now_us();
    pthread_mutex_lock(&f->lock);
    for (struct dl *d = f->dls; d; d = d->next) {
        if (!d->attached)
            continue;
        int64_t dt = now - d->rate_mark_us;
        if (dt < 500000)
            continue;
        double r = (double)(d->st.received - d->rate_mark_bytes) * 1e6 / (double)dt;
        d->st.rate = d->st.rate > 0 ? 0.5 * d->st.rate + 0.5 * r : r;
        d->rate_mark_us = now;
        d->rate_mark_bytes = d->st.received;
    }
    pthread_mutex_unlock(&f->lock);
}

static void tick_cb(lws_sorted_usec_list_t *sul)
{
    struct fetch *f = lws_container_of(sul, struct fetch, tick);
    update_rates(f);
    service_all(f);
    lws_sul_schedule(f->ctx, 0, &f->tick, tick_cb, TICK_US);
}

/* ---- the lws callback ------------------------------------------------------ */

static int hdr(struct lws *wsi, enum lws_token_indexes t, char *buf, int size)
{
    buf[0] = '\0';
    if (lws_hdr_total_length(wsi, t) <= 0 || lws_hdr_total_length(wsi, t) >= size)
        return -1;
    return lws_hdr_copy(wsi, buf, size, t) < 0 ? -1 : 0;
}

static int on_redirect(struct dl *d, struct lws *wsi, int status)
{
    char loc[MAX_URL], m[DIAG_MAX_TEXT];
    if (hdr(wsi, WSI_TOKEN_HTTP_LOCATION, loc, sizeof(loc))) {
        snprintf(m, sizeof(m), "%.300s: HTTP %d redirect without a Location", d->cur_url, status);
        dl_conn_end(d, wsi, END_FAIL, SP_EHTTP, m);
        return -1;
    }
    char *next = resolve_location(d->cur_url, loc);
    if (!next) {
        dl_conn_end(d, wsi, END_FAIL, SP_ENOMEM, "out of memory");
        return -1;
    }
    if (!fetch_is_remote(next)) {
        snprintf(m, sizeof(m), "%.300s: redirect to a non-HTTP URL refused", d->url);
        free(next);
        dl_conn_end(d, wsi, END_FAIL, SP_EHTTP, m);
        return -1;
    }
    bool loop = !strcmp(next, d->url);
    for (int i = 0; i < d->nvisited && !loop; i++)
        loop = !strcmp(d->visited[i], next);
    if (loop || d->nvisited >= FETCH_MAX_REDIRECTS) {
        if (loop)
            snprintf(m, sizeof(m), "%.200s: redirect loop (back to %.200s)", d->url, next);
        else
            snprintf(m, sizeof(m), "%.300s: more than %d redirects", d->url, FETCH_MAX_REDIRECTS);
        free(next);
        dl_conn_end(d, wsi, END_FAIL, SP_EHTTP, m);
        return -1;
    }
    d->visited[d->nvisited++] = next;
    free(d->cur_url);
    d->cur_url = strdup(next);
    if (!d->cur_url) {
        dl_conn_end(d, wsi, END_FAIL, SP_ENOMEM, "out of memory");
        return -1;
    }
    SP_DBG(&lg, "%s: redirected to %s", d->url, next);
    dl_conn_end(d, wsi, END_NEXT, 0, NULL);
    return -1;
}

/* The line for a length that is not the one the caller knows (VideoSize
 * of a recording's media, an image's announced size) into m. */
static void expect_message(const struct dl *d, int64_t length, char *m, size_t size)
{
    snprintf(m, size, "%.300s: %lld bytes, but the recording says %lld (%s); %s", d->url,
             (long long)length, (long long)d->expect,
             (d->flags & FETCH_MEDIA) ? "VideoSize" : "its size",
             length < d->expect ? "the file is short (an interrupted copy or download?)"
                                : "the file is not the one recorded");
}

/* A stream's length (announced, or where its body ended) is not the one
 * expected: said once, in st.warning; the entry is never completed; the
 * bytes go on being read (fetch_stream_open_expect()). */
static void disprove(struct dl *d, int64_t length)
{
    if (d->disproven)
        return;
    d->disproven = true;
    cache_entry_set_unproven(d->entry);
    char m[DIAG_MAX_TEXT];
    expect_message(d, length, m, sizeof(m));
    SP_DBG(&lg, "%s", m);
    pthread_mutex_lock(&d->f->lock);
    snprintf(d->st.warning, sizeof(d->st.warning), "%.400s; played as far as it goes", m);
    pthread_mutex_unlock(&d->f->lock);
}

/* Content-Range -> a, b, N (http_parse_content_range()). */
static bool parse_content_range(const char *s, int64_t *a, int64_t *b, int64_t *n)
{
    return http_parse_content_range(s, a, b, n) == 0;
}

/* The 206 answer to a probe (dl_connect()): the cached copy is the
 * server's when the range starts at 0, the total is the cached length and
 * the ETag is the cached one (a server that ignores If-Range but honours
 * Range is caught by the ETag). Either way the one byte is read and
 * dropped so that lws ends the answer by its length and keeps the
 * connection; a changed document is then fetched whole (END_NEXT). */
static int on_probe_206(struct dl *d, struct lws *wsi, const char *cl)
{
    char cr[128], etag[CACHE_MAX_VALIDATOR];
    hdr(wsi, WSI_TOKEN_HTTP_CONTENT_RANGE, cr, sizeof(cr));
    hdr(wsi, WSI_TOKEN_HTTP_ETAG, etag, sizeof(etag));
    struct cache_info ci;
    cache_entry_info(d->entry, &ci);
    int64_t a = -1, b = -1, total = -1;
    bool same = parse_content_range(cr, &a, &b, &total) && a == 0 && total == ci.length &&
                etag[0] && !strcmp(etag, ci.etag);
    d->revalidated = true;
    if (same)
        d->confirmed = true;
    else {
        SP_DBG(&lg, "%s: changed on the server (If-Range answer %s, ETag %s)", d->url, cr, etag);
        cache_entry_reset(d->entry);
        d->conditional = false;
    }
    char *end;
    long long clen = cl[0] ? strtoll(cl, &end, 10) : -1;
    if (a != 0 || b < a || clen != b - a + 1 || b - a + 1 > 64) {
        /* not the small answer asked for: not worth reading */
        dl_conn_end(d, wsi, END_NEXT, 0, NULL);
        return -1;
    }
    d->pos = 0;
    d->end = b + 1;
    d->sized = true;
    d->ends_by_length = true;
    dl_set_state(d, FETCH_RECEIVING);
    return 0;
}

static int on_headers(struct dl *d, struct lws *wsi)
{
    struct fetch *f = d->f;
    int status = (int)lws_http_client_http_response(wsi);
    char m[DIAG_MAX_TEXT];
    pthread_mutex_lock(&f->lock);
    d->st.http_status = status;
    pthread_mutex_unlock(&f->lock);
    d->connected = true;
    d->deadline_us = now_us() + (int64_t)f->opts.idle_timeout_us;

    if (status == 301 || status == 302 || status == 303 || status == 307 || status == 308)
        return on_redirect(d, wsi, status);
    char cr[128], cl[64], etag[CACHE_MAX_VALIDATOR], lm[CACHE_MAX_VALIDATOR];
    hdr(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH, cl, sizeof(cl));
    if (d->probe && status == 206)
        return on_probe_206(d, wsi, cl);
    hdr(wsi, WSI_TOKEN_HTTP_ETAG, etag, sizeof(etag));
    hdr(wsi, WSI_TOKEN_HTTP_LAST_MODIFIED, lm, sizeof(lm));
    d->probe = false; /* any other answer is read as to a plain conditional GET */
    if (status == 304 && d->conditional) {
        d->revalidated = true;
        d->confirmed = true;
        if (d->pipelined && !strcmp(cl, "0")) {
            /* lws completes a transaction with an explicit zero length
             * right after this callback; the connection stays usable */
            d->done_304 = true;
            return 0;
        }
        /* without a length lws would read a body until the server closes:
         * this connection ends here */
        dl_conn_end(d, wsi, END_DONE, 0, NULL);
        return -1;
    }
    hdr(wsi, WSI_TOKEN_HTTP_CONTENT_RANGE, cr, sizeof(cr));
    int64_t a = -1, b = -1, total = -1;
    if (status == 416) {
        struct cache_info ci;
        cache_entry_info(d->entry, &ci);
        bool known = parse_content_range(cr, &a, &b, &total) && total >= 0;
        if (known && ((ci.have == total && cache_entry_avail(d->entry, 0) == total) ||
                      (d->start >= total && ci.etag[0]))) {
            /* we already hold every byte, or asked (under If-Range, for
             * the same ETag) past the end the server now gives: the
             * announced length was wrong */
            SP_INFO(&lg, "%s: server corrected its length to %lld bytes", d->url, (long long)total);
            if (d->lenient && d->expect >= 0 && total != d->expect)
                disprove(d, total);
            cache_entry_set_length(d->entry, total);
            dl_conn_end(d, wsi, END_NEXT, 0, NULL);
            return -1;
        }
        cache_entry_reset(d->entry);
        d->pos = 0;
        snprintf(m, sizeof(m), "%.300s: HTTP 416 for a range of a changed file", d->url);
        dl_conn_end(d, wsi, END_RETRY, SP_EHTTP, m);
        return -1;
    }
    if (status >= 500) {
        fetch_http_message(m, sizeof(m), d->url, status, d->flags);
        dl_conn_end(d, wsi, END_RETRY, SP_EHTTP, m);
        return -1;
    }
    if (status != 200 && status != 206) {
        fetch_http_message(m, sizeof(m), d->url, status, d->flags);
        dl_conn_end(d, wsi, END_FAIL, status == 404 || status == 410 ? SP_ENOENT : SP_EHTTP, m);
        return -1;
    }
    int64_t clen = -1;
    if (cl[0] && http_parse_content_length(cl, &clen) != 0) {
        snprintf(m, sizeof(m), "%.300s: invalid Content-Length \"%.40s\"", d->url, cl);
        dl_conn_end(d, wsi, END_RETRY, SP_EHTTP, m);
        return -1;
    }
    char te[64], ce[64];
    hdr(wsi, WSI_TOKEN_HTTP_TRANSFER_ENCODING, te, sizeof(te));
    hdr(wsi, WSI_TOKEN_HTTP_CONTENT_ENCODING, ce, sizeof(ce));
    d->chunked = http_is_chunked(te);
    SP_DBG(&lg,
           "%s: HTTP %d, Content-Length \"%s\", Transfer-Encoding \"%s\", "
           "Content-Encoding \"%s\"",
           d->url, status, cl, te, ce);
    int enc = http_content_encoding(ce);
    if (enc < 0) {
        snprintf(m, sizeof(m),
                 "%.300s: server sent Content-Encoding \"%.40s\", which sigplay "
                 "cannot decode (it asked for identity)",
                 d->url, ce);
        dl_conn_end(d, wsi, END_FAIL, SP_EUNSUPPORTED, m);
        return -1;
    }
    if (enc > 0) {
        /* asked for identity, got gzip or deflate anyway: inflated here.
         * Ranges of a compressed representation say nothing about the
         * decoded bytes, so it is always read whole, from 0. */
        if (status == 206 || d->start > 0) {
            d->gen = cache_entry_reset(d->entry);
            d->pos = 0;
            snprintf(m, sizeof(m), "%.300s: compressed answer to a ranged request", d->url);
            dl_conn_end(d, wsi, END_RETRY, SP_EHTTP, m);
            return -1;
        }
        d->z = calloc(1, sizeof(*d->z));
        if (!d->z || inflateInit2(d->z, 15 + 32) != Z_OK) { /* +32: gzip or zlib */
            free(d->z);
            d->z = NULL;
            dl_conn_end(d, wsi, END_FAIL, SP_ENOMEM, "out of memory");
            return -1;
        }
        d->z_done = false;
        d->dec_pos = 0;
        d->gen = cache_entry_reset(d->entry);
        /* the answer's validators, no length: the decoded size is known
         * only at the end of the stream (body_done()) */
        if (cache_entry_set_info(d->entry, -1, etag, lm, &d->gen)) {
            dl_conn_end(d, wsi, END_FAIL, SP_EIO, "cannot write the cache sidecar");
            return -1;
        }
        d->pos = 0;
        d->end = clen;
        d->sized = false;
        d->ends_by_length = clen >= 0;
        d->conditional = false;
        d->revalidated = true;
        d->got_new = true;
        dl_set_state(d, FETCH_RECEIVING);
        return 0;
    }
    if (status == 206) {
        if (!parse_content_range(cr, &a, &b, &total) || a != d->start) {
            snprintf(m, sizeof(m), "%.300s: server sent the wrong range (%s)", d->url, cr);
            dl_conn_end(d, wsi, END_FAIL, SP_EHTTP, m);
            return -1;
        }
        d->pos = a;
        d->end = b + 1;
    } else {
        if (d->start > 0 || d->end >= 0) {
            /* Range ignored, or If-Range said the file changed */
            SP_DBG(&lg, "%s: full answer to a ranged request; reading from 0", d->url);
            if (d->start > 0)
                d->no_range = true;
        }
        total = clen;
        d->pos = 0;
        d->end = total;
    }
    d->sized = total >= 0;
    /* lws ends the transaction (COMPLETED) when Content-Length bytes came;
     * only when that is where this request ends can the connection be
     * handed on at that point */
    d->ends_by_length = clen >= 0 && d->end >= 0 && d->pos + clen == d->end;
    if (d->expect >= 0 && total >= 0 && total != d->expect) {
        if (!d->lenient) {
            expect_message(d, total, m, sizeof(m));
            dl_conn_end(d, wsi, END_FAIL, SP_ERANGE, m);
            return -1;
        }
        disprove(d, total); /* read on: the stream plays what there is */
    }
    if (d->limit && total > (int64_t)d->limit) {
        snprintf(m, sizeof(m), "%.300s: %lld bytes, more than the %zu allowed", d->url,
                 (long long)total, d->limit);
        dl_conn_end(d, wsi, END_FAIL, SP_ELIMIT, m);
        return -1;
    }
    if (d->conditional) {
        /* New content for a complete entry: replace it unless the
         * validators prove it is the same. */
        struct cache_info ci;
        cache_entry_info(d->entry, &ci);
        bool same = (etag[0] && !strcmp(etag, ci.etag)) ||
                    (!etag[0] && lm[0] && !strcmp(lm, ci.last_modified));
        d->revalidated = true;
        if (same && (total < 0 || total == ci.length)) {
            d->confirmed = true;
            dl_conn_end(d, wsi, END_DONE, 0, NULL);
            return -1;
        }
        cache_entry_reset(d->entry);
        d->conditional = false;
    }
    if (cache_entry_set_info(d->entry, total, etag, lm, &d->gen)) {
        dl_conn_end(d, wsi, END_FAIL, SP_EIO, "cannot write the cache sidecar");
        return -1;
    }
    /* bytes straight from the server: once complete they need no second,
     * conditional request */
    d->revalidated = true;
    d->got_new = true;
    dl_set_state(d, FETCH_RECEIVING);
    return 0;
}

/* Stores len bytes (decoded) at offset `at` of the entry. Returns 0, or
 * -1 when the connection was ended (the callback returns -1). */
static int store(struct dl *d, struct lws *wsi, int64_t at, const void *data, size_t len)
{
    char m[DIAG_MAX_TEXT];
    if (d->limit && at + (int64_t)len > (int64_t)d->limit) {
        snprintf(m, sizeof(m), "%.300s: more than the %zu bytes allowed", d->url, d->limit);
        dl_conn_end(d, wsi, END_FAIL, SP_ELIMIT, m);
        return -1;
    }
    int r = cache_entry_write(d->entry, d->gen, at, data, len);
    if (r == SP_ECANCELLED) {
        /* the entry was reset under us (validator changed): start over */
        dl_conn_end(d, wsi, END_NEXT, 0, NULL);
        return -1;
    }
    if (r) {
        snprintf(m, sizeof(m), "%.300s: cannot write the cache: %s", d->url, sp_strerror(r));
        dl_conn_end(d, wsi, END_FAIL, r == SP_ERANGE ? SP_EHTTP : r, m);
        return -1;
    }
    struct cache_info ci;
    cache_entry_info(d->entry, &ci);
    if (ci.have > d->best) {
        /* past anything held before: the retry budget is per stall */
        d->best = ci.have;
        d->tries = 0;
    }
    d->since_ckpt += (int64_t)len;
    if (d->since_ckpt >= CHECKPOINT_BYTES) {
        cache_entry_checkpoint(d->entry);
        d->since_ckpt = 0;
    }
    return 0;
}

/* Inflates len wire bytes of a gzip/deflate answer into the entry.
 * Returns 0 or -1 as store(). */
static int inflate_body(struct dl *d, struct lws *wsi, const void *data, size_t len)
{
    struct fetch *f = d->f;
    z_stream *z = d->z;
    z->next_in = (Bytef *)data;
    z->avail_in = (uInt)len;
    while (z->avail_in > 0 && !d->z_done) {
        bool at_start = z->total_in == 0;
        z->next_out = f->zbuf;
        z->avail_out = sizeof(f->zbuf);
        int zr = inflate(z, Z_NO_FLUSH);
        if (zr == Z_DATA_ERROR && at_start && z->total_out == 0) {
            /* "deflate" sent raw, without the zlib wrapper HTTP asks for
             * (RFC 9110 8.4.1.2): many servers do; read it as such */
            z->next_in = (Bytef *)data;
            z->avail_in = (uInt)len;
            if (inflateReset2(z, -15) != Z_OK)
                break;
            continue;
        }
        size_t produced = sizeof(f->zbuf) - z->avail_out;
        /* the cap: the recording's declared length, else the caller's
           limit for a document, else INFLATE_MAX_BYTES */
        int64_t cap = d->expect >= 0 ? d->expect : d->limit ? (int64_t)d->limit : INFLATE_MAX_BYTES;
        if (d->dec_pos + (int64_t)produced > cap) {
            char m[DIAG_MAX_TEXT];
            snprintf(m, sizeof(m),
                     "%.300s: the server's compressed (Content-Encoding) body decodes to more "
                     "than %lld bytes (%s); refused",
                     d->url, (long long)cap,
                     d->expect >= 0 ? "the length the recording gives"
                     : d->limit     ? "the limit for this document"
                                    : "the limit for a compressed body");
            d->gen = cache_entry_reset(d->entry);
            dl_conn_end(d, wsi, END_FAIL, d->expect >= 0 ? SP_ERANGE : SP_ELIMIT, m);
            return -1;
        }
        if (produced) {
            if (store(d, wsi, d->dec_pos, f->zbuf, produced))
                return -1;
            d->dec_pos += (int64_t)produced;
        }
        if (zr == Z_STREAM_END) {
            d->z_done = true;
            break;
        }
        if (zr != Z_OK && !(zr == Z_BUF_ERROR && z->avail_in == 0)) {
            char m[DIAG_MAX_TEXT];
            snprintf(m, sizeof(m), "%.300s: the server's compressed (%s) body is damaged: %s",
                     d->url, "Content-Encoding", z->msg ? z->msg : "inflate failed");
            d->gen = cache_entry_reset(d->entry);
            dl_conn_end(d, wsi, END_FAIL, SP_EDECODE, m);
            return -1;
        }
    }
    return 0;
}

/* The answer's framing says its body is complete (Content-Length reached,
 * or the final chunk came). Decides how the connection ends: END_NEXT,
 * or END_FAIL with *err and m set (a compressed stream cut short, or a
 * length that is not the one expected). */
static enum conn_end body_done(struct dl *d, int *err, char *m, size_t size)
{
    int64_t length = -1;
    if (d->z) {
        if (!d->z_done) {
            snprintf(m, size, "%.300s: the compressed body ended before its stream did", d->url);
            d->gen = cache_entry_reset(d->entry);
            *err = SP_EDECODE;
            return END_FAIL;
        }
        length = d->dec_pos;
    } else if (!d->sized)
        length = d->pos; /* chunked: the final chunk says where it ends */
    if (length >= 0) {
        if (d->expect >= 0 && length != d->expect && d->lenient) {
            disprove(d, length); /* its bytes stay readable, its end known */
        } else if (d->expect >= 0 && length != d->expect) {
            expect_message(d, length, m, size);
            d->gen = cache_entry_reset(d->entry);
            *err = SP_ERANGE;
            return END_FAIL;
        }
        struct cache_info ci;
        cache_entry_info(d->entry, &ci);
        unsigned g;
        cache_entry_set_info(d->entry, length, ci.etag, ci.last_modified, &g);
    }
    return END_NEXT;
}

static int on_body(struct dl *d, struct lws *wsi, const void *data, size_t len)
{
    struct fetch *f = d->f;
    char m[DIAG_MAX_TEXT];
    if (d->end >= 0 && d->pos + (int64_t)len > d->end) {
        snprintf(m, sizeof(m), "%.300s: server sent more bytes than it announced", d->url);
        dl_conn_end(d, wsi, END_FAIL, SP_EHTTP, m);
        return -1;
    }
    if (d->probe) {
        /* the probe's byte: dropped, only its end matters (on_complete()) */
        d->pos += (int64_t)len;
        d->deadline_us = now_us() + (int64_t)f->opts.idle_timeout_us;
        return 0;
    }
    if (d->z ? inflate_body(d, wsi, data, len) : store(d, wsi, d->pos, data, len))
        return -1;
    d->pos += (int64_t)len;
    d->deadline_us = now_us() + (int64_t)f->opts.idle_timeout_us;
    pthread_mutex_lock(&f->lock);
    d->st.received += (int64_t)len;
    pthread_mutex_unlock(&f->lock);
    if (d->end >= 0 && d->pos >= d->end) {
        if (d->pipelined && d->ends_by_length)
            return 0; /* COMPLETED follows at once: on_complete() */
        int err = 0;
        enum conn_end how = body_done(d, &err, m, sizeof(m));
        dl_conn_end(d, wsi, how, err, m);
        return -1;
    }
    return 0;
}

/* The connection ended before the body's end was proven: a chunked body
 * without its final chunk, or a body with no length at all (which only
 * the server closing ends, and a cut looks the same). */
static void unproven_end(struct dl *d, struct lws *wsi)
{
    char m[DIAG_MAX_TEXT];
    if (d->chunked)
        snprintf(m, sizeof(m),
                 "%.300s: connection closed after %lld bytes, before the final chunk "
                 "(the body is incomplete)",
                 d->url, (long long)d->pos);
    else
        snprintf(m, sizeof(m),
                 "%.300s: connection closed after %lld bytes of a body with no "
                 "Content-Length (its end cannot be proven)",
                 d->url, (long long)d->pos);
    dl_conn_end(d, wsi, END_RETRY, SP_ENET, m);
}

static int on_complete(struct dl *d, struct lws *wsi)
{
    if (d->probe) {
        /* unchanged: the entry is complete and revalidated, so the next
         * step finishes; changed: the entry was reset, the next step
         * fetches it whole, on this same connection */
        d->probe = false;
        dl_keep_alive(d, wsi);
        dl_conn_end(d, NULL, END_NEXT, 0, NULL);
        return 0;
    }
    if (d->pipelined && d->done_304) {
        dl_keep_alive(d, wsi);
        dl_conn_end(d, NULL, END_DONE, 0, NULL);
        return 0;
    }
    char m[DIAG_MAX_TEXT];
    if (d->end >= 0 && d->pos < d->end) {
        snprintf(m, sizeof(m), "%.300s: connection closed after %lld of %lld bytes", d->url,
                 (long long)d->pos, (long long)d->end);
        dl_conn_end(d, wsi, END_RETRY, SP_ENET, m);
        return -1;
    }
    if (d->end < 0) {
        if (d->chunked && d->in_read) {
            d->chunk_end_pending = true; /* decided in fetch_cb() */
            return 0;
        }
        unproven_end(d, wsi);
        return -1;
    }
    int err = 0;
    m[0] = '\0';
    enum conn_end how = body_done(d, &err, m, sizeof(m));
    if (how == END_NEXT && d->pipelined && d->ends_by_length) {
        /* the whole answer is in: the connection goes on to the next
         * request of this slot, or idles until one comes */
        dl_keep_alive(d, wsi);
        dl_conn_end(d, NULL, END_NEXT, 0, NULL);
        return 0;
    }
    dl_conn_end(d, wsi, how, err, m);
    return -1;
}

static bool contains_ci(const char *s, const char *needle)
{
    size_t n = strlen(needle);
    for (; *s; s++)
        if (!strncasecmp(s, needle, n))
            return true;
    return false;
}

static bool is_tls_error(const char *s)
{
    return s && (contains_ci(s, "ssl") || contains_ci(s, "tls") || contains_ci(s, "certif") ||
                 contains_ci(s, "verif"));
}

/* asn1 time -> "2026-01-02 03:04:05 UTC" (OpenSSL's own words if that fails). */
static void asn1_time_text(const ASN1_TIME *t, char *buf, size_t size)
{
    struct tm tm;
    buf[0] = '\0';
    if (t && ASN1_TIME_to_tm(t, &tm) == 1) {
        strftime(buf, size, "%Y-%m-%d %H:%M:%S UTC", &tm);
        return;
    }
    snprintf(buf, size, "?");
}

/* The names a certificate is for: its DNS and IP subjectAltNames, else its
 * common name. */
static void cert_names(X509 *cert, char *buf, size_t size)
{
    buf[0] = '\0';
    size_t used = 0;
    GENERAL_NAMES *sans = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
    for (int i = 0; sans && i < sk_GENERAL_NAME_num(sans); i++) {
        const GENERAL_NAME *g = sk_GENERAL_NAME_value(sans, i);
        char one[64] = "";
        if (g->type == GEN_DNS) {
            const unsigned char *p = ASN1_STRING_get0_data(g->d.dNSName);
            int n = ASN1_STRING_length(g->d.dNSName);
            snprintf(one, sizeof(one), "%.*s", n > 60 ? 60 : n, (const char *)p);
        } else if (g->type == GEN_IPADD && ASN1_STRING_length(g->d.iPAddress) == 4) {
            const unsigned char *p = ASN1_STRING_get0_data(g->d.iPAddress);
            snprintf(one, sizeof(one), "%u.%u.%u.%u", p[0], p[1], p[2], p[3]);
        }
        if (one[0] && used + strlen(one) + 3 < size)
            used += (size_t)snprintf(buf + used, size - used, "%s%s", used ? ", " : "", one);
    }
    GENERAL_NAMES_free(sans);
    if (!buf[0])
        X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, buf, (int)size);
}

/* OpenSSL's certificate check of a connection of d (fetch thread): the
 * first error seen is kept, with the certificate it is about, so that the
 * failure can be named (tls_message()). Never changes the verdict. */
static void on_cert_verify(struct dl *d, X509_STORE_CTX *x, int ok)
{
    if (ok || d->tls.err)
        return;
    d->tls.err = X509_STORE_CTX_get_error(x);
    X509 *cert = X509_STORE_CTX_get_current_cert(x);
    if (!cert)
        return;
    X509_NAME_oneline(X509_get_subject_name(cert), d->tls.subject, sizeof(d->tls.subject));
    X509_NAME_oneline(X509_get_issuer_name(cert), d->tls.issuer, sizeof(d->tls.issuer));
    asn1_time_text(X509_get0_notBefore(cert), d->tls.not_before, sizeof(d->tls.not_before));
    asn1_time_text(X509_get0_notAfter(cert), d->tls.not_after, sizeof(d->tls.not_after));
    cert_names(cert, d->tls.names, sizeof(d->tls.names));
}

/* The one line for a failed TLS handshake of d: what is wrong with the
 * certificate, naming the host and, where it matters, the validity
 * window; why is lws's text when the check said nothing. */
/* snprintf into a diagnostic line, with a cut shown: a URL and a certificate
 * name can outgrow the line, and a line that ends mid-word should say it
 * was cut ("..."), not look complete. */
__attribute__((format(printf, 3, 4))) static void msg_line(char *m, size_t size, const char *fmt,
                                                           ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(m, size, fmt, ap);
    va_end(ap);
    if (n >= 0 && (size_t)n >= size && size > 4)
        memcpy(m + size - 4, "...", 4);
}

static void tls_message(const struct dl *d, const char *why, char *m, size_t size)
{
    char host[256] = "";
    const char *p = strstr(d->cur_url, "://");
    p = p ? p + 3 : d->cur_url;
    snprintf(host, sizeof(host), "%.*s", (int)strcspn(p, "/?#"), p);
    const struct tls_fail *t = &d->tls;
    const char *ca = d->f->ca_file;
    switch (t->err) {
    case X509_V_ERR_CERT_HAS_EXPIRED:
        msg_line(m, size,
                 "%.200s: TLS: the certificate of %.100s expired on %s (valid from %s to %s); "
                 "the server must renew it, or this machine's clock is wrong",
                 d->cur_url, host, t->not_after, t->not_before, t->not_after);
        return;
    case X509_V_ERR_CERT_NOT_YET_VALID:
        msg_line(m, size,
                 "%.200s: TLS: the certificate of %.100s is not valid before %s (valid from %s "
                 "to %s); this machine's clock is probably behind",
                 d->cur_url, host, t->not_before, t->not_before, t->not_after);
        return;
    case X509_V_ERR_HOSTNAME_MISMATCH:
    case X509_V_ERR_IP_ADDRESS_MISMATCH:
        msg_line(m, size,
                 "%.200s: TLS: the certificate is for %.150s, not for %.100s (wrong host, or a "
                 "proxy in the way)",
                 d->cur_url, t->names[0] ? t->names : t->subject, host);
        return;
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
        if (ca)
            msg_line(m, size,
                     "%.200s: TLS: the certificate of %.100s is signed by %.150s, which neither "
                     "the system's CAs nor --ca-file %.200s trust",
                     d->cur_url, host, t->issuer, ca);
        else
            msg_line(m, size,
                     "%.200s: TLS: the certificate of %.100s is signed by an unknown authority "
                     "(%.150s); for a private CA use --ca-file FILE, or --insecure",
                     d->cur_url, host, t->issuer);
        return;
    default:
        break;
    }
    if (t->err)
        msg_line(m, size, "%.250s: TLS: the certificate of %.100s was refused: %s", d->cur_url,
                 host, X509_verify_cert_error_string(t->err));
    else
        msg_line(m, size, "%.250s: TLS handshake failed%s [%.80s]", d->cur_url,
                 ca ? "" : " (for a private CA use --ca-file FILE, or --insecure)", why);
}

static int fetch_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len)
{
    struct fetch *f = wsi ? lws_context_user(lws_get_context(wsi)) : NULL;
    struct dl *d = NULL;
    char m[DIAG_MAX_TEXT];

    switch (reason) {
    case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
        if (f)
            service_all(f);
        return 0;

    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
        d = lws_get_opaque_user_data(wsi);
        if (!d)
            return 0;
        d->wsi = wsi;
        if (d->reused && !d->connected) {
            /* sent on a kept-alive connection the server had closed
             * meanwhile: again on a fresh one, not counted as a try */
            SP_DBG(&lg, "%s: kept-alive connection gone; reconnecting", d->cur_url);
            d->reused = false;
            dl_conn_end(d, wsi, END_NEXT, 0, NULL);
            return 0;
        }
        {
            const char *why = in ? (const char *)in : "connection failed";
            if (d->tls.err || is_tls_error(why)) {
                tls_message(d, why, m, sizeof(m));
                dl_conn_end(d, wsi, END_FAIL, SP_ETLS, m);
            } else if (d->connected) {
                snprintf(m, sizeof(m), "%.300s: connection lost: %.120s", d->cur_url, why);
                dl_conn_end(d, wsi, END_RETRY, SP_ENET, m);
            } else if (headers_timed_out(d)) {
                header_timeout_message(d, m, sizeof(m));
                dl_conn_end(d, wsi, END_FAIL, SP_ETIMEOUT, m);
            } else {
                snprintf(m, sizeof(m), "%.300s: cannot connect: %.120s", d->cur_url, why);
                dl_conn_end(d, wsi, END_FAIL, SP_ENET, m);
            }
        }
        return 0;

    case LWS_CALLBACK_OPENSSL_PERFORM_SERVER_CERT_VERIFICATION:
        /* user: the X509_STORE_CTX, len: OpenSSL's verdict so far */
        d = wsi ? lws_get_opaque_user_data(wsi) : NULL;
        if (d && user)
            on_cert_verify(d, user, (int)len);
        return 0;

    case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER: {
        d = lws_get_opaque_user_data(wsi);
        if (!d)
            return 0;
        unsigned char **p = (unsigned char **)in, *end = (*p) + len;
        char v[CACHE_MAX_VALIDATOR + 64];
        struct cache_info ci;
        cache_entry_info(d->entry, &ci);
        int n = snprintf(v, sizeof(v), "sigplay/%s", SIGPLAY_VERSION);
        if (lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_USER_AGENT, (unsigned char *)v, n, p,
                                         end))
            return -1;
        /* bytes as stored, so that ranges and lengths are of the file
         * itself; a server that compresses anyway is inflated (on_headers) */
        static const char identity[] = "identity";
        if (lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_ACCEPT_ENCODING,
                                         (unsigned char *)identity, (int)strlen(identity), p, end))
            return -1;
        d->sent = true;
        if (d->probe) {
            static const char one[] = "bytes=0-0";
            if (lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_RANGE, (unsigned char *)one,
                                             (int)strlen(one), p, end) ||
                lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_IF_RANGE, (unsigned char *)ci.etag,
                                             (int)strlen(ci.etag), p, end))
                return -1;
            return 0;
        }
        if (d->conditional) {
            if (ci.etag[0] && lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_IF_NONE_MATCH,
                                                           (unsigned char *)ci.etag,
                                                           (int)strlen(ci.etag), p, end))
                return -1;
            if (ci.last_modified[0] &&
                lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_IF_MODIFIED_SINCE,
                                             (unsigned char *)ci.last_modified,
                                             (int)strlen(ci.last_modified), p, end))
                return -1;
            return 0;
        }
        if (d->start > 0 || d->end >= 0) {
            if (d->end >= 0)
                n = snprintf(v, sizeof(v), "bytes=%lld-%lld", (long long)d->start,
                             (long long)d->end - 1);
            else
                n = snprintf(v, sizeof(v), "bytes=%lld-", (long long)d->start);
            if (lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_RANGE, (unsigned char *)v, n, p,
                                             end))
                return -1;
            /* only when the stored bytes have a validator: otherwise a
             * changed file could be stitched to old bytes */
            const char *ir = ci.etag[0] ? ci.etag : ci.last_modified;
            if (ci.have > 0 && ir[0] &&
                lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_IF_RANGE, (unsigned char *)ir,
                                             (int)strlen(ir), p, end))
                return -1;
        }
        return 0;
    }

    case LWS_CALLBACK_ESTABLISHED_CLIENT_HTTP:
        d = lws_get_opaque_user_data(wsi);
        if (!d)
            return -1;
        d->wsi = wsi;
        return on_headers(d, wsi);

    case LWS_CALLBACK_RECEIVE_CLIENT_HTTP: {
        d = lws_get_opaque_user_data(wsi);
        if (!d)
            return -1;
        char *px = (char *)f->rxbuf + LWS_PRE;
        int lenx = RX_CHUNK;
        d->in_read = true;
        int rr = lws_http_client_read(wsi, &px, &lenx);
        /* d may have ended (and been detached) inside the read */
        if (lws_get_opaque_user_data(wsi) == d) {
            d->in_read = false;
            if (d->chunk_end_pending) {
                d->chunk_end_pending = false;
                if (rr < 0) {
                    unproven_end(d, wsi); /* the close, not the final chunk */
                } else {
                    int err = 0;
                    m[0] = '\0';
                    enum conn_end how = body_done(d, &err, m, sizeof(m));
                    dl_conn_end(d, wsi, how, err, m);
                }
                return -1;
            }
        }
        if (rr < 0)
            return -1;
        return 0;
    }

    case LWS_CALLBACK_RECEIVE_CLIENT_HTTP_READ:
        d = lws_get_opaque_user_data(wsi);
        if (!d)
            return -1;
        return on_body(d, wsi, in, len);

    case LWS_CALLBACK_COMPLETED_CLIENT_HTTP:
        d = lws_get_opaque_user_data(wsi);
        if (!d)
            return -1;
        return on_complete(d, wsi);

    case LWS_CALLBACK_CLOSED_CLIENT_HTTP:
        d = lws_get_opaque_user_data(wsi);
        if (!d)
            return 0;
        if (d->reused && !d->connected) {
            SP_DBG(&lg, "%s: kept-alive connection closed; reconnecting", d->cur_url);
            d->reused = false;
            dl_conn_end(d, wsi, END_NEXT, 0, NULL);
        } else if (d->end >= 0 && d->pos >= d->end && d->connected) {
            int err = 0;
            m[0] = '\0';
            enum conn_end how = body_done(d, &err, m, sizeof(m));
            dl_conn_end(d, wsi, how, err, m);
        } else if (d->connected && d->end < 0) {
            unproven_end(d, wsi);
        } else if (headers_timed_out(d)) {
            /* lws's own timer closed a connection whose headers never
             * ended (trickled): say so, not "closed early" */
            header_timeout_message(d, m, sizeof(m));
            dl_conn_end(d, wsi, END_FAIL, SP_ETIMEOUT, m);
        } else {
            if (d->end >= 0)
                snprintf(m, sizeof(m), "%.300s: connection closed after %lld of %lld bytes", d->url,
                         (long long)d->pos, (long long)d->end);
            else
                snprintf(m, sizeof(m), "%.300s: connection closed early", d->url);
            dl_conn_end(d, wsi, END_RETRY, SP_ENET, m);
        }
        return 0;

    default:
        break;
    }
    return lws_callback_http_dummy(wsi, reason, user, in, len);
}

static const struct lws_protocols protocols[] = {
    {"sigplay-fetch", fetch_cb, 0, RX_CHUNK, 0, NULL, 0}, {NULL, NULL, 0, 0, 0, NULL, 0}};

/* ---- the thread and the object -------------------------------------------- */

static void lws_log_to_ours(int level, const char *line)
{
    size_t n = strlen(line);
    while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        n--;
    SP_DBG(&lg, "lws(%d): %.*s", level, (int)n, line);
}

static void *fetch_thread(void *arg)
{
    struct fetch *f = arg;
    lws_sul_schedule(f->ctx, 0, &f->tick, tick_cb, TICK_US);
    while (!atomic_load(&f->stop))
        if (lws_service(f->ctx, 0) < 0)
            break;
    /* close whatever is still connected */
    pthread_mutex_lock(&f->lock);
    for (struct dl *d = f->dls; d; d = d->next)
        d->cancel = true;
    pthread_mutex_unlock(&f->lock);
    service_all(f);
    lws_sul_cancel(&f->tick);
    return NULL;
}

void fetch_opts_init(struct fetch_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->connect_timeout_us = FETCH_DEFAULT_CONNECT_TIMEOUT_US;
    o->idle_timeout_us = FETCH_DEFAULT_IDLE_TIMEOUT_US;
    o->max_tries = FETCH_DEFAULT_MAX_TRIES;
    o->backoff_us = FETCH_DEFAULT_BACKOFF_US;
}

static struct lws_vhost *make_vhost(struct fetch *f, const char *name, const char *proxy)
{
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof(info));
    info.port = CONTEXT_PORT_NO_LISTEN;
    info.protocols = protocols;
    info.vhost_name = name;
    info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
    info.client_ssl_ca_filepath = f->ca_file;
    info.connect_timeout_secs = (unsigned)((f->opts.connect_timeout_us + 999999) / 1000000) + 1;
    /* "" (not NULL) keeps lws from reading http_proxy by itself */
    info.http_proxy_address = proxy ? proxy : "";
    info.user = f;
    return lws_create_vhost(f->ctx, &info);
}

/* Whether path holds at least one PEM certificate, and nothing before the
 * first that is not PEM text (OpenSSL itself would skip anything). */
static bool ca_file_is_pem(const char *path)
{
    BIO *b = BIO_new_file(path, "r");
    if (!b)
        return false;
    X509 *x = PEM_read_bio_X509(b, NULL, NULL, NULL);
    bool ok = x != NULL;
    X509_free(x);
    BIO_free(b);
    ERR_clear_error(); /* nothing of this attempt for a later caller */
    return ok;
}

/* libwebsockets' log level is one global: set once per process, not by
 * every client (`verify --jobs` starts one client per recording, on
 * several threads at once). */
static pthread_once_t lws_log_once = PTHREAD_ONCE_INIT;

static void lws_log_setup(void)
{
    lws_set_log_level(sp_log_get_level() >= SP_LOG_DEBUG ? LLL_ERR | LLL_WARN : 0, lws_log_to_ours);
}

int fetch_create(const struct fetch_opts *opts, struct fetch **out, struct diag_list *diag)
{
    *out = NULL;
    struct fetch *f = calloc(1, sizeof(*f));
    if (!f)
        return SP_ENOMEM;
    if (opts)
        f->opts = *opts;
    else
        fetch_opts_init(&f->opts);
    struct fetch_opts def;
    fetch_opts_init(&def);
    if (f->opts.connect_timeout_us <= 0)
        f->opts.connect_timeout_us = def.connect_timeout_us;
    if (f->opts.idle_timeout_us <= 0)
        f->opts.idle_timeout_us = def.idle_timeout_us;
    if (f->opts.max_tries <= 0)
        f->opts.max_tries = def.max_tries;
    if (f->opts.backoff_us < 0)
        f->opts.backoff_us = def.backoff_us;
    pthread_mutex_init(&f->lock, NULL);
    atomic_init(&f->stop, false);
    atomic_init(&f->cancelled, false);
    int ret = 0;
    char dirbuf[4096];
    const char *dir = f->opts.cache_dir;
    if (!f->opts.no_cache && !dir) {
        if (cache_default_dir(dirbuf, sizeof(dirbuf))) {
            diag_add(diag, DIAG_ERROR,
                     "cache: neither XDG_CACHE_HOME nor HOME is set "
                     "(use --cache-dir DIR or --no-cache)");
            ret = SP_EIO;
            goto fail;
        }
        dir = dirbuf;
    }
    ret = cache_open(dir, f->opts.cache_cap, f->opts.no_cache, &f->cache);
    if (ret) {
        diag_add(diag, DIAG_ERROR, "%s: cannot use as cache directory: %s",
                 dir ? dir : "temporary cache", sp_strerror(ret));
        goto fail;
    }
    f->cache_dir = strdup(cache_dir(f->cache));
    f->opts.cache_dir = f->cache_dir;
    if (f->opts.ca_file) {
        if (!sp_os_readable(f->opts.ca_file)) {
            diag_add(diag, DIAG_ERROR, "%s: cannot read CA file", f->opts.ca_file);
            ret = SP_ETLS;
            goto fail;
        }
        if (!ca_file_is_pem(f->opts.ca_file)) {
            diag_add(diag, DIAG_ERROR,
                     "%s: not a PEM CA file (no -----BEGIN CERTIFICATE----- block that parses); "
                     "convert a DER file with: openssl x509 -inform der -in FILE -out FILE.pem",
                     f->opts.ca_file);
            ret = SP_ETLS;
            goto fail;
        }
        f->ca_file = strdup(f->opts.ca_file);
        f->opts.ca_file = f->ca_file;
    }
    cache_trim(f->cache);

    pthread_once(&lws_log_once, lws_log_setup);
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof(info));
    info.port = CONTEXT_PORT_NO_LISTEN;
    info.options = LWS_SERVER_OPTION_EXPLICIT_VHOSTS | LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
    info.pt_serv_buf_size = RX_CHUNK;
    info.user = f;
    /* media streams, FETCH_MAX_CONNS_PER_HOST document connections per
     * host and the kept-alive ones idling */
    info.fd_limit_per_thread = 256;
    /* lws's own wait for an answer's headers (the context's timeout_secs,
     * 5 s in Debian's lws 4.1 when left 0) closed a connection whose
     * headers trickle before our connect timeout could name it, and the
     * line said "connection closed early". Ours decide: lws's come later. */
    int64_t ours_us = f->opts.connect_timeout_us > f->opts.idle_timeout_us
                          ? f->opts.connect_timeout_us
                          : f->opts.idle_timeout_us;
    info.timeout_secs = (unsigned)((ours_us + 999999) / 1000000) + 2;
    f->ctx = lws_create_context(&info);
    if (!f->ctx) {
        diag_add(diag, DIAG_ERROR, "network: cannot start the HTTP client");
        ret = SP_ENET;
        goto fail;
    }
    char *hp = NULL, *hsp = NULL;
    const char *e = env2("http_proxy", "HTTP_PROXY");
    if (e)
        hp = proxy_address(e);
    e = env2("https_proxy", "HTTPS_PROXY");
    if (e)
        hsp = proxy_address(e);
    e = env2("no_proxy", "NO_PROXY");
    if (e)
        f->no_proxy = strdup(e);
    f->vh_direct = make_vhost(f, "direct", NULL);
    bool docs_ok = true;
    for (int i = 0; i < FETCH_MAX_CONNS_PER_HOST && f->vh_direct; i++) {
        char name[16];
        snprintf(name, sizeof(name), "doc%d", i);
        f->vh_doc[i] = make_vhost(f, name, NULL);
        docs_ok = docs_ok && f->vh_doc[i];
    }
    if (f->vh_direct && hp)
        f->vh_http_proxy = make_vhost(f, "http-proxy", hp);
    if (f->vh_direct && hsp)
        f->vh_https_proxy = make_vhost(f, "https-proxy", hsp);
    bool vh_ok =
        f->vh_direct && docs_ok && (!hp || f->vh_http_proxy) && (!hsp || f->vh_https_proxy);
    free(hp);
    free(hsp);
    if (!vh_ok) {
        if (f->ca_file)
            diag_add(diag, DIAG_ERROR, "%s: not a usable PEM CA file", f->ca_file);
        else
            diag_add(diag, DIAG_ERROR, "network: cannot set up TLS / proxy");
        ret = f->ca_file ? SP_ETLS : SP_ENET;
        goto fail;
    }
    if (pthread_create(&f->thread, NULL, fetch_thread, f) != 0) {
        ret = SP_ENOMEM;
        goto fail;
    }
    *out = f;
    return 0;
fail:
    if (f->ctx)
        lws_context_destroy(f->ctx);
    cache_close(&f->cache);
    free(f->cache_dir);
    free(f->ca_file);
    free(f->no_proxy);
    pthread_mutex_destroy(&f->lock);
    free(f);
    return ret;
}

void fetch_destroy(struct fetch **pf)
{
    if (!pf || !*pf)
        return;
    struct fetch *f = *pf;
    *pf = NULL;
    atomic_store(&f->stop, true);
    lws_cancel_service(f->ctx);
    pthread_join(f->thread, NULL);
    lws_context_destroy(f->ctx);
    f->ctx = NULL;
    pthread_mutex_lock(&f->lock);
    while (f->dls) {
        struct dl *d = f->dls;
        f->dls = d->next;
        SP_WARN(&lg, "%s: transfer still open at shutdown", d->url);
        dl_free(d);
    }
    pthread_mutex_unlock(&f->lock);
    while (f->hosts) {
        struct host *h = f->hosts;
        f->hosts = h->next;
        free(h);
    }
    cache_close(&f->cache);
    free(f->cache_dir);
    free(f->ca_file);
    free(f->no_proxy);
    pthread_mutex_destroy(&f->lock);
    free(f);
}

void fetch_cancel_all(struct fetch *f)
{
    if (!f)
        return;
    atomic_store(&f->cancelled, true);
    pthread_mutex_lock(&f->lock);
    for (struct dl *d = f->dls; d; d = d->next)
        d->cancel = true;
    pthread_mutex_unlock(&f->lock);
    wake_fetch_thread(f);
}

struct cache *fetch_cache(struct fetch *f)
{
    return f->cache;
}

/* ---- caller side ----------------------------------------------------------- */

/* no_store: cache_entry_open_no_store() (a new document is not stored). */
static int dl_new_entry(struct fetch *f, const char *url, unsigned flags, bool no_store,
                        struct dl **out)
{
    *out = NULL;
    if (atomic_load(&f->cancelled))
        return SP_ECANCELLED;
    struct dl *d = calloc(1, sizeof(*d));
    if (!d)
        return SP_ENOMEM;
    d->f = f;
    pthread_cond_init(&d->cond, NULL);
    d->flags = flags;
    d->want = -1;
    d->slot = -1;
    d->st.total = -1;
    d->url = strdup(url);
    d->cur_url = strdup(url);
    if (!d->url || !d->cur_url) {
        dl_free(d);
        return SP_ENOMEM;
    }
    int r = no_store ? cache_entry_open_no_store(f->cache, url, &d->entry)
                     : cache_entry_open(f->cache, url, &d->entry);
    if (r) {
        dl_free(d);
        return r;
    }
    d->rate_mark_us = now_us();
    d->expect = -1;
    struct cache_info ci;
    cache_entry_info(d->entry, &ci);
    d->best = ci.have;
    d->distrust = ci.have > 0 && !ci.complete;
    *out = d;
    return 0;
}

static int dl_new(struct fetch *f, const char *url, unsigned flags, struct dl **out)
{
    return dl_new_entry(f, url, flags, false, out);
}

/* Hands d to the fetch thread; the caller keeps one reference. */
static void dl_submit(struct dl *d)
{
    struct fetch *f = d->f;
    pthread_mutex_lock(&f->lock);
    d->refs = 2;
    d->attached = true;
    d->seq = f->next_seq++;
    d->next = NULL;
    /* appended: the fetch thread steps dls in submission order */
    struct dl **p = &f->dls;
    while (*p)
        p = &(*p)->next;
    *p = d;
    pthread_mutex_unlock(&f->lock);
    wake_fetch_thread(f);
}

static void dl_release(struct dl *d)
{
    struct fetch *f = d->f;
    pthread_mutex_lock(&f->lock);
    d->cancel = true;
    dl_unref_locked(d);
    pthread_mutex_unlock(&f->lock);
    wake_fetch_thread(f);
}

static void dl_status(struct dl *d, struct fetch_status *out)
{
    struct cache_info ci;
    cache_entry_info(d->entry, &ci);
    pthread_mutex_lock(&d->f->lock);
    *out = d->st;
    out->have = ci.have;
    out->total = ci.length;
    out->buffering = d->reader_waiting;
    pthread_mutex_unlock(&d->f->lock);
}

/* Waits until d finishes; calls progress every ~200 ms. */
static void dl_wait(struct dl *d, fetch_progress_fn progress, void *opaque)
{
    struct fetch *f = d->f;
    int64_t next_report = 0;
    for (;;) {
        pthread_mutex_lock(&f->lock);
        bool fin = d->finished;
        if (!fin) {
            struct timespec ts = sp_os_wall_deadline_us(200000);
            pthread_cond_timedwait(&d->cond, &f->lock, &ts);
            fin = d->finished;
        }
        pthread_mutex_unlock(&f->lock);
        if (progress && (fin || now_us() >= next_report)) {
            struct fetch_status st;
            dl_status(d, &st);
            progress(opaque, &st);
            next_report = now_us() + 200000;
        }
        if (fin)
            return;
    }
}

static int read_entry(struct cache_entry *e, size_t max_bytes, char **data, size_t *len)
{
    struct cache_info ci;
    cache_entry_info(e, &ci);
    if (!ci.complete)
        return SP_EIO;
    if ((uint64_t)ci.length > max_bytes)
        return SP_ELIMIT;
    char *buf = malloc((size_t)ci.length + 1);
    if (!buf)
        return SP_ENOMEM;
    int64_t got = 0;
    while (got < ci.length) {
        int64_t n = cache_entry_read(e, got, buf + got, (size_t)(ci.length - got));
        if (n <= 0) {
            free(buf);
            return SP_EIO;
        }
        got += n;
    }
    buf[got] = '\0';
    *data = buf;
    if (len)
        *len = (size_t)got;
    return 0;
}

/* The complete cached copy of url, no request (SP_LOAD_CACHED_ONLY). A
 * URL with nothing held opens a scratch entry, so asking leaves no file. */
static int get_cached(struct fetch *f, const char *url, size_t max_bytes, char **data, size_t *len)
{
    struct cache_entry *e;
    int r = cache_entry_open_no_store(f->cache, url, &e);
    if (r)
        return r;
    struct cache_info ci;
    cache_entry_info(e, &ci);
    r = ci.complete ? read_entry(e, max_bytes, data, len) : SP_ENOENT;
    cache_entry_release(&e);
    return r;
}

int fetch_get_ex(struct fetch *f, const char *url, size_t max_bytes, unsigned flags, char **data,
                 size_t *len, enum sp_doc_origin *origin, struct diag_list *diag)
{
    *data = NULL;
    if (len)
        *len = 0;
    if (origin)
        *origin = SP_DOC_UNKNOWN;
    if (!fetch_is_remote(url)) {
        /* local documents: the core's file loader, paths made into URLs */
        char *furl = NULL;
        if (url_kind(url) == URL_KIND_PATH) {
            int r = url_from_path(url, &furl);
            if (r) {
                diag_add(diag, DIAG_ERROR, "%s: %s", url, sp_strerror(r));
                return r;
            }
        }
        size_t l = 0;
        int r = sp_loader_get(NULL, furl ? furl : url, max_bytes, data, &l, diag);
        free(furl);
        if (len)
            *len = l;
        if (!r && origin)
            *origin = SP_DOC_LOCAL;
        return r;
    }
    if (flags & SP_LOAD_CACHED_ONLY) {
        int r = get_cached(f, url, max_bytes, data, len);
        if (!r && origin)
            *origin = SP_DOC_CACHED;
        else if (r && r != SP_ENOENT)
            diag_add(diag, DIAG_ERROR, "%.300s: cached copy: %s", url, sp_strerror(r));
        return r;
    }
    /* SP_LOAD_NO_STORE: a copy held already is revalidated and kept as
     * usual; a new one is not written (the three files of an entry,
     * created per page, cost more than its download) */
    struct dl *d;
    int r = dl_new_entry(f, url, 0, (flags & SP_LOAD_NO_STORE) != 0, &d);
    if (r) {
        diag_add(diag, DIAG_ERROR, "%.300s: %s", url, sp_strerror(r));
        return r;
    }
    d->limit = max_bytes;
    d->revalidate = true;
    d->doc = true;
    /* the body stays in memory on the fetch thread; this thread writes it
     * to the cache once it is whole (cache.h: documents) */
    cache_entry_hold_in_memory(d->entry, max_bytes);
    dl_submit(d);
    dl_wait(d, NULL, NULL);
    struct fetch_status st;
    dl_status(d, &st);
    if (st.state == FETCH_DONE) {
        /* every byte is in: write the entry here, in the caller's thread
         * (see leave_checkpoint_to_caller()) */
        r = cache_entry_checkpoint(d->entry);
        if (!r && cache_entry_is_scratch(d->entry)) {
            /* the body is the caller's now, no copy (d->limit bounded it) */
            size_t l = 0;
            r = cache_entry_take_memory(d->entry, data, &l);
            if (r)
                r = SP_EIO; /* not complete: cannot happen after FETCH_DONE */
            else if (len)
                *len = l;
        } else if (!r)
            r = read_entry(d->entry, max_bytes, data, len);
        if (r)
            diag_add(diag, DIAG_ERROR, "%.300s: %s", url, sp_strerror(r));
        else if (origin) {
            /* fetch thread fields, read after it finished with d */
            pthread_mutex_lock(&f->lock);
            *origin = d->got_new ? SP_DOC_NETWORK : d->confirmed ? SP_DOC_VALIDATED : SP_DOC_CACHED;
            pthread_mutex_unlock(&f->lock);
        }
    } else {
        struct cache_info ci;
        cache_entry_info(d->entry, &ci);
        r = st.err ? st.err : SP_ENET;
        if (ci.complete && (r == SP_ENET || r == SP_ETIMEOUT) &&
            read_entry(d->entry, max_bytes, data, len) == 0) {
            diag_add(diag, DIAG_INFO, "%s (using the cached copy)", st.message);
            r = 0;
            if (origin)
                *origin = SP_DOC_STALE;
        } else
            diag_add(diag, DIAG_ERROR, "%s", st.message[0] ? st.message : sp_strerror(r));
    }
    dl_release(d);
    return r;
}

int fetch_get(struct fetch *f, const char *url, size_t max_bytes, char **data, size_t *len,
              struct diag_list *diag)
{
    return fetch_get_ex(f, url, max_bytes, 0, data, len, NULL, diag);
}

int fetch_get_cached(struct fetch *f, const char *url, size_t max_bytes, char **data, size_t *len)
{
    return fetch_get_ex(f, url, max_bytes, SP_LOAD_CACHED_ONLY, data, len, NULL, NULL);
}

static int download(struct fetch *f, const char *url, unsigned flags, bool revalidate,
                    int64_t expect, fetch_progress_fn progress, void *opaque,
                    struct diag_list *diag)
{
    if (!fetch_is_remote(url)) {
        char *path = local_path(url);
        if (!path) {
            diag_add(diag, DIAG_ERROR, "%s: not a local file URL", url);
            return SP_EINVAL;
        }
        struct sp_os_stat st;
        int r = sp_os_stat(path, &st) == 0 ? 0 : SP_ENOENT;
        if (r)
            diag_add(diag, DIAG_ERROR, "%s: no such file", path);
        free(path);
        return r;
    }
    struct dl *d;
    int r = dl_new(f, url, flags, &d);
    if (r) {
        diag_add(diag, DIAG_ERROR, "%.300s: %s", url, sp_strerror(r));
        return r;
    }
    d->revalidate = revalidate;
    d->expect = expect >= 0 ? expect : -1;
    dl_submit(d);
    dl_wait(d, progress, opaque);
    struct fetch_status st;
    dl_status(d, &st);
    r = 0;
    if (st.state != FETCH_DONE) {
        r = st.err ? st.err : SP_ENET;
        diag_add(diag, r == SP_ERANGE ? DIAG_WARNING : DIAG_ERROR, "%s",
                 st.message[0] ? st.message : sp_strerror(r));
    }
    dl_release(d);
    return r;
}

int fetch_download(struct fetch *f, const char *url, unsigned flags, fetch_progress_fn progress,
                   void *opaque, struct diag_list *diag)
{
    return download(f, url, flags, false, -1, progress, opaque, diag);
}

int fetch_download_expect(struct fetch *f, const char *url, unsigned flags, int64_t size_bytes,
                          fetch_progress_fn progress, void *opaque, struct diag_list *diag)
{
    return download(f, url, flags, false, size_bytes, progress, opaque, diag);
}

int fetch_revalidate(struct fetch *f, const char *url, unsigned flags, fetch_progress_fn progress,
                     void *opaque, struct diag_list *diag)
{
    return download(f, url, flags, true, -1, progress, opaque, diag);
}

bool fetch_cached_complete(struct fetch *f, const char *url)
{
    if (!fetch_is_remote(url))
        return false;
    struct cache_entry *e;
    if (cache_entry_open(f->cache, url, &e))
        return false;
    struct cache_info ci;
    cache_entry_info(e, &ci);
    cache_entry_release(&e);
    return ci.complete;
}

/* ---- streams --------------------------------------------------------------- */

struct fetch_stream {
    struct fetch *f;
    struct dl *d; /* remote */
    int fd;       /* local file, -1 if remote */
    int64_t size; /* local file size */
    atomic_bool cancelled;
};

int fetch_stream_open(struct fetch *f, const char *url, unsigned flags, struct fetch_stream **out)
{
    return fetch_stream_open_expect(f, url, flags, -1, out);
}

int fetch_stream_open_expect(struct fetch *f, const char *url, unsigned flags, int64_t size_bytes,
                             struct fetch_stream **out)
{
    *out = NULL;
    struct fetch_stream *s = calloc(1, sizeof(*s));
    if (!s)
        return SP_ENOMEM;
    s->f = f;
    s->fd = -1;
    atomic_init(&s->cancelled, false);
    if (!fetch_is_remote(url)) {
        char *path = local_path(url);
        if (!path) {
            free(s);
            return SP_EINVAL;
        }
        s->fd = sp_os_open(path, SP_OS_RDONLY);
        free(path);
        struct sp_os_stat st;
        if (s->fd < 0 || sp_os_fstat(s->fd, &st) != 0 || !st.is_file) {
            int r = s->fd == -ENOENT ? SP_ENOENT : SP_EIO;
            if (s->fd >= 0)
                sp_os_close(s->fd);
            free(s);
            return r;
        }
        s->size = st.size;
        *out = s;
        return 0;
    }
    int r = dl_new(f, url, flags, &s->d);
    if (r) {
        free(s);
        return r;
    }
    if (size_bytes >= 0) {
        s->d->expect = size_bytes;
        s->d->lenient = true;
    }
    dl_submit(s->d);
    *out = s;
    return 0;
}

static void set_want(struct dl *d, int64_t want, bool waiting)
{
    pthread_mutex_lock(&d->f->lock);
    bool changed = d->want != want;
    d->want = want;
    d->reader_waiting = waiting;
    pthread_mutex_unlock(&d->f->lock);
    if (changed)
        wake_fetch_thread(d->f);
}

int64_t fetch_stream_read(struct fetch_stream *s, int64_t offset, void *buf, size_t len)
{
    if (offset < 0)
        return SP_EINVAL;
    if (s->fd >= 0) {
        int64_t n = sp_os_pread(s->fd, buf, len, offset); /* EINTR is retried there */
        return n < 0 ? SP_EIO : n;
    }
    struct dl *d = s->d;
    bool waited = false;
    for (;;) {
        if (atomic_load(&s->cancelled)) {
            set_want(d, -1, false);
            return SP_ECANCELLED;
        }
        int64_t n = cache_entry_read(d->entry, offset, buf, len);
        if (n > 0 || n < 0) {
            if (waited)
                set_want(d, -1, false);
            return n;
        }
        struct cache_info ci;
        cache_entry_info(d->entry, &ci);
        if (ci.length >= 0 && offset >= ci.length) {
            if (waited)
                set_want(d, -1, false);
            return 0;
        }
        pthread_mutex_lock(&s->f->lock);
        bool fin = d->finished;
        int err = d->st.err;
        pthread_mutex_unlock(&s->f->lock);
        if (fin) {
            set_want(d, -1, false);
            if (cache_entry_avail(d->entry, offset) > 0)
                continue;
            return err ? err : SP_EIO;
        }
        set_want(d, offset, true);
        waited = true;
        cache_entry_wait(d->entry, 100000);
    }
}

int64_t fetch_stream_size(struct fetch_stream *s)
{
    if (s->fd >= 0)
        return s->size;
    struct dl *d = s->d;
    for (;;) {
        if (atomic_load(&s->cancelled))
            return SP_ECANCELLED;
        struct cache_info ci;
        cache_entry_info(d->entry, &ci);
        if (ci.length >= 0)
            return ci.length;
        pthread_mutex_lock(&s->f->lock);
        bool fin = d->finished;
        int err = d->st.err;
        pthread_mutex_unlock(&s->f->lock);
        if (fin)
            return err ? err : SP_EUNSUPPORTED;
        cache_entry_wait(d->entry, 100000);
    }
}

void fetch_stream_cancel(struct fetch_stream *s)
{
    atomic_store(&s->cancelled, true);
    if (s->d)
        cache_entry_wake(s->d->entry);
}

void fetch_stream_status(struct fetch_stream *s, struct fetch_status *out)
{
    if (s->fd >= 0) {
        memset(out, 0, sizeof(*out));
        out->state = FETCH_DONE;
        out->have = out->total = s->size;
        return;
    }
    dl_status(s->d, out);
}

void fetch_stream_close(struct fetch_stream **ps)
{
    if (!ps || !*ps)
        return;
    struct fetch_stream *s = *ps;
    *ps = NULL;
    if (s->fd >= 0)
        sp_os_close(s->fd);
    if (s->d)
        dl_release(s->d);
    free(s);
}

/* ---- the document loader --------------------------------------------------- */

static int loader_get(void *opaque, const char *url, size_t max_bytes, char **data, size_t *len,
                      struct diag_list *diag)
{
    return fetch_get(opaque, url, max_bytes, data, len, diag);
}

struct sp_loader fetch_loader(struct fetch *f)
{
    struct sp_loader l = {loader_get, f};
    return l;
}

static int loader_get_ex(void *opaque, const char *url, size_t max_bytes, unsigned flags,
                         char **data, size_t *len, enum sp_doc_origin *origin,
                         struct diag_list *diag)
{
    return fetch_get_ex(opaque, url, max_bytes, flags, data, len, origin, diag);
}

struct sp_loader_ex fetch_loader_ex(struct fetch *f)
{
    struct sp_loader_ex l = {{loader_get, f}, loader_get_ex};
    return l;
}
