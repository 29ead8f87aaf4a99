/* manifest_build.c - from the VideoInfos read to lanes, and the pauses:
 * grouping by (UserId, VideoType), ordering, overlap and TotalTime checks,
 * and the pause inference of contract section 3. */
#include "base/diag.h"
#include "player/recording/manifest_internal.h"
#include "base/sp_error.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SUBSTREAM_PREFIX "tic_substream_"
#define MIXSTREAM_PREFIX "tic_mixstream_"

/* A segment with its lane key, for sorting. */
struct sort_item {
    const char *user;
    int64_t vtype;
    size_t own_lane; /* seg_key.own_lane */
    int64_t play;
    size_t src; /* VideoInfos index: keeps the order stable */
    size_t seg; /* index in rec_impl.segs */
};

static int cmp_items(const void *a, const void *b)
{
    const struct sort_item *x = a, *y = b;
    int s = strcmp(x->user, y->user);
    if (s)
        return s;
    if (x->vtype != y->vtype)
        return x->vtype < y->vtype ? -1 : 1;
    if (x->own_lane != y->own_lane)
        return x->own_lane < y->own_lane ? -1 : 1;
    if (x->play != y->play)
        return x->play < y->play ? -1 : 1;
    return x->src < y->src ? -1 : x->src > y->src;
}

/* A run of sort_items forming one lane. */
struct group {
    size_t first, count;
    size_t first_src; /* lanes are listed in order of first appearance */
};

static int cmp_groups(const void *a, const void *b)
{
    const struct group *x = a, *y = b;
    return x->first_src < y->first_src ? -1 : x->first_src > y->first_src;
}

static void name_lane(struct mctx *c, struct rec_lane *ln, const char *user, int64_t vtype,
                      size_t own_lane)
{
    ln->user_id = user;
    ln->video_type = vtype > INT32_MAX ? INT32_MAX : (int)vtype;
    ln->kind = vtype <= REC_LANE_AUDIO ? (enum rec_lane_kind)vtype : REC_LANE_UNKNOWN;
    size_t pl = strlen(SUBSTREAM_PREFIX);
    bool sub = !strncmp(user, SUBSTREAM_PREFIX, pl) && user[pl];
    ln->owner = sub ? user + pl : user;
    const char *who = *ln->owner ? ln->owner : "(no user)";
    char buf[256];
    if (own_lane != SIZE_MAX) {
        /* a composed video of a generation task: its number is what tells
           them apart */
        snprintf(buf, sizeof(buf), "composed video %zu", own_lane + 1);
        const char *n = mf_strdup(c, buf, strlen(buf));
        ln->name = n ? n : "";
        return;
    }
    switch (ln->kind) {
    case REC_LANE_CAMERA:
        snprintf(buf, sizeof(buf), sub ? "%s (auxiliary)" : "%s", who);
        break;
    case REC_LANE_SCREEN:
        snprintf(buf, sizeof(buf), "%s (screen)", who);
        break;
    case REC_LANE_WHITEBOARD:
        if (*user)
            snprintf(buf, sizeof(buf), "whiteboard (%s)", user);
        else
            snprintf(buf, sizeof(buf), "whiteboard");
        break;
    case REC_LANE_MIXED:
        if (!strncmp(user, MIXSTREAM_PREFIX, strlen(MIXSTREAM_PREFIX)) || !*user)
            snprintf(buf, sizeof(buf), "mixed stream");
        else
            snprintf(buf, sizeof(buf), "mixed stream (%s)", user);
        break;
    case REC_LANE_AUDIO:
        snprintf(buf, sizeof(buf), "%s (audio)", who);
        break;
    default:
        snprintf(buf, sizeof(buf), "%s (type %" PRId64 ")", who, vtype);
        break;
    }
    const char *n = mf_strdup(c, buf, strlen(buf));
    ln->name = n ? n : "";
}

static int group_lanes(struct mctx *c, const struct seg_key *keys)
{
    struct rec_impl *r = c->r;
    size_t n = r->n_segs;
    if (!n)
        return 0;
    struct sort_item *items = malloc(n * sizeof(*items));
    struct group *groups = malloc(n * sizeof(*groups));
    struct rec_segment *segs = malloc(n * sizeof(*segs));
    int rc = SP_ENOMEM;
    if (!items || !groups || !segs)
        goto out;
    for (size_t i = 0; i < n; i++)
        items[i] = (struct sort_item){keys[i].user,       keys[i].vtype,           keys[i].own_lane,
                                      r->segs[i].play_us, r->segs[i].source_index, i};
    qsort(items, n, sizeof(*items), cmp_items);
    size_t ng = 0;
    for (size_t i = 0; i < n; i++) {
        if (i == 0 || strcmp(items[i].user, items[i - 1].user) != 0 ||
            items[i].vtype != items[i - 1].vtype || items[i].own_lane != items[i - 1].own_lane) {
            groups[ng++] = (struct group){i, 0, items[i].src};
        }
        struct group *g = &groups[ng - 1];
        g->count++;
        if (items[i].src < g->first_src)
            g->first_src = items[i].src;
    }
    qsort(groups, ng, sizeof(*groups), cmp_groups);
    r->lanes = calloc(ng, sizeof(*r->lanes));
    if (!r->lanes)
        goto out;
    size_t k = 0;
    for (size_t g = 0; g < ng; g++) {
        struct rec_lane *ln = &r->lanes[g];
        const struct sort_item *first = &items[groups[g].first];
        name_lane(c, ln, first->user, first->vtype, first->own_lane);
        ln->segments = segs + k;
        ln->n_segments = groups[g].count;
        for (size_t j = 0; j < groups[g].count; j++) {
            segs[k] = r->segs[items[groups[g].first + j].seg];
            segs[k].lane = g;
            k++;
        }
    }
    free(r->segs);
    r->segs = segs;
    segs = NULL;
    r->pub.lanes = r->lanes;
    r->pub.n_lanes = ng;
    r->pub.n_segments = n;
    rc = 0;
out:
    free(items);
    free(groups);
    free(segs);
    return rc;
}

static void check_lanes(struct mctx *c)
{
    const struct recording *p = &c->r->pub;
    const char *arr = c->r->seg_array ? c->r->seg_array : "VideoInfos";
    for (size_t l = 0; l < p->n_lanes; l++) {
        const struct rec_lane *ln = &p->lanes[l];
        size_t longest = 0; /* the earlier segment that reaches furthest */
        for (size_t i = 0; i < ln->n_segments; i++) {
            const struct rec_segment *s = &ln->segments[i];
            if (i > 0 && s->play_us < rec_segment_end_us(&ln->segments[longest]))
                diag_add(c->diag, DIAG_WARNING,
                         "%s: %s[%zu]: overlaps %s[%zu] in lane %s (starts at "
                         "%" PRId64 " ms, before that one ends at %" PRId64 " ms)",
                         c->name, arr, s->source_index, arr, ln->segments[longest].source_index,
                         ln->name, s->play_us / 1000,
                         rec_segment_end_us(&ln->segments[longest]) / 1000);
            if (i == 0 || rec_segment_end_us(s) > rec_segment_end_us(&ln->segments[longest]))
                longest = i;
            if (s->play_us >= p->total_us && s->duration_us > 0)
                diag_add(c->diag, DIAG_WARNING,
                         "%s: %s[%zu]: starts at %" PRId64 " ms, at or after TotalTime "
                         "%" PRId64 " ms; never shown",
                         c->name, arr, s->source_index, s->play_us / 1000, p->total_us / 1000);
            else if (rec_segment_end_us(s) > p->total_us)
                diag_add(c->diag, DIAG_WARNING,
                         "%s: %s[%zu]: ends at %" PRId64 " ms, past TotalTime %" PRId64
                         " ms; cut there",
                         c->name, arr, s->source_index, rec_segment_end_us(s) / 1000,
                         p->total_us / 1000);
        }
    }
}

static int cmp_pauses(const void *a, const void *b)
{
    const struct rec_pause *x = a, *y = b;
    if (x->video_us != y->video_us)
        return x->video_us < y->video_us ? -1 : 1;
    return x->pause_wall_us < y->pause_wall_us ? -1 : x->pause_wall_us > y->pause_wall_us;
}

static void check_given_pauses(struct mctx *c)
{
    struct rec_impl *r = c->r;
    struct recording *p = &r->pub;
    bool sorted = true;
    for (size_t i = 1; i < p->n_pauses; i++)
        if (cmp_pauses(&r->pauses[i - 1], &r->pauses[i]) > 0)
            sorted = false;
    if (!sorted) {
        diag_add(c->diag, DIAG_WARNING, "%s: OmittedDurations: not in VideoTime order; sorted",
                 c->name);
        qsort(r->pauses, p->n_pauses, sizeof(*r->pauses), cmp_pauses);
    }
    int64_t sum = 0; /* ms: 10,000 pauses of the longest kind overflow in µs */
    for (size_t i = 0; i < p->n_pauses; i++) {
        const struct rec_pause *ps = &r->pauses[i];
        sum += (ps->resume_wall_us - ps->pause_wall_us) / 1000;
        if (ps->video_us > p->total_us)
            diag_add(c->diag, DIAG_WARNING,
                     "%s: OmittedDurations: pause at VideoTime %" PRId64 " ms is past TotalTime "
                     "%" PRId64 " ms",
                     c->name, ps->video_us / 1000, p->total_us / 1000);
        if (i > 0 && ps->pause_wall_us < r->pauses[i - 1].resume_wall_us)
            diag_add(c->diag, DIAG_WARNING,
                     "%s: OmittedDurations: pause at VideoTime %" PRId64 " ms begins (PauseTime "
                     "%" PRId64 ") before the previous pause resumes (%" PRId64 ")",
                     c->name, ps->video_us / 1000, ps->pause_wall_us / 1000,
                     r->pauses[i - 1].resume_wall_us / 1000);
    }
    if (r->has_start && r->has_stop) {
        int64_t wall = (p->record_stop_us - p->record_start_us) / 1000; /* ms, as sum */
        int64_t expect = p->total_us / 1000 + sum;
        if (wall - expect > MANIFEST_PAUSE_SLACK_US / 1000 ||
            expect - wall > MANIFEST_PAUSE_SLACK_US / 1000)
            diag_add(c->diag, DIAG_WARNING,
                     "%s: OmittedDurations: RecordStopTime - RecordStartTime is %" PRId64
                     " ms, but TotalTime plus the pauses is %" PRId64 " ms",
                     c->name, wall, expect);
    }
}

struct span {
    int64_t play, end;
};

static int cmp_spans(const void *a, const void *b)
{
    const struct span *x = a, *y = b;
    if (x->play != y->play)
        return x->play < y->play ? -1 : 1;
    return x->end < y->end ? -1 : x->end > y->end;
}

/* Section 3: a pause goes where every lane active just before ends a
 * segment and new segments begin. With spans sorted by start and pm[i] the
 * furthest end among spans[0..i], a start time B qualifies when the spans
 * that began before it (allowing MANIFEST_BOUNDARY_TOLERANCE_US of jitter)
 * all end within the tolerance of B, and at least one ends near B. */
static int infer_pause(struct mctx *c, int64_t gap)
{
    struct rec_impl *r = c->r;
    struct recording *p = &r->pub;
    const int64_t tol = MANIFEST_BOUNDARY_TOLERANCE_US;
    size_t n = r->n_segs;
    struct span *sp = n ? malloc(n * sizeof(*sp)) : NULL;
    int64_t *pm = n ? malloc(n * sizeof(*pm)) : NULL;
    if (n && (!sp || !pm)) {
        free(sp);
        free(pm);
        return SP_ENOMEM;
    }
    for (size_t i = 0; i < n; i++)
        sp[i] = (struct span){r->segs[i].play_us, rec_segment_end_us(&r->segs[i])};
    if (n)
        qsort(sp, n, sizeof(*sp), cmp_spans);
    for (size_t i = 0; i < n; i++)
        pm[i] = i && pm[i - 1] > sp[i].end ? pm[i - 1] : sp[i].end;
    size_t found = 0;
    int64_t first = -1, last = -1;
    size_t lo = 0; /* spans [0, lo) start before B - tol */
    for (size_t i = 0; i < n; i++) {
        int64_t b = sp[i].play;
        if (b <= 0 || b > p->total_us || (i && b == sp[i - 1].play))
            continue;
        if (found && b - last <= tol)
            continue; /* the same boundary, seen again a little later */
        while (lo < n && sp[lo].play < b - tol)
            lo++;
        if (!lo)
            continue;
        int64_t reach = pm[lo - 1];
        if (reach >= b - tol && reach <= b + tol) {
            if (!found)
                first = b;
            last = b;
            found++;
        }
    }
    free(sp);
    free(pm);
    if (!found) {
        p->unplaced_us = gap;
        diag_add(c->diag, DIAG_WARNING,
                 "%s: RecordStopTime - RecordStartTime is %" PRId64 " ms longer than TotalTime, "
                 "but no playback time has every lane ending and restarting; the pause cannot "
                 "be placed, so wall times may be off by up to %" PRId64 " ms",
                 c->name, gap / 1000, gap / 1000);
        return 0;
    }
    if (found > 1)
        diag_add(c->diag, DIAG_WARNING,
                 "%s: %zu playback times could hold the %" PRId64 " ms of pause (first %" PRId64
                 " ms, last %" PRId64 " ms); placed at the first",
                 c->name, found, gap / 1000, first / 1000, last / 1000);
    r->pauses = calloc(1, sizeof(*r->pauses));
    if (!r->pauses)
        return SP_ENOMEM;
    r->pauses[0].video_us = first;
    r->pauses[0].pause_wall_us = p->record_start_us + first;
    r->pauses[0].resume_wall_us = r->pauses[0].pause_wall_us + gap;
    r->pauses[0].inferred = true;
    p->pauses = r->pauses;
    p->n_pauses = 1;
    return 0;
}

int mf_build(struct mctx *c, const struct seg_key *keys)
{
    struct rec_impl *r = c->r;
    struct recording *p = &r->pub;
    int rc = group_lanes(c, keys);
    if (rc)
        return rc;
    if (!r->has_total) {
        int64_t end = 0;
        for (size_t i = 0; i < r->n_segs; i++)
            if (rec_segment_end_us(&r->segs[i]) > end)
                end = rec_segment_end_us(&r->segs[i]);
        p->total_us = end;
    }
    check_lanes(c);
    if (p->pauses_given) {
        check_given_pauses(c);
        return 0;
    }
    if (!r->has_start || !r->has_stop) {
        if (r->has_start && !r->has_stop)
            diag_add(c->diag, DIAG_WARNING, "%s: RecordStopTime: missing; pauses cannot be found",
                     c->name);
        return 0;
    }
    int64_t gap = (p->record_stop_us - p->record_start_us) - p->total_us;
    if (gap < -MANIFEST_PAUSE_SLACK_US)
        diag_add(c->diag, DIAG_WARNING,
                 "%s: TotalTime: %" PRId64 " ms is longer than RecordStopTime - "
                 "RecordStartTime (%" PRId64 " ms)",
                 c->name, p->total_us / 1000, (p->record_stop_us - p->record_start_us) / 1000);
    if (gap <= MANIFEST_PAUSE_SLACK_US)
        return 0;
    return infer_pause(c, gap);
}
