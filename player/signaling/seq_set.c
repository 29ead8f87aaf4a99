/* seq_set.c - the MsgSeq set of the streamed signaling (see seq_set.h). */
#include "player/signaling/seq_set.h"

#include <stdlib.h>
#include <string.h>

#include "base/sp_error.h"

#define FREE_PAGE UINT32_MAX

void seq_set_clear(struct seq_set *s)
{
    if (!s)
        return;
    free(s->v);
    memset(s, 0, sizeof(*s));
}

static uint64_t mix(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ull;
    x ^= x >> 33;
    return x;
}

static struct seq_entry *find_slot(struct seq_entry *v, size_t cap, int64_t seq)
{
    size_t m = cap - 1;
    for (size_t i = (size_t)mix((uint64_t)seq) & m;; i = (i + 1) & m) {
        if (v[i].page == FREE_PAGE || v[i].seq == seq)
            return &v[i];
    }
}

static int grow(struct seq_set *s)
{
    size_t ncap = s->cap ? s->cap * 2 : 1024;
    struct seq_entry *nv = malloc(ncap * sizeof(*nv));
    if (!nv)
        return SP_ENOMEM;
    for (size_t i = 0; i < ncap; i++)
        nv[i].page = FREE_PAGE;
    for (size_t i = 0; i < s->cap; i++)
        if (s->v[i].page != FREE_PAGE)
            *find_slot(nv, ncap, s->v[i].seq) = s->v[i];
    free(s->v);
    s->v = nv;
    s->cap = ncap;
    return 0;
}

int seq_set_insert(struct seq_set *s, int64_t seq, uint64_t fp, uint32_t page, int32_t index,
                   const struct seq_entry **kept)
{
    /* Load factor at most 1/2: probes stay short. */
    if ((s->count + 1) * 2 > s->cap) {
        int rc = grow(s);
        if (rc)
            return rc;
    }
    if (page == FREE_PAGE)
        page = FREE_PAGE - 1; /* the marker of a free slot is never a page */
    struct seq_entry *e = find_slot(s->v, s->cap, seq);
    if (e->page != FREE_PAGE) {
        if (kept)
            *kept = e;
        return 0;
    }
    e->seq = seq;
    e->fp = fp;
    e->page = page;
    e->index = index;
    s->count++;
    return 1;
}

uint64_t seq_fingerprint(const char *from, int64_t random, int64_t timestamp, size_t elem_count)
{
    uint64_t h = 1469598103934665603ull;
    for (const unsigned char *p = (const unsigned char *)(from ? from : ""); *p; p++)
        h = (h ^ *p) * 1099511628211ull;
    h = mix(h ^ (uint64_t)random);
    h = mix(h ^ (uint64_t)timestamp);
    return mix(h ^ (uint64_t)elem_count);
}
