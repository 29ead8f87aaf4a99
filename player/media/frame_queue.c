/* frame_queue.c - see frame_queue.h. A fixed ring of AVFrame* allocated at
 * create time (no allocation per frame beyond FFmpeg's own buffers). */
#include "player/media/frame_queue.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "base/platform/os_time.h"
#include "base/sp_error.h"

struct slot {
    AVFrame *frame; /* owned, allocated once */
    struct frame_meta meta;
};

struct frame_queue {
    pthread_mutex_t lock;
    pthread_cond_t changed; /* any change: push, pop, flush, eof, abort */
    struct slot *ring;      /* capacity slots */
    size_t capacity;
    size_t rindex, count; /* guarded by lock */
    int serial;           /* guarded by lock */
    bool eof;             /* guarded by lock: eof marked for serial */
    bool aborted;         /* guarded by lock */
};

int frame_queue_create(struct frame_queue **out, size_t capacity)
{
    if (!out || capacity < 1 || capacity > FRAME_QUEUE_MAX)
        return SP_EINVAL;
    *out = NULL;
    struct frame_queue *q = calloc(1, sizeof(*q));
    if (!q)
        return SP_ENOMEM;
    q->ring = calloc(capacity, sizeof(*q->ring));
    if (!q->ring)
        goto fail;
    q->capacity = capacity;
    for (size_t i = 0; i < capacity; i++)
        if (!(q->ring[i].frame = av_frame_alloc()))
            goto fail;
    pthread_mutex_init(&q->lock, NULL);
    sp_os_cond_init(&q->changed);
    *out = q;
    return 0;
fail:
    if (q->ring)
        for (size_t i = 0; i < capacity; i++)
            av_frame_free(&q->ring[i].frame);
    free(q->ring);
    free(q);
    return SP_ENOMEM;
}

void frame_queue_destroy(struct frame_queue **qp)
{
    if (!qp || !*qp)
        return;
    struct frame_queue *q = *qp;
    for (size_t i = 0; i < q->capacity; i++)
        av_frame_free(&q->ring[i].frame);
    free(q->ring);
    pthread_cond_destroy(&q->changed);
    pthread_mutex_destroy(&q->lock);
    free(q);
    *qp = NULL;
}

static struct slot *at(struct frame_queue *q, size_t idx)
{
    return &q->ring[(q->rindex + idx) % q->capacity];
}

static void pop_locked(struct frame_queue *q)
{
    av_frame_unref(at(q, 0)->frame);
    q->rindex = (q->rindex + 1) % q->capacity;
    q->count--;
}

/* Stale frames can only sit at the head (pushes are filtered), but a
 * flush-less serial change is cheap to guard against here too. */
static void drop_stale_locked(struct frame_queue *q)
{
    while (q->count && at(q, 0)->meta.serial != q->serial)
        pop_locked(q);
}

int frame_queue_push(struct frame_queue *q, AVFrame *frame, const struct frame_meta *meta)
{
    pthread_mutex_lock(&q->lock);
    while (!q->aborted && q->serial == meta->serial && q->count >= q->capacity)
        pthread_cond_wait(&q->changed, &q->lock);
    int ret = 0;
    if (q->aborted) {
        ret = SP_ECANCELLED;
    } else if (q->serial == meta->serial) {
        struct slot *s = at(q, q->count);
        av_frame_move_ref(s->frame, frame);
        s->meta = *meta;
        q->count++;
        pthread_cond_broadcast(&q->changed);
    }
    pthread_mutex_unlock(&q->lock);
    av_frame_unref(frame);
    return ret;
}

int frame_queue_peek(struct frame_queue *q, size_t idx, AVFrame *dst, struct frame_meta *meta)
{
    pthread_mutex_lock(&q->lock);
    drop_stale_locked(q);
    int ret;
    if (q->aborted) {
        ret = SP_ECANCELLED;
    } else if (idx >= q->count) {
        ret = q->eof ? SP_EEOF : SP_EAGAIN;
    } else {
        struct slot *s = at(q, idx);
        ret = av_frame_ref(dst, s->frame) < 0 ? SP_ENOMEM : 0;
        if (ret == 0 && meta)
            *meta = s->meta;
    }
    pthread_mutex_unlock(&q->lock);
    return ret;
}

void frame_queue_pop(struct frame_queue *q)
{
    pthread_mutex_lock(&q->lock);
    drop_stale_locked(q);
    if (q->count) {
        pop_locked(q);
        pthread_cond_broadcast(&q->changed);
    }
    pthread_mutex_unlock(&q->lock);
}

static void deadline_after(struct timespec *ts, int64_t us)
{
    sp_os_cond_now(ts);
    ts->tv_sec += (time_t)(us / 1000000);
    ts->tv_nsec += (long)(us % 1000000) * 1000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

int frame_queue_wait_us(struct frame_queue *q, size_t min_count, int64_t timeout_us)
{
    struct timespec dl;
    if (timeout_us >= 0)
        deadline_after(&dl, timeout_us);
    pthread_mutex_lock(&q->lock);
    int ret;
    for (;;) {
        drop_stale_locked(q);
        if (q->aborted) {
            ret = SP_ECANCELLED;
            break;
        }
        if (q->count >= min_count) {
            ret = 0;
            break;
        }
        if (q->eof) {
            ret = SP_EEOF;
            break;
        }
        if (timeout_us < 0) {
            pthread_cond_wait(&q->changed, &q->lock);
        } else if (pthread_cond_timedwait(&q->changed, &q->lock, &dl) == ETIMEDOUT) {
            ret = q->count >= min_count ? 0 : SP_ETIMEOUT;
            break;
        }
    }
    pthread_mutex_unlock(&q->lock);
    return ret;
}

void frame_queue_set_eof(struct frame_queue *q, int serial)
{
    pthread_mutex_lock(&q->lock);
    if (serial == q->serial) {
        q->eof = true;
        pthread_cond_broadcast(&q->changed);
    }
    pthread_mutex_unlock(&q->lock);
}

void frame_queue_flush(struct frame_queue *q, int serial)
{
    pthread_mutex_lock(&q->lock);
    while (q->count)
        pop_locked(q);
    q->serial = serial;
    q->eof = false;
    pthread_cond_broadcast(&q->changed);
    pthread_mutex_unlock(&q->lock);
}

void frame_queue_abort(struct frame_queue *q)
{
    pthread_mutex_lock(&q->lock);
    q->aborted = true;
    pthread_cond_broadcast(&q->changed);
    pthread_mutex_unlock(&q->lock);
}

void frame_queue_start(struct frame_queue *q)
{
    pthread_mutex_lock(&q->lock);
    q->aborted = false;
    pthread_mutex_unlock(&q->lock);
}

size_t frame_queue_count(struct frame_queue *q)
{
    pthread_mutex_lock(&q->lock);
    drop_stale_locked(q);
    size_t n = q->count;
    pthread_mutex_unlock(&q->lock);
    return n;
}

int frame_queue_serial(struct frame_queue *q)
{
    pthread_mutex_lock(&q->lock);
    int s = q->serial;
    pthread_mutex_unlock(&q->lock);
    return s;
}
