/* buffered.c - the buffered stretches of playback time (see buffered.h). */
#include "player/net/buffered.h"

#include "player/net/cache.h"
#include "player/net/fetch.h"
#include "player/recording/manifest.h"
#include "base/sp_error.h"
#include "player/recording/timeline.h"

#include <stdlib.h>

/* A missing stretch [a, b) in whole ms: the gaps are found in ms and the
 * result is given in µs (* 1000), so that the bar's band is what it was. */
struct gap_ms {
    int64_t a, b;
};

struct gaps {
    struct gap_ms *v;
    size_t n, cap;
};

static int gap_add(struct gaps *g, int64_t a, int64_t b)
{
    if (b <= a)
        return 0;
    if (g->n == g->cap) {
        if (g->cap >= BUFFERED_MAX_GAPS) { /* widen the last one instead */
            if (b > g->v[g->n - 1].b)
                g->v[g->n - 1].b = b;
            return 0;
        }
        size_t cap = g->cap ? g->cap * 2 : 64;
        struct gap_ms *v = realloc(g->v, cap * sizeof(*v));
        if (!v)
            return SP_ENOMEM;
        g->v = v;
        g->cap = cap;
    }
    g->v[g->n++] = (struct gap_ms){a, b};
    return 0;
}

/* Playback time of byte b of a len-byte segment starting at play, lasting dur. */
static int64_t byte_time(int64_t play, int64_t dur, int64_t b, int64_t len)
{
    return play + (int64_t)((double)b * (double)dur / (double)len);
}

/* The missing stretches of one remote segment. */
static int segment_gaps(struct cache *c, const struct rec_segment *seg, struct gaps *g)
{
    int64_t play = seg->play_us / 1000, dur = seg->duration_us / 1000;
    struct cache_entry *e = NULL;
    if (cache_entry_open(c, seg->url, &e) != 0)
        return gap_add(g, play, play + dur);
    struct cache_info ci;
    cache_entry_info(e, &ci);
    int rc = 0;
    if (ci.complete) {
        /* nothing missing */
    } else if (ci.length <= 0) {
        rc = gap_add(g, play, play + dur);
    } else {
        int64_t at = 0, end = 0;
        for (size_t k = 0; rc == 0 && k <= CACHE_MAX_RANGES && at < ci.length; k++) {
            at = cache_entry_next_gap(e, at, &end);
            if (at < 0)
                break;
            if (end < 0 || end > ci.length)
                end = ci.length;
            if (end <= at)
                break;
            rc = gap_add(g, byte_time(play, dur, at, ci.length),
                         byte_time(play, dur, end, ci.length));
            at = end;
        }
    }
    cache_entry_release(&e);
    return rc;
}

static int cmp_range(const void *pa, const void *pb)
{
    const struct gap_ms *a = pa, *b = pb;
    return a->a < b->a ? -1 : a->a > b->a;
}

int buffered_ranges(const struct timeline *tl, struct fetch *f, struct buffered_range *out,
                    size_t max)
{
    if (!tl || (!out && max))
        return SP_EINVAL;
    const struct recording *rec = tl_recording(tl);
    int64_t total = tl_total_us(tl) / 1000;
    if (total <= 0 || max == 0)
        return 0;
    struct gaps g = {0};
    struct cache *c = f ? fetch_cache(f) : NULL;
    int rc = 0;
    for (size_t l = 0; c && rc == 0 && l < rec->n_lanes; l++)
        for (size_t s = 0; rc == 0 && s < rec->lanes[l].n_segments; s++) {
            const struct rec_segment *seg = &rec->lanes[l].segments[s];
            if (seg->duration_us > 0 && fetch_is_remote(seg->url))
                rc = segment_gaps(c, seg, &g);
        }
    if (rc) {
        free(g.v);
        return rc;
    }
    if (g.n)
        qsort(g.v, g.n, sizeof(*g.v), cmp_range);
    /* the complement of the gaps' union within [0, total) */
    size_t n = 0;
    int64_t at = 0;
    for (size_t i = 0; i <= g.n && n < max; i++) {
        int64_t a = i < g.n ? g.v[i].a : total;
        int64_t b = i < g.n ? g.v[i].b : total;
        if (a > total)
            a = total;
        if (a > at)
            out[n++] = (struct buffered_range){at * 1000, a * 1000};
        if (b > at)
            at = b;
    }
    free(g.v);
    return (int)n;
}
