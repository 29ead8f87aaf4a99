/* control_server.c - the remote-control WebSocket server (see
 * control_server.h). */
#include "player/control/control_server.h"

#include "base/platform/os_file.h"
#include "base/platform/os_time.h"
#include "base/log.h"
#include "base/sp_error.h"

#include <libwebsockets.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static struct sp_log lg = SP_LOG_INIT("control");

struct outmsg {
    struct outmsg *next;
    size_t len;
    unsigned char buf[]; /* LWS_PRE bytes of room, then the text */
};

struct slot {
    bool used;
    uint64_t id; /* never reused: a reply for a client gone finds nobody */
    struct lws *wsi;
    bool authed;
    struct outmsg *head, *tail;
    size_t queued; /* bytes in the queue */
    struct control_observer obs;
    char *rx; /* the message being received (server thread only) */
    size_t rx_len;
    bool rx_over; /* it went past CONTROL_MAX_MSG */
};

struct pending {
    uint64_t client;
    struct control_req req;
};

struct control_server {
    struct control_server_opts o;
    char token[128];
    char origin[512];
    struct lws_context *ctx;
    pthread_t thread;
    bool thread_started;
    atomic_bool stop;
    pthread_mutex_t lock; /* guards everything below */
    pthread_cond_t cond;  /* a request was queued */
    struct slot slots[CONTROL_MAX_CLIENTS];
    uint64_t next_id;
    struct pending *queue; /* ring of CONTROL_QUEUE */
    size_t q_head, q_len;
};

struct pss {
    /* index + 1 in slots; 0 before ESTABLISHED (lws zeroes it, and a
     * connection refused by the filter is closed with it still 0) */
    int slot;
};

static void free_queue(struct slot *sl)
{
    while (sl->head) {
        struct outmsg *m = sl->head;
        sl->head = m->next;
        free(m);
    }
    sl->tail = NULL;
    sl->queued = 0;
}

/* Under the lock. Takes json. */
static void enqueue(struct slot *sl, char *json)
{
    size_t n = strlen(json);
    if (sl->queued + n > CONTROL_OUT_MAX) {
        SP_WARN(&lg, "client %llu: output queue full, a message dropped",
                (unsigned long long)sl->id);
        free(json);
        return;
    }
    struct outmsg *m = malloc(sizeof(*m) + LWS_PRE + n);
    if (!m) {
        free(json);
        return;
    }
    m->next = NULL;
    m->len = n;
    memcpy(m->buf + LWS_PRE, json, n);
    free(json);
    if (sl->tail)
        sl->tail->next = m;
    else
        sl->head = m;
    sl->tail = m;
    sl->queued += n;
}

static struct slot *find(struct control_server *s, uint64_t client)
{
    for (int i = 0; i < CONTROL_MAX_CLIENTS; i++)
        if (s->slots[i].used && s->slots[i].id == client)
            return &s->slots[i];
    return NULL;
}

/* Compares in time independent of where the strings differ */
static bool token_equal(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    unsigned char d = la != lb;
    for (size_t i = 0; i < la && i < lb; i++)
        d |= (unsigned char)(a[i] ^ b[i]);
    return d == 0;
}

static int used_slots(struct control_server *s)
{
    int n = 0;
    for (int i = 0; i < CONTROL_MAX_CLIENTS; i++)
        n += s->slots[i].used;
    return n;
}

/* The token given as ?token=: 1 right, 0 none given, -1 wrong */
static int url_token(struct control_server *s, struct lws *wsi)
{
    char buf[256];
    const char *v = lws_get_urlarg_by_name(wsi, "token=", buf, (int)sizeof(buf));
    if (!v)
        return 0;
    return token_equal(v, s->token) ? 1 : -1;
}

/* A whole message from an authenticated client (server thread, unlocked). */
static void on_message(struct control_server *s, struct slot *sl, const char *msg, size_t len)
{
    char tok[256];
    if (control_parse_auth(msg, len, tok, sizeof(tok))) {
        pthread_mutex_lock(&s->lock);
        enqueue(sl, control_reply(0, CONTROL_OK, NULL));
        pthread_mutex_unlock(&s->lock);
        return;
    }
    struct pending *p = malloc(sizeof(*p));
    if (!p)
        return;
    const char *error = NULL;
    int rc = control_parse(msg, len, &p->req, &error);
    pthread_mutex_lock(&s->lock);
    if (rc == 0 && s->q_len >= CONTROL_QUEUE) {
        rc = SP_EAGAIN;
        error = CONTROL_E_FAILED;
    }
    if (rc < 0) {
        enqueue(sl, control_reply(p->req.request_id, error, NULL));
    } else {
        p->client = sl->id;
        s->queue[(s->q_head + s->q_len) % CONTROL_QUEUE] = *p;
        s->q_len++;
        pthread_cond_signal(&s->cond);
    }
    pthread_mutex_unlock(&s->lock);
    free(p);
    if (rc == 0 && s->o.wake)
        s->o.wake(s->o.wake_opaque);
}

static int on_receive(struct control_server *s, struct lws *wsi, struct slot *sl, const void *in,
                      size_t len)
{
    if (!sl->rx_over && sl->rx_len + len <= CONTROL_MAX_MSG) {
        char *grown = realloc(sl->rx, sl->rx_len + len + 1);
        if (!grown)
            return -1;
        sl->rx = grown;
        memcpy(sl->rx + sl->rx_len, in, len);
        sl->rx_len += len;
    } else {
        sl->rx_over = true;
    }
    if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi))
        return 0;
    if (sl->rx_over) {
        lws_close_reason(wsi, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE, (unsigned char *)"too large", 9);
        return -1;
    }
    size_t n = sl->rx_len;
    sl->rx_len = 0;
    if (!sl->authed) {
        char tok[256];
        if (!control_parse_auth(sl->rx, n, tok, sizeof(tok)) || !token_equal(tok, s->token)) {
            lws_close_reason(wsi, LWS_CLOSE_STATUS_POLICY_VIOLATION, (unsigned char *)"token", 5);
            return -1;
        }
        pthread_mutex_lock(&s->lock);
        sl->authed = true;
        pthread_mutex_unlock(&s->lock);
        lws_set_timeout(wsi, NO_PENDING_TIMEOUT, 0);
    }
    on_message(s, sl, sl->rx, n);
    lws_callback_on_writable(wsi);
    return 0;
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len)
{
    struct control_server *s = lws_context_user(lws_get_context(wsi));
    struct pss *pss = user;
    struct slot *sl = NULL;
    if (pss && pss->slot > 0 && pss->slot <= CONTROL_MAX_CLIENTS)
        sl = &s->slots[pss->slot - 1];
    switch (reason) {
    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION: {
        if (s->origin[0]) {
            char org[512];
            if (lws_hdr_copy(wsi, org, (int)sizeof(org), WSI_TOKEN_ORIGIN) <= 0 ||
                strcmp(org, s->origin)) {
                SP_INFO(&lg, "a client refused: Origin not %s", s->origin);
                return 1;
            }
        }
        if (url_token(s, wsi) < 0) {
            SP_INFO(&lg, "a client refused: wrong token");
            return 1;
        }
        pthread_mutex_lock(&s->lock);
        int n = used_slots(s);
        pthread_mutex_unlock(&s->lock);
        if (n >= CONTROL_MAX_CLIENTS) {
            SP_INFO(&lg, "a client refused: %d clients already", CONTROL_MAX_CLIENTS);
            return 1;
        }
        return 0;
    }
    case LWS_CALLBACK_ESTABLISHED: {
        if (!pss)
            return -1;
        pss->slot = 0;
        bool authed = url_token(s, wsi) > 0;
        pthread_mutex_lock(&s->lock);
        for (int i = 0; i < CONTROL_MAX_CLIENTS; i++) {
            if (!s->slots[i].used) {
                memset(&s->slots[i], 0, sizeof(s->slots[i]));
                s->slots[i].used = true;
                s->slots[i].id = ++s->next_id;
                s->slots[i].wsi = wsi;
                s->slots[i].authed = authed;
                pss->slot = i + 1;
                break;
            }
        }
        pthread_mutex_unlock(&s->lock);
        if (pss->slot == 0)
            return -1;
        if (!authed)
            lws_set_timeout(wsi, PENDING_TIMEOUT_USER_OK, CONTROL_AUTH_TIMEOUT_S);
        return 0;
    }
    case LWS_CALLBACK_RECEIVE:
        return sl ? on_receive(s, wsi, sl, in, len) : -1;
    case LWS_CALLBACK_SERVER_WRITEABLE: {
        if (!sl)
            return -1;
        pthread_mutex_lock(&s->lock);
        struct outmsg *m = sl->head;
        if (m) {
            sl->head = m->next;
            if (!sl->head)
                sl->tail = NULL;
            sl->queued -= m->len;
        }
        bool more = sl->head != NULL;
        pthread_mutex_unlock(&s->lock);
        if (m) {
            int w = lws_write(wsi, m->buf + LWS_PRE, m->len, LWS_WRITE_TEXT);
            free(m);
            if (w < 0)
                return -1;
        }
        if (more)
            lws_callback_on_writable(wsi);
        return 0;
    }
    case LWS_CALLBACK_CLOSED:
        if (sl) {
            pthread_mutex_lock(&s->lock);
            free_queue(sl);
            control_observe_clear(&sl->obs);
            free(sl->rx);
            memset(sl, 0, sizeof(*sl));
            pthread_mutex_unlock(&s->lock);
            pss->slot = 0;
        }
        return 0;
    case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
        /* the player queued output: ask to write where there is some */
        pthread_mutex_lock(&s->lock);
        for (int i = 0; i < CONTROL_MAX_CLIENTS; i++)
            if (s->slots[i].used && s->slots[i].head)
                lws_callback_on_writable(s->slots[i].wsi);
        pthread_mutex_unlock(&s->lock);
        return 0;
    default:
        return 0;
    }
}

static const struct lws_protocols protocols[] = {
    {"sigplay-control", callback, sizeof(struct pss), 4096, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

static void *thread_main(void *arg)
{
    struct control_server *s = arg;
    while (!atomic_load(&s->stop))
        if (lws_service(s->ctx, 0) < 0)
            break;
    return NULL;
}

static int random_token(char *out, size_t n)
{
    unsigned char r[16];
    if (sp_os_random(r, sizeof(r)) != 0 || n < 2 * sizeof(r) + 1)
        return SP_EIO;
    for (size_t i = 0; i < sizeof(r); i++)
        snprintf(out + 2 * i, 3, "%02x", r[i]);
    return 0;
}

int control_server_start(const struct control_server_opts *o, struct control_server **out)
{
    *out = NULL;
    if (!o || o->port < 1 || o->port > 65535 || (o->token && strlen(o->token) >= 128) ||
        (o->origin && strlen(o->origin) >= 512))
        return SP_EINVAL;
    struct control_server *s = calloc(1, sizeof(*s));
    if (!s)
        return SP_ENOMEM;
    s->o = *o;
    s->queue = calloc(CONTROL_QUEUE, sizeof(*s->queue));
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->cond, NULL);
    int rc = SP_ENOMEM;
    if (!s->queue)
        goto fail;
    if (o->token && o->token[0])
        snprintf(s->token, sizeof(s->token), "%s", o->token);
    else if ((rc = random_token(s->token, sizeof(s->token))) < 0)
        goto fail;
    if (o->origin)
        snprintf(s->origin, sizeof(s->origin), "%s", o->origin);
    /* lws's own notices only when we debug, as the network client does */
    lws_set_log_level(sp_log_get_level() >= SP_LOG_DEBUG ? LLL_ERR | LLL_WARN : 0, NULL);
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof(info));
    info.port = o->port;
    info.iface = o->addr ? o->addr : "127.0.0.1";
    info.protocols = protocols;
    info.user = s;
    info.gid = -1;
    info.uid = -1;
    s->ctx = lws_create_context(&info);
    rc = SP_EIO;
    if (!s->ctx)
        goto fail;
    s->o.addr = NULL; /* borrowed strings are not kept */
    s->o.token = s->o.origin = NULL;
    if (pthread_create(&s->thread, NULL, thread_main, s) != 0)
        goto fail;
    s->thread_started = true;
    *out = s;
    return 0;
fail:
    control_server_stop(&s);
    return rc;
}

void control_server_stop(struct control_server **sp)
{
    struct control_server *s = sp ? *sp : NULL;
    if (!s)
        return;
    if (s->thread_started) {
        /* let the last replies (the quit's) go out */
        for (int64_t until = sp_os_mono_us() + CONTROL_FLUSH_US; sp_os_mono_us() < until;) {
            pthread_mutex_lock(&s->lock);
            bool pending = false;
            for (int i = 0; i < CONTROL_MAX_CLIENTS; i++)
                pending |= s->slots[i].used && s->slots[i].head;
            pthread_mutex_unlock(&s->lock);
            if (!pending)
                break;
            lws_cancel_service(s->ctx);
            sp_os_sleep_us(10000);
        }
        atomic_store(&s->stop, true);
        lws_cancel_service(s->ctx);
        pthread_join(s->thread, NULL);
    }
    if (s->ctx)
        lws_context_destroy(s->ctx); /* closes the clients: CLOSED frees their slots */
    for (int i = 0; i < CONTROL_MAX_CLIENTS; i++) {
        free_queue(&s->slots[i]);
        control_observe_clear(&s->slots[i].obs);
        free(s->slots[i].rx);
    }
    pthread_mutex_destroy(&s->lock);
    pthread_cond_destroy(&s->cond);
    free(s->queue);
    free(s);
    *sp = NULL;
}

const char *control_server_token(const struct control_server *s)
{
    return s ? s->token : "";
}

bool control_server_next(struct control_server *s, uint64_t *client, struct control_req *req)
{
    if (!s)
        return false;
    pthread_mutex_lock(&s->lock);
    bool got = s->q_len > 0;
    if (got) {
        *client = s->queue[s->q_head].client;
        *req = s->queue[s->q_head].req;
        s->q_head = (s->q_head + 1) % CONTROL_QUEUE;
        s->q_len--;
    }
    pthread_mutex_unlock(&s->lock);
    return got;
}

void control_server_send(struct control_server *s, uint64_t client, char *json)
{
    if (!s || !json) {
        free(json);
        return;
    }
    pthread_mutex_lock(&s->lock);
    struct slot *sl = find(s, client);
    if (sl)
        enqueue(sl, json);
    else
        free(json);
    pthread_mutex_unlock(&s->lock);
    lws_cancel_service(s->ctx);
}

void control_server_answer(struct control_server *s, uint64_t client, const struct control_req *req,
                           const char *error, const char *data_json)
{
    control_server_send(s, client, control_reply(req->request_id, error, data_json));
}

int control_server_observe(struct control_server *s, uint64_t client, int64_t id,
                           enum control_prop p)
{
    pthread_mutex_lock(&s->lock);
    struct slot *sl = find(s, client);
    int rc = sl ? control_observe_add(&sl->obs, id, p) : SP_ENOENT;
    pthread_mutex_unlock(&s->lock);
    return rc;
}

void control_server_unobserve(struct control_server *s, uint64_t client, int64_t id)
{
    pthread_mutex_lock(&s->lock);
    struct slot *sl = find(s, client);
    if (sl)
        control_observe_remove(&sl->obs, id);
    pthread_mutex_unlock(&s->lock);
}

static void emit(void *opaque, char *json)
{
    enqueue(opaque, json);
}

void control_server_publish(struct control_server *s, const struct control_state *st,
                            int64_t now_us)
{
    if (!s)
        return;
    int sent = 0;
    pthread_mutex_lock(&s->lock);
    for (int i = 0; i < CONTROL_MAX_CLIENTS; i++)
        if (s->slots[i].used && s->slots[i].authed)
            sent += control_observe_events(&s->slots[i].obs, st, now_us, emit, &s->slots[i]);
    pthread_mutex_unlock(&s->lock);
    if (sent)
        lws_cancel_service(s->ctx);
}

bool control_server_wait(struct control_server *s, int64_t timeout_us)
{
    pthread_mutex_lock(&s->lock);
    if (s->q_len == 0 && timeout_us > 0) {
        struct timespec ts = sp_os_wall_deadline_us(timeout_us);
        pthread_cond_timedwait(&s->cond, &s->lock, &ts);
    }
    bool got = s->q_len > 0;
    pthread_mutex_unlock(&s->lock);
    return got;
}

int control_server_clients(struct control_server *s)
{
    pthread_mutex_lock(&s->lock);
    int n = 0;
    for (int i = 0; i < CONTROL_MAX_CLIENTS; i++)
        n += s->slots[i].used && s->slots[i].authed;
    pthread_mutex_unlock(&s->lock);
    return n;
}
