/* Tests for player/media/packet_queue: order, bounds, overfill, abort, serials,
 * and a threaded producer/consumer run. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include "player/media/packet_queue.h"
#include "base/sp_error.h"

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* A packet with `size` payload bytes and pts = seq. */
static AVPacket *make_pkt(int size, int64_t seq)
{
    AVPacket *p = av_packet_alloc();
    assert_non_null(p);
    if (size > 0)
        assert_int_equal(av_new_packet(p, size), 0);
    p->pts = seq;
    return p;
}

static int put_seq(struct packet_queue *q, int size, int64_t seq, int serial, bool overfill)
{
    AVPacket *p = make_pkt(size, seq);
    int r = packet_queue_put(q, p, serial, overfill);
    assert_null(p->data); /* reference always taken or released */
    av_packet_free(&p);
    return r;
}

/* Waits (up to 5 s) for the queue to hold n packets. */
static void wait_level(struct packet_queue *q, size_t n)
{
    for (int i = 0; i < 5000; i++) {
        size_t have;
        packet_queue_level(q, &have, NULL);
        if (have == n)
            return;
        sleep_ms(1);
    }
    fail_msg("queue never reached %zu packets", n);
}

static void test_fifo_order_and_serial(void **state)
{
    (void)state;
    struct packet_queue *q;
    assert_int_equal(packet_queue_create(&q, 10, 1 << 20), 0);
    for (int i = 0; i < 5; i++)
        assert_int_equal(put_seq(q, 10, i, 0, false), 0);
    size_t n, bytes;
    packet_queue_level(q, &n, &bytes);
    assert_int_equal(n, 5);
    assert_int_equal(bytes, 50);
    AVPacket *p = av_packet_alloc();
    for (int i = 0; i < 5; i++) {
        int serial = -1;
        assert_int_equal(packet_queue_get(q, p, &serial, false), 0);
        assert_int_equal(p->pts, i);
        assert_int_equal(serial, 0);
        av_packet_unref(p);
    }
    assert_int_equal(packet_queue_get(q, p, NULL, false), SP_EAGAIN);
    av_packet_free(&p);
    packet_queue_destroy(&q);
    assert_null(q);
    packet_queue_destroy(&q); /* NULL-safe */
    assert_int_equal(packet_queue_create(&q, 0, 1), SP_EINVAL);
}

struct producer {
    struct packet_queue *q;
    int count, size, serial;
    bool overfill;
    atomic_int done; /* puts completed */
    int last_ret;
};

static void *producer_main(void *arg)
{
    struct producer *pr = arg;
    for (int i = 0; i < pr->count; i++) {
        pr->last_ret = put_seq(pr->q, pr->size, i, pr->serial, pr->overfill);
        if (pr->last_ret < 0)
            break;
        atomic_fetch_add(&pr->done, 1);
    }
    return NULL;
}

static void test_count_bound_blocks_producer(void **state)
{
    (void)state;
    struct packet_queue *q;
    assert_int_equal(packet_queue_create(&q, 4, 1 << 20), 0);
    struct producer pr = {.q = q, .count = 6, .size = 8};
    pthread_t th;
    pthread_create(&th, NULL, producer_main, &pr);
    wait_level(q, 4);
    sleep_ms(30);
    assert_int_equal(atomic_load(&pr.done), 4); /* the 5th put is blocked */
    assert_true(packet_queue_full(q));
    AVPacket *p = av_packet_alloc();
    assert_int_equal(packet_queue_get(q, p, NULL, true), 0);
    av_packet_unref(p);
    assert_int_equal(packet_queue_get(q, p, NULL, true), 0);
    av_packet_unref(p);
    pthread_join(th, NULL);
    assert_int_equal(atomic_load(&pr.done), 6);
    size_t n;
    packet_queue_level(q, &n, NULL);
    assert_int_equal(n, 4);
    av_packet_free(&p);
    packet_queue_destroy(&q);
}

static void test_byte_bound_and_overfill(void **state)
{
    (void)state;
    struct packet_queue *q;
    assert_int_equal(packet_queue_create(&q, 100, 100), 0);
    /* One huge packet is accepted by an empty queue. */
    assert_int_equal(put_seq(q, 1000, 0, 0, false), 0);
    assert_true(packet_queue_full(q));
    AVPacket *p = av_packet_alloc();
    assert_int_equal(packet_queue_get(q, p, NULL, false), 0);
    av_packet_unref(p);
    assert_int_equal(put_seq(q, 60, 1, 0, false), 0);
    assert_false(packet_queue_full(q));
    assert_int_equal(put_seq(q, 60, 2, 0, false), 0);
    assert_true(packet_queue_full(q)); /* 120 bytes >= 100 */
    /* Overfill puts go through up to the hard factor (400 bytes). */
    struct producer pr = {.q = q, .count = 10, .size = 60, .overfill = true};
    pthread_t th;
    pthread_create(&th, NULL, producer_main, &pr);
    wait_level(q, 2 + 5); /* 7 * 60 = 420 >= 400: the 8th blocks */
    sleep_ms(30);
    assert_int_equal(atomic_load(&pr.done), 5);
    packet_queue_abort(q);
    pthread_join(th, NULL);
    assert_int_equal(pr.last_ret, SP_ECANCELLED);
    av_packet_free(&p);
    packet_queue_destroy(&q);
}

struct getter {
    struct packet_queue *q;
    int ret;
};

static void *getter_main(void *arg)
{
    struct getter *g = arg;
    AVPacket *p = av_packet_alloc();
    g->ret = packet_queue_get(g->q, p, NULL, true);
    av_packet_free(&p);
    return NULL;
}

static void test_abort_wakes_waiters(void **state)
{
    (void)state;
    struct packet_queue *empty, *full;
    assert_int_equal(packet_queue_create(&empty, 4, 1 << 20), 0);
    assert_int_equal(packet_queue_create(&full, 1, 1 << 20), 0);
    assert_int_equal(put_seq(full, 4, 0, 0, false), 0);
    struct getter g = {.q = empty, .ret = 1};
    struct producer pr = {.q = full, .count = 1, .size = 4};
    pthread_t tg, tp;
    pthread_create(&tg, NULL, getter_main, &g);
    pthread_create(&tp, NULL, producer_main, &pr);
    sleep_ms(30);
    assert_int_equal(atomic_load(&pr.done), 0);
    packet_queue_abort(empty);
    packet_queue_abort(full);
    pthread_join(tg, NULL);
    pthread_join(tp, NULL);
    assert_int_equal(g.ret, SP_ECANCELLED);
    assert_int_equal(pr.last_ret, SP_ECANCELLED);
    /* Aborted queues refuse, start() re-opens. */
    assert_int_equal(put_seq(empty, 4, 0, 0, false), SP_ECANCELLED);
    packet_queue_start(empty);
    assert_int_equal(put_seq(empty, 4, 0, 0, false), 0);
    packet_queue_destroy(&empty);
    packet_queue_destroy(&full);
}

static void test_flush_drops_stale(void **state)
{
    (void)state;
    struct packet_queue *q;
    assert_int_equal(packet_queue_create(&q, 2, 1 << 20), 0);
    assert_int_equal(put_seq(q, 4, 0, 0, false), 0);
    assert_int_equal(put_seq(q, 4, 1, 0, false), 0);
    /* A producer of the old generation blocks on the full queue... */
    struct producer pr = {.q = q, .count = 1, .size = 4, .serial = 0};
    pthread_t th;
    pthread_create(&th, NULL, producer_main, &pr);
    sleep_ms(20);
    /* ...the flush wakes it and its packet is dropped, not queued. */
    packet_queue_flush(q, 1);
    pthread_join(th, NULL);
    assert_int_equal(pr.last_ret, 0);
    assert_int_equal(packet_queue_serial(q), 1);
    size_t n;
    packet_queue_level(q, &n, NULL);
    assert_int_equal(n, 0);
    assert_int_equal(put_seq(q, 4, 7, 0, false), 0); /* stale: dropped */
    assert_int_equal(put_seq(q, 4, 8, 1, false), 0);
    AVPacket *p = av_packet_alloc();
    int serial = -1;
    assert_int_equal(packet_queue_get(q, p, &serial, false), 0);
    assert_int_equal(p->pts, 8);
    assert_int_equal(serial, 1);
    av_packet_unref(p);
    assert_int_equal(packet_queue_get(q, p, NULL, false), SP_EAGAIN);
    /* An empty packet is a legal end-of-stream marker. */
    assert_int_equal(put_seq(q, 0, 9, 1, false), 0);
    assert_int_equal(packet_queue_get(q, p, NULL, false), 0);
    assert_int_equal(p->size, 0);
    assert_int_equal(p->pts, 9);
    av_packet_free(&p);
    packet_queue_destroy(&q);
}

static void test_threaded_producer_consumer(void **state)
{
    (void)state;
    struct packet_queue *q;
    assert_int_equal(packet_queue_create(&q, 3, 1 << 20), 0);
    struct producer pr = {.q = q, .count = 3000, .size = 16};
    pthread_t th;
    pthread_create(&th, NULL, producer_main, &pr);
    AVPacket *p = av_packet_alloc();
    for (int i = 0; i < 3000; i++) {
        assert_int_equal(packet_queue_get(q, p, NULL, true), 0);
        assert_int_equal(p->pts, i);
        assert_int_equal(p->size, 16);
        av_packet_unref(p);
        size_t n;
        packet_queue_level(q, &n, NULL);
        assert_true(n <= 3);
    }
    pthread_join(th, NULL);
    av_packet_free(&p);
    packet_queue_destroy(&q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fifo_order_and_serial),
        cmocka_unit_test(test_count_bound_blocks_producer),
        cmocka_unit_test(test_byte_bound_and_overfill),
        cmocka_unit_test(test_abort_wakes_waiters),
        cmocka_unit_test(test_flush_drops_stale),
        cmocka_unit_test(test_threaded_producer_consumer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
