/* timeline.c - w(t) and back, segment lookup, origin refinement. */
#include "player/recording/timeline.h"

#include "base/diag.h"
#include "player/recording/manifest.h"
#include "base/sp_error.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* Inputs are clamped to this magnitude so that no sum overflows (µs). */
#define TL_T_LIMIT ((int64_t)1 << 60)
#define TL_W_LIMIT ((int64_t)1 << 62)

struct timeline {
    const struct recording *rec; /* not owned; outlives us */
    int64_t origin;              /* Unix µs of t = 0 */
    int64_t total;               /* TotalTime, µs */
    size_t n_pauses;
    struct tl_pause *pauses; /* wall_start_us kept in step with origin */
    int64_t *cum;            /* n_pauses + 1: cum[i] = sum of durations of pauses [0, i) */
    int64_t *start;          /* n_pauses: video_us + cum[i], the pause's start in w - origin */
    int64_t *bounds;         /* sorted unique segment starts/ends and pause times */
    size_t n_bounds;
    int64_t **lane_reach; /* per lane, per segment: furthest end up to it */
};

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static int64_t clamp_t(int64_t t)
{
    return t > TL_T_LIMIT ? TL_T_LIMIT : t < -TL_T_LIMIT ? -TL_T_LIMIT : t;
}

/* Number of pauses with video_us <= t. */
static size_t pauses_upto(const struct timeline *tl, int64_t t)
{
    size_t lo = 0, hi = tl->n_pauses;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (tl->pauses[mid].video_us <= t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static void update_wall_starts(struct timeline *tl)
{
    for (size_t i = 0; i < tl->n_pauses; i++)
        tl->pauses[i].wall_start_us = tl->origin + tl->start[i];
}

void tl_destroy(struct timeline **ptl)
{
    if (!ptl || !*ptl)
        return;
    struct timeline *tl = *ptl;
    if (tl->lane_reach) {
        for (size_t l = 0; l < tl->rec->n_lanes; l++)
            free(tl->lane_reach[l]);
        free(tl->lane_reach);
    }
    free(tl->pauses);
    free(tl->cum);
    free(tl->start);
    free(tl->bounds);
    free(tl);
    *ptl = NULL;
}

int tl_create(const struct recording *rec, struct timeline **out)
{
    if (!out)
        return SP_EINVAL;
    *out = NULL;
    if (!rec)
        return SP_EINVAL;
    struct timeline *tl = calloc(1, sizeof(*tl));
    if (!tl)
        return SP_ENOMEM;
    tl->rec = rec;
    tl->origin = clamp_t(rec->record_start_us);
    tl->total = rec->total_us;
    tl->n_pauses = rec->n_pauses;
    tl->pauses = calloc(rec->n_pauses + 1, sizeof(*tl->pauses));
    tl->cum = calloc(rec->n_pauses + 1, sizeof(*tl->cum));
    tl->start = calloc(rec->n_pauses + 1, sizeof(*tl->start));
    tl->bounds = malloc((2 * rec->n_segments + rec->n_pauses + 1) * sizeof(*tl->bounds));
    tl->lane_reach = calloc(rec->n_lanes + 1, sizeof(*tl->lane_reach));
    if (!tl->pauses || !tl->cum || !tl->start || !tl->bounds || !tl->lane_reach)
        goto nomem;
    for (size_t i = 0; i < rec->n_pauses; i++) {
        const struct rec_pause *p = &rec->pauses[i];
        int64_t d = p->resume_wall_us - p->pause_wall_us;
        tl->pauses[i] = (struct tl_pause){p->video_us, d, 0, p->inferred};
        tl->cum[i + 1] = clamp_t(tl->cum[i] + d);
        tl->start[i] = p->video_us + tl->cum[i];
    }
    update_wall_starts(tl);
    size_t nb = 0;
    for (size_t l = 0; l < rec->n_lanes; l++) {
        const struct rec_lane *ln = &rec->lanes[l];
        tl->lane_reach[l] = malloc((ln->n_segments + 1) * sizeof(int64_t));
        if (!tl->lane_reach[l])
            goto nomem;
        for (size_t i = 0; i < ln->n_segments; i++) {
            int64_t end = rec_segment_end_us(&ln->segments[i]);
            tl->lane_reach[l][i] =
                i && tl->lane_reach[l][i - 1] > end ? tl->lane_reach[l][i - 1] : end;
            tl->bounds[nb++] = ln->segments[i].play_us;
            tl->bounds[nb++] = end;
        }
    }
    for (size_t i = 0; i < rec->n_pauses; i++)
        tl->bounds[nb++] = rec->pauses[i].video_us;
    if (nb)
        qsort(tl->bounds, nb, sizeof(*tl->bounds), cmp_i64);
    size_t u = 0;
    for (size_t i = 0; i < nb; i++)
        if (!u || tl->bounds[i] != tl->bounds[u - 1])
            tl->bounds[u++] = tl->bounds[i];
    tl->n_bounds = u;
    *out = tl;
    return 0;
nomem:
    tl_destroy(&tl);
    return SP_ENOMEM;
}

const struct recording *tl_recording(const struct timeline *tl)
{
    return tl->rec;
}

int64_t tl_total_us(const struct timeline *tl)
{
    return tl->total;
}

int64_t tl_origin_us(const struct timeline *tl)
{
    return tl->origin;
}

int64_t tl_wall_duration_us(const struct timeline *tl)
{
    return tl_wall_from_play_us(tl, tl->total) - tl->origin;
}

size_t tl_pause_count(const struct timeline *tl)
{
    return tl->n_pauses;
}

const struct tl_pause *tl_pause_at(const struct timeline *tl, size_t i)
{
    return i < tl->n_pauses ? &tl->pauses[i] : NULL;
}

int64_t tl_wall_from_play_us(const struct timeline *tl, int64_t t)
{
    t = clamp_t(t);
    return tl->origin + t + tl->cum[pauses_upto(tl, t)];
}

int64_t tl_play_from_wall_us(const struct timeline *tl, int64_t w)
{
    /* w(t) is origin + t + pauses, each within 2^60, so a wall time from
       tl_wall_from_play_us() may pass 2^60: clamp wider, or the inverse
       would not undo it. 2^62 + 2^60 still fits in int64_t. */
    int64_t x = (w > TL_W_LIMIT ? TL_W_LIMIT : w < -TL_W_LIMIT ? -TL_W_LIMIT : w) - tl->origin;
    /* The last pause that starts (in x) at or before x. */
    size_t lo = 0, hi = tl->n_pauses;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (tl->start[mid] <= x)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return x;
    size_t i = lo - 1;
    if (x < tl->start[i] + tl->pauses[i].duration_us)
        return tl->pauses[i].video_us; /* inside the pause */
    return x - tl->cum[i + 1];
}

int tl_lane_at_us(const struct timeline *tl, size_t lane, int64_t t, struct tl_lane_state *st)
{
    if (!tl || !st || lane >= tl->rec->n_lanes)
        return SP_EINVAL;
    const struct rec_lane *ln = &tl->rec->lanes[lane];
    const int64_t *reach = tl->lane_reach[lane];
    memset(st, 0, sizeof(*st));
    st->next_change_us = TL_NONE;
    /* j = number of segments starting at or before t. */
    size_t lo = 0, hi = ln->n_segments;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ln->segments[mid].play_us <= t)
            lo = mid + 1;
        else
            hi = mid;
    }
    size_t j = lo;
    if (j < ln->n_segments)
        st->next_change_us = ln->segments[j].play_us;
    /* Walk back to the latest-starting segment still running at t; the
     * running maximum of ends says when nothing earlier can cover t. */
    for (size_t k = j; k-- > 0;) {
        if (reach[k] <= t)
            break;
        const struct rec_segment *s = &ln->segments[k];
        if (rec_segment_end_us(s) > t) {
            st->seg = s;
            st->offset_us = t - s->play_us;
            if (rec_segment_end_us(s) < st->next_change_us)
                st->next_change_us = rec_segment_end_us(s);
            break;
        }
    }
    return 0;
}

int64_t tl_next_boundary_us(const struct timeline *tl, int64_t t)
{
    size_t lo = 0, hi = tl->n_bounds;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (tl->bounds[mid] <= t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < tl->n_bounds ? tl->bounds[lo] : TL_NONE;
}

void tl_set_origin_us(struct timeline *tl, int64_t origin_us)
{
    tl->origin = clamp_t(origin_us);
    update_wall_starts(tl);
}

int tl_refine_origin_us(struct timeline *tl, const struct tl_anchor *anchors, size_t n,
                        struct diag_list *diag, int64_t *origin_us)
{
    if (!tl || (n && !anchors))
        return SP_EINVAL;
    if (n) {
        int64_t *cand = malloc(n * sizeof(*cand));
        if (!cand)
            return SP_ENOMEM;
        for (size_t i = 0; i < n; i++) {
            int64_t t = clamp_t(anchors[i].play_us);
            cand[i] = clamp_t(anchors[i].board_us) - (t + tl->cum[pauses_upto(tl, t)]);
        }
        qsort(cand, n, sizeof(*cand), cmp_i64);
        int64_t a = cand[(n - 1) / 2], b = cand[n / 2];
        free(cand);
        /* The midpoint rounded down to whole ms, as the service's times
           (and the origin before times were µs) are. */
        tl_set_origin_us(tl, a + (b - a) / 2000 * 1000);
        int64_t base = tl->rec->record_start_us;
        int64_t off = tl->origin - base;
        if (off > TL_ORIGIN_WARN_US || off < -TL_ORIGIN_WARN_US)
            diag_add(diag, DIAG_WARNING,
                     "%s: RecordStartTime: the media's sync times put the start %" PRId64
                     " ms from RecordStartTime; using the media's",
                     tl->rec->doc_name, off / 1000);
    }
    if (origin_us)
        *origin_us = tl->origin;
    return 0;
}
