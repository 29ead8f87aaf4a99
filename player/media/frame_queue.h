/* frame_queue.h - a bounded, thread-safe ring of decoded frames.
 *
 * The decode thread pushes, the play loop (or the audio mixer) peeks and
 * pops. Each frame carries its seek generation ("serial") and its media
 * time; frame_queue_flush() drops everything and sets a new serial, a push
 * stamped with an older serial is dropped, and stale frames found at the
 * head are dropped by peek, so a seek never shows a frame from before it.
 *
 * The consumer never holds a pointer into the ring: peek hands out a new
 * reference (av_frame_ref, cheap), so flushing from another thread is safe.
 *
 * End of stream: the producer calls frame_queue_set_eof(q, serial) when it
 * has pushed the last frame of that generation; wait() then reports SP_EEOF
 * once the queue is drained.
 *
 * Locking: one mutex per queue guards everything. Lock order: a leaf (no
 * other lock is taken while it is held). All functions are
 * thread-safe except create/destroy. Times are microseconds.
 */
#ifndef SP_FRAME_QUEUE_H
#define SP_FRAME_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libavutil/frame.h>

#define FRAME_QUEUE_MAX 64 /* capacity cap: decoded video is large */

struct frame_meta {
    int serial;
    int64_t pts_us;      /* media time of the frame, µs (segment's own clock) */
    int64_t duration_us; /* µs until the next frame (estimate for the last) */
};

struct frame_queue;

/* capacity: 1..FRAME_QUEUE_MAX. Returns 0, SP_EINVAL or SP_ENOMEM. */
int frame_queue_create(struct frame_queue **out, size_t capacity);

/* Frees the queue and its frames; NULL-safe, nulls *q. Threads joined. */
void frame_queue_destroy(struct frame_queue **q);

/* Moves frame's reference into the queue (frame is left blank in every
 * case). Blocks while full. A frame whose meta->serial is not the queue's
 * serial is dropped (returns 0). Returns 0, SP_ECANCELLED or SP_ENOMEM. */
int frame_queue_push(struct frame_queue *q, AVFrame *frame, const struct frame_meta *meta);

/* Non-blocking look at the idx-th frame of the current serial (0 = the
 * oldest). On 0, dst (blank, caller-allocated) holds a new reference the
 * caller unrefs, and *meta (may be NULL) its metadata. Returns 0, SP_EAGAIN
 * (not there yet), SP_EEOF (eof marked and fewer than idx+1 frames) or
 * SP_ECANCELLED. */
int frame_queue_peek(struct frame_queue *q, size_t idx, AVFrame *dst, struct frame_meta *meta);

/* Drops the oldest frame (no-op when empty); wakes the producer. */
void frame_queue_pop(struct frame_queue *q);

/* Waits up to timeout_us (µs; < 0: forever) until at least min_count frames
 * of the current serial are queued. Returns 0, SP_EEOF (eof marked, fewer
 * than min_count will ever come), SP_ETIMEOUT or SP_ECANCELLED. */
int frame_queue_wait_us(struct frame_queue *q, size_t min_count, int64_t timeout_us);

/* Marks the end of the stream of generation `serial` (ignored if stale). */
void frame_queue_set_eof(struct frame_queue *q, int serial);

/* Drops every frame, clears eof, makes `serial` current; wakes producers. */
void frame_queue_flush(struct frame_queue *q, int serial);

void frame_queue_abort(struct frame_queue *q);
void frame_queue_start(struct frame_queue *q);

size_t frame_queue_count(struct frame_queue *q);
int frame_queue_serial(struct frame_queue *q);

#endif
