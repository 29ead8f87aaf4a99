/* signaling.c - interim: one background thread reads every page in turn
 * and publishes the final generation only (see signaling.h). */
#include "player/signaling.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "im/chat.h"
#include "player/board.h"
#include "player/manifest.h"
#include "player/msgpage.h"
#include "player/sp_error.h"
#include "player/url.h"

struct signaling {
    const struct recording *rec;
    struct signaling_opts o;
    pthread_t th;
    bool started;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool stop;               /* guarded by lock */
    size_t done, failed;     /* guarded by lock */
    struct signal_set *pub;  /* guarded by lock: newest not taken */
    uint64_t pub_gen;        /* guarded by lock */
    int64_t pub_until;       /* guarded by lock */
    bool finished;           /* guarded by lock */
    struct diag_list diag;   /* guarded by lock */
    struct msg_log *msgs;    /* the worker's; the chat items name its pages */
};

void signal_set_free(struct signal_set **sp)
{
    if (!sp || !*sp)
        return;
    board_player_destroy(&(*sp)->board);
    chat_log_destroy(&(*sp)->chat);
    free(*sp);
    *sp = NULL;
}

static bool stopping(struct signaling *s)
{
    pthread_mutex_lock(&s->lock);
    bool st = s->stop;
    pthread_mutex_unlock(&s->lock);
    return st;
}

static int build(struct signaling *s, struct msg_log *msgs, struct diag_list *d,
                 struct signal_set **out)
{
    struct signal_set *set = calloc(1, sizeof(*set));
    struct board_log *log = board_log_create();
    if (!set || !log) {
        free(set);
        board_log_free(log);
        return SP_ENOMEM;
    }
    struct msg_wb_iter it;
    struct msg_wb_batch b;
    msg_wb_iter_init(&it, msgs);
    while (msg_wb_next(&it, &b)) {
        int rc = board_log_add_batch(log, b.data, b.len, b.msg_seq, b.where, d);
        if (rc == SP_ENOMEM) {
            board_log_free(log);
            free(set);
            return rc;
        }
        if (rc == SP_ELIMIT)
            break;
    }
    int rc = board_log_finish(log, d);
    if (rc) {
        board_log_free(log);
        free(set);
        return rc;
    }
    rc = board_player_create(&set->board, log, NULL, d);
    if (!rc)
        rc = chat_log_build(msgs, &set->chat, d);
    if (rc) {
        signal_set_free(&set);
        return rc;
    }
    (void)s;
    *out = set;
    return 0;
}

static void *run(void *arg)
{
    struct signaling *s = arg;
    struct diag_list d;
    diag_init(&d);
    struct msg_log *msgs = s->msgs;
    for (size_t i = 0; msgs && i < s->rec->n_message_pages && !stopping(s); i++) {
        const char *url = s->rec->message_urls[i];
        char *json = NULL;
        size_t len = 0;
        int rc = sp_loader_get(s->o.loader, url, MSG_PAGE_MAX_BYTES, &json, &len, &d);
        if (!rc) {
            char *name = url_display_name(url);
            rc = msg_log_add_json(msgs, json, len, name ? name : url, &d);
            free(name);
        }
        free(json);
        pthread_mutex_lock(&s->lock);
        s->done++;
        if (rc)
            s->failed++;
        pthread_mutex_unlock(&s->lock);
    }
    struct signal_set *set = NULL;
    if (msgs && !stopping(s) && build(s, msgs, &d, &set) == 0)
        set->complete_until_ms = INT64_MAX;
    pthread_mutex_lock(&s->lock);
    if (set) {
        set->generation = ++s->pub_gen;
        signal_set_free(&s->pub);
        s->pub = set;
        s->pub_until = INT64_MAX;
    }
    s->finished = true;
    diag_move(&s->diag, &d);
    pthread_cond_broadcast(&s->cond);
    pthread_mutex_unlock(&s->lock);
    diag_clear(&d);
    return NULL;
}

int signaling_start(const struct recording *rec, const struct signaling_opts *o,
                    struct signaling **out)
{
    if (!out || !rec)
        return SP_EINVAL;
    *out = NULL;
    struct signaling *s = calloc(1, sizeof(*s));
    if (!s)
        return SP_ENOMEM;
    s->rec = rec;
    if (o)
        s->o = *o;
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->cond, NULL);
    diag_init(&s->diag);
    s->msgs = msg_log_create();
    if (!s->msgs || pthread_create(&s->th, NULL, run, s) != 0) {
        signaling_destroy(&s);
        return SP_ENOMEM;
    }
    s->started = true;
    *out = s;
    return 0;
}

void signaling_destroy(struct signaling **sp)
{
    if (!sp || !*sp)
        return;
    struct signaling *s = *sp;
    pthread_mutex_lock(&s->lock);
    s->stop = true;
    pthread_mutex_unlock(&s->lock);
    if (s->started)
        pthread_join(s->th, NULL);
    signal_set_free(&s->pub);
    msg_log_destroy(&s->msgs);
    diag_clear(&s->diag);
    pthread_cond_destroy(&s->cond);
    pthread_mutex_destroy(&s->lock);
    free(s);
    *sp = NULL;
}

void signaling_want(struct signaling *s, int64_t w_ms)
{
    (void)s;
    (void)w_ms;
}

bool signaling_take(struct signaling *s, uint64_t have, struct signal_set **out)
{
    pthread_mutex_lock(&s->lock);
    bool got = s->pub && s->pub->generation > have;
    if (got) {
        *out = s->pub;
        s->pub = NULL;
    }
    pthread_mutex_unlock(&s->lock);
    return got;
}

int signaling_wait(struct signaling *s, int64_t w_ms, int timeout_ms)
{
    struct timespec dl;
    clock_gettime(CLOCK_REALTIME, &dl);
    if (timeout_ms >= 0) {
        dl.tv_sec += timeout_ms / 1000;
        dl.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
        if (dl.tv_nsec >= 1000000000) {
            dl.tv_sec++;
            dl.tv_nsec -= 1000000000;
        }
    }
    int rc = 0;
    pthread_mutex_lock(&s->lock);
    while (!s->finished && !(s->pub_gen && s->pub_until >= w_ms)) {
        if (timeout_ms < 0) {
            pthread_cond_wait(&s->cond, &s->lock);
        } else if (pthread_cond_timedwait(&s->cond, &s->lock, &dl) != 0) {
            rc = SP_ETIMEOUT;
            break;
        }
    }
    pthread_mutex_unlock(&s->lock);
    return rc;
}

void signaling_progress(const struct signaling *cs, struct signaling_progress *out)
{
    struct signaling *s = (struct signaling *)cs;
    pthread_mutex_lock(&s->lock);
    out->total = s->rec->n_message_pages;
    out->done = s->done;
    out->failed = s->failed;
    out->finished = s->finished;
    out->from_cache = false;
    pthread_mutex_unlock(&s->lock);
}

void signaling_take_diags(struct signaling *s, struct diag_list *dst)
{
    pthread_mutex_lock(&s->lock);
    diag_move(dst, &s->diag);
    pthread_mutex_unlock(&s->lock);
}
