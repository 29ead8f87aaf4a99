/* Tests for player/media/frame_queue: order, capacity, serials, eof, abort, and a
 * threaded producer/consumer run. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "player/media/frame_queue.h"
#include "base/sp_error.h"

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Pushes a tiny gray frame tagged with pts = seq. */
static int push_seq(struct frame_queue *q, int64_t seq, int serial)
{
    AVFrame *f = av_frame_alloc();
    assert_non_null(f);
    f->format = AV_PIX_FMT_GRAY8;
    f->width = 4;
    f->height = 2;
    assert_int_equal(av_frame_get_buffer(f, 0), 0);
    f->data[0][0] = (uint8_t)seq;
    struct frame_meta m = {.serial = serial, .pts_us = seq, .duration_us = 1000};
    int r = frame_queue_push(q, f, &m);
    assert_null(f->buf[0]); /* reference always taken or released */
    av_frame_free(&f);
    return r;
}

static int64_t peek_pts(struct frame_queue *q, size_t idx)
{
    AVFrame *f = av_frame_alloc();
    struct frame_meta m;
    int r = frame_queue_peek(q, idx, f, &m);
    int64_t pts = r == 0 ? m.pts_us : r;
    if (r == 0)
        assert_int_equal(f->data[0][0], (uint8_t)m.pts_us);
    av_frame_free(&f);
    return pts;
}

static void test_order_peek_pop(void **state)
{
    (void)state;
    struct frame_queue *q;
    assert_int_equal(frame_queue_create(&q, 4), 0);
    for (int i = 0; i < 3; i++)
        assert_int_equal(push_seq(q, i + 10, 0), 0);
    assert_int_equal(frame_queue_count(q), 3);
    assert_int_equal(peek_pts(q, 0), 10);
    assert_int_equal(peek_pts(q, 2), 12);
    assert_int_equal(peek_pts(q, 3), SP_EAGAIN);
    frame_queue_pop(q);
    assert_int_equal(peek_pts(q, 0), 11);
    assert_int_equal(frame_queue_wait_us(q, 2, 0), 0);
    assert_int_equal(frame_queue_wait_us(q, 3, 20000), SP_ETIMEOUT);
    frame_queue_set_eof(q, 0);
    assert_int_equal(frame_queue_wait_us(q, 3, -1), SP_EEOF);
    assert_int_equal(peek_pts(q, 2), SP_EEOF);
    assert_int_equal(peek_pts(q, 1), 12);
    frame_queue_destroy(&q);
    assert_null(q);
    frame_queue_destroy(&q);
    assert_int_equal(frame_queue_create(&q, 0), SP_EINVAL);
    assert_int_equal(frame_queue_create(&q, FRAME_QUEUE_MAX + 1), SP_EINVAL);
}

struct producer {
    struct frame_queue *q;
    int count, serial;
    atomic_int done;
    int last_ret;
};

static void *producer_main(void *arg)
{
    struct producer *pr = arg;
    for (int i = 0; i < pr->count; i++) {
        pr->last_ret = push_seq(pr->q, i, pr->serial);
        if (pr->last_ret < 0)
            break;
        atomic_fetch_add(&pr->done, 1);
    }
    return NULL;
}

static void test_capacity_blocks_and_flush_drops(void **state)
{
    (void)state;
    struct frame_queue *q;
    assert_int_equal(frame_queue_create(&q, 3), 0);
    struct producer pr = {.q = q, .count = 5, .serial = 0};
    pthread_t th;
    pthread_create(&th, NULL, producer_main, &pr);
    assert_int_equal(frame_queue_wait_us(q, 3, 5000000), 0);
    sleep_ms(30);
    assert_int_equal(atomic_load(&pr.done), 3);
    assert_int_equal(frame_queue_count(q), 3);
    /* A seek: new generation. The blocked producer's frame is dropped and
     * it runs to its end without queueing anything of serial 0. */
    frame_queue_flush(q, 1);
    pthread_join(th, NULL);
    assert_int_equal(pr.last_ret, 0);
    assert_int_equal(frame_queue_count(q), 0);
    assert_int_equal(frame_queue_serial(q), 1);
    assert_int_equal(push_seq(q, 42, 1), 0);
    assert_int_equal(push_seq(q, 43, 0), 0); /* stale: dropped */
    assert_int_equal(frame_queue_count(q), 1);
    assert_int_equal(peek_pts(q, 0), 42);
    /* eof of an old generation is ignored */
    frame_queue_set_eof(q, 0);
    assert_int_equal(frame_queue_wait_us(q, 2, 10000), SP_ETIMEOUT);
    frame_queue_destroy(&q);
}

struct waiter {
    struct frame_queue *q;
    int ret;
};

static void *waiter_main(void *arg)
{
    struct waiter *w = arg;
    w->ret = frame_queue_wait_us(w->q, 1, -1);
    return NULL;
}

static void test_abort_wakes_waiters(void **state)
{
    (void)state;
    struct frame_queue *empty, *full;
    assert_int_equal(frame_queue_create(&empty, 2), 0);
    assert_int_equal(frame_queue_create(&full, 1), 0);
    assert_int_equal(push_seq(full, 0, 0), 0);
    struct waiter w = {.q = empty, .ret = 1};
    struct producer pr = {.q = full, .count = 1};
    pthread_t tw, tp;
    pthread_create(&tw, NULL, waiter_main, &w);
    pthread_create(&tp, NULL, producer_main, &pr);
    sleep_ms(30);
    frame_queue_abort(empty);
    frame_queue_abort(full);
    pthread_join(tw, NULL);
    pthread_join(tp, NULL);
    assert_int_equal(w.ret, SP_ECANCELLED);
    assert_int_equal(pr.last_ret, SP_ECANCELLED);
    assert_int_equal(peek_pts(full, 0), SP_ECANCELLED);
    frame_queue_start(full);
    assert_int_equal(peek_pts(full, 0), 0);
    frame_queue_destroy(&empty);
    frame_queue_destroy(&full);
}

static void test_threaded_producer_consumer(void **state)
{
    (void)state;
    struct frame_queue *q;
    assert_int_equal(frame_queue_create(&q, 2), 0);
    struct producer pr = {.q = q, .count = 1000};
    pthread_t th;
    pthread_create(&th, NULL, producer_main, &pr);
    for (int i = 0; i < 1000; i++) {
        assert_int_equal(frame_queue_wait_us(q, 1, 5000000), 0);
        assert_true(frame_queue_count(q) <= 2);
        assert_int_equal(peek_pts(q, 0), i);
        frame_queue_pop(q);
    }
    pthread_join(th, NULL);
    frame_queue_set_eof(q, 0);
    assert_int_equal(frame_queue_wait_us(q, 1, 5000000), SP_EEOF);
    frame_queue_destroy(&q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_order_peek_pop),
        cmocka_unit_test(test_capacity_blocks_and_flush_drops),
        cmocka_unit_test(test_abort_wakes_waiters),
        cmocka_unit_test(test_threaded_producer_consumer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
