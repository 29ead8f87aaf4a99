/* seq_set.h - which MsgSeq values were already read, across IM pages.
 *
 * The streamed signaling (player/signaling/signaling.c) reads pages one by one and
 * drops messages whose MsgSeq an earlier page already had, as msg_log does
 * (the first one seen stays). Only the seq, a fingerprint of the message
 * (sender, MsgRandom, MsgTimeStamp, element count) and where it was read are
 * kept, so a duplicate that differs can be reported as msg_log reports it,
 * without keeping the message. Open addressing, 24 bytes an entry.
 *
 * Threads: none inside; one owner at a time.
 */
#ifndef SP_SEQ_SET_H
#define SP_SEQ_SET_H

#include <stddef.h>
#include <stdint.h>

struct seq_entry {
    int64_t seq;
    uint64_t fp;   /* seq_fingerprint() of the kept message */
    uint32_t page; /* caller's page number of the kept message */
    int32_t index; /* its RspMsgList index */
};

struct seq_set {
    struct seq_entry *v; /* owned; cap slots, a slot is free when page == UINT32_MAX */
    size_t cap;          /* power of two, or 0 */
    size_t count;
};

/* A zeroed struct is an empty set. */
void seq_set_clear(struct seq_set *s);

/* Adds seq. Returns 1 (added), 0 (already there: *kept is the entry kept, valid
 * until the next insert) or SP_ENOMEM. */
int seq_set_insert(struct seq_set *s, int64_t seq, uint64_t fp, uint32_t page, int32_t index,
                   const struct seq_entry **kept);

/* The fingerprint msg_log's "same message" test compares. */
uint64_t seq_fingerprint(const char *from, int64_t random, int64_t timestamp, size_t elem_count);

#endif
