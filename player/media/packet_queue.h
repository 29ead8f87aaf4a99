/* packet_queue.h - a bounded, thread-safe FIFO of compressed packets.
 *
 * One queue per elementary stream of a segment: the demux thread puts, the
 * decode thread gets. Each packet carries the seek generation ("serial") it
 * was read under; packet_queue_flush() drops everything and sets the
 * queue's new serial, and a put stamped with an older serial is dropped on the
 * spot, so after a seek no stale packet ever reaches a decoder (the ffplay
 * way of making "the latest seek wins" true across threads).
 *
 * Bounds: a put blocks while the queue holds max_packets packets or
 * max_bytes payload bytes (an empty queue always accepts one packet, so a
 * single huge packet cannot wedge it). A put with `overfill` ignores the
 * soft bounds up to PACKET_QUEUE_HARD_FACTOR times them: the demuxer uses
 * it when a sibling stream's queue is starving, which is what prevents the
 * classic "video queue full, audio queue empty" deadlock of poorly
 * interleaved files.
 *
 * Abort: packet_queue_abort() wakes every waiter; puts and gets then return
 * SP_ECANCELLED until packet_queue_start(). Shutdown order: abort, join the
 * threads, destroy.
 *
 * An empty packet (data NULL, size 0) is a legal item: the demuxer uses it
 * to tell the decoder "end of stream, drain".
 *
 * Locking: one mutex per queue guards everything; no callback is called
 * with it held. Lock order: a leaf (no other lock is taken while it is
 * held). All functions are thread-safe except create/destroy.
 */
#ifndef SP_PACKET_QUEUE_H
#define SP_PACKET_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libavcodec/packet.h>

#define PACKET_QUEUE_HARD_FACTOR 4

struct packet_queue;

/* Creates a queue (aborted == false, serial 0). max_packets >= 1,
 * max_bytes >= 1. Returns 0, SP_EINVAL or SP_ENOMEM. */
int packet_queue_create(struct packet_queue **out, size_t max_packets, size_t max_bytes);

/* Frees the queue and every packet still in it; NULL-safe, nulls *q. The
 * caller has joined every thread that used it. */
void packet_queue_destroy(struct packet_queue **q);

/* Moves pkt's reference into the queue (pkt is left blank, as after
 * av_packet_unref, in every case). Blocks while full (see bounds above).
 * serial: the generation the packet was read under; if it is not the
 * queue's current serial the packet is dropped and 0 returned.
 * Returns 0, SP_ECANCELLED (aborted) or SP_ENOMEM. */
int packet_queue_put(struct packet_queue *q, AVPacket *pkt, int serial, bool overfill);

/* Takes the oldest packet into pkt (which must be blank; the caller owns
 * the reference afterwards) and its serial into *serial (may be NULL).
 * block: wait while empty. Returns 0, SP_EAGAIN (empty, !block) or
 * SP_ECANCELLED (aborted). */
int packet_queue_get(struct packet_queue *q, AVPacket *pkt, int *serial, bool block);

/* Drops every packet and makes `serial` the current generation (the owner
 * keeps the counter so that every queue of a segment shares it). Wakes
 * blocked producers: a put stamped with the old serial returns at once. */
void packet_queue_flush(struct packet_queue *q, int serial);

/* Abort: wakes every waiter; put/get return SP_ECANCELLED until start. */
void packet_queue_abort(struct packet_queue *q);
void packet_queue_start(struct packet_queue *q);

int packet_queue_serial(struct packet_queue *q);

/* Snapshot of the fill level (packets, payload bytes). */
void packet_queue_level(struct packet_queue *q, size_t *packets, size_t *bytes);

/* True if a non-overfill put would block now. */
bool packet_queue_full(struct packet_queue *q);

#endif
