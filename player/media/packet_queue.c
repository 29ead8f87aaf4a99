/* packet_queue.c - see packet_queue.h. A singly linked FIFO under one mutex;
 * two condition variables (can_get for consumers, can_put for producers). */
#include "player/media/packet_queue.h"

#include <pthread.h>
#include <stdlib.h>

#include "base/sp_error.h"

struct node {
    AVPacket *pkt; /* owned */
    int serial;
    struct node *next;
};

struct packet_queue {
    pthread_mutex_t lock;
    pthread_cond_t can_get;
    pthread_cond_t can_put;
    struct node *head, *tail; /* guarded by lock */
    size_t packets, bytes;    /* guarded by lock */
    size_t max_packets, max_bytes;
    int serial;   /* guarded by lock */
    bool aborted; /* guarded by lock */
};

int packet_queue_create(struct packet_queue **out, size_t max_packets, size_t max_bytes)
{
    if (!out || max_packets < 1 || max_bytes < 1)
        return SP_EINVAL;
    *out = NULL;
    struct packet_queue *q = calloc(1, sizeof(*q));
    if (!q)
        return SP_ENOMEM;
    q->max_packets = max_packets;
    q->max_bytes = max_bytes;
    pthread_mutex_init(&q->lock, NULL);
    pthread_cond_init(&q->can_get, NULL);
    pthread_cond_init(&q->can_put, NULL);
    *out = q;
    return 0;
}

static void drop_all(struct packet_queue *q)
{
    struct node *n = q->head;
    while (n) {
        struct node *next = n->next;
        av_packet_free(&n->pkt);
        free(n);
        n = next;
    }
    q->head = q->tail = NULL;
    q->packets = q->bytes = 0;
}

void packet_queue_destroy(struct packet_queue **qp)
{
    if (!qp || !*qp)
        return;
    struct packet_queue *q = *qp;
    drop_all(q);
    pthread_cond_destroy(&q->can_get);
    pthread_cond_destroy(&q->can_put);
    pthread_mutex_destroy(&q->lock);
    free(q);
    *qp = NULL;
}

static bool is_full(const struct packet_queue *q, bool overfill)
{
    if (q->packets == 0)
        return false;
    size_t f = overfill ? PACKET_QUEUE_HARD_FACTOR : 1;
    return q->packets >= q->max_packets * f || q->bytes >= q->max_bytes * f;
}

int packet_queue_put(struct packet_queue *q, AVPacket *pkt, int serial, bool overfill)
{
    struct node *n = malloc(sizeof(*n));
    AVPacket *own = n ? av_packet_alloc() : NULL;
    if (!own) {
        free(n);
        av_packet_unref(pkt);
        return SP_ENOMEM;
    }
    av_packet_move_ref(own, pkt);
    n->pkt = own;
    n->serial = serial;
    n->next = NULL;
    size_t size = own->size > 0 ? (size_t)own->size : 0;

    pthread_mutex_lock(&q->lock);
    while (!q->aborted && q->serial == serial && is_full(q, overfill))
        pthread_cond_wait(&q->can_put, &q->lock);
    int ret = 0;
    if (q->aborted) {
        ret = SP_ECANCELLED;
    } else if (q->serial != serial) {
        ret = 1; /* stale: dropped below, reported as success */
    } else {
        if (q->tail)
            q->tail->next = n;
        else
            q->head = n;
        q->tail = n;
        q->packets++;
        q->bytes += size;
        pthread_cond_signal(&q->can_get);
        n = NULL;
    }
    pthread_mutex_unlock(&q->lock);
    if (n) {
        av_packet_free(&n->pkt);
        free(n);
    }
    return ret == 1 ? 0 : ret;
}

int packet_queue_get(struct packet_queue *q, AVPacket *pkt, int *serial, bool block)
{
    pthread_mutex_lock(&q->lock);
    while (!q->aborted && !q->head && block)
        pthread_cond_wait(&q->can_get, &q->lock);
    struct node *n = NULL;
    int ret;
    if (q->aborted) {
        ret = SP_ECANCELLED;
    } else if (!q->head) {
        ret = SP_EAGAIN;
    } else {
        n = q->head;
        q->head = n->next;
        if (!q->head)
            q->tail = NULL;
        q->packets--;
        q->bytes -= n->pkt->size > 0 ? (size_t)n->pkt->size : 0;
        pthread_cond_signal(&q->can_put);
        ret = 0;
    }
    pthread_mutex_unlock(&q->lock);
    if (n) {
        av_packet_move_ref(pkt, n->pkt);
        if (serial)
            *serial = n->serial;
        av_packet_free(&n->pkt);
        free(n);
    }
    return ret;
}

void packet_queue_flush(struct packet_queue *q, int serial)
{
    pthread_mutex_lock(&q->lock);
    drop_all(q);
    q->serial = serial;
    pthread_cond_broadcast(&q->can_put);
    pthread_mutex_unlock(&q->lock);
}

void packet_queue_abort(struct packet_queue *q)
{
    pthread_mutex_lock(&q->lock);
    q->aborted = true;
    pthread_cond_broadcast(&q->can_get);
    pthread_cond_broadcast(&q->can_put);
    pthread_mutex_unlock(&q->lock);
}

void packet_queue_start(struct packet_queue *q)
{
    pthread_mutex_lock(&q->lock);
    q->aborted = false;
    pthread_mutex_unlock(&q->lock);
}

int packet_queue_serial(struct packet_queue *q)
{
    pthread_mutex_lock(&q->lock);
    int s = q->serial;
    pthread_mutex_unlock(&q->lock);
    return s;
}

void packet_queue_level(struct packet_queue *q, size_t *packets, size_t *bytes)
{
    pthread_mutex_lock(&q->lock);
    if (packets)
        *packets = q->packets;
    if (bytes)
        *bytes = q->bytes;
    pthread_mutex_unlock(&q->lock);
}

bool packet_queue_full(struct packet_queue *q)
{
    pthread_mutex_lock(&q->lock);
    bool f = is_full(q, false);
    pthread_mutex_unlock(&q->lock);
    return f;
}
